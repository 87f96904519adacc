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


# ------------------------------------------- hand-computed ratios, the two passes (issue 15)

U = 2.0**-53


def test_the_one_unit_problem_by_hand() -> None:
    """z = 0.5 + 2 x 1.5 = 3.5 (identity), y = 1, squared_error: delta = 2.5.
    M(z) = 2 (0.5 + 3) = 7 = M(a); M(delta) = (M(a) + |a| + |y|) + |a - y| = 11.5 + 2.5 =
    14; S = (2.5 + 14, 1.5 (2.5 + 14)) = (16.5, 24.75) and K = 2 x 2 = 4, so a bias
    gradient off by 2.5e-14 has ratio 2.5e-14 / (4 u 16.5) = 3.4: it fails, the weight's
    exact value passes."""
    p = one_unit_problem()
    b = budget(p)
    np.testing.assert_allclose(b.scale[0][:, 0], [16.5, 24.75], rtol=1e-15)
    ref = J.reference(fake_oracle(), p, b)
    cand = [exact(p)[0] + np.array([[2.5e-14], [0.0]])]
    moved = cand[0][0, 0] - ref.gradients[0][0, 0]  # 2.5e-14 as rounded next to 2.5
    v = J.judge(cand, ref, b)
    assert v.ratio == pytest.approx(moved / (4 * U * 16.5), rel=1e-12) and v.ratio > 3.0
    assert v.status == "fail" and v.comparison.worst.index == (0, 0)
    assert v.comparison.records[1].max_ratio == 0.0


def test_a_pass_without_power_is_inconclusive_by_the_dtypes_threshold() -> None:
    """The power of the one-unit problem's bias block is K u S / |g| = 4 u 16.5 / 2.5
    = 2.9e-15: conclusive. Within a budget 10^7 times larger it is 2.9e-8, above float64's
    threshold 1e-8 (a whole-block error of 1e-8 would go unseen): inconclusive, still a
    pass. float32's threshold (1e-3) is another number."""
    p = one_unit_problem()
    b = budget(p)
    ref = J.reference(fake_oracle(), p, b)
    v = J.judge(exact(p), ref, b)
    assert v.status == "pass" and v.threshold == 1e-8
    assert v.comparison.records[0].power == pytest.approx(4 * U * 16.5 / 2.5)
    loose = b._replace(scale=[s * 1e7 for s in b.scale])
    w = J.judge(exact(p), ref, loose)
    assert w.status == "inconclusive" and w.passed and [r.row_kind for r in w.weak] == [
        "bias", "weights"
    ]
    assert J.judge(exact(p), ref, loose._replace(dtype="float32")).status == "pass"


def test_rejudge_rescales_the_truths_own_error_and_does_not_run_the_oracle_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The second pass: the first verdict within the default budget, the second within a
    sharper one (here S / 10) from the same reference: mpmath's extra K u_mp S (u_mp =
    10^-49) becomes K u_mp S / 10, the oracle is not run again, and a candidate's ratio
    grows tenfold: the weight's gradient 3.75 off by 1e-14 is 0.9 tolerances (4 u 24.75),
    then 9."""
    from crosscheck.oracles import mpmath_reference

    p = one_unit_problem()
    b = budget(p)
    sharp = b._replace(scale=[s / 10 for s in b.scale])
    truth = J.reference("mpmath", p, b)

    def again(problem):
        raise AssertionError("the oracle ran again")

    monkeypatch.setattr(mpmath_reference, "gradients", again)
    cand = [exact(p)[0] + np.array([[0.0], [1e-14]])]
    first = J.judge(cand, truth, b)
    second = J.rejudge(cand, truth, sharp)
    np.testing.assert_allclose(truth.extra[0], K * 1e-49 * b.scale[0])
    tol = second.comparison.records[1].tolerance
    assert tol == pytest.approx(4 * U * 2.475 + 4 * 1e-49 * 2.475, rel=1e-12)
    assert second.ratio == pytest.approx(10 * first.ratio, rel=1e-9)
    assert 0.85 < first.ratio < 0.95 and first.passed and not second.passed
    peer = J.reference(fake_oracle(), p, b)  # no extra to rescale
    assert J.rejudge(cand, peer, sharp).ratio == pytest.approx(second.ratio, rel=1e-9)


# ----------------------------------------------------------------------------- batches


def _batch(n: int):
    return [one_unit_problem(bias=0.25 * (i + 1)) for i in range(n)]


def _with_batches(oracle, calls):
    """``oracle`` with a ``batch_gradients`` that records each batch's size."""

    def batch_gradients(problems):
        calls.append(len(problems))
        return [oracle.gradients(p) for p in problems]

    oracle.batch_gradients = batch_gradients
    return oracle


@pytest.mark.parametrize("kind", ["peer", "truth", "approximate"])
def test_judge_batch_is_judge_all_member_by_member(kind: str) -> None:
    """The same verdicts as judge_all on each member, for every kind of oracle (its own
    error added as judge adds it), one batch call where the oracle has one, and a
    candidate wrong on one member fails there only."""
    problems = _batch(3)
    candidates = [exact(p) for p in problems]
    candidates[1] = [2.0 * g for g in candidates[1]]
    calls: list = []
    oracles = [
        _with_batches(fake_oracle("batched", kind=kind), calls),
        fake_oracle("single", kind=kind, factor=1.0 + 1e-15),
    ]
    rows = J.judge_batch(candidates, problems, oracles)
    assert calls == [3]  # one call for the batch
    for c, p, row in zip(candidates, problems, rows, strict=True):
        assert row == J.judge_all(c, p, oracles)
    passed = [[v.passed for v in row] for row in rows]
    assert passed == [[True, True], [False, False], [True, True]]


