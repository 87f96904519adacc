"""Sizes and large arrays (crosscheck.strategies.sizes, .arrays): the profiles really draw
large problems (log-uniform sizes, minimums honoured, powers of two when asked), large
arrays take their values from a seeded generator with the same ranges, and the gate's
problems are exactly the ones drawn before the profiles existed."""

from __future__ import annotations

import hashlib

import numpy as np
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from crosscheck.options import problem_space
from crosscheck.strategies import problems_in, problems_with_info, without_local_constants
from crosscheck.strategies.arrays import ELEMENTWISE_MAX
from crosscheck.strategies.sizes import LOG_STEPS, _keyed_size, _log_point, size

GATE_FINGERPRINT = "027c8881f1e0d098aec24c18f989cd7716554b12"
"""SHA-1 of the first 300 default problems drawn with seed 123, computed at ab15b40
(before size profiles and seeded arrays): the gate's problems must not change."""


def _draw_all(strategy, n, seed_value=123):
    out = []

    @seed(seed_value)
    @settings(
        max_examples=n,
        database=None,
        derandomize=False,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.generate],
    )
    @given(strategy)
    def collect(x):
        out.append(x)

    with without_local_constants():
        collect()
    return out


def test_the_gates_problems_are_unchanged():
    digests = []
    for d in _draw_all(problems_with_info(), 300):
        p = d.problem
        h = hashlib.sha1()
        for a in (*p.weights, p.X, p.Y):
            h.update(a.tobytes())
        h.update(repr((p.activations, p.cost, d.info)).encode())
        digests.append(h.hexdigest()[:10])
    assert hashlib.sha1("".join(digests).encode()).hexdigest() == GATE_FINGERPRINT


def test_log_uniform_sizes_cover_every_factor_of_two():
    assert _log_point(1, 2048, 0) == 1 and _log_point(1, 2048, LOG_STEPS) == 2048
    assert _keyed_size(256, 2048, 0) == 256  # where shrinking goes
    keyed = [_keyed_size(1, 2048, k) for k in range(1, 2001)]  # small keys, as Hypothesis likes
    assert 32 <= np.median(keyed) <= 64 and {int(np.log2(n)) for n in keyed} == set(range(12))
    drawn = _draw_all(size(1, 2048, log=True), 300, seed_value=1)
    assert min(drawn) >= 1 and max(drawn) <= 2048
    octaves = {int(np.log2(n)) for n in drawn}
    assert octaves >= set(range(1, 11))
    assert 16 <= np.median(drawn) <= 256  # Hypothesis's integers over [1, 2048]: about 30
    assert set(_draw_all(size(3, 40, power_of_two=True), 50)) <= {4, 8, 16, 32}


def test_the_large_profile_draws_large_problems_with_seeded_values():
    space = problem_space(sizes="large", max_depth=2, max_width=256, max_p=1024, max_q=64)
    drawn = _draw_all(problems_in(space), 12, seed_value=2)
    Ps = [d.problem.P for d in drawn]
    assert all(256 <= P <= 1024 for P in Ps)
    for d in drawn:
        p = d.problem
        assert all(64 <= n <= 256 for n in p.sizes[1:-1]) and 16 <= p.sizes[0] <= 64
        big = [w for w in p.weights if w.size > ELEMENTWISE_MAX]
        for w in big:  # uniform draws: no mass of repeated special values
            u = w[1:].astype(np.float64)
            assert len(np.unique(u)) > 0.9 * u.size


def _one_per_run(strategy, n):
    """One example from each of ``n`` fresh Hypothesis runs, as the search draws them
    (crosscheck.search.block: a leading nonce, the run's simplest call rejected)."""
    import operator

    import hypothesis
    from hypothesis import reject

    from crosscheck.search.schedule import block_seed

    out = []
    nonced = st.tuples(st.integers(0, 2**16), strategy).map(operator.itemgetter(1))

    def run(b):
        first = [True]

        @hypothesis.seed(block_seed(0, b))
        @settings(max_examples=1, database=None, deadline=None, phases=[Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @given(nonced)
        def one(x):
            if first[0]:
                first[0] = False
                reject()
            out.append(x)

        one()

    with without_local_constants():
        for b in range(n):
            run(b)
    return out


def test_the_searchs_sizes_are_log_uniform_over_the_profile():
    P = _one_per_run(size(256, 2048, log=True), 120)
    assert 550 <= np.median(P) <= 950  # log-uniform: sqrt(256 * 2048) = 724
    assert np.mean(np.array(P) >= 1024) >= 0.25


def test_minimums_and_powers_of_two_are_honoured():
    space = problem_space(min_depth=2, min_width=3, min_p=2, min_q=2, min_outputs=2,
                          powers_of_two=("P", "N_L"))
    for d in _draw_all(problems_in(space), 40):
        p = d.problem
        assert p.depth >= 2 and min(p.sizes[1:-1]) >= 3 and p.sizes[0] >= 2
        assert p.P in (2, 4, 8, 16) and p.sizes[-1] in (2, 4, 8)
        assert space.admits(p)


def test_restricted_label_kinds_are_drawn():
    space = problem_space(costs="softmax_cross_entropy", labels="one_hot")
    for d in _draw_all(problems_in(space), 30):
        assert d.info.y_kind == "one_hot"
        assert np.all(d.problem.Y.sum(axis=1) == 1)


@settings(max_examples=5, deadline=None)
@given(st.data())
def test_a_large_array_is_one_seed_draw(data):
    from crosscheck.strategies import arrays

    shape = (40, 40)
    u = data.draw(st.builds(lambda: None).flatmap(
        lambda _: st.composite(lambda draw: arrays.unit(draw, shape, "x"))()))
    assert u.shape == shape and u.min() >= -1 and u.max() <= 1
