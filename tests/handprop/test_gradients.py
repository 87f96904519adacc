"""handprop's gradients: against finite differences, against each other, and their dtypes.

Every comparison is judged as the gate judges (tests/support/judged.py): within the
problem's error budget ``K u S`` (crosscheck.budget, docs/error-budget.md), plus the
finite-difference estimate's own error bounds where finite differences are the
reference. No tolerance is set here.

* ``handprop.gradients`` against central finite differences (crosscheck's
  finite-difference oracle: float64, its own plain-NumPy forward pass of seed eq. 1, 2,
  12, not handprop's), for every activation and every cost; small elements are judged
  relatively (no absolute floor).
* ``handprop.literal.gradients`` (eq. 9 loop by loop) and the special cases (eq. 11, 13,
  14, 15) against ``handprop.gradients`` wherever they apply, in float64 and float32,
  with the power the judge asks for; each special case refuses what it does not cover.
* The places where the seed's text is wrong (docs/derivation-notes.md): eq. 11 read
  literally, the sign of the log-likelihood, eq. 13's a (1 - a).
* dtype in = dtype out for every activation and cost.

Hypothesis strategies are local to this file. No torch or jax.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from judged import assert_judged, fd_reference, judged, peer_reference

import handprop
from crosscheck.budget import budget, ratios
from crosscheck.oracles import finite_differences
from crosscheck.problem import Problem, make_problem
from handprop import literal, special_cases
from handprop.activations import ACTIVATIONS, ELEMENTWISE
from handprop.costs import COSTS

DTYPES = (np.float32, np.float64)
LL_COSTS = ("log_likelihood", "binary_cross_entropy")

# --------------------------------------------------------------------------------------
# Problems


class Case(NamedTuple):
    """One gradient problem in the canonical layout (float64 unless cast)."""

    weights: list[np.ndarray]
    X: np.ndarray
    Y: np.ndarray
    activations: list[str]
    cost: str

    def args(self) -> tuple:
        return (self.weights, self.X, self.Y, self.activations, self.cost)

    def astype(self, dtype) -> Case:
        return Case(
            [w.astype(dtype) for w in self.weights],
            self.X.astype(dtype),
            self.Y.astype(dtype),
            list(self.activations),
            self.cost,
        )

    @property
    def sizes(self) -> tuple[int, ...]:
        return handprop.layer_sizes(self.weights)

    def problem(self) -> Problem:
        """The same question as crosscheck's validated :class:`Problem` (for the judge)."""
        return make_problem(*self.args())


WEIGHT_VALUES = st.floats(-1.0, 1.0)
INPUT_VALUES = st.floats(-1.0, 1.0)
LABEL_VALUES = {
    "unit": st.floats(0.0, 1.0),  # log_likelihood, binary_cross_entropy
    "nonnegative": st.floats(0.0, 2.0),  # softmax costs (soft, unnormalised rows too)
    "any": st.floats(-2.0, 2.0),  # squared_error
}


@st.composite
def cases(
    draw: Callable,
    *,
    costs: tuple[str, ...] = tuple(COSTS),
    hidden: tuple[str, ...] = ELEMENTWISE,
    se_outputs: tuple[str, ...] = ELEMENTWISE,
    depths: tuple[int, int] = (1, 3),
    sizes: tuple[int, ...] | None = None,
    n_out: int | None = None,
    max_P: int = 5,
) -> Case:
    """A small network: 1-3 weight layers, widths 1-4, P 1-5, labels valid for the cost.

    ``hidden`` are the hidden activations to draw from; the output activation is one the
    cost allows (``se_outputs`` for squared_error). ``sizes`` fixes the architecture,
    ``n_out`` only N_L.
    """
    cost = draw(st.sampled_from(costs))
    spec = COSTS[cost]
    if sizes is None:
        L = draw(st.integers(*depths))
        sizes = tuple(draw(st.lists(st.integers(1, 4), min_size=L + 1, max_size=L + 1)))
        if n_out is not None:
            sizes = (*sizes[:-1], n_out)
    L = len(sizes) - 1
    acts = [draw(st.sampled_from(hidden)) for _ in range(L - 1)]
    acts.append(draw(st.sampled_from(se_outputs if cost == "squared_error" else spec.outputs)))
    P = draw(st.integers(1, max_P))
    weights = [
        draw(hnp.arrays(np.float64, (sizes[l] + 1, sizes[l + 1]), elements=WEIGHT_VALUES))
        for l in range(L)
    ]
    X = draw(hnp.arrays(np.float64, (P, sizes[0]), elements=INPUT_VALUES))
    Y = draw(hnp.arrays(np.float64, (P, sizes[-1]), elements=LABEL_VALUES[spec.labels]))
    return Case(weights, X, Y, acts, cost)


