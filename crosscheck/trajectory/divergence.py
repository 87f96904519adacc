"""How far two trajectories drift apart (:func:`divergence`), when that is too far
(:data:`THRESHOLDS`), the a-priori bound over the first steps (:func:`divergence_bound`),
and at which steps a net solves XOR (:func:`solved_steps`)."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

import handprop
from crosscheck import spec
from crosscheck.budget import budget, unit_roundoff
from crosscheck.problem import Problem, make_problem
from crosscheck.trajectory.nets import flatten, unflatten

__all__ = [
    "THRESHOLDS",
    "Divergence",
    "divergence",
    "divergence_bound",
    "first_exceeding",
    "solved_steps",
]

THRESHOLDS: dict[str, float] = {"float32": 1e-2, "float64": 1e-10}
"""Relative divergence above which two trajectories count as having drifted apart: above
the accumulated rounding of 10^4 correct steps, below a learning rate or gradient off by
1e-6 in float64 (the reasoning: ``docs/trajectory.md``; also written into ``trajectory.md``)."""


class Divergence(NamedTuple):
    """Per-step divergence, each ``(steps + 1,)`` float64: ``abs[t] = max_i |Δw_i(t)|``
    and ``rel[t] = abs[t] / max_i |w_i^reference(t)|``."""

    abs: np.ndarray
    rel: np.ndarray


def divergence(candidate: np.ndarray, reference: np.ndarray) -> Divergence:
    """Max absolute and relative parameter divergence per step (see :class:`Divergence`).

    ``candidate`` and ``reference``: ``(T, n)`` weight histories (any float dtype, compared
    in float64). Relative: divided by ``max_i |reference_i(t)|`` (0/0 counts as 0).
    """
    c = np.asarray(candidate, dtype=np.float64)
    r = np.asarray(reference, dtype=np.float64)
    if c.shape != r.shape:
        raise ValueError(f"candidate: shape {c.shape} differs from the reference's {r.shape}")
    d = np.max(np.abs(c - r), axis=1)
    scale = np.max(np.abs(r), axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(d == 0, 0.0, d / scale)
    return Divergence(d, rel)


def first_exceeding(series: np.ndarray, threshold: float) -> int | None:
    """The first index t with ``series[t] > threshold`` (or not finite), else None."""
    bad = np.flatnonzero(~(np.asarray(series) <= threshold))
    return int(bad[0]) if bad.size else None


def solved_steps(problem: Problem, history: np.ndarray) -> np.ndarray:
    """Per step, whether every output is on the right side of 0.5 (``(T,)`` bool).

    The forward pass (seed eq. 1) runs in float64 on all T recorded weights at once.
    """
    shapes = [w.shape for w in problem.weights]
    Ws = unflatten(np.asarray(history, dtype=np.float64), shapes)
    X = np.asarray(problem.X, dtype=np.float64)
    Y = np.asarray(problem.Y, dtype=np.float64)
    with np.errstate(under="ignore"):
        a = np.broadcast_to(X, (history.shape[0], *X.shape))
        for W, name in zip(Ws, problem.activations, strict=True):
            z = a @ W[:, 1:, :] + W[:, :1, :]
            a = spec.value(name, z)
    return np.all(np.where(Y > 0.5, a > 0.5, a < 0.5), axis=(1, 2))


def _hessian(problem64: Problem) -> tuple[np.ndarray, np.ndarray]:
    """The gradient g ``(n,)`` and Hessian ``(n, n)`` of C at a float64 problem's weights.

    Central differences of :func:`handprop.gradients` with step ``2^-17 max(1, |w_i|)``:
    truncation ~h^2 |C'''|, rounding ~u |g| / h, both ~1e-10, far below |H|.
    """
    w0 = flatten(problem64.weights)
    shapes = [w.shape for w in problem64.weights]
    X, Y, acts, cost = problem64.X, problem64.Y, list(problem64.activations), problem64.cost
    g0 = flatten(handprop.gradients(list(problem64.weights), X, Y, acts, cost))
    n = w0.size
    H = np.empty((n, n))
    for i in range(n):
        h = 2.0**-17 * max(1.0, abs(w0[i]))
        wp, wm = w0.copy(), w0.copy()
        wp[i] += h
        wm[i] -= h
        gp = flatten(handprop.gradients(unflatten(wp, shapes), X, Y, acts, cost))
        gm = flatten(handprop.gradients(unflatten(wm, shapes), X, Y, acts, cost))
        H[:, i] = (gp - gm) / (wp[i] - wm[i])
    return g0, 0.5 * (H + H.T)


def divergence_bound(
    problem: Problem,
    history: np.ndarray,
    *,
    learning_rate: float,
    momentum: float = 0.0,
    gradient_budget: bool = True,
) -> np.ndarray:
    """Componentwise bound ``(T, n)`` on ``|w_handprop(t) - w_framework(t)|``, t < T.

    ``history`` ``(T, n)`` is handprop's trajectory (:func:`run_handprop`) from
    ``problem``; both implementations run ``v' = mu v + g(w)``, ``w' = w + s lr v'``
    (s = the cost's sign, ``mu = momentum``; ``mu = 0`` is plain ascent/descent).

    *Local error of step t*, from the same state: the two gradients at the same weights
    differ by at most ``tol = K u S(w_t)`` per element (the error budget,
    :mod:`crosscheck.budget`; left out with ``gradient_budget=False``, for two runs that
    share one gradient function), and each implementation rounds its update, at most
    ``u (|v'| + mu |v|)`` for v and ``u (|w'| + lr |v'|)`` for w (a product and a sum),
    so ``r_v = 2 u (|v'| + mu |v|)`` and ``r_w = 2 u (|w'| + lr |v'|)`` for two of them.
    The gradient error enters v and, through ``s lr``, w: the local error vector of the
    state ``x = (w, v)`` is ``(s lr eps_g + eps_w, eps_g)`` with ``|eps_g| <= tol + r_v``
    and ``|eps_w| <= r_w``.

    *Propagation*: a state difference ``δx`` at step t becomes ``M_t δx`` at t + 1 to first
    order, ``M_t = [[I + s lr H_t, s lr mu I], [H_t, mu I]]``, with H_t the Hessian of C at
    w_t (central differences of handprop's float64 gradients). Writing ``Φ(t, j) =
    M_{t-1} ... M_{j+1}`` for the propagation from step j + 1 to t, the difference after t
    steps is the sum of the propagated local errors, so, element by element::

        |δw(t)| <= sum_{j < t} |Φ(t, j) [s lr I; I]|_w (tol_j + r_v,j) + |Φ(t, j)|_ww r_w,j

    (``|A|`` elementwise absolute values, taken *after* the signed products, so the
    rotation of momentum and the contraction near a maximum are kept; ``_w`` the rows of
    w). This is the sum over steps of ``lr K u S`` plus the update roundings, each carried
    forward by the actual linearised dynamics. It is first order in u (terms in δ^2,
    ~1e-26 in float64 and ~1e-10 in float32 relative, are dropped); the result is
    multiplied by 1.01 for the finite-difference Hessian (relative error ~1e-9). Cost:
    2n gradient evaluations and O(t n^3) per step: meant for the first few tens of steps.
    """
    history = np.asarray(history)
    T, n = history.shape
    dtype = np.dtype(problem.dtype)
    u = unit_roundoff(dtype)
    sign = float(spec.COSTS[problem.cost].sign)
    lr, mu = float(learning_rate), float(momentum)
    shapes = [w.shape for w in problem.weights]
    X, Y = problem.X, problem.Y
    X64, Y64 = X.astype(np.float64), Y.astype(np.float64)
    acts, cost = problem.activations, problem.cost

    eye = np.eye(n)
    inject = np.vstack([sign * lr * eye, eye])  # (2n, n): where a gradient error goes
    out = np.zeros((T, n))
    # Pending local errors, each as (propagated map of the gradient error (2n, n),
    # propagated map of the w rounding (2n, n), its bound tol + r_v, its bound r_w).
    pending: list[list[np.ndarray]] = []
    v = np.zeros(n)
    for t in range(T - 1):
        w_t = unflatten(history[t], shapes)
        tol = (
            flatten(budget(make_problem(w_t, X, Y, acts, cost)).tolerance())
            if gradient_budget
            else np.zeros(n)
        )
        g, H = _hessian(make_problem([w.astype(np.float64) for w in w_t], X64, Y64, acts, cost))
        M = np.block([[eye + sign * lr * H, sign * lr * mu * eye], [H, mu * eye]])
        for item in pending:  # carry the earlier steps' errors through step t
            item[0] = M @ item[0]
            item[1] = M @ item[1]
        v_new = mu * v + g
        r_v = 2.0 * u * (np.abs(v_new) + mu * np.abs(v))
        r_w = 2.0 * u * (np.abs(history[t + 1].astype(np.float64)) + lr * np.abs(v_new))
        w_rows = np.vstack([eye, np.zeros((n, n))])
        pending.append([inject.copy(), w_rows, tol + r_v, r_w])
        v = v_new
        e = np.zeros(n)
        for A, B, a, b in pending:
            e += np.abs(A[:n]) @ a + np.abs(B[:n]) @ b
        out[t + 1] = 1.01 * e
    return out
