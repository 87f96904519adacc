"""What a search has seen so far: the problems judged and how, per cell, what was drawn
(coverage and extent), the power, what the function declined or did to its state."""

from __future__ import annotations

import collections
import itertools
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from crosscheck.search.schedule import Stratum
from crosscheck.verdict import CheckResult

__all__ = ["Search", "bucket", "cell_key", "position", "power_summary"]


def cell_key(stratum: Stratum) -> str:
    """The keep-going cell of a stratum: ``"hidden | cost/output | dtype"`` (hidden ``-``
    for a net without hidden layers)."""
    return f"{stratum.featured or '-'} | {stratum.cost}/{stratum.output} | {stratum.dtype}"


class Search:
    """Mutable state shared by the blocks' test functions of one search."""

    def __init__(self) -> None:
        self.examples = 0
        self.calls = 0
        self.skipped = 0
        self.inconclusive = 0
        self.unsupported: collections.Counter[str] = collections.Counter()
        self.flags: collections.Counter[str] = collections.Counter()
        self.disputed: list[str] = []
        self.cells: dict[str, collections.Counter[str]] = collections.defaultdict(
            collections.Counter
        )
        self.matrix: dict[str, collections.Counter[str]] = collections.defaultdict(
            collections.Counter
        )
        self.powers: dict[tuple[str, str, str], list[float]] = collections.defaultdict(list)
        self.extent: dict[str, list[int]] = {}
        self.worst: tuple[float, str | None] = (0.0, None)
        self.coverage: dict[str, collections.Counter[str]] = collections.defaultdict(
            collections.Counter
        )
        self.first_caught: tuple[int, float] | None = None
        self.resume()

    def resume(self) -> None:
        """Back to searching after a failure was shrunk (``--keep-going``)."""
        self.searching = True
        self.caught_at: int | None = None
        self.caught_time: float | None = None
        self.caught_outcome: CheckResult | None = None
        self.last_failure: tuple[Any, CheckResult] | None = None
        self.shrink_calls = 0

    def caught(self, drawn: Any, stratum: Stratum, now: float, outcome: CheckResult) -> None:
        """The first failing example of a block (before shrinking)."""
        self.caught_outcome = outcome
        self.examples += 1
        self.cover(drawn, stratum)
        self.matrix[cell_key(stratum)]["fail"] += 1
        self.caught_at, self.caught_time = self.examples, now
        if self.first_caught is None:
            self.first_caught = (self.examples, now)
        self.searching = False

    def cover(self, drawn: Any, stratum: Stratum) -> None:
        """Count what was drawn (coverage) and the range of sizes (extent)."""
        p, info = drawn
        c = self.coverage
        c["depth"][str(p.depth)] += 1
        c["dtype"][str(p.dtype)] += 1
        c["cost"][p.cost] += 1
        c["output activation"][p.activations[-1]] += 1
        for a in sorted(set(p.activations[:-1])):
            c["hidden activation (present)"][a] += 1
        c["hidden activations (distinct)"][str(len(set(p.activations[:-1])))] += 1
        c["regime"][stratum.regime] += 1
        for r in sorted(set(info.layer_regimes)):
            c["layer regime (present)"][r] += 1
        c["x kind"][info.x_kind] += 1
        c["y kind"][f"{info.y_kind}"] += 1
        c["P"][bucket(p.P, (1, 2, 3, 5, 9, 17, 65, 257, 1025))] += 1
        c["N_L"][bucket(p.sizes[-1], (1, 2, 3, 5, 9))] += 1
        c["widest layer"][bucket(max(p.sizes[1:]), (1, 2, 3, 5, 9, 33, 129, 513))] += 1
        c["Q"][bucket(p.sizes[0], (1, 2, 3, 5, 9))] += 1
        largest = max(p.P * n for n in p.sizes[1:])
        c["largest P*N_l"][bucket(largest, (1, 2**10, 2**14, 2**18, 2**20))] += 1
        for key, n in (("depth", p.depth), ("width", max(p.sizes[1:])), ("P", p.P),
                       ("Q", p.sizes[0]), ("P*N", largest)):
            lo_hi = self.extent.setdefault(key, [n, n])
            lo_hi[0], lo_hi[1] = min(lo_hi[0], n), max(lo_hi[1], n)

    def judged(self, drawn: Any, stratum: Stratum, outcome: CheckResult) -> None:
        """Count a problem the candidate did not fail: its cell's verdict and its power."""
        p = drawn.problem
        self.examples += 1
        self.cover(drawn, stratum)
        self.cells[f"{stratum.cost}/{stratum.output} {stratum.dtype}"][outcome.status] += 1
        self.matrix[cell_key(stratum)][outcome.status] += 1
        self.flags.update(outcome.flags)
        if outcome.status == "inconclusive":
            self.inconclusive += 1
        for r in outcome.power:
            if math.isfinite(r.power):
                key = (str(p.dtype), position(r.layer, p.depth), r.row_kind)
                self.powers[key].append(r.power)
        if outcome.disputed:
            self.disputed.append(f"{p.describe()}: {outcome.note}")
        elif outcome.ratio >= self.worst[0]:
            self.worst = (outcome.ratio, p.describe())

    def declined(self, stratum: Stratum, outcome: CheckResult) -> None:
        """A problem the function declared out of its scope (``Unsupported``)."""
        self.unsupported[outcome.unsupported or ""] += 1
        self.matrix[cell_key(stratum)]["unsupported"] += 1


def position(layer: int, depth: int) -> str:
    """``"output"`` for the last weight layer, ``"first"`` for w^0 of a deeper net,
    ``"hidden"`` in between."""
    if layer == depth - 1:
        return "output"
    return "first" if layer == 0 else "hidden"


def power_summary(
    powers: dict[tuple[str, str, str], list[float]],
) -> dict[str, dict[str, dict[str, list]]]:
    """``{dtype: {position: {row_kind: [median, worst]}}}`` of the whole-block power over
    the judged problems (the smallest relative error of a whole block that was flagged)."""
    out: dict[str, dict[str, dict[str, list]]] = {}
    for dtype in ("float64", "float32"):
        for pos in ("first", "hidden", "output"):
            for kind in ("bias", "weights"):
                values = powers.get((dtype, pos, kind))
                if values:
                    out.setdefault(dtype, {}).setdefault(pos, {})[kind] = [
                        float(np.median(values)),
                        float(np.max(values)),
                    ]
    return out


def bucket(n: int, edges: Sequence[int]) -> str:
    """``n`` as ``"1"``, ``"2"``, ``"3-4"``, ... for the edges (1, 2, 3, 5), ``"5+"`` last."""
    for lo, hi in itertools.pairwise(edges):
        if lo <= n < hi:
            return str(lo) if hi == lo + 1 else f"{lo}-{hi - 1}"
    return f"{edges[-1]}+"
