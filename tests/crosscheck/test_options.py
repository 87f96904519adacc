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
