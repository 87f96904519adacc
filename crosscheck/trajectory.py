"""``crosscheck trajectory``: train the same nets in handprop, torch and jax; compare.

Each net starts from the same seeded weights (:func:`handprop.init_weights`) and runs the
same full-batch update for ``steps`` steps in every framework and dtype:

* handprop: :func:`handprop.train` (gradient ascent on the log-likelihood, seed eq. 9, 13);
* torch: ``torch.optim.SGD(params, lr, momentum, maximize=True)`` on the oracle's
  differentiable cost (:func:`crosscheck.oracles.torch_autograd.cost`); ``maximize=True``
  makes SGD step along +dC/dw, which is ascent on the log-likelihood (torch negates the
  gradient and descends; a negation is exact);
* jax: ``w <- w + lr * jax.grad(cost)(w)`` with :func:`crosscheck.oracles.jax_grad.cost`,
  the whole loop one jitted ``lax.scan``; float64 runs inside
  :func:`crosscheck.oracles.jax_grad.precision` (x64 scoped, global state unchanged).

Per step t and framework, the *divergence* is ``max_i |w_i^handprop(t) - w_i^fw(t)|``
over all parameters (absolute) and that divided by ``max_i |w_i^handprop(t)|`` (relative),
both frameworks compared with handprop in the same dtype. As a yardstick the report also
compares handprop float32 with handprop float64 (what float32 rounding alone does to the
trajectory). The report gives the divergence at steps 1, 10, 100, ..., its maximum, and
the first step at which the relative divergence exceeds :data:`THRESHOLDS` (if ever).

The JSON keeps each series at the steps of :func:`sample_steps` (every step up to
:data:`DENSE_STEPS`, then :data:`LOG_POINTS` log-spaced steps, always the last); costs
and summaries are rounded to :data:`SIGNIFICANT` significant digits, divergence series to
:data:`SERIES_DIGITS`; keys are sorted and there are no timings: the same options give
the same bytes (:func:`report_json`). Files are written atomically
(:mod:`crosscheck.atomic`: a temporary file in the same directory, then ``os.replace``).

:func:`divergence_bound` is the a-priori bound on the divergence over the first steps
that the tests hold the frameworks to (derivation in its docstring).

torch, jax and matplotlib are imported inside functions only.
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import os
import re
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

import handprop
from crosscheck.atomic import write_with as _atomic_write
from crosscheck.budget import budget, unit_roundoff
from crosscheck.problem import Problem, make_problem
from handprop import activations as _activations
from handprop import costs as _costs
from handprop.train import XOR_ACTIVATIONS, XOR_LEARNING_RATE, XOR_SEED, XOR_SIZES, xor_data
from handprop.train import train as _train_fn

__all__ = [
    "DENSE_STEPS",
    "FRAMEWORKS",
    "LOG_POINTS",
    "NETS",
    "RUNNERS",
    "SCHEMA_VERSION",
    "SERIES_DIGITS",
    "THRESHOLDS",
    "Divergence",
    "Net",
    "Run",
    "available",
    "configure_trajectory",
    "divergence",
    "divergence_bound",
    "first_exceeding",
    "flatten",
    "net_problem",
    "render_markdown",
    "render_plot",
    "report_json",
    "run_handprop",
    "run_jax",
    "run_torch",
    "run_trajectory",
    "sample_steps",
    "solved_steps",
    "trajectory_report",
    "unflatten",
    "write_reports",
]

SCHEMA_VERSION = 1
"""Version of the layout of ``trajectory.json``."""

THRESHOLDS: dict[str, float] = {"float32": 1e-2, "float64": 1e-10}
"""Relative divergence above which two trajectories count as having drifted apart.

