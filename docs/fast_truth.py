"""The fast truth (issue 11): the extended oracle's speed and its agreement with mpmath.

Run: ``.venv/bin/python docs/fast_truth.py [--examples N] [--repeats R] [--threads T]``.
Prints three Markdown tables (docs/error-budget.md, "The fast truth", quotes them):

(a) speed against mpmath at the gate's sizes: the report's first N problems
    (``crosscheck.generate``, depth <= 5, widths <= 8, P <= 16), every one through
    ``mpmath_reference.gradients`` and ``extended.gradients`` (both working precisions),
    the total time of each, R rounds, plus the largest gate shape on its own;
(b) the 256-512-512-10 net with P = 256 (tanh, tanh, softmax + softmax_cross_entropy;
    sigmoid x 3 + log_likelihood): ``extended.gradients`` against ``handprop.gradients``
    in float64, in the same process, calls interleaved, R rounds;
(c) agreement: ``|extended - mpmath| / (K u S)`` (the extended answer unrounded, u and S
    float64's), per problem the largest over the gradient, over the N problems: max and
    median, for each working precision.

Times are medians over the rounds with [min, max]; this machine's 2 cores are shared, so
only numbers measured side by side are compared. ``--threads`` caps BLAS threads
(threadpoolctl) for the whole run; the default leaves them as they are.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import time
from collections.abc import Callable, Sequence

import numpy as np
from crosscheck.generate import generate

import handprop
from crosscheck.budget import K, budget
from crosscheck.oracles import extended, mpmath_reference
from crosscheck.problem import Problem, make_problem

U64 = 2.0**-53


def _spread(xs: Sequence[float], fmt: str = "{:.3g}") -> str:
    """median [min, max]"""
    return f"{fmt.format(statistics.median(xs))} [{fmt.format(min(xs))}, {fmt.format(max(xs))}]"


def _clock(fn: Callable[[], object]) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def gate_problems(n: int) -> list[Problem]:
    """The report's first n problems (seed crosscheck.generate.DEFAULT_SEED) that mpmath
    takes (all of them at the gate's sizes)."""
    return [e.drawn.problem for e in generate(n) if mpmath_reference.fits(e.drawn.problem)]


def largest_gate_problem() -> Problem:
    rng = np.random.default_rng(0)
    weights = handprop.init_weights((8, 8, 8, 8, 8, 8), seed=rng)
    X = rng.normal(size=(16, 8))
    Y = (rng.random((16, 8)) < 0.5).astype(float)
    acts = ["tanh", "gelu", "sigmoid", "elu", "sigmoid"]
    return make_problem(weights, X, Y, acts, "log_likelihood")


def large_problems() -> dict[str, Problem]:
    """256-512-512-10, P = 256: a tanh net with softmax + cross-entropy, a sigmoid net."""
    rng = np.random.default_rng(0)
    weights = handprop.init_weights((256, 512, 512, 10), seed=rng)
    X = rng.normal(size=(256, 256))
    onehot = np.eye(10)[rng.integers(0, 10, 256)]
    bits = (rng.random((256, 10)) < 0.5).astype(float)
    return {
        "tanh, tanh, softmax + softmax_cross_entropy": make_problem(
            weights, X, onehot, ["tanh", "tanh", "softmax"], "softmax_cross_entropy"
        ),
        "sigmoid x 3 + log_likelihood": make_problem(
            weights, X, bits, ["sigmoid"] * 3, "log_likelihood"
        ),
    }


def speed_against_mpmath(probs: Sequence[Problem], repeats: int) -> list[str]:
    calls = {
        "mpmath": mpmath_reference.gradients,
        "extended (longdouble)": lambda p: extended.gradients(p, path="longdouble"),
        "extended (double-double)": lambda p: extended.gradients(p, path="double-double"),
    }
    times: dict[str, list[float]] = {k: [] for k in calls}
    big = largest_gate_problem()
    big_times: dict[str, list[float]] = {k: [] for k in calls}
    for _ in range(repeats):
        for name, fn in calls.items():
            times[name].append(_clock(lambda fn=fn: [fn(p) for p in probs]))
            big_times[name].append(min(_clock(lambda fn=fn: fn(big)) for _ in range(3)))
    rows = [
        f"(a) {len(probs)} gate problems (the report's first), {repeats} rounds; "
        f"largest gate shape {big.describe()} (best of 3 per round)",
        "",
        "| oracle | all problems: total s | mpmath / it | largest shape: ms | mpmath / it |",
        "|---|---:|---:|---:|---:|",
    ]
    for name in calls:
        speedup = [m / t for m, t in zip(times["mpmath"], times[name], strict=True)]
        big_speedup = [m / t for m, t in zip(big_times["mpmath"], big_times[name], strict=True)]
        rows.append(
            f"| {name} | {_spread(times[name])} | {_spread(speedup, '{:.0f}')} | "
            f"{_spread([t * 1e3 for t in big_times[name]])} | "
            f"{_spread(big_speedup, '{:.0f}')} |"
        )
    return rows


def speed_against_handprop(repeats: int) -> list[str]:
    rows = [
        f"(b) 256-512-512-10, P = 256, float64; {repeats} rounds of handprop, extended "
        "(longdouble), handprop, extended (double-double), handprop; each extended time over "
        "the mean of the handprop times either side of it (handprop: best of 3 calls)",
        "",
        "| net | handprop s | extended (longdouble) s | ratio | extended (double-double) s "
        "| ratio |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, p in large_problems().items():
        args = p.args()

        def hand(args: tuple = args) -> float:
            return min(_clock(lambda: handprop.gradients(*args)) for _ in range(3))

        hand()
        hp, ld, dd, r_ld, r_dd = [], [], [], [], []
        for _ in range(repeats):
            h0 = hand()
            ld.append(_clock(lambda p=p: extended.gradients(p, path="longdouble")))
            h1 = hand()
            dd.append(_clock(lambda p=p: extended.gradients(p, path="double-double")))
            h2 = hand()
            hp += [h0, h1, h2]
            r_ld.append(ld[-1] / ((h0 + h1) / 2))
            r_dd.append(dd[-1] / ((h1 + h2) / 2))
        rows.append(
            f"| {name} | {_spread(hp)} | {_spread(ld)} | {_spread(r_ld, '{:.1f}')} | "
            f"{_spread(dd)} | {_spread(r_dd, '{:.1f}')} |"
        )
    return rows


def agreement(problem: Problem, path: str) -> float | None:
    """max |extended - mpmath| / (K u S) over the gradient (None near a relu kink, where
    no budget applies)."""
    import mpmath

    b = budget(problem.astype(np.float64))
    if b.near_kink:
        return None
    truth = mpmath_reference.gradients_mp(problem)
    ext = extended.gradients_extended(problem, path=path)
    worst = 0.0
    with mpmath.workdps(60):
        for t, e, s in zip(truth, ext, b.scale, strict=True):
            if path == "longdouble":
                em = [mpmath.mpf(v.as_integer_ratio()[0]) / v.as_integer_ratio()[1]
                      for v in e.ravel()]
            else:
                em = [mpmath.mpf(float(h)) + float(lo)
                      for h, lo in zip(e.hi.ravel(), e.lo.ravel(), strict=True)]
            diff = np.array([float(abs(a - c)) for a, c in zip(em, t.ravel(), strict=True)])
            tol = K * U64 * s.ravel()
            with np.errstate(divide="ignore", invalid="ignore"):
                r = np.where(diff == 0, 0.0, diff / tol)
            worst = max(worst, float(r.max(initial=0.0)))
    return worst


def agreement_table(probs: Sequence[Problem]) -> list[str]:
    rows = [
        f"(c) |extended - mpmath| / (K u S), largest per problem, over {len(probs)} problems",
        "",
        "| working precision | problems | max | median | near a kink (skipped) |",
        "|---|---:|---:|---:|---:|",
    ]
    for path in extended.PATHS:
        got = [agreement(p, path) for p in probs]
        r = [x for x in got if x is not None]
        rows.append(
            f"| {path} | {len(r)} | {max(r):.3g} | {statistics.median(r):.3g} | "
            f"{len(got) - len(r)} |"
        )
    return rows


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--examples", type=int, default=300, help="gate problems (default 300)")
    ap.add_argument("--repeats", type=int, default=5, help="timing rounds (default 5)")
    ap.add_argument("--threads", type=int, default=None, help="BLAS threads (default: as is)")
    args = ap.parse_args(argv)
    limit: contextlib.AbstractContextManager = contextlib.nullcontext()
    if args.threads is not None:
        from threadpoolctl import threadpool_limits

        limit = threadpool_limits(args.threads)
    with limit:
        probs = gate_problems(args.examples)
        print(f"extended oracle: {extended.precision()}; BLAS threads: "
              f"{args.threads if args.threads is not None else 'default'}\n")
        for table in (
            speed_against_mpmath(probs, args.repeats),
            speed_against_handprop(args.repeats),
            agreement_table(probs),
        ):
            print("\n".join(table), end="\n\n", flush=True)


if __name__ == "__main__":
    main()
