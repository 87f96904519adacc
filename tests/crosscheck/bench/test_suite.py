"""The bench's run on the tiny shape: the report's ratios, efficiency and GFLOP/s agree
with its timings, and the files written from it hold them."""

from __future__ import annotations

import json

import pytest
from required import require_oracles, require_package

from crosscheck import bench
from crosscheck.bench import cases, markdown

require_oracles("torch", "jax")
require_package("threadpoolctl")

TINY = bench.CASES[0]


def test_run_writes_consistent_reports(tmp_path) -> None:
    report = bench.run([TINY], ["float32"], threads=1, seconds=0.02, min_repeats=3, memory=False,
                       gate_examples=0, peak_n=64, verify_examples=2, verify_rounds=1,
                       startup_runs=1)
    (row,) = report["cases"]
    t = {k: v["median"] for k, v in row["timings"].items()}
    assert row["ratios"]["handprop/torch"] == pytest.approx(t["handprop"] / t["torch"])
    assert row["ratios"]["handprop/jax"] == pytest.approx(t["handprop"] / t["jax"])
    assert row["efficiency"] == pytest.approx(t["numpy matmul"] / t["handprop"])
    assert row["gflops"]["handprop"] == pytest.approx(cases.flops(TINY) / t["handprop"] / 1e9)
    assert report["threads"]["numpy BLAS"] == 1 and report["threads"]["torch"] == 1
    assert report["environment"]["numpy_blas"], "threadpoolctl found no BLAS"
    bench.write_reports(report, tmp_path, plot=True)
    assert json.loads((tmp_path / "benchmarks.json").read_text())["cases"][0]["case"] == "tiny"
    md = (tmp_path / "benchmarks.md").read_text()
    assert "| tiny 2-2-1 P=4 | float32 |" in md
    assert (tmp_path / "benchmarks.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    spread = row["ratio_spread"]["handprop/jax"]
    assert spread["min"] <= spread["median"] <= spread["max"]
    verdicts = {name: (measured, met) for name, measured, met in markdown.target_verdicts(report)}
    tiny_jax = "handprop/jax <= 2.0 at tiny (full validation; jax with x64 enabled once)"
    assert verdicts[tiny_jax][1] == (row["ratios"]["handprop/jax"] <= 2.0)
    assert "rounds" in verdicts[tiny_jax][0]
    assert any(name.startswith("verify <= 1.0x") for name in verdicts)
    assert any(name.startswith("`crosscheck verify --help`") for name in verdicts)
    assert "## verify against torch.autograd.gradcheck" in md and "## Process start" in md
