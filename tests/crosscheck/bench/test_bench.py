"""Smoke tests of ``crosscheck bench`` and the gate-throughput measurement, on tiny shapes
with few repeats. They check what is measured and reported, never how fast anything is.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from crosscheck import bench, cli, throughput
from crosscheck.budget import budget
from crosscheck.compare import compare
from crosscheck.problem import make_problem
from crosscheck.testing import describe_failure

pytest.importorskip("torch")
pytest.importorskip("jax")
pytest.importorskip("threadpoolctl")

TINY = bench.CASES[0]
SMALL = bench.CASES[1]


def _gradients_of(name: str, case: bench.BenchCase, dtype: str) -> list[np.ndarray]:
    """What the bench's timed call for ``name`` returns, as NumPy arrays."""
    weights, X, Y = bench.make_arrays(case, dtype)
    out = bench._MAKERS[name](case, weights, X, Y)()
    return [np.asarray(g.detach().numpy() if hasattr(g, "detach") else g) for g in out]


@pytest.mark.parametrize("dtype", bench.DTYPES)
@pytest.mark.parametrize("case", [TINY, SMALL, bench.CASES[-1]._replace(sizes=(5, 7, 6, 3), P=9)],
                         ids=lambda c: c.name)
def test_the_timed_calls_compute_the_gradient(case: bench.BenchCase, dtype: str) -> None:
    """handprop, torch and jax as timed compute the same gradient (within the budget):
    the bench times the computation it claims to, in the dtype it claims."""
    weights, X, Y = bench.make_arrays(case, dtype)
    problem = make_problem(weights, X, Y, case.activations, case.cost)
    ours = _gradients_of("handprop", case, dtype)
    assert [g.dtype for g in ours] == [np.dtype(dtype)] * len(weights)
    for name in ("torch", "jax"):
        theirs = _gradients_of(name, case, dtype)
        assert [g.dtype for g in theirs] == [np.dtype(dtype)] * len(weights), name
        comparison = compare(theirs, ours, budget(problem))
        assert comparison.passed, describe_failure(
            comparison, problem, candidate_name=name, reference_name="handprop"
        )


def test_flops_count_the_products_of_each_layer() -> None:
    """2 P N_l N_{l+1} per product; 3 products per layer except the first (no backward
    product to the inputs); linear in P."""
    for case in bench.CASES:
        per_layer = [2 * case.P * a * b for a, b in zip(case.sizes, case.sizes[1:], strict=False)]
        assert bench.flops(case) == 2 * per_layer[0] + 3 * sum(per_layer[1:])
        assert bench.flops(case._replace(P=2 * case.P)) == 2 * bench.flops(case)
    large = next(c for c in bench.CASES if c.name == "large")
    assert 55e9 < bench.flops(large) < 66e9  # the issue's ~66 GFLOP counts 3 products everywhere


def test_time_case_reports_medians_and_quartiles() -> None:
    timings = bench.time_case(
        TINY, "float64", seconds=0.02, min_repeats=3, warmup_calls=2, warmup_seconds=0.0
    )
    assert set(timings) == set(bench.IMPLEMENTATIONS)
    for name, t in timings.items():
        assert t.repeats >= 3, name
        assert 0 < t.q1 <= t.median <= t.q3, (name, t)


def test_time_cases_spreads_every_pair_over_the_rounds() -> None:
    pairs = [(TINY, "float32"), (SMALL, "float64")]
    timings = bench.time_cases(pairs, implementations=("handprop", "numpy matmul"),
                               seconds=0.02, rounds=4, min_repeats=1, warmup_calls=2,
                               warmup_seconds=0.0)
    assert set(timings) == {("tiny", "float32"), ("small", "float64")}
    for per in timings.values():
        assert set(per) == {"handprop", "numpy matmul"}
        assert all(t.repeats >= 4 and t.repeats % 4 == 0 for t in per.values())


def test_run_writes_consistent_reports(tmp_path) -> None:
    report = bench.run([TINY], ["float32"], threads=1, seconds=0.02, min_repeats=3, memory=False,
                       gate_examples=0, peak_n=64)
    (row,) = report["cases"]
    t = {k: v["median"] for k, v in row["timings"].items()}
    assert row["ratios"]["handprop/torch"] == pytest.approx(t["handprop"] / t["torch"])
    assert row["ratios"]["handprop/jax"] == pytest.approx(t["handprop"] / t["jax"])
    assert row["efficiency"] == pytest.approx(t["numpy matmul"] / t["handprop"])
    assert row["gflops"]["handprop"] == pytest.approx(bench.flops(TINY) / t["handprop"] / 1e9)
    assert report["threads"]["numpy BLAS"] == 1 and report["threads"]["torch"] == 1
    assert report["environment"]["numpy_blas"], "threadpoolctl found no BLAS"
    bench.write_reports(report, tmp_path, plot=True)
    assert json.loads((tmp_path / "benchmarks.json").read_text())["cases"][0]["case"] == "tiny"
    md = (tmp_path / "benchmarks.md").read_text()
    assert "| tiny 2-2-1 P=4 | float32 |" in md
    assert (tmp_path / "benchmarks.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_thread_settings_are_restored() -> None:
    import torch
    from threadpoolctl import threadpool_info

    before_torch = torch.get_num_threads()
    before_blas = [i["num_threads"] for i in threadpool_info()]
    with bench.thread_settings(1) as got:
        assert got["torch"] == 1 and torch.get_num_threads() == 1
        assert all(i["num_threads"] == 1 for i in threadpool_info() if i["user_api"] == "blas")
    assert torch.get_num_threads() == before_torch
    assert [i["num_threads"] for i in threadpool_info()] == before_blas


def test_memory_is_measured() -> None:
    assert bench._tracemalloc_peak(SMALL, "float64") > 0  # handprop allocates its arrays
    probe = bench.memory_probe(SMALL, "float64", "handprop", threads=1, timeout=120)
    assert "error" not in probe, probe
    assert probe["peak_bytes"] >= 0


def test_gate_throughput_counts_examples_and_stages() -> None:
    r = throughput.measure(4, warmup=1, oracles=("torch", "jax"), max_depth=2, max_width=3)
    assert r.examples >= 1 and r.failures == 0
    assert r.per_second == pytest.approx(r.examples / r.seconds)
    assert set(r.stages) == set(throughput.STAGES)
    assert sum(r.stages.values()) == pytest.approx(r.seconds)
    assert r.jax_compiles is not None and r.jax_compiles >= 0


def test_cli_quick(tmp_path, capsys) -> None:
    status = cli.main(["bench", "--quick", "--cases", "tiny", "--dtypes", "float64",
                       "--threads", "1", "--gate-examples", "0", "--no-plot",
                       "--out", str(tmp_path)])
    assert status == 0
    assert "| tiny 2-2-1 P=4 | float64 |" in capsys.readouterr().out
    assert (tmp_path / "benchmarks.json").exists() and (tmp_path / "benchmarks.md").exists()


def test_cli_rejects_an_unknown_case(capsys) -> None:
    assert cli.main(["bench", "--cases", "huge"]) == 2
    assert "unknown case" in capsys.readouterr().err
