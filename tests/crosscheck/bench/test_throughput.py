"""The gate's throughput: examples counted, the time split over the stages, jax's
compilations counted."""

from __future__ import annotations

import pytest
from required import require_oracles, require_package

from crosscheck.bench import throughput

require_oracles("torch", "jax")
require_package("threadpoolctl")


def test_gate_throughput_counts_examples_and_stages() -> None:
    r = throughput.measure(4, warmup=1, oracles=("torch", "jax"), max_depth=2, max_width=3)
    assert r.examples >= 1 and r.failures == 0
    assert r.per_second == pytest.approx(r.examples / r.seconds)
    assert set(r.stages) == set(throughput.STAGES)
    assert sum(r.stages.values()) == pytest.approx(r.seconds)
    assert r.jax_compiles is not None and r.jax_compiles >= 0
