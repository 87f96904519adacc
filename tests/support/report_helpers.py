"""Helpers the report's tests share: synthetic pair results, a report built from them, a
report directory's deterministic files (on sys.path through pytest's ``pythonpath``)."""

from __future__ import annotations

import math
from pathlib import Path

from crosscheck.report import ExampleInfo, PairResult, Row, build_report
from crosscheck.report.records import ROW_KINDS, position

__all__ = ["PASSED", "N", "build", "build_with_code", "cell", "outcome", "report_files"]

N = 6
"""Examples of the CLI runs in these tests (the first draws are small: a few seconds)."""

PASSED = (0, 3)
"""Exit statuses of a report with no failure: PASS, or INCONCLUSIVE (a few examples may
leave a pair and dtype without a conclusive one: float32 against the truth often)."""


def outcome(
    ex_id: int,
    candidate: str,
    oracle: str,
    *,
    dtype: str = "float64",
    ratios: tuple[float, float] = (0.01, 0.02),
    depth: int = 2,
    activations: tuple[str, ...] | None = None,
    cost: str = "log_likelihood",
    status: str = "compared",
    note: str = "",
    power: tuple[float, float] = (math.inf, math.inf),
) -> PairResult:
    """A synthetic outcome: every layer has bias ratio ratios[0], weights ratio ratios[1],
    bias power power[0], weights power power[1] (their median 10 x smaller)."""
    sizes = (2, *([3] * (depth - 1)), 1)
    acts = activations or (*(["tanh"] * (depth - 1)), "sigmoid")
    info = ExampleInfo(ex_id, dtype, sizes, 4, acts, cost)
    rows = ()
    if status == "compared":
        rows = tuple(
            Row(l, position(l, depth), kind, r * 1e-15, r * 1e-3, r, 0, 0, 1.0, 1.0, 1e-14,
                pw, pw / 10)
            for l in range(depth)
            for kind, r, pw in zip(ROW_KINDS, ratios, power, strict=True)
        )
    return PairResult(info, candidate, oracle, status, note, rows)


def build(outcomes, trajectory=None) -> dict:
    """The report of ``outcomes`` with fixed options and no oracles."""
    return build_with_code(outcomes, None, trajectory)


def build_with_code(outcomes, code, trajectory=None) -> dict:
    """:func:`build`, with ``{example id: code}`` for the worst cases."""
    return build_report(
        outcomes,
        options={"source": "test", "examples": 0, "seed": 0, "shard": "1/1"},
        oracles={},
        reproduce=lambda info: f"repro {info.id}",
        trajectory=trajectory,
        code=code,
    )


def cell(report: dict, pair: str, dtype: str) -> dict:
    """The summary cell of ``pair`` and ``dtype``."""
    (c,) = [c for c in report["summary"] if c["pair"] == pair and c["dtype"] == dtype]
    return c


def report_files(d: Path) -> dict[str, bytes]:
    """The deterministic files of a report directory: ``{name: bytes}``."""
    return {n: (d / n).read_bytes() for n in ("report.json", "report.csv", "report.md")}
