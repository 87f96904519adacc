"""Tests that kill the mutants of handprop that the rest of the suite let survive.

Each test names the mutant(s) it was written for (``mutmut show NAME``; the list and
the verdicts are in docs/mutation.md). A mutant is a small change to handprop's source
(a sign, an argument, a constant, a message); a test here fails on it and passes on the
real code.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import handprop
from crosscheck.oracles import mpmath_reference
from handprop.costs import COSTS, log_softmax

U64 = 2.0**-53


def _small_problem(cost: str, seed: int = 3):
    """A 3-4-2 net (tanh hidden layer) with 5 examples, labels valid for ``cost``."""
    rng = np.random.default_rng(seed)
    weights = [rng.normal(size=(4, 4)), rng.normal(size=(5, 2))]
    X = rng.normal(size=(5, 3))
    output = COSTS[cost].outputs[0] if COSTS[cost].outputs != handprop.costs.ELEMENTWISE else "tanh"
    if output == "softmax":
        Y = rng.dirichlet(np.ones(2), size=5)
    elif output == "sigmoid":
        Y = rng.uniform(size=(5, 2))
    else:
        Y = rng.normal(size=(5, 2))
    return weights, X, Y, ["tanh", output], cost


@pytest.mark.parametrize("cost", COSTS)
def test_cost_value_is_the_exact_cost(cost: str) -> None:
    """handprop.cost against crosscheck's mpmath cost (50 digits, an independent formula).

    Kills handprop.costs.x__sce_value__mutmut_1 (``-`` -> ``+``: C of the wrong sign).
    A correct float64 C of 10 terms is within ~1e-15 relative of the exact one; a wrong
    sign or term is off by O(|C|), so the bound 1e-12 separates the two by 3 orders on
    either side.
    """
    args = _small_problem(cost)
    want = float(mpmath_reference.cost_mp(*args))
    got = float(handprop.cost(*args))
    assert want != 0.0
    assert abs(got - want) <= 1e-12 * abs(want), (cost, got, want)


def test_log_softmax_is_over_the_last_axis_of_any_rank() -> None:
    """Kills handprop.costs.x_log_softmax__mutmut_9 (``axis=-1`` -> ``axis=+1`` in the
    shift): the same for the 2-D arrays backprop passes, but not for a 1-D or 3-D one."""
    v = np.array([1.0, -2.0, 0.5])
    want = v - math.log(sum(math.exp(x) for x in v))
    assert np.allclose(log_softmax(v), want, rtol=0, atol=4 * U64 * np.max(np.abs(want)))
    cube = np.arange(24.0).reshape(2, 3, 4) / 7.0
    got = log_softmax(cube)
    assert got.shape == cube.shape
    for idx in np.ndindex(2, 3):
        row = cube[idx]
        exact = row - math.log(sum(math.exp(x) for x in row))
        assert np.allclose(got[idx], exact, rtol=0, atol=8 * U64 * np.max(np.abs(exact)))


def _xor():
    weights = [np.array([[0.1, -0.2], [0.3, 0.4], [-0.5, 0.6]]), np.array([[0.2], [0.7], [-0.8]])]
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    Y = np.array([[0.0], [1.0], [1.0], [0.0]])
    return weights, X, Y, ["sigmoid", "sigmoid"], "log_likelihood"


def _message(**change) -> str:
    weights, X, Y, acts, cost = _xor()
    args = {"weights": weights, "X": X, "Y": Y} | change
    with pytest.raises(ValueError) as info:
        handprop.gradients(args["weights"], args["X"], args["Y"], acts, cost)
    return str(info.value)


def test_a_ragged_or_non_numeric_argument_is_named_with_its_rank_and_type() -> None:
    """Kills handprop.arrays.x_as_float_array__mutmut_6 (``ndim`` -> None in the message),
    x__to_array__mutmut_8 and _11 (``type(x)`` -> ``type(None)``)."""
    ragged = _message(X=[[0.0, 0.0], [0.0], [1.0, 0.0], [1.0, 1.0]])
    assert ragged.startswith("X: expected a 2-D float32 or float64 array, got a ragged list ("), (
        ragged
    )
    words = _message(Y=(("a",), ("b",), ("c",), ("d",)))
    assert words.startswith("Y: expected dtype float32 or float64"), words
    # the type named is the converted array's (docs/mutation.md: the message could name
    # the caller's list instead)
    objects = _message(Y=[[None], [1.0], [1.0], [0.0]])
    assert objects == (
        "Y: expected a 2-D float32 or float64 array, got a ragged or non-numeric ndarray"
    ), objects


def test_a_masked_array_is_refused_with_what_to_do() -> None:
    """Kills handprop.arrays.x__to_array__mutmut_2 and _3 (the last line of the message
    changed)."""
    X = _xor()[1]
    text = _message(X=np.ma.masked_array(X, mask=np.zeros(X.shape, dtype=bool)))
    assert text.endswith(
        "Pass X.filled(value) to fill the masked entries, or select the unmasked rows first"
    ), text


def test_a_non_finite_value_is_named_with_its_index() -> None:
    """Kills handprop.arrays.x_not_finite__mutmut_3 (``~isfinite`` -> ``isfinite``: the
    first *finite* element named instead)."""
    weights, X = _xor()[:2]
    X = X.copy()
    X[2, 1] = np.nan
    assert _message(X=X) == "X: expected finite values, got nan at index (2, 1)"
    w = [weights[0], weights[1].copy()]
    w[1][1, 0] = -np.inf
    assert _message(weights=w) == "weights[1]: expected finite values, got -inf at index (1, 0)"


def test_a_deep_nets_layers_past_the_cached_names_are_named_too() -> None:
    """Kills handprop.network.x__weight_name__mutmut_4 (``l < 32`` -> ``l < 33``: an
    IndexError instead of the message for weights[32]). A 34-layer net of 1-unit layers
    with weights[32] a flat list (the name is made only for arguments that are not
    already 2-D float arrays)."""
    weights: list = [np.full((2, 1), 0.5) for _ in range(34)]
    weights[32] = [0.5, 0.5]
    X = np.ones((2, 1))
    Y = np.zeros((2, 1))
    expected = r"^weights\[32\]: expected a 2-D array, got shape \(2,\)$"
    with pytest.raises(ValueError, match=expected):
        handprop.gradients(weights, X, Y, ["tanh"] * 34, "squared_error")


@pytest.mark.parametrize("size", [3000, 5000])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_of_mid_and_large_arrays_is_expit(size: int, dtype) -> None:
    """sigmoid and sigmoid_pair take three routes by size: expit below EXPIT_BELOW (2048),
    an exponential for the numerator below _FEW (4096), a max of an indicator above. The
    middle route was reached by no test: kills handprop.activations.x__one_or_e__mutmut_7,
    _8, _9, _10 (the numerator's sign or cap changed) and, at 5000, _13 (the complement's
    comparison). Each route evaluates (1 or e^-|z|) / (1 + e^-|z|), within 2 ulps of the
    exact value; expit (float64, of the same inputs) is within 1: 4 ulps of the dtype
    separate a correct route from a wrong numerator (off by a factor e^|z| or more)."""
    from scipy.special import expit

    from handprop.activations import sigmoid, sigmoid_pair

    assert size >= 2048 and (size < 4096) == (size == 3000)
    z = np.linspace(-30.0, 30.0, size).astype(dtype)
    want_h = expit(z.astype(np.float64))
    want_c = expit(-z.astype(np.float64))
    u = float(np.finfo(dtype).eps) / 2.0
    h, c = sigmoid_pair(z)
    for got, want in ((sigmoid(z), want_h), (h, want_h), (c, want_c)):
        assert got.dtype == dtype
        assert np.all(np.abs(got - want) <= 4 * u * want), np.max(np.abs(got - want) / want)


def test_changing_the_thread_count_retires_the_pool() -> None:
    """Kills handprop.activations.x_set_elementwise_threads__mutmut_10 (the pool kept, with
    its old thread count, when the count changes; retired when it does not)."""
    from handprop import activations

    previous = activations.set_elementwise_threads(2)
    try:
        z = np.linspace(-3.0, 3.0, activations.BLOCKWISE_MIN_SIZE).reshape(512, -1)
        out = np.empty_like(z)
        activations.value_into("tanh", z, out)  # the pool is made on first use
        pool = activations._pool
        assert pool is not None
        activations.set_elementwise_threads(2)  # unchanged: the same pool
        assert activations._pool is pool
        activations.set_elementwise_threads(3)
        assert activations._pool is None
        activations.value_into("tanh", z, out)
        assert activations._pool is not None and activations._pool._max_workers == 3
        np.testing.assert_array_equal(out, np.tanh(z))
    finally:
        activations.set_elementwise_threads(previous)


def test_a_forked_child_forgets_the_parents_pool() -> None:
    """_forget_pool runs only in a forked child (os.register_at_fork), where mutmut's
    coverage does not see it. Kills handprop.activations.x__forget_pool__mutmut_1 (the
    pool set to "" instead of None: the child's next large call would fail)."""
    from handprop import activations

    saved = activations._pool
    try:
        activations._pool = object()
        activations._forget_pool()
        assert activations._pool is None
    finally:
        activations._pool = saved


def _train(**kw):
    weights, X, Y, acts, cost = _xor()
    args = {"learning_rate": 0.5, "steps": 2} | kw
    return handprop.train(weights, X, Y, acts, cost, **args)


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"learning_rate": True}, "learning_rate: expected a real number, got bool True"),
        ({"learning_rate": "0.1"}, "learning_rate: expected a real number, got str '0.1'"),
        ({"learning_rate": -1.0}, "learning_rate: expected a finite number in >= 0.0, got -1.0"),
        ({"momentum": 1.0}, "momentum: expected a finite number in [0.0, 1.0), got 1.0"),
        ({"checkpoints": [True]}, "checkpoints: expected integers in 0..2 (steps), got True"),
        ({"checkpoints": [1.5]}, "checkpoints: expected integers in 0..2 (steps), got 1.5"),
    ],
)
def test_train_refuses_bad_numbers_by_name(kw, message) -> None:
    """Kills handprop.train.x__finite_number__mutmut_1 (a bool taken for a number), _3, _4
    (the message), _16 to _19 (the range in the message) and x_train__mutmut_40 (a bool
    or a float taken for a checkpoint)."""
    with pytest.raises(ValueError) as info:
        _train(**kw)
    assert str(info.value) == message


