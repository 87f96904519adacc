"""crosscheck report: two runs with the same options give byte-identical report.json/.csv/
.md; an interrupted run (an exception in the middle of the evaluation, a failing rename,
a SIGKILL) leaves the previous files intact; --show prints a reproduction that rebuilds
the problem; bad options exit 2.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from report_helpers import PASSED, N
from report_helpers import report_files as _files

from crosscheck import atomic, cli
from crosscheck.commands import report as report_command
from crosscheck.report.files import load_report, read_results_csv
from crosscheck.report.generate import generate
from crosscheck.report.markdown import summary_table
from crosscheck.report.records import PAIRS, SCHEMA, SCHEMA_VERSION

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def examples():
    return generate(N)


def test_report_files_and_schema(unsharded) -> None:
    rep = load_report(unsharded / "report.json")
    assert rep["schema"] == SCHEMA and rep["schema_version"] == SCHEMA_VERSION
    assert rep["examples"] == N and rep["options"]["shard"] == "1/1"
    pairs = list(dict.fromkeys(c["pair"] for c in rep["summary"]))
    assert pairs == [f"{c} vs {o}" for c, o in PAIRS] == rep["pairs"]
    assert all(c["verdict"] == "pass" for c in rep["summary"])
    assert rep["run_id"] and json.loads((unsharded / "meta.json").read_text())["run_id"] == \
        rep["run_id"]
    md = (unsharded / "report.md").read_text()
    assert summary_table(rep) in md
    for title in ("## Summary", "### By activation", "### By cost", "### By depth",
                  "### By layer position", "### Bias row vs weight rows", "worst cases"):
        assert title in md
    assert f"--examples {N} --seed " in md
    text = (unsharded / "report.csv").read_text()
    outcomes = read_results_csv(text)
    assert len(outcomes) == len(PAIRS) * N
    depth = {e.id: e.drawn.problem.depth for e in generate(N)}
    expected_rows = sum(2 * depth[o.example.id] if o.status == "compared" else 1 for o in outcomes)
    assert len(text.splitlines()) == 1 + expected_rows
    meta = json.loads((unsharded / "meta.json").read_text())
    assert meta["seconds"]["total"] > 0 and "numpy" in meta["versions"]
    assert "seconds" not in rep and "versions" not in json.dumps(rep["options"])


def test_same_options_give_identical_files(unsharded, tmp_path) -> None:
    status = cli.main(["report", "--examples", str(N), "--out", str(tmp_path), "--no-html"])
    assert status in PASSED
    assert _files(tmp_path) == _files(unsharded)


def test_interrupted_run_leaves_previous_files(unsharded, tmp_path, monkeypatch) -> None:
    out = tmp_path / "out"
    out.mkdir()
    for name, data in _files(unsharded).items():
        (out / name).write_bytes(data)
    before = _files(out)
    calls = []
    real = report_command.evaluate

    def dies_midway(example, *a, **k):
        calls.append(example.id)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(example, *a, **k)

    monkeypatch.setattr(report_command, "evaluate", dies_midway)
    argv = ["report", "--examples", str(N), "--seed", "99", "--out", str(out), "--no-html"]
    assert cli.main(argv) == 130  # interrupted: one line, no traceback
    assert _files(out) == before
    monkeypatch.setattr(report_command, "evaluate", real)

    def no_rename(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(atomic.os, "replace", no_rename)
    assert cli.main(["report", "--examples", "2", "--out", str(out), "--no-html"]) == 130
    assert _files(out) == before
    assert sorted(os.listdir(out)) == sorted(before)  # no temporary files left


def test_show_prints_a_reproduction(examples, capsys, tmp_path) -> None:
    assert cli.main(["report", "--examples", str(N), "--show", "3", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert f"example 3: {examples[3].drawn.problem.describe()}" in out
    assert "handprop vs mpmath: max budget ratio" in out
    assert "within tolerance" in out and "> tolerance" not in out
    code = out.split("reproduce in Python:", 1)[1]
    ns: dict = {}
    exec(code, ns)  # the printed snippet rebuilds the problem exactly
    p, q = ns["problem"], examples[3].drawn.problem
    assert p.dtype == q.dtype and p.activations == q.activations and p.cost == q.cost
    assert all(np.array_equal(a, b) for a, b in zip((*p.weights, p.X, p.Y),
                                                    (*q.weights, q.X, q.Y), strict=True))
    assert ns["verdict"].status in ("pass", "inconclusive")  # the printed call judged it
    assert cli.main(["report", "--examples", str(N), "--show", str(N)]) == 2


def test_cli_rejects_bad_options(capsys) -> None:
    for argv in (["report", "--shard", "3/2"], ["report", "--examples", "0"]):
        with pytest.raises(SystemExit) as exc:
            cli.main(argv)
        assert exc.value.code == 2
    assert "shard" in capsys.readouterr().err


@pytest.mark.slow
def test_killed_report_leaves_previous_files_readable(unsharded, tmp_path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    for name, data in _files(unsharded).items():
        (out / name).write_bytes(data)
    before = _files(out)
    env = {**os.environ, "CI": "true"}
    with subprocess.Popen(
        [sys.executable, "-m", "crosscheck", "report", "--examples", "300", "--out", str(out)],
        stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, cwd=ROOT, env=env,
    ) as proc:
        line = proc.stderr.readline()
        while line and "examples (" not in line:  # wait for evaluation to be under way
            line = proc.stderr.readline()
        time.sleep(1.0)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert "examples (" in line, line
    assert _files(out) == before
    json.loads((out / "report.json").read_text())


@pytest.mark.slow
def test_two_processes_give_identical_files(unsharded, tmp_path) -> None:
    out = tmp_path / "p"
    run = subprocess.run(
        [sys.executable, "-m", "crosscheck", "report", "--examples", str(N), "--out", str(out),
         "--no-html"],
        cwd=ROOT, capture_output=True,
    )
    assert run.returncode in PASSED, run.stderr
    assert _files(out) == _files(unsharded)
