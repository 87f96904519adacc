"""``crosscheck bench``: handprop's gradient against torch autograd and ``jax.jit(jax.grad)``.

What is timed, for each case of :data:`CASES` in float32 and float64, in one process:

* ``handprop``: :func:`handprop.gradients` on NumPy arrays (validation included);
* ``torch``: :func:`crosscheck.oracles.torch_autograd.cost` on tensors that share the NumPy
  arrays' memory, then ``torch.autograd.grad`` (the answer stays a tensor);
* ``jax``: ``jax.jit(jax.grad(...))`` of :func:`crosscheck.oracles.jax_grad.cost` on arrays
  already on the device, compiled ahead of time (``.lower(...).compile()``), called inside
  :func:`crosscheck.oracles.jax_grad.precision`, ``block_until_ready`` on the answer;
* ``numpy matmul``: exactly the matrix products handprop's gradient performs (same shapes,
  same calls, layouts and transposes, preallocated outputs) and nothing else: the floor
  that BLAS sets;
* ``validation``: :func:`handprop.network.validate` alone, the input checks every
  ``handprop`` call makes first. With the products it is a floor under handprop's time
  that no arrangement of the rest can go below (the benchmark states it for each case).

The frameworks' inputs are converted once, outside the timing, and their answers are not
converted back: the comparison favours them slightly. Each implementation is warmed up
(torch's thread pool makes its first ~30 calls slow; jax compiles), then rounds go over
every case and dtype, and in each the implementations take turns in short blocks of calls
(:func:`time_cases`), so that background load falls on all of them alike and a burst of
it cannot spoil one case; each time is the median of the repeats.

Reported: the medians; the ratios handprop/torch and handprop/jax; GFLOP/s counting the
matrix products only (2 P N_l N_{l+1} per product: forward, weight gradient, and the
backward product for every layer above the first), against numpy's own GFLOP/s on the same
products (``efficiency``) and on a square product (``numpy peak``); the peak memory of one
gradient call (see :func:`memory_probe`); which BLAS kernel ran (threadpoolctl) and how many
threads each library used; the machine's load average; the gate's throughput
(:mod:`crosscheck.throughput`). ``reports/benchmarks.{md,json,png}``.

Threads: every library gets the same number (``--threads``, default the number of CPUs):
threadpoolctl limits NumPy's BLAS, :func:`handprop.activations.set_elementwise_threads`
sets handprop's threads for large elementwise work, ``torch.set_num_threads`` sets
torch's, and XLA uses all CPUs unless ``--threads 1`` is asked before jax starts (then
``XLA_FLAGS`` pins it to one).

torch, jax, matplotlib and threadpoolctl are imported inside functions only.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

__all__ = [
    "CASES",
    "DTYPES",
    "IMPLEMENTATIONS",
    "QUICK_CASES",
    "TARGETS",
    "BenchCase",
    "configure_bench",
    "flops",
    "gate_throughput",
    "make_arrays",
    "memory_probe",
    "numpy_peak",
    "render_markdown",
    "render_plot",
    "run",
    "run_bench",
    "target_verdicts",
    "thread_settings",
    "time_case",
    "write_reports",
]

DTYPES: tuple[str, ...] = ("float32", "float64")
IMPLEMENTATIONS: tuple[str, ...] = ("handprop", "torch", "jax", "numpy matmul", "validation")
FRAMEWORKS: tuple[str, ...] = ("handprop", "torch", "jax")


class BenchCase(NamedTuple):
    """One benchmark shape: layer sizes (Q, N_1, ..., N_L), P examples, activations, cost."""

    name: str
    sizes: tuple[int, ...]
    P: int
    activations: tuple[str, ...]
    cost: str = "log_likelihood"

    @property
    def label(self) -> str:
        return f"{self.name} {'-'.join(map(str, self.sizes))} P={self.P}"


def _sigmoid_net(name: str, sizes: tuple[int, ...], P: int) -> BenchCase:
    return BenchCase(name, sizes, P, ("sigmoid",) * (len(sizes) - 1))


CASES: tuple[BenchCase, ...] = (
    _sigmoid_net("tiny", (2, 2, 1), 4),
    _sigmoid_net("small", (10, 16, 16, 3), 32),
    _sigmoid_net("medium", (256, 512, 512, 10), 256),
    _sigmoid_net("large", (1024, 2048, 2048, 2048, 10), 1024),
    BenchCase("medium-tanh-relu", (256, 512, 512, 10), 256, ("tanh", "relu", "sigmoid")),
)
"""The issue's shapes: sigmoid hidden layers and the log-likelihood, plus one tanh/relu mix."""

