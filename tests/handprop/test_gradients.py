"""handprop's gradients: against finite differences, against each other, and their dtypes.

* ``handprop.gradients`` against central finite differences (float64) of a cost written
  here from the definitions (seed eq. 1, 2, 12), for every activation and every cost.
* ``handprop.literal.gradients`` (eq. 9 loop by loop) and the special cases (eq. 11, 13,
  14, 15) against ``handprop.gradients`` wherever they apply, to a few ulps times a
  size factor, in float64 and float32; each special case refuses what it does not cover.
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

import handprop
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
# An independent cost: the definitions written out plainly, no handprop code. Safe for
# the drawn problems (|w|, |x| <= 1, widths <= 4, depth <= 3 keep |z| below 100).


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _log_sigmoid(z):
    return -np.log1p(np.exp(-z))


def _softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


REFERENCE_ACTIVATIONS: dict[str, Callable] = {
    "sigmoid": _sigmoid,
    "tanh": np.tanh,
    "relu": lambda z: np.where(z > 0, z, 0.0),
    "leaky_relu": lambda z: np.where(z > 0, z, 0.01 * z),
    "identity": lambda z: z,
    "softplus": lambda z: np.log1p(np.exp(z)),
    "elu": lambda z: np.where(z > 0, z, np.expm1(np.minimum(z, 0.0))),
    "silu": lambda z: z * _sigmoid(z),
    "gelu": lambda z: 0.5 * z * (1 + np.tanh(np.sqrt(2 / np.pi) * (z + 0.044715 * z**3))),
    "softmax": _softmax,
}
# f' jumps at 0 (relu, leaky_relu) or f'' does (elu): finite differences must not straddle 0.
KINKED = ("relu", "leaky_relu", "elu")
KINK_MARGIN = 1e-3


def reference_cost(weights, X, Y, activations, cost) -> tuple[float, list[np.ndarray]]:
    """C of seed eq. 2 from the definitions; also the pre-activations z^1..z^L."""
    a, zs = X, []
    for w, name in zip(weights, activations, strict=True):
        z = w[0] + a @ w[1:]  # eq. 1
        zs.append(z)
        a = REFERENCE_ACTIVATIONS[name](z)
    if cost in LL_COSTS:
        c = Y * _log_sigmoid(z) + (1 - Y) * _log_sigmoid(-z)  # eq. 12 via log h = log sigma(z)
        C = np.sum(c) * (1 if cost == "log_likelihood" else -1)
    elif cost == "squared_error":
        C = 0.5 * np.sum((a - Y) ** 2)
    else:
        log_h = z - z.max(axis=1, keepdims=True)
        log_h -= np.log(np.exp(log_h).sum(axis=1, keepdims=True))
        C = np.sum(Y * log_h) * (1 if cost == "softmax_log_likelihood" else -1)
    return float(C), zs


# --------------------------------------------------------------------------------------
# Central finite differences and their tolerance
#
# With step h the central difference of C has truncation error h^2/6 |C'''| and rounding
# error about u |C| / h (every cost here is a sum of terms of one sign, so |C| is the size
# of what is summed). With h = 1e-5 in float64 the first is ~1.7e-11 |C'''| and the second
# ~1.1e-11 |C|; the tolerance FD_RTOL (1 + |g|) + 64 u |C| / h covers both with a wide
# margin on these small nets (measured worst |fd - g| / (1 + |g|) ~ 1e-9) and still
# flags a gradient element off by a relative 1e-3 once |g| >~ 1e-3
# (test_fd_check_flags_relative_error_of_1e_3).

FD_STEP = 1e-5
FD_RTOL = 1e-6
U64 = np.finfo(np.float64).eps / 2


class FiniteDifferences(NamedTuple):
    grads: list[np.ndarray]
    cost: float
    clear_of_kinks: bool  # no z at a kinked layer near 0 or changing sign under the steps


def central_differences(case: Case, h: float = FD_STEP) -> FiniteDifferences:
    C0, z0 = reference_cost(*case.args())
    kinked = [l for l, name in enumerate(case.activations) if name in KINKED]
    signs = [z0[l] > 0 for l in kinked]
    clear = all(np.min(np.abs(z0[l])) >= KINK_MARGIN for l in kinked)
    grads = []
    for l, w in enumerate(case.weights):
        g = np.empty_like(w)
        for idx in np.ndindex(w.shape):
            values, points = [], []
            for step in (h, -h):
                shifted = [x.copy() for x in case.weights]
                shifted[l][idx] += step
                C, z = reference_cost(shifted, *case.args()[1:])
                clear = clear and all(
                    np.array_equal(z[k] > 0, s) for k, s in zip(kinked, signs, strict=True)
                )
                values.append(C)
                points.append(shifted[l][idx])
            g[idx] = (values[0] - values[1]) / (points[0] - points[1])  # the steps taken
        grads.append(g)
    return FiniteDifferences(grads, C0, clear)


def fd_tolerance(g: np.ndarray, C: float, h: float = FD_STEP) -> np.ndarray:
    return FD_RTOL * (1.0 + np.abs(g)) + 64 * U64 * abs(C) / h


def fd_mismatches(grads: list[np.ndarray], fd: FiniteDifferences) -> list[str]:
    """One line per gradient element that finite differences contradict."""
    bad = []
    for l, (g, d) in enumerate(zip(grads, fd.grads, strict=True)):
        tol = fd_tolerance(g, fd.cost)
        for idx in zip(*np.nonzero(~(np.abs(g - d) <= tol)), strict=True):
            idx = tuple(int(i) for i in idx)
            bad.append(
                f"weights[{l}]{list(idx)}: gradient {g[idx]!r}, finite differences "
                f"{d[idx]!r}, |diff| {abs(g[idx] - d[idx]):.3e} > tol {tol[idx]:.3e}"
            )
    return bad


def assert_matches_fd(case: Case) -> None:
    __tracebackhide__ = True
    fd = central_differences(case)
    assume(fd.clear_of_kinks)
    grads = handprop.gradients(*case.args())
    bad = fd_mismatches(grads, fd)
    assert not bad, (
        f"handprop.gradients disagrees with central differences ({case.activations}, "
        f"{case.cost!r}, sizes {case.sizes}, P={case.X.shape[0]}):\n" + "\n".join(bad)
    )


# --------------------------------------------------------------------------------------
# Agreement between two of handprop's routes to the same gradient
#
# The routes differ only in the order of their sums, so they may disagree by rounding
# alone. Rounding a sum of n terms moves it by at most ~n u (sum of |terms|). Forward, that
# puts z^l within a radius r^l = n u (|w_0| + |a^{l-1}| |W|) + (radius of a^{l-1}) |W| of
# its exact value, and a^l within |f(z^l +- r^l) - f(z^l)|. Backward, running the
# recursion on magnitudes gives, per gradient element, a scale S with |difference| <~ n u S:
# |y| + |h| instead of |y - h| at the output, |w|, |a| and |f'| instead of w, a and f', each
# widened by how far it moves when z moves by r (|f'(z +- r) - f'(z)| / u): that term is
# what keeps the check sound where f'(z) ~ 0 (gelu at z ~ -0.75) or at a relu's kink.
# Tolerance: AGREE_ULPS n L (u max_layer S + eta), n = P + max N_l + 1 (the longest sum),
# L the depth, eta the smallest subnormal (rounding below the normal range is absolute).

AGREE_ULPS = 2.0


def _moved(fn: Callable, z: np.ndarray, r: np.ndarray) -> np.ndarray:
    """How far fn(z) moves when z moves by up to r: max |fn(z +- r) - fn(z)|."""
    at = fn(z)
    return np.maximum(np.abs(fn(z + r) - at), np.abs(fn(z - r) - at))


def magnitude_scale(case: Case) -> list[float]:
    """Per layer, the largest S of its gradient elements (see above), in the case's u."""
    c = case.astype(np.float64)
    u = float(np.finfo(case.X.dtype).eps) / 2
    n = c.X.shape[0] + max(c.sizes) + 1
    L = len(c.weights)
    fp = handprop.forward(c.weights, c.X, c.activations)
    z, a = fp.z, fp.a
    radius_z, radius_a = [np.zeros_like(c.X)], [np.zeros_like(c.X)]
    for l, w in enumerate(c.weights, start=1):
        W = np.abs(w[1:])
        r = n * u * (np.abs(w[0]) + np.abs(a[l - 1]) @ W) + radius_a[l - 1] @ W
        radius_z.append(r)
        name = c.activations[l - 1]
        if name == "softmax":  # |d softmax_j| <= 2 h_j max_k |dz_k|
            radius_a.append(2 * a[l] * r.max(axis=1, keepdims=True))
        else:
            radius_a.append(_moved(ACTIVATIONS[name].value, z[l], r))

    y, h, out = c.Y, a[L], c.activations[-1]
    if out == "softmax":
        d = np.abs(y) + h * np.abs(y).sum(axis=1, keepdims=True)
        d = d + d * 2 * radius_z[L].max(axis=1, keepdims=True) / u
    else:
        f = ACTIVATIONS[out]
        if c.cost in LL_COSTS:
            d = np.abs(y) * (1 - h) + np.abs(1 - y) * h
        else:
            d = (np.abs(h) + np.abs(y)) * np.abs(f.derivative(z[L], h))
        delta = COSTS[c.cost].delta
        d = d + _moved(lambda t: delta(t, f.value(t), y, f.derivative), z[L], radius_z[L]) / u

    scale = [0.0] * L
    for l in range(L - 1, -1, -1):
        A = np.abs(a[l]) + radius_a[l] / u
        scale[l] = max(float(d.sum(initial=0.0)), float(np.max(A.T @ d, initial=0.0)))
        if l:
            f = ACTIVATIONS[c.activations[l - 1]]
            fprime = lambda t, f=f: f.derivative(t, f.value(t))  # noqa: E731
            F = np.abs(fprime(z[l])) + _moved(fprime, z[l], radius_z[l]) / u
            d = (d @ np.abs(c.weights[l][1:]).T) * F
    return scale


