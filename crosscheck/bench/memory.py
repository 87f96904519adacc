"""Peak memory of one gradient call: a probe in a fresh process per implementation
(:func:`memory_probe`), and NumPy's own allocations in handprop (:func:`tracemalloc_peak`)."""

from __future__ import annotations

import contextlib
import gc
import json
import subprocess
import sys
from typing import Any

from crosscheck.bench.cases import CASES, MAKERS, BenchCase, jax_x64, make_arrays
from crosscheck.bench.timing import thread_settings

__all__ = ["memory_probe", "tracemalloc_peak"]


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

    x64 = jax_x64() if implementation == "jax" else contextlib.nullcontext()
    with thread_settings(threads), x64:  # jax as the timing runs it: x64 on, once
        return _probe_in(case, dtype, implementation, resource)


def _probe_in(case: BenchCase, dtype: str, implementation: str, resource: Any) -> dict[str, Any]:
    weights, X, Y = make_arrays(case, dtype)
    # Fault in the implementation's code and thread pools on the tiny shape first, so the
    # measured call pays only for its own arrays.
    tiny = CASES[0]._replace(activations=("sigmoid",) * (len(CASES[0].sizes) - 1))
    MAKERS[implementation](tiny, *make_arrays(tiny, dtype))()
    call = MAKERS[implementation](case, weights, X, Y)  # jax compiles here
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


def tracemalloc_peak(case: BenchCase, dtype: str) -> int:
    """Peak bytes NumPy allocates during one handprop gradient (NumPy reports to
    tracemalloc), beyond what was allocated before the call."""
    import tracemalloc

    weights, X, Y = make_arrays(case, dtype)
    call = MAKERS["handprop"](case, weights, X, Y)
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
    code = "import sys; from crosscheck.bench.memory import _probe_main; _probe_main(sys.argv[1])"
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