QUICK_CASES: tuple[str, ...] = ("tiny", "small")
"""The cases ``--quick`` runs."""

TARGETS: dict[str, float] = {
    "handprop/jax": 1.0,
    "handprop/torch tiny, small": 0.25,
    "handprop/torch medium, large": 0.9,
    "large efficiency": 0.85,
    "gate examples/s": 100.0,
}
"""The issue's targets (benchmarks, not tests)."""


# --------------------------------------------------------------------------- problems


def make_arrays(
    case: BenchCase, dtype: str, seed: int = 0
) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """Seeded Glorot weights (biases in [-0.1, 0.1]), X ~ N(0, 1), binary labels Y."""
    import handprop

    rng = np.random.default_rng(seed)
    weights = handprop.init_weights(case.sizes, seed=rng, dtype=dtype, bias=0.1)
    X = rng.standard_normal((case.P, case.sizes[0])).astype(dtype)
    Y = (rng.random((case.P, case.sizes[-1])) < 0.5).astype(dtype)
    return weights, X, Y


def flops(case: BenchCase) -> int:
    """Floating-point operations of the matrix products of one gradient (biases not counted).

    Per layer l: the forward product (P x N_l times N_l x N_{l+1}), the weight gradient
    ((a^l)^T delta^{l+1}) and, above the first layer, the backward product
    (delta^{l+1} (w^l)^T); 2 P N_l N_{l+1} operations each.
    """
    total = 0
    for l in range(len(case.sizes) - 1):
        products = 2 if l == 0 else 3
        total += products * 2 * case.P * case.sizes[l] * case.sizes[l + 1]
    return total


# --------------------------------------------------------------------------- the timed calls


def _handprop_call(case: BenchCase, weights, X, Y) -> Callable[[], Any]:
    import handprop

    acts = list(case.activations)
    return lambda: handprop.gradients(weights, X, Y, acts, case.cost)


def _torch_call(case: BenchCase, weights, X, Y) -> Callable[[], Any]:
    import torch

    from crosscheck.oracles import torch_autograd

    tw = [torch.from_numpy(w).requires_grad_(True) for w in weights]
    tX, tY = torch.from_numpy(X), torch.from_numpy(Y)
    acts = list(case.activations)

    def call() -> Any:
        C = torch_autograd.cost(tw, tX, tY, acts, case.cost)
        return torch.autograd.grad(C, tw)

    return call


def _jax_call(case: BenchCase, weights, X, Y) -> Callable[[], Any]:
    """The compiled ``jax.grad`` (compiled here, before any timing); call it in precision."""
    import jax

    from crosscheck.oracles import jax_grad

    acts = tuple(case.activations)

    def loss(w: Any, x: Any, y: Any) -> Any:
        return jax_grad.cost(w, x, y, acts, case.cost)

    with jax_grad.precision(X.dtype):
        args = jax.device_put((tuple(weights), X, Y))
        compiled = jax.jit(jax.grad(loss)).lower(*args).compile()

    def call() -> Any:
        with jax_grad.precision(X.dtype):
            return jax.block_until_ready(compiled(*args))

    return call


