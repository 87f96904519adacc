"""The gate's throughput: examples counted, the time split over the stages, jax's
compilations counted."""

from __future__ import annotations

import pytest
from required import require_oracles, require_package

from crosscheck.bench import throughput

require_oracles("torch", "jax")
require_package("threadpoolctl")


def test_gate_throughput_counts_examples_and_stages() -> None:
    r = throughput.measure(
        4, warmup=1, oracles=("torch", "jax"), max_depth=2, max_width=3, batch=2
    )
    # examples are the problems judged, whole batches of 2 (one draw each)
    assert r.batch == 2 and r.examples >= 2 and r.examples % 2 == 0 and r.failures == 0
    assert r.per_second == pytest.approx(r.examples / r.seconds)
    assert set(r.stages) == set(throughput.STAGES)
    # Every stage ran and took time; the timed stages do not overlap (no second counted
    # twice): what is left for drawing and the rest is not negative.
    named = [s for s in throughput.STAGES if s != "draw and other"]
    assert all(r.stages[s] > 0 for s in named), r.stages
    assert r.stages["draw and other"] >= 0, r.stages
    assert isinstance(r.jax_compiles, int) and isinstance(r.jax_compile_seconds, float)


def test_jax_compilations_are_counted() -> None:
    """The listener that measure() registers counts a compilation that surely happens: a
    function jax has never seen."""
    import jax
    import jax.numpy as jnp

    throughput.measure(1, warmup=0, oracles=("jax",), max_depth=1, max_width=1)
    before = throughput._compiles["count"]
    jax.jit(lambda x: jnp.sin(x) * 3.25 + 0.125)(jnp.arange(7.0)).block_until_ready()
    assert throughput._compiles["count"] >= before + 1


@pytest.mark.parametrize("batch", [0, -2, 1.5, True])
def test_a_bad_batch_size_is_named(batch) -> None:
    with pytest.raises(ValueError, match="batch: expected an integer >= 1"):
        throughput.measure(8, warmup=0, batch=batch)
