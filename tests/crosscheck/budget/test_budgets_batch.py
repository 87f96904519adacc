"""The budgets of a batch (crosscheck.budget.budgets): one pass of the analysis over a
leading batch axis, each member's budget equal to budget() of its problem alone: the same
u, kink counts (per member), window and dtype, and the same S bit for bit."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from crosscheck.budget import Budget, analysis, budget, budgets, chains
from crosscheck.problem import Problem, make_problem
from crosscheck.strategies import problems
from crosscheck.strategies.data import typical_numbers

KINKED = ("relu", "leaky_relu")


def _assert_same(batch: Sequence[Problem], work_cap: int | None = None) -> list[Budget]:
    """budgets(batch)[i] == budget(batch[i]) field by field, S bit for bit."""
    together = budgets(batch, work_cap=work_cap)
    assert len(together) == len(batch)
    for i, (p, b) in enumerate(zip(batch, together, strict=True)):
        alone = budget(p, work_cap=work_cap)
        assert type(b.kink_units) is int and type(b.near_kink) is bool, i
        assert type(alone.kink_units) is int and type(alone.near_kink) is bool, i
        assert (b.u, b.near_kink, b.kink_units, b.window, b.dtype) == (
            alone.u, alone.near_kink, alone.kink_units, alone.window, alone.dtype
        ), i
        assert len(b.scale) == len(alone.scale), i
        for l, (s, t) in enumerate(zip(b.scale, alone.scale, strict=True)):
            assert s.dtype == t.dtype and s.shape == t.shape, (i, l)
            assert np.array_equal(s, t), (i, l, np.max(np.abs(s - t) / np.abs(t)))
    return together


def _sibling(p: Problem, rng: np.random.Generator) -> Problem:
    """Another problem of p's family: typical numbers of the same shapes and dtype."""
    weights, X, Y = typical_numbers(p.sizes, p.cost, p.P, p.dtype, rng)
    return make_problem(weights, X, Y, p.activations, p.cost)


def _on_kink(p: Problem, units: int) -> Problem:
    """p with ``units`` units of layer 1 on their kink at example 0: weight 1 on input 0,
    0 on the others and a bias of -X[0, 0], so z = X[0, 0] - X[0, 0] = 0 exactly there."""
    w0 = p.weights[0].copy()
    for j in range(min(units, w0.shape[1])):
        w0[:, j] = 0
        w0[1, j] = 1
        w0[0, j] = -p.X[0, 0]
    return p._replace(weights=(w0, *p.weights[1:]))


def _batch(p: Problem, more: int, seed: int, kinks: bool = False) -> list[Problem]:
    rng = np.random.default_rng(seed)
    batch = [p, p.mirrored()] + [_sibling(p, rng) for _ in range(more)]
    if kinks and p.activations[0] in KINKED:  # a different number of kinked units each
        batch = [_on_kink(q, i % (p.sizes[1] + 1)) for i, q in enumerate(batch)]
    return batch


@given(problems(), st.integers(0, 4), st.integers(0, 2**32 - 1), st.booleans())
def test_a_batch_has_the_budgets_of_its_problems(p, more, seed, kinks) -> None:
    batch = _batch(p, more, seed, kinks)
    _assert_same(batch)
    _assert_same(batch[:1])  # a batch of one


def _net(
    sizes: tuple[int, ...], activations: Sequence[str], cost: str, P: int, dtype, seed: int
) -> Problem:
    weights, X, Y = typical_numbers(sizes, cost, P, dtype, np.random.default_rng(seed))
    return make_problem(weights, X, Y, activations, cost)


