"""The mutant catalogue (crosscheck.mutants): at least 15 realistic bugs, each a gradient
function in its convention with a one-line description, importable from the package
(the state and layout bugs of issue 12 among them); its correct
base (``textbook``) agrees with handprop; every mutant is really wrong and ``verify``
with default options catches it, shrinking the bugs of ``MINIMAL`` to the smallest
problem they allow (the full catalogue over more seeds is slow); the committed
``reports/mutants.json`` covers the current catalogue.
"""

from __future__ import annotations

import inspect
import itertools
import json
from pathlib import Path

import numpy as np
import pytest
from required import require_oracles

import crosscheck
import handprop
from crosscheck import mutants
from crosscheck.budget import budget
from crosscheck.judge import judge, reference, run_candidate
from crosscheck.problem import make_problem
from crosscheck.search import format_result
from crosscheck.search.result import DEFAULT_MAX_EXAMPLES
from crosscheck.verdict import check

require_oracles("torch", "mpmath")

REPORTS = Path(__file__).resolve().parents[3] / "reports"
SIGNATURE = ["weights", "X", "Y", "activations", "cost"]

ISSUE_12 = (
    "inplace_sgd_step",
    "shape_keyed_cache",
    "labels_taken_as_argmax",
    "softmax_ignores_label_sum",
    "mean_reduced_cost",
    "mean_over_outputs_too",
    "divided_by_m_twice",
    "out_in_gradient_reshaped",
    "bias_mean_weights_sum",
    "random_example_dropped",
)


def test_the_catalogue_has_at_least_15_described_mutants():
    from crosscheck.conventions import convention

    assert len(mutants.MUTANTS) >= 15 and set(ISSUE_12) <= set(mutants.MUTANTS)
    for name, (fn, description, options) in mutants.MUTANTS.items():
        assert callable(fn) and fn.__name__ == name
        expected = list(convention(**options).parameters)
        assert list(inspect.signature(fn).parameters) == expected, name
        assert description and "\n" not in description and len(description) <= 100, name
    descriptions = [m.description for m in mutants.MUTANTS.values()]
    assert len(set(descriptions)) == len(descriptions)


def _problem(activations, cost, sizes=(2, 3, 3, 2), P=4, dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    weights = [rng.uniform(-1, 1, (a + 1, b)) for a, b in itertools.pairwise(sizes)]
    X = rng.uniform(-1, 1, (P, sizes[0]))
    Y = rng.uniform(0, 1, (P, sizes[-1]))
    return make_problem(
        [w.astype(dtype) for w in weights], X.astype(dtype), Y.astype(dtype), activations, cost
    )


def test_textbook_agrees_with_handprop():
    for acts, cost in [
        (["tanh", "gelu", "sigmoid"], "log_likelihood"),
        (["elu", "softplus", "softmax"], "softmax_cross_entropy"),
        (["relu", "silu", "tanh"], "squared_error"),
    ]:
        for dtype in (np.float32, np.float64):
            p = _problem(acts, cost, dtype=dtype)
            grads, err = run_candidate(mutants.textbook, p)
            assert err is None, err
            b = budget(p)
            verdict = judge(grads, reference("torch", p, b), b)
            assert verdict.passed, verdict


def test_textbook_passes_verify():
    assert crosscheck.verify(mutants.textbook, max_examples=40, seed=11).passed


MINIMAL = {
    # needs a hidden layer; nothing else
    "missing_hidden_fprime": lambda p: p.depth == 2 and p.sizes == (1, 1, 1) and p.P == 1,
    # needs P >= 2; nothing else
    "bias_gradient_averaged": lambda p: p.sizes == (1, 1) and p.P == 2,
    # needs a square, non-1x1 matrix in the backward pass: w^1 of shape (3, 2)
    "transposed_backward_weights": lambda p: p.sizes == (1, 2, 2) and p.P == 1,
    # needs N_L >= 2
    "output_deltas_summed": lambda p: p.sizes == (1, 2) and p.P == 1,
    # needs a sigmoid at saturation: one unit is enough
    "sigmoid_derivative_clipped": lambda p: p.sizes == (1, 1) and p.dtype == np.float64,
    # an error only at depth 3 is shrunk to depth 3
    "last_hidden_derivative_reused": lambda p: p.depth == 3,
}
"""The smallest counterexample a bug allows (crosscheck.search.shrink), for the bugs
whose smallest one is known."""


@pytest.mark.parametrize("name", list(mutants.MUTANTS))
def test_every_mutant_is_caught_at_the_default_budget(name):
    """verify with default options (200 examples, seed 0) catches every mutant, on a
    counterexample that handprop passes; a layout bug in its convention, named in the
    text (these were test_real_code.py's); for the bugs of MINIMAL, shrunk to the
    smallest problem the bug allows (the same search: verify always shrinks)."""
    m = mutants.MUTANTS[name]
    result = crosscheck.verify(m.function, **m.options)
    assert not result.passed, f"{name}: {m.description} was not caught"
    cx = result.counterexample
    assert check(handprop.gradients, cx.problem).passed
    if m.options:  # a layout bug: caught in its convention, which the text names
        assert result.status == "fail", format_result(result)
        text = format_result(result)
        assert "the function's convention: layout separate" in text
        assert "layout=" in text.split("rerun the search:")[1]
    if name not in MINIMAL:
        return
    assert m.options == {}
    assert MINIMAL[name](cx.problem), f"{name}: not minimal: {cx.problem.describe()}"
    assert result.examples_until_caught == result.examples <= DEFAULT_MAX_EXAMPLES
    if cx.kind == "discrepancy":
        assert cx.failing_records(), "a discrepancy without a failing record"
        assert len(cx.outcome.oracles) == 2, "the discrepancy was not confirmed"
    # the counterexample really fails, on its own, with the same verdict
    assert check(m.function, cx.problem).status == "fail"
    assert check(handprop.gradients, cx.problem).status == "pass"


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_mutant_is_caught_whatever_the_seed(seed):
    missed = [
        name
        for name, m in mutants.MUTANTS.items()
        if crosscheck.verify(m.function, seed=seed, **m.options).passed
    ]
    assert not missed, f"not caught with seed {seed}: {missed}"

    payload = json.loads((REPORTS / "mutants.json").read_text())
    rows = {r["name"]: r for r in payload["rows"]}
    for name, m in mutants.MUTANTS.items():
        assert name in rows, f"reports/mutants.json lacks {name}: rerun `crosscheck mutants`"
        assert rows[name]["description"] == m.description
        assert rows[name]["caught"], f"{name} not caught in the committed report"
    assert rows["handprop.gradients"]["caught"] is False
    assert payload["ok"] is True


def test_every_mutant_is_an_attribute_of_the_package():
    from crosscheck.mutants import bias_gradient_averaged

    assert bias_gradient_averaged is mutants.MUTANTS["bias_gradient_averaged"].function
    for name, m in mutants.MUTANTS.items():
        assert getattr(mutants, name) is m.function
        assert name in dir(mutants)
    with pytest.raises(AttributeError, match="no_such_bug"):
        mutants.no_such_bug  # noqa: B018
