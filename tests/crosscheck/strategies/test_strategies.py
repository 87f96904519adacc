"""Tests of crosscheck.strategies: every drawn problem is valid, restrictions hold, every
name/regime/kind can be reached, shrinking gives the simplest network, and relu kinks
are detected and rare."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import Phase, find, given, settings
from hypothesis import strategies as st

from crosscheck import spec
from crosscheck.budget import kink_free
from crosscheck.options import REGIMES, SATURATING_Z, problem_space
from crosscheck.problem import Problem, make_problem
from crosscheck.spec import ACTIVATION_ORDER, COSTS, ELEMENTWISE
from crosscheck.strategies import (
    X_KINDS,
    Y_KINDS,
    Architecture,
    DrawnProblem,
    architectures,
    inputs,
    labels_for,
    problems,
    problems_with_info,
    weights_for,
)

# find(): no example database, derandomised, so results do not depend on earlier runs.
FIND = settings(database=None, derandomize=True, max_examples=2000)
# Reachability only needs one example: no shrinking.
REACH = settings(FIND, phases=[Phase.generate])

F32, F64 = np.dtype(np.float32), np.dtype(np.float64)


def _check(
    drawn: DrawnProblem,
    *,
    activations=None,
    costs=None,
    dtypes=(F32, F64),
    min_depth=1,
    max_depth=5,
    max_width=8,
    max_q=8,
    max_p=16,
    regimes=REGIMES,
) -> None:
    """Assert everything a drawn problem promises, under the given restrictions."""
    __tracebackhide__ = True
    p, info = drawn
    assert isinstance(p, Problem)
    make_problem(p.weights, p.X, p.Y, p.activations, p.cost)  # raises if invalid
    assert p.dtype in dtypes, f"dtype {p.dtype} not among {dtypes}"
    for name, arr in [
        *((f"weights[{l}]", w) for l, w in enumerate(p.weights)),
        ("X", p.X),
        ("Y", p.Y),
    ]:
        assert arr.dtype == p.dtype, f"{name} has dtype {arr.dtype}, X has {p.dtype}"
    # the record matches the problem
    assert info.architecture == Architecture(p.sizes, p.activations, p.cost)
    assert info.dtype == p.dtype
    # shapes within bounds
    assert min_depth <= p.depth <= max_depth, f"depth {p.depth}"
    assert 1 <= p.sizes[0] <= max_q, f"Q = {p.sizes[0]}"
    assert all(1 <= n <= max_width for n in p.sizes[1:]), f"sizes {p.sizes}"
    assert 1 <= p.P <= max_p, f"P = {p.P}"
    # names
    assert "softmax" not in p.activations[:-1], p.activations
    assert p.activations[-1] in COSTS[p.cost].outputs, (p.activations, p.cost)
    if activations is not None:
        assert set(p.activations) <= set(activations), p.activations
    if costs is not None:
        assert p.cost in costs, p.cost
    _check_weights(p, info.regime, info.layer_regimes, regimes)
    _check_inputs(p.X, info.x_kind)
    _check_labels(p.Y, p.cost, info.y_kind)


def _check_weights(p: Problem, regime: str, layer_regimes, regimes) -> None:
    __tracebackhide__ = True
    assert regime in regimes, f"regime {regime!r} not among {regimes}"
    assert len(layer_regimes) == p.depth
    if regime == "mixed":
        assert set(layer_regimes) <= {"typical", "small", "saturating"}, layer_regimes
    else:
        assert set(layer_regimes) == {regime}, (regime, layer_regimes)
    # one float32 rounding above the bound is allowed
    slack = 1.0 + 2.0 * float(np.finfo(p.dtype).eps)
    for l, (w, r) in enumerate(zip(p.weights, layer_regimes, strict=True)):
        w64 = np.abs(w.astype(np.float64))
        assert (w64[0] > 0).all(), f"weights[{l}] has a zero bias: {w[0]}"
        if r == "small":
            assert w64.max() <= 1e-3 * slack, f"small weights[{l}] up to {w64.max()}"
            assert w64[0].min() >= 1e-4, f"small weights[{l}] bias down to {w64[0].min()}"
        elif r == "typical":
            glorot = math.sqrt(6.0 / (w.shape[0] - 1 + w.shape[1]))
            assert w64.max() <= glorot * slack, f"typical weights[{l}] up to {w64.max()}"


def _check_inputs(X: np.ndarray, kind: str) -> None:
    __tracebackhide__ = True
    assert kind in X_KINDS, kind
    absx = np.abs(X.astype(np.float64))
    assert absx.max() <= (100.0 if kind == "large" else 1.0), f"{kind} X up to {absx.max()}"
    if kind == "zeros":
        assert (absx.max(axis=1) == 0).any(), f"no all-zero row in {X}"
    if kind == "repeated" and X.shape[0] >= 2:
        assert len(np.unique(X, axis=0)) < X.shape[0], f"no repeated row in {X}"


def _check_labels(Y: np.ndarray, cost: str, kind: str) -> None:
    __tracebackhide__ = True
    rule = COSTS[cost].labels
    assert kind in Y_KINDS[rule], (cost, kind)
    assert np.isfinite(Y).all()
    if rule == "unit":
        assert Y.min() >= 0 and Y.max() <= 1, f"{cost} labels outside [0, 1]: {Y}"
    if rule == "nonnegative":
        assert Y.min() >= 0, f"{cost} labels below 0: {Y}"
    if kind == "binary":
        assert np.isin(Y, (0.0, 1.0)).all(), f"binary labels not in {{0, 1}}: {Y}"
    if kind == "one_hot":
        assert np.isin(Y, (0.0, 1.0)).all() and (Y.sum(axis=1) == 1).all(), f"not one-hot: {Y}"
    if kind == "soft":
        assert Y.min() >= 0 and Y.max() <= 1, f"soft labels outside [0, 1]: {Y}"


def _max_abs_z(p: Problem) -> float:
    """The largest |z| (seed eq. 1) over every unit, example and layer, in float64."""
    p64 = p.astype(np.float64)
    a, largest = p64.X, 0.0
    for w, name in zip(p64.weights, p64.activations, strict=True):
        z = a @ w[1:] + w[0]
        largest = max(largest, float(np.abs(z).max()))
        a = spec.softmax(z) if name == "softmax" else spec.value(name, z)
    return largest


def _collect(strategy: st.SearchStrategy, n: int) -> list:
    """n derandomised draws from ``strategy`` (generation only, as a gate would see them)."""
    out: list = []

    @settings(
        database=None, derandomize=True, max_examples=n, phases=[Phase.generate], deadline=None
    )
    @given(strategy)
    def collect(x):
        out.append(x)

    collect()
    return out


# ----------------------------------------------------------------------------- validity


@given(problems_with_info())
def test_every_drawn_problem_is_valid(drawn):
    _check(drawn)


@given(problems())
def test_problems_draws_within_the_default_space(p):
    """problems() with no options draws only what its default ProblemSpace admits
    (sizes, names, dtype), every array in the problem's dtype and finite."""
    assert problem_space().admits(p), p.describe()
    assert all(a.dtype == p.dtype and np.isfinite(a).all() for a in (*p.weights, p.X, p.Y))


