"""compare_batch: the comparisons of a whole batch in one pass, equal to compare's."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import handprop
from crosscheck.budget import budget
from crosscheck.compare import compare, compare_batch
from crosscheck.problem import make_problem
from crosscheck.strategies import problem_batches


def _perturbed(grads, rng, how: str):
    """Candidates near ``grads``: a few ulps to a few parts in 1e6 off, some entries exact,
    some references set to 0 (no power there), one block 0 everywhere."""
    out = []
    for g in grads:
        c = g.astype(np.float64)
        if how == "relative":
            c = c * (1.0 + rng.choice([0.0, 1e-15, -3e-13, 2e-6], size=c.shape))
        elif how == "absolute":
            c = c + rng.choice([0.0, 1e-300, 1e-12], size=c.shape)
        out.append(c.astype(g.dtype))
    return out


@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    batch=problem_batches(4),
    how=st.sampled_from(["relative", "absolute", "same"]),
    zeros=st.booleans(),
    with_extra=st.booleans(),
    u=st.sampled_from([None, 2.0**-24]),
)
def test_compare_batch_equals_compare_member_by_member(batch, how, zeros, with_extra, u) -> None:
    rng = np.random.default_rng(0)
    problems = batch.problems
    refs = [handprop.gradients(*p.args()) for p in problems]
    if zeros:  # a reference 0 on some entries and on one whole bias row
        for r in refs:
            r[0][0] = 0.0
            r[-1][rng.random(r[-1].shape) < 0.3] = 0.0
    cands = [_perturbed(r, rng, how) for r in refs]
    budgets = [budget(p) for p in problems]
    extras = None
    if with_extra:
        extras = [None] + [[rng.random(w.shape) * 1e-9 for w in p.weights] for p in problems[1:]]
    got = compare_batch(cands, refs, budgets, u=u, extras=extras)
    for i, p in enumerate(problems):
        extra = None if extras is None else extras[i]
        one = compare(cands[i], refs[i], budgets[i], u=u, extra=extra)
        assert got[i] == one, f"member {i} of {p.describe()}"
        # the records hold Python numbers, as compare's do
        assert all(type(x) is float for r in got[i].records for x in (r.max_abs, r.power))


def test_compare_batch_needs_one_of_each_per_member() -> None:
    with pytest.raises(ValueError, match="one per member"):
        compare_batch([[]], [], [])
    assert compare_batch([], [], []) == []


def test_compare_batch_says_how_many_of_each_it_got() -> None:
    with pytest.raises(ValueError, match=r"expected one per member, got 1, 0, 0, -$"):
        compare_batch([[]], [], [])
    with pytest.raises(ValueError, match=r"expected one per member, got 1, 1, 1, 2$"):
        compare_batch([[]], [[]], [None], extras=[None, None])


def _two_problems():
    rng = np.random.default_rng(3)
    return [
        make_problem(
            [rng.standard_normal((3, 2)), rng.standard_normal((3, 1))],
            rng.standard_normal((4, 2)),
            rng.random((4, 1)),
            ("tanh", "sigmoid"),
            "squared_error",
        )
        for _ in range(2)
    ]


def test_compare_batch_equals_compare_with_a_zero_tolerance() -> None:
    """u = 0 (an exact comparison): an equal entry is within its tolerance of 0 (ratio 0,
    not 0/0), a difference of exactly 1 is not."""
    problems = _two_problems()
    refs = [handprop.gradients(*p.args()) for p in problems]
    cands = [[g.copy() for g in r] for r in refs]
    cands[0][1][2, 0] += 1.0
    cands[1][0][0, 1] = refs[1][0][0, 1] + 1.0
    budgets = [budget(p) for p in problems]
    got = compare_batch(cands, refs, budgets, u=0.0)
    for i in range(2):
        assert got[i] == compare(cands[i], refs[i], budgets[i], u=0.0)
    assert got[0].records[0].max_ratio == 0.0 and got[0].records[3].max_ratio == np.inf


def test_compare_batch_equals_compare_where_the_power_overflows() -> None:
    """A reference of 5e-324 next to a tolerance of ~1e-8: tolerance / |reference|
    overflows to inf, without a warning (the tests make warnings errors), as in compare."""
    problems = _two_problems()
    refs = [handprop.gradients(*p.args()) for p in problems]
    for r in refs:
        r[0][1, 1] = 5e-324
    cands = [[g.copy() for g in r] for r in refs]
    budgets = [budget(p) for p in problems]
    got = compare_batch(cands, refs, budgets, u=2.0**-24)
    for i in range(2):
        assert got[i] == compare(cands[i], refs[i], budgets[i], u=2.0**-24)


def test_compare_batch_points_at_the_largest_difference_where_every_ratio_is_0() -> None:
    """Member 0's only difference (5e-324) divided by its tolerance (an extra of 1e10)
    underflows to a ratio of 0: its record points at the largest |difference| (compare's
    rule), whatever member 1 (a ratio above 0) does."""
    problems = _two_problems()
    refs = [handprop.gradients(*p.args()) for p in problems]
    refs[0][1][2, 0] = 0.0
    cands = [[g.copy() for g in r] for r in refs]
    cands[0][1][2, 0] = 5e-324
    cands[1][1][1, 0] += 1e-3
    extras = [[np.full(w.shape, 1e10) for w in problems[0].weights], None]
    budgets = [budget(p) for p in problems]
    got = compare_batch(cands, refs, budgets, extras=extras)
    for i in range(2):
        assert got[i] == compare(cands[i], refs[i], budgets[i], extra=extras[i])
    assert got[0].records[3].index == (2, 0) and got[0].records[3].max_ratio == 0.0


def test_compare_batch_equals_compare_where_a_tolerance_is_nan() -> None:
    """A NaN extra on one entry: the power's median is NaN there (compare's _median), not
    the median of the other entries; records compared by repr (NaN != NaN)."""
    problems = _two_problems()
    refs = [handprop.gradients(*p.args()) for p in problems]
    cands = [[g * (1.0 + 1e-12) for g in r] for r in refs]
    extras = [[np.zeros(w.shape) for w in problems[0].weights], None]
    extras[0][0][1, 0] = np.nan
    budgets = [budget(p) for p in problems]
    got = compare_batch(cands, refs, budgets, extras=extras)
    for i in range(2):
        assert repr(got[i]) == repr(compare(cands[i], refs[i], budgets[i], extra=extras[i]))
    assert np.isnan(got[0].records[1].power_median)
    assert not np.isnan(got[1].records[1].power_median)


def test_compare_batch_median_of_an_odd_count_is_the_middle_power_even_near_overflow() -> None:
    """A block of one entry (layer 1's bias) whose power is ~1.2e308: the median is that
    power, not (p + p) / 2 = inf, and no overflow warning (the tests make warnings errors)
    from the even case's mean, which compare_batch computes for every member."""
    problems = _two_problems()
    refs = [handprop.gradients(*p.args()) for p in problems]
    budgets = [budget(p) for p in problems]
    for r, b in zip(refs, budgets, strict=True):
        r[1][0, 0] = b.tolerance(1.0)[1][0, 0] / 1.2e308
    cands = [[g.copy() for g in r] for r in refs]
    got = compare_batch(cands, refs, budgets, u=1.0)
    for i in range(2):
        one = compare(cands[i], refs[i], budgets[i], u=1.0)
        assert got[i] == one
        assert 1e308 < one.records[2].power_median < np.inf
