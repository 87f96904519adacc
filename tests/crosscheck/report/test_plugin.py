"""The pytest plugin (pytest --crosscheck-report) writes a report of every gradient check
of the session: the gate's judgements (``record``) and every check made through
crosscheck's API (a user's ``check_gradients`` / ``assert_gradients_match``, heard
through ``crosscheck.observe``), titled by the candidates checked; the xdist workers'
parts are merged; its line is printed on a line of its own; without the option it does
nothing.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from report_helpers import N

from crosscheck.report.files import load_report, read_results_csv
from crosscheck.report.generate import generate

ROOT = Path(__file__).resolve().parents[3]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}  # this checkout's crosscheck, not another's


@pytest.fixture(scope="module")
def examples():
    return generate(N)


_PLUGIN_TEST = '''
from crosscheck import pytest_plugin
from crosscheck.report.generate import generate
from crosscheck.budget import budget
from crosscheck.judge import judge, reference, run_candidate
import handprop


def test_records():
    for ex in generate(3, seed=1):
        p = ex.drawn.problem
        grads, err = run_candidate(handprop.gradients, p)
        assert err is None
        b = budget(p)
        verdict = judge(grads, reference("finite_differences", p, b), b)
        pytest_plugin.record("handprop.gradients", "finite_differences", p, verdict)
'''


@pytest.mark.slow
def test_pytest_plugin_writes_a_report(tmp_path) -> None:
    (tmp_path / "test_tiny.py").write_text(textwrap.dedent(_PLUGIN_TEST))
    out = tmp_path / "rep"
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist",
         "-p", "no:randomly", str(tmp_path / "test_tiny.py"), "--crosscheck-report", str(out),
         "--rootdir", str(tmp_path)],
        capture_output=True, text=True, cwd=tmp_path, timeout=300, env=ENV,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "\ncrosscheck: report of 3 gradient checks" in run.stdout
    rep = load_report(out / "report.json")
    assert rep["options"]["source"] == "pytest" and rep["examples"] == 3
    assert {c["pair"] for c in rep["summary"]} == {"handprop vs finite_differences"}
    assert {c["verdict"] for c in rep["summary"]} == {"pass"}
    assert rep["worst"][0]["reproduce"].startswith("pytest '")
    assert "test_tiny.py::test_records" in (out / "report.csv").read_text()
    assert (out / "report.html").exists() and (out / "meta.json").exists()
    assert "during a pytest session" in (out / "report.md").read_text()


def test_plugin_session_finish_merges_worker_parts(examples, tmp_path, monkeypatch) -> None:
    """In-process: a worker's part file and the controller's own records become one
    report with ids in (test, order) order."""
    from types import SimpleNamespace

    import handprop
    from crosscheck import pytest_plugin as plugin
    from crosscheck.budget import budget
    from crosscheck.judge import judge, reference, run_candidate

    def run(recorder, test, exs):
        monkeypatch.setattr(plugin, "_recorder", recorder)
        recorder.current = test
        for ex in exs:
            p = ex.drawn.problem
            grads, _ = run_candidate(handprop.gradients, p)
            b = budget(p)
            v = judge(grads, reference("finite_differences", p, b), b)
            plugin.record("handprop.gradients", "finite_differences", p, v)
        session = SimpleNamespace(config=SimpleNamespace(
            invocation_params=SimpleNamespace(args=()),
            pluginmanager=SimpleNamespace(get_plugin=lambda name: None),
        ))
        plugin.pytest_sessionfinish(session, 0)

    out = tmp_path / "rep"
    run(plugin._Recorder(out, "gw1"), "tests/b.py::t", examples[3:5])
    assert (out / ".crosscheck-parts" / "gw1.csv").exists()
    run(plugin._Recorder(out, None), "tests/a.py::t", examples[:2])
    assert not (out / ".crosscheck-parts").exists()
    rep = load_report(out / "report.json")
    assert rep["examples"] == 4 and rep["options"]["source"] == "pytest"
    outs = read_results_csv((out / "report.csv").read_text())
    assert [(o.example.id, o.example.test, o.example.sizes) for o in outs] == [
        (i, t, ex.drawn.problem.sizes)
        for i, (t, ex) in enumerate(
            [("tests/a.py::t", e) for e in examples[:2]]
            + [("tests/b.py::t", e) for e in examples[3:5]]
        )
    ]
    assert rep["worst"][0]["reproduce"].startswith("pytest 'tests/")


def test_plugin_record_is_a_no_op_without_the_option(monkeypatch) -> None:
    """Without --crosscheck-report (no recorder, or one not recording) a judgement is not
    recorded; with a recording one, it is, once."""
    import types

    from fakes import exact, one_unit_problem

    from crosscheck import pytest_plugin
    from crosscheck.budget import budget
    from crosscheck.judge import Reference, judge

    problem = one_unit_problem()
    verdict = judge(exact(problem), Reference("fake", "peer", exact(problem), None, None),
                    budget(problem))
    added = []
    recorder = types.SimpleNamespace(recording=False, outcomes=[], current="tests/x.py::t",
                                     add=lambda o, p: added.append((o, p)))
    monkeypatch.setattr(pytest_plugin, "_recorder", None)
    pytest_plugin.record("handprop", "torch", problem, verdict)
    monkeypatch.setattr(pytest_plugin, "_recorder", recorder)
    pytest_plugin.record("handprop", "torch", problem, verdict)
    assert added == []
    recorder.recording = True
    pytest_plugin.record("handprop", "torch", problem, verdict)
    assert [p for _, p in added] == [problem]
    assert added[0][0].oracle == "torch"


_USER_TEST = """
import numpy as np
import handprop
from crosscheck import assert_gradients_match, check_gradients