def test_solved_means_every_output_on_the_right_side_of_one_half() -> None:
    """train.solved was reached only by the deselected documented-seed test: kills
    handprop.train.x_solved__mutmut_1 to _25. Outputs are set through the output bias of
    a 2-2-1 sigmoid net whose hidden-to-output weights are 0 (h = sigmoid(bias))."""
    from handprop.train import solved

    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    hidden = np.array([[0.1, -0.2], [0.3, 0.4], [-0.5, 0.6]])

    def net(bias: float):
        return [hidden, np.array([[bias], [0.0], [0.0]])]

    ones, zeros = np.ones((4, 1)), np.zeros((4, 1))
    acts = ["sigmoid", "sigmoid"]
    assert solved(net(2.0), X, ones, acts) and not solved(net(2.0), X, zeros, acts)
    assert solved(net(-2.0), X, zeros, acts) and not solved(net(-2.0), X, ones, acts)
    assert not solved(net(0.0), X, ones, acts) and not solved(net(0.0), X, zeros, acts)
    mixed = np.array([[1.0], [0.0], [1.0], [0.0]])
    assert not solved(net(2.0), X, mixed, acts) and not solved(net(-2.0), X, mixed, acts)
    # labels of 0.6 and 0.4 are on the sides of 0.5 too (not only 0 and 1)
    assert solved(net(2.0), X, np.full((4, 1), 0.6), acts)
    assert solved(net(-2.0), X, np.full((4, 1), 0.4), acts)
    # a label of exactly 0.5 is not above 0.5: it wants an output below
    assert solved(net(-2.0), X, np.full((4, 1), 0.5), acts)
    assert not solved(net(2.0), X, np.full((4, 1), 0.5), acts)
    # the output layer decides, not a hidden one: hidden outputs are all > 0.5 here
    assert not solved([np.array([[5.0, 5.0], [0.0, 0.0], [0.0, 0.0]]), net(-2.0)[1]], X, ones, acts)


