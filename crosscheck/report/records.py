"""The report's records (an example, a compared row, one pair's result) and vocabulary."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any, NamedTuple

__all__ = [
    "DIMENSIONS",
    "PAIRS",
    "SCHEMA",
    "SCHEMA_VERSION",
    "Evaluation",
    "ExampleInfo",
    "PairResult",
    "Row",
    "example_info",
    "inconclusive_threshold",
    "pair_label",
    "pair_order",
    "position",
    "width_bucket",
]

SCHEMA = "crosscheck-report"
SCHEMA_VERSION = "2"
"""Version of ``report.json``'s layout. A string, so that tools which rescale numbers
leave it alone; ``crosscheck check`` refuses any other version (exit 2)."""

PAIRS: tuple[tuple[str, str], ...] = (
    ("handprop", "torch"),
    ("handprop", "jax"),
    ("handprop", "mpmath"),
    ("handprop", "finite_differences"),
    ("torch", "mpmath"),
    ("jax", "mpmath"),
)
"""(candidate, oracle) pairs evaluated on every example, in report order."""

IMPLEMENTATIONS: tuple[str, ...] = ("handprop", "torch", "jax")
"""The implementations compared against the truth for "closest to the truth"."""

TRUTH = "mpmath"

DIMENSIONS: tuple[str, ...] = ("activation", "cost", "depth", "width", "position", "row_kind")
"""The breakdowns. ``activation``, ``cost``, ``depth``, ``width`` (the widest layer N_l,
bucketed by :func:`width_bucket`) are properties of the example (an example counts under
every activation it uses); ``position`` (first, hidden, output layer) and ``row_kind``
(bias, weights) select the example's rows."""

POSITIONS: tuple[str, ...] = ("first", "hidden", "output")
ROW_KINDS: tuple[str, ...] = ("bias", "weights")
DTYPES: tuple[str, ...] = ("float32", "float64")
STATUSES: tuple[str, ...] = ("compared", "skipped", "error")


class ExampleInfo(NamedTuple):
    """What an example is, as the report needs it (no arrays).

    ``sizes`` = (Q, N_1, ..., N_L); ``activations`` one name per layer 1..L; ``regime``,
    ``x_kind``, ``y_kind`` as drawn (``"-"`` when unknown); ``test`` the pytest node that
    ran it (pytest plugin reports only, else ``""``); ``digest`` the problem's
    :func:`crosscheck.report.generate.problem_digest` (``""`` when unknown).
    """

    id: int
    dtype: str
    sizes: tuple[int, ...]
    P: int
    activations: tuple[str, ...]
    cost: str
    regime: str = "-"
    x_kind: str = "-"
    y_kind: str = "-"
    test: str = ""
    digest: str = ""

    @property
    def depth(self) -> int:
        """L, the number of weight layers."""
        return len(self.sizes) - 1

    @property
    def width(self) -> int:
        """The widest layer N_l, l = 1..L (the input's Q excluded)."""
        return max(self.sizes[1:])

    def describe(self) -> str:
        """One line, as :meth:`crosscheck.problem.Problem.describe`."""
        return (
            f"sizes={'-'.join(map(str, self.sizes))} activations={','.join(self.activations)} "
            f"cost={self.cost} dtype={self.dtype} P={self.P}"
        )

    def positions(self) -> tuple[str, ...]:
        """The layer positions this example has (see :func:`position`)."""
        return tuple(sorted({position(l, self.depth) for l in range(self.depth)},
                            key=POSITIONS.index))


class Row(NamedTuple):
    """One layer's bias row or weight rows of one comparison (a
    :class:`crosscheck.compare.Discrepancy`, plus its layer position). ``row``, ``col``:
    the index in ``weights[layer]`` of the worst budget ratio; ``value``/``reference``
    the two gradients there; ``tolerance`` = K u S (+ the oracle's own bound) there;
    ``power`` the smallest relative error of the whole block that is flagged and
    ``power_median`` the median element's (both inf where the reference is 0 on the whole
    block; docs/error-budget.md, "Power")."""

    layer: int
    position: str
    row_kind: str
    max_abs: float
    max_rel: float
    max_ratio: float
    row: int
    col: int
    value: float
    reference: float
    tolerance: float
    power: float = math.inf
    power_median: float = math.inf

    def weak(self, threshold: float) -> bool:
        """True when a whole-block relative error of ``threshold`` would go unseen here
        (the rule of :meth:`crosscheck.compare.Comparison.weak`)."""
        return threshold < self.power < math.inf


