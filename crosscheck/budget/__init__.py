"""The error budget: how far a *correct* floating-point gradient can be from the truth.

For every gradient element, a scale S such that any correct evaluation in the problem's
dtype is within ``u S`` of the exact gradient (u the dtype's unit roundoff), from a
first-order running-error analysis of seed eq. 1 and 9 (:mod:`.analysis`; derivation
and proof in docs/error-budget.md). A discrepancy Δ between two implementations is judged
by ``|Δ| / (K u S)``: below 1 for every correct pair.

* :func:`budget` - the :class:`Budget` of a problem (computed once per problem);
* :func:`budgets` - the budgets of a batch of problems of one family
  (:func:`crosscheck.problem.family`) in one pass of the analysis over a batch axis,
  each equal to :func:`budget` of its problem;
* :func:`ratios` - ``|Δ| / (K u S [+ an oracle's own bound])`` per element;
* :func:`kink_free` - no relu/leaky_relu unit within rounding of its kink.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from crosscheck.budget.analysis import K, scale
from crosscheck.budget.ulps import C_F
from crosscheck.budget.values import values, values_of
from crosscheck.problem import Problem, check_family

__all__ = ["C_F", "Budget", "K", "budget", "budgets", "kink_free", "ratios", "unit_roundoff"]


def unit_roundoff(dtype: np.dtype | type) -> float:
    """u = eps / 2 of a float dtype (2^-24 for float32, 2^-53 for float64)."""
    return float(np.finfo(dtype).eps) / 2.0


class Budget(NamedTuple):
    """The error budget of one problem.

    ``scale[l]`` (float64, shaped like ``weights[l]``) is S: ``u * scale`` bounds, to first
    order, the rounding error of any correct evaluation of dC/dw^l in the problem's dtype,
    second-order terms (products of two errors) included. ``u`` is that dtype's unit
    roundoff. ``kink_units`` counts the relu/leaky_relu units whose pre-activation lies
    within rounding of the kink: two correct implementations may take either branch there,
    and S includes the difference (their gradients are still judged); ``near_kink`` is
    ``kink_units > 0``. ``window`` is the Jacobian window the analysis used (1: none).
    """

    scale: list[np.ndarray]
    u: float
    near_kink: bool
    kink_units: int = 0
    window: int = 1
    dtype: str = "float64"

    @property
    def full_window(self) -> bool:
        """Whether the Jacobian window spans the whole net (no sharper S is available)."""
        return self.window >= max(1, len(self.scale) - 1)

    def exact_error(self, u_exact: float) -> list[np.ndarray]:
        """K u_exact S: the error bound of a reference that computed with unit roundoff
        ``u_exact`` (a high-precision truth), as an absolute ``extra`` for :func:`ratios`."""
        return [K * u_exact * s for s in self.scale]

    def tolerance(self, u: float | None = None) -> list[np.ndarray]:
        """K u S per element: the largest discrepancy a correct pair may show."""
        uu = self.u if u is None else u
        return [K * uu * s for s in self.scale]


def budget(problem: Problem, *, work_cap: int | None = None) -> Budget:
    """The :class:`Budget` of ``problem`` (its S from :func:`crosscheck.budget.analysis.scale`).

    ``work_cap`` bounds the multiply-adds spent on exact Jacobian windows (default
    :data:`crosscheck.budget.chains.WORK_CAP`); a larger cap can only make S smaller
    (sharper), never invalid.

    Underflow: each operation's result may be off by up to the smallest normal number
    (gradual underflow, or a vectorised library flushing subnormals to zero), an absolute
    error. A formula has up to C_F operations; in units of u that is eta, added to every
    computed quantity.
    """
    u, eta = _roundoffs(problem.dtype)
    result = scale(
        values(problem), problem.activations, problem.cost, u, eta, work_cap,
        dtype=problem.dtype.name,
    )
    return Budget(
        result.S, u, result.kink_units > 0, result.kink_units, result.window, problem.dtype.name
    )


def budgets(problems: Sequence[Problem], *, work_cap: int | None = None) -> list[Budget]:
    """The :class:`Budget` of every one of ``problems``, a batch of one family
    (:func:`crosscheck.problem.check_family`: same sizes, P, activations, cost and dtype),
    in one pass of the analysis over a leading batch axis: the problems' arrays are
    stacked (``weights[l]`` ``(Bt, N_l + 1, N_{l+1})``, ``X`` ``(Bt, P, Q)``, ``Y``
    ``(Bt, P, N_L)``) and :func:`crosscheck.budget.values.values_of` and
    :func:`crosscheck.budget.analysis.scale` run once.

    ``budgets(problems)[i]`` equals ``budget(problems[i], work_cap=work_cap)``: the same
    u, kink counts (per problem), window and dtype, and the same S bit for bit
    (tests/crosscheck/budget/test_budgets_batch.py); ``work_cap`` is per problem, as
    there. Raises ``ValueError`` naming ``problems`` for an empty batch or two families.
    """
    check_family(problems)
    first = problems[0]
    dtype = first.dtype
    u, eta = _roundoffs(dtype)
    L = first.depth
    weights = [np.stack([p.weights[l] for p in problems]) for l in range(L)]
    X = np.stack([p.X for p in problems])
    Y = np.stack([p.Y for p in problems])
    v = values_of(weights, X, Y, first.activations, first.cost, dtype)
    result = scale(v, first.activations, first.cost, u, eta, work_cap, dtype=dtype.name)
    kinks = np.asarray(result.kink_units)
    return [
        Budget(
            [s[i].copy() for s in result.S],
            u,
            bool(kinks[i] > 0),
            int(kinks[i]),
            result.window,
            dtype.name,
        )
        for i in range(len(problems))
    ]


def _roundoffs(dtype: np.dtype) -> tuple[float, float]:
    """u and eta (the underflow floor in units of u, see :func:`budget`) of ``dtype``."""
    u = unit_roundoff(dtype)
    return u, C_F * float(np.finfo(dtype).tiny) / u


def ratios(
    candidate: list[np.ndarray],
    reference: list[np.ndarray],
    b: Budget,
    *,
    u: float | None = None,
    extra: list[np.ndarray] | None = None,
) -> list[np.ndarray]:
    """|candidate - reference| / (K u S + extra) per element (float64, shaped like weights).

    ``u`` defaults to the problem dtype's unit roundoff; pass float32's u to judge a
    float32 result against float64 truth. ``extra`` adds an oracle's own error bound
    (finite differences, the truth's working precision). 0/0 counts as 0 and x/0 as inf.
    """
    out = []
    for l, (c, r, tol) in enumerate(zip(candidate, reference, b.tolerance(u), strict=True)):
        d = np.abs(np.asarray(c, dtype=np.float64) - np.asarray(r, dtype=np.float64))
        t = tol if extra is None else tol + extra[l]
        with np.errstate(divide="ignore", invalid="ignore"):
            q = np.where(d == 0, 0.0, d / t)
        out.append(q)
    return out


def kink_free(problem: Problem) -> bool:
    """True unless a relu/leaky_relu pre-activation lies within rounding of its kink
    (:attr:`Budget.near_kink`): where that happens, two correct implementations may take
    different branches (the budget allows for it)."""
    return not budget(problem).near_kink
