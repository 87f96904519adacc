"""Correct implementations against the truth, judged by the budget: none may come close.

Every candidate here is correct (handprop, torch autograd and jax.grad as candidates, and
the two :mod:`~crosscheck.soundness.variants`), so the budget ratio each reaches against
the truth measures the budget's *margin*: the claim is that no correct implementation
goes above :data:`MARGIN` of the budget (docs/error-budget.md, "How tight is it").

Two sets of problems:

* **gate**: the problems ``crosscheck report`` and the gate draw (Hypothesis, seeded);
* **large**: sizes the gate never reaches, drawn with NumPy (:func:`large_problems`):
  depth to 10, widths to 1,024, P to 10,000, saturating weights, inputs to 100.

The truth is the extended-precision oracle, or mpmath where it fits its size cap when
asked (both are truths: within 1 % of the budget of the exact gradient). Each problem
is judged within its default budget and, where a larger Jacobian window exists, within
the sharper one ``crosscheck verify`` falls back on.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any, NamedTuple

import numpy as np

from crosscheck import oracles, spec
from crosscheck.budget import budget
from crosscheck.judge import judge, reference
from crosscheck.problem import Problem, make_problem
from crosscheck.soundness.variants import VARIANTS
from crosscheck.strategies.data import BIAS_FACTOR
from crosscheck.verdict import SHARPER_WORK

__all__ = ["MARGIN", "Worst", "candidates", "large_problems", "sweep"]

MARGIN = 0.5
"""No correct implementation may reach more than this fraction of the budget."""

LARGE_WORK = 300_000_000
"""Multiply-adds of one forward pass a large problem may take (keeps a sweep in hours)."""


class Worst(NamedTuple):
    """The largest budget ratio one candidate reached on one set of problems and dtype."""

    problems: int
    max_ratio: float
    above_margin: int
    above_one: int
    where: str


def candidates() -> dict[str, Callable[..., Any]]:
    """The correct implementations judged: name -> fn(weights, X, Y, activations, cost)."""
    import handprop

    out: dict[str, Callable[..., Any]] = {"handprop": handprop.gradients}
    for name in ("torch", "jax"):
        mod = oracles.get(name)
        if mod.available()[0]:
            out[name] = _as_candidate(mod)
    out.update(VARIANTS)
    return out


def _as_candidate(mod: Any) -> Callable[..., Any]:
    def fn(weights, X, Y, activations, cost):
        return mod.gradients(make_problem(weights, X, Y, activations, cost))

    return fn


def _truth(problem: Problem, prefer: str) -> Any:
    """``prefer`` (``"mpmath"`` or ``"extended"``) where it can answer, else extended."""
    mod = oracles.get(prefer)
    if mod.available()[0] and getattr(mod, "fits", lambda p: True)(problem):
        return mod
    return oracles.get("extended")


def sweep(
    problems: Iterable[Problem],
    *,
    label: str,
    truth: str = "extended",
    sharper: bool = True,
    progress: Callable[[int], None] | None = None,
) -> tuple[dict[tuple[str, str], Worst], dict[str, float]]:
    """Judge every candidate on every problem against ``truth`` (the extended-precision
    oracle by default, 100x faster than mpmath and within 1e-4 of the budget of it;
    ``"mpmath"`` where it fits its cap); returns the worst case per (candidate, dtype) and
    the seconds spent per stage."""
    cands = candidates()
    worst: dict[tuple[str, str], list] = {}
    seconds: dict[str, float] = dict.fromkeys(("truth", "budget", "candidates"), 0.0)
    for i, p in enumerate(problems):
        t = time.perf_counter()
        budgets = [budget(p)]
        if sharper and not budgets[0].full_window:
            budgets.append(budget(p, work_cap=SHARPER_WORK))
        seconds["budget"] += time.perf_counter() - t
        t = time.perf_counter()
        truth_mod = _truth(p, truth)
        refs = [reference(truth_mod, p, b) for b in budgets]
        seconds["truth"] += time.perf_counter() - t
        if refs[0].skipped is not None:
            continue
        t = time.perf_counter()
        for name, fn in cands.items():
            with np.errstate(all="ignore"):
                grads = fn(*p.args())
            ratio = max(judge(grads, ref, b).ratio for ref, b in zip(refs, budgets, strict=True))
            w = worst.setdefault((name, str(p.dtype)), [0, 0.0, 0, 0, ""])
            w[0] += 1
            w[2] += ratio > MARGIN
            w[3] += ratio > 1.0
            if ratio > w[1]:
                w[1], w[4] = ratio, f"{p.describe()} (truth {truth_mod.NAME}, {label} #{i})"
        seconds["candidates"] += time.perf_counter() - t
        if progress is not None:
            progress(i + 1)
    return {k: Worst(*v) for k, v in worst.items()}, seconds


def _log_uniform(rng: np.random.Generator, lo: int, hi: int) -> int:
    return round(math.exp(rng.uniform(math.log(lo), math.log(hi))))


def large_problems(n: int, seed: int = 0) -> Iterator[Problem]:
    """``n`` problems of the sizes the gate never reaches (module docstring), NumPy-drawn:
    depth 1-10, widths and Q log-uniform to 1,024 and 256, P log-uniform to 10,000 (then
    cut so that one forward pass stays under :data:`LARGE_WORK`), every activation and
    cost, weights typical (Glorot), small (1e-3), saturating (|z| ~ 25-60) or mixed per
    layer, inputs in [-1, 1] or to 100, with zero or repeated rows."""
    rng = np.random.default_rng([seed, 0x5A1E])
    for _ in range(n):
        L = int(rng.integers(1, 11))
        sizes = [_log_uniform(rng, 1, 256)] + [_log_uniform(rng, 1, 1024) for _ in range(L)]
        per_example = sum(a * b for a, b in itertools.pairwise(sizes))
        P = min(_log_uniform(rng, 1, 10_000), max(1, LARGE_WORK // per_example))
        cost = str(rng.choice(spec.COST_ORDER))
        outs = spec.COSTS[cost].outputs
        acts = [str(rng.choice(spec.ELEMENTWISE)) for _ in range(L - 1)]
        acts.append(str(rng.choice(outs)))
        dtype = np.dtype(rng.choice(["float32", "float64"]))
        regime = str(rng.choice(["typical", "small", "saturating", "mixed"]))
        weights = []
        for a, b in itertools.pairwise(sizes):
            r = regime if regime != "mixed" else str(rng.choice(["typical", "small", "saturating"]))
            if r == "typical":
                scale, bias = math.sqrt(6.0 / (a + b)), math.sqrt(6.0 / (a + b))
            elif r == "small":
                scale, bias = 1e-3, 1e-3
            else:
                level = float(rng.choice([25.0, 60.0]))
                scale, bias = level * math.sqrt(3.0 / a), level
            w = np.empty((a + 1, b))
            w[1:] = rng.uniform(-scale, scale, (a, b))
            sign = rng.choice([-1.0, 1.0], b)
            w[0] = sign * rng.uniform(0.25, 1.0, b) * BIAS_FACTOR * bias
            weights.append(w.astype(dtype))
        X = rng.uniform(-1.0, 1.0, (P, sizes[0])) * (100.0 if rng.random() < 0.25 else 1.0)
        if P > 1 and rng.random() < 0.2:
            X[rng.integers(0, P, max(1, P // 4))] = 0.0
        if P > 1 and rng.random() < 0.2:
            X = X[rng.integers(0, max(1, P // 2), P)]
        rule = spec.COSTS[cost].labels
        if rule == "unit":
            Y = rng.uniform(0.0, 1.0, (P, sizes[-1]))
            if rng.random() < 0.5:
                Y = np.round(Y)
        elif rule == "nonnegative":
            Y = (
                np.eye(sizes[-1])[rng.integers(0, sizes[-1], P)]
                if rng.random() < 0.5
                else (rng.uniform(0.0, 1.0, (P, sizes[-1])))
            )
        else:
            Y = rng.uniform(-1.0, 1.0, (P, sizes[-1])) * (100.0 if rng.random() < 0.25 else 1.0)
        yield make_problem(weights, X.astype(dtype), Y.astype(dtype), acts, cost)
