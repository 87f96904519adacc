"""Timing: medians of interleaved blocks of calls (:func:`time_cases`), numpy's peak
GFLOP/s, and the same thread count for every library (:func:`thread_settings`)."""

from __future__ import annotations

import contextlib
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any, NamedTuple

import numpy as np

from crosscheck.bench.cases import IMPLEMENTATIONS, MAKERS, BenchCase, jax_x64, make_arrays

__all__ = [
    "Timing",
    "numpy_peak",
    "ratio_spread",
    "thread_settings",
    "time_case",
    "time_cases",
]


class Timing(NamedTuple):
    """Seconds per call: the median and the quartiles over ``repeats`` calls, and the
    median of each round's block of calls (``rounds``, in round order: what the spread of
    a ratio across rounds is computed from)."""

    median: float
    q1: float
    q3: float
    repeats: int
    rounds: tuple[float, ...] = ()


def _timing(samples: Sequence[float], rounds: Sequence[float] = ()) -> Timing:
    q = statistics.quantiles(samples, n=4) if len(samples) > 1 else [samples[0]] * 3
    return Timing(statistics.median(samples), q[0], q[2], len(samples), tuple(rounds))


def ratio_spread(numerator: Timing, denominator: Timing) -> dict[str, float] | None:
    """The ratio of two implementations' times round by round (each round's block median
    over the other's in the same round): its median, quartiles, minimum and maximum, and
    the number of rounds. None without per-round times."""
    pairs = list(zip(numerator.rounds, denominator.rounds, strict=False))
    if not pairs:
        return None
    r = sorted(a / b for a, b in pairs)
    q = statistics.quantiles(r, n=4) if len(r) > 1 else [r[0]] * 3
    return {"median": statistics.median(r), "q1": q[0], "q3": q[2], "min": r[0],
            "max": r[-1], "rounds": len(r)}


def _warm(call: Callable[[], Any], *, calls: int, seconds: float) -> float:
    """Call ``call`` at least ``calls`` times and for at least ``seconds``; the last time."""
    start = time.perf_counter()
    n, last = 0, 0.0
    while n < calls or time.perf_counter() - start < seconds:
        t0 = time.perf_counter()
        call()
        last = time.perf_counter() - t0
        n += 1
    return last


def time_cases(
    pairs: Sequence[tuple[BenchCase, str]],
    *,
    implementations: Sequence[str] = IMPLEMENTATIONS,
    seconds: float = 2.0,
    rounds: int = 10,
    min_repeats: int = 5,
    max_repeats: int = 5000,
    warmup_calls: int = 50,
    warmup_seconds: float = 0.3,
    seed: int = 0,
    progress: Callable[[str], None] | None = None,
) -> dict[tuple[str, str], dict[str, Timing]]:
    """Median seconds per call of each implementation, for each (case, dtype) of ``pairs``.

    Each implementation of each pair is warmed up (at least ``warmup_calls`` calls and
    ``warmup_seconds``, at least 2 calls). Then ``rounds`` rounds go over every pair, and
    in each the implementations take turns, each for a block of consecutive calls sized so
    that a pair gets about ``seconds`` of timing in all (at least ``min_repeats`` and at
    most ``max_repeats`` kept calls per implementation). Spreading every pair's samples
    over the whole run keeps a burst of background load from spoiling one case; the medians
    ignore what is left of it. The first call of a block is not kept when a block has
    several: it may run while the previous library's worker threads still spin (OpenMP
    and OpenBLAS threads busy-wait for a while after a parallel region). Each
    :class:`Timing` also keeps every round's block median, for the spread of a ratio across
    rounds (:func:`ratio_spread`). jax runs with x64 enabled once for the whole timing
    (:func:`crosscheck.bench.cases.jax_x64`), as its float64 users run it.
    """
    x64 = jax_x64() if "jax" in implementations else contextlib.nullcontext()
    with x64:  # jax as its users run it: x64 enabled once, not a context per call
        return _time_cases(pairs, implementations, seconds, rounds, min_repeats, max_repeats,
                           warmup_calls, warmup_seconds, seed, progress)