def my_gradients(weights, X, Y, activations, cost):
    return handprop.gradients(weights, X, Y, activations, cost)


def test_one_model():
    w = [np.array([[0.1, -0.2], [0.3, 0.4], [0.5, -0.6]]), np.array([[0.1], [0.2], [-0.3]])]
    X, Y = np.array([[0.0, 1.0], [1.0, 0.0]]), np.array([[1.0], [0.0]])
    result = check_gradients(my_gradients, w, X, Y, ["tanh", "sigmoid"], "log_likelihood",
                             oracle="finite_differences")
    assert result.passed


def test_search():
    assert_gradients_match(my_gradients, activations=["tanh"], costs=["squared_error"],
                           max_examples=3, accept_inconclusive=True)
"""


def test_a_users_checks_are_recorded_and_titled_by_their_function(tmp_path) -> None:
    (tmp_path / "test_user.py").write_text(_USER_TEST)
    out = tmp_path / "rep"
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist",
         "-p", "no:randomly", "test_user.py", "--crosscheck-report", str(out),
         "--rootdir", str(tmp_path)],
        capture_output=True, text=True, cwd=tmp_path, timeout=600, env=ENV,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    lines = run.stdout.splitlines()
    (line,) = [x for x in lines if "crosscheck: report of" in x]
    assert line.startswith("crosscheck: report of ")  # on its own line
    rep = load_report(out / "report.json")
    assert rep["examples"] >= 2
    candidates = {c["candidate"] for c in rep["summary"]}
    assert candidates == {"test_user:my_gradients"}
    md = (out / "report.md").read_text()
    assert md.startswith("# crosscheck report: test_user:my_gradients against ")
    assert "handprop against the oracles" not in md
    tests = {o.example.test for o in read_results_csv((out / "report.csv").read_text())}
    assert tests == {"test_user.py::test_one_model", "test_user.py::test_search"}


def test_the_listener_records_check_results_in_process(tmp_path, monkeypatch) -> None:
    """A :class:`CheckResult` of each kind becomes one result of its pair; a test marked
    crosscheck_unrecorded is left out."""
    from fakes import correct, fake_oracle, off, one_unit_problem

    from crosscheck import observe
    from crosscheck import pytest_plugin as plugin
    from crosscheck.verdict import check_with

    rec = plugin._Recorder(tmp_path, None)
    monkeypatch.setattr(plugin, "_recorder", rec)
    stop = observe.listen(plugin._on_check)
    try:
        p = one_unit_problem()
        check_with(correct, p, [fake_oracle("torch")], [])
        check_with(off, p, [fake_oracle("torch")], [fake_oracle("mpmath", kind="truth")])
        check_with(correct, p, [fake_oracle("torch", ok=False)], [])
        check_with(lambda *a: "not a gradient", p, [fake_oracle("torch")], [])
        rec.recording = False
        check_with(correct, p, [fake_oracle("torch")], [])
    finally:
        stop()
    got = [(o.candidate, o.oracle, o.status, o.max_ratio > 1) for o in rec.outcomes]
    assert got == [
        ("fakes:correct", "torch", "compared", False),
        ("fakes:off", "torch", "compared", True),  # the judge's (the truth confirmed it)
        ("fakes:correct", "torch", "skipped", False),
        (f"{__name__}:test_the_listener_records_check_results_in_process.<locals>.<lambda>",
         "(no oracle)", "error", True),
    ]
    assert len(rec.code) == 3  # the problems' code, for the worst cases
