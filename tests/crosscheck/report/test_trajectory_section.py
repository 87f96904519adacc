"""The report's "Training trajectories" section summarises trajectory.json.
"""

from __future__ import annotations

import json
from pathlib import Path

from report_helpers import build as _build
from report_helpers import outcome as _outcome

from crosscheck import trajectory as T
from crosscheck.report.markdown import markdown
from crosscheck.report.trajectory_section import trajectory_summary

ROOT = Path(__file__).resolve().parents[3]


def test_trajectory_section_summarises_trajectory_json(tmp_path) -> None:
    path = ROOT / "reports" / "trajectory.json"
    if not path.exists():
        path = tmp_path / "trajectory.json"
        T.write_reports(tmp_path, steps=5, plot=False)
    section = trajectory_summary(path)
    data = json.loads(path.read_text())
    assert section is not None and section["steps"] == data["steps"]
    assert [n["name"] for n in section["nets"]] == [n["name"] for n in data["nets"]]
    md = markdown(_build([_outcome(0, "handprop", "torch")], trajectory=section))
    assert "## Training trajectories" in md and "(trajectory.md)" in md
    assert trajectory_summary(tmp_path / "missing.json") is None