Justification (also written into ``trajectory.md``): one step moves w by lr dC/dw, and two
correct implementations differ in that step by at most lr K u S (the gradient budget,
:mod:`crosscheck.budget`) plus the rounding of the update, a few u |w|. Without
amplification, 10^4 steps accumulate a relative divergence of about 10^4 K u:
~4.4e-12 in float64 and ~2.4e-3 in float32 (u = 2^-53, 2^-24). The thresholds sit above
that (float64 1e-10, ~9e5 u, a margin of 20; float32 1e-2, ~1.7e5 u, a margin of 4) and,
in float64, below a real bug: a learning rate or a gradient off by a relative 1e-6
moves the weights by a few 1e-7 relative in the first step (measured: 2.9e-7 and 4.8e-7
for the two nets), over 10^3 times the threshold. (1e-6, the first guess, would miss
exactly that bug.) float32 cannot resolve such a bug in a trajectory;
the tests' first-steps bound (:func:`divergence_bound`) is the sharp check there.
A crossing means a bug or dynamics that amplify rounding (a saddle, a chaotic phase);
the per-step series tells them apart.
"""

DENSE_STEPS = 100
"""Every step 0..DENSE_STEPS is kept in the JSON series."""

LOG_POINTS = 100
"""Number of log-spaced steps kept after DENSE_STEPS (rounded, deduplicated)."""

SIGNIFICANT = 6
"""Significant digits of the costs and summary numbers in ``trajectory.json``."""

SERIES_DIGITS = 4
"""Significant digits of the divergence series in ``trajectory.json``."""

FRAMEWORKS: tuple[str, ...] = ("handprop", "torch", "jax")
"""The frameworks in report order (handprop first: the reference)."""

DTYPES: tuple[str, ...] = ("float32", "float64")

DEFAULT_STEPS = 10_000

_DECADES = (1, 10, 100, 1_000, 10_000, 100_000, 1_000_000)


class Net(NamedTuple):
    """One training setup: architecture, init seed, cost, learning rate, momentum."""

    name: str
    sizes: tuple[int, ...]
    activations: tuple[str, ...]
    cost: str
    seed: int
    learning_rate: float
    momentum: float = 0.0


NETS: tuple[Net, ...] = (
    Net("xor-2-2-1", XOR_SIZES, XOR_ACTIVATIONS, "log_likelihood", XOR_SEED, XOR_LEARNING_RATE),
    Net("xor-2-4-4-1", (2, 4, 4, 1), ("tanh", "sigmoid", "sigmoid"), "log_likelihood", 0, 0.5),
)
"""The seed's 2-2-1 sigmoid net on XOR (section 5) and a deeper tanh/sigmoid net on XOR."""


class Run(NamedTuple):
    """One training run: ``costs`` ``(steps + 1,)`` (C before each update and at the end)
    and ``weights`` ``(steps + 1, n)``, row t the weights after t updates flattened by
    :func:`flatten`; both in the run's dtype."""

    costs: np.ndarray
    weights: np.ndarray


class Divergence(NamedTuple):
    """Per-step divergence, each ``(steps + 1,)`` float64: ``abs[t] = max_i |Δw_i(t)|``
    and ``rel[t] = abs[t] / max_i |w_i^reference(t)|``."""

    abs: np.ndarray
    rel: np.ndarray


# --------------------------------------------------------------------------- helpers


def flatten(weights: Sequence[Any]) -> np.ndarray:
    """Concatenate the layers' arrays, each raveled in C order, into one vector."""
    return np.concatenate([np.asarray(w).reshape(-1) for w in weights])


def unflatten(vector: np.ndarray, shapes: Sequence[tuple[int, ...]]) -> list[np.ndarray]:
    """Inverse of :func:`flatten` for layers of the given ``shapes`` (copies, same dtype).

    A leading batch axis is kept: ``vector`` of shape ``(T, n)`` gives arrays
    ``(T, *shape)``.
    """
    out, start = [], 0
    lead = vector.shape[:-1]
    for shape in shapes:
        size = math.prod(shape)
        out.append(vector[..., start : start + size].reshape(*lead, *shape).copy())
        start += size
    if start != vector.shape[-1]:
        raise ValueError(f"vector: expected {start} parameters, got {vector.shape[-1]}")
    return out


def net_problem(net: Net, dtype: Any) -> Problem:
    """The XOR problem of ``net`` in ``dtype``: ``init_weights(net.sizes, seed=net.seed)``."""
    X, Y = xor_data(dtype)
    weights = handprop.init_weights(net.sizes, seed=net.seed, dtype=dtype)
    return make_problem(weights, X, Y, net.activations, net.cost)


def _check_run_args(problem: Problem, learning_rate: float, steps: int, momentum: float):
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 0:
        raise ValueError(f"steps: expected a non-negative integer, got {steps!r}")
    if not (math.isfinite(learning_rate) and learning_rate > 0):
        raise ValueError(f"learning_rate: expected a finite positive number, got {learning_rate!r}")
    if not (math.isfinite(momentum) and 0.0 <= momentum < 1.0):
        raise ValueError(f"momentum: expected a number in [0, 1), got {momentum!r}")
    return _costs.COSTS[problem.cost].sign


