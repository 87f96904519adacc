"""Tests that kill the mutants of crosscheck.judge and crosscheck.compare that the rest of
the suite let survive (docs/mutation.md lists them with their verdicts).

Each test names the mutants it was written for (``mutmut show judge.NAME``). The fakes
are the 1-1 identity net of tests/support/fakes.py, whose exact gradient is known in
closed form, and oracles built here as namespaces (so that an argument the judge passes
on can be checked).
"""

from __future__ import annotations

import types

import numpy as np
import pytest
from fakes import exact, fake_oracle, one_unit_problem

from crosscheck import compare as C
from crosscheck import judge as J
from crosscheck.budget import Budget, K, budget
from crosscheck.oracles import extended


def _oracle(kind="peer", *, ok=True, fits=True, seen=None, **extra_attrs):
    """An oracle that records the problem it was given to ``fits``, ``gradients`` and
    ``error_bounds``, and answers the exact gradient (error bound 1e-3)."""
    seen = [] if seen is None else seen

    def fits_fn(problem):
        seen.append(("fits", problem))
        return fits

    def gradients(problem):
        seen.append(("gradients", problem))
        return exact(problem)

    def error_bounds(problem):
        seen.append(("error_bounds", problem))
        return [np.full(w.shape, 1e-3) for w in problem.weights]

    return types.SimpleNamespace(
        NAME="fake",
        KIND=kind,
        DPS=50,
        available=lambda: (ok, "" if ok else "not installed"),
        fits=fits_fn,
        gradients=gradients,
        error_bounds=error_bounds,
        **extra_attrs,
    )


def test_a_skipped_reference_keeps_the_oracles_name_and_kind() -> None:
    """Kills judge.x_reference__mutmut_5, _6 (unavailable) and _25, _26 (over the size
    cap): the name or kind of a skipped reference replaced by None; and _24 (``fits``
    asked about None instead of the problem)."""
    p, seen = one_unit_problem(), []
    b = budget(p)
    for oracle in (_oracle("truth", ok=False), _oracle("truth", fits=False, seen=seen)):
        ref = J.reference(oracle, p, b)
        assert (ref.oracle, ref.kind, ref.gradients) == ("fake", "truth", None)
        assert ref.skipped is not None
    assert seen == [("fits", p)]


def test_an_oracle_without_a_size_cap_is_run() -> None:
    """``fits`` is optional. Kills judge.x_reference__mutmut_18 (``getattr(mod, "fits")``
    without its default: an AttributeError)."""
    p = one_unit_problem()
    b = budget(p)
    oracle = _oracle()
    del oracle.fits
    ref = J.reference(oracle, p, b)
    assert ref.skipped is None and ref.gradients is not None


def test_an_approximate_oracles_bound_is_asked_about_the_problem_and_used() -> None:
    """Kills judge.x_reference__mutmut_38 (``error_bounds(None)``), _48, _49 (the answer's name
    and kind) and judge.x_judge__
    mutmut_19, _23 (the approximate oracle's own bound dropped from the tolerance: a
    candidate within K u S + E_fd but beyond K u S would fail)."""
    p, seen = one_unit_problem(), []
    b = budget(p)
    ref = J.reference(_oracle("approximate", seen=seen), p, b)
    assert seen == [("fits", p), ("gradients", p), ("error_bounds", p)]
    assert (ref.oracle, ref.kind, ref.skipped) == ("fake", "approximate", None)
    tol = b.tolerance()[0]
    assert np.all(tol < 1e-6)  # so a 5e-4 difference is beyond K u S alone
    candidate = [exact(p)[0] + 5e-4]
    v = J.judge(candidate, ref, b)
    assert v.passed
    assert v.ratio == pytest.approx(5e-4 / (tol.max() + 1e-3), rel=1e-3)


@pytest.mark.parametrize(("dtype", "threshold"), [(np.float64, 1e-8), (np.float32, 1e-3)])
def test_every_verdict_carries_its_dtypes_inconclusive_threshold(dtype, threshold) -> None:
    """Kills judge.x_judge__mutmut_1, _2, _4 (the threshold None or inf), _9, _14, _26,
    _31 (the threshold not passed to the verdict) and _7, _24 (the oracle's name)."""
    p = one_unit_problem()
    p = p._replace(
        weights=[w.astype(dtype) for w in p.weights], X=p.X.astype(dtype), Y=p.Y.astype(dtype)
    )
    b = budget(p)
    assert b.dtype == np.dtype(dtype).name
    assert J.INCONCLUSIVE_ABOVE[b.dtype] == threshold
    ref = J.reference(fake_oracle(), p, b)
    judged = J.judge(exact(p), ref, b)
    skipped = J.judge(exact(p), ref._replace(skipped="why"), b)
    for v in (judged, skipped):
        assert v.oracle == "fake" and v.threshold == threshold
    assert judged.status == "pass" and skipped.status == "skipped"


def test_a_judged_verdict_sets_only_its_comparison() -> None:
    """Kills judge.x_judge__mutmut_29, _30 (an argument dropped: the threshold lands in
    ``skipped``)."""
    p = one_unit_problem()
    b = budget(p)
    v = J.judge(exact(p), J.reference(fake_oracle(), p, b), b)
    assert v.comparison is not None and v.error is None and v.skipped is None


