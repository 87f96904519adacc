"""pytest plugin: ``pytest --crosscheck-report DIR`` writes a crosscheck report of the
examples the gate ran (``docs/report-schema.md``; the report itself is
:mod:`crosscheck.report`'s). Registered through the ``pytest11`` entry point; without the
option it does nothing, and nothing heavy is imported until a report is asked for.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

__all__ = ["record"]

_PARTS = ".crosscheck-parts"


class _Recorder:
    """The results recorded in this process, and the test currently running. Under
    pytest-xdist each worker writes its results to ``DIR/.crosscheck-parts/<worker>.csv``
    (the ``report.csv`` format) and the controller merges them."""

    def __init__(self, out: Path, worker: str | None) -> None:
        self.out = out
        self.worker = worker
        self.current = ""
        self.outcomes: list[Any] = []


_recorder: _Recorder | None = None


def _implementation(name: str) -> str:
    """``"handprop.gradients"`` -> ``"handprop"``, ``"torch (float32)"`` -> ``"torch"``."""
    return re.split(r"[\s.(]", name.strip(), maxsplit=1)[0] or name


def record(candidate_name: str, oracle_name: str, problem: Any, verdict: Any) -> None:
    """Record one judgement (a :class:`crosscheck.judge.Verdict` of ``candidate_name``
    against ``oracle_name`` on ``problem``); a no-op unless ``--crosscheck-report`` is on."""
    if _recorder is None:
        return
    from crosscheck.report import PairResult
    from crosscheck.report.records import example_info

    info = example_info(problem, len(_recorder.outcomes), test=_recorder.current)
    _recorder.outcomes.append(
        PairResult.from_verdict(info, _implementation(candidate_name), oracle_name, verdict)
    )


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("crosscheck")
    group.addoption(
        "--crosscheck-report",
        metavar="DIR",
        default=None,
        help="write a crosscheck report (report.md/json/csv/html) of the examples the "
        "gradient gate ran into DIR",
    )


def pytest_configure(config: pytest.Config) -> None:
    global _recorder
    out = config.getoption("crosscheck_report", default=None)
    if not out:
        return
    workerinput = getattr(config, "workerinput", None)
    worker = workerinput["workerid"] if workerinput else None
    out_path = Path(out)
    if worker is None:  # the controller (or a plain run): start with no stale parts
        shutil.rmtree(out_path / _PARTS, ignore_errors=True)
    _recorder = _Recorder(out_path, worker)


def pytest_unconfigure(config: pytest.Config) -> None:
    global _recorder
    _recorder = None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    if _recorder is not None:
        _recorder.current = item.nodeid
    try:
        return (yield)
    finally:
        if _recorder is not None:
            _recorder.current = ""


def _renumbered(outcomes: list[Any]) -> list[Any]:
    """Results with ids 0..n-1 in (test, order within the test) order, so that a
    derandomised run gives the same report however xdist spread the tests."""
    ordered = sorted(outcomes, key=lambda o: (o.example.test, o.example.id))
    return [o._replace(example=o.example._replace(id=i)) for i, o in enumerate(ordered)]


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    rec = _recorder
    if rec is None:
        return
    from crosscheck import atomic
    from crosscheck.report import (
        build_report,
        oracle_table,
        read_results_csv,
        results_csv,
        run_metadata,
        write_report_files,
    )

    parts = rec.out / _PARTS
    if rec.worker is not None:
        atomic.write_text(parts / f"{rec.worker}.csv", results_csv(rec.outcomes))
        return
    outcomes = list(rec.outcomes)
    if parts.is_dir():
        for f in sorted(parts.glob("*.csv")):
            outcomes += read_results_csv(f.read_text(encoding="utf-8"))
        shutil.rmtree(parts, ignore_errors=True)
    outcomes = _renumbered(outcomes)
    report = build_report(
        outcomes,
        options={"source": "pytest", "examples": len(outcomes), "seed": None, "shard": "1/1"},
        oracles=oracle_table(),
        reproduce=lambda info: f"pytest '{info.test}'",
    )
    meta = {
        "schema": "crosscheck-report-meta",
        "command": ["pytest", *session.config.invocation_params.args],
        "exitstatus": int(exitstatus),
        **run_metadata(),
    }
    files = write_report_files(rec.out, report, outcomes, meta=meta)
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    line = (
        f"crosscheck: report of {len(outcomes)} gate examples written to "
        f"{os.fspath(files[0].parent)}"
    )
    if reporter is not None:
        reporter.write_line(line)