# --------------------------------------------------------------------------- runners


def run_handprop(
    problem: Problem, *, learning_rate: float, steps: int, momentum: float = 0.0
) -> Run:
    """:func:`handprop.train` on ``problem``, every step checkpointed."""
    _check_run_args(problem, learning_rate, steps, momentum)
    tr = _train_fn(
        *problem.args(),
        learning_rate=learning_rate,
        steps=steps,
        momentum=momentum,
        checkpoints=range(steps + 1),
    )
    hist = np.stack([flatten(tr.checkpoints[t]) for t in range(steps + 1)])
    return Run(tr.costs, hist)


def run_torch(
    problem: Problem, *, learning_rate: float, steps: int, momentum: float = 0.0
) -> Run:
    """``torch.optim.SGD`` on the torch oracle's cost, in the problem's dtype.

    ``SGD(params, lr=learning_rate, momentum=momentum, dampening=0, nesterov=False,
    maximize=(cost sign == +1), foreach=False)``: ascent on a log-likelihood, descent on a
    loss, as :func:`handprop.train`. Raises ``ImportError`` if torch is unavailable.
    """
    sign = _check_run_args(problem, learning_rate, steps, momentum)
    from crosscheck.oracles import torch_autograd as oracle

    ok, why = oracle.available()
    if not ok:
        raise ImportError(f"torch is unavailable: {why}")
    import torch

    params = [oracle.from_numpy(w).requires_grad_(True) for w in problem.weights]
    X, Y = oracle.from_numpy(problem.X), oracle.from_numpy(problem.Y)
    acts, cost_name = list(problem.activations), problem.cost
    opt = torch.optim.SGD(
        params,
        lr=learning_rate,
        momentum=momentum,
        dampening=0.0,
        nesterov=False,
        maximize=sign > 0,
        foreach=False,
    )
    n = sum(p.numel() for p in params)
    hist = torch.empty((steps + 1, n), dtype=params[0].dtype)
    costs = torch.empty(steps + 1, dtype=params[0].dtype)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny tensors: a thread pool only adds contention
    try:
        for t in range(steps + 1):
            opt.zero_grad(set_to_none=True)
            C = oracle.cost(params, X, Y, acts, cost_name)
            with torch.no_grad():
                costs[t] = C
                hist[t] = torch.cat([p.reshape(-1) for p in params])
            if t == steps:
                break
            C.backward()
            opt.step()
    finally:
        torch.set_num_threads(threads)
    return Run(costs.numpy().copy(), hist.numpy().copy())


@functools.lru_cache(maxsize=64)
def _jax_loop(
    activations: tuple[str, ...], cost_name: str, dtype: str, mu: float, steps: int
) -> Callable[..., Any]:
    """The jitted loop ``run(weights, X, Y, step_size)`` for one setup (cached, so a rerun
    does not recompile; ``step_size`` is a traced, weakly typed Python float)."""
    import jax
    import jax.numpy as jnp

    from crosscheck.oracles import jax_grad as oracle

    def flat(ws):
        return jnp.concatenate([w.reshape(-1) for w in ws])

    def run(ws, X, Y, step_size):
        def loss(ws):
            return oracle.cost(ws, X, Y, activations, cost_name)

        value_and_grad = jax.value_and_grad(loss)

        def body(carry, _):
            ws, vs = carry
            c, g = value_and_grad(ws)
            if mu:
                vs = tuple(mu * v + gl for v, gl in zip(vs, g, strict=True))
                g = vs
            new = tuple(w + step_size * gl for w, gl in zip(ws, g, strict=True))
            return (new, vs), (c, flat(ws))

        vs = tuple(jnp.zeros_like(w) for w in ws)
        (wf, _), (cs, hist) = jax.lax.scan(body, (ws, vs), None, length=steps)
        return cs, hist, loss(wf), flat(wf)

    return jax.jit(run)


