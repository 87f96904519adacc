"""The training loops: the same full-batch updates in handprop, torch and jax, every step
recorded (:data:`RUNNERS`), and whether a framework can run here (:func:`available`).

torch and jax are imported inside the functions that need them.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from crosscheck import spec, validation
from crosscheck.errors import UsageError
from crosscheck.problem import Problem
from crosscheck.trajectory.nets import flatten
from handprop.train import train as _train_fn

__all__ = ["FRAMEWORKS", "RUNNERS", "Run", "available", "run_handprop", "run_jax", "run_torch"]

FRAMEWORKS: tuple[str, ...] = ("handprop", "torch", "jax")
"""The frameworks in report order (handprop first: the reference)."""


class Run(NamedTuple):
    """One training run: ``costs`` ``(steps + 1,)`` (C before each update and at the end)
    and ``weights`` ``(steps + 1, n)``, row t the weights after t updates flattened by
    :func:`flatten`; both in the run's dtype."""

    costs: np.ndarray
    weights: np.ndarray


def _check_run_args(problem: Problem, learning_rate: float, steps: int, momentum: float):
    """The cost's sign (+1: ascent), after checking the run's arguments."""
    validation.integer(steps, "steps", minimum=0)
    validation.positive_number(learning_rate, "learning_rate")
    if not (math.isfinite(momentum) and 0.0 <= momentum < 1.0):
        raise UsageError(f"momentum: expected a number in [0, 1), got {momentum!r}")
    return spec.COSTS[problem.cost].sign


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