def test_the_forward_pass_keeps_each_hidden_layer_column_major() -> None:
    """backprop's module notes: a hidden layer's [1 a] is column-major (Fortran order), so
    that a^l (its columns 1..N_l) is one contiguous block for every elementwise pass. A
    row-major [1 a] gives a strided a^l with the same numbers (1.5 us a layer slower).
    Kills handprop.backprop.x__with_unit__mutmut_6 and _9 (``order`` dropped: row-major)."""
    weights, X, _, acts, _ = _xor()
    fp = handprop.forward(weights, X, acts)
    a1 = fp.a[1]
    assert a1.flags.f_contiguous, a1.flags
    want = 1.0 / (1.0 + np.exp(-(X @ weights[0][1:] + weights[0][0])))
    np.testing.assert_allclose(a1, want, rtol=4 * U64, atol=0)


@pytest.mark.parametrize("sizes", [(2, 0), (2, -1), (2, 1.5), (2, True), (3,), ()])
def test_init_weights_refuses_bad_sizes_by_name(sizes) -> None:
    """Kills handprop.network.x_init_weights__mutmut_7, _11, _12 (a zero, negative,
    fractional or bool size let through in a list of two or more) and _16 (the message)."""
    with pytest.raises(ValueError) as info:
        handprop.init_weights(sizes, seed=0)
    assert str(info.value) == (
        f"sizes: expected at least two positive integers (Q, N_1, ..., N_L), got {tuple(sizes)!r}"
    )


def test_init_weights_defaults_are_glorot_with_zero_biases() -> None:
    """The documented defaults: gain 1 (weights uniform in +-sqrt(6 / (N_l + N_{l+1}))),
    zero biases; a net of one layer (two sizes) is valid. Kills
    handprop.network.x_init_weights__mutmut_3 (gain 2), _4 (bias 1), _8, _9 (two sizes
    refused), _44, _47 to _49 (he's fan for glorot), _51, _54 (r = gain / sqrt(6 / fan),
    sqrt(7 / fan)), _75 (biases of 1), _80, _83 (one draw for the layer) and _82 (U(-r, 1)).
    400 draws from U(-r, r) reach beyond r / 2 (a gain of 2 would give up to 2 r) with
    probability 1 - 2^-400; the seed is fixed."""
    (w,) = handprop.init_weights((20, 20), seed=1)
    r = math.sqrt(6.0 / 40.0)
    assert w.shape == (21, 20) and w.dtype == np.float64
    np.testing.assert_array_equal(w[0], np.zeros(20))
    assert np.max(np.abs(w[1:])) <= r and np.max(np.abs(w[1:])) > r / 2


def test_a_bad_seed_is_refused_with_what_a_seed_may_be() -> None:
    """Kills handprop.network.x__generator__mutmut_4 (the message's "None" lower-cased)."""
    with pytest.raises(ValueError, match=r"^seed: expected None, a non-negative integer \(or a "
                       r"sequence of them, or a np\.random\.SeedSequence\) or a np\.random\."
                       r"Generator, got -1 \("):
        handprop.init_weights((2, 1), seed=-1)


