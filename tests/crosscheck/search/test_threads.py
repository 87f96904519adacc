"""verify runs torch on one thread while it searches gate-sized problems (its thread pool
cannot split arrays that small) and gives the caller's setting back; larger problems keep
the caller's setting."""

from __future__ import annotations

import pytest

import handprop
from crosscheck.search import verify

torch = pytest.importorskip("torch")


def _seen(**sizes):
    seen: list[int] = []

    def fn(weights, X, Y, activations, cost):
        seen.append(torch.get_num_threads())
        return handprop.gradients(weights, X, Y, activations, cost)

    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        verify(fn, dtypes=["float64"], costs="squared_error", activations="tanh,identity",
               max_examples=2, seed=1, **sizes)
        after = torch.get_num_threads()
    finally:
        torch.set_num_threads(before)
    return set(seen), after


def test_gate_sized_searches_run_torch_on_one_thread_and_restore_it() -> None:
    seen, after = _seen()
    assert seen == {1} and after == 2


def test_larger_problems_keep_the_callers_threads() -> None:
    seen, after = _seen(max_p=2048, min_p=2048, max_depth=1)
    assert seen == {2} and after == 2