def test_the_default_space_refuses_what_a_wider_one_draws():
    """The check above can fail: a wider strategy draws what the default space refuses."""
    unshrunk = settings(FIND, phases=[Phase.generate])  # any example will do
    p = find(problems(max_p=32), lambda p: not problem_space().admits(p), settings=unshrunk)
    assert p.P > problem_space().max_p, p.describe()


RESTRICTIONS = [
    dict(activations=("relu", "sigmoid"), costs=("log_likelihood", "squared_error")),
    dict(activations=("tanh", "softmax"), dtypes=(F32,), regimes=("saturating",)),
    dict(activations=("relu",), max_depth=2, max_width=3, max_q=2, max_p=4),
    dict(costs=("softmax_cross_entropy",), regimes=("small",), dtypes=(F64,)),
    dict(min_depth=4, max_depth=5, regimes=("mixed",)),
    dict(activations=("softmax",), costs=("softmax_log_likelihood",)),
]


@pytest.mark.parametrize("kw", RESTRICTIONS, ids=lambda kw: ",".join(kw))
@given(data=st.data())
def test_restrictions_are_honoured(kw, data):
    drawn = data.draw(problems_with_info(**kw))
    _check(drawn, **kw)
    if kw.get("activations") == ("relu",):
        assert drawn.problem.cost == "squared_error"  # the only cost with a relu output


@given(data=st.data())
def test_the_pieces_compose_into_valid_problems(data):
    arch = data.draw(architectures(max_depth=3), label="architecture")
    dtype = data.draw(st.sampled_from([F32, F64]), label="dtype")
    regime = data.draw(st.sampled_from(REGIMES), label="regime")
    P = data.draw(st.integers(1, 5), label="P")
    w = data.draw(weights_for(arch, regime, dtype))
    x = data.draw(inputs(P, arch.sizes[0], dtype))
    y = data.draw(labels_for(arch.cost, P, arch.sizes[-1], dtype))
    p = make_problem(w.weights, x.X, y.Y, arch.activations, arch.cost)
    assert p.dtype == dtype and p.sizes == arch.sizes
    _check_weights(p, regime, w.layer_regimes, REGIMES)
    _check_inputs(x.X, x.kind)
    _check_labels(y.Y, arch.cost, y.kind)