def run_jax(
    problem: Problem, *, learning_rate: float, steps: int, momentum: float = 0.0
) -> Run:
    """``v = momentum v + jax.grad(cost)(w)``, ``w <- w + sign lr v``: one jitted scan.

    The cost is :func:`crosscheck.oracles.jax_grad.cost`; the run happens inside
    ``jax_grad.precision(dtype)`` (x64 on for float64 only, restored on exit). ``lr`` and
    ``momentum`` enter as Python floats (weakly typed: rounded to the dtype, as in NumPy
    and torch). Raises ``ImportError`` if jax is unavailable.
    """
    sign = _check_run_args(problem, learning_rate, steps, momentum)
    from crosscheck.oracles import jax_grad as oracle

    ok, why = oracle.available()
    if not ok:
        raise ImportError(f"jax is unavailable: {why}")
    import jax.numpy as jnp

    dtype = np.dtype(problem.dtype)
    loop = _jax_loop(
        tuple(problem.activations), problem.cost, dtype.name, float(momentum), int(steps)
    )
    with oracle.precision(dtype):
        X = jnp.asarray(problem.X, dtype=dtype)
        Y = jnp.asarray(problem.Y, dtype=dtype)
        w0 = tuple(jnp.asarray(w, dtype=dtype) for w in problem.weights)
        cs, hist, c_last, w_last = loop(w0, X, Y, float(sign) * float(learning_rate))
        costs = np.concatenate([np.asarray(cs), np.asarray(c_last)[None]])
        weights = np.concatenate([np.asarray(hist).reshape(steps, -1), np.asarray(w_last)[None]])
    if costs.dtype != dtype or weights.dtype != dtype:
        raise RuntimeError(f"jax computed in {weights.dtype}; expected {dtype}")
    return Run(costs, weights)


RUNNERS: dict[str, Callable[..., Run]] = {
    "handprop": run_handprop,
    "torch": run_torch,
    "jax": run_jax,
}


def available(framework: str) -> tuple[bool, str]:
    """Whether ``framework`` can run here, and why not."""
    if framework == "handprop":
        return True, ""
    from crosscheck import oracles

    return oracles.get(framework).available()


# --------------------------------------------------------------------------- analysis


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
            a = _activations.ACTIVATIONS[name].value(z)
    return np.all(np.where(Y > 0.5, a > 0.5, a < 0.5), axis=(1, 2))


def sample_steps(steps: int) -> list[int]:
    """Steps kept in the JSON series: 0..DENSE_STEPS, then LOG_POINTS log-spaced, and last."""
    dense = list(range(min(steps, DENSE_STEPS) + 1))
    if steps <= DENSE_STEPS:
        return dense
    logs = np.geomspace(DENSE_STEPS, steps, LOG_POINTS + 1)
    tail = sorted({round(float(x)) for x in logs} | {steps})
    return sorted(set(dense) | {t for t in tail if DENSE_STEPS < t <= steps})


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
    sign = float(_costs.COSTS[problem.cost].sign)
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


# --------------------------------------------------------------------------- the report


def _round(x: float, digits: int = SIGNIFICANT) -> float | None:
    x = float(x)
    if not math.isfinite(x):
        return None
    return float(f"{x:.{digits}g}")


def _rounded(a: np.ndarray, idx: Sequence[int], digits: int = SIGNIFICANT) -> list[float | None]:
    return [_round(a[i], digits) for i in idx]


def _versions() -> dict[str, str]:
    out = {"numpy": np.__version__, "handprop": handprop.__version__}
    for name in ("torch", "jax"):
        ok, _ = available(name)
        if ok:
            out[name] = __import__(name).__version__
    return out


