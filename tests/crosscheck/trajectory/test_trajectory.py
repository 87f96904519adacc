"""The ``crosscheck.trajectory`` package: importing it is light."""

from __future__ import annotations

import subprocess
import sys


def test_module_import_is_light():
    code = (
        "import sys, crosscheck.trajectory; "
        "bad = [m for m in ('torch', 'jax', 'matplotlib') if m in sys.modules]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