@pytest.mark.parametrize(
    "make",
    [
        lambda: problems(activations=("nope",)),
        lambda: problems(activations=3),
        lambda: problems(activations="relu,nope"),
        lambda: problems(costs=("hinge",)),
        lambda: problems(activations=("sigmoid",), costs=("softmax_cross_entropy",)),
        lambda: problems(activations=("softmax",), min_depth=2),
        lambda: problems(min_depth=3, max_depth=2),
        lambda: problems(max_width=0),
        lambda: problems(max_p=0),
        lambda: problems(dtypes=("float16",)),
        lambda: problems(dtypes=()),
        lambda: problems(regimes=("huge",)),
        lambda: weights_for(Architecture((1, 1), ("sigmoid",), "log_likelihood"), "x"),
        lambda: weights_for(Architecture((1, 1), ("relu",), "log_likelihood"), "small"),
        lambda: weights_for(Architecture((1, 0), ("sigmoid",), "log_likelihood"), "small"),
        lambda: inputs(0, 1),
        lambda: inputs(1, 1, kinds=("weird",)),
        lambda: labels_for("hinge", 1, 1),
        lambda: labels_for("squared_error", 1, 1, np.int32),
    ],
)
def test_bad_arguments_raise_value_error(make):
    with pytest.raises(ValueError):
        make()


def test_names_as_a_string_and_as_a_sequence_draw_the_same():
    a = _collect(problems(activations="relu,sigmoid", costs="log_likelihood"), 20)
    b = _collect(problems(activations=["relu", "sigmoid"], costs=("log_likelihood",)), 20)
    assert [p.describe() for p in a] == [p.describe() for p in b]
    assert all(set(p.activations) <= {"relu", "sigmoid"} for p in a)


# ----------------------------------------------------------------------------- reachability

REACHABLE = [
    *((f"hidden {a}", lambda d, a=a: a in d.problem.activations[:-1]) for a in ELEMENTWISE),
    *((f"output {a}", lambda d, a=a: d.problem.activations[-1] == a) for a in ACTIVATION_ORDER),
    *((f"cost {c}", lambda d, c=c: d.problem.cost == c) for c in COSTS),
    *((f"regime {r}", lambda d, r=r: d.info.regime == r) for r in REGIMES),
    ("layers in different regimes", lambda d: len(set(d.info.layer_regimes)) >= 2),
    *((f"dtype {t}", lambda d, t=t: d.problem.dtype == t) for t in (F32, F64)),
    *((f"depth {L}", lambda d, L=L: d.problem.depth == L) for L in range(1, 6)),
    ("width 8", lambda d: max(d.problem.sizes[1:]) == 8),
    ("Q 8", lambda d: d.problem.sizes[0] == 8),
    ("P 16", lambda d: d.problem.P == 16),
    *((f"x {k}", lambda d, k=k: d.info.x_kind == k) for k in X_KINDS),
    ("|x| >= 50", lambda d: np.abs(d.problem.X).max() >= 50),
    ("repeated rows, P >= 3", lambda d: d.info.x_kind == "repeated" and d.problem.P >= 3),
    *(
        (f"y {k} for {c}", lambda d, c=c, k=k: d.problem.cost == c and d.info.y_kind == k)
        for c, k in [
            ("log_likelihood", "binary"),
            ("log_likelihood", "soft"),
            ("squared_error", "typical"),
            ("squared_error", "large"),
            ("softmax_log_likelihood", "one_hot"),
            ("softmax_log_likelihood", "soft"),
        ]
    ),
]


@pytest.mark.parametrize("condition", [c for _, c in REACHABLE], ids=[n for n, _ in REACHABLE])
def test_can_be_reached(condition):
    find(problems_with_info(), condition, settings=REACH)  # NoSuchExample if not


def test_gelu_is_reached_through_problems():
    assert "gelu" in find(problems(), lambda p: "gelu" in p.activations, settings=REACH).activations


# ----------------------------------------------------------------------------- regimes