CASES = {
    "softmax": ((3, 4, 3), ("tanh", "softmax"), "softmax_cross_entropy", 5),
    "softmax_log_likelihood": ((2, 3), ("softmax",), "softmax_log_likelihood", 4),
    "sigmoid": ((3, 4, 2), ("gelu", "sigmoid"), "binary_cross_entropy", 6),
    "log_likelihood": ((2, 5, 1), ("silu", "sigmoid"), "log_likelihood", 3),
    "squared_error": ((2, 4, 3), ("elu", "softplus"), "squared_error", 4),
    "depth 1": ((3, 2), ("identity",), "squared_error", 3),
    "P 1": ((3, 4, 4, 2), ("tanh", "relu", "identity"), "squared_error", 1),
    "depth 4": ((3, 5, 4, 5, 2), ("tanh", "relu", "sigmoid", "tanh"), "squared_error", 6),
    "depth 5": (
        (4, 8, 8, 8, 8, 3), ("tanh", "leaky_relu", "gelu", "sigmoid", "softmax"),
        "softmax_cross_entropy", 16,
    ),
    "relu at a kink": ((2, 6, 4, 1), ("relu", "leaky_relu", "sigmoid"), "log_likelihood", 5),
    "leaky_relu at a kink": ((3, 5, 2), ("leaky_relu", "identity"), "squared_error", 4),
}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_batches_of_every_kind(case, dtype) -> None:
    sizes, activations, cost, P = case
    p = _net(sizes, activations, cost, P, dtype, seed=len(sizes) * 100 + P)
    batch = _batch(p, 4, seed=7, kinks=True)
    together = _assert_same(batch)
    _assert_same(batch, work_cap=0)  # no Jacobian window
    _assert_same(batch[:1])
    if activations[0] in KINKED:  # kink counts differ within the batch
        assert len({b.kink_units for b in together}) >= 3, [b.kink_units for b in together]
        assert together[0].kink_units == 0 and together[1].near_kink
    if len(sizes) - 1 >= 4:  # the Jacobian windows and the norm-wise bound both ran
        assert together[0].window >= 2


def test_a_batch_of_two_families_or_none_is_refused() -> None:
    p = _net((3, 4, 2), ("tanh", "identity"), "squared_error", 4, np.float64, seed=0)
    others = [
        _net((3, 4, 2), ("tanh", "identity"), "squared_error", 5, np.float64, seed=1),  # P
        _net((3, 5, 2), ("tanh", "identity"), "squared_error", 4, np.float64, seed=1),  # N_1
        _net((3, 4, 2), ("relu", "identity"), "squared_error", 4, np.float64, seed=1),
        _net((3, 4, 2), ("tanh", "sigmoid"), "squared_error", 4, np.float64, seed=1),
        p.astype(np.float32),
    ]
    for q in others:
        with pytest.raises(ValueError, match="problems"):
            budgets([p, q])
    with pytest.raises(ValueError, match="problems"):
        budgets([])


def _per_example(sizes: Sequence[int], B: int) -> int:
    """The window entries of one example (analysis.scale's chunk rule)."""
    L = len(sizes) - 1
    return sum(sizes[m] * sizes[l] for l in range(1, L + 1) for m in range(max(1, l - B), l - 1))


def _chunk_rows(monkeypatch, p, examples: int) -> list[int]:
    """Set CHUNK_BYTES to the windows of ``examples`` examples of ``p`` and record the rows
    of every chunk the analysis takes (the list returned, filled as budgets run)."""
    rows: list[int] = []
    chunk = analysis._chunk

    def spy(v, *args):
        rows.append(v.a[0].shape[-2])
        return chunk(v, *args)

    B = chains.window_size(p.sizes, p.P)
    monkeypatch.setattr(analysis, "_chunk", spy)
    monkeypatch.setattr(analysis, "CHUNK_BYTES", 8 * _per_example(p.sizes, B) * examples)
    return rows


