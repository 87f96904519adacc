"""The whole benchmark run (:func:`run`): every case and dtype timed, memory probed, the
gate measured; the report (the content of ``benchmarks.json``) with its environment."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from typing import Any

from crosscheck.bench import gradcheck, startup
from crosscheck.bench.cases import CASES, DTYPES, FRAMEWORKS, TARGETS, BenchCase, flops
from crosscheck.bench.memory import memory_probe, tracemalloc_peak
from crosscheck.bench.throughput import gate_throughput
from crosscheck.bench.timing import Timing, numpy_peak, ratio_spread, thread_settings, time_cases
from crosscheck.environment import cpu_name, versions

__all__ = ["environment", "run"]


def environment() -> dict[str, Any]:
    """Versions, BLAS kernels and thread counts, CPU, load average."""
    import threadpoolctl
    import torch

    blas = [
        {k: info.get(k) for k in ("internal_api", "version", "architecture", "num_threads")}
        for info in threadpoolctl.threadpool_info()
    ]
    return {
        **versions(("numpy", "torch", "jax")),
        "cpu": cpu_name(),
        "cpus": os.cpu_count(),
        "numpy_blas": blas,
        "torch_blas": "MKL" if torch.backends.mkl.is_available() else "other",
        "torch_threads": torch.get_num_threads(),
        "openblas_env": {
            k: os.environ[k] for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if k in os.environ
        },
        "load_average": _load_average(),
    }


def _load_average() -> list[float] | None:
    """The 1, 5 and 15 minute load averages, where the platform has them."""
    return list(os.getloadavg()) if hasattr(os, "getloadavg") else None


def _case_result(
    case: BenchCase, dtype: str, timings: dict[str, Timing], peak: dict[str, float]
) -> dict[str, Any]:
    f = flops(case)
    med = {name: t.median for name, t in timings.items()}
    h = med["handprop"]
    result: dict[str, Any] = {
        "case": case.name,
        "sizes": list(case.sizes),
        "P": case.P,
        "activations": list(case.activations),
        "cost": case.cost,
        "dtype": dtype,
        "flops": f,
        "timings": {name: t._asdict() for name, t in timings.items()},
        "gflops": {name: f / t / 1e9 for name, t in med.items()},
    }
    result["ratios"] = {
        f"handprop/{name}": h / med[name] for name in ("torch", "jax") if name in med
    }
    # the same ratios round by round: how much they moved within this run
    result["ratio_spread"] = {
        f"handprop/{name}": spread
        for name in ("torch", "jax")
        if name in timings
        and (spread := ratio_spread(timings["handprop"], timings[name])) is not None
    }
    if "numpy matmul" in med:
        result["efficiency"] = med["numpy matmul"] / h
    if "numpy matmul" in med and "validation" in med:
        # a floor under handprop's time: its checks and its products, nothing else
        result["floor"] = med["numpy matmul"] + med["validation"]
    if dtype in peak:
        result["efficiency_vs_peak"] = (f / h / 1e9) / peak[dtype]
    return result


def run(
    cases: Sequence[BenchCase] = CASES,
    dtypes: Sequence[str] = DTYPES,
    *,
    threads: int | None = None,
    seconds: float = 2.0,
    rounds: int = 10,
    min_repeats: int = 5,
    memory: bool = True,
    gate_examples: int = 1600,
    gate_warmup: int = 800,
    peak_n: int = 2048,
    verify_examples: int = 100,
    verify_rounds: int = 3,
    startup_runs: int = 7,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Run the benchmark; returns the report (the content of ``benchmarks.json``).

    ``seconds`` of timing per case and dtype, spread over ``rounds`` rounds
    (:func:`time_cases`); ``memory`` runs
    :func:`memory_probe` for every case, dtype and framework (a subprocess each);
    ``gate_examples`` (0 to skip) measures the gate's throughput after ``gate_warmup``
    examples (:func:`crosscheck.bench.throughput.measure`); ``verify_examples`` (0 to
    skip) times verify against gradcheck on that many float64 problems per round, over
    ``verify_rounds`` rounds (:func:`crosscheck.bench.gradcheck.measure`); ``startup_runs``
    (0 to skip) starts ``crosscheck verify --help`` that many times
    (:func:`crosscheck.bench.startup.verify_help_seconds`).
    """
    say = progress or (lambda s: None)
    threads = threads or os.cpu_count() or 1
    with thread_settings(threads) as got_threads:
        return _run(
            cases, dtypes, threads, got_threads, seconds, rounds, min_repeats, memory,
            gate_examples, gate_warmup, peak_n, say,
            verify=(verify_examples, verify_rounds), startup_runs=startup_runs,
        )


def _run(
    cases: Sequence[BenchCase],
    dtypes: Sequence[str],
    threads: int,
    got_threads: dict[str, Any],
    seconds: float,
    rounds: int,
    min_repeats: int,
    memory: bool,
    gate_examples: int,
    gate_warmup: int,
    peak_n: int,
    say: Callable[[str], None],
    verify: tuple[int, int] = (0, 0),
    startup_runs: int = 0,
) -> dict[str, Any]:
    started = time.time()
    load_before = _load_average()
    report: dict[str, Any] = {
        "environment": environment(),
        "threads": got_threads,
        "settings": {"seconds_per_case": seconds, "rounds": rounds, "min_repeats": min_repeats},
        "targets": TARGETS,
        "peak": {},
        "cases": [],
    }
    for dtype in dtypes:
        say(f"numpy peak {dtype} (n={peak_n})")
        report["peak"][dtype] = numpy_peak(dtype, n=peak_n)
    peak = {dt: p["gflops"] for dt, p in report["peak"].items()}
    pairs = [(case, dtype) for case in cases for dtype in dtypes]
    timings = time_cases(
        pairs, seconds=seconds, rounds=rounds, min_repeats=min_repeats, progress=say
    )
    for case, dtype in pairs:
        result = _case_result(case, dtype, timings[(case.name, dtype)], peak)
        if memory:
            say(f"memory {case.label} {dtype}")
            result["memory"] = {
                name: memory_probe(case, dtype, name, threads) for name in FRAMEWORKS
            }
            result["memory"]["handprop"]["tracemalloc_bytes"] = tracemalloc_peak(case, dtype)
        report["cases"].append(result)
    if gate_examples:
        say(f"gate throughput ({gate_warmup} warm-up + {gate_examples} examples, float64)")
        report["gate"] = gate_throughput(gate_examples, gate_warmup)
    verify_examples, verify_rounds = verify
    if verify_examples and verify_rounds:
        say(f"verify against gradcheck ({verify_rounds} rounds of {verify_examples} float64 "
            "problems)")
        report["verify_vs_gradcheck"] = gradcheck.measure(
            verify_examples, rounds=verify_rounds, warmup=min(20, verify_examples)
        )
    if startup_runs:
        say(f"process start: crosscheck verify --help ({startup_runs} runs)")
        report["startup"] = startup.verify_help_seconds(startup_runs)
    report["seconds"] = time.time() - started
    report["environment"]["load_average_before"] = load_before
    report["environment"]["load_average"] = _load_average()
    return report