def test_init_weights_he_scheme_draws_within_sqrt_6_over_fan_in() -> None:
    """scheme="he": r = gain sqrt(6 / N_l), sqrt 2 wider than glorot's for a square layer;
    400 draws reach beyond glorot's r with probability 1 - 2^-200. Kills
    handprop.network.x_init_weights__mutmut_27, _28 ("he" refused) and _45 (glorot's r
    for he)."""
    (w,) = handprop.init_weights((20, 20), seed=2, scheme="he", gain=0.5)
    r = 0.5 * math.sqrt(6.0 / 20.0)
    assert np.max(np.abs(w[1:])) <= r and np.max(np.abs(w[1:])) > r / math.sqrt(2.0)


def test_init_weights_draws_the_weight_rows_only_by_default() -> None:
    """With zero biases (the default) the generator draws the weight rows alone, layer by
    layer: the stream the README's documented seeds depend on. The expected weights are
    drawn here from a fresh np.random.default_rng(seed), as the docstring describes.
    Kills handprop.network.x_init_weights__mutmut_65, _73 (bias rows drawn from U(0, 0):
    zeros, but every later draw moves), _80, _83 (one number for a whole layer) and _84
    (U(r, r))."""
    sizes = (2, 3, 1)
    got = handprop.init_weights(sizes, seed=7)
    rng = np.random.default_rng(7)
    for w, n_in, n_out in zip(got, sizes, sizes[1:], strict=False):
        r = math.sqrt(6.0 / (n_in + n_out))
        want = np.zeros((n_in + 1, n_out))
        want[1:] = rng.uniform(-r, r, size=(n_in, n_out))
        np.testing.assert_array_equal(w, want)


def test_init_weights_draws_each_bias_from_plus_minus_bias() -> None:
    """bias=b: each bias uniform in [-b, b], one draw per unit. Kills
    handprop.network.x_init_weights__mutmut_68, _71 (one draw for the whole row), _69, _70
    (the interval [b, 1) or [-b, 1)) and _72 (U(b, b)). 20 draws from U(-0.3, 0.3) fall
    on both sides of +-0.1 with probability 1 - 2 (2/3)^20 > 0.999; the seed is fixed."""
    w = handprop.init_weights((3, 20), seed=3, bias=0.3)[0]
    assert np.all(np.abs(w[0]) <= 0.3)
    assert np.min(w[0]) < -0.1 and np.max(w[0]) > 0.1
    assert len(set(w[0].tolist())) == 20


def _three_layers():
    rng = np.random.default_rng(4)
    weights = [rng.normal(size=(3, 2)), rng.normal(size=(3, 2)), rng.normal(size=(3, 1))]
    return weights, rng.normal(size=(4, 2)), np.zeros((4, 1))


@pytest.mark.parametrize("layer", [1, 2])
def test_a_hidden_softmax_is_refused_naming_its_layer(layer: int) -> None:
    """Kills handprop.network.x__check_names__mutmut_13, _16 (the layers numbered from 0
    or 2 in the message), _14 (only the first hidden layer checked) and _19, _20 (the
    message's last words changed)."""
    weights, X, Y = _three_layers()
    acts = ["tanh", "tanh", "identity"]
    acts[layer - 1] = "softmax"
    with pytest.raises(ValueError) as info:
        handprop.gradients(weights, X, Y, acts, "squared_error")
    assert str(info.value) == (
        f"activations: 'softmax' at hidden layer {layer} is only allowed at the output layer "
        "(it is not elementwise)"
    )


def test_activations_may_be_any_sequence_of_names() -> None:
    """``activations: Sequence[str]``: a sequence that is not a list or tuple (here a
    collections.UserList) gives the same gradients as the list. Kills
    handprop.network.x__check_names__mutmut_1 (anything but a list or tuple refused)."""
    from collections import UserList

    weights, X, Y = _three_layers()
    acts = ["tanh", "sigmoid", "identity"]
    want = handprop.gradients(weights, X, Y, acts, "squared_error")
    got = handprop.gradients(weights, X, Y, UserList(acts), "squared_error")
    for g, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(g, w)


def test_three_layer_gradients_with_three_activations_match_mpmath() -> None:
    """A 2-2-2-1 net whose three layers have three different activations (tanh, sigmoid,
    identity output), against crosscheck's 50-digit reference (an independent tape). The
    caches of checked names and plans are emptied first: a mutmut child inherits them
    warm from the parent's clean run, which would skip the checks under test. Kills
    handprop.network.x__check_names__mutmut_23 (the output taken from activations[1]), _27
    (no hidden names), _29 (the first one only) and _30 (all but the last two)."""
    from crosscheck.oracles import mpmath_reference as mp
    from crosscheck.problem import make_problem

    weights, X, Y = _three_layers()
    Y = Y + 0.5
    acts = ["tanh", "sigmoid", "identity"]
    handprop.network._NAMES.clear()
    handprop.backprop._PLANS.clear()
    got = handprop.gradients(weights, X, Y, acts, "squared_error")
    want = mp.gradients(make_problem(weights, X, Y, acts, "squared_error"))
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-14 * np.max(np.abs(w)))