def test_saturating_regime_reaches_pre_activations_in_the_tens():
    drawn = _collect(problems_with_info(regimes=("saturating",)), 200)
    big = [_max_abs_z(d.problem) >= 10 for d in drawn]
    typical = _collect(problems_with_info(regimes=("typical",), dtypes=(F64,)), 200)
    typical_big = [_max_abs_z(d.problem) >= 10 for d in typical]
    # The smallest are Hypothesis's all-zero draws, where z is the bias, of magnitude at
    # least 0.2 * SATURATING_Z: nothing drawn sits in the linear middle.
    floor = min(_max_abs_z(d.problem) for d in drawn)
    assert floor >= 0.2 * SATURATING_Z * (1 - 1e-6), f"a saturating draw has max |z| = {floor}"
    # Into the tens, every one of them but Hypothesis's minimal draws: those whose weight
    # rows are all zero (z is the bias alone; 11 of these 200, the other 189 reach 10).
    # No share to set: which draws fall short is decided, not sampled.
    short = [d.problem for d, b in zip(drawn, big, strict=True) if not b]
    for p in short:
        assert not any(w[1:].any() for w in p.weights), (
            f"a saturating draw with non-zero weights stays below |z| = 10: {p.describe()}"
        )
    assert len(short) < len(drawn) / 2, f"{len(short)} of {len(drawn)} draws are minimal"
    assert np.mean(typical_big) < np.mean(big) / 2, (
        f"typical draws reach |z| >= 10 as often ({np.mean(typical_big):.0%}) as saturating "
        f"ones ({np.mean(big):.0%})"
    )


def test_small_regime_keeps_weights_near_1e_3():
    drawn = _collect(problems_with_info(regimes=("small",)), 100)
    largest = np.array(
        [max(np.abs(w.astype(np.float64)).max() for w in d.problem.weights) for d in drawn]
    )
    assert largest.max() <= 1e-3 * (1 + 2 * np.finfo(np.float32).eps)
    # "~1e-3", not merely "<= 1e-3": the biases alone keep every problem above 1e-4
    assert largest.min() >= 1e-4, f"a small-regime problem has all |w| <= {largest.min()}"


# ----------------------------------------------------------------------------- shrinking


def test_shrinks_to_the_seeds_smallest_network():
    p = find(problems(), lambda p: True, settings=FIND)
    assert (p.depth, p.sizes, p.P) == (1, (1, 1), 1), p.describe()
    assert p.dtype == F64
    assert (p.activations, p.cost) == (("sigmoid",), "log_likelihood"), p.describe()


def test_shrinks_depth_3_to_width_1():
    p = find(problems(), lambda p: p.depth >= 3, settings=FIND)
    assert p.sizes == (1, 1, 1, 1), p.describe()
    assert p.activations[:-1] == (ACTIVATION_ORDER[0],) * 2 == ("identity", "identity")
    assert p.P == 1


def test_shrinks_to_the_simplest_names_around_a_condition():
    p = find(problems(), lambda p: "relu" in p.activations and p.P >= 2, settings=FIND)
    assert (p.sizes, p.activations, p.cost, p.P) == (
        (1, 1, 1),
        ("relu", "sigmoid"),
        "log_likelihood",
        2,
    ), p.describe()


def test_architectures_shrink_towards_fewer_and_narrower_layers():
    arch = find(architectures(), lambda a: a.depth >= 2 and max(a.sizes) >= 4, settings=FIND)
    assert arch.depth == 2 and sorted(arch.sizes) == [1, 1, 4], arch


# ----------------------------------------------------------------------------- kinks


def test_kinked_draws_are_rare():
    drawn = _collect(problems(), 400)
    with_kinks = [p for p in drawn if {"relu", "leaky_relu"} & set(p.activations)]
    rejected = sum(not kink_free(p) for p in drawn)
    assert len(with_kinks) >= 50, "too few relu/leaky_relu problems to measure the rate"
    assert rejected / len(drawn) < 0.05, f"{rejected} of {len(drawn)} draws are not kink free"


def test_kinked_draws_are_rare_even_for_relu_only_networks():
    drawn = _collect(problems(activations=("relu",)), 300)
    rejected = sum(not kink_free(p) for p in drawn)
    assert rejected / len(drawn) < 0.05, f"{rejected} of {len(drawn)} draws are not kink free"


# ----------------------------------------------------------------------------- health


@pytest.mark.slow
def test_no_health_check_fires_at_1000_examples():
    count = [0]

    @settings(
        max_examples=1000, suppress_health_check=[], deadline=None, database=None, derandomize=True
    )
    @given(problems_with_info())
    def draw_many(drawn):
        count[0] += 1

    draw_many()
    assert count[0] >= 1000


def test_no_health_check_fires_under_strict_settings():
    @settings(
        max_examples=100, suppress_health_check=[], database=None, derandomize=True, deadline=None
    )
    @given(problems())
    def draw(p):
        pass

    draw()