def _time_cases(
    pairs: Sequence[tuple[BenchCase, str]],
    implementations: Sequence[str],
    seconds: float,
    rounds: int,
    min_repeats: int,
    max_repeats: int,
    warmup_calls: int,
    warmup_seconds: float,
    seed: int,
    progress: Callable[[str], None] | None,
) -> dict[tuple[str, str], dict[str, Timing]]:
    say = progress or (lambda s: None)
    setups = []
    for case, dtype in pairs:
        say(f"warming up {case.label} {dtype}")
        weights, X, Y = make_arrays(case, dtype, seed)
        calls = {name: MAKERS[name](case, weights, X, Y) for name in implementations}
        block = {}
        for name, call in calls.items():
            single = _warm(call, calls=1, seconds=0.0)
            warm_calls = max(2, min(warmup_calls, int(warmup_seconds / max(single, 1e-9))))
            estimate = _warm(call, calls=warm_calls, seconds=min(warmup_seconds, 3 * single))
            share = seconds / (rounds * len(calls)) / max(estimate, 1e-9)
            block[name] = int(min(max_repeats / rounds, max(-(-min_repeats // rounds), share)))
        setups.append(((case.name, dtype), calls, block))
    samples = {key: {name: [] for name in calls} for key, calls, _ in setups}
    per_round = {key: {name: [] for name in calls} for key, calls, _ in setups}
    for r in range(rounds):
        say(f"timing round {r + 1} of {rounds}")
        for key, calls, block in setups:
            for name, call in calls.items():
                times = []
                for _ in range(block[name] + (block[name] > 1)):
                    t0 = time.perf_counter()
                    call()
                    times.append(time.perf_counter() - t0)
                kept = times[1:] if block[name] > 1 else times
                samples[key][name].extend(kept)
                per_round[key][name].append(statistics.median(kept))
    return {
        key: {name: _timing(s, per_round[key][name]) for name, s in per.items()}
        for key, per in samples.items()
    }


def time_case(case: BenchCase, dtype: str, **kwargs: Any) -> dict[str, Timing]:
    """:func:`time_cases` for one case and dtype."""
    return time_cases([(case, dtype)], **kwargs)[(case.name, dtype)]


def numpy_peak(dtype: str, n: int = 2048, seconds: float = 1.0) -> dict[str, float]:
    """GFLOP/s of NumPy's matmul on an n x n x n product (median of repeats)."""
    rng = np.random.default_rng(2)
    A = rng.random((n, n)).astype(dtype)
    B = rng.random((n, n)).astype(dtype)
    C = np.empty((n, n), dtype)

    def call() -> None:
        np.matmul(A, B, out=C)

    single = _warm(call, calls=2, seconds=0.0)
    repeats = int(min(200, max(3, seconds / max(single, 1e-9))))
    samples = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        call()
        samples.append(time.perf_counter() - t0)
    t = statistics.median(samples)
    return {"n": n, "seconds": t, "gflops": 2.0 * n**3 / t / 1e9, "repeats": repeats}


@contextlib.contextmanager
def thread_settings(threads: int) -> Iterator[dict[str, Any]]:
    """Give every library ``threads`` threads (as far as each allows) for the duration;
    yields what each got. NumPy's BLAS and torch are restored afterwards. XLA's thread
    count is fixed when jax starts: with ``threads == 1`` and jax not yet imported,
    ``XLA_FLAGS`` is set for this process to pin it to one thread."""
    if threads == 1 and "jax" not in sys.modules:
        flags = os.environ.get("XLA_FLAGS", "")
        os.environ["XLA_FLAGS"] = (
            f"{flags} --xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
        ).strip()
    import torch
    from threadpoolctl import threadpool_limits

    from handprop import activations

    set_elementwise = getattr(activations, "set_elementwise_threads", None)  # older handprop
    previous = torch.get_num_threads()
    with threadpool_limits(threads):
        torch.set_num_threads(threads)
        previous_elementwise = set_elementwise(threads) if set_elementwise else None
        try:
            yield {
                "numpy BLAS": threads,
                "handprop elementwise": threads if set_elementwise else 1,
                "torch": torch.get_num_threads(),
                "jax": _jax_threads(),
            }
        finally:
            torch.set_num_threads(previous)
            if set_elementwise:
                set_elementwise(previous_elementwise)


def _jax_threads() -> int | str:
    flags = os.environ.get("XLA_FLAGS", "")
    return 1 if "intra_op_parallelism_threads=1" in flags else f"XLA default ({os.cpu_count()})"