def test_validate_names_returns_the_checked_names_without_a_cost() -> None:
    """network.validate_names (public) returns the checked Names for a forward pass too
    (no cost). Kills handprop.network.x__check_names__mutmut_32 (no hidden names) and
    _33 (no output name): every handprop caller of a forward pass discards them."""
    from handprop.network import Names, validate_names

    weights, X, _ = _three_layers()
    handprop.network._NAMES.clear()
    names = validate_names(weights, X, None, ["tanh", "sigmoid", "identity"], None)[3]
    assert names == Names(("tanh", "sigmoid"), "identity", None)


@pytest.mark.parametrize(
    ("output", "cost", "allowed"),
    [("tanh", "log_likelihood", "sigmoid"), ("softmax", "squared_error", "any elementwise one")],
)
def test_an_output_the_cost_does_not_allow_is_refused_with_what_it_allows(output, cost, allowed):
    """Kills handprop.network.x__check_names__mutmut_40 (nothing said), _41, _42 (a list
    of one name and "any elementwise one" swapped), _47 and _48 (the latter's text)."""
    weights, X, Y = _three_layers()
    with pytest.raises(ValueError) as info:
        handprop.gradients(weights, X, Y, ["tanh", "tanh", output], cost)
    assert str(info.value) == (
        f"activations: the output activation {output!r} is not allowed with cost {cost!r}; "
        f"expected {allowed}"
    )


def test_an_unhashable_cost_or_activations_are_refused_by_name() -> None:
    """Names that cannot be looked up in the cache of checked names take the full checks.
    Kills handprop.network.x__checked_names__mutmut_11 (those checks run without the
    cost: an unhashable cost was then reported as "Y was given without a cost name"), _25
    (a string for the activations reported as None), _26 (as "expected None names")."""
    weights, X, Y = _three_layers()
    with pytest.raises(ValueError) as info:
        handprop.gradients(weights, X, Y, ["tanh", "tanh", "identity"], ["squared_error"])
    assert str(info.value).startswith("cost: unknown cost ['squared_error']; expected one of ")
    with pytest.raises(ValueError) as info:
        handprop.gradients(weights, X, Y, "tanh", "squared_error")
    assert str(info.value) == (
        "activations: expected a sequence of 3 names (layers 1..3), got 'tanh'"
    )


def _messages_net():
    """A 2-3-2-1 net (shapes (3, 3), (4, 2), (3, 1): no two alike), 4 examples."""
    rng = np.random.default_rng(6)
    weights = [rng.normal(size=(3, 3)), rng.normal(size=(4, 2)), rng.normal(size=(3, 1))]
    return weights, rng.normal(size=(4, 2)), np.zeros((4, 1))


def _bad(case: str):
    weights, X, Y = _messages_net()
    acts, cost = ["tanh", "tanh", "identity"], "squared_error"
    if case == "no weights":
        weights = []
    elif case == "weights an array":
        weights = np.ones((3, 3))
    elif case == "empty layer":
        weights[1] = np.ones((4, 0))
    elif case == "mixed dtypes":
        weights[1] = weights[1].astype(np.float32)
    elif case == "unchained":
        weights[2] = np.ones((4, 1))
    elif case == "3-D weights":
        weights[1] = np.ones((4, 2, 2))
    elif case == "X columns":
        X = np.ones((4, 3))
    elif case == "Y rows":
        Y = np.zeros((3, 1))
    elif case == "1-D Y":
        Y = np.zeros(4)
    elif case == "NaN label":
        Y = Y.copy()
        Y[1, 0] = np.nan
    elif case == "inf label, sigmoid cost":
        Y = np.full((4, 1), 0.5)
        Y[2, 0] = np.inf
        acts, cost = ["tanh", "tanh", "sigmoid"], "log_likelihood"
    elif case == "inf label, softmax cost":
        weights[2] = np.ones((3, 2))
        Y = np.full((4, 2), 0.5)
        Y[0, 1] = np.inf
        acts, cost = ["tanh", "tanh", "softmax"], "softmax_cross_entropy"
    with pytest.raises(ValueError) as info:
        handprop.gradients(weights, X, Y, acts, cost)
    return str(info.value)


BAD_MESSAGES = {
    "no weights": "weights: expected a non-empty list of 2-D arrays, weights[l] of shape "
    "(N_l + 1, N_l+1); got list of length 0",
    "weights an array": "weights: expected a non-empty list of 2-D arrays, weights[l] of shape "
    "(N_l + 1, N_l+1); got ndarray",
    "empty layer": "weights[1]: empty layer; expected shape (N_1 + 1, N_2) with N_1, N_2 >= 1, "
    "got (4, 0)",
    "mixed dtypes": "weights[1]: dtype float32 differs from weights[0]'s float64; all arrays "
    "must share one dtype (no silent casts)",
    "unchained": "weights[2]: shape (4, 1) does not follow weights[1] of shape (4, 2); "
    "expected (3, 1) rows = previous layer's units + 1 bias row",
    "3-D weights": "weights[1]: expected a 2-D array, got shape (4, 2, 2)",
    "X columns": "X: expected shape (P, 2) to match weights[0] of shape (3, 3) (Q = rows - 1), "
    "got (4, 3)",
    "Y rows": "Y: expected shape (P, N_L) = (4, 1) to match X's P and the output layer, got "
    "(3, 1)",
    "1-D Y": "Y: expected a 2-D array, got shape (4,)",
    "NaN label": "Y: expected finite values, got nan at index (1, 0)",
    "inf label, sigmoid cost": "Y: expected finite values, got inf at index (2, 0)",
    "inf label, softmax cost": "Y: expected finite values, got inf at index (0, 1)",
}


