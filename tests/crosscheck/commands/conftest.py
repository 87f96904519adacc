"""Fixtures of the command tests: one unsharded report run shared by report and merge.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from report_helpers import N

from crosscheck import cli
from crosscheck.commands.report import exit_status
from crosscheck.report.files import load_report


@pytest.fixture(scope="session")
def unsharded(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("unsharded")
    status = cli.main(["report", "--examples", str(N), "--out", str(out), "--no-html"])
    report = load_report(out / "report.json")
    assert report["status"] != "FAIL" and status == exit_status(report)
    return out
