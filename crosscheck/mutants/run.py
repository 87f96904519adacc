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
    """One function to verify: its name, TARGET, function, description, expectation, and
    the options of its convention."""

    name: str
    target: str
    function: GradientFn
    description: str
    expect_caught: bool
    options: dict[str, Any] = {}  # noqa: RUF012 - never mutated


def _correct_functions() -> list[Job]:
    """Correct implementations that must pass, in every convention of
    :mod:`crosscheck.mutants.layouts`."""
    import handprop
    from crosscheck.mutants import layouts

    out = [
        Job(
            "handprop.gradients",
            "handprop:gradients",
            handprop.gradients,
            "handprop's vectorised backprop (seed eq. 7-10)",
            False,
        ),
        Job(
            "textbook",
            "crosscheck.mutants:textbook",
            textbook,
            "the mutants' correct base (vectorised, written apart from handprop)",
            False,
        ),
    ]
    for name in ("in_out_rows", "in_out_mean", "out_in_columns", "out_in_mean",
                 "out_in_one_example"):
        fn = getattr(layouts, name)
        doc = (fn.__doc__ or "").strip().splitlines()[0]
        target = f"crosscheck.mutants.layouts:{name}"
        out.append(Job(name, target, fn, doc, False, layouts.CONVENTIONS[name]))
    return out


def jobs(names: Sequence[str] | None = None) -> list[Job]:
    """The mutants ``names`` (default: all of them, then the correct implementations)."""
    chosen = list(MUTANTS) if names is None else list(names)
    out = [
        Job(
            n,
            f"crosscheck.mutants:{n}",
            MUTANTS[n].function,
            MUTANTS[n].description,
            True,
            MUTANTS[n].options,
        )
        for n in chosen
    ]
    if names is None:
        out += _correct_functions()
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
        result = verify(job.function, seed=seed, name=job.target, **job.options)
        seconds = time.perf_counter() - t0
        timing[job.name] = round(seconds, 2)
        rows.append(_row(job.name, job.target, job.description, result, job.expect_caught))
        rows[-1]["options"] = dict(job.options)
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
        "convention": result.convention,
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
