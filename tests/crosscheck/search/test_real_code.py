"""verify on real code (issue 12): conventions end to end, restrictions honoured by the
search and the reduction, Unsupported counted, a timeout ends the search, the verdict
per cell, and the severity of a failure in words."""

from __future__ import annotations

import numpy as np
import pytest
from required import require_oracles

import crosscheck
import handprop
from crosscheck import mutants
from crosscheck.errors import TargetTimeout, UsageError
from crosscheck.mutants import layouts
from crosscheck.search import format_result
from crosscheck.search.cells import cell_status, matrix_markdown, matrix_text
from crosscheck.search.files import result_dict
from crosscheck.search.schedule import cell_schedule

require_oracles("torch", "mpmath")

FAST = dict(max_examples=30)


@pytest.mark.parametrize("name", ["in_out_mean", "out_in_columns", "out_in_one_example"])
def test_correct_functions_in_other_conventions_pass(name):
    result = crosscheck.verify(getattr(layouts, name), **layouts.CONVENTIONS[name], **FAST)
    assert result.status != "fail", format_result(result)
    assert result.convention.startswith("layout separate")
    if "reduction" in layouts.CONVENTIONS[name]:
        assert all(int(n).bit_count() == 1 for n in _drawn_P(result))


def _drawn_P(result):
    lo, hi = result.extent["P"]
    return [lo, hi]


# The layout bugs (out_in_gradient_reshaped, bias_mean_weights_sum, divided_by_m_twice,
# mean_over_outputs_too) are caught in their convention, and the text names it:
# tests/crosscheck/mutants/test_catalogue.py, on its one search per mutant.


def test_an_adapted_function_is_verified_in_its_convention():
    fn = crosscheck.adapt(layouts.out_in_mean, **layouts.CONVENTIONS["out_in_mean"])
    result = crosscheck.verify(fn, max_examples=10)
    assert result.passed and "reduction mean" in result.convention


def test_a_relu_net_with_a_linear_output_and_a_minimum_depth():
    def relu_identity_depth_2_plus(weights, X, Y, activations, cost):
        assert len(weights) >= 2 and activations[-1] == "identity"
        assert set(activations[:-1]) == {"relu"} and cost == "squared_error"
        return handprop.gradients(weights, X, Y, activations, cost)

    result = crosscheck.verify(
        relu_identity_depth_2_plus, activations="relu", outputs="identity", min_depth=2,
        **FAST,
    )
    assert result.status != "fail", format_result(result)
    assert result.extent["depth"][0] >= 2


def test_the_reduction_stays_inside_the_space():
    def wrong_only_deep(weights, X, Y, activations, cost):
        if len(weights) < 3 or X.shape[0] < 2:
            raise ValueError("not supported")  # outside its declared space
        g = handprop.gradients(weights, X, Y, activations, cost)
        g[-1] = 2 * g[-1]
        return g

    result = crosscheck.verify(wrong_only_deep, min_depth=3, min_p=2, min_width=2, **FAST)
    cx = result.counterexample
    assert cx is not None and cx.kind == "discrepancy", format_result(result)
    assert cx.problem.depth == 3 and cx.problem.P == 2 and min(cx.problem.sizes[1:-1]) == 2


def test_unsupported_problems_are_counted_and_all_unsupported_is_its_own_status():
    def no_softmax(weights, X, Y, activations, cost):
        if cost.startswith("softmax"):
            raise crosscheck.Unsupported("no softmax")
        return handprop.gradients(weights, X, Y, activations, cost)

    result = crosscheck.verify(no_softmax, **FAST)
    assert result.passed and result.unsupported == {"no softmax": result.unsupported_count}
    assert 0 < result.unsupported_count < FAST["max_examples"]
    assert "declined by the function as unsupported (no softmax" in format_result(result)

    def nothing(weights, X, Y, activations, cost):
        raise crosscheck.Unsupported("not yet")

    none = crosscheck.verify(nothing, max_examples=5)
    assert none.status == "unsupported" and "UNSUPPORTED" in format_result(none)


