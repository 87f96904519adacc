"""The extended-precision oracle: the truth at every size, vectorised, at BLAS speed.

A *truth* oracle like mpmath's, but for problems of any size: seed eq. 1 (forward), the
costs' output deltas and eq. 7-10 (backward) are computed in a working precision well
beyond float64, on the problem's numbers taken exactly, and the gradients are returned
rounded to float64. Two working precisions (:mod:`crosscheck.oracles._precision`):

* ``"longdouble"`` where ``np.longdouble`` has a 64-bit significand (x86-64 Linux):
  :data:`UNIT_ROUNDOFF` = 2^-64;
* ``"double-double"`` elsewhere (pairs of float64 by error-free transformations,
  :mod:`crosscheck.oracles._dd`): unit roundoff bounded by 2^-100. Either can be forced
  with ``gradients(problem, path=...)``.

Every formula is the stable one, accurate relative to its own size: sigmoid(z) and
sigmoid(-z) from e^-|z|; tanh from expm1(-2|z|) and its derivative sech^2 from e^-2|z|
(never 1 - tanh^2, which is 0 once tanh rounds to 1); softplus from log1p(e^-|z|); gelu as
z sigmoid(2x) with x = C (z + A z^3), its derivative sigmoid(2x) + 2 z sigmoid(2x)
sigmoid(-2x) C (1 + 3 A z^2); the sigmoid costs' delta as y sigmoid(-z) - (1 - y) sigmoid(z);
softmax shifted by the row's largest z. The constants are the exact ones (1/100,
sqrt(2/pi), 0.044715), as in the mpmath oracle; relu'(0) = 0, leaky_relu'(0) = 1/100,
elu'(0) = 1 (crosscheck.spec).

The matrix products (the bulk of the work) use :mod:`crosscheck.oracles._products`: an
Ozaki-style error-free split of each operand into float64 slices whose products BLAS
computes exactly, accumulated in the working precision, with an element-by-element
certificate and a direct fallback, so that every product satisfies
``|C - A B| <= n u_w |A| |B|`` (the budget's rule for a sum of n products). The whole
answer is therefore within ``u_w S`` of the exact gradient, S the error budget's scale
(``docs/error-budget.md``, "The fast truth"); rounding it to float64 adds at most half an
ulp.

No handprop import; names and conventions from :mod:`crosscheck.spec`.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from fractions import Fraction
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from crosscheck.oracles import _dd, _products
from crosscheck.oracles._common import check_arguments
from crosscheck.oracles._precision import (
    LONGDOUBLE,
    PRECISIONS,
    longdouble_is_extended,
)
from crosscheck.spec import SIGMOID_COSTS as _SIGMOID_COSTS

if TYPE_CHECKING:  # pragma: no cover - typing only
    from crosscheck.problem import Problem

__all__ = [
    "DPS",
    "KIND",
    "MAX_WORK",
    "NAME",
    "PATH",
    "PATHS",
    "UNIT_ROUNDOFF",
    "TooLarge",
    "available",
    "fits",
    "gradients",
    "gradients_extended",
    "precision",
    "work",
]

NAME = "extended"
KIND = "truth"

PATHS: tuple[str, ...] = ("longdouble", "double-double")
"""The working precisions, by name."""

PATH: str = "longdouble" if longdouble_is_extended() else "double-double"
"""The working precision used by default here: longdouble if it has a 64-bit significand."""

UNIT_ROUNDOFF: float = PRECISIONS[PATH].unit_roundoff
"""The default working precision's unit roundoff: 2^-64 (longdouble) or 2^-100 (a bound
for double-double)."""

DPS: int = PRECISIONS[PATH].dps
"""Decimal digits, conservatively: 10^(1 - DPS) >= UNIT_ROUNDOFF (20 for longdouble,
31 for double-double). The judge charges the truth ``K 10^(1 - DPS) S`` for its own
rounding."""

MAX_WORK = 1 << 30
"""Largest :func:`work` accepted by :func:`fits`: about 10 times the 256-512-512-10 net
with P = 256 (work 1.0e8: 0.4-1 s here, 20-30 times handprop's float64 call). Measured at
the cap (the same net with P = 2560, 2 shared cores): 5-9 s and 0.4 GB."""


class TooLarge(ValueError):
    """The problem is over the extended oracle's size cap (:data:`MAX_WORK`)."""


def available() -> tuple[bool, str]:
    """``(True, "")`` wherever float64 arithmetic is IEEE round-to-nearest (checked once:
    the error-free transformations must be exact), else ``(False, why)``; never raises.
    NumPy is all this oracle needs. Its working precision is :data:`PATH` (longdouble
    with a 64-bit significand where NumPy has one, else double-double); :func:`precision`
    describes it."""
    why = _arithmetic_check()
    return why == "", why


@functools.cache
def _arithmetic_check() -> str:
    """"" if TwoSum and TwoProduct are exact on known cases (and longdouble keeps its
    64 bits on that path); else the reason the oracle cannot run."""
    try:
        with np.errstate(all="ignore"):
            a = np.array([1.0 + 2.0**-30])
            p, e = _dd.two_prod(a, a)  # (1 + 2^-30)^2 = 1 + 2^-29 + 2^-60
            s, f = _dd.two_sum(np.array([1.0]), np.array([2.0**-60]))
            exact = p[0] == 1.0 + 2.0**-29 and e[0] == 2.0**-60 and s[0] == 1.0
            exact = exact and f[0] == 2.0**-60
            wide = np.longdouble(1) + np.longdouble(2.0**-63) != 1
    except Exception as exc:  # pragma: no cover - a broken NumPy must not crash the caller
        return f"the arithmetic self-check failed: {type(exc).__name__}: {exc}"
    if not exact:
        return "float64 arithmetic does not round to nearest here: TwoSum/TwoProduct are inexact"
    if PATH == "longdouble" and not wide:
        return "np.longdouble lost its 64-bit significand"
    return ""


def precision(path: str | None = None) -> str:
    """One line naming the working precision of ``path`` (default :data:`PATH`)."""
    prec = _precision_of(path)
    bits = "64-bit significand" if prec is LONGDOUBLE else "pairs of float64"
    return f"{prec.name} ({bits}, unit roundoff {prec.unit_roundoff:.3g})"


def work(problem: Problem) -> int:
    """``P * n_parameters``: the multiply-adds of one forward pass (seed eq. 1)."""
    return int(problem.X.shape[0]) * sum(int(w.size) for w in problem.weights)


def fits(problem: Problem, max_work: int = MAX_WORK) -> bool:
    """Whether :func:`gradients` accepts ``problem`` under the cap ``max_work``."""
    return work(problem) <= max_work


def _precision_of(path: str | None) -> Any:
    name = PATH if path is None else path
    if name not in PRECISIONS:
        raise ValueError(f"path: expected one of {PATHS}, got {path!r}")
    return PRECISIONS[name]


# --------------------------------------------------------------------------------------
# Elementwise functions: value and derivative, each accurate relative to its own size.
# --------------------------------------------------------------------------------------
_GELU_A = "0.044715"


class _Consts(NamedTuple):
    """The spec's constants, exactly as the mpmath oracle takes them, in one precision."""

    one: Any
    zero: Any
    leaky: Any  # 1/100
    gelu_c: Any  # sqrt(2/pi)
    gelu_a: Any  # 0.044715
    gelu_3a: Any  # 3 * 0.044715


@functools.cache
def _constants(name: str) -> _Consts:
    prec = PRECISIONS[name]
    return _Consts(
        prec.constant(1),
        prec.constant(0),
        prec.constant(Fraction(1, 100)),
        prec.constant(_dd.decimal_constants()["sqrt_2_over_pi"]),
        prec.constant(_GELU_A),
        prec.constant(3 * Fraction(_GELU_A)),
    )


def _sigmoid_parts(prec: Any, z: Any) -> tuple[Any, Any, Any, Any]:
    """(t, q, tq, neg) with t = e^-|z|, q = 1 / (1 + t), tq = t / (1 + t): sigmoid(z) is
    tq where ``neg`` (z < 0) and q elsewhere, sigmoid(-z) the other one."""
    t = prec.exp(-prec.abs(z))
    q = 1.0 / (t + 1.0)
    return t, q, t * q, prec.negative(z)


def _sigmoids(prec: Any, z: Any) -> tuple[Any, Any]:
    """(sigmoid(z), sigmoid(-z)), each accurate relative to itself."""
    _, q, tq, neg = _sigmoid_parts(prec, z)
    return prec.where(neg, tq, q), prec.where(neg, q, tq)


def _activation(prec: Any, c: _Consts, name: str, z: Any) -> tuple[Any, Any]:
    """(f(z), f'(z)) of the elementwise activation ``name``."""
    one, zero = c.one, c.zero
    if name == "identity":
        return z, prec.ones_like(z)
    if name == "sigmoid":
        _, q, tq, neg = _sigmoid_parts(prec, z)
        return prec.where(neg, tq, q), q * tq  # sigmoid' = sigmoid(z) sigmoid(-z)
    if name == "tanh":
        e, m = prec.exp_and_expm1(-2.0 * prec.abs(z))  # e^-2|z|, e^-2|z| - 1
        d = 1.0 / (e + 1.0)
        t = -m * d
        return prec.where(prec.negative(z), -t, t), 4.0 * e * d * d
    if name in ("relu", "leaky_relu"):
        pos = prec.positive(z)
        if name == "relu":
            return prec.where(pos, z, zero), prec.where(pos, one, zero)
        return prec.where(pos, z, z * c.leaky), prec.where(pos, one, c.leaky)
    if name == "softplus":
        # max(z, 0) + log1p(e^-|z|); softplus' = sigmoid
        t, q, tq, neg = _sigmoid_parts(prec, z)
        return prec.where(neg, zero, z) + prec.log1p(t), prec.where(neg, tq, q)
    if name == "elu":
        pos = prec.positive(z)
        zn = prec.where(pos, zero, z)
        e, m = prec.exp_and_expm1(zn)
        return prec.where(pos, z, m), prec.where(pos, one, e)
    if name == "silu":
        s, sm = _sigmoids(prec, z)
        return z * s, s * (z * sm + 1.0)
    if name == "gelu":
        zz = z * z
        x = c.gelu_c * (z + c.gelu_a * (zz * z))
        s, sm = _sigmoids(prec, 2.0 * x)
        dx = c.gelu_c * (c.gelu_3a * zz + 1.0)
        return z * s, s + 2.0 * z * s * sm * dx
    raise ValueError(f"activations: unknown activation {name!r}")


def _output_delta(prec: Any, c: _Consts, cost: str, out: str, z: Any, Y: np.ndarray) -> Any:
    """dC/dz^L (P x N_L): the cost's derivative at the output pre-activation."""
    if cost in _SIGMOID_COSTS:
        s, sm = _sigmoids(prec, z)
        delta = Y * sm - (1.0 - prec.asarray(Y)) * s  # y - sigmoid(z), seed eq. 12-13
        return -delta if cost == "binary_cross_entropy" else delta
    if cost == "squared_error":
        h, d = _activation(prec, c, out, z)
        return (h - Y) * d
    # softmax: y_k - s_k sum_j y_j (log-likelihood); its negation (cross-entropy)
    e = prec.exp(z - prec.row_max(z))
    s = e / prec.sum_rows(e)
    delta = Y - s * prec.sum_rows(prec.asarray(Y))
    return -delta if cost == "softmax_cross_entropy" else delta


# --------------------------------------------------------------------------------------
# The gradient.
# --------------------------------------------------------------------------------------
def gradients_extended(
    problem: Problem,
    *,
    path: str | None = None,
    products: str = "auto",
    stats: dict | None = None,
) -> list[Any]:
    """dC/dw^l in the working precision, unrounded: ``np.longdouble`` arrays (path
    ``"longdouble"``) or :class:`~crosscheck.oracles._dd.DD` pairs (``"double-double"``).

    ``products`` is the product mode of :func:`crosscheck.oracles._products.matmul`
    (``"auto"``, ``"direct"``, ``"split"``); ``stats`` counts what the products did. No
    size cap (see :func:`fits`).
    """
    prec = _precision_of(path)
    check_arguments(problem.weights, problem.activations, problem.cost)
    weights = [np.asarray(w, dtype=np.float64) for w in problem.weights]
    X = np.asarray(problem.X, dtype=np.float64)
    Y = np.asarray(problem.Y, dtype=np.float64)
    acts = problem.activations
    L = len(weights)
    if X.shape[0] == 0:  # P = 0: C is the empty sum (seed eq. 2)
        return [prec.zeros(w.shape) for w in weights]
    c = _constants(prec.name)

    def mm(a: Any, b: Any) -> Any:
        return _products.matmul(a, b, prec, mode=products, stats=stats)

    # Forward (seed eq. 1) with the seed's constant unit a^l_0 = 1 in front of each layer's
    # activations, so that w^l (row 0 the bias) multiplies [1 a^l] whole: z^{l+1} =
    # [1 a^l] w^l. Keep [1 a^l] and f'(z^l). The weights stay float64 (exact).
    a: list[Any] = [prec.ones_first(X)]
    fprime: list[Any] = [None]
    z = None
    for l in range(L):
        z = mm(a[l], weights[l])
        if l < L - 1:
            value, deriv = _activation(prec, c, acts[l], z)
            a.append(prec.ones_first(value))
            fprime.append(deriv)

    # Backward (seed eq. 7-10): dC/dw^l = [1 a^l]^T delta^{l+1} (its row 0, the bias
    # gradient, is the sum of delta over the examples), delta^l = f'(z^l) (delta w^l[1:]^T).
    delta = _output_delta(prec, c, problem.cost, acts[-1], z, Y)
    grads: list[Any] = [None] * L
    for l in range(L - 1, -1, -1):
        grads[l] = mm(a[l].T, delta)
        if l > 0:
            delta = fprime[l] * mm(delta, weights[l][1:].T)
    return grads


def gradients(
    problem: Problem,
    *,
    path: str | None = None,
    products: str = "auto",
    max_work: int | None = MAX_WORK,
) -> list[np.ndarray]:
    """The exact gradient dC/dw^l, rounded to float64 from the working precision
    (default :data:`PATH`), shaped like the weights. Always float64, whatever the
    problem's dtype (its values are taken exactly).

    Raises :class:`TooLarge` (a ``ValueError``) over ``max_work`` (None: no cap), and
    ``ValueError`` for unknown names.
    """
    if max_work is not None and not fits(problem, max_work):
        raise TooLarge(
            f"problem: too large for the extended oracle: work = {work(problem)} > "
            f"max_work = {max_work} ({problem.X.shape[0]} examples, sizes "
            f"{'-'.join(map(str, _sizes(problem.weights)))}); pass a larger max_work"
        )
    prec = _precision_of(path)
    return [prec.to_float64(g) for g in gradients_extended(problem, path=path, products=products)]


def _sizes(weights: Sequence[np.ndarray]) -> tuple[int, ...]:
    return (int(np.shape(weights[0])[0]) - 1, *(int(np.shape(w)[1]) for w in weights))
