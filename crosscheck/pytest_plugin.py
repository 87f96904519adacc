"""pytest plugin: ``pytest --crosscheck-report DIR`` writes a crosscheck report of every
gradient check the session made (``docs/report-schema.md``; the report itself is
:mod:`crosscheck.report`'s). Registered through the ``pytest11`` entry point; without the
option it does nothing, and nothing heavy is imported until a report is asked for.

Two ways in: every check made through crosscheck's API (``assert_gradients_match``,
``check_gradients``, ``verify``: :func:`crosscheck.verdict.check_with` tells
:mod:`crosscheck.observe`, which this plugin listens to while the option is on), and the
gate's own judgements, handed over by :func:`record`. A test marked
``@pytest.mark.crosscheck_unrecorded`` is left out (checks that are meant to fail, such
as a catalogue of bugs). ``DIR`` is checked at configure time: an unwritable one is a
usage error before any test runs.
"""

from __future__ import annotations

import heapq
import json
import math
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

__all__ = ["candidate_name", "record"]

_PARTS = ".crosscheck-parts"
_KEEP_CODE = 20
"""Problems whose code each process keeps (the worst by budget ratio): the report lists
10 worst cases, each with the code that rebuilds its problem."""


class _Recorder:
    """The results recorded in this process, and the test currently running. Under
    pytest-xdist each worker writes its results to ``DIR/.crosscheck-parts/<worker>.csv``
    (the ``report.csv`` format, with ``<worker>.code.json`` beside it) and the controller
    merges them."""

    def __init__(self, out: Path, worker: str | None) -> None:
        self.out = out
        self.worker = worker
        self.current = ""
        self.recording = True
        self.outcomes: list[Any] = []
        self.code: list[tuple[float, int, str, str]] = []  # heap: (ratio, -id, test, code)
        self.stop_listening: Any = None
        self.message = ""

    def add(self, outcome: Any, problem: Any) -> None:
        """Keep one result, and its problem's code if it is among the worst so far."""
        self.outcomes.append(outcome)
        if outcome.status == "skipped":
            return
        ratio = outcome.max_ratio
        item = (math.inf if math.isnan(ratio) else ratio, -outcome.example.id)
        if len(self.code) < _KEEP_CODE:
            heapq.heappush(self.code, (*item, outcome.example.test, problem.to_code()))
        elif item > self.code[0][:2]:
            heapq.heapreplace(self.code, (*item, outcome.example.test, problem.to_code()))

    def code_by_key(self) -> dict[str, str]:
        """``{"test\\0id": code}`` of the problems kept."""
        return {f"{test}\0{-neg}": code for _, neg, test, code in self.code}


_recorder: _Recorder | None = None


def _implementation(name: str) -> str:
    """``"handprop.gradients"`` -> ``"handprop"``, ``"torch (float32)"`` -> ``"torch"``."""
    return re.split(r"[\s.(]", name.strip(), maxsplit=1)[0] or name


def candidate_name(fn: Any) -> str:
    """How a checked function is named in the report: ``module:qualname`` (what
    ``crosscheck verify`` takes), ``handprop`` for ``handprop.gradients``."""
    module = getattr(fn, "__module__", None)
    qualname = getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None)
    if module == "handprop.backprop" and qualname == "gradients":
        return "handprop"
    if module and qualname:
        return f"{module}:{qualname}"
    return type(fn).__name__


def _info(problem: Any) -> Any:
    from crosscheck.report.records import example_info

    assert _recorder is not None
    return example_info(problem, len(_recorder.outcomes), test=_recorder.current)


def record(candidate_name: str, oracle_name: str, problem: Any, verdict: Any) -> None:
    """Record one judgement (a :class:`crosscheck.judge.Verdict` of ``candidate_name``
    against ``oracle_name`` on ``problem``); a no-op unless ``--crosscheck-report`` is on."""
    if _recorder is None or not _recorder.recording:
        return
    from crosscheck.report import PairResult

    outcome = PairResult.from_verdict(
        _info(problem), _implementation(candidate_name), oracle_name, verdict
    )
    _recorder.add(outcome, problem)


def _on_check(fn: Any, problem: Any, result: Any) -> None:
    """:mod:`crosscheck.observe`'s listener: one :class:`~crosscheck.verdict.CheckResult`
    as one result of the pair (the function, the oracle whose verdict decided)."""
    if _recorder is None or not _recorder.recording:
        return
    from crosscheck.report import PairResult

    name, info = candidate_name(fn), _info(problem)
    deciding = result.deciding
    oracle = deciding.oracle if deciding is not None else "(no oracle)"
    if result.error is not None:
        outcome = PairResult(info, name, oracle, "error", f"{name}: {result.error}", ())
    elif deciding is None or deciding.comparison is None:
        outcome = PairResult(info, name, oracle, "skipped", result.note or "skipped", ())
    else:
        outcome = PairResult.from_verdict(info, name, oracle, deciding)
    _recorder.add(outcome, problem)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("crosscheck")
    group.addoption(
        "--crosscheck-report",
        metavar="DIR",
        default=None,
        help="write a crosscheck report (report.md/json/csv/html) of every gradient check "
        "the session made into DIR",
    )


