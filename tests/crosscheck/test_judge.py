"""judge: the rules of judgement against one oracle, with oracles faked so that every
path is reached (tests/support/fakes.py)."""

from __future__ import annotations

import numpy as np
import pytest
from fakes import correct, exact, fake_oracle, one_unit_problem

from crosscheck import judge as J
from crosscheck.budget import K, budget


def test_reference_says_why_an_oracle_cannot_answer_and_does_not_run_it() -> None:
    p, calls = one_unit_problem(), []
    b = budget(p)
    assert J.reference(fake_oracle(ok=False, calls=calls), p, b).skipped == (
        "fake unavailable: not installed"
    )
    assert J.reference(fake_oracle(fits=False, calls=calls), p, b).skipped == (
        "fake: problem over its size cap"
    )
    assert calls == []  # no oracle ran for either
    ref = J.reference(fake_oracle(calls=calls), p, b)
    assert ref.skipped is None and calls == ["fake"] and ref.extra is None


def test_the_truth_adds_its_own_working_precision_and_approximations_their_bounds() -> None:
    p = one_unit_problem()
    b = budget(p)
    truth = J.reference(fake_oracle(kind="truth"), p, b)
    np.testing.assert_allclose(truth.extra[0], K * 1e-49 * b.scale[0])
    approx = J.reference(fake_oracle(kind="approximate"), p, b)
    assert approx.extra[0].tolist() == [[1e-3], [1e-3]]


def test_judge_passes_within_the_budget_and_fails_beyond_it() -> None:
    p = one_unit_problem()
    b = budget(p)
    right = exact(p)
    ref = J.reference(fake_oracle(), p, b)
    assert J.judge(right, ref, b).passed and J.judge(right, ref, b).ratio == 0.0
    tol = b.tolerance()[0]
    assert J.judge([right[0] + 0.5 * tol], ref, b).passed
    v = J.judge([right[0] + 2.0 * tol], ref, b)
    assert not v.passed and v.ratio == pytest.approx(2.0, rel=0.05)  # 2 tol added to ~2
    skipped = J.judge(right, ref._replace(skipped="why"), b)
    assert skipped.skipped == "why" and skipped.passed and skipped.ratio == 0.0


def test_run_candidate_reports_errors_and_bad_layouts() -> None:
    p = one_unit_problem()

    def raises(*args):
        raise ZeroDivisionError("boom")

    assert J.run_candidate(raises, p) == (None, "raised ZeroDivisionError: boom")
    grads, err = J.run_candidate(lambda *a: [np.zeros((2, 2))], p)
    assert grads is None and "expected shape (2, 1)" in err
    grads, err = J.run_candidate(correct, p)
    assert err is None and np.array_equal(grads[0], exact(p)[0])
