"""Batches of problems (crosscheck.strategies.problem_batches): one family, one set of
kinds, new numbers per member, and member 0 is the problem the single strategy draws."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, seed, settings

from crosscheck.errors import UsageError
from crosscheck.options import problem_space
from crosscheck.problem import family
from crosscheck.strategies import batches_in, problem_batches, problems_in

SAME_RANDOM = settings(
    derandomize=False,
    max_examples=40,
    database=None,
    phases=[Phase.generate],
    suppress_health_check=list(HealthCheck),
)


def _same(p, q) -> bool:
    return (
        all(np.array_equal(a, b) for a, b in zip(p.weights, q.weights, strict=True))
        and np.array_equal(p.X, q.X)
        and np.array_equal(p.Y, q.Y)
        and p.activations == q.activations
        and p.cost == q.cost
    )


def test_member_zero_is_the_single_strategys_problem() -> None:
    """From the same Hypothesis randomness, the batch's first member and its record are
    exactly what problems_in draws: the batch adds siblings, it changes no draw."""
    space = problem_space()
    singles, batches = [], []

    @seed(7)
    @SAME_RANDOM
    @given(problems_in(space))
    def single(d) -> None:
        singles.append(d)

    @seed(7)
    @SAME_RANDOM
    @given(batches_in(space, 3))
    def batched(b) -> None:
        batches.append(b)

    single()
    batched()
    assert len(singles) == len(batches) == 40
    for d, b in zip(singles, batches, strict=True):
        assert _same(d.problem, b.problems[0]), d.problem.describe()
        assert d.info == b.info


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(batch=problem_batches(5))
def test_a_batch_is_one_family_with_new_numbers(batch) -> None:
    members = batch.problems
    assert len(members) == 5
    assert {family(p) for p in members} == {family(members[0])}
    # biases are never 0 and come from each member's own generator: no two members alike
    for i in range(5):
        for j in range(i + 1, 5):
            assert not np.array_equal(members[i].weights[0][0], members[j].weights[0][0])
    # the kinds are shared: a one-hot member's siblings are one-hot too
    if batch.info.y_kind == "one_hot":
        for p in members:
            assert np.array_equal(p.Y.sum(axis=1), np.ones(p.P))
    if batch.info.x_kind == "zeros":
        for p in members:
            assert (~p.X.any(axis=1)).any()


@settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck))
@given(batch=problem_batches(1, dtypes=["float32"], max_depth=2))
def test_options_reach_every_member_and_a_batch_of_one(batch) -> None:
    assert len(batch.problems) == 1
    assert batch.problems[0].dtype == np.float32 and batch.problems[0].depth <= 2


@pytest.mark.parametrize("size", [0, -1, 2.5, True])
def test_a_batch_size_must_be_a_positive_integer(size) -> None:
    with pytest.raises(UsageError, match="size"):
        problem_batches(size)
