"""What a search returns: :class:`VerifyResult`, its :class:`Counterexample`, and the
default options a result is compared with when it is reproduced."""

from __future__ import annotations

from typing import Any, NamedTuple

from crosscheck.compare import Discrepancy
from crosscheck.guard import DEFAULT_TIMEOUT
from crosscheck.options import DEFAULTS
from crosscheck.problem import Problem
from crosscheck.search.schedule import Stratum
from crosscheck.search.severity import Severity
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
    "outputs": None,
    "dtypes": ["float64", "float32"],
    "sizes": None,
    "min_depth": None,
    "max_depth": None,
    "min_width": None,
    "max_width": None,
    "min_outputs": None,
    "max_outputs": None,
    "min_q": None,
    "max_q": None,
    "min_p": None,
    "max_p": None,
    "regimes": None,
    "labels": None,
    "layout": None,
    "examples_as": None,
    "reduction": None,
    "factor": None,
    "per_example": None,
    "bias_shape": None,
    "returns": None,
    "labels_as": None,
    "bias_at": None,
    "max_examples": None,
    "oracle": None,
    "confirm": True,
    "keep_going": False,
    "timeout": DEFAULT_TIMEOUT,
    "state_checks": True,
}
"""A default search's :attr:`VerifyResult.options`: every option as given to
:func:`~crosscheck.search.verify` (None: the default; a reproduction names the others)."""


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
    severity: Severity | None = None
    cell: str | None = None

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
    ``extent``: the [smallest, largest] depth, widest layer, P, Q and largest P N_l drawn;
    ``failures``: with ``keep_going``, the counterexample of every failing cell (the first
    is ``counterexample``); ``matrix``: with ``keep_going``, per cell
    (``"hidden | cost/output | dtype"``) the count of each verdict; ``unsupported``: per
    reason, the problems the function declined (``crosscheck.Unsupported``); ``flags``:
    problems on which the function was nondeterministic, drew from the global random
    generators, or answered for another problem (stale); ``convention``: how the function
    takes its arguments, in words ("" for the canonical convention).
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
    failures: tuple[Counterexample, ...] = ()
    matrix: dict[str, dict[str, int]] | None = None
    unsupported: dict[str, int] | None = None
    flags: dict[str, int] | None = None
    convention: str = ""

    @property
    def inconclusive_cells(self) -> tuple[str, ...]:
        """The (cost/output dtype) cells judged only inconclusively."""
        cells = self.cells.items()
        return tuple(c for c, n in cells if not n.get("pass") and n.get("inconclusive"))

    @property
    def unsupported_count(self) -> int:
        """Problems the function declined as unsupported."""
        return sum((self.unsupported or {}).values())

    @property
    def status(self) -> str:
        """``"fail"`` (a counterexample); ``"unsupported"`` when the function declined
        every problem; ``"inconclusive"`` when no discrepancy was found but the evidence is
        weak: fewer conclusive passes than inconclusive ones, or none at all in some
        dtype; ``"pass"`` otherwise."""
        if not self.passed:
            return "fail"
        if self.examples == 0 and self.unsupported_count:
            return "unsupported"
        conclusive = sum(n.get("pass", 0) for n in self.cells.values())
        dtypes = {c.rsplit(" ", 1)[-1] for c in self.cells}
        weak_dtype = any(
            not sum(n.get("pass", 0) for c, n in self.cells.items() if c.endswith(" " + d))
            for d in dtypes
        )
        if conclusive == 0 or self.inconclusive > conclusive or weak_dtype:
            return "inconclusive"
        return "pass"