def agreement_failures(got: list[np.ndarray], want: list[np.ndarray], case: Case) -> list[str]:
    dtype = case.X.dtype
    u = float(np.finfo(dtype).eps) / 2
    eta = float(np.finfo(dtype).smallest_subnormal)
    n = case.X.shape[0] + max(case.sizes) + 1
    scale = magnitude_scale(case)
    bad = []
    for l, (g, w) in enumerate(zip(got, want, strict=True)):
        if g.shape != w.shape or g.dtype != dtype:
            bad.append(f"weights[{l}]: got {g.shape} {g.dtype}, expected {w.shape} {dtype}")
            continue
        diff = float(np.max(np.abs(g.astype(np.float64) - w.astype(np.float64))))
        tol = AGREE_ULPS * n * len(got) * (u * scale[l] + eta)
        if not diff <= tol:
            bad.append(f"weights[{l}]: max |diff| {diff:.3e} > tol {tol:.3e}\n{g!r}\n{w!r}")
    return bad


def assert_agree(fn: Callable, case: Case) -> None:
    __tracebackhide__ = True
    want = handprop.gradients(*case.args())
    got = fn(*case.args())
    bad = agreement_failures(got, want, case)
    assert not bad, (
        f"{fn.__module__}.{fn.__name__} disagrees with handprop.gradients "
        f"({case.activations}, {case.cost!r}, sizes {case.sizes}, {case.X.dtype}):\n"
        + "\n".join(bad)
    )