@pytest.mark.parametrize("case", BAD_MESSAGES)
def test_each_bad_argument_gets_its_whole_message(case: str) -> None:
    """The whole message, not only the argument's name it starts with (which the
    validation tests check). Kills handprop.network.x_validate_weights__mutmut_11, _13,
    _14, _16 (the message for no list), _25 (a 3-D array taken as 2-D), _49 to _52 (the
    empty layer's), _55, _56 (mixed dtypes'), _59, _60, _62 to _64 (an unchained layer's)
    and x_validate_names__mutmut_32 (X's), _62 (a 1-D float Y not converted), _78 (Y's
    shape), _88, _91, _92 (a NaN label named wrongly) and _106 (an infinite label taken
    for a finite range: a label rule's message, or accepted by the softmax costs)."""
    assert _bad(case) == BAD_MESSAGES[case]


def test_a_y_without_a_cost_is_refused_by_name() -> None:
    """Kills handprop.network.x_validate_names__mutmut_55 (the message's "Y" lower-cased)."""
    weights, X, Y = _messages_net()
    with pytest.raises(ValueError) as info:
        handprop.network.validate(weights, X, Y, ["tanh", "tanh", "identity"], None)
    assert str(info.value) == "cost: Y was given without a cost name"


def test_weights_may_be_any_sequence_of_arrays() -> None:
    """``weights: Sequence[np.ndarray]``: a collections.UserList of the arrays gives the
    list's gradients. Kills handprop.network.x_validate_weights__mutmut_2 (anything but a
    list or tuple refused)."""
    from collections import UserList

    weights, X, Y = _messages_net()
    acts = ["tanh", "tanh", "identity"]
    want = handprop.gradients(weights, X, Y + 1.0, acts, "squared_error")
    got = handprop.gradients(UserList(weights), X, Y + 1.0, acts, "squared_error")
    for g, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(g, w)


def test_softmax_and_log_softmax_shift_each_row_by_its_own_maximum() -> None:
    """Both shift each row by its own maximum before exponentiating (no overflow, no
    underflow of a whole row): rows 1000 apart, whose softmax is the same (shift
    invariance), stay finite and exact; and both work over the last axis of any rank.
    Kills handprop.costs.x_softmax__mutmut_3 (z + max: e^2000 overflows, inf / inf), _5,
    _8 (the maximum of all rows: the second row's e^-1000 underflows, 0 / 0), _10, _20 (axis
    +1: not the last axis of a 3-D array), and x_log_softmax__mutmut_2, _4 and _7 (the same
    shifts: log of inf or of 0)."""
    from handprop.costs import softmax

    row = [0.0, -1.0, -2.0]
    total = sum(math.exp(x) for x in row)
    want_s = np.array([math.exp(x) / total for x in row])
    want_log = np.array([x - math.log(total) for x in row])
    z = np.array([[x + 1000.0 for x in row], row])
    s, log_s = softmax(z), log_softmax(z)
    for k in range(2):
        np.testing.assert_allclose(s[k], want_s, rtol=4 * U64, atol=0)
        np.testing.assert_allclose(log_s[k], want_log, rtol=8 * U64, atol=0)
    cube = np.arange(24.0).reshape(2, 3, 4) / 7.0
    got = softmax(cube)
    for idx in np.ndindex(2, 3):
        e = [math.exp(x) for x in cube[idx]]
        np.testing.assert_allclose(got[idx], [x / sum(e) for x in e], rtol=4 * U64, atol=0)


def test_an_unknown_cost_is_refused_with_every_cost_named() -> None:
    """handprop.costs.get's whole message. Kills handprop.costs.x_get__mutmut_1 (no
    message), _2 and _3 (the list of costs lost or joined with "XX, XX")."""
    from handprop.costs import get

    with pytest.raises(ValueError) as info:
        get("cross_entropy")
    assert str(info.value) == (
        "cost: unknown cost 'cross_entropy'; expected one of log_likelihood, "
        "binary_cross_entropy, squared_error, softmax_log_likelihood, softmax_cross_entropy"
    )


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"steps": -1}, "steps: expected a non-negative integer, got -1"),
        ({"steps": True}, "steps: expected a non-negative integer, got True"),
        ({"steps": 2.0}, "steps: expected a non-negative integer, got 2.0"),
        ({"learning_rate": 0.0}, "learning_rate: expected a positive number, got 0"),
        ({"learning_rate": math.nan}, "learning_rate: expected a finite number in >= 0.0, got nan"),
        ({"momentum": -0.1}, "momentum: expected a finite number in [0.0, 1.0), got -0.1"),
        ({"checkpoints": [-1]}, "checkpoints: expected integers in 0..2 (steps), got -1"),
    ],
)
def test_train_says_what_each_bad_argument_should_be(kw, message) -> None:
    """train's whole messages (test_train checks that each starts with the argument's
    name). Kills the mutants of handprop.train.x_train that change or drop them (the
    message of a bad ``steps``, of a zero learning rate, of a checkpoint out of range)."""
    with pytest.raises(ValueError) as info:
        _train(**kw)
    assert str(info.value) == message


