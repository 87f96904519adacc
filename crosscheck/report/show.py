"""What ``crosscheck report --show ID`` prints: one example's comparisons, each worded by
what it is (within tolerance, beyond it, an expected exact 0), and its reproduction."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from crosscheck.formatting import fmt
from crosscheck.report.records import PairResult, Row
from crosscheck.report.worst import call_code

__all__ = ["describe_row", "show_text"]

ROWS_SHOWN = 3
"""Blocks listed per pair: the ones with the largest budget ratio."""


def _underflow_floor(tolerance: float, dtype: str) -> bool:
    """True when ``tolerance`` is the budget's underflow floor alone (every term of the
    element is exactly 0: ``docs/error-budget.md``, "Where every term is exactly 0")."""
    try:
        tiny = float(np.finfo(np.dtype(dtype)).tiny)
    except TypeError:
        tiny = float(np.finfo(np.float64).tiny)
    return tolerance < math.sqrt(tiny)


def describe_row(r: Row, dtype: str) -> str:
    """One block's worst element, worded by its verdict: ``<=`` and "within tolerance"
    for an element within its budget, ``>`` and "beyond the budget" otherwise; an exact
    0 expected where every term is 0 is said so (not as a ratio of 1e300)."""
    kind = "bias row 0" if r.row_kind == "bias" else "weight rows"
    where = f"layer {r.layer} ({kind}), index ({r.row}, {r.col})"
    power = f"; power {fmt(r.power)} (median {fmt(r.power_median)})"
    if r.reference == 0.0 and _underflow_floor(r.tolerance, dtype):
        if r.value == 0.0:
            return f"{where}: expected exactly 0, got exactly 0{power}"
        return (
            f"{where}: expected exactly 0 (every term of this element is 0), got "
            f"{r.value!r}: nonzero where a correct gradient is exactly 0; tolerance "
            f"(underflow floor) {r.tolerance:.3g}{power}"
        )
    head = f"{where}: got {r.value!r}, expected {r.reference!r}"
    if r.max_ratio <= 1.0:
        return (
            f"{head}, |diff| = {r.max_abs:.3g} <= tolerance {r.tolerance:.3g}: within "
            f"tolerance (budget ratio {fmt(r.max_ratio)}, relative diff {fmt(r.max_rel)})"
            f"{power}"
        )
    return (
        f"{head}, |diff| = {r.max_abs:.3g} > tolerance {r.tolerance:.3g}: beyond the budget "
        f"(budget ratio {fmt(r.max_ratio)}, relative diff {fmt(r.max_rel)}){power}"
    )


def _verdict(o: PairResult) -> str:
    if o.max_ratio > 1.0:
        return "FAIL"
    return "inconclusive (power too weak somewhere)" if o.inconclusive else "pass"


def show_text(
    example_id: int, describe: str, details: str, outcomes: Sequence[PairResult], code: str
) -> tuple[str, bool]:
    """The text of ``--show`` for one evaluated example, and whether a pair failed
    (an error, or a ratio over 1)."""
    lines = [f"example {example_id}: {describe}", f"  {details}"]
    failed = False
    for o in outcomes:
        if o.status != "compared":
            lines.append(f"- {o.pair}: {o.status} ({o.note})")
            failed |= o.status == "error"
            continue
        lines.append(f"- {o.pair}: max budget ratio {fmt(o.max_ratio)}: {_verdict(o)}")
        failed |= o.max_ratio > 1.0
        for r in sorted(o.rows, key=lambda r: (-r.max_ratio, r.layer, r.row_kind))[:ROWS_SHOWN]:
            lines.append(f"    {describe_row(r, o.example.dtype)}")
    lines += ["", "reproduce in Python:", "", code]
    candidate_calls = dict.fromkeys((o.candidate, o.oracle) for o in outcomes)
    first = next(iter(candidate_calls), None)
    if first is not None:
        lines += [
            "# judge one pair as the report did (here the first; any pair above works):",
            call_code(*first),
        ]
    return "\n".join(lines), failed
