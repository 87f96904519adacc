"""What a search returns: :class:`VerifyResult`, its :class:`Counterexample`, and the
default options a result is compared with when it is reproduced."""

from __future__ import annotations

from typing import Any, NamedTuple

from crosscheck.compare import Discrepancy
from crosscheck.options import DEFAULTS
from crosscheck.problem import Problem
from crosscheck.search.schedule import Stratum
from crosscheck.verdict import CheckResult

__all__ = [
    "DEFAULT_MAX_DEPTH",
    "DEFAULT_MAX_EXAMPLES",
    "DEFAULT_MAX_P",
    "DEFAULT_MAX_Q",
    "DEFAULT_MAX_WIDTH",
    "DEFAULT_OPTIONS",
    "Counterexample",
    "VerifyResult",
]

DEFAULT_MAX_EXAMPLES = 200
"""Problems judged by a default search."""

DEFAULT_MAX_DEPTH: int = DEFAULTS["max_depth"]
DEFAULT_MAX_WIDTH: int = DEFAULTS["max_width"]
DEFAULT_MAX_Q: int = DEFAULTS["max_q"]
DEFAULT_MAX_P: int = DEFAULTS["max_p"]

DEFAULT_OPTIONS: dict[str, Any] = {
    "activations": None,
    "costs": None,
    "dtypes": ["float64", "float32"],
    "max_depth": DEFAULT_MAX_DEPTH,
    "max_width": DEFAULT_MAX_WIDTH,
    "max_examples": DEFAULT_MAX_EXAMPLES,
    "max_q": DEFAULT_MAX_Q,
    "max_p": DEFAULT_MAX_P,
    "oracle": None,
    "confirm": True,
}
"""A default search's :attr:`VerifyResult.options` (a reproduction names the others)."""


class Counterexample(NamedTuple):
    """The minimal failing problem (Hypothesis's shrunk example) and how it failed."""

    problem: Problem
    outcome: CheckResult
    stratum: Stratum
    block: int
    x_kind: str
    y_kind: str
    regime: str
    layer_regimes: tuple[str, ...]
    shrunk: str
    reductions: tuple[str, ...]

    @property
    def kind(self) -> str:
        """``"error"`` (exception, layout, non-finite) or ``"discrepancy"``."""
        return "error" if self.outcome.error is not None else "discrepancy"

    def failing_records(self) -> list[Discrepancy]:
        """The judging oracle's records beyond the budget, in layer order (bias first)."""
        if not self.outcome.verdicts or self.outcome.verdicts[0].comparison is None:
            return []
        return [r for r in self.outcome.verdicts[0].comparison.records if r.max_ratio > 1.0]


class VerifyResult(NamedTuple):
    """What :func:`verify` found.

    ``examples``: problems judged by the search (the failing one included; shrinking's
    calls are not counted); ``worst_ratio``/``worst_problem``: the largest budget ratio
    among the passing ones and that problem's summary; ``counterexample``: the shrunk
    failing problem or None; ``examples_until_caught``: ``examples`` when it failed;
    ``skipped``: draws no oracle could judge; ``disputed``: discrepancies the
    confirming oracle cleared; ``coverage``: counts of what the search tried, per factor;
    ``inconclusive``: problems judged within the budget but with too little power;
    ``cells``: per (cost/output dtype) cell, how many problems were judged ``pass`` and
    ``inconclusive``;
    ``power``: per dtype, layer position and row kind, the median and worst over the
    problems of the smallest relative error of a whole block that would have been flagged;
    ``extent``: the [smallest, largest] depth, widest layer, P and Q drawn.
    """

    target: str
    passed: bool
    examples: int
    worst_ratio: float
    worst_problem: str | None
    counterexample: Counterexample | None
    examples_until_caught: int | None
    skipped: int
    disputed: tuple[str, ...]
    oracle: str
    confirming: tuple[str, ...]
    seed: int
    options: dict[str, Any]
    coverage: dict[str, dict[str, int]]
    calls: int
    seconds: float
    timing: dict[str, float]
    inconclusive: int
    cells: dict[str, dict[str, int]]
    power: dict[str, dict[str, dict[str, list]]]
    extent: dict[str, list[int]]

    @property
    def inconclusive_cells(self) -> tuple[str, ...]:
        """The (cost/output dtype) cells judged only inconclusively."""
        cells = self.cells.items()
        return tuple(c for c, n in cells if not n.get("pass") and n.get("inconclusive"))

    @property
    def status(self) -> str:
        """``"fail"`` (a counterexample); ``"inconclusive"`` when no discrepancy was found
        but the evidence is weak: fewer conclusive passes than inconclusive ones, or none
        at all in some dtype; ``"pass"`` otherwise."""
        if not self.passed:
            return "fail"
        conclusive = sum(n.get("pass", 0) for n in self.cells.values())
        dtypes = {c.rsplit(" ", 1)[-1] for c in self.cells}
        weak_dtype = any(
            not sum(n.get("pass", 0) for c, n in self.cells.items() if c.endswith(" " + d))
            for d in dtypes
        )
        if conclusive == 0 or self.inconclusive > conclusive or weak_dtype:
            return "inconclusive"
        return "pass"