def test_train_names_the_layer_and_step_where_the_weights_blew_up() -> None:
    """A learning rate of 1e3 on squared error with labels of 50 drives the 2-2-1 net's
    weights to infinity; the message names the first layer and the step (1-based) where
    a weight became non-finite, and the learning rate. The step is found here by running
    the same updates with the library's own gradients. Kills the mutants of
    handprop.train.x_train that change that message (the layer, the step, the rate)."""
    weights, X, Y, _, _ = _xor()
    acts, cost = ["sigmoid", "identity"], "squared_error"
    w = [a.copy() for a in weights]
    step = layer = None
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(200):
            g = handprop.gradients(w, X, Y * 50.0, acts, cost)
            for l, (wl, gl) in enumerate(zip(w, g, strict=True)):
                wl -= 1e3 * gl
                if not np.isfinite(wl).all():
                    step, layer = t + 1, l
                    break
            if step is not None:
                break
        assert step is not None
        with pytest.raises(ValueError) as info:
            handprop.train(weights, X, Y * 50.0, acts, cost, learning_rate=1e3, steps=200)
    assert str(info.value) == (
        f"learning_rate: weights[{layer}] became non-finite at step {step}; expected finite "
        "weights (learning_rate 1000.0 is too large?)"
    )


def test_an_unknown_activation_is_refused_with_every_activation_named() -> None:
    """handprop.activations.get's whole message. Kills handprop.activations.x_get__mutmut_3
    (the names joined with "XX, XX")."""
    from handprop.activations import get

    with pytest.raises(ValueError) as info:
        get("swish")
    assert str(info.value) == (
        "activations: unknown activation 'swish'; expected one of sigmoid, tanh, relu, "
        "leaky_relu, identity, softplus, elu, silu, gelu (or 'softmax' for the output layer "
        "of a softmax cost)"
    )


def test_the_kinked_activations_take_the_documented_derivative_at_zero() -> None:
    """At z = 0 exactly: relu'(0) = 0, leaky_relu'(0) = LEAKY_RELU_SLOPE (torch's and jax's
    conventions, activations.py), elu'(0) = e^0 = 1; either side of 0 the two branches.
    Through the public derivative and through times_derivative (back *= f'), both dtypes.
    Kills handprop.activations.x__leaky_relu_derivative__mutmut_11 (``z >= 0``: slope 1
    at 0)."""
    from handprop import activations

    slope = activations.LEAKY_RELU_SLOPE
    for dtype in (np.float32, np.float64):
        z = np.array([[-1.0, 0.0, 1.0]], dtype)
        want = {
            "relu": [0.0, 0.0, 1.0],
            "leaky_relu": [slope, slope, 1.0],
            "elu": [math.exp(-1.0), 1.0, 1.0],
        }
        for name, w in want.items():
            act = activations.get(name)
            a = act.value(z)
            expected = np.array([w], dtype)
            rtol = 2 * float(np.finfo(dtype).eps)  # e^-1 rounded in the dtype
            got = act.derivative(z, a)
            assert got.dtype == dtype
            np.testing.assert_allclose(got, expected, rtol=rtol, atol=0, err_msg=name)
            back = activations.times_derivative(name, np.ones_like(z), z, a)
            np.testing.assert_allclose(back, expected, rtol=rtol, atol=0, err_msg=name)


@pytest.mark.parametrize("shape", [(1 << 18,), (2, 256, 512)])
def test_large_arrays_of_any_rank_are_elementwise(shape) -> None:
    """value_into and times_derivative are elementwise for any shape (module notes); only
    2-D arrays of at least BLOCKWISE_MIN_SIZE elements go to the blocks of rows on the
    thread pool, which need rows. A 1-D and a 3-D array of 2^18 elements give the direct
    formulas. Kills handprop.activations.x_times_derivative__mutmut_2 (``or``: a large 1-D
    array sent to the blocks), _4 and _5 (the blocks for 1-D or 3-D arrays, which have no
    rows: an error)."""
    from handprop import activations

    assert math.prod(shape) >= activations.BLOCKWISE_MIN_SIZE
    z = np.linspace(-3.0, 3.0, math.prod(shape)).reshape(shape)
    out = np.empty_like(z)
    activations.value_into("tanh", z, out)
    np.testing.assert_array_equal(out, np.tanh(z))
    back = np.linspace(0.5, 1.5, z.size).reshape(shape)
    want = back * (1.0 - out * out)
    activations.times_derivative("tanh", back, z, out)
    np.testing.assert_allclose(back, want, rtol=4 * U64, atol=0)


