"""The finite-difference oracle: central differences of C in float64, with error bounds.

An *approximate* oracle for triage: it needs nothing but the cost, so it disagrees with
every analytic derivation in a different way. Whatever the problem's dtype, the cost is
evaluated in float64 by this module's own plain-NumPy forward pass (seed eq. 1, 2, 12;
not handprop's), on the problem's numbers taken exactly, and the answer is float64.

For each parameter w (seed's w^l_{n_l n_{l+1}}, bias rows included) with step
``h = STEP_FACTOR * max(|w|, 1)`` (STEP_FACTOR = eps^(1/3) ~ 6e-6, the step that balances
truncation ~h^2 against rounding ~eps/h)::

    D(h) = (C(w + h) - C(w - h)) / (2h)            the estimate returned
    D(2h)                                          the same with twice the step

using the steps actually representable, ``(w + h) - w``. :func:`error_bounds` estimates
|D(h) - dC/dw| per element as

* truncation: ``8 |D(h) - D(2h)|``, Richardson's estimate of D(h)'s h^2 error
  (``D(2h) - D(h) ~ 3 c h^2``) with the safety factor :data:`TRUNCATION_SAFETY`;
* rounding: ``6 sigma / h``, where sigma is the noise of one float64 evaluation of C,
  measured (Moré & Wild's ECnoise: high-order differences of C at 9 points a few 1e-8
  apart along a random direction) and floored at eps |C|;
* kinks: where a relu / leaky_relu / elu unit changes sign between C(w - 2h) and
  C(w + 2h) (including z = 0 exactly, where relu'(0) = 0 is a convention the difference
  quotient cannot see), the one-sided quotients are compared too: the bound adds the
  spread ``|D+(h) - D-(h)|`` of the forward and backward quotients plus their own
  Richardson terms, which covers the jump in slope. Such elements are flagged in
  :attr:`FDEstimate.kinked`; there the estimate is only good for triage.

The cost is 4 evaluations of C per parameter, batched. Moving w^l[r, c] changes only
column c of z^{l+1}, so each evaluation restarts from the stored base pass: one column
of z^{l+1} and a^{l+1}, a rank-one update of z^{l+2}, then full layers from l+2 on.
:func:`work` estimates the cost; above :data:`MAX_WORK` (about 5 s here) the functions
raise :class:`TooLarge` unless called with ``max_work=None``.
"""

from __future__ import annotations

import collections
import hashlib
import math
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from crosscheck.oracles._common import check_arguments
from crosscheck.spec import GELU_A as _GELU_A
from crosscheck.spec import GELU_C as _GELU_C
from crosscheck.spec import LEAKY_RELU_SLOPE
from crosscheck.spec import SIGMOID_COSTS as _SIGMOID_COSTS

if TYPE_CHECKING:  # pragma: no cover - typing only
    from crosscheck.problem import Problem

__all__ = [
    "KIND",
    "MAX_WORK",
    "NAME",
    "STEP_FACTOR",
    "FDEstimate",
    "TooLarge",
    "available",
    "cost",
    "error_bounds",
    "estimate",
    "fits",
    "gradients",
    "work",
]

NAME = "finite_differences"
KIND = "approximate"

_EPS = float(np.finfo(np.float64).eps)
STEP_FACTOR = _EPS ** (1.0 / 3.0)
"""Relative step: h = STEP_FACTOR * max(|w|, 1)."""



_KINKED = ("relu", "leaky_relu", "elu")
"""Activations whose derivative (relu, leaky_relu) or second derivative (elu) jumps at 0."""

_CHUNK_ELEMENTS = 1 << 21
"""Batch size limit: batch * P * widest layer <= this many float64 (16 MiB per array)."""

MAX_WORK = 15_000_000_000
"""Default cap on :func:`work`. Measured here (2 shared cores): about 0.2-0.4 ns per unit
for large problems, e.g. 64-128-128-10 with P = 64 (work 1.4e10): 4.7 s;
10-64-64-64-64-2 with P = 32 (5.4e9): 1.5 s; 16-32-32-8 with P = 32 (1.3e8): 0.25 s."""

_NOISE_POINTS = 9
_NOISE_SAFETY = 6.0

