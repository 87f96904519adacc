"""verify against ``torch.autograd.gradcheck``: the time per judged problem of
``crosscheck.verify`` and of gradcheck on the very same problems, in one process
(:func:`measure`).

* **verify**: ``crosscheck.verify(handprop.gradients, dtypes=["float64"])`` with its
  defaults otherwise (every activation and cost, depth <= 5, widths <= 8, P <= 16, the
  torch judge and a confirming oracle on a discrepancy): its wall time, Hypothesis
  drawing and every check included, over the problems it judged.
* **gradcheck**: each problem verify judged (heard through :mod:`crosscheck.observe`)
  checked by ``torch.autograd.gradcheck`` with its defaults (float64, eps 1e-6, atol
  1e-5, rtol 1e-3, the full numerical Jacobian) through a custom
  ``torch.autograd.Function`` whose forward is ``handprop.cost`` and whose backward calls
  the candidate, ``handprop.gradients`` (the seed's C of eq. 2 and its dC/dw^l of eq. 9):
  how a torch user would check a hand-written backprop.

verify runs as shipped: every check it makes on every problem (the mirrored decoy call
and the same inputs twice through the guard, with its copies, mutation check, timeout and
the function's own random generators; the judge, the sharper budget of an inconclusive
pass, a confirming oracle on any discrepancy; Hypothesis's shrinking would follow a
failure, which handprop gives none). Its search runs torch on one thread at these sizes
(:data:`crosscheck.search.run.ONE_THREAD_BELOW`), so gradcheck gets the same: its torch
ops run on one thread too (measured side by side on a loaded machine, gradcheck is no
slower on one thread than on two).

Rounds alternate the two (a verify run with a new seed, then gradcheck on its problems),
so background load falls on both; the ratio is taken per round. torch is imported
lazily.
"""

from __future__ import annotations

import contextlib
import statistics
import time
from collections.abc import Iterator, Sequence
from typing import Any

__all__ = ["GRADCHECK_THREADS", "gradcheck_problem", "measure"]

GRADCHECK_THREADS = 1
"""torch's threads while gradcheck runs: what verify's search gives torch at these sizes."""

_FUNCTION: list[Any] = []  # the autograd.Function, made on first use (torch is lazy)


def _handprop_function() -> Any:
    """``torch.autograd.Function``: forward C = handprop.cost, backward
    grad_output * handprop.gradients (the candidate)."""
    if _FUNCTION:
        return _FUNCTION[0]
    import torch

    import handprop

    class HandpropCost(torch.autograd.Function):
        @staticmethod
        def forward(ctx: Any, problem: tuple, *weights: Any) -> Any:
            ctx.problem = problem
            ctx.save_for_backward(*weights)
            X, Y, activations, cost = problem
            arrays = [w.detach().numpy() for w in weights]
            return torch.as_tensor(handprop.cost(arrays, X, Y, activations, cost))

        @staticmethod
        def backward(ctx: Any, grad_output: Any) -> Any:
            X, Y, activations, cost = ctx.problem
            arrays = [w.detach().numpy() for w in ctx.saved_tensors]
            grads = handprop.gradients(arrays, X, Y, activations, cost)
            return (None, *(grad_output * torch.from_numpy(g) for g in grads))

    _FUNCTION.append(HandpropCost)
    return HandpropCost


def gradcheck_problem(problem: Any) -> bool:
    """``torch.autograd.gradcheck`` with its defaults on one problem (float64 tensors of
    copies of its weights); True if it passed, False if it raised its error."""
    import torch
    from torch.autograd.gradcheck import GradcheckError

    weights, X, Y, activations, cost = problem.args()
    fn = _handprop_function()
    spec = (X, Y, list(activations), cost)
    inputs = tuple(
        torch.from_numpy(w.astype("float64", copy=True)).requires_grad_(True) for w in weights
    )
    try:
        return bool(torch.autograd.gradcheck(lambda *ws: fn.apply(spec, *ws), inputs))
    except GradcheckError:
        return False


def _verify_round(examples: int, seed: int) -> tuple[float, int, list[Any]]:
    """One verify run: (seconds, problems judged, the judged problems)."""
    import handprop
    from crosscheck import observe
    from crosscheck.search import verify

    judged: list[Any] = []

    def hear(fn: Any, problem: Any, result: Any) -> None:
        if result.status != "skipped":
            judged.append(problem)

    stop = observe.listen(hear)
    try:
        t0 = time.perf_counter()
        result = verify(handprop.gradients, dtypes=["float64"], max_examples=examples, seed=seed)
        seconds = time.perf_counter() - t0
    finally:
        stop()
    return seconds, result.examples, judged


def _median_spread(values: Sequence[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def measure(
    examples: int = 100, *, rounds: int = 3, warmup: int = 20, seed: int = 0
) -> dict[str, Any]:
    """verify's and gradcheck's seconds per problem over ``rounds`` rounds of ``examples``
    float64 problems each (seeds ``seed``, ``seed + 1``, ...), after a warm-up verify run
    of ``warmup`` problems (another seed) and gradcheck on its first problem (imports,
    thread pools). Returns per-problem times and the ratio verify / gradcheck per round
    (median, min, max), the problems counted and how many gradcheck failed."""
    if examples < 1 or rounds < 1:
        raise ValueError(
            f"examples, rounds: expected positive integers, got {examples}, {rounds}"
        )
    if warmup:
        _, _, judged = _verify_round(warmup, seed + 10_000)
        if judged:
            gradcheck_problem(judged[0])
    verify_per, gradcheck_per, ratios = [], [], []
    problems = failures = 0
    for r in range(rounds):
        seconds, count, judged = _verify_round(examples, seed + r)
        with _torch_threads(GRADCHECK_THREADS):
            t0 = time.perf_counter()
            failed = sum(not gradcheck_problem(p) for p in judged)
            gc_seconds = time.perf_counter() - t0
        if not count or not judged:
            continue
        verify_per.append(seconds / count)
        gradcheck_per.append(gc_seconds / len(judged))
        ratios.append(verify_per[-1] / gradcheck_per[-1])
        problems += len(judged)
        failures += failed
    if not ratios:
        return {"error": "verify judged no problem"}
    return {
        "verify_seconds_per_problem": _median_spread(verify_per),
        "gradcheck_seconds_per_problem": _median_spread(gradcheck_per),
        "ratio": _median_spread(ratios),
        "rounds": len(ratios),
        "problems": problems,
        "gradcheck_failures": failures,
        "gradcheck_torch_threads": GRADCHECK_THREADS,
        "dtype": "float64",
    }


@contextlib.contextmanager
def _torch_threads(n: int) -> Iterator[None]:
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(previous)
