"""Sizes and large arrays (crosscheck.strategies.sizes, .arrays): the profiles really draw
large problems (log-uniform sizes, minimums honoured, powers of two when asked), a
problem's values come from one seeded generator (small arrays with special values mixed
in), and the gate's problems are pinned by a fingerprint."""

from __future__ import annotations

import hashlib

import numpy as np
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from crosscheck.options import problem_space
from crosscheck.strategies import problems_in, problems_with_info, without_local_constants
from crosscheck.strategies.arrays import SMALL_MAX
from crosscheck.strategies.sizes import LOG_STEPS, _keyed_size, _log_point, size

GATE_FINGERPRINT = "d966f68c8a53ece700bd7d4c19bfe096c9f11685"
"""SHA-1 of the first 300 default problems drawn with seed 123, computed when the values
moved to one NumPy seed per problem (issue 14; before that, 027c8881f1e0 since ab15b40):
the gate's problems must not change unless a commit means them to."""


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
        big = [w for w in p.weights if w.size > SMALL_MAX]
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


def _choices(strategy, seed_value):
    """How many choices Hypothesis makes to draw one example (and the example)."""
    import random

    from hypothesis.internal.conjecture.data import ConjectureData

    data = ConjectureData(random=random.Random(seed_value))
    with without_local_constants():
        value = data.draw(strategy)
    return len(data.choices), value


def test_a_problems_values_are_one_seed_draw():
    """Hypothesis draws the choices and one seed, not every entry: the number of choices
    grows with the depth only (architecture, per-layer regimes), never with the sizes."""
    space = problem_space(min_depth=5, min_width=8, min_p=16, min_q=8)
    for s in range(20):
        n, d = _choices(problems_in(space), s)
        p = d.problem
        entries = sum(w.size for w in p.weights) + p.X.size + p.Y.size
        assert entries >= 300 and n <= 3 * p.depth + 10, (n, entries, p.describe())


def test_small_arrays_carry_special_values_and_large_ones_do_not():
    from crosscheck.strategies import arrays

    small = [arrays.unit_values(np.random.default_rng(s), (4, 4)) for s in range(400)]
    special = [np.isin(a, arrays.SPECIALS).any() for a in small]
    # each small array carries specials with probability SPECIAL_ARRAYS (0.25) times the
    # chance that at least one of its 16 entries is picked (~0.99)
    assert 0.15 <= np.mean(special) <= 0.35, np.mean(special)
    assert all(a.min() >= -1 and a.max() <= 1 for a in small)
    exact = [a for a, s in zip(small, special, strict=True) if s]
    assert {0.0, 1.0, -1.0, 0.5, -0.5} <= set(np.concatenate([a.ravel() for a in exact]))
    for s in range(20):
        big = arrays.unit_values(np.random.default_rng(s), (40, 40))
        assert big.min() >= -1 and big.max() <= 1 and len(np.unique(big)) == big.size
    soft = arrays.nonnegative_values(np.random.default_rng(0), (1000,))
    assert soft.min() >= 0 and soft.max() <= 1
    idx = arrays.index_values(np.random.default_rng(0), (1000,), 3)
    assert set(idx.tolist()) == {0, 1, 2, 3}
