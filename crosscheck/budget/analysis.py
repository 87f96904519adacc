"""The running error analysis: a bound E(q) on the rounding error of every quantity q of
the forward and backward pass, and the scale S of every gradient element.

Everything is in units of the unit roundoff u: a correct evaluation of q is within
``u E(q)`` of the exact q, to first order, whatever its summation order, blocking or FMA
use (docs/error-budget.md derives and proves every rule). Each layer's error is split
into what is *made* there (``inj``: the rounding of its own sums and formulas, the
uncertain derivative of a unit at a relu kink, products of two errors) and what
*arrives* from earlier layers, which is bounded three ways, keeping the smallest:

* one step through ``|diag f'| |W|`` from the previous layer's bound;
* through the signed Jacobian chains of :mod:`crosscheck.budget.chains` (``|J|``, for a
  window of B layers, plus one step of ``|J_{l<-l-B}|`` from B layers back);
* norm-wise: ``||v J||_2 <= ||v||_2 prod c_k`` per example, from any earlier layer.

Every array may carry leading batch axes (``...``, those of :func:`values_of
<crosscheck.budget.values.values_of>` on stacked problems of one family): one pass of
the analysis then bounds a whole batch, each member exactly as it would be alone (no
sum, maximum or norm ever runs across members).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from crosscheck import spec
from crosscheck.budget import chains, ulps
from crosscheck.budget.models import MODELS, log_rounding
from crosscheck.budget.values import Values

__all__ = ["K", "Scale", "scale"]

K = 4.0
"""Safety factor: 2 (two implementations, each within u S of the exact gradient) x 2
(the second-order terms a first-order analysis drops)."""

KINK_JUMP = {"relu": 1.0, "leaky_relu": 1.0 - spec.LEAKY_RELU_SLOPE}
"""|f'(0+) - f'(0-)| of the kinked activations."""

CHUNK_BYTES = 64 << 20
"""Memory for one chunk of examples' Jacobian windows."""


class Scale(NamedTuple):
    """S per weight layer (float64, shaped like ``weights[l]``: ``(..., N_l + 1,
    N_{l+1})``), the number of units within rounding of a relu kink (an int, or an int
    array of the leading batch shape: one count per member), and the Jacobian window B
    used (the same for every member: it depends on sizes and P only)."""

    S: list[np.ndarray]
    kink_units: int | np.ndarray
    window: int


def _rows(v: Values, rows: slice) -> Values:
    """The values of some examples (a slice of axis -2, the examples' axis)."""

    def cut(xs: list) -> list:
        return [None if x is None else x[..., rows, :] for x in xs]

    return Values(
        v.w, v.y[..., rows, :], cut(v.z), cut(v.a), cut(v.fp), cut(v.f2), cut(v.vmag), cut(v.dmag),
        cut(v.delta), cut(v.b),
    )


def _norm(x: np.ndarray) -> np.ndarray:
    return np.sqrt(np.sum(x * x, axis=-1))


