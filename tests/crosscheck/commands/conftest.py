"""Fixtures of the command tests: one unsharded report run shared by report and merge.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from report_helpers import N

from crosscheck import cli


@pytest.fixture(scope="session")
def unsharded(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("unsharded")
    assert cli.main(["report", "--examples", str(N), "--out", str(out), "--no-html"]) == 0
    return out
