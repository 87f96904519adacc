"""Bad input raises ValueError naming the argument; P = 0 means no examples.

Every public entry point validates the same way (handprop.network.validate), so each bad
input is tried on all of them: ``gradients``, ``cost``, ``literal.gradients``, the four
special cases (the base problem is the seed's 2-2-1 sigmoid net, which they all cover) and,
for the arguments they take, ``forward`` and ``literal.forward``. The message must start
with the argument's name (``weights[1]: ...``, ``X: ...``).

P = 0 (no examples) is decided as: C = 0, the empty sum of seed eq. 2, and every gradient
0 (eq. 3 is a sum over p), shaped like the weights and in their dtype; forward gives
(0, N_l) arrays.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
import pytest

import handprop
from handprop import literal, special_cases
from handprop.costs import COSTS

WITH_COST: list[Callable] = [
    handprop.gradients,
    handprop.cost,
    literal.gradients,
    special_cases.one_output_gradients,
    special_cases.sigmoid_log_likelihood_gradients,
    special_cases.two_layer_gradients,
    special_cases.xor_221_gradients,
]
FORWARD: list[Callable] = [handprop.forward, literal.forward]


def _name(fn: Callable) -> str:
    return f"{fn.__module__.removeprefix('handprop.')}.{fn.__name__}"


class Bad(NamedTuple):
    """A problem with one thing wrong, and the argument the error must name."""

    weights: Any
    X: Any
    Y: Any
    activations: Any
    cost: Any
    argument: str


def base(cost: str = "log_likelihood", output: str = "sigmoid", dtype=np.float64) -> dict:
    """The seed's 2-2-1 net on XOR: valid for every entry point."""
    rng = np.random.default_rng(0)
    return dict(
        weights=[rng.uniform(-1, 1, shape).astype(dtype) for shape in ((3, 2), (3, 1))],
        X=np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=dtype),
        Y=np.array([[0], [1], [1], [0]], dtype=dtype),
        activations=["sigmoid", output],
        cost=cost,
    )


def bad(argument: str, **changes) -> Bad:
    problem = base()
    for key, value in changes.items():
        problem[key] = value(problem[key]) if callable(value) else value
    return Bad(**problem, argument=argument)


def _set(index, value):
    """A copy of an array (or of weights[l] for an (l, index) pair) with one entry set."""

    def change(x):
        if isinstance(x, list):
            l, idx = index
            out = [w.copy() for w in x]
            out[l][idx] = value
            return out
        out = x.copy()
        out[index] = value
        return out

    return change


def _replace_layer(l, array):
    def change(weights):
        out = list(weights)
        out[l] = array
        return out

    return change


