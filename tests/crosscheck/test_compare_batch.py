"""compare_batch: the comparisons of a whole batch in one pass, equal to compare's."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import handprop
from crosscheck.budget import budget
from crosscheck.compare import compare, compare_batch
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