def _matmul_call(case: BenchCase, weights, X, Y) -> Callable[[], Any]:
    """handprop's products alone, as :mod:`handprop.backprop` makes them (``np.dot``, the
    same layouts and transposes), into preallocated arrays: forward z^T = w^T [1 a]^T for the
    hidden layers and z = [1 a] w at the output, backward [1 a]^T delta and
    w[1:] delta^T. ``[1 X]`` and the output are row-major, the hidden layers column-major."""
    rng = np.random.default_rng(1)
    dtype = X.dtype
    P, sizes, L = case.P, case.sizes, len(weights)
    unit = [np.ones((P, sizes[0] + 1), dtype)]  # [1 X], row-major
    unit += [np.ones((n + 1, P), dtype).T for n in sizes[1:-1]]  # [1 a^l], column-major
    for u in unit:
        u[:, 1:] = rng.random((P, u.shape[1] - 1))
    z_t = [np.empty((n, P), dtype) for n in sizes[1:-1]]  # hidden z^T, row-major
    z_out = np.empty((P, sizes[-1]), dtype)
    delta = [rng.random((P, n)).astype(dtype, order="F") for n in sizes[1:-1]]
    delta.append(rng.random((P, sizes[-1])).astype(dtype))  # the output's, row-major
    grads = [np.empty_like(w) for w in weights]
    back_t = [np.empty((n, P), dtype) for n in sizes[1:-1]]

    def call() -> None:
        for l in range(L - 1):
            np.dot(weights[l].T, unit[l].T, out=z_t[l])
        np.dot(unit[L - 1], weights[L - 1], out=z_out)
        for l in range(L - 1, -1, -1):
            np.dot(unit[l].T, delta[l], out=grads[l])
            if l > 0:
                np.dot(weights[l][1:], delta[l].T, out=back_t[l - 1])

    return call


def _validation_call(case: BenchCase, weights, X, Y) -> Callable[[], Any]:
    """handprop's input checks alone (:func:`handprop.network.validate`): part of every
    ``handprop`` call, and with the products a floor under it."""
    from handprop.network import validate

    acts = list(case.activations)
    return lambda: validate(weights, X, Y, acts, case.cost)


_MAKERS: dict[str, Callable[..., Callable[[], Any]]] = {
    "handprop": _handprop_call,
    "torch": _torch_call,
    "jax": _jax_call,
    "numpy matmul": _matmul_call,
    "validation": _validation_call,
}


class Timing(NamedTuple):
    """Seconds per call: the median and the quartiles over ``repeats`` calls."""

    median: float
    q1: float
    q3: float
    repeats: int


def _timing(samples: Sequence[float]) -> Timing:
    q = statistics.quantiles(samples, n=4) if len(samples) > 1 else [samples[0]] * 3
    return Timing(statistics.median(samples), q[0], q[2], len(samples))


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
    and OpenBLAS threads busy-wait for a while after a parallel region).
    """
    say = progress or (lambda s: None)
    setups = []
    for case, dtype in pairs:
        say(f"warming up {case.label} {dtype}")
        weights, X, Y = make_arrays(case, dtype, seed)
        calls = {name: _MAKERS[name](case, weights, X, Y) for name in implementations}
        block = {}
        for name, call in calls.items():
            single = _warm(call, calls=1, seconds=0.0)
            warm_calls = max(2, min(warmup_calls, int(warmup_seconds / max(single, 1e-9))))
            estimate = _warm(call, calls=warm_calls, seconds=min(warmup_seconds, 3 * single))
            share = seconds / (rounds * len(calls)) / max(estimate, 1e-9)
            block[name] = int(min(max_repeats / rounds, max(-(-min_repeats // rounds), share)))
        setups.append(((case.name, dtype), calls, block))
    samples = {key: {name: [] for name in calls} for key, calls, _ in setups}
    for r in range(rounds):
        say(f"timing round {r + 1} of {rounds}")
        for key, calls, block in setups:
            for name, call in calls.items():
                times = []
                for _ in range(block[name] + (block[name] > 1)):
                    t0 = time.perf_counter()
                    call()
                    times.append(time.perf_counter() - t0)
                samples[key][name].extend(times[1:] if block[name] > 1 else times)
    return {key: {name: _timing(s) for name, s in per.items()} for key, per in samples.items()}


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


# --------------------------------------------------------------------------- memory


def _status_kib(key: str) -> int | None:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _reset_peak_rss() -> bool:
    """Reset this process's resident-set high-water mark (Linux: clear_refs 5)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        return False
    return True


def _probe(case: BenchCase, dtype: str, implementation: str, threads: int) -> dict[str, Any]:
    """Inside a fresh process: the peak resident memory of one gradient call (bytes)."""
    import resource

    with thread_settings(threads):
        return _probe_in(case, dtype, implementation, resource)


