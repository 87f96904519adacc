"""The ``crosscheck.bench`` package: importing it (or its command) is light."""

from __future__ import annotations

import subprocess
import sys


def test_package_import_is_light() -> None:
    code = (
        "import sys, crosscheck.bench, crosscheck.commands.bench; "
        "bad = [m for m in ('torch', 'jax', 'matplotlib', 'threadpoolctl', 'hypothesis') "
        "if m in sys.modules]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