# --------------------------------------------------------------------------------------
# Judging: finite differences as the reference, or handprop.gradients as the reference.


def fd_verdict(grads: list[np.ndarray], case: Case):
    """``grads`` against central differences of ``case``: the verdict and the estimate."""
    problem = case.problem()
    return judged(grads, fd_reference(problem), problem), finite_differences.estimate(problem)


def assert_matches_fd(case: Case) -> None:
    """handprop.gradients against central differences, away from kinks: where a relu,
    leaky_relu or elu unit changes sign within the steps (the estimate's ``kinked``), the
    estimate is only good for triage (a unit on each side of two stacked leaky_relu kinks
    gives both one-sided slopes 0.01 where the derivative is 0.0001), so Hypothesis
    draws again."""
    __tracebackhide__ = True
    problem = case.problem()
    assume(not any(k.any() for k in finite_differences.estimate(problem).kinked))
    assert_judged(handprop.gradients(*case.args()), fd_reference(problem), problem,
                  what="handprop.gradients")


def assert_agree(fn: Callable, case: Case) -> None:
    """``fn`` against ``handprop.gradients`` on ``case``: both round differently (other
    summation orders), which the budget's K counts."""
    __tracebackhide__ = True
    problem = case.problem()
    want = handprop.gradients(*case.args())
    got = fn(*case.args())
    assert [g.dtype for g in got] == [problem.dtype] * problem.depth, [g.dtype for g in got]
    assert_judged(got, peer_reference("handprop.gradients", want), problem,
                  what=f"{fn.__module__}.{fn.__name__}")


# --------------------------------------------------------------------------------------
# Finite differences


@given(cases())
def test_fd_differentiates_handprops_cost(case: Case) -> None:
    """The C that finite differences differentiate (their own forward pass) is the C that
    handprop.cost computes: equal within the rounding noise of a float64 evaluation of C,
    as the finite-difference oracle measures it (``noise``, ECnoise floored at eps times
    the size of the terms of C), once for each of the two evaluations (measured: at most
    0.46 noise over 1,500 drawn cases)."""
    problem = case.problem()
    noise = finite_differences.estimate(problem).noise
    got = float(handprop.cost(*case.args()))
    want = finite_differences.cost(*problem.args())
    assert abs(got - want) <= 2 * noise, (got, want, noise)


@pytest.mark.parametrize("activation", ELEMENTWISE)
@given(data=st.data())
def test_fd_each_activation(activation: str, data: st.DataObject) -> None:
    """Every hidden layer (and a squared_error output) uses ``activation``; any cost."""
    case = data.draw(cases(hidden=(activation,), se_outputs=(activation,), depths=(2, 3)))
    assert_matches_fd(case)


@pytest.mark.parametrize("cost", COSTS)
@given(data=st.data())
def test_fd_each_cost(cost: str, data: st.DataObject) -> None:
    case = data.draw(cases(costs=(cost,)))
    assert_matches_fd(case)


G_MIN = 1e-5
"""The smallest |g| at which a relative error of 1e-3 must be flagged against finite
differences in test_fd_check_flags_relative_error_of_1e_3 (the old model, an absolute
floor of 1e-6, needed |g| >= 1e-2 there)."""