def test_times_derivative_multiplies_back_in_place_and_returns_it() -> None:
    """``back *= f'(z)`` in place, returning ``back`` (the docstring), also for the
    activations without an in-place form of their own (leaky_relu, softplus, elu, silu,
    gelu: f' computed, then multiplied in). Kills
    handprop.activations.x_times_derivative__mutmut_30 (``back = f'``: the caller's back
    left as it was, f' returned alone)."""
    from handprop import activations

    z = np.array([[-2.0, -0.5, 0.5, 2.0]])
    for name in ("leaky_relu", "softplus", "elu", "silu", "gelu"):
        act = activations.get(name)
        a = act.value(z)
        back = np.full_like(z, 3.0)
        got = activations.times_derivative(name, back, z, a)
        assert got is back, name
        np.testing.assert_array_equal(back, 3.0 * act.derivative(z, a), err_msg=name)


def test_sigmoid_takes_a_python_number_or_list() -> None:
    """sigmoid and sigmoid_pair size their argument with np.size when it is not an ndarray
    (a Python float or list: no ``.size``), so such arguments take the expit route. Kills
    handprop.activations.x_sigmoid__mutmut_2 (``z.size`` of a float: an AttributeError)."""
    from scipy.special import expit

    from handprop.activations import sigmoid, sigmoid_pair

    assert sigmoid(0.5) == expit(0.5)
    np.testing.assert_array_equal(sigmoid([-1.0, 2.0]), expit(np.array([-1.0, 2.0])))
    h, c = sigmoid_pair([-1.0, 2.0])
    np.testing.assert_array_equal(h, expit(np.array([-1.0, 2.0])))
    np.testing.assert_array_equal(c, expit(np.array([1.0, -2.0])))


def test_sigmoid_from_expit_below_exactly_expit_below_elements() -> None:
    """Below EXPIT_BELOW elements sigmoid and sigmoid_pair call expit; from EXPIT_BELOW
    on, the exponential route, whose bits for an element do not depend on the array's
    size (the blocks of _blockwise rely on it). So an array of exactly EXPIT_BELOW
    elements gives the bits of the same elements inside an array twice as long, while
    one element fewer gives expit's bits (the two routes differ in the last bit on about
    a quarter of these elements). Kills handprop.activations.x_sigmoid__mutmut_6 and
    x_sigmoid_pair__mutmut_6 (``<=``: expit at exactly EXPIT_BELOW)."""
    from scipy.special import expit

    from handprop.activations import EXPIT_BELOW, sigmoid, sigmoid_pair

    z = np.linspace(-30.0, 30.0, EXPIT_BELOW)
    long_h, long_c = sigmoid_pair(np.concatenate([z, z]))
    np.testing.assert_array_equal(sigmoid(z), long_h[:EXPIT_BELOW])
    h, c = sigmoid_pair(z)
    np.testing.assert_array_equal(h, long_h[:EXPIT_BELOW])
    np.testing.assert_array_equal(c, long_c[:EXPIT_BELOW])
    np.testing.assert_array_equal(sigmoid(z[1:]), expit(z[1:]))
    assert np.any(sigmoid(z) != expit(z))


def test_one_like_is_a_read_only_zero_d_one_of_the_dtype() -> None:
    """one_like (public): 1 in x's float dtype as a read-only 0-d array, 1.0 for any other
    dtype (the docstring). Kills handprop.activations.x_one_like__mutmut_1 (always the
    Python 1.0), _2 and _4 (None for another dtype) and _5 (2.0 for it)."""
    from handprop.activations import one_like

    for dtype in (np.float32, np.float64):
        one = one_like(np.zeros(3, dtype))
        assert isinstance(one, np.ndarray) and one.shape == () and one.dtype == dtype
        assert one == 1.0 and not one.flags.writeable
    other = one_like(np.zeros(3, np.int64))
    assert type(other) is float and other == 1.0


def test_xor_data_and_xor_problem_are_as_documented() -> None:
    """xor_data: rows 00, 01, 10, 11 and labels 0, 1, 1, 0 (XOR), in the dtype asked for.
    xor_problem: any sizes (2, ..., 1), also (2, 1) and a hidden layer of 3; other sizes
    refused with the message; activations as given, sigmoid everywhere by default. Kills
    handprop.train.x_xor_data__mutmut_6 to _13, _19 to _22 (a point or a label changed)
    and x_xor_problem__mutmut_3 to _7 (sizes (3, 2, 1) taken, (2, 1) or (2, 3, 1)
    refused), _14 (no message), _16 and _18 (the activations given ignored, or an
    error)."""
    from handprop.train import xor_data, xor_problem

    for dtype in (np.float32, np.float64):
        X, Y = xor_data(dtype)
        assert X.dtype == dtype and Y.dtype == dtype
        np.testing.assert_array_equal(X, [[0, 0], [0, 1], [1, 0], [1, 1]])
        np.testing.assert_array_equal(Y[:, 0], np.logical_xor(X[:, 0], X[:, 1]))
    assert xor_problem(sizes=(2, 1)).activations == ("sigmoid",)
    p = xor_problem(sizes=(2, 3, 1), activations=["tanh", "sigmoid"])
    assert p.activations == ("tanh", "sigmoid")
    assert [w.shape for w in p.weights] == [(3, 3), (4, 1)]
    with pytest.raises(ValueError) as info:
        xor_problem(sizes=(3, 2, 1))
    assert str(info.value) == "sizes: expected (2, ..., 1) for XOR, got (3, 2, 1)"