SIGMOID_SOFTMAX = ["sigmoid", "softmax"]
BAD_WEIGHTS = {
    "chain: weights[1] has 4 rows after 2 units": bad(
        "weights[1]", weights=_replace_layer(1, np.zeros((4, 1)))
    ),
    "empty layer: shape (1, 2), no input units": bad(
        "weights[0]", weights=_replace_layer(0, np.zeros((1, 2)))
    ),
    "empty layer: shape (3, 0), no output units": bad(
        "weights[1]", weights=_replace_layer(1, np.zeros((3, 0)))
    ),
    "weights[0] is 1-D": bad("weights[0]", weights=_replace_layer(0, np.zeros(6))),
    "int weights": bad("weights[0]", weights=_replace_layer(0, np.zeros((3, 2), dtype=int))),
    "float16 weights": bad("weights[0]", weights=lambda w: [x.astype(np.float16) for x in w]),
    "mixed dtypes: weights[1] float32": bad(
        "weights[1]", weights=lambda w: [w[0], w[1].astype(np.float32)]
    ),
    "NaN in weights[0]": bad("weights[0]", weights=_set((0, (1, 1)), np.nan)),
    "inf in weights[1]": bad("weights[1]", weights=_set((1, (0, 0)), np.inf)),
    "-inf in weights[0]": bad("weights[0]", weights=_set((0, (2, 0)), -np.inf)),
    "ragged weights[0]": bad(
        "weights[0]", weights=_replace_layer(0, [[0.1, 0.2], [0.3], [0.4, 0.5]])
    ),
    "weights not a list: one array": bad("weights", weights=lambda w: w[0]),
    "weights not a list: a dict": bad("weights", weights=lambda w: dict(enumerate(w))),
    "weights not a list: None": bad("weights", weights=None),
    "weights not a list: a generator": bad("weights", weights=lambda w: (x for x in w)),
    "weights: empty list": bad("weights", weights=[]),
}
BAD_X = {
    "X has 3 columns, weights[0] expects 2": bad("X", X=np.zeros((4, 3))),
    "X is 1-D": bad("X", X=np.zeros(2)),
    "ragged X (nested list)": bad("X", X=[[0.0, 0.0], [0.0], [1.0, 0.0], [1.0, 1.0]]),
    "int X": bad("X", X=lambda x: x.astype(np.int64)),
    "bool X": bad("X", X=lambda x: x.astype(bool)),
    "complex X": bad("X", X=lambda x: x.astype(np.complex128)),
    "string X": bad("X", X=[["a", "b"]] * 4),
    "float32 X with float64 weights": bad("X", X=lambda x: x.astype(np.float32)),
    "NaN in X": bad("X", X=_set((2, 1), np.nan)),
    "inf in X": bad("X", X=_set((0, 0), np.inf)),
    "-inf in X": bad("X", X=_set((3, 1), -np.inf)),
}
BAD_Y = {
    "Y has 5 rows, X 4": bad("Y", Y=np.zeros((5, 1))),
    "Y has 2 columns, N_L = 1": bad("Y", Y=np.zeros((4, 2))),
    "Y is 1-D": bad("Y", Y=np.zeros(4)),
    "ragged Y": bad("Y", Y=[[0.0], [1.0], [], [0.0]]),
    "int Y": bad("Y", Y=lambda y: y.astype(np.int64)),
    "float32 Y with float64 weights": bad("Y", Y=lambda y: y.astype(np.float32)),
    "NaN in Y": bad("Y", Y=_set((1, 0), np.nan)),
    "inf in Y": bad("Y", Y=_set((0, 0), np.inf)),
    "Y missing (None) with a cost": bad("Y", Y=None),
    "log_likelihood with y = 1.5": bad("Y", Y=_set((1, 0), 1.5)),
    "log_likelihood with y = -0.1": bad("Y", Y=_set((0, 0), -0.1)),
    "binary_cross_entropy with y = 1.5": bad(
        "Y", Y=_set((1, 0), 1.5), cost="binary_cross_entropy"
    ),
    "binary_cross_entropy with y = -0.1": bad(
        "Y", Y=_set((0, 0), -0.1), cost="binary_cross_entropy"
    ),
    "softmax_log_likelihood with y < 0": bad(
        "Y", Y=_set((0, 0), -0.1), cost="softmax_log_likelihood", activations=SIGMOID_SOFTMAX
    ),
    "softmax_cross_entropy with y < 0": bad(
        "Y", Y=_set((2, 0), -1e-300), cost="softmax_cross_entropy", activations=SIGMOID_SOFTMAX
    ),
}
BAD_ACTIVATIONS = {
    "unknown hidden activation": bad("activations", activations=["sigmod", "sigmoid"]),
    "unknown output activation": bad("activations", activations=["sigmoid", "Sigmoid"]),
    "None as an activation": bad("activations", activations=[None, "sigmoid"]),
    "softmax at a hidden layer": bad("activations", activations=["softmax", "sigmoid"]),
    "too few activations": bad("activations", activations=["sigmoid"]),
    "too many activations": bad("activations", activations=["sigmoid"] * 3),
    "activations a string": bad("activations", activations="sigmoid"),
    "activations None": bad("activations", activations=None),
}
BAD_OUTPUT_FOR_COST = {
    "tanh output with log_likelihood": bad("activations", activations=["sigmoid", "tanh"]),
    "identity output with binary_cross_entropy": bad(
        "activations", activations=["sigmoid", "identity"], cost="binary_cross_entropy"
    ),
    "softmax output with log_likelihood": bad("activations", activations=["sigmoid", "softmax"]),
    "softmax output with squared_error": bad(
        "activations", activations=["sigmoid", "softmax"], cost="squared_error"
    ),
    "sigmoid output with softmax_log_likelihood": bad("activations", cost="softmax_log_likelihood"),
    "relu output with softmax_cross_entropy": bad(
        "activations", activations=["sigmoid", "relu"], cost="softmax_cross_entropy"
    ),
}
BAD_COST = {
    "unknown cost": bad("cost", cost="cross_entropy"),
    "cost in the wrong case": bad("cost", cost="Log_Likelihood"),
    "cost None with Y given": bad("cost", cost=None),
    "cost not a string": bad("cost", cost=["log_likelihood"]),
}