@given(cases())
def test_fd_check_flags_relative_error_of_1e_3(case: Case) -> None:
    """Judged against finite differences, every gradient element with |g| >= G_MIN that
    is wrong by a relative 1e-3 (either sign) fails, for |C| <= 1e3 and no kink within the
    differences' steps: small elements are judged relatively, not against a floor."""
    problem = case.problem()
    est = finite_differences.estimate(problem)
    assume(not any(k.any() for k in est.kinked) and abs(float(handprop.cost(*case.args()))) <= 1e3)
    grads = handprop.gradients(*case.args())
    ref, b = fd_reference(problem), budget(problem)
    assert judged(grads, ref, problem, b).passed
    checked = 0
    for l, g in enumerate(grads):
        for idx in zip(*np.nonzero(np.abs(g) >= G_MIN), strict=True):
            for rel in (1e-3, -1e-3):
                wrong = [x.copy() for x in grads]
                wrong[l][idx] *= 1 + rel
                assert not judged(wrong, ref, problem, b).passed, (
                    f"weights[{l}]{idx} = {g[idx]!r} * (1 + {rel}) not flagged"
                )
                checked += 1
    assume(checked)


def _tiny_column_case() -> Case:
    """A 2-3-1 tanh/sigmoid net whose first input is ~3e-6: the gradients of the weights
    that multiply it are 4e-8 to 5e-7, far below the 0.1 of a typical element (and above
    the finite differences' noise floor here, 4e-9)."""
    case = _case((2, 3, 1), ["tanh", "sigmoid"], "log_likelihood", P=4, seed=5)
    case.X[:, 0] *= 3e-6
    return case


def test_a_small_element_wrong_by_100_percent_fails_against_fd() -> None:
    """A gradient element with |g| < 1e-3, doubled (a 100% error), fails against finite
    differences; so does each of them alone. (The old tolerance 1e-6 (1 + |g|) let all of
    these through.)"""
    case = _tiny_column_case()
    grads = handprop.gradients(*case.args())
    small = np.abs(grads[0][1])
    assert (small > 0).all() and (small < 1e-6).all(), small  # the elements in question
    verdict, _ = fd_verdict(grads, case)
    assert verdict.passed
    for c in range(grads[0].shape[1]):
        wrong = [g.copy() for g in grads]
        wrong[0][1, c] *= 2.0
        verdict, _ = fd_verdict(wrong, case)
        assert not verdict.passed, f"weights[0][1, {c}] = {grads[0][1, c]!r} doubled passed"
        assert verdict.comparison.worst.index == (1, c)


# --------------------------------------------------------------------------------------
# literal, special cases and gradients agree


@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_literal_agrees_with_gradients(dtype, data: st.DataObject) -> None:
    assert_agree(literal.gradients, data.draw(cases()).astype(dtype))


def test_literal_agrees_with_gradients_on_subnormal_labels() -> None:
    """Found by Hypothesis: float32 labels of 2e-43 make y - h sum(y) = 0 in exact
    arithmetic; the two routes round the subnormal halves differently, by one subnormal
    step, which is what the eta term of the tolerance is for."""
    case = Case(
        [np.zeros((2, 1)), np.zeros((2, 1)), np.zeros((2, 2))],
        np.zeros((1, 1)),
        np.full((1, 2), 2.15e-43),
        ["sigmoid", "sigmoid", "softmax"],
        "softmax_log_likelihood",
    ).astype(np.float32)
    assert_agree(literal.gradients, case)


@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_one_output_agrees_with_gradients(dtype, data: st.DataObject) -> None:
    """Eq. 11 with the sum over n_l kept, any depth, activation and cost (softmax too)."""
    assert_agree(special_cases.one_output_gradients, data.draw(cases(n_out=1)).astype(dtype))


@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_sigmoid_log_likelihood_agrees_with_gradients(dtype, data: st.DataObject) -> None:
    case = data.draw(cases(costs=LL_COSTS, hidden=("sigmoid",)))
    assert_agree(special_cases.sigmoid_log_likelihood_gradients, case.astype(dtype))