def test_a_timeout_ends_the_search():
    def hangs_on_big(weights, X, Y, activations, cost):
        while X.shape[0] > 4:
            pass
        return handprop.gradients(weights, X, Y, activations, cost)

    with pytest.raises(TargetTimeout, match="did not return within"):
        crosscheck.verify(hangs_on_big, timeout=0.5, **FAST)


def test_global_random_state_moves_on_so_a_random_bug_shows():
    result = crosscheck.verify(mutants.random_example_dropped, max_examples=60)
    assert not result.passed, format_result(result)


def test_the_cell_schedule_visits_every_cell():
    outputs = {"squared_error": ("identity", "tanh"), "log_likelihood": ("sigmoid",)}
    strata = cell_schedule(
        0, outputs=outputs, hidden=("relu", "tanh"), shallow=True,
        dtypes=("float64", "float32"), regimes=("typical", "small"), seed=3,
    )
    cells = {(s.featured, s.cost, s.output, s.dtype) for s in strata}
    assert len(strata) == len(cells) == 3 * 3 * 2 and all(s.pure for s in strata)


def test_keep_going_gives_a_verdict_per_cell():
    def bad_tanh(weights, X, Y, activations, cost):
        g = handprop.gradients(weights, X, Y, activations, cost)
        if "tanh" in activations[:-1]:
            g[0] = 1.5 * g[0]
        return g

    result = crosscheck.verify(
        bad_tanh, activations="tanh,relu", outputs="identity", dtypes="float64",
        keep_going=True,
    )
    status = {c: cell_status(n) for c, n in result.matrix.items()}
    assert status == {
        "tanh | squared_error/identity | float64": "fail",
        "relu | squared_error/identity | float64": "pass",
        "- | squared_error/identity | float64": "pass",
    }, status
    assert len(result.failures) == 1 and result.failures[0].cell.startswith("tanh")
    assert set(result.failures[0].problem.activations[:-1]) == {"tanh"}
    text = format_result(result)
    assert "verdict per cell" in text and "1 failing cell" in text
    assert matrix_text(result.matrix)[-1].split() == ["squared_error/identity", ".", "X", "."]
    assert "**FAIL**" in matrix_markdown(result.matrix)
    assert result_dict(result)["matrix"]["tanh | squared_error/identity | float64"]["status"] \
        == "fail"


def test_a_failure_is_weighed_in_words():
    from crosscheck.mutants.base import textbook, value, with_parts

    def naive(name, z):
        if name == "softplus":
            with np.errstate(over="ignore"):
                return np.log(1.0 + np.exp(z))
        return value(name, z)

    def softplus_log1p_exp(weights, X, Y, activations, cost):
        return textbook(weights, X, Y, activations, cost, with_parts(value=naive))

    inaccurate = crosscheck.verify(softplus_log1p_exp, activations="softplus,sigmoid,softmax",
                                   dtypes="float64")
    sev = inaccurate.counterexample.severity
    assert sev.kind == "numerically inaccurate", format_result(inaccurate)
    assert "right on" in sev.words and "relative error" in sev.words
    wrong = crosscheck.verify(mutants.tanh_derivative_one_minus_a, **FAST)
    assert wrong.counterexample.severity.kind == "wrong derivative"
    assert "severity: looks like a wrong derivative" in format_result(wrong)


def test_soft_labels_are_pointed_at():
    result = crosscheck.verify(mutants.labels_taken_as_argmax, **FAST)
    assert "hint: the label rows here are not one-hot" in format_result(result)
    one_hot = crosscheck.verify(mutants.labels_taken_as_argmax, labels="one_hot", **FAST)
    assert one_hot.passed, format_result(one_hot)


def test_bad_new_options_are_usage_errors():
    for kwargs in (dict(layout="nope"), dict(factor=3), dict(sizes="huge"),
                   dict(timeout=-1), dict(labels="hard"), dict(min_p=9, max_p=8)):
        with pytest.raises(UsageError):
            crosscheck.verify(handprop.gradients, **kwargs)
    with pytest.raises(UsageError, match=r"expected fn\(weights, biases, X, Y"):
        crosscheck.verify(handprop.gradients, layout="separate-out-in")