def _net_section(net: Net, steps: int, dtypes: Sequence[str]) -> dict[str, Any]:
    idx = sample_steps(steps)
    runs: dict[tuple[str, str], Run] = {}
    problems: dict[str, Problem] = {}
    run_rows, skipped = [], {}
    for dt in dtypes:
        problems[dt] = net_problem(net, np.dtype(dt))
    for fw in FRAMEWORKS:
        ok, why = available(fw)
        if not ok:
            skipped[fw] = why
            continue
        for dt in dtypes:
            run = RUNNERS[fw](
                problems[dt], learning_rate=net.learning_rate, steps=steps, momentum=net.momentum
            )
            runs[fw, dt] = run
            ok_steps = solved_steps(problems[dt], run.weights)
            first = np.flatnonzero(ok_steps)
            tail = np.flatnonzero(~ok_steps)
            run_rows.append(
                {
                    "framework": fw,
                    "dtype": dt,
                    "initial_cost": _round(run.costs[0]),
                    "final_cost": _round(run.costs[-1]),
                    "first_solved": int(first[0]) if first.size else None,
                    "solved_from": int(tail[-1]) + 1 if tail.size else 0,
                    "solved_final": bool(ok_steps[-1]),
                }
            )

    pairs: list[tuple[str, str, tuple[str, str], tuple[str, str]]] = []
    for fw in FRAMEWORKS[1:]:
        for dt in dtypes:
            if (fw, dt) in runs:
                pairs.append((f"{fw}/{dt}", dt, (fw, dt), ("handprop", dt)))
    if "float32" in dtypes and "float64" in dtypes:
        pairs.append(
            ("handprop/float32-vs-float64", "float32", ("handprop", "float32"),
             ("handprop", "float64"))
        )

    div_rows, series_abs, series_rel = [], {}, {}
    for label, dt, cand, ref in pairs:
        d = divergence(runs[cand].weights, runs[ref].weights)
        threshold = THRESHOLDS[dt]
        at = {str(s): _round(d.rel[s]) for s in _DECADES if s <= steps}
        div_rows.append(
            {
                "label": label,
                "candidate": "/".join(cand),
                "reference": "/".join(ref),
                "threshold": threshold,
                "max_abs": _round(d.abs.max()),
                "max_rel": _round(d.rel.max()),
                "final_abs": _round(d.abs[-1]),
                "final_rel": _round(d.rel[-1]),
                "rel_at": at,
                "first_exceeds": first_exceeding(d.rel, threshold),
                "first_nonzero": first_exceeding(d.abs, 0.0),
            }
        )
        series_abs[label] = _rounded(d.abs, idx, SERIES_DIGITS)
        series_rel[label] = _rounded(d.rel, idx, SERIES_DIGITS)

    return {
        "name": net.name,
        "sizes": list(net.sizes),
        "activations": list(net.activations),
        "cost": net.cost,
        "seed": net.seed,
        "learning_rate": net.learning_rate,
        "momentum": net.momentum,
        "n_params": int(sum(w.size for w in problems[dtypes[0]].weights)),
        "skipped": skipped,
        "runs": run_rows,
        "divergence": div_rows,
        "series": {
            "steps": idx,
            "cost": {f"{fw}/{dt}": _rounded(r.costs, idx) for (fw, dt), r in runs.items()},
            "abs": series_abs,
            "rel": series_rel,
        },
    }


def trajectory_report(
    *, steps: int = DEFAULT_STEPS, dtypes: Sequence[str] = DTYPES, nets: Sequence[Net] = NETS
) -> dict[str, Any]:
    """Run every net in every framework and dtype; the JSON-ready report (deterministic)."""
    dtypes = [str(np.dtype(d)) for d in dtypes]
    for d in dtypes:
        if d not in DTYPES:
            raise ValueError(f"dtypes: expected float32 and/or float64, got {d!r}")
    dtypes = [d for d in DTYPES if d in dtypes]
    if not dtypes:
        raise ValueError("dtypes: expected at least one of float32, float64")
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps: expected a positive integer, got {steps!r}")
    return {
        "schema_version": SCHEMA_VERSION,
        "steps": steps,
        "dtypes": dtypes,
        "thresholds": {d: THRESHOLDS[d] for d in dtypes},
        "sampling": (
            f"series keep every step 0..{DENSE_STEPS}, then {LOG_POINTS} log-spaced steps "
            f"up to the last (rounded, deduplicated); costs and summaries to {SIGNIFICANT} "
            f"significant digits, divergence series to {SERIES_DIGITS}"
        ),
        "divergence_definition": (
            "abs = max over all parameters of |w_candidate - w_reference| after t steps; "
            "rel = abs / max |w_reference|"
        ),
        "versions": _versions(),
        "nets": [_net_section(net, steps, dtypes) for net in nets],
    }


def _fmt(x: float | None) -> str:
    if x is None:
        return "-"
    if x == 0:
        return "0"
    return f"{x:.2e}"


