"""judge: the rules of judgement, with oracles faked so that every path is reached."""

from __future__ import annotations

import types

import numpy as np
import pytest

import crosscheck
from crosscheck import judge as J
from crosscheck.budget import K, budget
from crosscheck.errors import UsageError
from crosscheck.problem import make_problem


def _problem(bias: float = 0.5, activation: str = "identity"):
    return make_problem(
        [np.array([[bias], [2.0]])],
        np.array([[1.5]]),
        np.array([[1.0]]),
        [activation],
        "squared_error",
    )


def _exact(p):
    """dC/dw of the 1-1 identity net: delta = z - y, [delta, x delta]."""
    b, w = p.weights[0][:, 0]
    x, y = p.X[0, 0], p.Y[0, 0]
    d = b + w * x - y
    return [np.array([[d], [x * d]])]


def _oracle(name="fake", kind="peer", factor=1.0, ok=True, fits=True, calls=None):
    def gradients(problem):
        if calls is not None:
            calls.append(name)
        return [g * factor for g in _exact(problem)]

    return types.SimpleNamespace(
        NAME=name,
        KIND=kind,
        DPS=50,
        available=lambda: (ok, "" if ok else "not installed"),
        fits=lambda problem: fits,
        gradients=gradients,
        error_bounds=lambda problem: [np.full((2, 1), 1e-3)],
    )


def _correct(weights, X, Y, activations, cost):
    return _exact(make_problem(weights, X, Y, activations, cost))


def _off(weights, X, Y, activations, cost):
    return [2.0 * g for g in _correct(weights, X, Y, activations, cost)]


def test_reference_says_why_an_oracle_cannot_answer_and_does_not_run_it() -> None:
    p, calls = _problem(), []
    b = budget(p)
    assert J.reference(_oracle(ok=False, calls=calls), p, b).skipped == (
        "fake unavailable: not installed"
    )
    assert J.reference(_oracle(fits=False, calls=calls), p, b).skipped == (
        "fake: problem over its size cap"
    )
    assert calls == []  # no oracle ran for either
    ref = J.reference(_oracle(calls=calls), p, b)
    assert ref.skipped is None and calls == ["fake"] and ref.extra is None


def test_the_truth_adds_its_own_working_precision_and_approximations_their_bounds() -> None:
    p = _problem()
    b = budget(p)
    truth = J.reference(_oracle(kind="truth"), p, b)
    np.testing.assert_allclose(truth.extra[0], K * 1e-49 * b.scale[0])
    approx = J.reference(_oracle(kind="approximate"), p, b)
    assert approx.extra[0].tolist() == [[1e-3], [1e-3]]


def test_judge_passes_within_the_budget_and_fails_beyond_it() -> None:
    p = _problem()
    b = budget(p)
    exact = _exact(p)
    ref = J.reference(_oracle(), p, b)
    assert J.judge(exact, ref, b).passed and J.judge(exact, ref, b).ratio == 0.0
    tol = b.tolerance()[0]
    assert J.judge([exact[0] + 0.5 * tol], ref, b).passed
    v = J.judge([exact[0] + 2.0 * tol], ref, b)
    assert not v.passed and v.ratio == pytest.approx(2.0, rel=0.05)  # 2 tol added to ~2
    skipped = J.judge(exact, ref._replace(skipped="why"), b)
    assert skipped.skipped == "why" and skipped.passed and skipped.ratio == 0.0


def test_run_candidate_reports_errors_and_bad_layouts() -> None:
    p = _problem()

    def raises(*args):
        raise ZeroDivisionError("boom")

    assert J.run_candidate(raises, p) == (None, "raised ZeroDivisionError: boom")
    grads, err = J.run_candidate(lambda *a: [np.zeros((2, 2))], p)
    assert grads is None and "expected shape (2, 1)" in err
    grads, err = J.run_candidate(_correct, p)
    assert err is None and np.array_equal(grads[0], _exact(p)[0])


def test_a_discrepancy_counts_only_when_a_second_oracle_confirms_it() -> None:
    p = _problem()
    liar, truth = _oracle("liar", factor=2.0), _oracle("truth", kind="truth")
    assert J.check_with(_correct, p, [truth], []).status == "passed"
    assert J.check_with(_off, p, [liar], []).status == "passed"  # the liar agrees with it
    disputed = J.check_with(_correct, p, [liar], [truth])
    assert disputed.status == "disputed" and disputed.passed
    assert disputed.oracles == ("liar", "truth") and "truth cleared it" in disputed.note
    failed = J.check_with(_off, p, [truth], [_oracle("gone", ok=False), _oracle("other")])
    assert failed.status == "failed" and failed.oracles == ("truth", "other")
    lone = J.check_with(_off, p, [truth], [])
    assert lone.status == "failed" and "not confirmed" in lone.note


def test_the_first_oracle_that_answers_judges() -> None:
    p = _problem()
    r = J.check_with(
        _correct, p, [_oracle("a", ok=False), _oracle("b", fits=False), _oracle("c")], []
    )
    assert r.oracles == ("c",)
    none = J.check_with(_correct, p, [_oracle("a", ok=False)], [])
    assert none.status == "skipped" and none.verdicts[0].skipped.startswith("a unavailable")
    assert J.check_with(_correct, p, [], []).note == "no oracle available"


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
    assert J.check_with(_two_layer(0.0), p, torch, []).status == "passed"
    assert J.check_with(_two_layer(1.0), p, torch, []).status == "passed"
    assert J.check_with(_two_layer(0.0, 1.5), p, torch, []).status == "failed"


def test_the_budget_is_computed_once_per_problem(monkeypatch: pytest.MonkeyPatch) -> None:
    counted = []
    real = J.budget

    def counting(problem):
        counted.append(problem)
        return real(problem)

    monkeypatch.setattr(J, "budget", counting)
    p = _problem()
    J.check_with(_off, p, [_oracle("a", calls=[])], [_oracle("b"), _oracle("c")])
    assert len(counted) == 1


def test_a_candidate_error_fails_without_an_oracle() -> None:
    r = J.check_with(lambda *a: None, _problem(), [], [])
    assert r.status == "failed" and r.ratio == float("inf") and "expected a list" in r.error


def test_check_result_reads() -> None:
    p = _problem()
    r = J.check_with(_off, p, [_oracle("truth", kind="truth")], [])
    text = str(r)
    assert text.splitlines()[0].startswith("failed (not confirmed")
    assert "truth: worst budget ratio" in text and "layer 0 (bias row 0)" in text


def test_check_gradients_on_one_problem() -> None:
    args = ([np.array([[0.5], [2.0]])], np.array([[1.5]]), np.array([[1.0]]))
    r = crosscheck.check_gradients(_correct, *args, ["identity"], "squared_error", oracle="mpmath")
    assert r.status == "passed" and r.oracles[0] == "mpmath"
    r = crosscheck.check_gradients(_off, *args, ["identity"], "squared_error")
    assert r.status == "failed"
    with pytest.raises(UsageError, match="activations"):
        crosscheck.check_gradients(_correct, *args, ["identity"], "log_likelihood")
    with pytest.raises(UsageError, match="unknown oracle"):
        crosscheck.check_gradients(_correct, *args, ["identity"], "squared_error", oracle="tf")
    with pytest.raises(UsageError, match="fn: expected a callable"):
        J.check("not a function", _problem())
