"""The error budget: how far a *correct* floating-point gradient can be from the truth.

A first-order running-error analysis (derivation in ``docs/error-budget.md``). For every
quantity q of the forward and backward pass we carry a magnitude M(q) >= 0 such that any
reasonable floating-point evaluation q^ of q satisfies ``|q^ - q| <= u M(q)`` to first
order in the unit roundoff u, whatever the order of summation, blocking or FMA use:

* a sum of n products ``s = sum_i x_i y_i`` (seed eq. 1, 9):
  ``M(s) = n sum_i |x_i||y_i| + sum_i (|y_i| M(x_i) + |x_i| M(y_i))``
  (the n is gamma_n's worst case for any summation order);
* an elementwise function: ``M(f(z)) = |f'(z)| M(z) + C_F mag_f(z)`` where ``mag_f`` is
  the function evaluated *on magnitudes* (every subtraction turned into an addition), so
  cancellation inside the formula, such as ``a (1 - a)`` at a saturated sigmoid, is
  charged at its true cost; ``M(f'(z)) = |f''(z)| M(z) + C_F mag_f'(z)``;
* a product ``p = x y``: ``M(p) = |x| M(y) + |y| M(x) + |x y|``.

The output delta is charged ``C_F (|y| + |h|)``, never ``|y - h|`` (seed eq. 13), and the
backward pass (seed eq. 9) runs on these magnitudes. The scale ``S`` of a gradient
element is its M. Two implementations that are each within ``u S`` of the truth are
within ``2 u S`` of each other; :data:`K` adds a factor 2 for the second-order terms the
first-order analysis drops. A discrepancy ``Δ`` is judged by the dimensionless ratio
``|Δ| / (K u S)``: below 1 for every correct implementation.

The magnitudes are computed in float64 from the problem's own (exactly representable)
values, with crosscheck's own formulas (:mod:`crosscheck.spec`), never the implementation
under test's. Derivation and proof: ``docs/error-budget.md``.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from crosscheck import spec
from crosscheck.problem import Problem

__all__ = [
    "C_F",
    "Budget",
    "K",
    "budget",
    "kink_free",
    "ratios",
    "unit_roundoff",
]

K = 4.0
"""Safety factor: 2 (two implementations each within u S) x 2 (second-order terms)."""

C_F = 8.0
"""Roundings charged to one elementwise formula (its operations plus libm's few ulps)."""

_GC = math.sqrt(2.0 / math.pi)
_GA = 0.044715


def unit_roundoff(dtype: np.dtype | type) -> float:
    """u = eps / 2 of a float dtype (2^-24 for float32, 2^-53 for float64)."""
    return float(np.finfo(dtype).eps) / 2.0


class _Model(NamedTuple):
    # The formulas of f and of f' evaluated on magnitudes (module docstring), given z and a.
    value_mag: object
    deriv_mag: object


def _gelu_parts(z):
    inner = _GC * (z + _GA * z**3)
    t = np.tanh(inner)
    du = _GC * (1.0 + 3.0 * _GA * z * z)
    inner_mag = _GC * (np.abs(z) + 3.0 * _GA * np.abs(z) ** 3)
    return t, du, inner_mag


def _gelu_value_mag(z, a):
    t, _, inner_mag = _gelu_parts(z)
    return 0.5 * np.abs(z) * (1.0 + np.abs(t)) + 0.5 * np.abs(z) * (1.0 - t * t) * inner_mag


def _gelu_deriv_mag(z, a):
    t, du, inner_mag = _gelu_parts(z)
    sens_t = 0.5 + np.abs(z) * np.abs(t) * du  # |d f'/dt|
    return (
        0.5 * (1.0 + np.abs(t))
        + 0.5 * np.abs(z) * (1.0 + t * t) * du
        + sens_t * ((1.0 - t * t) * inner_mag + np.abs(t))
    )


_ZERO = lambda z, a: np.zeros_like(z)  # noqa: E731
_ABS_A = lambda z, a: np.abs(a)  # noqa: E731

MODELS: dict[str, _Model] = {
    "sigmoid": _Model(_ABS_A, lambda z, a: np.abs(a) * (1.0 + np.abs(a))),
    "tanh": _Model(_ABS_A, lambda z, a: 1.0 + a * a),
    "relu": _Model(_ZERO, _ZERO),
    "leaky_relu": _Model(_ABS_A, _ZERO),
    "identity": _Model(_ZERO, _ZERO),
    "softplus": _Model(_ABS_A, lambda z, a: spec.sigmoid(z)),
    "elu": _Model(
        lambda z, a: np.where(z > 0, 0.0, 1.0 + np.exp(np.minimum(z, 0.0))),
        # e^z for z <= 0, computed either as exp(z) or, as jax's expm1 rule does, as a + 1
        lambda z, a: np.where(z > 0, 0.0, np.exp(np.minimum(z, 0.0)) + np.abs(a) + 1.0),
    ),
    "silu": _Model(
        _ABS_A, lambda z, a: spec.sigmoid(z) * (1.0 + np.abs(z) * (1.0 + spec.sigmoid(z)))
    ),
    "gelu": _Model(_gelu_value_mag, _gelu_deriv_mag),
}
"""Error model of every elementwise activation: its formulas evaluated on magnitudes."""


class Budget(NamedTuple):
    """The error budget of one problem.

    ``scale[l]`` (float64, shaped like ``weights[l]``) is S: ``u * scale`` bounds, to
    first order, the rounding error of any correct evaluation of dC/dw^l in the
    problem's dtype. ``u`` is that dtype's unit roundoff. ``near_kink`` is True when a
    relu/leaky_relu pre-activation lies within rounding of 0 (its derivative, hence the
    gradient, is then ambiguous and no budget applies).

    S comes from two passes. The first carries M with the computed magnitudes |x|. The
    second repeats the analysis with every |x| replaced by |x| + u M(x), a bound on the
    *exact* |x|: where a computed quantity rounds to 0 (tanh' = 1 - a^2 at |z| > 19, a
    gelu at z = -9) but is 1e-17 exactly, the first-order terms that multiply it vanish,
    and the error is the product of two first-order errors. The second pass keeps those
    products, and it also bounds the error of a high-precision reference (mpmath).
    """

    scale: list[np.ndarray]
    u: float
    near_kink: bool

    def exact_error(self, u_exact: float) -> list[np.ndarray]:
        """K u_exact S: the error bound of a reference that computed with unit roundoff
        ``u_exact`` (mpmath's), as an absolute ``extra`` for :func:`ratios`."""
        return [K * u_exact * s for s in self.scale]

    def tolerance(self, u: float | None = None) -> list[np.ndarray]:
        """K u S per element: the largest discrepancy a correct pair may show."""
        uu = self.u if u is None else u
        return [K * uu * s for s in self.scale]


def budget(problem: Problem) -> Budget:
    """Run the forward and backward pass of seed eq. 1 and 9 on magnitudes (see module)."""
    u = unit_roundoff(problem.dtype)
    # Underflow: each operation's result may be off by up to the smallest normal number
    # (gradual underflow, or a vectorised library flushing subnormals to zero), an
    # absolute error. A formula has up to C_F operations; in units of u that is eta,
    # added to every computed quantity.
    eta = C_F * float(np.finfo(problem.dtype).tiny) / u
    v = _values(problem)
    first = _magnitudes(problem, v, eta, None, u)
    # The same analysis on bounds of the exact magnitudes, |x| + u M(x) (see Budget).
    second = _magnitudes(problem, v, eta, first, u)
    near_kink = any(
        name in spec.KINKED and bool(np.any((np.abs(z) <= K * u * Mz) & (Mz > 0)))
        for name, z, Mz in zip(problem.activations, v["z"][1:], second["z"][1:], strict=True)
    )
    return Budget(second["S"], u, near_kink)


def _values(problem: Problem) -> dict[str, list]:
    """The float64 values of seed eq. 1 and 9: z, a, f' per layer; delta, b backwards."""
    weights = [np.asarray(w, dtype=np.float64) for w in problem.weights]
    X = np.asarray(problem.X, dtype=np.float64)
    Y = np.asarray(problem.Y, dtype=np.float64)
    L = len(weights)
    v: dict[str, list] = {"w": weights, "y": [Y], "z": [X], "a": [X], "fp": [None]}
    v.update({"second": [None], "value_mag": [None], "deriv_mag": [None]})
    for w, name in zip(weights, problem.activations, strict=True):
        z = v["a"][-1] @ w[1:] + w[0]
        if name in spec.OUTPUT_ONLY:  # softmax: its Jacobian is the softmax costs' business
            a, fp, second, vmag, dmag = spec.softmax(z), None, None, None, None
        else:
            model = MODELS[name]
            a = spec.value(name, z)
            fp = spec.derivative(name, z, a)
            second = spec.second_derivative(name, z, a)
            vmag, dmag = model.value_mag(z, a), model.deriv_mag(z, a)
        for key, val in zip(
            ("z", "a", "fp", "second", "value_mag", "deriv_mag"),
            (z, a, fp, second, vmag, dmag),
            strict=True,
        ):
            v[key].append(val)
    cost = spec.COSTS[problem.cost]
    z, h = v["z"][L], v["a"][L]
    if cost.outputs == ("softmax",):
        delta = cost.sign * (Y - h * np.sum(Y, axis=1, keepdims=True))
    elif cost.outputs == ("sigmoid",):
        delta = cost.sign * (Y - h)
    else:
        delta = (h - Y) * v["fp"][L]
    v["delta"] = [None] * (L + 1)
    v["b"] = [None] * (L + 1)
    v["delta"][L] = delta
    for l in range(L - 1, 0, -1):
        b = delta @ weights[l][1:].T
        delta = v["fp"][l] * b
        v["b"][l], v["delta"][l] = b, delta
    return v


def _magnitudes(problem: Problem, v: dict[str, list], eta: float, first, u: float) -> dict:
    """M of every quantity and S of every gradient element (module docstring's rules).

    With ``first`` None, magnitudes are |x| of the float64 values; otherwise they are the
    bounds |x| + u M_first(x) of the exact magnitudes (for a high-precision reference).
    """

    def mag(key: str, l: int) -> np.ndarray:
        x = np.abs(v[key][l])
        return x if first is None or first[key][l] is None else x + u * first[key][l]

    L = len(v["w"])
    P = v["a"][0].shape[0]
    M: dict[str, list] = {k: [None] * (L + 1) for k in ("z", "a", "fp", "delta", "b")}
    M["z"][0] = M["a"][0] = np.zeros_like(v["a"][0])
    for l in range(1, L + 1):
        w = v["w"][l - 1]
        aW = np.abs(w[1:])
        M["z"][l] = (w.shape[0]) * (mag("a", l - 1) @ aW + np.abs(w[0])) + M["a"][l - 1] @ aW
        M["z"][l] += eta
        if v["fp"][l] is not None:  # elementwise activation
            fp = mag("fp", l)
            M["a"][l] = fp * M["z"][l] + C_F * v["value_mag"][l] + eta
            M["fp"][l] = np.abs(v["second"][l]) * M["z"][l] + C_F * v["deriv_mag"][l] + eta
    M["delta"][L] = _output_delta(problem.cost, v, M, mag, L, eta)

    S: list[np.ndarray] = [None] * L  # type: ignore[list-item]
    for l in range(L - 1, -1, -1):
        aa, ad = mag("a", l), mag("delta", l + 1)
        Ma, Md = M["a"][l], M["delta"][l + 1]
        s = np.empty_like(v["w"][l])
        s[0] = P * ad.sum(axis=0) + Md.sum(axis=0) + eta  # eq. 9, 2nd line
        s[1:] = P * (aa.T @ ad) + Ma.T @ ad + aa.T @ Md + (P + 1) * eta  # eq. 9, 3rd line
        S[l] = s
        if l > 0:  # eq. 9, 1st line: b = delta^{l+1} (w^l)^T, delta^l = f' b
            aW = np.abs(v["w"][l][1:])
            M["b"][l] = aW.shape[1] * (ad @ aW.T) + Md @ aW.T + eta
            fp, b = mag("fp", l), mag("b", l)
            M["delta"][l] = fp * M["b"][l] + b * M["fp"][l] + fp * b + eta
    M["S"] = S
    return M


def _output_delta(cost: str, v, M, mag, L: int, eta: float) -> np.ndarray:
    """M(dC/dz^L) for each cost (seed eq. 13 and costs.py): charged on |y| and |h|."""
    outputs = spec.COSTS[cost].outputs
    y, h, Mz = np.abs(v["y"][0]), mag("a", L), M["z"][L]
    if outputs == ("sigmoid",):
        return C_F * (y + h) + mag("fp", L) * Mz + 2.0 * eta
    if outputs == ("softmax",):
        z = v["z"][L]
        n = z.shape[1]
        m = np.max(z, axis=1, keepdims=True) if z.size else np.zeros((z.shape[0], 1))
        shift = np.abs(z - m) + Mz
        Ms = h * (C_F * n + shift + np.sum(h * shift, axis=1, keepdims=True)) + eta
        ysum = np.sum(y, axis=1, keepdims=True)
        return Ms * ysum + h * ysum * (n + 1) + y + eta
    # squared_error: (h - y) f'(z)
    fp = mag("fp", L)
    r = np.abs(v["a"][L] - v["y"][0])
    Mr = M["a"][L] + h + y
    return fp * Mr + r * M["fp"][L] + fp * r + eta


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
    (finite differences). 0/0 counts as 0 and x/0 as inf: where S = 0 every term is an
    exact zero, so a correct implementation returns exactly the reference there.
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
    (:attr:`Budget.near_kink`): the one kink rule, for judging, drawing and shrinking."""
    return not budget(problem).near_kink