@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_two_layer_agrees_with_gradients(dtype, data: st.DataObject) -> None:
    """Eq. 14 with its indices read as n_2, n_1 and z^{p,1} (see docs/derivation-notes.md)."""
    case = data.draw(cases(depths=(2, 2)))
    assert_agree(special_cases.two_layer_gradients, case.astype(dtype))


@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_xor_221_agrees_with_gradients(dtype, data: st.DataObject) -> None:
    """Eq. 15 summed over all P examples (any P, any inputs), both signs of the cost."""
    case = data.draw(cases(costs=LL_COSTS, hidden=("sigmoid",), sizes=(2, 2, 1)))
    assert_agree(special_cases.xor_221_gradients, case.astype(dtype))


def _case(sizes, activations, cost, *, P=3, seed=0, dtype=np.float64) -> Case:
    """A deterministic problem with labels valid for ``cost``."""
    rng = np.random.default_rng(seed)
    weights = handprop.init_weights(sizes, seed=rng, bias=0.5)
    X = rng.uniform(-1, 1, (P, sizes[0]))
    rule = COSTS[cost].labels
    lo, hi = {"unit": (0, 1), "nonnegative": (0, 2), "any": (-2, 2)}[rule]
    Y = rng.uniform(lo, hi, (P, sizes[-1]))
    return Case(weights, X, Y, list(activations), cost).astype(dtype)


SIG_LL = (["sigmoid", "sigmoid"], "log_likelihood")


@pytest.mark.parametrize(
    ("fn", "case", "argument"),
    [
        pytest.param(special_cases.one_output_gradients, _case((2, 3, 2), *SIG_LL), "weights",
                     id="one_output-two_outputs"),
        pytest.param(special_cases.sigmoid_log_likelihood_gradients,
                     _case((2, 3, 1), ["sigmoid", "sigmoid"], "squared_error"), "cost",
                     id="sigmoid_ll-squared_error"),
        pytest.param(special_cases.sigmoid_log_likelihood_gradients,
                     _case((2, 3, 2), ["sigmoid", "softmax"], "softmax_log_likelihood"), "cost",
                     id="sigmoid_ll-softmax"),
        pytest.param(special_cases.sigmoid_log_likelihood_gradients,
                     _case((2, 3, 1), ["tanh", "sigmoid"], "log_likelihood"), "activations",
                     id="sigmoid_ll-tanh_hidden"),
        pytest.param(special_cases.two_layer_gradients, _case((2, 1), ["sigmoid"],
                     "log_likelihood"), "weights", id="two_layer-one_layer"),
        pytest.param(special_cases.two_layer_gradients, _case((2, 2, 2, 1), ["tanh"] * 2
                     + ["sigmoid"], "log_likelihood"), "weights", id="two_layer-three_layers"),
        pytest.param(special_cases.xor_221_gradients, _case((2, 3, 1), *SIG_LL), "weights",
                     id="xor-hidden_3"),
        pytest.param(special_cases.xor_221_gradients, _case((3, 2, 1), *SIG_LL), "weights",
                     id="xor-inputs_3"),
        pytest.param(special_cases.xor_221_gradients, _case((2, 2, 2), *SIG_LL), "weights",
                     id="xor-outputs_2"),
        pytest.param(special_cases.xor_221_gradients, _case((2, 2, 1), ["tanh", "sigmoid"],
                     "log_likelihood"), "activations", id="xor-tanh_hidden"),
        pytest.param(special_cases.xor_221_gradients, _case((2, 2, 1), ["sigmoid", "sigmoid"],
                     "squared_error"), "cost", id="xor-squared_error"),
    ],
)
def test_special_case_refuses_what_it_does_not_cover(fn, case: Case, argument: str) -> None:
    with pytest.raises(ValueError, match=rf"^{argument}\b") as info:
        fn(*case.args())
    assert argument in str(info.value)


# --------------------------------------------------------------------------------------
# Where the seed's text is wrong (docs/derivation-notes.md)