# Classes that concern only weights, X and activations also apply to forward.
FORWARD_CLASSES = {**BAD_WEIGHTS, **BAD_X, **BAD_ACTIVATIONS}
ALL_CLASSES = {**FORWARD_CLASSES, **BAD_Y, **BAD_OUTPUT_FOR_COST, **BAD_COST}


def assert_names_argument(fn: Callable, args: tuple, argument: str) -> None:
    __tracebackhide__ = True
    with pytest.raises(ValueError) as info:
        fn(*args)
    message = str(info.value)
    assert re.match(rf"{re.escape(argument)}:", message), (
        f"{_name(fn)}: the message should start with {argument + ':'!r}, got {message!r}"
    )
    assert len(message) > len(argument) + 20, f"the message says too little: {message!r}"


@pytest.mark.parametrize("fn", WITH_COST, ids=_name)
@pytest.mark.parametrize("case", ALL_CLASSES.values(), ids=ALL_CLASSES.keys())
def test_bad_input_raises_value_error_naming_the_argument(fn: Callable, case: Bad) -> None:
    assert_names_argument(fn, case[:5], case.argument)


@pytest.mark.parametrize("fn", FORWARD, ids=_name)
@pytest.mark.parametrize("case", FORWARD_CLASSES.values(), ids=FORWARD_CLASSES.keys())
def test_bad_input_to_forward_raises_value_error_naming_the_argument(fn, case: Bad) -> None:
    assert_names_argument(fn, (case.weights, case.X, case.activations), case.argument)


def test_the_base_problem_is_valid_for_every_entry_point() -> None:
    """So each bad case above fails for the one thing changed, not something else."""
    problem = base()
    for fn in WITH_COST:
        fn(*problem.values())
    for fn in FORWARD:
        fn(problem["weights"], problem["X"], problem["activations"])
    softmax = base("softmax_log_likelihood", "softmax")
    softmax["Y"] = softmax["Y"] * 1.5  # labels >= 0 need not be <= 1 for the softmax costs
    handprop.gradients(*softmax.values())
    handprop.gradients(*{**problem, "weights": tuple(problem["weights"])}.values())  # a tuple
    handprop.gradients(*{**problem, "X": problem["X"].tolist()}.values())  # a nested list


# --------------------------------------------------------------------------------------
# P = 0