TRUNCATION_SAFETY = 8.0
"""Richardson's ``|D(h) - D(2h)|`` is an estimate, not a bound: where the cost's higher
derivatives vary within the steps (h^2 and h^4 terms of opposite signs) it falls short.
Measured: a saturating elu net (6-5-2-2, elu, elu, sigmoid, log_likelihood, a weight of 0
whose input is 1,924) had an error 2.9x the estimate (the nightly gate, seed 20261202;
``tests/crosscheck/oracles/test_fd_truncation.py``); 8 keeps a margin of 2.7 there."""


class FDEstimate(NamedTuple):
    """Central differences, their error bounds, and what went into them.

    ``gradients`` and ``error_bounds`` are lists of float64 arrays shaped like the
    weights; ``kinked`` boolean arrays (True where a kink lies within 2h); ``noise`` the
    estimated standard deviation of one float64 evaluation of C.
    """

    gradients: list[np.ndarray]
    error_bounds: list[np.ndarray]
    kinked: list[np.ndarray]
    noise: float


class TooLarge(ValueError):
    """The problem is over the finite-difference oracle's size cap (:data:`MAX_WORK`)."""


def available() -> tuple[bool, str]:
    """Always ``(True, "")``: this oracle needs only NumPy."""
    return True, ""


def work(problem: Problem) -> int:
    """Estimated cost, sum over layers l of 4 P (parameters of layer l) (cost of one
    perturbation of w^l: the parameters of the layers after l + 1, plus 10 per unit of
    the layers after l for activations and updates)."""
    sizes = [int(np.size(w)) for w in problem.weights]
    units = [int(np.shape(w)[1]) for w in problem.weights]
    P = int(problem.X.shape[0])
    return sum(
        4 * P * sizes[l] * (sum(sizes[l + 2 :]) + 10 * sum(units[l:])) for l in range(len(sizes))
    )


def fits(problem: Problem, max_work: int | None = MAX_WORK) -> bool:
    """Whether :func:`estimate` accepts ``problem`` under ``max_work`` (None: no cap)."""
    return max_work is None or work(problem) <= max_work


