"""options: one validated record of which problems may be drawn."""

from __future__ import annotations

import numpy as np
import pytest

from crosscheck.errors import UsageError
from crosscheck.options import REGIMES, SATURATING_Z, problem_space
from crosscheck.spec import COST_ORDER, ELEMENTWISE


def test_the_default_space_is_everything() -> None:
    s = problem_space()
    assert s.hidden == ELEMENTWISE and s.costs == COST_ORDER
    assert s.outputs["log_likelihood"] == ("sigmoid",)
    assert s.outputs["softmax_cross_entropy"] == ("softmax",)
    assert s.outputs["squared_error"] == ELEMENTWISE
    assert s.dtypes == (np.dtype(np.float64), np.dtype(np.float32))
    assert (s.min_depth, s.max_depth, s.max_width, s.max_q, s.max_p) == (1, 5, 8, 8, 16)
    assert s.regimes == REGIMES and s.saturation == SATURATING_Z


def test_restrictions_compose() -> None:
    s = problem_space(activations="relu,sigmoid,softmax", outputs=["sigmoid", "softmax"])
    assert s.hidden == ("sigmoid", "relu")
    assert s.outputs == {
        "log_likelihood": ("sigmoid",),
        "binary_cross_entropy": ("sigmoid",),
        "squared_error": ("sigmoid",),
        "softmax_log_likelihood": ("softmax",),
        "softmax_cross_entropy": ("softmax",),
    }
    s = problem_space(activations=["relu", "identity"], costs="squared_error")
    assert s.outputs == {"squared_error": ("identity", "relu")}
    assert s.given["activations"] == ["relu", "identity"]


def test_softmax_alone_allows_depth_one_only() -> None:
    s = problem_space(activations=["softmax"])
    assert s.hidden == () and s.max_depth == 1
    with pytest.raises(UsageError, match="only depth 1"):
        problem_space(activations=["softmax"], min_depth=2)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(activations=["sigmoid"], costs=["softmax_cross_entropy"]), "^costs: no cost"),
        (dict(min_depth=3, max_depth=2), "^min_depth, max_depth"),
        (dict(max_width=0), "^max_width"),
        (dict(max_p=1.5), "^max_p"),
        (dict(regimes=["huge"]), "^regimes"),
        (dict(saturation=-1), "^saturation"),
        (dict(dtypes="float16"), "^dtypes"),
        (dict(outputs=["swish"]), "^outputs"),
    ],
)
def test_a_bad_option_names_itself(kwargs, message) -> None:
    with pytest.raises(UsageError, match=message):
        problem_space(**kwargs)


# ----------------------------------------------------------------------------- issue 12


def test_outputs_are_apart_from_the_hidden_activations() -> None:
    s = problem_space(activations="relu", outputs="identity")
    assert s.hidden == ("relu",) and s.outputs == {"squared_error": ("identity",)}
    s = problem_space(activations="relu", outputs="softmax,sigmoid")
    assert s.outputs["softmax_cross_entropy"] == ("softmax",)
    assert s.outputs["log_likelihood"] == ("sigmoid",)


def test_a_named_cost_whose_output_is_excluded_is_an_error_not_a_silent_drop() -> None:
    with pytest.raises(UsageError, match="'softmax_log_likelihood' needs the output activation"):
        problem_space(activations="sigmoid,tanh", costs="squared_error,softmax_log_likelihood")
    with pytest.raises(UsageError, match="add it to --outputs"):
        problem_space(outputs="identity", costs="squared_error,log_likelihood")
    # costs not named: those without an allowed output are simply not drawn
    assert problem_space(activations="tanh").costs == ("squared_error",)


def test_sizes_have_minimums_and_profiles() -> None:
    s = problem_space(min_depth=2, max_depth=3, min_width=4, min_p=3, min_q=2, min_outputs=2)
    assert (s.min_depth, s.min_width, s.min_p, s.min_q, s.output_range) == (2, 4, 3, 2, (2, 8))
    large = problem_space(sizes="large")
    assert (large.min_p, large.max_p, large.min_width, large.max_width) == (256, 4096, 64, 1024)
    assert large.log_sizes and large.output_range == (1, 64) and large.profile == "large"
    assert problem_space(sizes="large", max_p=512).max_p == 512
    assert problem_space(max_width=4).output_range == (1, 4)
    with pytest.raises(UsageError, match=r"^sizes: expected one of gate, medium, large"):
        problem_space(sizes="huge")
    with pytest.raises(UsageError, match=r"^min_width, max_width"):
        problem_space(min_width=9)


def test_powers_of_two_must_fit_the_range() -> None:
    s = problem_space(powers_of_two=("P", "N_L"))
    assert s.powers_of_two == ("P", "N_L")
    with pytest.raises(UsageError, match="draws p as a power of two, and \\[5, 7\\] holds none"):
        problem_space(min_p=5, max_p=7, powers_of_two=("P",))


def test_label_kinds_restrict_only_the_families_they_name() -> None:
    s = problem_space(labels="one-hot")
    assert s.label_kinds("nonnegative") == ("one_hot",)
    assert s.label_kinds("unit") == ("binary", "soft") and s.label_kinds("any") == (
        "typical", "large")
    s = problem_space(labels=["soft"])
    assert s.label_kinds("nonnegative") == ("soft",) and s.label_kinds("unit") == ("soft",)
    with pytest.raises(UsageError, match=r"^labels"):
        problem_space(labels="hard")


def test_regimes_restrict_the_mixed_regimes_layers_too() -> None:
    s = problem_space(regimes="typical,small,mixed")
    assert s.regimes == ("typical", "small", "mixed") and s.mixed == ("typical", "small")


def test_admits_checks_sizes_names_and_dtype() -> None:
    from crosscheck.problem import make_problem

    p = make_problem([np.zeros((3, 4)), np.zeros((5, 1))], np.zeros((4, 2)), np.zeros((4, 1)),
                     ["relu", "identity"], "squared_error")
    assert problem_space().admits(p)
    assert not problem_space(min_depth=3).admits(p)
    assert not problem_space(max_width=3).admits(p)
    assert not problem_space(activations="tanh,identity").admits(p)
    assert not problem_space(dtypes="float32").admits(p)
    assert problem_space(powers_of_two=("P",)).admits(p)
    assert not problem_space(min_p=5).admits(p)
