"""The bench's memory probes: NumPy's allocations in handprop, and a probe in a fresh
process (the subprocess entry point)."""

from __future__ import annotations

from required import require_oracles, require_package

from crosscheck.bench import cases, memory

require_oracles("torch", "jax")
require_package("threadpoolctl")

SMALL = cases.CASES[1]


def test_memory_is_measured() -> None:
    assert memory.tracemalloc_peak(SMALL, "float64") > 0  # handprop allocates its arrays
    probe = memory.memory_probe(SMALL, "float64", "handprop", threads=1, timeout=120)
    assert "error" not in probe, probe
    assert probe["peak_bytes"] >= 0