# --------------------------------------------------------------------------------------
# The forward pass, batched: every array may carry leading batch axes.
# --------------------------------------------------------------------------------------
def _sigmoid(z: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _activate(name: str, z: np.ndarray) -> np.ndarray:
    if name == "sigmoid":
        return _sigmoid(z)
    if name == "tanh":
        return np.tanh(z)
    if name == "relu":
        return np.maximum(z, 0.0)
    if name == "leaky_relu":
        return np.where(z > 0, z, LEAKY_RELU_SLOPE * z)
    if name == "identity":
        return z
    if name == "softplus":
        return np.logaddexp(0.0, z)
    if name == "elu":
        return np.where(z > 0, z, np.expm1(np.minimum(z, 0.0)))
    if name == "silu":
        return z * _sigmoid(z)
    if name == "gelu":
        return 0.5 * z * (1.0 + np.tanh(_GELU_C * (z + _GELU_A * z * z * z)))
    raise ValueError(f"activations: unknown activation {name!r}")


def _cost_of_z(cost_name: str, out: str, z: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """C from the output pre-activation z (..., P, N_L); sums over the last two axes."""
    if cost_name in _SIGMOID_COSTS:
        # seed eq. 12: y log sigmoid(z) + (1 - y) log sigmoid(-z)
        c = -(Y * np.logaddexp(0.0, -z) + (1.0 - Y) * np.logaddexp(0.0, z))
    elif cost_name == "squared_error":
        r = _activate(out, z) - Y
        c = 0.5 * r * r
    else:
        s = z - np.max(z, axis=-1, keepdims=True)
        c = Y * (s - np.log(np.sum(np.exp(s), axis=-1, keepdims=True)))
    total = np.sum(c, axis=(-2, -1))
    if cost_name in ("binary_cross_entropy", "softmax_cross_entropy"):
        total = -total
    return total


def _kink_layers(activations: Sequence[str], cost_name: str) -> list[int]:
    """Indices m (1..L) of the layers whose pre-activation z^m feeds a kinked function."""
    L = len(activations)
    layers = [m for m in range(1, L) if activations[m - 1] in _KINKED]
    if cost_name == "squared_error" and activations[-1] in _KINKED:
        layers.append(L)
    return layers


def _run(
    weights: Sequence[np.ndarray],
    X: np.ndarray,
    Y: np.ndarray,
    activations: Sequence[str],
    cost_name: str,
    kink_layers: Sequence[int],
) -> tuple[np.ndarray, dict[int, np.ndarray]]:
    """The forward pass from the input ``X`` to C.

    ``weights[l]`` may be ``(N_l + 1, N_{l+1})`` or batched ``(B, N_l + 1, N_{l+1})``;
    returns C (scalar or ``(B,)``) and ``{m: z^m}`` for the kink layers m.
    """
    L = len(weights)
    zs: dict[int, np.ndarray] = {}
    a = z = X
    for l in range(L):
        w = weights[l]
        z = np.matmul(a, w[..., 1:, :]) + w[..., 0:1, :]  # seed eq. 1
        if l + 1 in kink_layers:
            zs[l + 1] = z
        if l < L - 1:
            a = _activate(activations[l], z)
    return _cost_of_z(cost_name, activations[-1], z, Y), zs


def _continue(
    z: np.ndarray,
    m: int,
    weights: Sequence[np.ndarray],
    Y: np.ndarray,
    activations: Sequence[str],
    cost_name: str,
    kink_layers: Sequence[int],
) -> tuple[np.ndarray, dict[int, np.ndarray]]:
    """Forward from the pre-activation ``z = z^m`` (batched ``(B, P, N_m)``) to C ``(B,)``;
    also returns ``{m': z^m'}`` for the kink layers m' >= m."""
    L = len(weights)
    zs: dict[int, np.ndarray] = {}
    while True:
        if m in kink_layers:
            zs[m] = z
        if m == L:
            return _cost_of_z(cost_name, activations[-1], z, Y), zs
        a = _activate(activations[m - 1], z)
        z = a @ weights[m][1:] + weights[m][0]
        m += 1


def _crossing(z_steps: np.ndarray, z_base: np.ndarray) -> np.ndarray:
    """For ``z_steps`` of shape ``(k, 4, ...)`` (the perturbed evaluations of k parameters)
    and ``z_base`` (the unperturbed z, broadcastable to ``(k, ...)``): whether some unit is
    > 0 at one evaluation and < 0 at another (z = 0 counts as both sides)."""
    pos = np.any(z_steps > 0, axis=1) | (z_base > 0)
    neg = np.any(z_steps < 0, axis=1) | (z_base < 0)
    both = pos & neg
    return np.any(both.reshape(both.shape[0], -1), axis=1)


def cost(
    weights: Sequence[np.ndarray],
    X: np.ndarray,
    Y: np.ndarray,
    activations: Sequence[str],
    cost_name: str,
) -> float:
    """C (seed eq. 2) in float64 by this module's plain-NumPy forward pass.

    ``weights[l]`` ``(N_l + 1, N_{l+1})`` (row 0 the bias), ``X`` ``(P, Q)``, ``Y``
    ``(P, N_L)``; inputs are converted to float64 exactly.
    """
    check_arguments(weights, activations, cost_name)
    w64 = [np.asarray(w, dtype=np.float64) for w in weights]
    X64 = np.asarray(X, dtype=np.float64)
    Y64 = np.asarray(Y, dtype=np.float64)
    C, _ = _run(w64, X64, Y64, activations, cost_name, ())
    return float(C)


# --------------------------------------------------------------------------------------
# Noise of one evaluation of C (ECnoise, Moré & Wild 2011).
# --------------------------------------------------------------------------------------
def _noise(
    weights: list[np.ndarray],
    X: np.ndarray,
    Y: np.ndarray,
    activations: Sequence[str],
    cost_name: str,
    kink_layers: list[int],
) -> float:
    """Standard deviation of the rounding noise of one float64 evaluation of C."""
    rng = np.random.default_rng(20170621)
    n = sum(w.size for w in weights)
    delta = 2.0**-26 / math.sqrt(n)
    f0, out = _run(weights, X, Y, activations, cost_name, (len(weights),))
    C0 = max(abs(float(f0)), _cost_magnitude(cost_name, activations[-1], out[len(weights)], Y))
    sigma = 0.0
    t = np.arange(_NOISE_POINTS, dtype=np.float64)
    for _attempt in range(3):
        batch = []
        for w in weights:
            v = rng.choice((-1.0, 1.0), size=w.shape) * np.maximum(np.abs(w), 1.0)
            batch.append(w + (t * delta)[:, None, None] * v)
        f, zs = _run(batch, X, Y, activations, cost_name, kink_layers)
        crossing = any(
            bool(np.any(np.any(z > 0, axis=0) & np.any(z < 0, axis=0))) for z in zs.values()
        )
        sig = []
        for k in range(3, 7):
            d = np.diff(f, n=k)
            gamma = math.factorial(k) ** 2 / math.factorial(2 * k)
            sig.append(math.sqrt(gamma * float(np.mean(d * d))))
        sigma = max(sig)
        if not crossing:
            break
        delta /= 16.0  # a kink between the points: look closer (a kink inflates sigma)
    return max(sigma, _EPS * C0)


def _cost_magnitude(cost_name: str, out: str, z: np.ndarray, Y: np.ndarray) -> float:
    """A bound on the sum of |terms| that make up C: its rounding level, even where C
    cancels to (nearly) 0 or is locally flat, which ECnoise cannot see (all its samples
    round to the same value)."""
    if cost_name == "squared_error":
        h = _activate(out, z)
        return float(np.sum((np.abs(h) + np.abs(Y)) ** 2))
    # y log sigmoid(+-z) and y log softmax(z): |log sigmoid(z)| <= |z| + log 2 and
    # |log softmax(z)_k| <= 2 max_j |z_j| + log N_L.
    zmax = np.max(np.abs(z), axis=-1, keepdims=True) if z.size else 0.0
    return float(np.sum((np.abs(Y) + 1.0) * (2.0 * zmax + math.log(max(z.shape[-1], 2)) + 1.0)))


# --------------------------------------------------------------------------------------
# The differences.
# --------------------------------------------------------------------------------------
_cache: collections.OrderedDict[bytes, FDEstimate] = collections.OrderedDict()
_CACHE_SIZE = 8
_cache_lock = threading.Lock()


def _key(problem: Problem) -> bytes:
    h = hashlib.blake2b(digest_size=20)
    for arr in (*problem.weights, problem.X, problem.Y):
        a = np.ascontiguousarray(arr)
        h.update(str((a.dtype.str, a.shape)).encode())
        h.update(a.tobytes())
    h.update(repr((tuple(problem.activations), problem.cost)).encode())
    return h.digest()


def estimate(problem: Problem, *, max_work: int | None = MAX_WORK) -> FDEstimate:
    """Central differences D(h), their per-element error bounds, kink flags and noise.

    The result for the last few problems is cached (keyed by the problem's bytes), so
    :func:`gradients` followed by :func:`error_bounds` costs one computation. Raises
    :class:`TooLarge` if ``work(problem) > max_work`` (``max_work=None``: no cap) and
    ``ValueError`` for an unknown activation or cost name.
    """
    if not fits(problem, max_work):
        raise TooLarge(
            f"problem: too large for finite differences: work = {work(problem):.3g} > "
            f"max_work = {max_work:.3g} ({problem.X.shape[0]} examples, "
            f"{sum(np.size(w) for w in problem.weights)} parameters); use fewer examples or "
            "a smaller network, or pass max_work=None"
        )
    key = _key(problem)
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    result = _estimate(problem)
    with _cache_lock:
        _cache[key] = result
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return result


def _estimate(problem: Problem) -> FDEstimate:
    activations = list(problem.activations)
    cost_name = problem.cost
    check_arguments(problem.weights, activations, cost_name)
    weights = [np.asarray(w, dtype=np.float64) for w in problem.weights]
    X = np.asarray(problem.X, dtype=np.float64)
    Y = np.asarray(problem.Y, dtype=np.float64)
    L = len(weights)
    kink_layers = _kink_layers(activations, cost_name)

    # Base pass: z^m (m = 1..L) and a^m (m = 0..L-1) of every layer, and C itself.
    base_z: list[np.ndarray] = [X]
    base_a: list[np.ndarray] = [X]
    for l in range(L):
        base_z.append(base_a[l] @ weights[l][1:] + weights[l][0])
        if l < L - 1:
            base_a.append(_activate(activations[l], base_z[l + 1]))
    C0 = float(_cost_of_z(cost_name, activations[-1], base_z[L], Y))
    sigma = _noise(weights, X, Y, activations, cost_name, kink_layers)

    P = X.shape[0]
    width = max(w.shape[1] for w in weights)
    chunk = max(1, _CHUNK_ELEMENTS // (4 * max(P, 1) * width))
    grads, bounds, kinked = [], [], []
    for l in range(L):
        w = weights[l]
        flat = w.ravel()
        n = flat.size
        rows, cols = np.divmod(np.arange(n), w.shape[1])
        # What each parameter multiplies in z^{l+1}: 1 for the bias row (seed eq. 5),
        # a^l_{n_l} for the others (seed eq. 6).
        a_ext = np.hstack([np.ones((P, 1)), base_a[l]])
        h = STEP_FACTOR * np.maximum(np.abs(flat), 1.0)
        # Perturbed values and the steps actually taken: +h, -h, +2h, -2h.
        targets = np.stack([flat + h, flat - h, flat + 2 * h, flat - 2 * h], axis=1)
        steps = targets - flat[:, None]
        f = np.empty((n, 4))
        cross = np.zeros(n, dtype=bool)
        for lo in range(0, n, chunk):
            hi = min(n, lo + chunk)
            k = hi - lo
            r, c = rows[lo:hi], cols[lo:hi]
            # Moving w^l[r, c] moves only column c of z^{l+1}: by step * a_ext[:, r].
            zcol_base = base_z[l + 1][:, c].T  # (k, P)
            zcol = zcol_base[:, None, :] + steps[lo:hi, :, None] * a_ext[:, r].T[:, None, :]
            if l + 1 in kink_layers:
                cross[lo:hi] |= _crossing(zcol, zcol_base)
            if l + 1 == L:
                z = np.broadcast_to(base_z[L], (k, 4, *base_z[L].shape)).copy()
                z[np.arange(k), :, :, c] = zcol
                f[lo:hi] = _cost_of_z(cost_name, activations[-1], z, Y)
                continue
            # ... so a^{l+1} changes in column c only, and z^{l+2} by a rank-one term.
            da = _activate(activations[l], zcol) - base_a[l + 1][:, c].T[:, None, :]
            z = base_z[l + 2] + da[..., None] * weights[l + 1][1 + c][:, None, None, :]
            fc, zs = _continue(
                z.reshape(k * 4, *z.shape[2:]),
                l + 2,
                weights,
                Y,
                activations,
                cost_name,
                kink_layers,
            )
            f[lo:hi] = fc.reshape(k, 4)
            for m, zm in zs.items():
                cross[lo:hi] |= _crossing(zm.reshape(k, 4, *zm.shape[1:]), base_z[m])
        hp, hm, hp2, hm2 = steps.T
        D1 = (f[:, 0] - f[:, 1]) / (hp - hm)
        D2 = (f[:, 2] - f[:, 3]) / (hp2 - hm2)
        h1 = 0.5 * (hp - hm)
        bound = TRUNCATION_SAFETY * np.abs(D1 - D2) + _NOISE_SAFETY * sigma / h1
        if cross.any():
            Df1 = (f[:, 0] - C0) / hp
            Db1 = (C0 - f[:, 1]) / -hm
            Df2 = (f[:, 2] - C0) / hp2
            Db2 = (C0 - f[:, 3]) / -hm2
            # The full spread of the one-sided slopes (twice D's distance to either):
            # at z = 0 exactly the convention relu'(0) = 0 may pick the left slope in one
            # unit and, further down, units whose z is 0 too, a combination that is no
            # one-sided derivative at all; the spread covers that in practice.
            one_sided = np.abs(Df1 - Db1) + np.abs(Df2 - Df1) + np.abs(Db2 - Db1)
            bound = np.where(cross, bound + one_sided, bound)
        grads.append(D1.reshape(w.shape))
        bounds.append(bound.reshape(w.shape))
        kinked.append(cross.reshape(w.shape))
    return FDEstimate(grads, bounds, kinked, sigma)


def gradients(problem: Problem, *, max_work: int | None = MAX_WORK) -> list[np.ndarray]:
    """Central-difference estimates of dC/dw^l, float64, shaped like the weights."""
    return [g.copy() for g in estimate(problem, max_work=max_work).gradients]


def error_bounds(problem: Problem, *, max_work: int | None = MAX_WORK) -> list[np.ndarray]:
    """Per-element estimates of |FD - dC/dw| (truncation + rounding + kinks), float64,
    shaped like the weights."""
    return [b.copy() for b in estimate(problem, max_work=max_work).error_bounds]
