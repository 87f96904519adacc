"""Run ``verify`` (default options) over the catalogue, which must be caught, and over
the correct implementations, which must pass: one JSON-ready row per function."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from crosscheck.mutants.base import GradientFn, textbook
from crosscheck.mutants.catalogue import MUTANTS

__all__ = ["Job", "jobs", "run_jobs"]


class Job(NamedTuple):
    """One function to verify: its name, TARGET, function, description, expectation."""

    name: str
    target: str
    function: GradientFn
    description: str
    expect_caught: bool


def _correct_functions() -> dict[str, tuple[str, GradientFn, str]]:
    """Correct implementations that must pass: name -> (target, function, description)."""
    import handprop

    return {
        "handprop.gradients": (
            "handprop:gradients",
            handprop.gradients,
            "handprop's vectorised backprop (seed eq. 7-10)",
        ),
        "textbook": (
            "crosscheck.mutants:textbook",
            textbook,
            "the mutants' correct base (vectorised, written apart from handprop)",
        ),
    }


def jobs(names: Sequence[str] | None = None) -> list[Job]:
    """The mutants ``names`` (default: all of them, then the correct implementations)."""
    chosen = list(MUTANTS) if names is None else list(names)
    out = [
        Job(n, f"crosscheck.mutants:{n}", MUTANTS[n].function, MUTANTS[n].description, True)
        for n in chosen
    ]
    if names is None:
        out += [Job(n, t, f, d, False) for n, (t, f, d) in _correct_functions().items()]
    return out


def run_jobs(
    todo: Sequence[Job], seed: int, progress: Callable[[int, dict, float], None] | None = None
) -> tuple[list[dict], dict[str, float]]:
    """Verify each job with default options and ``seed``; returns the rows and each job's
    seconds. ``progress(i, row, seconds)`` is called after job ``i`` (from 1)."""
    from crosscheck.search import verify

    rows, timing = [], {}
    for i, job in enumerate(todo, 1):
        t0 = time.perf_counter()
        result = verify(job.function, seed=seed, name=job.target)
        seconds = time.perf_counter() - t0
        timing[job.name] = round(seconds, 2)
        rows.append(_row(job.name, job.target, job.description, result, job.expect_caught))
        if progress is not None:
            progress(i, rows[-1], seconds)
    return rows, timing


def _architecture(cx: Any) -> str:
    p = cx.problem
    return (
        f"sizes {'-'.join(map(str, p.sizes))}, {','.join(p.activations)}, {p.cost}, "
        f"{p.dtype}, P={p.P}"
    )


def _row(name: str, target: str, description: str, result: Any, expect_caught: bool) -> dict:
    cx = result.counterexample
    return {
        "name": name,
        "target": target,
        "description": description,
        "expected": "caught" if expect_caught else "passes",
        "caught": not result.passed,
        "ok": (not result.passed) == expect_caught,
        "examples": result.examples,
        "examples_until_caught": result.examples_until_caught,
        "worst_ratio_passing": _sig3(result.worst_ratio),
        "kind": None if cx is None else cx.kind,
        "counterexample": None if cx is None else _architecture(cx),
        "depth": None if cx is None else cx.problem.depth,
        "sizes": None if cx is None else list(cx.problem.sizes),
        "P": None if cx is None else cx.problem.P,
        "error": None if cx is None else cx.outcome.error,
        "where": None if cx is None else _where(cx),
        "oracles": None if cx is None else list(cx.outcome.oracles),
        "ratio": None if cx is None else _sig3(cx.outcome.ratio),
        "skipped": result.skipped,
        "disputed": len(result.disputed),
    }


def _where(cx: Any) -> str | None:
    """The first element beyond the budget, e.g. ``layer 0 bias row (0, 0)``."""
    records = cx.failing_records()
    if not records:
        return None
    r = records[0]
    rows = "bias row" if r.row_kind == "bias" else "weight rows"
    return f"layer {r.layer} {rows} {tuple(r.index)}"


def _sig3(x: float | None) -> float | str | None:
    """``x`` to 3 significant digits: the reports must not depend on the last bits of
    the oracles' float32/float64 results, which vary with BLAS threading."""
    if x is None:
        return None
    if not math.isfinite(x):
        return "inf"
    return float(f"{x:.3g}")