def _threshold_text(report: dict[str, Any]) -> list[str]:
    steps = report["steps"]
    lines = [
        "## The thresholds",
        "",
        "One step moves the weights by `lr dC/dw`. Two correct implementations differ in "
        "that step by at most `lr K u S` (the gradient's error budget, `crosscheck/budget.py`, "
        "`K = 4`) plus the rounding of the update, a few `u |w|`. If nothing amplified these "
        f"differences, {steps:,} steps would accumulate a relative divergence of about "
        f"`{steps:,} K u`:",
        "",
    ]
    for dt in report["dtypes"]:
        u = unit_roundoff(np.dtype(dt))
        t = report["thresholds"][dt]
        lines.append(
            f"- {dt}: u = {u:.3g}, `{steps:,} K u` = {steps * 4 * u:.2g}; threshold "
            f"**{t:g}** (= {t / u:.2g} u)."
        )
    lines += [
        "",
        "Each threshold sits above that accumulation (for 10,000 steps: float64 by a factor "
        "of 20, float32 by 4). In float64 it is also far below a real bug: a learning rate "
        "or a gradient off by a relative 1e-6 moves the weights by a few 1e-7 relative in the "
        "first step, over 10^3 times the threshold (a threshold of 1e-6 would miss it). "
        "float32 trajectories "
        "cannot resolve such a bug; the sharp check there, as for every dtype, is the tests' "
        "first-steps bound (`crosscheck.trajectory.divergence_bound`: the per-step budgets "
        "`lr K u S` and update roundings, propagated step to step through the Hessian). "
        "A crossing means a bug or dynamics that amplify rounding (a saddle, a chaotic "
        "phase); the divergence plot tells them apart. The dotted grey lines in the plot "
        "mark u of each dtype: one rounding of a weight of size 1.",
        "",
    ]
    return lines


def render_markdown(report: dict[str, Any]) -> str:
    """``trajectory.md``: per net, the runs, the divergence table and the thresholds."""
    steps = report["steps"]
    decades = [s for s in _DECADES if s <= steps]
    lines = [
        "# Training trajectories: handprop vs torch vs jax",
        "",
        f"Each net trains from the same seeded weights for {steps:,} full-batch steps in "
        "every framework and dtype: handprop's `train` (gradient ascent on the seed's "
        "log-likelihood, eq. 2 and 12), `torch.optim.SGD(maximize=True)` on the torch "
        "oracle's cost and a jitted `w + lr * jax.grad(C)(w)` loop on the jax oracle's cost. "
        "Divergence after t steps: `max_i |w_i - w_i^handprop|` (absolute), divided by "
        "`max_i |w_i^handprop|` (relative), against handprop in the same dtype; "
        "`handprop/float32-vs-float64` is the yardstick: how far float32 rounding alone "
        "moves the trajectory. In the plot, a gap in a divergence curve marks steps where "
        "the weights are bitwise identical (0 has no place on a log axis). Generated by "
        "`crosscheck trajectory`; data in `trajectory.json`, plot in `trajectory.png`.",
        "",
        "![cost curves and divergence](trajectory.png)",
        "",
    ]
    for net in report["nets"]:
        lines += [
            f"## {net['name']}",
            "",
            f"Sizes {'-'.join(map(str, net['sizes']))}, activations "
            f"{', '.join(net['activations'])}, cost `{net['cost']}` (sum over the 4 XOR "
            f"points), `init_weights(seed={net['seed']})`, learning rate "
            f"{net['learning_rate']:g}, momentum {net['momentum']:g}, "
            f"{net['n_params']} parameters.",
            "",
        ]
        for fw, why in sorted(net["skipped"].items()):
            lines += [f"- {fw} skipped: {why}", ""]
        lines += [
            "| framework | dtype | C at step 0 | C at the end | first solved | solved from "
            "| solved at the end |",
            "| --- | --- | ---: | ---: | ---: | ---: | :---: |",
        ]
        for r in net["runs"]:
            lines.append(
                f"| {r['framework']} | {r['dtype']} | {r['initial_cost']:.6g} | "
                f"{r['final_cost']:.6g} | {r['first_solved']} | {r['solved_from']} | "
                f"{'yes' if r['solved_final'] else '**no**'} |"
            )
        lines += [
            "",
            "\"Solved\": all four outputs on the right side of 0.5; \"solved from\": the step "
            "after which it stays so.",
            "",
            "| candidate vs reference | "
            + " | ".join(f"rel. at {s:,}" for s in decades)
            + " | max abs | max rel | threshold | first step above |",
            "| --- | " + " | ".join("---:" for _ in decades) + " | ---: | ---: | ---: | ---: |",
        ]
        for d in net["divergence"]:
            first = d["first_exceeds"]
            lines.append(
                f"| {d['candidate']} vs {d['reference']} | "
                + " | ".join(_fmt(d["rel_at"].get(str(s))) for s in decades)
                + f" | {_fmt(d['max_abs'])} | {_fmt(d['max_rel'])} | {d['threshold']:g} | "
                + ("never" if first is None else f"**{first}**")
                + " |"
            )
        lines.append("")
    lines += _threshold_text(report)
    lines += [
        "## Reproduce",
        "",
        "```",
        f"crosscheck trajectory --steps {steps} --dtypes {' '.join(report['dtypes'])}",
        "```",
        "",
        "Versions: "
        + ", ".join(f"{k} {v}" for k, v in sorted(report["versions"].items()))
        + ".",
        "",
    ]
    return "\n".join(lines)