def _empty_problem(cost: str, dtype, sizes=(3, 4, 2)):
    spec = COSTS[cost]
    output = "softmax" if spec.outputs == ("softmax",) else "sigmoid"
    weights = handprop.init_weights(sizes, seed=1, dtype=dtype, bias=0.3)
    activations = ["tanh"] * (len(sizes) - 2) + [output]
    X = np.zeros((0, sizes[0]), dtype=dtype)
    Y = np.zeros((0, sizes[-1]), dtype=dtype)
    return weights, X, Y, activations, cost


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("cost", COSTS)
def test_no_examples_gives_zero_cost_and_zero_gradients(cost: str, dtype) -> None:
    dtype = np.dtype(dtype)
    problem = _empty_problem(cost, dtype)
    C = handprop.cost(*problem)
    assert C == 0 and C.dtype == dtype and np.ndim(C) == 0
    for fn in (handprop.gradients, literal.gradients):
        grads = fn(*problem)
        assert [g.shape for g in grads] == [w.shape for w in problem[0]], _name(fn)
        assert all(g.dtype == dtype for g in grads), _name(fn)
        assert all(not g.any() for g in grads), _name(fn)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    ("fn", "sizes", "cost"),
    [
        (special_cases.one_output_gradients, (3, 4, 2, 1), "squared_error"),
        (special_cases.sigmoid_log_likelihood_gradients, (3, 4, 2), "log_likelihood"),
        (special_cases.two_layer_gradients, (3, 4, 2), "softmax_cross_entropy"),
        (special_cases.xor_221_gradients, (2, 2, 1), "binary_cross_entropy"),
    ],
    ids=lambda x: x.__name__ if callable(x) else None,
)
def test_no_examples_in_the_special_cases(fn, sizes, cost, dtype) -> None:
    weights, X, Y, activations, cost = _empty_problem(cost, dtype, sizes)
    activations = ["sigmoid"] * (len(sizes) - 2) + [activations[-1]]
    grads = fn(weights, X, Y, activations, cost)
    assert [g.shape for g in grads] == [w.shape for w in weights]
    assert all(g.dtype == np.dtype(dtype) and not g.any() for g in grads)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("output", ["sigmoid", "softmax"])
def test_no_examples_in_forward(output: str, dtype) -> None:
    sizes = (3, 4, 2)
    weights, X, _, _, _ = _empty_problem("squared_error", dtype, sizes)
    fp = handprop.forward(weights, X, ["tanh", output])
    z_lit, a_lit = literal.forward(weights, X, ["tanh", output])
    for zs, as_ in ((fp.z, fp.a), (z_lit, a_lit)):
        assert [z.shape for z in zs] == [(0, n) for n in sizes]
        assert [a.shape for a in as_] == [(0, n) for n in sizes]
        assert all(x.dtype == np.dtype(dtype) for x in (*zs, *as_))


def test_no_examples_still_checks_shapes() -> None:
    weights, X, Y, activations, cost = _empty_problem("log_likelihood", np.float64)
    assert_names_argument(handprop.gradients, (weights, X, Y[:, :1], activations, cost), "Y")
    assert_names_argument(handprop.gradients, (weights, X[:, :2], Y, activations, cost), "X")


# --------------------------------------------------------------------------------------
# Issue 13: bad seeds and init arguments, masked arrays, byte order

BAD_INIT = {
    "seed=-1": ({"seed": -1}, "seed"),
    "seed='a'": ({"seed": "a"}, "seed"),
    "seed=1.5": ({"seed": 1.5}, "seed"),
    "dtype='bogus'": ({"seed": 0, "dtype": "bogus"}, "dtype"),
    "dtype=int": ({"seed": 0, "dtype": int}, "dtype"),
    "scheme='xavier'": ({"seed": 0, "scheme": "xavier"}, "scheme"),
    "scheme a list": ({"seed": 0, "scheme": ["he"]}, "scheme"),
    "gain=-1": ({"seed": 0, "gain": -1.0}, "gain"),
    "gain='a'": ({"seed": 0, "gain": "a"}, "gain"),
    "bias=nan": ({"seed": 0, "bias": float("nan")}, "bias"),
    "bias=None": ({"seed": 0, "bias": None}, "bias"),
}


