"""The bench's memory probes: NumPy's allocations in handprop, and a probe in a fresh
process (the subprocess entry point)."""

from __future__ import annotations

import sys

import numpy as np
from required import require_oracles, require_package

from crosscheck.bench import cases, memory

require_oracles("torch", "jax")
require_package("threadpoolctl")

SMALL = cases.CASES[1]
MEDIUM = cases.CASES[2]  # 256-512-512-10, P = 256: a 3.2 MB gradient in float64


def _gradient_bytes(case: cases.BenchCase, dtype: str) -> int:
    """The size of the gradient a call returns: sum over layers of (N_l + 1) N_{l+1}."""
    n = sum((a + 1) * b for a, b in zip(case.sizes[:-1], case.sizes[1:], strict=True))
    return n * np.dtype(dtype).itemsize


def test_tracemalloc_sees_at_least_the_gradient() -> None:
    """handprop allocates its gradient arrays during the call (alive when it returns), so
    NumPy's peak beyond the inputs is at least their size."""
    assert memory.tracemalloc_peak(SMALL, "float64") >= _gradient_bytes(SMALL, "float64")
    assert memory.tracemalloc_peak(MEDIUM, "float64") >= _gradient_bytes(MEDIUM, "float64")


def test_the_probe_sees_at_least_the_gradient() -> None:
    """In a fresh process, the call's extra resident memory (VmHWM - VmRSS, whole pages)
    holds at least the gradient it returns: 3.2 MB of new pages (measured here: 8.9 MB)."""
    probe = memory.memory_probe(MEDIUM, "float64", "handprop", threads=1, timeout=120)
    assert "error" not in probe, probe
    if sys.platform == "linux":  # /proc/self/clear_refs: the exact method, not the fallback
        assert probe["method"] == "VmHWM - VmRSS after clear_refs", probe
    assert probe["peak_bytes"] >= _gradient_bytes(MEDIUM, "float64"), probe