def pytest_configure(config: pytest.Config) -> None:
    global _recorder
    config.addinivalue_line(
        "markers",
        "crosscheck_unrecorded: leave this test's gradient checks out of "
        "--crosscheck-report (checks meant to fail)",
    )
    out = config.getoption("crosscheck_report", default=None)
    if not out:
        return
    from crosscheck import observe
    from crosscheck.errors import UsageError
    from crosscheck.outputs import output_directory

    workerinput = getattr(config, "workerinput", None)
    worker = workerinput["workerid"] if workerinput else None
    try:
        out_path = output_directory(out, option="--crosscheck-report")
    except UsageError as exc:
        raise pytest.UsageError(str(exc)) from None
    if worker is None:  # the controller (or a plain run): start with no stale parts
        shutil.rmtree(out_path / _PARTS, ignore_errors=True)
    _recorder = _Recorder(out_path, worker)
    _recorder.stop_listening = observe.listen(_on_check)


def pytest_unconfigure(config: pytest.Config) -> None:
    global _recorder
    if _recorder is not None and _recorder.stop_listening is not None:
        _recorder.stop_listening()
    _recorder = None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    if _recorder is not None:
        _recorder.current = item.nodeid
        _recorder.recording = item.get_closest_marker("crosscheck_unrecorded") is None
    try:
        return (yield)
    finally:
        if _recorder is not None:
            _recorder.current = ""
            _recorder.recording = True


def _renumbered(outcomes: list[Any], code: dict[str, str]) -> tuple[list[Any], dict[int, str]]:
    """Results with ids 0..n-1 in (test, order within the test) order, so that a
    derandomised run gives the same report however xdist spread the tests; the kept code
    under the new ids."""
    ordered = sorted(outcomes, key=lambda o: (o.example.test, o.example.id))
    renumbered, new_code = [], {}
    for i, o in enumerate(ordered):
        key = f"{o.example.test}\0{o.example.id}"
        if key in code:
            new_code[i] = code[key]
        renumbered.append(o._replace(example=o.example._replace(id=i)))
    return renumbered, new_code


def _write(rec: _Recorder, session: pytest.Session, exitstatus: int) -> str:
    """Write the report (the controller) or this worker's part; the line to print."""
    from crosscheck import atomic
    from crosscheck.report import build_report, oracle_table, read_results_csv, results_csv
    from crosscheck.report.files import run_metadata, write_report_files

    parts = rec.out / _PARTS
    if rec.worker is not None:
        atomic.write_text(parts / f"{rec.worker}.csv", results_csv(rec.outcomes))
        atomic.write_text(parts / f"{rec.worker}.code.json", json.dumps(rec.code_by_key()))
        return ""
    outcomes, code = list(rec.outcomes), rec.code_by_key()
    if parts.is_dir():
        for f in sorted(parts.glob("*.csv")):
            outcomes += read_results_csv(f.read_text(encoding="utf-8"))
            side = f.with_suffix(".code.json")
            if side.exists():
                code.update(json.loads(side.read_text(encoding="utf-8")))
        shutil.rmtree(parts, ignore_errors=True)
    outcomes, by_id = _renumbered(outcomes, code)
    report = build_report(
        outcomes,
        options={"source": "pytest", "examples": len(outcomes), "seed": None, "shard": "1/1"},
        oracles=oracle_table(),
        reproduce=lambda info: f"pytest '{info.test}'",
        code=by_id,
    )
    meta = {
        "schema": "crosscheck-report-meta",
        "command": ["pytest", *session.config.invocation_params.args],
        "exitstatus": int(exitstatus),
        **run_metadata(),
    }
    files = write_report_files(rec.out, report, outcomes, meta=meta)
    return (
        f"crosscheck: report of {len(outcomes)} gradient checks ({report['status']}) "
        f"written to {os.fspath(files[0].parent)}"
    )


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    rec = _recorder
    if rec is None:
        return
    try:
        rec.message = _write(rec, session, exitstatus)
    except (OSError, ValueError) as exc:  # the disk, or a worker's part unreadable
        rec.message = f"crosscheck: could not write the report to {rec.out}: {exc}"
        session.exitstatus = pytest.ExitCode.INTERNAL_ERROR


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """The report's line, on its own line in the summary (not glued to the progress)."""
    if _recorder is not None and _recorder.message:
        terminalreporter.ensure_newline()
        terminalreporter.write_line(_recorder.message)
