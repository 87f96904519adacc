"""crosscheck trajectory: handprop, torch and jax training the same nets from the same start.

* the first N steps agree: at each of handprop's weights w_t (t < N) the torch and jax
  gradients are within the error budget of handprop's, and the frameworks' own weight
  trajectories stay within :func:`crosscheck.trajectory.divergence_bound` (the per-step
  budgets and update roundings, propagated through the Hessian);
* that check can fail: a learning rate off by a relative 1e-6 (float64) or 1e-3 (float32)
  breaks the bound, and in float64 also crosses the report's threshold;
* from the documented seed torch and jax solve XOR too, at the same step as handprop;
* the report is deterministic (same options, same json/md bytes), well formed, and
  written by the CLI; the exit status reflects findings.
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import handprop
from crosscheck import cli, oracles
from crosscheck import trajectory as T
from crosscheck.budget import budget
from crosscheck.compare import compare
from crosscheck.problem import make_problem
from crosscheck.testing import describe_failure

pytest.importorskip("torch")
pytest.importorskip("jax")

N_STEPS = 20
"""Length of the first-steps checks."""

FRAMEWORKS = ["torch", "jax"]
DTYPES = ["float32", "float64"]
NET_IDS = [n.name for n in T.NETS]


def _history_problems(problem, history):
    shapes = [w.shape for w in problem.weights]
    for t, row in enumerate(history):
        w = T.unflatten(row, shapes)
        yield t, make_problem(w, problem.X, problem.Y, problem.activations, problem.cost)


@pytest.mark.parametrize("framework", FRAMEWORKS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("net", T.NETS, ids=NET_IDS)
def test_first_steps_gradients_within_budget(net, dtype, framework):
    p = T.net_problem(net, np.dtype(dtype))
    hp = T.run_handprop(p, learning_rate=net.learning_rate, steps=N_STEPS)
    oracle = oracles.get(framework)
    for t, pt in _history_problems(p, hp.weights[:N_STEPS]):
        ours = handprop.gradients(*pt.args())
        theirs = oracle.gradients(pt)
        c = compare(theirs, ours, budget(pt))
        assert c.passed, describe_failure(
            c, pt, candidate_name=framework, reference_name="handprop",
            dtype_note=f", {net.name} after {t} training steps",
        )  # fmt: skip


# Momentum on the 2-2-1 net only (it exercises the same code on the deeper one).
_BOUND_CASES = [(T.NETS[0], 0.9), *((net, 0.0) for net in T.NETS)]


@pytest.mark.parametrize("framework", FRAMEWORKS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    ("net", "momentum"), _BOUND_CASES, ids=[f"{n.name}-mu{m:g}" for n, m in _BOUND_CASES]
)
def test_first_steps_weights_within_accumulated_bound(net, momentum, dtype, framework):
    p = T.net_problem(net, np.dtype(dtype))
    kw = {"learning_rate": net.learning_rate, "steps": N_STEPS, "momentum": momentum}
    hp = T.run_handprop(p, **kw)
    fw = T.RUNNERS[framework](p, **kw)
    assert fw.weights.dtype == hp.weights.dtype == np.dtype(dtype)
    assert fw.weights.shape == hp.weights.shape == (N_STEPS + 1, sum(w.size for w in p.weights))
    np.testing.assert_array_equal(fw.weights[0], hp.weights[0])
    bound = T.divergence_bound(p, hp.weights, learning_rate=net.learning_rate,
                               momentum=momentum)  # fmt: skip
    diff = np.abs(fw.weights.astype(np.float64) - hp.weights.astype(np.float64))
    excess = diff - bound
    assert np.all(excess <= 0), (
        f"{framework} {dtype} {net.name} (momentum {momentum}): weights leave the "
        f"accumulated error bound at step {int(np.argmax(excess.max(axis=1) > 0))}; "
        f"max |diff| / bound = {np.max(diff / np.where(bound > 0, bound, np.inf)):.3g}"
    )
    # Not vacuous: after N steps the bound is a small multiple of the per-step budgets.
    rel = bound[-1].max() / np.abs(hp.weights[-1].astype(np.float64)).max()
    assert rel < 1e4 * N_STEPS * np.finfo(dtype).eps
    # The costs agree as well as the weights do (C is a smooth function of them).
    np.testing.assert_allclose(fw.costs, hp.costs, rtol=1e3 * np.finfo(dtype).eps)


@pytest.mark.parametrize(
    ("dtype", "relative_error"), [("float64", 1e-6), ("float32", 1e-3)]
)
@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_bound_catches_a_learning_rate_off_by_a_little(framework, dtype, relative_error):
    """Meta-test: the check above must fail for a framework whose lr is slightly off."""
    net = T.NETS[0]
    p = T.net_problem(net, np.dtype(dtype))
    lr = net.learning_rate
    hp = T.run_handprop(p, learning_rate=lr, steps=N_STEPS)
    bad = T.RUNNERS[framework](p, learning_rate=lr * (1 + relative_error), steps=N_STEPS)
    bound = T.divergence_bound(p, hp.weights, learning_rate=lr)
    diff = np.abs(bad.weights.astype(np.float64) - hp.weights.astype(np.float64))
    assert np.any(diff > bound), f"lr off by {relative_error:g} was not caught"
    if dtype == "float64":
        d = T.divergence(bad.weights, hp.weights)
        assert T.first_exceeding(d.rel, T.THRESHOLDS[dtype]) == 1


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_frameworks_solve_xor_at_the_same_step_as_handprop(framework):
    steps = 400
    for net in T.NETS:
        for dtype in DTYPES:
            p = T.net_problem(net, np.dtype(dtype))
            hp = T.run_handprop(p, learning_rate=net.learning_rate, steps=steps)
            fw = T.RUNNERS[framework](p, learning_rate=net.learning_rate, steps=steps)
            ok_hp, ok_fw = T.solved_steps(p, hp.weights), T.solved_steps(p, fw.weights)
            assert not ok_fw[0] and ok_fw[-1], f"{framework} {dtype} {net.name}: not solved"
            assert np.argmax(ok_fw) == np.argmax(ok_hp), (framework, dtype, net.name)


@pytest.mark.slow
@pytest.mark.parametrize("framework", ["handprop", *FRAMEWORKS])
def test_documented_runs_solve_xor_and_stay_close(framework):
    for net in T.NETS:
        for dtype in DTYPES:
            p = T.net_problem(net, np.dtype(dtype))
            fw = T.RUNNERS[framework](p, learning_rate=net.learning_rate,
                                      steps=T.DEFAULT_STEPS)  # fmt: skip
            assert T.solved_steps(p, fw.weights[-1:])[0], (framework, dtype, net.name)
            if framework != "handprop":
                hp = T.run_handprop(p, learning_rate=net.learning_rate, steps=T.DEFAULT_STEPS)
                d = T.divergence(fw.weights, hp.weights)
                assert T.first_exceeding(d.rel, T.THRESHOLDS[dtype]) is None


def test_scoped_global_state_is_restored():
    import jax
    import torch

    p = T.net_problem(T.NETS[0], np.float64)
    x64, threads = bool(jax.config.jax_enable_x64), torch.get_num_threads()
    T.run_jax(p, learning_rate=0.5, steps=3)
    T.run_torch(p, learning_rate=0.5, steps=3)
    assert bool(jax.config.jax_enable_x64) == x64
    assert torch.get_num_threads() == threads


def test_divergence_and_first_exceeding():
    ref = np.array([[1.0, -2.0], [1.0, -4.0], [0.0, 0.0]])
    cand = np.array([[1.0, -2.0], [1.5, -4.0], [0.0, 0.0]])
    d = T.divergence(cand, ref)
    np.testing.assert_array_equal(d.abs, [0.0, 0.5, 0.0])
    np.testing.assert_array_equal(d.rel, [0.0, 0.125, 0.0])
    assert T.first_exceeding(d.rel, 0.1) == 1
    assert T.first_exceeding(d.rel, 0.2) is None
    assert T.first_exceeding(np.array([0.0, np.nan]), 1.0) == 1
    with pytest.raises(ValueError, match=r"^candidate:"):
        T.divergence(cand[:2], ref)


def test_flatten_roundtrip():
    p = T.net_problem(T.NETS[1], np.float32)
    flat = T.flatten(p.weights)
    back = T.unflatten(flat, [w.shape for w in p.weights])
    for a, b in zip(back, p.weights, strict=True):
        np.testing.assert_array_equal(a, b)
    stacked = T.unflatten(np.stack([flat, 2 * flat]), [w.shape for w in p.weights])
    np.testing.assert_array_equal(stacked[1][1], 2 * p.weights[1])


@settings(max_examples=50, deadline=None)
@given(steps=st.integers(1, 10**6))
def test_sample_steps(steps):
    s = T.sample_steps(steps)
    assert s == sorted(set(s))
    assert s[0] == 0 and s[-1] == steps
    assert set(range(min(steps, T.DENSE_STEPS) + 1)) <= set(s)
    assert len(s) <= T.DENSE_STEPS + T.LOG_POINTS + 2


def _read(path):
    return path.read_bytes()


def _keys(obj):
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield k
            yield from _keys(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _keys(v)


def test_report_is_deterministic_and_well_formed(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    # N_STEPS, so that the jitted jax loops compiled by the tests above are reused.
    assert cli.main(["trajectory", "--steps", str(N_STEPS), "--out", str(a)]) == 0
    T.write_reports(b, steps=N_STEPS, plot=False)
    for name in ("trajectory.json", "trajectory.md"):
        assert _read(a / name) == _read(b / name), f"{name} differs between two runs"
    assert _read(a / "trajectory.png")[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list(a.glob(".*.tmp")), "temporary files left behind"

    text = (a / "trajectory.json").read_text()
    report = json.loads(text)
    assert text == T.report_json(report)
    assert report["schema_version"] == T.SCHEMA_VERSION
    assert report["steps"] == N_STEPS and report["dtypes"] == DTYPES
    keys = set(_keys(report))
    assert not {k for k in keys if "time" in k or k in {"date", "elapsed", "seconds"}}, keys
    assert [n["name"] for n in report["nets"]] == NET_IDS
    for net in report["nets"]:
        runs = {(r["framework"], r["dtype"]) for r in net["runs"]}
        assert runs == {(f, d) for f in T.FRAMEWORKS for d in DTYPES}
        assert net["series"]["steps"] == list(range(N_STEPS + 1))
        for kind in ("cost", "abs", "rel"):
            for series in net["series"][kind].values():
                assert len(series) == N_STEPS + 1
        labels = [d["label"] for d in net["divergence"]]
        assert labels == [f"{f}/{d}" for f in FRAMEWORKS for d in DTYPES] + [
            "handprop/float32-vs-float64"
        ]
        for d in net["divergence"]:
            assert d["first_exceeds"] is None
            assert d["max_rel"] < d["threshold"]
    md = (a / "trajectory.md").read_text()
    assert "## The thresholds" in md and "| torch/float64 vs handprop/float64 |" in md


def test_dtypes_option_and_exit_status(tmp_path, monkeypatch, capsys):
    assert cli.main(["trajectory", "--steps", "0", "--out", str(tmp_path)]) == 2
    with pytest.raises(SystemExit):
        cli.main(["trajectory", "--dtypes", "float16"])

    real = T.write_reports
    seen = {}

    def fake(out, *, steps, dtypes, plot):
        seen.update(steps=steps, dtypes=dtypes, plot=plot)
        report = real(out, steps=steps, dtypes=dtypes, plot=plot)
        report["nets"][0]["divergence"][0]["first_exceeds"] = 3
        return report

    monkeypatch.setattr(T, "write_reports", fake)
    status = cli.main(
        ["trajectory", "--steps", str(N_STEPS), "--out", str(tmp_path), "--dtypes", "float64",
         "--no-plot"]
    )  # fmt: skip
    assert seen == {"steps": N_STEPS, "dtypes": ["float64"], "plot": False}
    assert status == 1 and "FINDING" in capsys.readouterr().out
    report = json.loads((tmp_path / "trajectory.json").read_text())
    assert report["dtypes"] == ["float64"]
    assert not (tmp_path / "trajectory.png").exists()


def test_module_import_is_light():
    code = (
        "import sys, crosscheck.trajectory; "
        "bad = [m for m in ('torch', 'jax', 'matplotlib') if m in sys.modules]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