def _probe_in(case: BenchCase, dtype: str, implementation: str, resource: Any) -> dict[str, Any]:
    weights, X, Y = make_arrays(case, dtype)
    # Fault in the implementation's code and thread pools on the tiny shape first, so the
    # measured call pays only for its own arrays.
    tiny = CASES[0]._replace(activations=("sigmoid",) * (len(CASES[0].sizes) - 1))
    _MAKERS[implementation](tiny, *make_arrays(tiny, dtype))()
    call = _MAKERS[implementation](case, weights, X, Y)  # jax compiles here
    out: dict[str, Any] = {}
    if implementation == "jax":
        out["xla_temp_bytes"] = _xla_temp_bytes(case, weights, X, Y)
    gc.collect()
    if _reset_peak_rss():
        base = _status_kib("VmRSS")
        call()
        peak = _status_kib("VmHWM")
        out["method"] = "VmHWM - VmRSS after clear_refs"
        out["peak_bytes"] = None if base is None or peak is None else (peak - base) * 1024
    else:  # the process's maximum so far, before and after: a lower bound
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        call()
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        out["method"] = "ru_maxrss delta"
        out["peak_bytes"] = (after - before) * 1024
    return out


def _xla_temp_bytes(case: BenchCase, weights, X, Y) -> int | None:
    """XLA's own plan for the compiled gradient: temporaries + outputs, in bytes."""
    import jax

    from crosscheck.oracles import jax_grad

    acts = tuple(case.activations)
    with jax_grad.precision(X.dtype):
        compiled = (
            jax.jit(jax.grad(lambda w, x, y: jax_grad.cost(w, x, y, acts, case.cost)))
            .lower(tuple(weights), X, Y)
            .compile()
        )
    analysis = compiled.memory_analysis()
    if analysis is None:
        return None
    return int(analysis.temp_size_in_bytes + analysis.output_size_in_bytes)


def _tracemalloc_peak(case: BenchCase, dtype: str) -> int:
    """Peak bytes NumPy allocates during one handprop gradient (NumPy reports to
    tracemalloc), beyond what was allocated before the call."""
    import tracemalloc

    weights, X, Y = make_arrays(case, dtype)
    call = _handprop_call(case, weights, X, Y)
    call()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        call()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return peak - base


