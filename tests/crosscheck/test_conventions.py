"""Conventions (crosscheck.conventions): every layout, example orientation, bias shape,
reduction, factor and loss returned alongside converts to and from the canonical problem
*exactly* (bit for bit, on random problems in both dtypes), correct functions written in
each convention pass the canonical judgement, bad conventions or signatures are usage
errors, and an answer in a recognisable other convention says which option fits."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from required import require_oracle

import crosscheck
import handprop
from crosscheck.conventions import (
    BIAS_SHAPES,
    EXAMPLES_AS,
    LAYOUTS,
    Convention,
    adapt,
    check_signature,
    convention,
    convention_of,
)
from crosscheck.errors import UsageError
from crosscheck.mutants import layouts
from crosscheck.problem import make_problem
from crosscheck.strategies import problems
from crosscheck.verdict import check, check_gradients

CONVENTIONS = [
    Convention(layout, examples_as, reduction, factor, per_example, bias)
    for layout, examples_as, bias in itertools.product(LAYOUTS, EXAMPLES_AS, BIAS_SHAPES)
    if layout != "canonical" or bias == "vector"
    for reduction, factor, per_example in (
        ("sum", 1.0, False),
        ("mean", 1.0, False),
        ("mean-all", 0.5, False),
        ("sum", -1.0, True),
        ("mean-all", 1.0, True),
    )
]


def _in_convention(conv: Convention):
    """A correct function in ``conv``: handprop on the canonical arrays rebuilt from the
    arguments (the inverse of the conversion), its answer laid out and scaled by ``conv``
    (the division by a power of two, as a mean-reducing function would)."""

    def fn(*args):
        if conv.separate:
            weights, biases, X, Y, acts, cost = args
        else:
            (weights, X, Y, acts, cost), biases = args, None
        p = conv.problem(weights, biases, X, Y, acts, cost)
        grads = handprop.gradients(*p.args())
        s = p.dtype.type(conv.scale(p.P, p.sizes[-1]))
        grads = [g * s for g in grads]
        if not conv.separate:  # the bias row moved, the matrix transposed, by hand
            grads = [np.vstack([g[1:], g[:1]]) if conv.bias_at == "last" else g for g in grads]
            return [g.T.copy() if conv.layout == "combined-out-in" else g for g in grads]
        shape = {"vector": (-1,), "column": (-1, 1), "row": (1, -1)}[conv.bias_shape]
        W = [g[1:] if conv.layout == "separate-in-out" else g[1:].T.copy() for g in grads]
        return W, [g[0].reshape(shape).copy() for g in grads]

    return fn


def _random_problem(rng, dtype, cost="squared_error", sizes=(3, 4, 2), P=8, out=None):
    weights = [rng.uniform(-1, 1, (a + 1, b)) for a, b in itertools.pairwise(sizes)]
    Y = rng.uniform(0, 1, (P, sizes[-1]))
    out = out or {"squared_error": "tanh", "softmax_cross_entropy": "softmax"}[cost]
    return make_problem(
        [w.astype(dtype) for w in weights],
        rng.uniform(-1, 1, (P, sizes[0])).astype(dtype),
        Y.astype(dtype),
        ["sigmoid"] * (len(sizes) - 2) + [out],
        cost,
    )


@pytest.mark.parametrize("conv", CONVENTIONS, ids=lambda c: c.describe() or "canonical")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_conversion_is_exact_in_every_convention(conv, dtype):
    from crosscheck.guard import Guard, run

    rng = np.random.default_rng(7)
    for cost in ("squared_error", "softmax_cross_entropy"):
        p = _random_problem(rng, dtype, cost)
        canonical = handprop.gradients(*p.args())
        r = run(_in_convention(conv), p, Guard(conv))
        assert r.kind == "returned", r.error
        if conv.per_example:  # summed one example at a time: a different order of the sum
            assert check(lambda *a, g=r.grads: g, p, state_checks=False).status == "pass"
        else:
            for a, b in zip(r.grads, canonical, strict=True):
                assert a.dtype == b.dtype and np.array_equal(a, b)


@settings(max_examples=25, deadline=None)
@given(problems(max_depth=3, max_width=5, max_p=8), st.sampled_from(CONVENTIONS))
def test_the_arguments_rebuild_the_problem_exactly(p, conv):
    args, names = conv.arguments(p)
    if conv.separate:
        weights, biases, X, Y = args[:4]
        assert names[:2] == ["weights", "biases"]
    else:
        (weights, X, Y), biases = args[:3], None
    q = conv.problem(weights, biases, X, Y, p.activations, p.cost)
    for a, b in zip((*q.weights, q.X, q.Y), (*p.weights, p.X, p.Y), strict=True):
        assert a.dtype == b.dtype and np.array_equal(a, b)
    if conv.examples_as == "columns":
        assert X.shape == (p.sizes[0], p.P) and X.flags.c_contiguous


LAYOUT_FUNCTIONS = ["in_out_rows", "in_out_mean", "out_in_columns", "out_in_mean",
                    "out_in_one_example"]


@pytest.mark.parametrize("name", LAYOUT_FUNCTIONS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_independent_functions_in_each_convention_pass_the_canonical_judgement(name, dtype):
    require_oracle("torch")
    rng = np.random.default_rng(3)
    options = layouts.CONVENTIONS[name]
    for cost in ("squared_error", "softmax_cross_entropy"):
        p = _random_problem(rng, dtype, cost, sizes=(3, 5, 4, 2), P=16)
        result = check(getattr(layouts, name), p, **options)
        assert result.status == "pass", result.summary()


def test_a_wrong_answer_is_named_in_the_functions_own_terms():
    from crosscheck.guard import Guard, run

    p = _random_problem(np.random.default_rng(0), np.float64)
    conv = convention(layout="separate-out-in")

    def transposed(weights, biases, X, Y, activations, cost):
        W, b = _in_convention(conv)(weights, biases, X, Y, activations, cost)
        return [w.T for w in W], b

    r = run(transposed, p, Guard(conv))
    assert r.kind == "layout" and "weight_grads[0]: expected shape (4, 3)" in r.error
    r = run(lambda *a: [1, 2], p, Guard(conv))
    assert r.kind == "layout" and "weight_grads: expected a list of 2 arrays" in r.error
    r = run(lambda *a: None, p, Guard(conv))
    assert "expected a pair (weight_grads, bias_grads)" in r.error


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(layout="rows"), "^layout: expected one of canonical"),
        (dict(examples_as="cols"), "^examples_as"),
        (dict(reduction="average"), "^reduction"),
        (dict(factor=0.1), "^factor: expected a power of two"),
        (dict(factor=0), "^factor"),
        (dict(per_example="yes"), "^per_example"),
        (dict(bias_shape="matrix"), "^bias_shape"),
        (dict(returns="loss"), "^returns: expected one of gradients, loss-first, loss-last"),
    ],
)
def test_a_bad_convention_names_itself(kwargs, message):
    with pytest.raises(UsageError, match=message):
        convention(**kwargs)


def test_names_may_use_underscores_and_powers_of_two_may_be_negative():
    c = convention(layout="separate_out_in", reduction="mean_all", factor=-0.5)
    assert (c.layout, c.reduction, c.factor) == ("separate-out-in", "mean-all", -0.5)
    assert c.powers_of_two() == ("P", "N_L")
    assert convention(reduction="mean", per_example=True).powers_of_two() == ()


@pytest.mark.parametrize("layout", LAYOUTS)
def test_a_wrong_signature_names_the_expected_one(layout):
    def five(weights, X, Y, activations, cost): ...

    def six(weights, biases, X, Y, activations, cost): ...

    conv = convention(layout=layout)
    right, wrong = (six, five) if conv.separate else (five, six)
    check_signature(right, conv)
    check_signature(lambda *args: None, conv)  # anything goes
    with pytest.raises(UsageError, match=r"expected fn\(weights, ") as info:
        check_signature(wrong, conv)
    expected = str(info.value).split(" but it is ")[0]
    assert ("biases" in expected) == conv.separate


def test_adapt_gives_a_canonical_function_that_verify_recognises():
    options = layouts.CONVENTIONS["out_in_mean"]
    canonical = adapt(layouts.out_in_mean, **options)
    p = _random_problem(np.random.default_rng(1), np.float64, P=4)
    got = canonical(*p.args())
    want = handprop.gradients(*p.args())
    assert all(np.allclose(a, b, rtol=1e-12) for a, b in zip(got, want, strict=True))
    inner, conv = convention_of(canonical)
    assert inner is layouts.out_in_mean and conv == convention(**options)
    with pytest.raises(UsageError, match="expected fn"):
        adapt(lambda weights, X: None, layout="separate-in-out")
    assert "adapt" in crosscheck.__all__ and crosscheck.adapt is adapt


def test_check_gradients_takes_the_arrays_in_the_functions_layout():
    require_oracle("torch")
    p = _random_problem(np.random.default_rng(2), np.float32, P=4)
    options = layouts.CONVENTIONS["out_in_mean"]
    conv = convention(**options)
    args, _ = conv.arguments(p)
    weights, biases, X, Y, acts, cost = args
    result = check_gradients(
        layouts.out_in_mean, weights, X, Y, acts, cost, biases=biases, **options
    )
    assert result.status == "pass", result.summary()
    wrong = check_gradients(
        layouts.divided_by_m_twice, weights, X, Y, acts, cost, biases=biases, **options
    )
    assert wrong.status == "fail"
    with pytest.raises(UsageError, match="not a power of two"):
        check_gradients(layouts.out_in_mean, weights, X[:, :3], Y[:, :3], acts, cost,
                        biases=biases, **options)
    with pytest.raises(UsageError, match="biases: expected the bias vectors"):
        check_gradients(layouts.out_in_mean, weights, X, Y, acts, cost, **options)


def _returning_loss(conv: Convention, loss):
    """A correct function in ``conv`` that returns ``loss`` with its gradients the way
    code does: ``return loss, grads`` / ``return grads, loss``, and with a separate
    layout ``return loss, dW, db`` / ``return (dW, db), loss``."""
    inner = _in_convention(conv._replace(returns="gradients"))

    def fn(*args):
        grads = inner(*args)
        if conv.returns == "loss-first":
            return (loss, *grads) if conv.separate else (loss, grads)
        return (grads, loss)

    return fn


@pytest.mark.parametrize("returns", ["loss-first", "loss-last"])
@pytest.mark.parametrize(
    "base",
    [CONVENTIONS[0], Convention("separate-in-out", reduction="mean"),
     Convention("separate-out-in", "columns", bias_shape="column")],
    ids=lambda c: c.describe() or "canonical",
)
@pytest.mark.parametrize("loss", [1.25, np.float32(-3.0), np.array(0.5), np.array([[2.0]])],
                         ids=["float", "np.float32", "0-d array", "1x1 array"])
def test_a_loss_returned_with_the_gradients_is_set_aside_exactly(returns, base, loss):
    from crosscheck.guard import Guard, run

    conv = base._replace(returns=returns)
    p = _random_problem(np.random.default_rng(5), np.float64)
    r = run(_returning_loss(conv, loss), p, Guard(conv))
    assert r.kind == "returned", r.error
    for a, b in zip(r.grads, handprop.gradients(*p.args()), strict=True):
        assert a.dtype == b.dtype and np.array_equal(a, b)
    assert "the loss set aside (not judged)" in conv.describe()
    assert "loss" in conv.signature()


def test_the_loss_must_be_one_number_where_the_convention_says():
    from crosscheck.guard import Guard, run

    p = _random_problem(np.random.default_rng(6), np.float64)
    first = convention(returns="loss-first")
    r = run(_returning_loss(first._replace(returns="loss-last"), 1.0), p, Guard(first))
    assert r.kind == "layout" and "with the loss, one number, first; got a list of 2" in r.error
    r = run(lambda *a: handprop.gradients(*a), p, Guard(first))  # no loss at all
    assert r.kind == "layout" and "(loss, gradients)" in r.error
    r = run(lambda *a: (True, handprop.gradients(*a)), p, Guard(first))  # a bool is no loss
    assert r.kind == "layout" and "got bool there" in r.error


@pytest.mark.parametrize(
    ("answer", "hint"),
    [
        (lambda g: (0.5, g), "it looks like (loss, gradients): say so with --returns loss-first"),
        (lambda g: (g, np.float64(0.5)), "(gradients, loss): say so with --returns loss-last"),
        (lambda g: {f"dW{l}": x for l, x in enumerate(g)}, "(a dict: return a list"),
        (lambda g: np.concatenate([x.ravel() for x in g]), "(one flat array: return one"),
    ],
    ids=["loss first", "loss last", "dict", "flat"],
)
def test_an_answer_in_a_recognisable_other_convention_says_what_fits(answer, hint):
    """Correct gradients returned the way much code does are not silently judged wrong
    without a word: the failure names the option (or the change) that fits."""
    from crosscheck.guard import Guard, run

    p = _random_problem(np.random.default_rng(8), np.float64)
    r = run(lambda *a: answer(handprop.gradients(*a)), p, Guard())
    assert r.kind == "layout" and hint in r.error, r.error
    r = run(lambda *a: [g[:, :1] for g in handprop.gradients(*a)], p, Guard())
    assert r.kind == "layout" and "(it looks like" not in r.error  # a wrong shape: no hint


@pytest.mark.parametrize("layout", ["canonical", "separate-in-out"])
def test_float64_gradients_of_a_float32_problem_point_at_the_dtypes_option(layout):
    """A function that computes in float64 whatever it is given fails dtype in = dtype
    out on float32 problems; the failure says how to judge it on float64 only."""
    from crosscheck.guard import Guard, run

    conv = convention(layout=layout)
    p = _random_problem(np.random.default_rng(4), np.float32)
    inner = _in_convention(conv)

    def upcasts(*args):
        out = inner(*args)
        return [g.astype(np.float64) for g in out] if not conv.separate else (
            [g.astype(np.float64) for g in out[0]], [g.astype(np.float64) for g in out[1]])

    r = run(upcasts, p, Guard(conv))
    assert r.kind == "layout" and "got float64 (it computes in float64" in r.error, r.error
    assert "--dtypes float64" in r.error
    r = run(upcasts, _random_problem(np.random.default_rng(4), np.float64), Guard(conv))
    assert r.kind == "returned"


def test_verify_takes_a_function_that_returns_its_loss():
    require_oracle("torch")
    conv = convention(returns="loss-first")
    fn = _returning_loss(conv, 0.0)
    result = crosscheck.verify(fn, returns="loss-first", max_examples=8, state_checks=False)
    assert result.status in ("pass", "inconclusive") and result.examples == 8
    assert result.options["returns"] == "loss-first"
    assert result.convention == conv.describe()
    failing = crosscheck.verify(fn, max_examples=8, state_checks=False)  # not said: a finding
    assert failing.status == "fail"
    assert "--returns loss-first" in failing.counterexample.outcome.error


def _fixed_sigmoid_net(weights, X, Y):
    """A net written for one architecture (sigmoid everywhere, the quadratic cost): it
    takes no activations or cost."""
    return handprop.gradients(weights, X, Y, ["sigmoid"] * len(weights), "squared_error")


def _fixed_separate(weights, biases, X, Y):
    canonical = [np.vstack([b[None], W]) for W, b in zip(weights, biases, strict=True)]
    g = _fixed_sigmoid_net(canonical, X, Y)
    return [x[1:] for x in g], [x[0] for x in g]


def _returns_handprops_bits(calls, seed: int):
    """Run each ``(fn, convention)`` of ``calls`` through the guard on a 2-4-2 sigmoid
    problem (the net the fixed-net functions compute): each must return handprop's
    gradients exactly. Returns the problem."""
    from crosscheck.guard import Guard, run

    p = _random_problem(np.random.default_rng(seed), np.float64, sizes=(2, 4, 2), P=6,
                        out="sigmoid")
    want = handprop.gradients(*p.args())
    for fn, conv in calls:
        r = run(fn, p, Guard(conv))
        assert r.kind == "returned", r.error
        assert all(np.array_equal(a, b) for a, b in zip(r.grads, want, strict=True))
    return p


def test_a_function_of_a_fixed_net_is_called_without_the_names():
    """``fn(weights, X, Y)`` (or with biases apart): read from the signature, called
    without activations and cost, converted exactly; nothing else changes."""
    conv = check_signature(_fixed_sigmoid_net, CONVENTIONS[0])
    assert not conv.names and conv.parameters == ("weights", "X", "Y")
    assert "takes no activations or cost" in conv.describe() and conv.options() == {}
    sep = check_signature(_fixed_separate, convention(layout="separate-in-out"))
    assert not sep.names and sep.parameters == ("weights", "biases", "X", "Y")
    assert check_signature(handprop.gradients, CONVENTIONS[0]).names  # it takes them
    p = _returns_handprops_bits(((_fixed_sigmoid_net, conv), (_fixed_separate, sep)), seed=9)
    assert check(_fixed_sigmoid_net, p).status == "pass"  # check reads the signature too


def test_verify_needs_one_net_for_a_function_without_names():
    require_oracle("torch")
    with pytest.raises(UsageError, match="takes no activations or cost, so its net is fixed"):
        crosscheck.verify(_fixed_sigmoid_net, max_examples=4)
    with pytest.raises(UsageError, match="got costs"):
        crosscheck.verify(_fixed_sigmoid_net, activations="sigmoid", max_examples=4)
    ok = crosscheck.verify(_fixed_sigmoid_net, activations="sigmoid", costs="squared_error",
                           max_examples=8)
    assert ok.status in ("pass", "inconclusive") and ok.examples == 8
    assert "takes no activations or cost" in ok.convention
    wrong = crosscheck.verify(_fixed_sigmoid_net, activations="sigmoid",
                              costs="log_likelihood", max_examples=8)
    assert wrong.status == "fail"  # it computes the quadratic cost's gradient, not this one


def test_a_signature_that_fits_neither_names_both():
    with pytest.raises(UsageError) as info:
        check_signature(lambda weights, X: None, CONVENTIONS[0])
    msg = str(info.value)
    assert "fn(weights, X, Y, activations, cost)" in msg and "fn(weights, X, Y) -> " in msg


def _softmax_problem(rng, dtype=np.float64, P=6, n=3):
    weights = [rng.uniform(-1, 1, (3, 4)), rng.uniform(-1, 1, (5, n))]
    Y = np.eye(n)[rng.integers(0, n, P)]
    return make_problem([w.astype(dtype) for w in weights],
                        rng.uniform(-1, 1, (P, 2)).astype(dtype), Y.astype(dtype),
                        ["tanh", "softmax"], "softmax_cross_entropy")


def _with_indices(conv: Convention):
    """A correct function that takes class indices y (P,): rebuilds one-hot rows, then
    answers as ``_in_convention`` of the same layout."""
    inner = _in_convention(conv._replace(labels_as="values"))

    def fn(*args):
        args = list(args)
        k = 3 if conv.separate else 2
        y = args[k]
        assert y.ndim == 1 and y.dtype.kind == "i", (y.shape, y.dtype)
        n = args[0][-1].shape[0 if conv.layout == "separate-out-in" else 1]
        rows = np.eye(n, dtype=args[0][0].dtype)[y]
        args[k] = rows.T if conv.examples_as == "columns" else rows
        return inner(*args)

    return fn


@pytest.mark.parametrize(
    "base",
    [CONVENTIONS[0], Convention("separate-out-in", "columns", bias_shape="column"),
     Convention("separate-in-out", reduction="mean", per_example=True)],
    ids=lambda c: c.describe() or "canonical",
)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_class_indices_convert_exactly(base, dtype):
    from crosscheck.guard import Guard, run

    conv = base._replace(labels_as="indices")
    p = _softmax_problem(np.random.default_rng(11), dtype)
    args, _ = conv.arguments(p)
    y = args[3 if conv.separate else 2]
    assert y.dtype == np.int64 and y.shape == (p.P,)  # (1,) per call, one example at a time
    r = run(_with_indices(conv), p, Guard(conv))
    assert r.kind == "returned", r.error
    if conv.per_example:  # summed one example at a time: another order of the sum
        assert check(lambda *a, g=r.grads: g, p, state_checks=False).status == "pass"
    else:
        for a, b in zip(r.grads, handprop.gradients(*p.args()), strict=True):
            assert a.dtype == b.dtype and np.array_equal(a, b)
    assert "labels as class indices" in conv.describe()
    assert "of class indices" in conv.shapes()


def test_class_indices_given_by_the_caller_become_one_hot_rows():
    conv = convention(labels_as="indices")
    p = _softmax_problem(np.random.default_rng(12))
    y = np.argmax(p.Y, axis=1)
    q = conv.problem(list(p.weights), None, p.X, y, p.activations, p.cost)
    assert q.Y.dtype == p.Y.dtype and np.array_equal(q.Y, p.Y)
    for bad in (y.astype(np.float64), y[:, None], np.where(y == 0, 3, y), y - 1):
        with pytest.raises(UsageError, match=r"^Y: expected class indices, integers in 0\.\.2"):
            conv.problem(list(p.weights), None, p.X, bad, p.activations, p.cost)


def test_a_space_of_class_indices_admits_exact_one_hot_rows_only():
    """A reduction of a counterexample must not make a label row of zeros (removing an
    output column does): no class index can say it."""
    from crosscheck.options import problem_space

    space = problem_space(costs="softmax_cross_entropy", labels="one_hot")
    exact = space._replace(one_hot_exact=True)
    p = _softmax_problem(np.random.default_rng(13))
    assert space.admits(p) and exact.admits(p)
    zero_row = make_problem(list(p.weights), p.X, np.vstack([p.Y[:-1], 0 * p.Y[-1:]]),
                            p.activations, p.cost)
    assert space.admits(zero_row) and not exact.admits(zero_row)


def test_verify_takes_class_indices_for_the_softmax_costs_only():
    require_oracle("torch")
    fn = _with_indices(convention(labels_as="indices"))
    opts = dict(labels_as="indices", activations="tanh", outputs="softmax",
                costs="softmax_cross_entropy", max_examples=8)
    ok = crosscheck.verify(fn, **opts)
    assert ok.status in ("pass", "inconclusive") and ok.examples == 8

    def off_by_one(weights, X, y, activations, cost):
        return fn(weights, X, (y + 1) % weights[-1].shape[1], activations, cost)

    wrong = crosscheck.verify(off_by_one, **opts)
    assert wrong.status == "fail" and wrong.counterexample.problem.sizes[-1] >= 2
    with pytest.raises(UsageError, match="softmax costs only"):
        crosscheck.verify(fn, labels_as="indices", max_examples=4)
    with pytest.raises(UsageError, match="one-hot labels only"):
        crosscheck.verify(fn, labels_as="indices", costs="softmax_cross_entropy",
                          labels="soft", max_examples=4)


COMBINED = [Convention(layout, examples_as, reduction, bias_at=bias_at)
            for layout in ("canonical", "combined-out-in") for bias_at in ("first", "last")
            for examples_as, reduction in (("rows", "sum"), ("columns", "mean"))
            if (layout, bias_at) != ("canonical", "first")]


@pytest.mark.parametrize("conv", COMBINED, ids=lambda c: c.describe())
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_weights_that_hold_their_bias_anywhere_convert_exactly(conv, dtype):
    """Ng's Theta (out, in + 1) with column 0 the bias, and the bias trick's last row or
    column: a correct function in each, written independently (its own transposes and
    row moves), converts back to handprop's gradients bit for bit, and its arguments
    rebuild the problem bit for bit."""
    from crosscheck.guard import Guard, run

    def fn(weights, X, Y, activations, cost):
        canon = []
        for w in weights:
            w = w.T if conv.layout == "combined-out-in" else w  # (in + 1, out)
            canon.append(np.vstack([w[-1:], w[:-1]]) if conv.bias_at == "last" else w)
        if conv.examples_as == "columns":
            X, Y = X.T, Y.T
        p = make_problem(canon, X, Y, activations, cost)
        s = p.dtype.type(conv.scale(p.P, p.sizes[-1]))
        out = []
        for g in handprop.gradients(*p.args()):
            g = g * s
            g = np.vstack([g[1:], g[:1]]) if conv.bias_at == "last" else g
            out.append(g.T.copy() if conv.layout == "combined-out-in" else g)
        return out

    p = _random_problem(np.random.default_rng(14), dtype)
    args, _ = conv.arguments(p)
    q = conv.problem(args[0], None, *args[1:3], p.activations, p.cost)
    for a, b in zip((*q.weights, q.X, q.Y), (*p.weights, p.X, p.Y), strict=True):
        assert a.dtype == b.dtype and np.array_equal(a, b)
    r = run(fn, p, Guard(conv))
    assert r.kind == "returned", r.error
    for a, b in zip(r.grads, handprop.gradients(*p.args()), strict=True):
        assert a.dtype == b.dtype and np.array_equal(a, b)
    r = run(lambda *a: handprop.gradients(*p.args()), p, Guard(conv))  # canonical shapes
    if conv.layout == "combined-out-in":
        assert r.kind == "layout" and "gradient[1]: expected shape (2, 5)" in r.error, r.error
    else:  # the same shapes: the bias row in the wrong place is a wrong value, judged
        assert r.kind == "returned"
        assert check(lambda *a, g=r.grads: g, p, state_checks=False).status == "fail"


def test_bias_at_only_where_the_weights_hold_the_bias():
    assert convention(layout="combined_out_in", bias_at="last").bias_at == "last"
    with pytest.raises(UsageError, match=r"^bias_at: only where the weights hold the bias"):
        convention(layout="separate-in-out", bias_at="last")
    with pytest.raises(UsageError, match=r"^bias_at: expected one of first, last"):
        convention(bias_at="middle")


def _x_first(X, y, W, b, activations, cost):
    """Biases apart, the data first: the order much hand-written code uses."""
    canonical = [np.vstack([bb[None], WW]) for WW, bb in zip(W, b, strict=True)]
    g = handprop.gradients(canonical, X, y, activations, cost)
    return [x[1:] for x in g], [x[0] for x in g]


def _fixed_x_first(X, y, weights):
    return _fixed_sigmoid_net(weights, X, y)


def test_a_function_with_its_parameters_in_another_order_is_called_by_name():
    """fn(X, y, W, b, activations, cost) and a fixed net's fn(X, y, weights): every
    parameter named as such code names it, so each gets its argument by name (a call by
    position would hand X the weights); the answers convert exactly."""
    sep = check_signature(_x_first, convention(layout="separate-in-out"))
    assert sep.keywords == ("W", "b", "X", "y", "activations", "cost") and sep.names
    assert "called by name (W, b, X, y, activations, cost)" in sep.describe()
    assert "keywords" not in sep.options()  # read from the signature again
    fixed = check_signature(_fixed_x_first, CONVENTIONS[0])
    assert fixed.keywords == ("weights", "X", "y") and not fixed.names
    assert check_signature(handprop.gradients, CONVENTIONS[0]).keywords == ()  # in order
    p = _returns_handprops_bits(((_x_first, sep), (_fixed_x_first, fixed)), seed=15)
    assert check(_x_first, p, layout="separate-in-out").status == "pass"


def test_a_positional_fit_that_its_names_contradict_is_refused():
    """fn(inputs_, y, W): not every name is known, so no call by name; by position the
    weights would go to ``inputs_`` and X to ``y``: a usage error, not a judged failure."""
    def partly_named(inputs_, y, W):
        return None

    with pytest.raises(UsageError, match="cannot be called so"):
        check_signature(partly_named, CONVENTIONS[0])
    def unnamed(a1, a2, a3):
        return None

    assert not check_signature(unnamed, CONVENTIONS[0]).names  # nothing said: by position


def test_every_convention_keyword_is_an_option_of_verify_and_check():
    """One list (conventions.KEYWORDS) for what a convention takes: verify's signature and
    its recorded options must carry each, or a new keyword would silently be dropped."""
    import inspect

    from crosscheck.conventions import KEYWORDS
    from crosscheck.search.result import DEFAULT_OPTIONS

    assert set(KEYWORDS) <= set(inspect.signature(crosscheck.verify).parameters)
    assert set(KEYWORDS) <= set(DEFAULT_OPTIONS)
    assert set(KEYWORDS) == set(Convention._fields) - {"names", "keywords"}