@pytest.mark.parametrize(("kwargs", "argument"), BAD_INIT.values(), ids=BAD_INIT.keys())
def test_bad_init_arguments_raise_value_error_naming_the_argument(kwargs, argument) -> None:
    assert_names_argument(lambda: handprop.init_weights((2, 2, 1), **kwargs), (), argument)


def test_good_seeds_are_still_accepted() -> None:
    same = handprop.init_weights((2, 2, 1), seed=np.random.default_rng(5))
    assert all(np.array_equal(a, b) for a, b in zip(
        handprop.init_weights((2, 2, 1), seed=5), same, strict=True))
    handprop.init_weights((2, 2, 1), seed=None)
    handprop.init_weights((2, 2, 1), seed=np.uint8(3), gain=np.float32(2), bias=1)
    handprop.init_weights((2, 2, 1), seed=[1, 2])


def _masked(x):
    return np.ma.masked_array(x, mask=np.zeros(np.shape(x), dtype=bool))


MASKED = {
    "masked weights[0]": bad("weights[0]", weights=lambda w: [_masked(w[0]), w[1]]),
    "masked weights[1]": bad("weights[1]", weights=lambda w: [w[0], _masked(w[1])]),
    "masked X": bad("X", X=_masked),
    "masked Y": bad("Y", Y=_masked),
}


@pytest.mark.parametrize("fn", WITH_COST, ids=_name)
@pytest.mark.parametrize("case", MASKED.values(), ids=MASKED.keys())
def test_masked_arrays_are_refused_naming_the_argument(fn: Callable, case: Bad) -> None:
    """A mask would be ignored silently (NumPy's arithmetic on .data): refused, even an
    all-False one, with a message saying how to pass the data."""
    assert_names_argument(fn, case[:5], case.argument)
    with pytest.raises(ValueError, match="mask"):
        fn(*case[:5])


@pytest.mark.parametrize("fn", FORWARD, ids=_name)
@pytest.mark.parametrize("case", [MASKED["masked weights[1]"], MASKED["masked X"]],
                         ids=["weights[1]", "X"])
def test_masked_arrays_are_refused_by_forward(fn: Callable, case: Bad) -> None:
    assert_names_argument(fn, (case.weights, case.X, case.activations), case.argument)


def _swapped(x: np.ndarray) -> np.ndarray:
    """The same numbers stored in the other byte order (``>f8`` on a little-endian host)."""
    out = x.astype(x.dtype.newbyteorder("S"))
    assert not out.dtype.isnative and np.array_equal(out, x)
    return out


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("fn", [*WITH_COST, *FORWARD], ids=_name)
def test_non_native_byte_order_is_converted_to_native(fn: Callable, dtype) -> None:
    """A float32/float64 array in the non-native byte order holds the same numbers in
    another storage: accepted (weights, X and Y alike, also mixed with native ones),
    converted to the native order, and the results are bit for bit the native ones, in
    the native dtype."""
    p = base(dtype=dtype)
    swapped = {**p, "weights": [p["weights"][0], _swapped(p["weights"][1])],
               "X": _swapped(p["X"]), "Y": _swapped(p["Y"])}
    if fn in FORWARD:
        args = [(q["weights"], q["X"], q["activations"]) for q in (p, swapped)]
    else:
        args = [tuple(q.values()) for q in (p, swapped)]
    native, converted = fn(*args[0]), fn(*args[1])
    flat = [np.atleast_1d(np.asarray(x)) for x in _flatten(native)]
    flat_converted = [np.atleast_1d(np.asarray(x)) for x in _flatten(converted)]
    assert len(flat) == len(flat_converted)
    for a, b in zip(flat, flat_converted, strict=True):
        assert b.dtype == np.dtype(dtype) and b.dtype.isnative
        assert np.array_equal(a, b)


def _flatten(result) -> list:
    if isinstance(result, (list, tuple)):
        return [x for item in result for x in _flatten(item)]
    return [result]