def memory_probe(
    case: BenchCase, dtype: str, implementation: str, threads: int, timeout: float = 600.0
) -> dict[str, Any]:
    """Peak memory of one gradient call of ``implementation``, measured in a fresh process.

    The child builds the arrays, runs the implementation once on the tiny shape (code
    pages, thread pools), prepares the call (jax compiles), resets its resident-set
    high-water mark (``/proc/self/clear_refs``), and reports ``VmHWM - VmRSS`` around one
    call: the extra resident memory the call needed beyond its inputs. Without
    ``clear_refs`` it falls back to the growth of ``ru_maxrss`` (a lower bound). For jax
    it adds XLA's planned temporaries + outputs (``memory_analysis``).
    """
    request = json.dumps(
        {"case": case._asdict(), "dtype": dtype, "impl": implementation, "threads": threads}
    )
    code = "import sys; from crosscheck.bench import _probe_main; _probe_main(sys.argv[1])"
    proc = subprocess.run(
        [sys.executable, "-c", code, request],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if proc.returncode != 0:
        return {"error": (proc.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _probe_main(request: str) -> None:
    r = json.loads(request)
    c = r["case"]
    case = BenchCase(c["name"], tuple(c["sizes"]), c["P"], tuple(c["activations"]), c["cost"])
    print(json.dumps(_probe(case, r["dtype"], r["impl"], r["threads"])))


# --------------------------------------------------------------------------- environment


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


def environment() -> dict[str, Any]:
    """Versions, BLAS kernels and thread counts, CPU, load average."""
    import jax
    import threadpoolctl
    import torch

    blas = [
        {k: info.get(k) for k in ("internal_api", "version", "architecture", "num_threads")}
        for info in threadpoolctl.threadpool_info()
    ]
    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "torch": torch.__version__,
        "jax": jax.__version__,
        "cpu": _cpu_name(),
        "cpus": os.cpu_count(),
        "numpy_blas": blas,
        "torch_blas": "MKL" if torch.backends.mkl.is_available() else "other",
        "torch_threads": torch.get_num_threads(),
        "openblas_env": {
            k: os.environ[k] for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if k in os.environ
        },
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
    }


def _cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


# --------------------------------------------------------------------------- the run


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
    gate_examples: int = 300,
    gate_warmup: int = 150,
    peak_n: int = 2048,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Run the benchmark; returns the report (the content of ``benchmarks.json``).

    ``seconds`` of timing per case and dtype, spread over ``rounds`` rounds
    (:func:`time_cases`); ``memory`` runs
    :func:`memory_probe` for every case, dtype and framework (a subprocess each);
    ``gate_examples`` (0 to skip) measures the gate's throughput after ``gate_warmup``
    examples (:func:`crosscheck.throughput.measure`).
    """
    say = progress or (lambda s: None)
    threads = threads or os.cpu_count() or 1
    with thread_settings(threads) as got_threads:
        return _run(
            cases, dtypes, threads, got_threads, seconds, rounds, min_repeats, memory,
            gate_examples, gate_warmup, peak_n, say,
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
) -> dict[str, Any]:
    started = time.time()
    load_before = list(os.getloadavg()) if hasattr(os, "getloadavg") else None
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
            result["memory"]["handprop"]["tracemalloc_bytes"] = _tracemalloc_peak(case, dtype)
        report["cases"].append(result)
    if gate_examples:
        say(f"gate throughput ({gate_warmup} warm-up + {gate_examples} examples, float64)")
        report["gate"] = gate_throughput(gate_examples, gate_warmup)
    report["seconds"] = time.time() - started
    report["environment"]["load_average_before"] = load_before
    report["environment"]["load_average"] = (
        list(os.getloadavg()) if hasattr(os, "getloadavg") else None
    )
    return report


def gate_throughput(examples: int, warmup: int) -> dict[str, Any]:
    """:func:`crosscheck.throughput.measure` in float64 with torch and jax, as a dict."""
    from crosscheck import throughput

    r = throughput.measure(examples, warmup=warmup, dtype="float64", oracles=("torch", "jax"))
    return r._asdict() | {"oracles": list(r.oracles)}


# --------------------------------------------------------------------------- output


def _ms(seconds: float) -> str:
    if seconds != seconds:  # NaN: not measured
        return "n/a"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} µs"
    if seconds < 1.0:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.3f} s"


def _bytes(n: Any) -> str:
    if not isinstance(n, (int, float)):
        return "n/a"
    if abs(n) < 1024 * 1024:
        return f"{n / 1024:.0f} KiB"
    return f"{n / 1024 / 1024:.1f} MiB"


def render_markdown(report: dict[str, Any]) -> str:
    """``benchmarks.md``: the tables of :func:`run`'s report."""
    env = report["environment"]
    blas = "; ".join(
        f"{b['internal_api']}"
        + (f" {b['version']}" if b.get("version") else "")
        + (f" kernel {b['architecture']}" if b.get("architecture") else "")
        + f" ({b['num_threads']} threads)"
        for b in env["numpy_blas"]
    )
    openblas = env["openblas_env"] or "OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset"
    load = env.get("load_average")
    load_before = env.get("load_average_before")
    lines = [
        "# Benchmarks: handprop against torch autograd and jax.jit(jax.grad)",
        "",
        "Written by `crosscheck bench` (`make bench`). Median time of one gradient call "
        "(cost + dC/dw for every layer) after warm-up; 10 rounds go over all cases, and in "
        "each the implementations take turns in short blocks of calls. Ratios below 1 mean "
        "handprop is faster. "
        "GFLOP/s count the matrix products only; *efficiency* is numpy's own time for "
        "exactly handprop's products divided by handprop's time (1 = no overhead beyond "
        "BLAS).",
        "",
        f"- CPU: {env['cpu']} ({env['cpus']} CPUs); Python {env['python']}, numpy "
        f"{env['numpy']}, torch {env['torch']} ({env['torch_blas']}), jax {env['jax']}",
        f"- numpy BLAS: {blas}",
        f"- OpenBLAS environment: {openblas}",
        "- threads: "
        + ", ".join(f"{k} {v}" for k, v in report["threads"].items())
        + " (handprop's elementwise threads: blocks of large arrays only)",
        f"- load average (1, 5, 15 min) before: {_load(load_before)}, after: {_load(load)}",
        "- numpy matmul peak: "
        + ", ".join(
            f"{dt} {p['gflops']:.1f} GFLOP/s (n = {p['n']})" for dt, p in report["peak"].items()
        ),
        "",
        "| case | dtype | handprop | torch | jax | numpy matmul | validation | "
        "handprop/torch | handprop/jax | GFLOP/s handprop | efficiency | vs peak |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in report["cases"]:
        t = {k: v["median"] for k, v in r["timings"].items()}
        lines.append(
            f"| {r['case']} {'-'.join(map(str, r['sizes']))} P={r['P']} | {r['dtype']} | "
            f"{_ms(t['handprop'])} | {_ms(t['torch'])} | {_ms(t['jax'])} | "
            f"{_ms(t['numpy matmul'])} | {_ms(t.get('validation', float('nan')))} | "
            f"{r['ratios']['handprop/torch']:.2f} | "
            f"{r['ratios']['handprop/jax']:.2f} | {r['gflops']['handprop']:.1f} | "
            f"{r.get('efficiency', float('nan')):.0%} | "
            f"{r.get('efficiency_vs_peak', float('nan')):.0%} |"
        )
    slower = [r for r in report["cases"] if r["ratios"].get("handprop/jax", 0) > 1 and "floor" in r]
    if slower:
        lines += [
            "",
            "*validation* is handprop's input checks alone. Where jax is faster, the floor "
            "under handprop (its validation and its matrix products, nothing else) against "
            "jax's whole compiled call:",
            "",
        ]
        lines += [
            f"- {r['case']} {r['dtype']}: floor {_ms(r['floor'])} "
            f"({r['floor'] / r['timings']['jax']['median']:.2f} x jax), handprop "
            f"{_ms(r['timings']['handprop']['median'])}, jax "
            f"{_ms(r['timings']['jax']['median'])}"
            for r in slower
        ]
    if any("memory" in r for r in report["cases"]):
        lines += [
            "",
            "## Peak memory of one gradient call",
            "",
            "Extra resident memory one call needs beyond its inputs, each measured in a fresh "
            "process (`VmHWM - VmRSS` after resetting the high-water mark, after a warm-up "
            "on the tiny shape); *tracemalloc* is the peak of NumPy's own allocations in "
            "handprop; *XLA plan* is jax's compiled temporaries + outputs.",
            "",
            "| case | dtype | handprop | handprop (tracemalloc) | torch | jax | jax (XLA plan) |",
            "|---|---|---|---|---|---|---|",
        ]
        for r in report["cases"]:
            m = r.get("memory")
            if not m:
                continue
            lines.append(
                f"| {r['case']} | {r['dtype']} | {_bytes(m['handprop'].get('peak_bytes'))} | "
                f"{_bytes(m['handprop'].get('tracemalloc_bytes'))} | "
                f"{_bytes(m['torch'].get('peak_bytes'))} | {_bytes(m['jax'].get('peak_bytes'))} "
                f"| {_bytes(m['jax'].get('xla_temp_bytes'))} |"
            )
    gate = report.get("gate")
    if gate:
        stages = ", ".join(
            f"{k} {v / gate['examples'] * 1e3:.2f} ms" for k, v in gate["stages"].items()
        )
        lines += [
            "",
            "## The gate's throughput",
            "",
            f"{gate['examples']} float64 examples drawn by Hypothesis, each checked by "
            f"{' and '.join(gate['oracles'])} against handprop through the error budget, "
            f"after {gate['warmup_examples']} warm-up examples (torch on one thread, as in "
            f"the test processes): **{gate['per_second']:.0f} examples/s** "
            f"({gate['seconds']:.2f} s, {gate['failures']} failures). Per "
            f"example: {stages}. jax compiled {gate['jax_compiles']} functions during the "
            f"measured run ({gate['jax_compile_seconds']:.2f} s).",
        ]
    lines += ["", "## Targets (issue 6)", "", "| target | measured | met |", "|---|---|---|"]
    lines += [f"| {name} | {measured} | {'yes' if ok else '**no**'} |"
              for name, measured, ok in target_verdicts(report)]
    lines += ["", f"Total benchmark time: {report['seconds']:.0f} s.", ""]
    return "\n".join(lines)


def target_verdicts(report: dict[str, Any]) -> list[tuple[str, str, bool]]:
    """(target, what was measured, met?) for each of :data:`TARGETS` the report covers."""
    rows = report["cases"]
    out = []

    def worst(key: str, cases: Sequence[str]) -> tuple[str, float] | None:
        picked = [(f"{r['case']} {r['dtype']}", r["ratios"][key]) for r in rows
                  if r["case"].split("-")[0] in cases]  # "medium-tanh-relu" is a medium shape
        return max(picked, key=lambda x: x[1]) if picked else None

    everywhere = worst("handprop/jax", [r["case"] for r in rows])
    if everywhere:
        out.append(("handprop/jax <= 1.0 at every shape and dtype",
                    f"worst {everywhere[1]:.2f} ({everywhere[0]})", everywhere[1] <= 1.0))
    for label, cases, limit in (("tiny, small", ("tiny", "small"), 0.25),
                                ("medium, large", ("medium", "large"), 0.9)):
        w = worst("handprop/torch", cases)
        if w:
            out.append((f"handprop/torch <= {limit} at {label}", f"worst {w[1]:.2f} ({w[0]})",
                        w[1] <= limit))
    large = [r for r in rows if r["case"] == "large" and "efficiency" in r]
    if large:
        e = min(large, key=lambda r: r["efficiency"])
        out.append(("large: >= 85% of numpy matmul GFLOP/s (same products)",
                    f"lowest {e['efficiency']:.0%} ({e['dtype']})", e["efficiency"] >= 0.85))
    gate = report.get("gate")
    if gate:
        out.append(("gate >= 100 examples/s (float64, torch and jax checking)",
                    f"{gate['per_second']:.0f} examples/s", gate["per_second"] >= 100))
    return out


def _load(load: Any) -> str:
    return "n/a" if not load else ", ".join(f"{x:.2f}" for x in load)


def render_plot(report: dict[str, Any], path: str | os.PathLike[str]) -> None:
    """``benchmarks.png``: the two ratios per case and dtype (log scale), targets dashed,
    and handprop's GFLOP/s next to numpy's on the same products."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FormatStrFormatter, NullFormatter

    from crosscheck.atomic import write_with

    rows = report["cases"]
    labels = [f"{r['case'].replace('-', chr(10), 1)}\n{r['dtype']}" for r in rows]
    x = np.arange(len(rows))
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(max(10, 1.4 * len(rows) + 4), 5))
    width = 0.38
    for k, (name, color) in enumerate((("handprop/torch", "tab:orange"),
                                       ("handprop/jax", "tab:blue"))):
        ax.bar(x + (k - 0.5) * width, [r["ratios"][name] for r in rows], width, label=name,
               color=color)
    ax.axhline(1.0, color="black", lw=0.8, label="jax target (1.0)")
    ax.axhline(0.25, color="tab:orange", ls="--", lw=0.8, label="torch target, tiny/small")
    ax.axhline(0.9, color="tab:orange", ls=":", lw=0.8, label="torch target, medium/large")
    ax.set_yscale("log")
    ratios = [r["ratios"][k] for r in rows for k in ("handprop/torch", "handprop/jax")]
    ticks = [t for t in (0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 0.9, 1, 2, 5, 10, 20, 50)
             if min(ratios) / 2 <= t <= max(ratios) * 2]
    ax.set_yticks(ticks)
    ax.yaxis.set_major_formatter(FormatStrFormatter("%g"))
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set_xticks(x, labels, fontsize=7)
    ax.set_ylabel("time ratio (below 1: handprop faster)")
    ax.set_title("handprop's time relative to torch and jax")
    ax.legend(fontsize=7)
    for k, (name, color) in enumerate((("handprop", "black"), ("numpy matmul", "0.6"),
                                       ("jax", "tab:blue"), ("torch", "tab:orange"))):
        bx.bar(x + (k - 1.5) * 0.2, [r["gflops"][name] for r in rows], 0.2, label=name,
               color=color)
    bx.set_yscale("log")
    bx.set_xticks(x, labels, fontsize=7)
    bx.set_ylabel("GFLOP/s (matrix products only)")
    bx.set_title("throughput")
    bx.legend(fontsize=7)
    fig.tight_layout()
    write_with(Path(path), lambda f: fig.savefig(f, format="png", dpi=100,
                                                 metadata={"Software": None}))
    plt.close(fig)


def write_reports(report: dict[str, Any], out: str | os.PathLike[str], plot: bool = True) -> None:
    """Write ``benchmarks.json``, ``benchmarks.md`` and (``plot``) ``benchmarks.png``."""
    from crosscheck.atomic import write_text

    out = Path(out)
    write_text(out / "benchmarks.json", json.dumps(report, indent=1, sort_keys=True) + "\n")
    write_text(out / "benchmarks.md", render_markdown(report))
    if plot:
        render_plot(report, out / "benchmarks.png")


# --------------------------------------------------------------------------- CLI


def configure_bench(parser: argparse.ArgumentParser) -> None:
    """Add the ``crosscheck bench`` options to ``parser``."""
    parser.add_argument("--quick", action="store_true",
                        help="tiny and small only, short timings, no memory probes, a short "
                             "gate run (for tests)")
    parser.add_argument("--cases", nargs="+", metavar="NAME",
                        help=f"cases to run (default all: {', '.join(c.name for c in CASES)})")
    parser.add_argument("--dtypes", nargs="+", choices=DTYPES, default=list(DTYPES))
    parser.add_argument("--threads", type=int, default=None,
                        help="threads for every library (default: the number of CPUs)")
    parser.add_argument("--seconds", type=float, default=None,
                        help="seconds of timing per case and dtype (default 2)")
    parser.add_argument("--rounds", type=int, default=None,
                        help="rounds over all cases that share those seconds (default 10)")
    parser.add_argument("--no-memory", action="store_true", help="skip the memory probes")
    parser.add_argument("--gate-examples", type=int, default=None,
                        help="gate examples to time after warm-up (default 300; 0 skips)")
    parser.add_argument("--gate-warmup", type=int, default=None,
                        help="gate warm-up examples (default 150)")
    parser.add_argument("--out", default="reports", help="output directory (default reports/)")
    parser.add_argument("--no-plot", action="store_true", help="skip benchmarks.png")


def run_bench(args: argparse.Namespace) -> int:
    """Run the benchmark, print the table, write the reports. 0, or 2 for bad options."""
    names = {c.name for c in CASES}
    wanted = args.cases or (list(QUICK_CASES) if args.quick else [c.name for c in CASES])
    unknown = [n for n in wanted if n not in names]
    if unknown:
        print(f"crosscheck bench: unknown case(s) {unknown}; expected some of "
              f"{sorted(names)}", file=sys.stderr)
        return 2
    if args.threads is not None and args.threads < 1:
        print("crosscheck bench: --threads must be at least 1", file=sys.stderr)
        return 2
    cases = [c for c in CASES if c.name in wanted]
    quick = args.quick
    seconds = args.seconds if args.seconds is not None else (0.05 if quick else 2.0)
    gate_examples = args.gate_examples if args.gate_examples is not None else (
        10 if quick else 300)
    gate_warmup = args.gate_warmup if args.gate_warmup is not None else (5 if quick else 150)
    report = run(
        cases,
        args.dtypes,
        threads=args.threads,
        seconds=seconds,
        rounds=args.rounds or (3 if quick else 10),
        min_repeats=3 if quick else 5,
        memory=not (args.no_memory or quick),
        gate_examples=gate_examples,
        gate_warmup=gate_warmup,
        peak_n=256 if quick else 2048,
        progress=lambda s: print(f"... {s}", file=sys.stderr, flush=True),
    )
    write_reports(report, args.out, plot=not args.no_plot)
    print(render_markdown(report))
    return 0
