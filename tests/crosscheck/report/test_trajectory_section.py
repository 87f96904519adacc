"""The report's "Training trajectories" section summarises trajectory.json; a missing
file is no section unless asked for, a corrupt one is an error naming it; the figure
beside it is read for the HTML page.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from report_helpers import build as _build
from report_helpers import outcome as _outcome

from crosscheck import trajectory as T
from crosscheck.errors import UsageError
from crosscheck.report.markdown import markdown
from crosscheck.report.trajectory_section import trajectory_figure, trajectory_summary

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


@pytest.mark.parametrize(
    "content", ["", "{not json", "[1, 2]", '{"steps": 5}', '{"steps": 5, "nets": [{}]}'],
    ids=["empty", "truncated", "a list", "no nets", "a net without fields"],
)
def test_a_corrupt_trajectory_file_is_an_error(tmp_path, content) -> None:
    path = tmp_path / "trajectory.json"
    path.write_text(content)
    with pytest.raises(UsageError, match=r"trajectory\.json"):
        trajectory_summary(path)
    with pytest.raises(UsageError, match="no such file"):
        trajectory_summary(tmp_path / "missing.json", required=True)


def test_the_figure_beside_it_is_read_if_it_is_a_png(tmp_path) -> None:
    path = tmp_path / "trajectory.json"
    assert trajectory_figure(path) is None
    (tmp_path / "trajectory.png").write_bytes(b"not a png")
    assert trajectory_figure(path) is None
    (tmp_path / "trajectory.png").write_bytes(b"\x89PNG\r\n\x1a\n...")
    assert trajectory_figure(path) == b"\x89PNG\r\n\x1a\n..."
