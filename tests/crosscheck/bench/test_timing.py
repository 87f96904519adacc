"""The bench's timing, on tiny shapes with few repeats: medians and quartiles of enough
calls, every pair spread over the rounds, thread settings restored. They check what is
measured, never how fast anything is."""

from __future__ import annotations

from required import require_oracles, require_package

from crosscheck.bench import cases, timing

require_oracles("torch", "jax")
require_package("threadpoolctl")

TINY = cases.CASES[0]
SMALL = cases.CASES[1]


def test_time_case_reports_medians_and_quartiles() -> None:
    timings = timing.time_case(
        TINY, "float64", seconds=0.02, min_repeats=3, warmup_calls=2, warmup_seconds=0.0
    )
    assert set(timings) == set(cases.IMPLEMENTATIONS)
    for name, t in timings.items():
        assert t.repeats >= 3, name
        assert 0 < t.q1 <= t.median <= t.q3, (name, t)


def test_time_cases_spreads_every_pair_over_the_rounds() -> None:
    pairs = [(TINY, "float32"), (SMALL, "float64")]
    timings = timing.time_cases(pairs, implementations=("handprop", "numpy matmul"),
                                seconds=0.02, rounds=4, min_repeats=1, warmup_calls=2,
                                warmup_seconds=0.0)
    assert set(timings) == {("tiny", "float32"), ("small", "float64")}
    for per in timings.values():
        assert set(per) == {"handprop", "numpy matmul"}
        assert all(t.repeats >= 4 and t.repeats % 4 == 0 for t in per.values())


def test_thread_settings_are_restored() -> None:
    import torch
    from threadpoolctl import threadpool_info

    before_torch = torch.get_num_threads()
    before_blas = [i["num_threads"] for i in threadpool_info()]
    with timing.thread_settings(1) as got:
        assert got["torch"] == 1 and torch.get_num_threads() == 1
        assert all(i["num_threads"] == 1 for i in threadpool_info() if i["user_api"] == "blas")
    assert torch.get_num_threads() == before_torch
    assert [i["num_threads"] for i in threadpool_info()] == before_blas


def test_every_round_is_kept_for_the_spread_of_a_ratio() -> None:
    timings = timing.time_case(TINY, "float64", implementations=("handprop", "validation"),
                               seconds=0.02, rounds=3, min_repeats=1, warmup_calls=2,
                               warmup_seconds=0.0)
    h, v = timings["handprop"], timings["validation"]
    assert len(h.rounds) == len(v.rounds) == 3
    spread = timing.ratio_spread(h, v)
    assert spread is not None and spread["rounds"] == 3
    assert spread["min"] <= spread["q1"] <= spread["median"] <= spread["q3"] <= spread["max"]
    assert timing.ratio_spread(h._replace(rounds=()), v) is None