def test_oracles_are_looked_up_by_name() -> None:
    """Kills judge.x__module__mutmut_1, _3 (a name not looked up) and x_truth_roundoff__
    mutmut_4, _10, _11 (a truth's UNIT_ROUNDOFF ignored for 10^(1 - DPS))."""
    assert J._module("extended") is extended
    assert 10.0 ** (1 - extended.DPS) != extended.UNIT_ROUNDOFF
    assert J.truth_roundoff("extended") == extended.UNIT_ROUNDOFF
    assert J.truth_roundoff(extended) == extended.UNIT_ROUNDOFF


def test_rejudging_rescales_a_truths_own_error_to_the_new_budget(monkeypatch) -> None:
    """rejudge was reached by no test of the selection: kills judge.x_rejudge__mutmut_1
    to _15. A truth with a coarse working precision (u_exact = 1e-3) makes its own error
    K u_exact S dominate the tolerance; in a budget 4 times sharper it must be 4 times
    smaller, so a difference that passed in the first fails in the second."""
    p = one_unit_problem()
    b = budget(p)
    truth = _oracle("truth", UNIT_ROUNDOFF=1e-3)
    monkeypatch.setattr(J._oracles, "get", lambda name: {"fake": truth}[name])
    ref = J.reference("fake", p, b)
    np.testing.assert_array_equal(ref.extra[0], K * 1e-3 * b.scale[0])
    sharper = b._replace(scale=[s / 4.0 for s in b.scale])
    candidate = [exact(p)[0] + K * 1e-3 * b.scale[0] / 2.0]
    assert J.judge(candidate, ref, b).passed
    v = J.rejudge(candidate, ref, sharper)
    assert not v.passed and v.ratio == pytest.approx(2.0, rel=1e-6)
    # a peer's answer has no error of its own to rescale (and no working precision)
    peer = J.reference(fake_oracle(), p, b)
    assert J.rejudge(candidate, peer, sharper).ratio == J.judge(candidate, peer, sharper).ratio
    skipped = J.rejudge(candidate, ref._replace(skipped="why"), sharper)
    assert skipped.status == "skipped" and skipped.oracle == "fake"


def test_a_declined_problem_is_reported_as_unsupported() -> None:
    """Kills judge.x_run_candidate__mutmut_7, _8 (the "unsupported" kind misspelt: the
    reason would come back without saying the problem was declined)."""
    from crosscheck.errors import Unsupported

    def declines(*args):
        raise Unsupported("only sigmoid hidden layers")

    grads, err = J.run_candidate(declines, one_unit_problem())
    assert grads is None
    assert err == "declared the problem unsupported: only sigmoid hidden layers"


def test_budget_fixture_shapes() -> None:
    """The budget of the 1-1 net is one (2, 1) array (what the tests above rely on)."""
    b = budget(one_unit_problem())
    assert isinstance(b, Budget) and [s.shape for s in b.scale] == [(2, 1)]


# --------------------------------------------------------------------------------------
# compare


def _block_problem():
    """A 2-1 identity net: weights[0] of shape (3, 1), bias row 0 and weight rows 1-2."""
    from crosscheck.problem import make_problem

    return make_problem(
        [np.array([[0.5], [2.0], [-1.0]])],
        np.array([[1.5, 0.5]]),
        np.array([[1.0]]),
        ["identity"],
        "squared_error",
    )


def _flat_budget(scale, *, near_kink=False) -> Budget:
    return Budget([np.asarray(scale, dtype=np.float64).reshape(3, 1)], 2.0**-53, near_kink)


def test_an_oracles_own_bound_widens_the_tolerance_it_reports() -> None:
    """Kills compare.x_compare__mutmut_1, _3, _5, _11, _16 (``extra`` not passed on to
    the ratios), _56 (nor to the tolerance) and _58 (subtracted instead of added)."""
    b = _flat_budget([1.0, 1.0, 1.0])
    ktol = K * b.u
    ref = [np.array([[1.0], [1.0], [1.0]])]
    cand = [ref[0] + np.array([[3 * ktol], [0.0], [0.0]])]
    extra = [np.full((3, 1), 2 * ktol)]
    bias = C.compare(cand, ref, b, extra=extra).records[0]
    assert bias.tolerance == pytest.approx(3 * ktol, rel=1e-12)
    assert bias.max_ratio == pytest.approx(1.0, rel=1e-12)
    assert C.compare(cand, ref, b).records[0].max_ratio == pytest.approx(3.0, rel=1e-12)


def test_a_float32_unit_roundoff_judges_against_the_truth() -> None:
    """Kills compare.x_compare__mutmut_10, _15 (``u`` not passed to the ratios) and _20
    (nor to the tolerance)."""
    b = _flat_budget([1.0, 1.0, 1.0])
    u32 = 2.0**-24
    ref = [np.array([[1.0], [1.0], [1.0]])]
    cand = [ref[0] + np.array([[0.5 * K * u32], [0.0], [0.0]])]
    c = C.compare(cand, ref, b, u=u32)
    assert c.passed and c.records[0].max_ratio == pytest.approx(0.5, rel=1e-12)
    assert c.records[0].tolerance == pytest.approx(K * u32, rel=1e-12)
    assert not C.compare(cand, ref, b).passed


