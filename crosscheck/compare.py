"""Compare a candidate gradient with a reference, per layer and per row kind.

Row 0 of ``weights[l]`` holds the biases (seed's w^l_{0 n_{l+1}}, eq. 5) and rows
1..N_l the weights (eq. 6); bugs often hit one kind and not the other, so every layer
yields two :class:`Discrepancy` records. Each says the largest absolute and relative
difference and the largest budget ratio (``|Δ| / (K u S)``, :mod:`crosscheck.budget`),
with the index, both values and the tolerance at the worst element.

:func:`compare_batch` does the same for every member of a batch of problems of one family
(:func:`crosscheck.problem.family`) in one pass over stacked arrays, with the same results.

Before any value is compared, :func:`layout_error` checks the candidate's structure in
the order a reader needs: a list, its length, each array's shape, dtype, finiteness.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from crosscheck.budget import Budget
from crosscheck.problem import Problem

__all__ = ["Comparison", "Discrepancy", "compare", "compare_batch", "layout_error"]

ROW_KINDS = ("bias", "weights")


class Discrepancy(NamedTuple):
    """The worst differences in one layer's bias row or weight rows, and the power there.

    ``index`` is the (row, column) in ``weights[layer]`` of the worst budget ratio;
    ``value``/``reference`` are the two gradients there and ``tolerance`` is K u S there.
    ``power`` is the smallest relative error of the whole block that the judge flags (a
    candidate equal to ``(1 + e) x reference`` on every element fails iff ``e > power``:
    the minimum of tolerance / |reference| over the block); ``power_median`` the median of
    that ratio, the relative error a typical single element must carry to be flagged.
    Both are ``inf`` where the reference is 0 on the whole block (nothing to scale).
    """

    layer: int
    row_kind: str
    max_abs: float
    max_rel: float
    max_ratio: float
    index: tuple[int, int]
    value: float
    reference: float
    tolerance: float
    power: float = math.inf
    power_median: float = math.inf

    def describe(self) -> str:
        """One line: where the worst element is and how far off it is."""
        return (
            f"layer {self.layer} "
            f"({'bias row 0' if self.row_kind == 'bias' else 'weight rows'}), "
            f"index {self.index}: got {self.value!r}, expected {self.reference!r}, "
            f"|diff| = {self.max_abs:.3g} > tolerance {self.tolerance:.3g} "
            f"(budget ratio {self.max_ratio:.3g}, relative diff {self.max_rel:.3g})"
        )


class Comparison(NamedTuple):
    """All records of one candidate-against-reference comparison of one problem."""

    records: tuple[Discrepancy, ...]
    near_kink: bool

    @property
    def worst(self) -> Discrepancy:
        """The record with the largest budget ratio."""
        return max(self.records, key=lambda r: (r.max_ratio, r.max_abs))

    @property
    def max_ratio(self) -> float:
        """The largest budget ratio over every element (0 if nothing to compare)."""
        return max((r.max_ratio for r in self.records), default=0.0)

    @property
    def passed(self) -> bool:
        """True when every element is within its budget (ratio <= 1)."""
        return self.max_ratio <= 1.0

    @property
    def power(self) -> float:
        """The weakest block's power: the largest :attr:`Discrepancy.power` that is finite
        (``inf`` only if the reference is 0 everywhere)."""
        finite = [r.power for r in self.records if math.isfinite(r.power)]
        return max(finite, default=math.inf)

    def weak(self, threshold: float) -> tuple[Discrepancy, ...]:
        """The blocks whose power is worse than ``threshold`` (a whole-block relative error
        of ``threshold`` would go unseen there)."""
        return tuple(r for r in self.records if threshold < r.power < math.inf)


def layout_error(candidate: Any, problem: Problem) -> str | None:
    """Why ``candidate`` is not a gradient in the canonical layout of ``problem``, or None.

    Checks, in order: a list/tuple of arrays, one per layer; each of shape
    ``(N_l + 1, N_{l+1})``; each of the problem's dtype; all values finite.
    """
    if not isinstance(candidate, (list, tuple)):
        return f"expected a list of {problem.depth} arrays, got {type(candidate).__name__}"
    if len(candidate) != problem.depth:
        return f"expected {problem.depth} arrays (one per weight layer), got {len(candidate)}"
    for l, (g, w) in enumerate(zip(candidate, problem.weights, strict=True)):
        if not isinstance(g, np.ndarray):
            return f"gradient[{l}]: expected a numpy array, got {type(g).__name__}"
        if g.shape != w.shape:
            return f"gradient[{l}]: expected shape {w.shape} (N_l + 1, N_l+1), got {g.shape}"
        if g.dtype != w.dtype:
            return f"gradient[{l}]: expected dtype {w.dtype} (dtype in = dtype out), got {g.dtype}"
        if not np.isfinite(g).all():
            bad = tuple(np.argwhere(~np.isfinite(g))[0].tolist())
            return f"gradient[{l}]: non-finite value {g[bad]} at index {bad}"
    return None


def _median(x: np.ndarray) -> float:
    """``float(np.median(x))`` of a non-empty 1-D array, bit for bit (NaN if any is NaN),
    without np.median's dispatch, which cost as much as the rest of a comparison."""
    s = np.sort(x)
    n = s.size
    if np.isnan(s[-1]):
        return math.nan
    if n % 2:
        return float(s[n // 2])
    with np.errstate(over="ignore"):  # two powers near the float64 limit: inf, as np.median
        return float((s[n // 2 - 1] + s[n // 2]) / 2.0)


def compare(
    candidate: Sequence[np.ndarray],
    reference: Sequence[np.ndarray],
    b: Budget,
    *,
    u: float | None = None,
    extra: Sequence[np.ndarray] | None = None,
) -> Comparison:
    """Per-layer, per-row-kind discrepancies of ``candidate`` against ``reference``.

    Both are lists shaped like the problem's weights, ``b`` the problem's budget
    (:func:`crosscheck.budget.budget`); the candidate's layout must already be valid (see
    :func:`layout_error`). ``u`` overrides the unit roundoff (float32's u when a float32
    result is judged against float64 truth); ``extra`` adds a reference's own error bound
    per element (finite differences, the truth's working precision).
    """
    tols = b.tolerance(u)
    records = []
    for l, (c, r, tol) in enumerate(zip(candidate, reference, tols, strict=True)):
        c64 = np.asarray(c, dtype=np.float64)
        r64 = np.asarray(r, dtype=np.float64)
        d = np.abs(c64 - r64)
        t = tol if extra is None else tol + extra[l]
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            q = np.where(d == 0, 0.0, d / t)  # crosscheck.budget.ratios, per element
            rel = np.where(d == 0, 0.0, d / np.maximum(np.abs(c64), np.abs(r64)))
            pw = t / np.abs(r64)
        for kind, rows in zip(ROW_KINDS, (slice(0, 1), slice(1, None)), strict=True):
            qk = q[rows]
            pk = pw[rows][r64[rows] != 0]
            flat = int(np.argmax(qk)) if qk.any() else int(np.argmax(d[rows]))
            i, j = np.unravel_index(flat, qk.shape)
            row = int(i) + rows.start
            records.append(
                Discrepancy(
                    layer=l,
                    row_kind=kind,
                    max_abs=float(d[rows].max()),
                    max_rel=float(rel[rows].max()),
                    max_ratio=float(qk.max()),
                    index=(row, int(j)),
                    value=float(c64[row, j]),
                    reference=float(r64[row, j]),
                    tolerance=float(t[row, j]),
                    power=float(pk.min()) if pk.size else math.inf,
                    power_median=_median(pk) if pk.size else math.inf,
                )
            )
    return Comparison(tuple(records), b.near_kink)


def compare_batch(
    candidates: Sequence[Sequence[np.ndarray]],
    references: Sequence[Sequence[np.ndarray]],
    budgets: Sequence[Budget],
    *,
    u: float | None = None,
    extras: Sequence[Sequence[np.ndarray] | None] | None = None,
) -> list[Comparison]:
    """:func:`compare` of each member of a batch, computed over stacked arrays: element i is
    ``compare(candidates[i], references[i], budgets[i], u=u, extra=extras[i])``, the same
    numbers bit for bit (tests/crosscheck/test_compare_batch.py).

    The members share their layers' shapes (one family); each candidate's layout must
    already be valid. ``extras`` is None or one entry (None or a list) per member.
    """
    n = len(candidates)
    if not (len(references) == len(budgets) == n) or (extras is not None and len(extras) != n):
        raise ValueError(
            f"candidates, references, budgets, extras: expected one per member, got {n}, "
            f"{len(references)}, {len(budgets)}, {'-' if extras is None else len(extras)}"
        )
    if n == 0:
        return []
    tols = [b.tolerance(u) for b in budgets]
    records: list[list[Discrepancy]] = [[] for _ in range(n)]
    members = np.arange(n)
    for l in range(len(candidates[0])):
        c64 = np.stack([np.asarray(c[l], dtype=np.float64) for c in candidates])
        r64 = np.stack([np.asarray(r[l], dtype=np.float64) for r in references])
        t = np.stack(
            [
                tol[l] if extras is None or extras[i] is None else tol[l] + extras[i][l]
                for i, tol in enumerate(tols)
            ]
        )
        d = np.abs(c64 - r64)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            q = np.where(d == 0, 0.0, d / t)
            rel = np.where(d == 0, 0.0, d / np.maximum(np.abs(c64), np.abs(r64)))
            pw = t / np.abs(r64)
        cols = c64.shape[2]
        for kind, rows in zip(ROW_KINDS, (slice(0, 1), slice(1, None)), strict=True):
            qk = q[:, rows].reshape(n, -1)
            dk = d[:, rows].reshape(n, -1)
            flat = np.where(qk.any(axis=1), np.argmax(qk, axis=1), np.argmax(dk, axis=1))
            row = flat // cols + rows.start
            col = flat % cols
            # the power over the entries whose reference is not 0 (compare's pk): the others
            # become inf, which sorts after every finite value and before NaN
            valid = r64[:, rows].reshape(n, -1) != 0
            pk = np.sort(np.where(valid, pw[:, rows].reshape(n, -1), np.inf), axis=1)
            count = valid.sum(axis=1)
            low = pk[members, np.maximum(count - 1, 0) // 2]
            high = pk[members, count // 2 - (count == 0)]
            with np.errstate(over="ignore"):  # two powers near the float64 limit: inf
                median = np.where(count % 2 == 1, low, (low + high) / 2.0)
            median = np.where(np.isnan(pk[:, -1]), np.nan, median)
            fields = zip(
                dk.max(axis=1).tolist(),
                rel[:, rows].reshape(n, -1).max(axis=1).tolist(),
                qk.max(axis=1).tolist(),
                row.tolist(),
                col.tolist(),
                c64[members, row, col].tolist(),
                r64[members, row, col].tolist(),
                t[members, row, col].tolist(),
                np.min(pk, axis=1).tolist(),
                median.tolist(),
                count.tolist(),
                strict=True,
            )
            for i, (mabs, mrel, mratio, i_row, j, value, ref, tol, power, med, k) in enumerate(
                fields
            ):
                records[i].append(
                    Discrepancy(
                        layer=l,
                        row_kind=kind,
                        max_abs=mabs,
                        max_rel=mrel,
                        max_ratio=mratio,
                        index=(i_row, j),
                        value=value,
                        reference=ref,
                        tolerance=tol,
                        power=power,  # inf where every reference entry is 0 (all inf)
                        power_median=med if k else math.inf,
                    )
                )
    return [Comparison(tuple(r), b.near_kink) for r, b in zip(records, budgets, strict=True)]
