"""A Hypothesis fuzz of the command lines of report, merge, check and trajectory: any
argument list, good or bad paths (missing, a file, a directory, read-only, valid shard
directories, a mixed one), exits with a status of the table in ``docs/report.md`` (0, 1,
2, 3; argparse's 0 for --help and 2 for a bad option) and never prints a traceback.

The work is faked (a report's evaluation and plots, the trajectory's training): the
fuzz is about arguments, paths and files, and takes seconds.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from readonly import read_only
from report_child import TINY_PNG, fake_evaluate

from crosscheck import cli
from crosscheck import trajectory as T
from crosscheck.commands import report as report_command
from crosscheck.report import html as report_html
from crosscheck.report.generate import Example, generate

ALLOWED = {0, 1, 2, 3}


def _fake_trajectory(out, *, steps, dtypes, plot):
    Path(out).mkdir(parents=True, exist_ok=True)
    (Path(out) / "trajectory.json").write_text(json.dumps({"steps": steps, "nets": []}))
    return {"nets": []}


@pytest.fixture
def faked(monkeypatch, tmp_path):
    """The work faked, and the working directory a fresh one: the defaults (``--out
    reports``) must not write into the checkout."""
    drawn = generate(3, seed=0)
    monkeypatch.chdir(tmp_path)

    def stream(n, seed, visit, ids=None):
        ids = range(n) if ids is None else ids  # n is small: larger ones are refused first
        for k, i in enumerate(ids):
            if visit(Example(i, drawn[i % 3].drawn)):
                return k + 1
        return len(ids)

    monkeypatch.setattr(report_command, "stream", stream)
    monkeypatch.setattr(report_command, "evaluate", fake_evaluate)
    monkeypatch.setattr(report_command, "oracle_table", lambda: {})
    monkeypatch.setattr(report_html, "plots", lambda report, outcomes: {"ratios": TINY_PNG})
    monkeypatch.setattr(T, "write_reports", _fake_trajectory)


def _paths(tmp: Path, ro: Path) -> dict[str, str]:
    """Named paths, made once: good report directories and files, and bad ones."""
    for k in (1, 2):
        assert cli.main(["report", "--examples", "4", "--shard", f"{k}/2", "--out",
                         str(tmp / f"shard{k}"), "--no-html"]) in (0, 3)
    assert cli.main(["report", "--examples", "4", "--out", str(tmp / "whole")]) in (0, 3)
    assert cli.main(["check", "--report", str(tmp / "whole" / "report.json"), "--baseline",
                     str(tmp / "baseline.json"), "--update-baseline"]) == 0
    (tmp / "mixed").mkdir()
    for name in ("report.json", "report.csv", "report.md"):
        (tmp / "mixed" / name).write_bytes((tmp / "shard1" / name).read_bytes())
    (tmp / "mixed" / "report.md").write_bytes((tmp / "shard2" / "report.md").read_bytes())
    (tmp / "garbage.json").write_text('{"schema": "crosscheck-report", "schema_vers')
    (tmp / "file").write_text("not a directory")
    (tmp / "empty").mkdir()
    (tmp / "traj.json").write_text(json.dumps({"steps": 3, "nets": []}))
    names = ["shard1", "shard2", "whole", "mixed", "file", "empty", "missing/deep",
             "garbage.json", "baseline.json", "traj.json", "whole/report.json",
             "mixed/report.json", "shard1/report.json", "out", "out2"]
    paths = {n: str(tmp / n) for n in names}
    paths["ro"], paths["ro/x.json"] = str(ro), str(ro / "x.json")
    paths[""] = ""
    return paths


_NUMBERS = ["0", "1", "2", "3", "7", "-1", "100001", "100000000000", "1e3", "x", "nan",
            "inf", "0.5", "4", "1/2", "2/2", "3/2", "0/0", "50001", ""]
_OPTIONS = {
    "report": ["--examples", "--seed", "--out", "--shard", "--show", "--no-html",
               "--trajectory"],
    "merge": ["--out", "--no-html", "--trajectory"],
    "check": ["--report", "--baseline", "--update-baseline", "--factor", "--floor"],
    "trajectory": ["--steps", "--out", "--dtypes", "--no-plot"],
}


@st.composite
def _argv(draw, paths: dict[str, str]) -> list[str]:
    command = draw(st.sampled_from(sorted(_OPTIONS)))
    token = st.one_of(
        st.sampled_from(_OPTIONS[command]),
        st.sampled_from(sorted(paths)).map(paths.__getitem__),
        st.sampled_from(_NUMBERS),
        st.sampled_from(["float32", "float64,float16", "--bogus", "-h"]),
        st.text(max_size=8),
    )
    return [command, *draw(st.lists(token, max_size=7))]


def test_any_command_line_exits_by_the_table_without_a_traceback(tmp_path, faked,
                                                                 capsys) -> None:
    with read_only(tmp_path / "ro") as ro:
        paths = _paths(tmp_path, ro)
        capsys.readouterr()

        @settings(max_examples=150, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(argv=_argv(paths))
        def run(argv: list[str]) -> None:
            try:
                status = cli.main(argv)
            except SystemExit as exc:  # argparse: --help (0) or a bad option (2)
                status = exc.code
            out = capsys.readouterr()
            assert status in ALLOWED, (argv, status, out.err)
            assert "Traceback" not in out.err + out.out, (argv, out.err)

        run()