def eq11_as_written(case: Case, kept: int) -> list[np.ndarray]:
    """Seed eq. 11 read literally: at every hidden layer dc^p/dz^{p,l-1}_{n_{l-1}} =
    f'(z^{p,l-1}_{n_{l-1}}) w^{l-1}_{n_{l-1} n_l} dc^p/dz^{p,l}_{n_l} with no sum over n_l,
    i.e. only the term n_l = ``kept`` (0-based) of the layer above survives."""
    assert case.activations[-1] == "sigmoid" and case.cost == "log_likelihood"
    fp = handprop.forward(case.weights, case.X, case.activations)
    L = len(case.weights)
    delta = case.Y - fp.a[L]  # eq. 13: dc^p/dz^{p,L} = y - h (moderate z: no cancellation)
    grads = [np.empty_like(w) for w in case.weights]
    for l in range(L - 1, -1, -1):
        grads[l][0] = delta.sum(axis=0)
        grads[l][1:] = fp.a[l].T @ delta
        if l:
            f = ACTIVATIONS[case.activations[l - 1]]
            n = min(kept, delta.shape[1] - 1)
            w = case.weights[l][1:, n]  # the seed's w^{l-1}_{n_{l-1} n_l}, one n_l kept
            delta = f.derivative(fp.z[l], fp.a[l]) * np.outer(delta[:, n], w)
    return grads


def test_eq11_needs_the_sum_over_n_l_below_the_last_hidden_layer() -> None:
    """On a 3-layer net with one output and hidden widths 3 and 2, eq. 11 as written
    (no sum over n_l) gets the first layer's gradients wrong, for either choice of the
    term it keeps; one_output_gradients keeps the sum and agrees with finite differences
    and with gradients. The two layers next to the output are right either way (N_L = 1)."""
    case = _case((2, 3, 2, 1), ["tanh", "tanh", "sigmoid"], "log_likelihood", P=4, seed=11)
    problem = case.problem()
    verdict, est = fd_verdict(special_cases.one_output_gradients(*case.args()), case)
    assert verdict.passed and not any(k.any() for k in est.kinked)
    assert_agree(special_cases.one_output_gradients, case)
    ref, b = fd_reference(problem), budget(problem)
    for kept in (0, 1):
        q = ratios(eq11_as_written(case, kept), ref.gradients, b, extra=ref.extra)
        assert (q[0] > 1).all(), f"kept {kept}: some element of w^0 is right: {q[0]}"
        assert all((r <= 1).all() for r in q[1:]), f"kept {kept}: {q[1:]}"


@given(cases(costs=("log_likelihood",)))
def test_log_likelihood_is_maximised_and_bce_is_its_negation(case: Case) -> None:
    """Seed eq. 12 is a log-likelihood: its gradient points uphill (gradient ascent trains),
    and binary_cross_entropy is exactly its negation, gradient h - y instead of y - h."""
    bce = case._replace(cost="binary_cross_entropy")
    g = handprop.gradients(*case.args())
    g_bce = handprop.gradients(*bce.args())
    for a, b in zip(g, g_bce, strict=True):
        np.testing.assert_array_equal(b, -a)
    C = float(handprop.cost(*case.args()))
    assert float(handprop.cost(*bce.args())) == -C
    assert C <= 0
    norm2 = sum(float(np.sum(x * x)) for x in g)
    assume(norm2 >= 1e-6)
    eta = 1e-4 / (1 + np.sqrt(norm2))
    up = case._replace(weights=[w + eta * x for w, x in zip(case.weights, g, strict=True)])
    down = case._replace(weights=[w - eta * x for w, x in zip(case.weights, g, strict=True)])
    assert float(handprop.cost(*up.args())) > C > float(handprop.cost(*down.args()))


