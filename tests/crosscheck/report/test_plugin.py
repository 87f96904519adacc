"""The pytest plugin (pytest --crosscheck-report) writes a report of the gate's examples;
the xdist workers' parts are merged; without the option it does nothing.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from report_helpers import N

from crosscheck.report.files import load_report, read_results_csv
from crosscheck.report.generate import generate


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
        capture_output=True, text=True, cwd=tmp_path, timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "crosscheck: report of 3 gate examples" in run.stdout
    rep = load_report(out / "report.json")
    assert rep["options"]["source"] == "pytest" and rep["examples"] == 3
    assert {c["pair"] for c in rep["summary"]} == {"handprop vs finite_differences"}
    assert {c["verdict"] for c in rep["summary"]} == {"pass"}
    assert rep["worst"][0]["reproduce"].startswith("pytest '")
    assert "test_tiny.py::test_records" in (out / "report.csv").read_text()
    assert (out / "report.html").exists() and (out / "meta.json").exists()
    assert "gate ran" in (out / "report.md").read_text()


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
    from crosscheck import pytest_plugin

    monkeypatch.setattr(pytest_plugin, "_recorder", None)
    pytest_plugin.record("handprop", "torch", None, None)  # would raise if it did anything