def test_a_chunked_batch_has_the_budgets_of_its_problems(monkeypatch) -> None:
    """The examples are cut into chunks whose windows fit CHUNK_BYTES for the whole batch:
    three problems to a batch take chunks a third the size of one problem's."""
    p = _net((3, 4, 4, 4, 4, 2), ("tanh", "relu", "gelu", "tanh", "identity"), "squared_error",
             7, np.float64, seed=3)
    batch = _batch(p, 1, seed=5)
    unchunked = [budget(q) for q in batch]
    assert chains.window_size(p.sizes, p.P) >= 2
    rows = _chunk_rows(monkeypatch, p, 3)
    alone = budget(p)
    assert rows == [3, 3, 1]
    rows.clear()
    together = budgets(batch)
    assert rows == [1] * 7
    for b, s in zip(together, unchunked, strict=True):  # other chunks, other sum orders
        assert (b.kink_units, b.window) == (s.kink_units, s.window)
        for x, y in zip(b.scale, s.scale, strict=True):
            np.testing.assert_allclose(x, y, rtol=1e-13)
    for x, y in zip(alone.scale, unchunked[0].scale, strict=True):
        np.testing.assert_allclose(x, y, rtol=1e-13)
    monkeypatch.setattr(analysis, "CHUNK_BYTES", 1)  # one example a chunk, alone or not
    _assert_same(batch)
    _assert_same(_batch(_net((2, 3, 3, 3, 1), ("relu",) * 3 + ("sigmoid",),
                             "binary_cross_entropy", 4, np.float32, seed=9), 2, 4, kinks=True))


@given(problems(activations=KINKED), st.integers(0, 4), st.integers(0, 2**32 - 1))
def test_a_batch_counts_the_kinks_of_each_problem(p, more, seed) -> None:
    """relu and leaky_relu nets, a different number of layer-1 units on their kink in
    each member (when layer 1 is one of them)."""
    _assert_same(_batch(p, more, seed, kinks=True))


def test_a_batch_takes_the_window_its_problems_take_at_the_work_cap() -> None:
    """A work cap exactly at the work of a window of 2 (per problem, as budget counts it:
    the sizes of one problem, not the stacked arrays' axes) gives a window of 2, one less
    gives none, for every member."""
    p = _net((3, 4, 4, 4, 2), ("tanh", "gelu", "tanh", "identity"), "squared_error", 5,
             np.float64, seed=11)
    batch = _batch(p, 1, seed=2)
    cap = chains._work(p.sizes, p.P, 2)
    assert chains._work(p.sizes, p.P, 3) > cap
    assert {b.window for b in _assert_same(batch, work_cap=cap)} == {2}
    assert {b.window for b in _assert_same(batch, work_cap=cap - 1)} == {1}


def test_a_batch_chunks_its_examples_by_the_windows_of_all_its_members(monkeypatch) -> None:
    """CHUNK_BYTES for 6 examples' windows of one problem: 6 examples a chunk alone, 2 for
    a batch of 3 (the per-example size of one problem times the members)."""
    p = _net((3, 4, 4, 4, 4, 2), ("tanh", "relu", "gelu", "tanh", "identity"), "squared_error",
             7, np.float64, seed=3)
    batch = _batch(p, 1, seed=5)
    rows = _chunk_rows(monkeypatch, p, 6)
    budget(p)
    assert rows == [6, 1]
    rows.clear()
    budgets(batch)
    assert rows == [2, 2, 2, 1]


def test_scale_of_a_batch_counts_kinks_in_an_int_array() -> None:
    """analysis.scale on stacked values: kink_units an int array, one count per member
    (budgets turns each into an int); of one problem: an int."""
    from crosscheck.budget import _roundoffs
    from crosscheck.budget.values import values_of

    p = _net((2, 3, 1), ("relu", "sigmoid"), "log_likelihood", 4, np.float64, seed=1)
    batch = _batch(p, 2, seed=3, kinks=True)
    u, eta = _roundoffs(p.dtype)
    stacked = [np.stack([q.weights[l] for q in batch]) for l in range(p.depth)]
    v = values_of(stacked, np.stack([q.X for q in batch]), np.stack([q.Y for q in batch]),
                  p.activations, p.cost, p.dtype)
    kinks = analysis.scale(v, p.activations, p.cost, u, eta, None, dtype="float64").kink_units
    assert kinks.dtype.kind == "i" and kinks.shape == (len(batch),)
    assert kinks.tolist() == [budget(q).kink_units for q in batch] == [0, 1, 2, 3]
