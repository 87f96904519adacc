"""verdict: a candidate function on one problem, confirmed by a second oracle, sharpened
when inconclusive; oracles faked (tests/support/fakes.py) so that every path is reached."""

from __future__ import annotations

import numpy as np
import pytest
from fakes import correct, fake_oracle, off, one_unit_problem

import crosscheck
from crosscheck import verdict as J
from crosscheck.budget import budget
from crosscheck.errors import UsageError
from crosscheck.problem import make_problem


def test_a_discrepancy_counts_only_when_a_second_oracle_confirms_it() -> None:
    p = one_unit_problem()
    liar, truth = fake_oracle("liar", factor=2.0), fake_oracle("truth", kind="truth")
    assert J.check_with(correct, p, [truth], []).status == "pass"
    assert J.check_with(off, p, [liar], []).status == "pass"  # the liar agrees with it
    disputed = J.check_with(correct, p, [liar], [truth])
    assert disputed.disputed and disputed.status == "pass" and disputed.passed
    assert disputed.oracles == ("liar", "truth") and "truth cleared it" in disputed.note
    failed = J.check_with(off, p, [truth], [fake_oracle("gone", ok=False), fake_oracle("other")])
    assert failed.status == "fail" and failed.oracles == ("truth", "other")
    lone = J.check_with(off, p, [truth], [])
    assert lone.status == "fail" and "not confirmed" in lone.note


def test_the_first_oracle_that_answers_judges() -> None:
    p = one_unit_problem()
    r = J.check_with(
        correct, p, [fake_oracle("a", ok=False), fake_oracle("b", fits=False), fake_oracle("c")], []
    )
    assert r.oracles == ("c",)
    none = J.check_with(correct, p, [fake_oracle("a", ok=False)], [])
    assert none.status == "skipped" and none.verdicts[0].skipped.startswith("a unavailable")
    assert J.check_with(correct, p, [], []).note == "no oracle available"


def _two_layer(relu_at_zero: float, output_factor: float = 1.0):
    """dC/dw of a Q-2-1 net, relu hidden, identity output, squared_error, with relu'(0)
    taken as ``relu_at_zero`` and the output layer's gradient scaled by ``output_factor``."""

    def fn(weights, X, Y, activations, cost):
        w0, w1 = weights
        z1 = X @ w0[1:] + w0[0]
        a1 = np.maximum(z1, 0.0)
        d2 = a1 @ w1[1:] + w1[0] - Y
        d1 = (d2 @ w1[1:].T) * np.where(z1 > 0, 1.0, np.where(z1 == 0, relu_at_zero, 0.0))
        g0 = np.vstack([d1.sum(axis=0), X.T @ d1])
        g1 = np.vstack([d2.sum(axis=0), a1.T @ d2]) * output_factor
        return [g0, g1]

    return fn


def test_a_kink_is_judged_with_either_branch() -> None:
    """Hidden unit 0 sits exactly at z = 0: relu'(0) = 0 and relu'(0) = 1 both pass (two
    correct conventions), while an error on the other layer still fails."""
    weights = [np.array([[-3.0, 0.5], [2.0, 1.0]]), np.array([[0.25], [1.5], [-0.75]])]
    p = make_problem(
        weights, np.array([[1.5]]), np.array([[1.0]]), ["relu", "identity"], "squared_error"
    )
    b = budget(p)
    assert b.near_kink and b.kink_units == 1
    torch = J.oracle_modules(["torch"])
    assert J.check_with(_two_layer(0.0), p, torch, []).status == "pass"
    assert J.check_with(_two_layer(1.0), p, torch, []).status == "pass"
    assert J.check_with(_two_layer(0.0, 1.5), p, torch, []).status == "fail"


def test_the_budget_is_computed_once_perone_unit_problem(monkeypatch: pytest.MonkeyPatch) -> None:
    counted = []
    real = J.budget

    def counting(problem):
        counted.append(problem)
        return real(problem)

    monkeypatch.setattr(J, "budget", counting)
    p = one_unit_problem()
    J.check_with(off, p, [fake_oracle("a", calls=[])], [fake_oracle("b"), fake_oracle("c")])
    assert len(counted) == 1


def test_a_candidate_error_fails_without_anfake_oracle() -> None:
    r = J.check_with(lambda *a: None, one_unit_problem(), [], [])
    assert r.status == "fail" and r.ratio == float("inf") and "expected a list" in r.error


def test_check_result_reads() -> None:
    p = one_unit_problem()
    r = J.check_with(off, p, [fake_oracle("truth", kind="truth")], [])
    text = str(r)
    assert text.splitlines()[0].startswith("fail (not confirmed")
    assert "truth: worst budget ratio" in text and "layer 0 (bias row 0)" in text