def test_the_power_of_a_block_is_its_smallest_relative_tolerance() -> None:
    """Hand-computed power: tolerance / |reference| over the block's non-zero references,
    its minimum (``power``) and median (``power_median``); inf for an all-zero block.
    Kills compare.x_compare__mutmut_72 (t |r| instead of t / |r|), _93, _94 (which
    references count), _121, _122, _132, _133, _141, _144 (the power not recorded) and
    Comparison.weak's _1 to _3 (the inconclusive blocks)."""
    b = _flat_budget([1.0, 2.0, 8.0])
    ktol = K * b.u
    ref = [np.array([[0.0], [4.0], [2.0]])]
    c = C.compare(ref, ref, b)
    bias, weights = c.records
    assert bias.power == np.inf and bias.power_median == np.inf  # reference 0: no scale
    # rows 1 and 2: 2 ktol / 4 and 8 ktol / 2
    assert weights.power == pytest.approx(0.5 * ktol, rel=1e-12)
    assert weights.power_median == pytest.approx((0.5 + 4.0) / 2 * ktol, rel=1e-12)
    assert c.power == weights.power
    assert c.weak(0.5 * ktol) == ()  # power equal to the threshold: still conclusive
    assert c.weak(0.25 * ktol) == (weights,)  # the all-zero bias block never counts
    ones = [np.array([[1.0], [1.0], [3.0]])]
    w1 = C.compare(ones, ones, b).records[1]
    assert w1.power == pytest.approx(8.0 / 3.0 * ktol, rel=1e-12)  # row 1's 1.0 counts


def test_the_bias_record_covers_row_0_only() -> None:
    """Kills compare.x_compare__mutmut_81, _85 (the bias block's rows widened)."""
    b = _flat_budget([1.0, 1.0, 1.0])
    ref = [np.zeros((3, 1))]
    cand = [np.array([[0.0], [5.0], [0.0]])]
    bias, weights = C.compare(cand, ref, b).records
    assert bias.max_abs == 0.0 and bias.max_ratio == 0.0
    assert weights.max_abs == 5.0 and weights.index == (1, 0)


def test_the_worst_element_is_the_worst_ratio_not_the_largest_difference() -> None:
    """Kills compare.x_compare__mutmut_96, _100 (the index of the largest |diff| taken):
    row 1 differs by 1 within a scale of 1e20, row 2 by 1e-12 within a scale of 1."""
    b = _flat_budget([1.0, 1e20, 1.0])
    ref = [np.zeros((3, 1))]
    cand = [np.array([[0.0], [1.0], [1e-12]])]
    w = C.compare(cand, ref, b).records[1]
    assert w.index == (2, 0) and w.value == 1e-12 and w.max_abs == 1.0


def test_with_every_ratio_underflowing_the_largest_difference_is_shown() -> None:
    """Kills compare.x_compare__mutmut_97, _102: where every ratio rounds to 0 (an oracle
    bound of 1e300) the record still points at the largest difference."""
    b = _flat_budget([1.0, 1.0, 1.0])
    ref = [np.zeros((3, 1))]
    cand = [np.array([[0.0], [1e-30], [1e-25]])]
    w = C.compare(cand, ref, b, extra=[np.full((3, 1), 1e300)]).records[1]
    assert w.max_ratio == 0.0 and w.index == (2, 0) and w.value == 1e-25


def test_zero_tolerances_and_tiny_references_raise_no_warning() -> None:
    """0/0 and an overflowing tolerance / |reference| give a power silently (the suite
    turns warnings into errors). Kills compare.x_compare__mutmut_60, _63 (invalid) and
    _61, _64 (overflow)."""
    zero = _flat_budget([0.0, 0.0, 0.0])
    ref = [np.array([[0.0], [1.0], [0.0]])]
    assert C.compare(ref, ref, zero).records[1].power == 0.0
    huge = [np.full((3, 1), 1e300)]
    tiny = [np.array([[1e-300], [1e-300], [1e-300]])]
    rec = C.compare(tiny, tiny, _flat_budget([1.0, 1.0, 1.0]), extra=huge).records[0]
    assert rec.power == np.inf


def test_a_comparison_carries_the_budgets_kink_flag() -> None:
    """Kills compare.x_compare__mutmut_149."""
    ref = [np.zeros((3, 1))]
    assert C.compare(ref, ref, _flat_budget([1.0] * 3, near_kink=True)).near_kink is True
    assert C.compare(ref, ref, _flat_budget([1.0] * 3)).near_kink is False


def test_a_non_array_gradient_is_named_by_its_type() -> None:
    """Kills compare.x_layout_error__mutmut_13 (``type(None)``)."""
    err = C.layout_error([[[0.5], [1.0], [2.0]]], _block_problem())
    assert err == "gradient[0]: expected a numpy array, got list"