def test_judge_batch_skips_as_reference_does_and_refuses_a_mixed_batch() -> None:
    problems = _batch(2)
    candidates = [exact(p) for p in problems]
    calls: list = []
    unavailable = _with_batches(fake_oracle(ok=False), calls)
    too_big = _with_batches(fake_oracle("big", fits=False), calls)
    rows = J.judge_batch(candidates, problems, [unavailable, too_big])
    assert calls == []  # neither ran
    assert [v.status for row in rows for v in row] == ["skipped"] * 4
    assert rows[0][1].skipped == "big: problem over its size cap"
    with pytest.raises(ValueError, match="problems"):
        J.judge_batch(candidates, [problems[0], one_unit_problem(activation="tanh")], [])
    with pytest.raises(ValueError, match="candidates"):
        J.judge_batch(candidates[:1], problems, [])


def _problem_bound_oracle(kind: str, calls: list):
    """A batched oracle whose fits and error bound read the problem (as finite differences
    and the size caps do), and that has no ``fits`` when ``calls`` says so."""
    oracle = _with_batches(fake_oracle("bounded", kind=kind), calls)
    oracle.fits = lambda problem: problem.P <= 1
    oracle.error_bounds = lambda problem: [np.full((2, 1), 1e-3 * problem.weights[0][0, 0])]
    return oracle


@pytest.mark.parametrize("kind", ["peer", "truth", "approximate"])
def test_references_are_reference_member_by_member(kind: str) -> None:
    """Each answer of the batch call is the member's own: its kind, its gradients and its
    own error bound (the approximate oracle's depends on the problem), for a batch of one
    too; an oracle without ``fits`` is batched as well."""
    for n in (1, 3):
        problems = _batch(n)
        bs = [budget(p) for p in problems]
        calls: list = []
        oracle = _problem_bound_oracle(kind, calls)
        got = J.references(oracle, problems, bs)
        assert calls == [n]
        for r, p, b in zip(got, problems, bs, strict=True):
            one = J.reference(oracle, p, b)
            assert (
                (r.oracle, r.kind, r.skipped)
                == (one.oracle, one.kind, None)
                == ("bounded", kind, None)
            )
            np.testing.assert_array_equal(r.gradients[0], one.gradients[0])
            assert (r.extra is None) == (one.extra is None) == (kind == "peer")
            if r.extra is not None:
                np.testing.assert_array_equal(r.extra[0], one.extra[0])
        del oracle.fits
        assert len(J.references(oracle, problems, bs)) == n and calls == [n, n]


def test_references_need_one_budget_and_one_answer_per_member() -> None:
    problems = _batch(2)
    bs = [budget(p) for p in problems]
    calls: list = []
    batched = _problem_bound_oracle("peer", calls)
    with pytest.raises(ValueError, match="zip"):
        J.references(batched, problems, bs[:1])
    with pytest.raises(ValueError, match="zip"):
        J.references(fake_oracle(ok=False), problems, bs[:1])
    batched.batch_gradients = lambda ps: [exact(ps[0])]  # one answer for two members
    with pytest.raises(ValueError, match="zip"):
        J.references(batched, problems, bs)


def test_judge_batch_judges_within_the_budgets_it_is_given() -> None:
    problems = _batch(2)
    candidates = [[g * (1.0 + 1e-9) for g in exact(p)] for p in problems]
    loose = [b._replace(scale=[s * 1e12 for s in b.scale]) for b in map(budget, problems)]
    assert not any(row[0].passed for row in J.judge_batch(candidates, problems, [fake_oracle()]))
    rows = J.judge_batch(candidates, problems, [fake_oracle()], loose)
    assert all(row[0].passed for row in rows)
    assert rows == [
        J.judge_all(c, p, [fake_oracle()], b)
        for c, p, b in zip(candidates, problems, loose, strict=True)
    ]


def test_judge_references_needs_one_budget_per_member() -> None:
    problems = _batch(2)
    bs = [budget(p) for p in problems]
    answers = [J.references(fake_oracle(ok=False), problems, bs)]  # skipped: nothing compared
    with pytest.raises(ValueError, match="zip"):
        J.judge_references([exact(p) for p in problems], answers, [*bs, bs[0]])


@pytest.mark.parametrize("dtype", ["float64", "float32", "float16"])
def test_judge_references_gives_judges_verdicts_skipped_or_not(dtype: str) -> None:
    """Each verdict, skipped or compared, is judge's: its oracle's name and the dtype's
    threshold (inf for a dtype without one)."""
    problems = _batch(2)
    bs = [budget(p)._replace(dtype=dtype) for p in problems]
    answers = [
        J.references(fake_oracle("peer"), problems, bs),
        J.references(fake_oracle("gone", ok=False), problems, bs),
    ]
    candidates = [exact(p) for p in problems]
    rows = J.judge_references(candidates, answers, bs)
    for i, (c, b) in enumerate(zip(candidates, bs, strict=True)):
        assert rows[i] == tuple(J.judge(c, refs[i], b) for refs in answers)
    assert [v.oracle for v in rows[0]] == ["peer", "gone"]
    assert rows[1][1].threshold == J.INCONCLUSIVE_ABOVE.get(dtype, np.inf)


def test_a_member_over_the_size_cap_is_skipped_not_computed_in_the_batch() -> None:
    """fits is asked of every member: one over the cap is skipped as reference skips it,
    and the batch call (which would have computed it) is not made."""
    problems = _batch(3)
    calls: list = []
    oracle = _with_batches(fake_oracle("capped"), calls)
    oracle.fits = lambda p: p.weights[0][0, 0] != problems[1].weights[0][0, 0]
    refs = J.references(oracle, problems, [budget(p) for p in problems])
    assert calls == []
    assert [r.skipped for r in refs] == [None, "capped: problem over its size cap", None]