def test_check_gradients_on_oneone_unit_problem() -> None:
    args = ([np.array([[0.5], [2.0]])], np.array([[1.5]]), np.array([[1.0]]))
    r = crosscheck.check_gradients(correct, *args, ["identity"], "squared_error", oracle="mpmath")
    assert r.status == "pass" and r.oracles[0] == "mpmath"
    r = crosscheck.check_gradients(off, *args, ["identity"], "squared_error")
    assert r.status == "fail"
    with pytest.raises(UsageError, match="activations"):
        crosscheck.check_gradients(correct, *args, ["identity"], "log_likelihood")
    with pytest.raises(UsageError, match=r"^oracle: unknown oracle 'tf'"):  # the argument's name
        crosscheck.check_gradients(correct, *args, ["identity"], "squared_error", oracle="tf")
    with pytest.raises(UsageError, match="fn: expected a callable"):
        J.check("not a function", one_unit_problem())


@pytest.mark.parametrize("caller", ["check_gradients", "check"])
def test_a_misspelt_keyword_names_the_function_it_was_given_to(caller) -> None:
    """The convention's keywords travel as ``**convention``: a typo is a TypeError that
    names the public function and lists the keywords, not an internal function's name."""
    args = ([np.array([[0.5], [2.0]])], np.array([[1.5]]), np.array([[1.0]]))
    with pytest.raises(TypeError) as info:
        if caller == "check":
            J.check(correct, one_unit_problem(), layoutt="separate-in-out")
        else:
            crosscheck.check_gradients(correct, *args, ["identity"], "squared_error", layoutt="x")
    msg = str(info.value)
    assert msg.startswith(f"{caller}() got an unexpected keyword argument 'layoutt'"), msg
    assert "layout, examples_as, reduction, factor, per_example, bias_shape" in msg


def _saturated(dtype=np.float64):
    """z = 40 at a sigmoid output: the exact gradient is 4e-18 against S = 16, so even a
    relative error of 1 in it goes unseen."""
    return make_problem(
        [np.array([[0.0], [40.0]], dtype=dtype)],
        np.array([[1.0]], dtype=dtype),
        np.array([[1.0]], dtype=dtype),
        ["sigmoid"],
        "log_likelihood",
    )


def _sigmoid_ll(weights, X, Y, activations, cost):
    z = X @ weights[0][1:] + weights[0][0]
    d = Y / (1.0 + np.exp(z)) - (1.0 - Y) / (1.0 + np.exp(-z))  # y - h, accurately
    return [np.vstack([d.sum(axis=0), X.T @ d]).astype(X.dtype)]


def test_a_pass_without_power_is_inconclusive_and_says_why() -> None:
    r = J.check(_sigmoid_ll, _saturated(), oracle="mpmath")
    assert r.status == "inconclusive" and r.passed
    assert "layer 0 bias" in r.note and "out of saturation" in r.note
    assert r.power[0].power > 1.0  # a whole-block error of 100% would go unseen
    assert "power" in str(r) and "inconclusive" in str(r)
    f32 = J.check(_sigmoid_ll, _saturated(np.float32), oracle="mpmath")
    assert f32.status == "inconclusive" and "float64 instead of float32" in f32.note


def test_a_typical_pass_is_conclusive_and_reports_its_power() -> None:
    p = one_unit_problem()
    r = J.check(correct, p, oracle="mpmath")
    assert r.status == "pass" and r.note == ""
    assert [(x.layer, x.row_kind) for x in r.power] == [(0, "bias"), (0, "weights")]
    assert all(0 < x.power < 1e-13 for x in r.power)


def test_an_inconclusive_pass_is_judged_again_within_a_sharper_budget(monkeypatch) -> None:
    """No Jacobian window by default (cap 0) and a stricter threshold: the first verdict
    is inconclusive, the sharper budget's (full window) is conclusive."""
    import handprop
    from crosscheck import budget as budget_module
    from crosscheck import judge as judge_module
    from crosscheck.budget import chains

    rng = np.random.default_rng(0)
    weights = handprop.init_weights((4, *(32,) * 8, 1), seed=0)
    p = make_problem(
        weights,
        rng.uniform(-1, 1, (8, 4)),
        (rng.uniform(size=(8, 1)) > 0.5) * 1.0,
        ["tanh"] * 8 + ["sigmoid"],
        "log_likelihood",
    )
    monkeypatch.setattr(chains, "WORK_CAP", 0)
    monkeypatch.setitem(judge_module.INCONCLUSIVE_ABOVE, "float64", 1e-9)
    calls = []
    real = budget_module.budget

    def counting(problem, **kw):
        calls.append(kw.get("work_cap"))
        return real(problem, **kw)

    monkeypatch.setattr(J, "budget", counting)
    torch = J.oracle_modules(["torch"])
    assert J.check_with(handprop.gradients, p, torch, []).status == "pass"
    assert calls == [None, J.SHARPER_WORK]
    monkeypatch.setattr(J, "SHARPER_WORK", 0)
    assert J.check_with(handprop.gradients, p, torch, []).status == "inconclusive"