def test_validate_returns_native_arrays() -> None:
    p = base()
    weights, X, Y = handprop.validate(
        [_swapped(w) for w in p["weights"]], _swapped(p["X"]), p["Y"], p["activations"],
        p["cost"],
    )
    assert all(a.dtype == np.float64 and a.dtype.isnative for a in (*weights, X, Y))


def test_a_non_float_in_the_other_byte_order_is_still_refused_by_its_dtype() -> None:
    p = base()
    X = p["X"].astype(">i8")
    assert_names_argument(handprop.gradients, (p["weights"], X, p["Y"], p["activations"],
                                               p["cost"]), "X")
    with pytest.raises(ValueError, match="float32 or float64, got >i8"):
        handprop.gradients(p["weights"], X, p["Y"], p["activations"], p["cost"])


@pytest.mark.filterwarnings("ignore:the matrix subclass:PendingDeprecationWarning")
def test_other_ndarray_subclasses_are_used_as_plain_arrays() -> None:
    """np.matrix's own operators (``*`` is a matrix product) never reach handprop's
    arithmetic: a subclass is viewed as a plain array (no copy), same results."""
    p = base()
    plain = handprop.gradients(*p.values())
    as_matrix = handprop.gradients([np.asmatrix(w) for w in p["weights"]], np.asmatrix(p["X"]),
                                   np.asmatrix(p["Y"]), p["activations"], p["cost"])
    assert all(type(g) is np.ndarray and np.array_equal(g, h)
               for g, h in zip(as_matrix, plain, strict=True))


@pytest.mark.parametrize("where", ["weights[1]", "X"])
@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_non_finite_values_are_found_in_any_layout_and_beside_huge_ones(where, value) -> None:
    """The finiteness check (a sum of squares first) also catches a NaN or an infinity in a
    column-major array, a strided view, and next to finite values whose squares overflow."""
    p = base()
    for make in (np.asfortranarray, lambda x: np.repeat(x, 2, axis=0)[::2]):
        weights = [make(w.copy()) for w in p["weights"]]
        X = make(p["X"].copy())
        target = weights[1] if where == "weights[1]" else X
        target[0, 0] = 1e300  # finite, its square overflows: the elementwise test decides
        handprop.gradients(weights, X, p["Y"], p["activations"], p["cost"])  # still valid
        target[-1, -1] = value
        assert_names_argument(handprop.gradients,
                              (weights, X, p["Y"], p["activations"], p["cost"]), where)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_labels_in_zero_one_at_the_edges(dtype) -> None:
    """The [0, 1] rule at its edges (the fast path reads a label's bits): 0, -0.0, the
    smallest subnormal and 1 pass; the next float above 1 and -smallest subnormal fail."""
    p = base(dtype=dtype)
    tiny = np.finfo(dtype).smallest_subnormal
    for y in (0.0, -0.0, tiny, 1.0):
        Y = p["Y"].copy()
        Y[1, 0] = y
        handprop.gradients(p["weights"], p["X"], Y, p["activations"], p["cost"])
    for y in (np.nextafter(dtype(1), dtype(2)), -tiny):
        Y = p["Y"].copy()
        Y[1, 0] = y
        assert_names_argument(handprop.gradients,
                              (p["weights"], p["X"], Y, p["activations"], p["cost"]), "Y")


@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_non_finite_values_are_found_in_large_arrays(value) -> None:
    """Arrays of 4 096 elements and more skip the dot product (threaded in BLAS) and are
    checked element by element."""
    p = base()
    X = np.tile(p["X"], (1500, 1))
    Y = np.tile(p["Y"], (1500, 1))
    handprop.gradients(p["weights"], X, Y, p["activations"], p["cost"])
    X[2999, 1] = value
    assert_names_argument(handprop.gradients, (p["weights"], X, Y, p["activations"], p["cost"]),
                          "X")