def test_sigmoid_derivative_is_a_times_one_minus_a_of_the_stored_activation() -> None:
    """Eq. 13: f'(z) = a (1 - a) is taken from the stored a, not recomputed from z."""
    a = np.array([0.1, 0.5, 0.75, 0.999])
    unrelated_z = np.array([50.0, -50.0, 0.0, 3.0])
    np.testing.assert_array_equal(ACTIVATIONS["sigmoid"].derivative(unrelated_z, a), a * (1 - a))
    z = np.linspace(-6, 6, 13)
    s = 1 / (1 + np.exp(-z))
    got = ACTIVATIONS["sigmoid"].derivative(z, handprop.activations.sigmoid(z))
    np.testing.assert_allclose(got, np.exp(-z) / (1 + np.exp(-z)) ** 2, rtol=1e-13)
    np.testing.assert_allclose(got, s * (1 - s), rtol=1e-13)


@given(cases())
def test_weights_row_zero_is_the_bias(case: Case) -> None:
    """Eq. 1: w^l_{0 n_{l+1}} (row 0) is added to z^{l+1}; rows 1..N_l multiply a^l.

    Exactly, without writing eq. 1 again: with ``weights[l]`` replaced by a matrix whose
    only non-zero entry is a 1 at (r, c), z^{l+1} is 0 outside column c, and column c is
    1 for every example when r = 0 (the bias) and a^l[:, r - 1] otherwise (sums of exact
    zeros and one product by 1: no rounding)."""
    fp = handprop.forward(case.weights, case.X, case.activations)
    for l, w in enumerate(case.weights):
        for r, c in np.ndindex(w.shape):
            unit = np.zeros_like(w)
            unit[r, c] = 1.0
            z = handprop.forward([*case.weights[:l], unit, *case.weights[l + 1 :]], case.X,
                                 case.activations).z[l + 1]
            want = np.zeros_like(z)
            want[:, c] = 1.0 if r == 0 else fp.a[l][:, r - 1]
            np.testing.assert_array_equal(z, want, err_msg=f"weights[{l}] unit at {(r, c)}")


# --------------------------------------------------------------------------------------
# dtype in = dtype out


def _combinations():
    for activation in ELEMENTWISE:
        for cost, spec in COSTS.items():
            out = activation if cost == "squared_error" else spec.outputs[0]
            yield activation, out, cost


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("activation", "output", "cost"), list(_combinations()))
def test_dtype_in_is_dtype_out(activation: str, output: str, cost: str, dtype) -> None:
    """float32 stays float32 and float64 stays float64 through every public function."""
    dtype = np.dtype(dtype)
    case = _case((3, 4, 3, 2 if output == "softmax" else 1), [activation] * 2 + [output], cost,
                 P=4, seed=7, dtype=dtype)
    fp = handprop.forward(case.weights, case.X, case.activations)
    z_lit, a_lit = literal.forward(case.weights, case.X, case.activations)
    for l in range(4):
        for name, arr in (("z", fp.z[l]), ("a", fp.a[l]), ("literal z", z_lit[l]),
                          ("literal a", a_lit[l])):
            assert arr.dtype == dtype, f"{name}[{l}] is {arr.dtype}"
    C = handprop.cost(*case.args())
    assert C.dtype == dtype and np.ndim(C) == 0
    routes = [handprop.gradients, literal.gradients]
    if case.Y.shape[1] == 1:
        routes.append(special_cases.one_output_gradients)
    if activation == "sigmoid" and cost in LL_COSTS:
        routes.append(special_cases.sigmoid_log_likelihood_gradients)
    for fn in routes:
        grads = fn(*case.args())
        assert [g.shape for g in grads] == [w.shape for w in case.weights], fn.__name__
        assert all(g.dtype == dtype for g in grads), (fn.__name__, [g.dtype for g in grads])
        assert all(np.isfinite(g).all() for g in grads), fn.__name__
    two = _case((3, 4, 2 if output == "softmax" else 1), [activation, output], cost,
                seed=8, dtype=dtype)
    assert all(g.dtype == dtype for g in special_cases.two_layer_gradients(*two.args()))
    if activation == "sigmoid" and cost in LL_COSTS:
        xor = _case((2, 2, 1), ["sigmoid", "sigmoid"], cost, P=4, seed=9, dtype=dtype)
        assert all(g.dtype == dtype for g in special_cases.xor_221_gradients(*xor.args()))