# --------------------------------------------------------------------------------------
# Finite differences


@given(cases())
def test_reference_cost_is_handprops_cost(case: Case) -> None:
    """The function differentiated below is the C that handprop.cost computes."""
    want, _ = reference_cost(*case.args())
    got = float(handprop.cost(*case.args()))
    assert abs(got - want) <= 1e-12 * (1 + abs(want)), (got, want)


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


@given(cases())
def test_fd_check_flags_relative_error_of_1e_3(case: Case) -> None:
    """The finite-difference check above rejects every gradient element with |g| >= 1e-2
    that is wrong by a relative 1e-3 (either sign), for |C| <= 1e3."""
    fd = central_differences(case)
    assume(fd.clear_of_kinks and abs(fd.cost) <= 1e3)
    grads = handprop.gradients(*case.args())
    assert not fd_mismatches(grads, fd)
    checked = 0
    for l, g in enumerate(grads):
        for idx in zip(*np.nonzero(np.abs(g) >= 1e-2), strict=True):
            for rel in (1e-3, -1e-3):
                wrong = [x.copy() for x in grads]
                wrong[l][idx] *= 1 + rel
                assert fd_mismatches(wrong, fd), f"weights[{l}]{idx} * (1 + {rel}) not flagged"
                checked += 1
    assume(checked)


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


@given(cases())
def test_agreement_check_flags_a_relative_error_of_1e_12(case: Case) -> None:
    """The agreement tolerance is tight: a float64 gradient whose largest element is off
    by a relative 1e-12 fails it (when that element is not dwarfed by its rounding scale
    and not near the subnormal range)."""
    grads = handprop.gradients(*case.args())
    l = int(np.argmax([np.max(np.abs(g)) for g in grads]))
    idx = np.unravel_index(np.argmax(np.abs(grads[l])), grads[l].shape)
    big = abs(grads[l][idx])
    assume(big >= 1e-290 and big >= 1e-2 * magnitude_scale(case)[l])  # normal range
    assert not agreement_failures(grads, handprop.gradients(*case.args()), case)
    wrong = [g.copy() for g in grads]
    wrong[l][idx] *= 1 + 1e-12
    assert agreement_failures(wrong, grads, case)


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
    fd = central_differences(case)
    assert fd.clear_of_kinks
    assert not fd_mismatches(special_cases.one_output_gradients(*case.args()), fd)
    assert_agree(special_cases.one_output_gradients, case)
    for kept in (0, 1):
        as_written = eq11_as_written(case, kept)
        bad = fd_mismatches(as_written, fd)
        assert bad and all(line.startswith("weights[0]") for line in bad), bad
        assert len(bad) == case.weights[0].size  # every element of w^0 is wrong


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
    """Eq. 1: w^l_{0 n_{l+1}} (row 0) is added to z^{l+1}; rows 1..N_l multiply a^l."""
    fp = handprop.forward(case.weights, np.zeros_like(case.X), case.activations)
    np.testing.assert_array_equal(fp.z[1], np.broadcast_to(case.weights[0][0], fp.z[1].shape))
    fp = handprop.forward(case.weights, case.X, case.activations)
    for l, w in enumerate(case.weights):
        np.testing.assert_allclose(fp.z[l + 1], w[0] + fp.a[l] @ w[1:], rtol=0, atol=1e-14)


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
