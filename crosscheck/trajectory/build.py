"""The content of ``trajectory.json``: every net run in every framework and dtype, the
divergences, and the series sampled and rounded so that the same options give the same
bytes (:func:`trajectory_report`)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from crosscheck import validation
from crosscheck.environment import versions
from crosscheck.problem import Problem
from crosscheck.trajectory.divergence import (
    THRESHOLDS,
    divergence,
    first_exceeding,
    solved_steps,
)
from crosscheck.trajectory.nets import NETS, Net, net_problem
from crosscheck.trajectory.runners import FRAMEWORKS, RUNNERS, Run, available

__all__ = [
    "DECADES",
    "DEFAULT_STEPS",
    "DENSE_STEPS",
    "DTYPES",
    "LOG_POINTS",
    "SCHEMA_VERSION",
    "SERIES_DIGITS",
    "SIGNIFICANT",
    "sample_steps",
    "trajectory_report",
]

SCHEMA_VERSION = "1"
"""Version of the layout of ``trajectory.json`` (a string, as in the gradient report)."""

DENSE_STEPS = 100
"""Every step 0..DENSE_STEPS is kept in the JSON series."""

LOG_POINTS = 100
"""Number of log-spaced steps kept after DENSE_STEPS (rounded, deduplicated)."""

SIGNIFICANT = 6
"""Significant digits of the costs and summary numbers in ``trajectory.json``."""

SERIES_DIGITS = 4
"""Significant digits of the divergence series in ``trajectory.json``."""

DTYPES: tuple[str, ...] = ("float32", "float64")
"""The dtypes a report can cover, in report order."""

DEFAULT_STEPS = 10_000
"""Training steps per run unless told otherwise."""

DECADES: tuple[int, ...] = (1, 10, 100, 1_000, 10_000, 100_000, 1_000_000)
"""Steps at which the report gives the relative divergence."""


def sample_steps(steps: int) -> list[int]:
    """Steps kept in the JSON series: 0..DENSE_STEPS, then LOG_POINTS log-spaced, and last."""
    dense = list(range(min(steps, DENSE_STEPS) + 1))
    if steps <= DENSE_STEPS:
        return dense
    logs = np.geomspace(DENSE_STEPS, steps, LOG_POINTS + 1)
    tail = sorted({round(float(x)) for x in logs} | {steps})
    return sorted(set(dense) | {t for t in tail if DENSE_STEPS < t <= steps})


def _round(x: float, digits: int = SIGNIFICANT) -> float | None:
    x = float(x)
    if not math.isfinite(x):
        return None
    return float(f"{x:.{digits}g}")


def _rounded(a: np.ndarray, idx: Sequence[int], digits: int = SIGNIFICANT) -> list[float | None]:
    return [_round(a[i], digits) for i in idx]


def _versions() -> dict[str, str]:
    """handprop's and numpy's versions, and torch's and jax's where they can run."""
    known = versions(("numpy", "handprop", "torch", "jax"))
    return {k: known[k] for k in ("numpy", "handprop")} | {
        name: known[name] for name in ("torch", "jax") if available(name)[0]
    }


def _net_section(net: Net, steps: int, dtypes: Sequence[str]) -> dict[str, Any]:
    idx = sample_steps(steps)
    runs: dict[tuple[str, str], Run] = {}
    problems: dict[str, Problem] = {}
    run_rows, skipped = [], {}
    for dt in dtypes:
        problems[dt] = net_problem(net, np.dtype(dt))
    for fw in FRAMEWORKS:
        ok, why = available(fw)
        if not ok:
            skipped[fw] = why
            continue
        for dt in dtypes:
            run = RUNNERS[fw](
                problems[dt], learning_rate=net.learning_rate, steps=steps, momentum=net.momentum
            )
            runs[fw, dt] = run
            ok_steps = solved_steps(problems[dt], run.weights)
            first = np.flatnonzero(ok_steps)
            tail = np.flatnonzero(~ok_steps)
            run_rows.append(
                {
                    "framework": fw,
                    "dtype": dt,
                    "initial_cost": _round(run.costs[0]),
                    "final_cost": _round(run.costs[-1]),
                    "first_solved": int(first[0]) if first.size else None,
                    "solved_from": int(tail[-1]) + 1 if tail.size else 0,
                    "solved_final": bool(ok_steps[-1]),
                }
            )

    pairs: list[tuple[str, str, tuple[str, str], tuple[str, str]]] = []
    for fw in FRAMEWORKS[1:]:
        for dt in dtypes:
            if (fw, dt) in runs:
                pairs.append((f"{fw}/{dt}", dt, (fw, dt), ("handprop", dt)))
    if "float32" in dtypes and "float64" in dtypes:
        pairs.append(
            ("handprop/float32-vs-float64", "float32", ("handprop", "float32"),
             ("handprop", "float64"))
        )

    div_rows, series_abs, series_rel = [], {}, {}
    for label, dt, cand, ref in pairs:
        d = divergence(runs[cand].weights, runs[ref].weights)
        threshold = THRESHOLDS[dt]
        at = {str(s): _round(d.rel[s]) for s in DECADES if s <= steps}
        div_rows.append(
            {
                "label": label,
                "candidate": "/".join(cand),
                "reference": "/".join(ref),
                "threshold": threshold,
                "max_abs": _round(d.abs.max()),
                "max_rel": _round(d.rel.max()),
                "final_abs": _round(d.abs[-1]),
                "final_rel": _round(d.rel[-1]),
                "rel_at": at,
                "first_exceeds": first_exceeding(d.rel, threshold),
                "first_nonzero": first_exceeding(d.abs, 0.0),
            }
        )
        series_abs[label] = _rounded(d.abs, idx, SERIES_DIGITS)
        series_rel[label] = _rounded(d.rel, idx, SERIES_DIGITS)

    return {
        "name": net.name,
        "sizes": list(net.sizes),
        "activations": list(net.activations),
        "cost": net.cost,
        "seed": net.seed,
        "learning_rate": net.learning_rate,
        "momentum": net.momentum,
        "n_params": int(sum(w.size for w in problems[dtypes[0]].weights)),
        "skipped": skipped,
        "runs": run_rows,
        "divergence": div_rows,
        "series": {
            "steps": idx,
            "cost": {f"{fw}/{dt}": _rounded(r.costs, idx) for (fw, dt), r in runs.items()},
            "abs": series_abs,
            "rel": series_rel,
        },
    }


def trajectory_report(
    *, steps: int = DEFAULT_STEPS, dtypes: Sequence[str] = DTYPES, nets: Sequence[Net] = NETS
) -> dict[str, Any]:
    """Run every net in every framework and dtype; the JSON-ready report (deterministic)."""
    chosen = {d.name for d in validation.dtypes(dtypes)}
    dtypes = [d for d in DTYPES if d in chosen]
    steps = validation.integer(steps, "steps", minimum=1)
    return {
        "schema_version": SCHEMA_VERSION,
        "steps": steps,
        "dtypes": dtypes,
        "thresholds": {d: THRESHOLDS[d] for d in dtypes},
        "sampling": (
            f"series keep every step 0..{DENSE_STEPS}, then {LOG_POINTS} log-spaced steps "
            f"up to the last (rounded, deduplicated); costs and summaries to {SIGNIFICANT} "
            f"significant digits, divergence series to {SERIES_DIGITS}"
        ),
        "divergence_definition": (
            "abs = max over all parameters of |w_candidate - w_reference| after t steps; "
            "rel = abs / max |w_reference|"
        ),
        "versions": _versions(),
        "nets": [_net_section(net, steps, dtypes) for net in nets],
    }