def scale(
    v: Values,
    activations: Sequence[str],
    cost: str,
    u: float,
    eta: float,
    work_cap: int | None = None,
    *,
    dtype: str,
) -> Scale:
    """S of every gradient element of the problem whose values are ``v`` (see module),
    computed in ``dtype`` (whose unit roundoff is ``u``: it picks the constants of
    :mod:`crosscheck.budget.ulps`); ``work_cap`` bounds the Jacobian windows' work
    (:func:`chains.window_size`, per problem).

    With leading batch axes ``...`` on ``v`` (a batch of one family), S gets them too
    and ``kink_units`` is an int array of their shape; each member's S and count are
    those of the member alone. The examples are processed in chunks whose windows fit
    :data:`CHUNK_BYTES` (for the whole batch)."""
    sizes = (v.a[0].shape[-1], *(w.shape[-1] for w in v.w))
    L = len(v.w)
    P = v.a[0].shape[-2]
    lead = v.a[0].shape[:-2]
    members = int(np.prod(lead, dtype=np.int64))
    B = chains.window_size(sizes, P, work_cap) if L >= 3 else 1
    per_example = members * sum(
        sizes[m] * sizes[l] for l in range(1, L + 1) for m in range(max(1, l - B), l - 1)
    )
    chunk = max(1, min(P, CHUNK_BYTES // max(1, 8 * per_example))) if per_example else max(P, 1)
    S = [np.zeros_like(w) for w in v.w]
    kinks = np.zeros(lead, dtype=np.int64)
    for start in range(0, max(P, 1), chunk):
        rows = slice(start, min(P, start + chunk))
        kinks += _chunk(_rows(v, rows), activations, cost, u, eta, B, P, S, dtype)
    for s in S:
        s[..., 0, :] += eta
        s[..., 1:, :] += (P + 1) * eta
    return Scale(S, int(kinks) if not lead else kinks, B)


def _chunk(
    v: Values,
    activations: Sequence[str],
    cost: str,
    u: float,
    eta: float,
    B: int,
    P_total: int,
    S: list[np.ndarray],
    dtype: str,
) -> int:
    """Forward and backward bounds for some examples; adds their part of S. Returns the
    number of near-kink units among them (an int array of the leading batch shape: one
    count per member)."""
    L = len(v.w)
    lead = v.a[0].shape[:-2]
    W = [w[..., 1:, :] for w in v.w]
    aW = [np.abs(x) for x in W]
    absb = [np.abs(w[..., :1, :]) for w in v.w]  # (..., 1, N): broadcast over examples
    J = chains.windows(W, v.fp, B) if B >= 2 else {}
    gamma = chains.rounding([W[0].shape[-2], *(x.shape[-1] for x in W)], B) if J else 0.0
    # the norm-wise bound at every depth from 3, even where the window spans the net: it
    # can be far the smaller there too (a width-1 layer, products that cancel: 540x on one
    # of 150 random nets of depth 3-6; tests/crosscheck/budget/test_analysis_norms.py)
    c = chains.step_norms(W, v.fp) if L >= 3 else [None] * L

    Ez: list = [np.zeros_like(v.a[0])] + [None] * L
    Ea: list = [np.zeros_like(v.a[0])] + [None] * L
    Efp: list = [None] * (L + 1)
    ea: list = [None] * (L + 1)
    dD: list = [None] * (L + 1)
    inj: list = [None] * (L + 1)
    Eabs: list = [None] * (L + 1)
    R: list = [None] * (L + 1)
    kinks = np.zeros(lead, dtype=np.int64)
    for l in range(1, L + 1):
        mag_a = np.abs(v.a[l - 1]) + u * Ea[l - 1]
        made = (W[l - 1].shape[-2] + 1) * (mag_a @ aW[l - 1] + absb[l - 1]) + eta
        if l >= 2:  # errors made at a^{l-1}: its formula, a kink's other branch, products
            made += (ea[l - 1] + (dD[l - 1] + u * Efp[l - 1]) * Ez[l - 1]) @ aW[l - 1]
        inj[l] = made
        if l == 1:
            Ez[1] = Eabs[1] = made
        else:
            step = np.abs(v.fp[l - 1])
            Eabs[l] = made + (Eabs[l - 1] * step) @ aW[l - 1]
            best = made + (Ez[l - 1] * step) @ aW[l - 1]
            if J and l >= 3:
                EJ = made + (inj[l - 1] * step) @ aW[l - 1]
                for m in range(max(1, l - B + 1), l - 1):
                    EJ += np.einsum("...pi,...ipk->...pk", inj[m], J[(l, m)])
                if l - B >= 1:
                    EJ += np.einsum("...pi,...ipk->...pk", Ez[l - B], J[(l, l - B)])
                best = np.minimum(best, EJ + gamma * Eabs[l])
            if c[l - 1] is not None:  # ||Δz^{l-1}||_2, then one column of D W at a time
                prev = _norm(Ez[l - 1])
                if R[l - 1] is not None:
                    prev = np.minimum(prev, R[l - 1] + _norm(inj[l - 1]))
                R[l] = prev * c[l - 1]
                cols = np.sqrt((step * step) @ (W[l - 1] * W[l - 1]))
                best = np.minimum(best, made + prev[..., None] * cols)
            Ez[l] = best
        name = activations[l - 1]
        if v.fp[l] is None:  # softmax output
            continue
        z = v.z[l]
        dD[l] = np.zeros_like(z)
        if name in KINK_JUMP:
            near = np.abs(z) <= K * u * Ez[l]  # either branch, for two implementations
            dD[l][near] = KINK_JUMP[name]
            kinks += np.count_nonzero(near.reshape(*lead, -1), axis=-1)
        model = MODELS[name]
        Efp[l] = (
            np.abs(v.f2[l]) * Ez[l]
            + ulps.constant("derivative", name, dtype) * v.dmag[l]
            + eta * model.deriv_floor(z)
        )
        ea[l] = ulps.constant("value", name, dtype) * v.vmag[l] + eta * model.value_floor(z)
        Ea[l] = (np.abs(v.fp[l]) + dD[l] + u * Efp[l]) * Ez[l] + ea[l]

    Ed: list = [None] * (L + 1)
    s: list = [None] * (L + 1)
    c_out = ulps.constant("output", cost, dtype)
    Ed[L] = s[L] = _output_delta(v, cost, Ez, Ea, Efp, dD, u, eta, c_out)
    Edabs: list = [None] * (L + 1)
    Edabs[L] = Ed[L]
    Rb: list = [None] * (L + 1)
    for l in range(L - 1, 0, -1):
        awT = np.swapaxes(aW[l], -1, -2)
        fp = np.abs(v.fp[l])
        mag_d = np.abs(v.delta[l + 1]) + u * Ed[l + 1]
        e_b = W[l].shape[-1] * (mag_d @ awT) + eta
        Eb = e_b + Ed[l + 1] @ awT
        absb_l = np.abs(v.b[l])
        made = (
            (fp + dD[l]) * e_b
            + (absb_l + u * Eb) * Efp[l]
            + fp * absb_l
            + eta
            + dD[l] * (absb_l / u + Eb)
        )
        s[l] = made
        Edabs[l] = made + (Edabs[l + 1] @ awT) * fp
        best = made + (Ed[l + 1] @ awT) * fp
        if J and l + 2 <= L:
            EJ = made + (s[l + 1] @ awT) * fp
            for m in range(l + 2, min(L, l + B - 1) + 1):
                EJ += np.einsum("...pk,...ipk->...pi", s[m], J[(m, l)])
            if l + B <= L:
                EJ += np.einsum("...pk,...ipk->...pi", Ed[l + B], J[(l + B, l)])
            best = np.minimum(best, EJ + gamma * Edabs[l])
        if c[l] is not None:  # ||Δδ^{l+1}||_2, then one row of W, times f'
            prev = _norm(Ed[l + 1])
            if Rb[l + 1] is not None:
                prev = np.minimum(prev, Rb[l + 1] + _norm(s[l + 1]))
            Rb[l] = prev * c[l]
            rows = np.sqrt(np.sum(W[l] * W[l], axis=-1))[..., None, :]  # (..., 1, N_l)
            best = np.minimum(best, made + prev[..., None] * rows * fp)
        Ed[l] = best

    for l in range(L):  # seed eq. 9, lines 2 and 3: sums over the examples
        mag_a = np.abs(v.a[l]) + u * Ea[l]
        mag_d = np.abs(v.delta[l + 1]) + u * Ed[l + 1]
        mag_aT = np.swapaxes(mag_a, -1, -2)
        S[l][..., 0, :] += P_total * mag_d.sum(axis=-2) + Ed[l + 1].sum(axis=-2)
        S[l][..., 1:, :] += (
            P_total * (mag_aT @ mag_d)
            + np.swapaxes(Ea[l], -1, -2) @ mag_d
            + mag_aT @ Ed[l + 1]
        )
    return kinks


def _output_delta(
    v: Values,
    cost: str,
    Ez: list,
    Ea: list,
    Efp: list,
    dD: list,
    u: float,
    eta: float,
    c_out: float,
) -> np.ndarray:
    """E(dC/dz^L) for each cost (seed eq. 13 and the costs): charged on |y| and |h|, never
    on |y - h| (however it is computed, it is a subtraction of numbers of those sizes);
    ``c_out`` is the cost's constant (:func:`crosscheck.budget.ulps.constant`).

    Sigmoid costs: also the rounding of log sigmoid(+-z) where sigma(+-z) is computed as
    its exponential (jax: ``exp(t)``, t = z - softplus(z)), ``log_rounding(z) (|y| sigma(-z)
    + h)``. Softmax costs: the rounding of the shift z - max z, of the exponentials and
    sums (``c_out N_L``), and of log s where s is computed as exp(log_softmax(z)) (torch),
    each relative to s and propagated through the softmax Jacobian."""
    L = len(v.w)
    outputs = spec.COSTS[cost].outputs
    y = np.abs(v.y)
    Mz = Ez[L]
    z = v.z[L]
    h = np.abs(v.a[L]) + (0.0 if Ea[L] is None else u * Ea[L])
    if outputs == ("sigmoid",):
        hc = spec.sigmoid(-z) + u * Ea[L]  # 1 - h, exact to first order
        logs = log_rounding(z, u, u * Mz) * (y * hc + h)
        return c_out * (y + h) + logs + (np.abs(v.fp[L]) + u * Efp[L]) * Mz + 2.0 * eta
    if outputs == ("softmax",):
        n = z.shape[-1]
        m = np.max(z, axis=-1, keepdims=True) if z.size else np.zeros((*z.shape[:-1], 1))
        shift = np.abs(z - m) + Mz
        logs = np.abs(spec.log_softmax(z)) if z.size else np.zeros_like(z)
        logs = logs + u * (Mz + np.sum(h * Mz, axis=-1, keepdims=True))  # exact |log s|
        Ms = h * (c_out * n + shift + logs + np.sum(h * shift, axis=-1, keepdims=True)) + eta
        ysum = np.sum(y, axis=-1, keepdims=True)
        return Ms * ysum + h * ysum * (n + 1) + y + eta
    # squared_error: (h - y) f'(z^L)
    fp = np.abs(v.fp[L]) + u * Efp[L] + dD[L]
    r = np.abs(v.a[L] - v.y)
    Mr = Ea[L] + h + y
    return fp * Mr + r * Efp[L] + fp * r + eta + dD[L] * (r / u + Mr)