class PairResult(NamedTuple):
    """One pair (candidate vs oracle) on one example. ``status`` is ``"compared"`` (then
    ``rows`` has two records per layer), ``"skipped"`` or ``"error"`` (``note`` says
    why)."""

    example: ExampleInfo
    candidate: str
    oracle: str
    status: str
    note: str
    rows: tuple[Row, ...]

    @property
    def pair(self) -> str:
        """``"candidate vs oracle"``."""
        return pair_label(self.candidate, self.oracle)

    @property
    def max_ratio(self) -> float:
        """Worst budget ratio over the rows (inf for an error, 0 when nothing compared)."""
        if self.status == "error":
            return math.inf
        return max((r.max_ratio for r in self.rows), default=0.0)

    @property
    def power(self) -> float:
        """The weakest block's power: the largest finite :attr:`Row.power` (inf if none)."""
        return max((r.power for r in self.rows if math.isfinite(r.power)), default=math.inf)

    @property
    def inconclusive(self) -> bool:
        """Compared, within the budget, but some block's power is worse than the dtype's
        :data:`crosscheck.judge.INCONCLUSIVE_ABOVE` (the verdict ``"inconclusive"``)."""
        return rows_inconclusive(self.rows, self.example.dtype)

    @classmethod
    def from_verdict(
        cls, info: ExampleInfo, candidate: str, oracle: str, verdict: Any
    ) -> PairResult:
        """The result of a :class:`crosscheck.judge.Verdict`."""
        if verdict.error is not None:
            return cls(info, candidate, oracle, "error", f"{candidate}: {verdict.error}", ())
        if verdict.skipped is not None:
            return cls(info, candidate, oracle, "skipped", verdict.skipped, ())
        rows = tuple(
            Row(
                layer=r.layer,
                position=position(r.layer, info.depth),
                row_kind=r.row_kind,
                max_abs=_finite_or_inf(r.max_abs),
                max_rel=_finite_or_inf(r.max_rel),
                max_ratio=_finite_or_inf(r.max_ratio),
                row=int(r.index[0]),
                col=int(r.index[1]),
                value=float(r.value),
                reference=float(r.reference),
                tolerance=float(r.tolerance),
                power=_finite_or_inf(r.power),
                power_median=_finite_or_inf(r.power_median),
            )
            for r in verdict.comparison.records
        )
        return cls(info, candidate, oracle, "compared", "", rows)


class Evaluation(NamedTuple):
    """The results of one example (one per pair) and the seconds spent per oracle."""

    outcomes: list[PairResult]
    seconds: dict[str, float]


def inconclusive_threshold(dtype: str) -> float:
    """:data:`crosscheck.judge.INCONCLUSIVE_ABOVE` of ``dtype`` (inf for another dtype)."""
    from crosscheck.judge import INCONCLUSIVE_ABOVE

    return INCONCLUSIVE_ABOVE.get(dtype, math.inf)


def rows_inconclusive(rows: Iterable[Row], dtype: str) -> bool:
    """True when ``rows`` are all within the budget (ratio <= 1) and some block's power is
    worse than ``dtype``'s threshold: the verdict ``"inconclusive"`` on these rows."""
    rows = tuple(rows)
    if not rows or not all(r.max_ratio <= 1.0 for r in rows):
        return False
    threshold = inconclusive_threshold(dtype)
    return any(r.weak(threshold) for r in rows)


def width_bucket(width: int) -> str:
    """The ``width`` breakdown's value of a widest layer: ``"1"``, ``"2"``, ``"3-4"``,
    ``"5-8"``, ``"9-16"``, ... (powers of two: the budget grows with the width, so equal
    steps on a log scale)."""
    if width <= 2:
        return str(width)
    hi = 1 << (width - 1).bit_length()
    return f"{hi // 2 + 1}-{hi}"


def pair_label(candidate: str, oracle: str) -> str:
    """``"handprop vs torch"``."""
    return f"{candidate} vs {oracle}"


def position(layer: int, depth: int) -> str:
    """``"output"`` for the last weight layer (w^{L-1}, also when L = 1), ``"first"``
    for w^0 of a deeper net, ``"hidden"`` in between."""
    if layer == depth - 1:
        return "output"
    return "first" if layer == 0 else "hidden"


def pair_order(results: Iterable[PairResult]) -> list[tuple[str, str]]:
    """The pairs present in ``results``: those of :data:`PAIRS` in its order, then the
    others sorted."""
    seen = {(o.candidate, o.oracle) for o in results}
    known = [p for p in PAIRS if p in seen]
    return known + sorted(seen - set(known))


def example_info(problem: Any, example_id: int, drawn: Any = None, test: str = "") -> ExampleInfo:
    """The :class:`ExampleInfo` of a :class:`crosscheck.problem.Problem` with its id;
    ``drawn`` (a :class:`crosscheck.strategies.Drawn`) gives the regime and input kinds,
    ``test`` the pytest node that judged it."""
    from crosscheck.report.generate import problem_digest

    extra = {}
    if drawn is not None:
        extra = {"regime": drawn.regime, "x_kind": drawn.x_kind, "y_kind": drawn.y_kind}
    return ExampleInfo(
        id=int(example_id),
        dtype=str(problem.dtype),
        sizes=tuple(int(s) for s in problem.sizes),
        P=int(problem.P),
        activations=tuple(problem.activations),
        cost=problem.cost,
        test=test,
        digest=problem_digest(problem),
        **extra,
    )


def _finite_or_inf(x: float) -> float:
    x = float(x)
    return math.inf if math.isnan(x) else x