_COLORS = {"handprop": "black", "torch": "tab:orange", "jax": "tab:blue"}
_STYLES = {"float64": "-", "float32": "--"}


def render_plot(report: dict[str, Any], path: str | os.PathLike[str]) -> None:
    """``trajectory.png``: per net, the cost curves overlaid and the divergence (log-log)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    nets = report["nets"]
    fig, axes = plt.subplots(len(nets), 2, figsize=(13, 5.4 * len(nets)), squeeze=False)
    for row, net in zip(axes, nets, strict=True):
        steps = np.asarray(net["series"]["steps"])
        keep = steps >= 1
        ax = row[0]
        sign = _costs.COSTS[net["cost"]].sign
        widths = {"handprop": 5.0, "torch": 2.5, "jax": 1.2}
        for label, ys in net["series"]["cost"].items():
            fw, dt = label.split("/")
            y = -sign * np.asarray(ys, dtype=float)
            ax.plot(
                steps[keep], y[keep], _STYLES[dt], color=_COLORS[fw], lw=widths[fw],
                alpha=0.35 if fw == "handprop" else 0.9, label=f"{fw} {dt}",
            )
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("step")
        ax.set_ylabel("-C = -log-likelihood (log scale)" if sign > 0 else "C")
        ax.set_title(f"{net['name']}: cost curves (all frameworks overlaid)")
        ax.grid(True, which="major", alpha=0.3)
        ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=3)

        ax = row[1]
        for d in net["divergence"]:
            label = d["label"]
            y = np.asarray(net["series"]["rel"][label], dtype=float)
            y = np.where(y > 0, y, np.nan)  # identical weights: no point on a log axis
            if label.startswith("handprop/"):
                style = dict(color="0.55", ls="-.", lw=1.5)
                name = "handprop float32 vs float64 (yardstick)"
            else:
                fw, dt = label.split("/")
                style = dict(color=_COLORS[fw], ls=_STYLES[dt], lw=1.6)
                name = f"{fw} {dt} vs handprop {dt}"
            ax.plot(steps[keep], y[keep], label=name, **style)
        for dt, t in report["thresholds"].items():
            ax.axhline(t, color="tab:red", ls=_STYLES[dt], lw=0.9, alpha=0.7)
            ax.annotate(
                f"{dt} threshold {t:g}", (0, t), xycoords=("axes fraction", "data"),
                xytext=(4, 3), textcoords="offset points", fontsize=7, color="tab:red",
            )
            u = unit_roundoff(np.dtype(dt))
            ax.axhline(u, color="0.5", ls=":", lw=0.9)
            ax.annotate(
                f"u {dt}", (1, u), xycoords=("axes fraction", "data"), xytext=(-4, -9),
                textcoords="offset points", fontsize=7, color="0.4", ha="right",
            )
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_ylim(1e-18, 1.0)
        ax.set_xlabel("step")
        ax.set_ylabel("max |Δw| / max |w|")
        ax.set_title(f"{net['name']}: relative parameter divergence from handprop")
        ax.grid(True, which="major", alpha=0.3)
        ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=2)
    fig.tight_layout()
    _atomic_write(
        Path(path),
        lambda f: fig.savefig(f, format="png", dpi=110, metadata={"Software": None}),
    )
    plt.close(fig)


_NUMBER_LIST = re.compile(r"\[([^\[\]{}\"]*)\]")


def report_json(report: dict[str, Any]) -> str:
    """The report as canonical JSON text: sorted keys, indented, lists of numbers on one
    line, a final newline."""
    text = json.dumps(report, sort_keys=True, indent=1, allow_nan=False)

    def one_line(m: re.Match[str]) -> str:
        items = [x.strip() for x in m.group(1).split(",")]
        return "[" + ", ".join(x for x in items if x) + "]"

    return _NUMBER_LIST.sub(one_line, text) + "\n"


def write_reports(
    out: str | os.PathLike[str],
    *,
    steps: int = DEFAULT_STEPS,
    dtypes: Sequence[str] = DTYPES,
    plot: bool = True,
) -> dict[str, Any]:
    """Run :func:`trajectory_report` and write ``trajectory.{json,md,png}`` into ``out``."""
    report = trajectory_report(steps=steps, dtypes=dtypes)
    out = Path(out)
    _atomic_write(out / "trajectory.json", lambda f: f.write(report_json(report).encode()))
    _atomic_write(out / "trajectory.md", lambda f: f.write(render_markdown(report).encode()))
    if plot:
        render_plot(report, out / "trajectory.png")
    return report


# --------------------------------------------------------------------------- CLI


def _dtype_list(text: str) -> list[str]:
    out = [s.strip() for s in text.split(",") if s.strip()]
    for s in out:
        if s not in DTYPES:
            raise argparse.ArgumentTypeError(f"expected float32 or float64, got {s!r}")
    return out


def configure_trajectory(parser: argparse.ArgumentParser) -> None:
    """Add the ``crosscheck trajectory`` options to ``parser``."""
    parser.add_argument(
        "--steps", type=int, default=DEFAULT_STEPS,
        help=f"training steps per run (default {DEFAULT_STEPS})",
    )
    parser.add_argument(
        "--out", default="reports", help="output directory (default reports/)"
    )
    parser.add_argument(
        "--dtypes", nargs="+", type=_dtype_list, default=[list(DTYPES)],
        help="dtypes to run, space- or comma-separated (default float32 float64)",
    )
    parser.add_argument(
        "--no-plot", action="store_true", help="skip trajectory.png (no matplotlib needed)"
    )


def run_trajectory(args: argparse.Namespace) -> int:
    """Write the reports. Exit status 1 for a finding (a divergence above its threshold,
    or a framework that solves XOR when handprop in the same dtype does not, or the
    reverse), 2 for bad options, else 0."""
    dtypes = sorted({d for group in args.dtypes for d in group}, key=DTYPES.index)
    if args.steps < 1:
        print("crosscheck trajectory: --steps must be a positive integer", file=sys.stderr)
        return 2
    start = time.perf_counter()
    report = write_reports(args.out, steps=args.steps, dtypes=dtypes, plot=not args.no_plot)
    elapsed = time.perf_counter() - start
    findings = []
    for net in report["nets"]:
        for fw, why in net["skipped"].items():
            print(f"{net['name']}: {fw} skipped ({why})")
        solved = {(r["framework"], r["dtype"]): r["solved_final"] for r in net["runs"]}
        for (fw, dt), ok in solved.items():
            if not ok:
                print(f"{net['name']}: {fw} {dt} has not solved XOR after {args.steps} steps")
            if fw != "handprop" and ok != solved.get(("handprop", dt), ok):
                findings.append(
                    f"{net['name']}: {fw} {dt} {'solves' if ok else 'does not solve'} XOR, "
                    f"handprop {dt} {'does not' if ok else 'does'}"
                )
        for d in net["divergence"]:
            if d["first_exceeds"] is not None:
                findings.append(
                    f"{net['name']}: {d['candidate']} vs {d['reference']} exceeds "
                    f"{d['threshold']:g} at step {d['first_exceeds']}"
                )
            print(
                f"{net['name']}: {d['candidate']} vs {d['reference']}: max rel divergence "
                f"{_fmt(d['max_rel'])}, at the end {_fmt(d['final_rel'])}"
            )
    for f in findings:
        print(f"FINDING: {f}")
    out = Path(args.out)
    print(
        f"wrote {out / 'trajectory.md'}, {out / 'trajectory.json'}"
        + ("" if args.no_plot else f", {out / 'trajectory.png'}")
        + f" in {elapsed:.1f} s"
    )
    return 1 if findings else 0
