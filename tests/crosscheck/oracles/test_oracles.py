"""The oracles agree with each other, judged as the gate judges: by the error budget.

The truth is the mpmath oracle (reverse mode over 50-digit numbers). A floating-point
answer is judged against it element by element with :mod:`crosscheck.judge`: within
``K u S`` (S from :func:`crosscheck.budget.budget`, u the problem dtype's unit roundoff)
plus the truth's own error (tests/support/judged.py); the agreement tests also ask for a
conclusive verdict (every block with the power the judge requires). Finite differences
are held to their own error bounds: those bounds are the subject of their tests.

handprop appears here only as a test helper (``init_weights``) and as one more
candidate; the oracles never import it. Every loop over oracles runs each registered
oracle of its kind (tests/support/required.py: a missing one skips the test, or fails it
under REQUIRE_ORACLES=1).
"""

from __future__ import annotations

import builtins
import functools
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from judged import assert_judged, fd_reference, judged, peer_reference, truth_reference
from required import oracles_of_kind, require_oracle, require_oracles

import handprop
from crosscheck import oracles
from crosscheck.budget import budget, ratios, unit_roundoff
from crosscheck.oracles import finite_differences, jax_grad, mpmath_reference, torch_autograd
from crosscheck.problem import Problem, make_problem

PEERS = ("torch", "jax")
FD_POWER = 1e-6
"""The relative error finite differences must see in every block of a float64 gradient
(their bounds are the subject: test_finite_differences_within_their_bounds)."""
DTYPES = (np.float64, np.float32)

ELEMENTWISE = tuple(handprop.ACTIVATIONS)
COST_OUTPUTS = {name: c.outputs for name, c in handprop.COSTS.items()}

# Every activation as hidden and as output (squared error), every cost, mixed depths.
CASES: tuple[tuple[tuple[int, ...], tuple[str, ...], str], ...] = (
    *(((3, 4, 2), (a, a), "squared_error") for a in ELEMENTWISE),
    ((3, 4, 3, 2), ("sigmoid", "tanh", "sigmoid"), "log_likelihood"),
    ((3, 4, 3, 2), ("relu", "leaky_relu", "sigmoid"), "binary_cross_entropy"),
    ((3, 4, 3, 3), ("softplus", "elu", "softmax"), "softmax_log_likelihood"),
    ((3, 4, 3, 3), ("silu", "gelu", "softmax"), "softmax_cross_entropy"),
    ((2, 3, 3, 3, 2), ("gelu", "identity", "tanh", "softplus"), "squared_error"),
)


def _case_id(case: tuple) -> str:
    sizes, acts, cost = case
    return f"{'-'.join(map(str, sizes))}:{','.join(acts)}:{cost}"


def _labels(rng: np.random.Generator, cost: str, P: int, n: int) -> np.ndarray:
    rule = handprop.COSTS[cost].labels
    if rule == "unit":
        y = rng.uniform(0.0, 1.0, size=(P, n))
        y[: P // 2] = np.round(y[: P // 2])  # some hard 0/1 labels, some soft
        return y
    if rule == "nonnegative":
        y = rng.dirichlet(np.ones(n), size=P)
        y[: P // 2] = np.eye(n)[rng.integers(0, n, size=P // 2)]  # some one-hot rows
        return y
    return rng.normal(size=(P, n))


def make_case(
    sizes: tuple[int, ...],
    activations: tuple[str, ...],
    cost: str,
    dtype: type,
    *,
    seed: int = 0,
    P: int = 5,
    gain: float = 1.0,
    bias: float = 0.3,
) -> Problem:
    """A seeded problem: glorot weights, N(0, 1) inputs, labels valid for the cost."""
    rng = np.random.default_rng(seed)
    weights = handprop.init_weights(sizes, seed=rng, gain=gain, bias=bias)
    X = rng.normal(size=(P, sizes[0]))
    Y = _labels(rng, cost, P, sizes[-1])
    return make_problem(weights, X, Y, activations, cost).astype(dtype)


@functools.cache
def _truth(case: tuple, dtype: type) -> list[np.ndarray]:
    return mpmath_reference.gradients(make_case(*case, dtype))


def assert_within_own_bounds(
    got: list[np.ndarray],
    want: list[np.ndarray],
    allowed: list[np.ndarray],
    *,
    what: str,
    problem: Problem,
) -> None:
    """|got - want| <= allowed elementwise, layer by layer: for finite differences, whose
    own error bounds (``allowed``) are what these tests check, with a message that stands
    alone (which layer, which element, by how much)."""
    __tracebackhide__ = True
    assert len(got) == len(want), f"{what}: {len(got)} layers, expected {len(want)}"
    for l, (g, w, a) in enumerate(zip(got, want, allowed, strict=True)):
        assert g.shape == w.shape, f"{what}: layer {l} has shape {g.shape}, expected {w.shape}"
        err = np.abs(g.astype(np.float64) - w)
        bad = err > a
        if bad.any():
            i = np.unravel_index(np.argmax(np.where(bad, err / np.maximum(a, 1e-300), 0)), g.shape)
            pytest.fail(
                f"{what}: layer {l} element {tuple(map(int, i))} "
                f"({'bias row' if i[0] == 0 else 'weight row'}) is {g[i]!r}, expected "
                f"{w[i]!r} within {a[i]:.3g} (error {err[i]:.3g}); {int(bad.sum())} of "
                f"{g.size} elements out of tolerance. Problem: {problem.describe()}"
            )


def _peers_judged(problem, truth, b, *, conclusive: bool = False) -> None:
    """Every peer oracle (torch, jax) judged against ``truth`` within budget ``b``; each of
    :data:`PEERS` must have run."""
    ran = []
    for oracle in oracles_of_kind("peer"):
        assert_judged(oracle.gradients(problem), truth, problem, b, what=oracle.NAME,
                      conclusive=conclusive)
        ran.append(oracle.NAME)
    assert ran == list(PEERS)


# --------------------------------------------------------------------------------------
# Agreement.
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("case", CASES, ids=_case_id)
@pytest.mark.parametrize("name", PEERS)
def test_peer_matches_truth(name: str, case: tuple, dtype: type) -> None:
    oracle = require_oracle(name)
    problem = make_case(*case, dtype)
    got = oracle.gradients(problem)
    assert [g.dtype for g in got] == [np.dtype(dtype)] * problem.depth
    b = budget(problem)
    assert_judged(got, truth_reference(problem, b, _truth(case, dtype)), problem, b, what=name,
                  conclusive=True)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_peers_match_each_other(case: tuple, dtype: type) -> None:
    require_oracles(*PEERS)
    problem = make_case(*case, dtype)
    t = torch_autograd.gradients(problem)
    j = jax_grad.gradients(problem)
    assert_judged(t, peer_reference("jax", j), problem, what="torch", conclusive=True)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_handprop_matches_truth(case: tuple, dtype: type) -> None:
    """handprop as one more reference (the suite's subject, checked the same way)."""
    problem = make_case(*case, dtype)
    got = handprop.gradients(*problem.args())
    b = budget(problem)
    assert_judged(got, truth_reference(problem, b, _truth(case, dtype)), problem, b,
                  what="handprop.gradients", conclusive=True)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_finite_differences_within_their_bounds(case: tuple, dtype: type) -> None:
    problem = make_case(*case, dtype)
    est = finite_differences.estimate(problem)
    assert [g.dtype for g in est.gradients] == [np.dtype(np.float64)] * problem.depth
    truth = _truth(case, dtype)
    assert_within_own_bounds(
        est.gradients, truth, est.error_bounds, what="finite differences vs mpmath",
        problem=problem,
    )
    # The bounds must be informative. As the reference of a judgement (K u S + bound):
    # in float32 the verdict is conclusive (the budget dominates). In float64 terms (the
    # same numbers, float64's budget), where the judge asks for 1e-8, finite differences
    # cannot conclude (measured: worst block power 1.2e-7 over these cases), but every
    # block, and its typical element, still sees a relative error of FD_POWER.
    ref = fd_reference(problem)
    if np.dtype(dtype) == np.float32:
        assert_judged(truth, ref, problem, what="mpmath", conclusive=True)
    as64 = problem.astype(np.float64)
    verdict = assert_judged(truth, ref, as64, budget(as64), what="mpmath")
    for r in verdict.comparison.records:
        assert r.power <= FD_POWER or r.power == np.inf, r
        assert r.power_median <= FD_POWER or r.power_median == np.inf, r


@pytest.mark.parametrize("name", ["torch", "jax", "mpmath", "extended", "finite_differences"])
def test_gradients_functions_agree_with_the_registry_layout(name: str) -> None:
    oracle = oracles.get(name)
    problem = make_case((3, 4, 3, 2), ("tanh", "relu", "sigmoid"), "log_likelihood", np.float32)
    got = oracle.gradients(problem)
    assert isinstance(got, list)
    assert [g.shape for g in got] == [w.shape for w in problem.weights]
    want = np.float32 if oracle.KIND == "peer" else np.float64
    assert all(g.dtype == want for g in got)


@pytest.mark.parametrize("case", CASES[-6:], ids=_case_id)
def test_public_cost_functions_agree(case: tuple) -> None:
    """The cost functions the oracles export (for later users, e.g. training runs) give C
    to float64 accuracy: torch's, jax's and finite differences' against mpmath's."""
    problem = make_case(*case, np.float64)
    args = (problem.X, problem.Y, problem.activations, problem.cost)
    exact = float(mpmath_reference.cost_mp(problem.weights, *args))
    values = {"finite_differences": finite_differences.cost(problem.weights, *args)}
    if torch_autograd.available()[0]:
        w = [torch_autograd.from_numpy(x) for x in problem.weights]
        values["torch"] = float(torch_autograd.cost(w, *args))
    if jax_grad.available()[0]:
        with jax_grad.precision(np.float64):
            values["jax"] = float(jax_grad.cost(problem.weights, *args))
    for name, v in values.items():
        assert abs(v - exact) <= 1e-13 * max(abs(exact), 1.0), (name, v, exact)


@settings(max_examples=12, deadline=None)
@given(data=st.data())
def test_peers_match_truth_on_random_architectures(data: st.DataObject) -> None:
    cost = data.draw(st.sampled_from(sorted(COST_OUTPUTS)), label="cost")
    depth = data.draw(st.integers(1, 3), label="depth")
    sizes = tuple(data.draw(st.lists(st.integers(1, 4), min_size=depth + 1, max_size=depth + 1)))
    hidden = data.draw(st.lists(st.sampled_from(ELEMENTWISE), min_size=depth - 1,
                                max_size=depth - 1), label="hidden")
    out = data.draw(st.sampled_from(COST_OUTPUTS[cost]), label="output")
    dtype = data.draw(st.sampled_from(DTYPES), label="dtype")
    seed = data.draw(st.integers(0, 2**32 - 1), label="seed")
    P = data.draw(st.integers(0, 4), label="P")
    problem = make_case(sizes, (*hidden, out), cost, dtype, seed=seed, P=P)
    b = budget(problem)
    truth = truth_reference(problem, b)
    _peers_judged(problem, truth, b)


# --------------------------------------------------------------------------------------
# Hard spots: saturated softplus, the kink at z = 0, no examples.
# --------------------------------------------------------------------------------------
def test_softplus_is_exact_beyond_torch_threshold() -> None:
    """Pre-activations in (20, 25): torch's F.softplus(threshold=20) returns z there, off
    by log(1 + e^-z) ~ 1e-9 relative, which the float64 budget must catch."""
    rng = np.random.default_rng(7)
    weights = handprop.init_weights((3, 4, 2), seed=rng)
    weights[0][0] = rng.uniform(21.5, 23.0, size=4)  # biases put z^1 near 22
    X = rng.uniform(-0.5, 0.5, size=(6, 3))
    Y = rng.normal(size=(6, 2))
    problem = make_problem(weights, X, Y, ["softplus", "identity"], "squared_error")
    z = problem.X @ problem.weights[0][1:] + problem.weights[0][0]
    assert ((z > 20) & (z < 25)).all()  # the regime where the threshold would matter
    b = budget(problem)
    truth = truth_reference(problem, b)
    _peers_judged(problem, truth, b, conclusive=True)
    # torch's own threshold (softplus(z) = z above 20) is what the budget must see: the
    # gradients of that softplus, here by mpmath on the same net with the identity for
    # the hidden activation (every z^1 is above 20), are judged wrong.
    thresholded = truth_reference(problem._replace(activations=("identity", "identity")), b)
    assert not judged(truth.gradients, thresholded, problem, b).passed


@pytest.mark.parametrize("act", ["relu", "leaky_relu", "elu"])
def test_oracles_agree_at_the_kink_and_fd_flags_it(act: str) -> None:
    """An all-zero input row with zero biases puts z = 0 exactly at the first layer (and
    the second): the peers agree with the truth within the budget (which charges a relu
    or leaky_relu unit at its kink with the jump of f'); finite differences flag the
    elements that move those z and stay within their bounds."""
    rng = np.random.default_rng(3)
    weights = handprop.init_weights((3, 5, 4, 2), seed=rng)  # biases 0
    X = rng.normal(size=(6, 3))
    X[2] = 0.0
    Y = rng.normal(size=(6, 2))
    problem = make_problem(weights, X, Y, [act, act, "identity"], "squared_error")
    b = budget(problem)
    assert b.near_kink == (act != "elu")  # elu's f' has no jump at 0
    truth = truth_reference(problem, b)
    _peers_judged(problem, truth, b)
    est = finite_differences.estimate(problem)
    assert est.kinked[0][0].all(), "each first-layer bias moves a z that sits at 0"
    assert not est.kinked[0][1:].any(), "first-layer weights multiply x = 0 in that row"
    assert_within_own_bounds(est.gradients, truth.gradients, est.error_bounds,
                             what="finite differences", problem=problem)


SLOPE_AT_ZERO = {"relu": 0.0, "leaky_relu": 0.01, "elu": 1.0}


@pytest.mark.parametrize("act", ["relu", "leaky_relu"])
def test_every_oracle_takes_the_convention_at_the_kink(act: str) -> None:
    """relu'(0) = 0 and leaky_relu'(0) = 0.01, in every oracle, seen through a budget that
    does not forgive the kink. One example, x = 0 and zero first-layer biases: z^1 = 0 in
    every unit, so a^1 = 0 whether the first activation is relu, leaky_relu or elu, and
    everything after layer 1 is the same number in the three nets; only f'(0) differs
    (SLOPE_AT_ZERO). The elu net has no kink (elu'(0) = 1 from both sides) and its S
    bounds the other nets' (|f'| is largest there), so its budget judges the others with
    full power: each oracle's answer passes against the truth of its own net, and the
    truth of the elu net (the slope 1 at 0) fails against it."""
    rng = np.random.default_rng(4)
    weights = handprop.init_weights((3, 4, 3, 2), seed=rng, bias=0.5)
    weights[0][0] = 0.0
    X = np.zeros((1, 3))
    Y = rng.normal(size=(1, 2))
    problem = make_problem(weights, X, Y, [act, "tanh", "identity"], "squared_error")
    twin = problem._replace(activations=("elu", "tanh", "identity"))
    b = budget(twin)
    assert not b.near_kink and budget(problem).near_kink
    truth = truth_reference(problem, b)
    assert not judged(truth_reference(twin, b).gradients, truth, problem, b).passed
    ran = []
    for oracle in oracles_of_kind("peer", "truth"):
        got = oracle.gradients(problem)
        assert_judged(got, truth, problem, b, what=f"{oracle.NAME} ({act}'(0) = "
                      f"{SLOPE_AT_ZERO[act]})")
        ran.append(oracle.NAME)
    assert ran == ["torch", "jax", "mpmath", "extended"]


def test_no_examples_gives_zero_gradients() -> None:
    problem = make_case((2, 3, 2), ("tanh", "softmax"), "softmax_cross_entropy", np.float64,
                        P=0)
    ran = []
    for oracle in oracles_of_kind(*oracles.KINDS):
        got = oracle.gradients(problem)
        assert [g.shape for g in got] == [w.shape for w in problem.weights], oracle.NAME
        assert all(not g.any() for g in got), oracle.NAME
        ran.append(oracle.NAME)
    assert ran == list(oracles.ORACLES)


@pytest.mark.parametrize("name", ["torch", "jax", "mpmath", "extended", "finite_differences"])
def test_unknown_names_are_value_errors(name: str) -> None:
    oracle = oracles.get(name)
    good = make_case((2, 3, 1), ("tanh", "identity"), "squared_error", np.float64)
    with pytest.raises(ValueError, match="activations"):
        oracle.gradients(good._replace(activations=("swish", "identity")))
    with pytest.raises(ValueError, match="cost"):
        oracle.gradients(good._replace(cost="hinge"))
    with pytest.raises(ValueError, match="activations"):
        oracle.gradients(good._replace(cost="log_likelihood"))  # output must be sigmoid


# --------------------------------------------------------------------------------------
# jax precision: float64 inside a context only, float32 really float32.
# --------------------------------------------------------------------------------------
def test_jax_float64_leaves_x64_disabled() -> None:
    require_oracle("jax")
    import jax
    import jax.numpy as jnp

    before = bool(jax.config.jax_enable_x64)
    problem = make_case((3, 4, 2), ("tanh", "sigmoid"), "log_likelihood", np.float64)
    got = jax_grad.gradients(problem)
    assert got[0].dtype == np.float64
    assert bool(jax.config.jax_enable_x64) == before
    if not before:
        assert jnp.ones(1).dtype == jnp.float32


def test_jax_float32_computes_in_float32_even_under_global_x64() -> None:
    require_oracle("jax")
    import jax

    case = ((3, 4, 3, 2), ("gelu", "softplus", "sigmoid"), "log_likelihood")
    p32 = make_case(*case, np.float32)
    with jax.enable_x64(True):  # someone else's global choice
        got = jax_grad.gradients(p32)
        with jax_grad.precision(np.float32):
            jaxpr = jax.make_jaxpr(
                jax.grad(lambda w: jax_grad.cost(w, p32.X, p32.Y, p32.activations, p32.cost))
            )(list(p32.weights))
    assert "f64" not in str(jaxpr)
    assert all(g.dtype == np.float32 for g in got)
    # float32 rounding is visible: the answer is not float64's answer rounded to float32.
    # Within float32's budget, and beyond float64's somewhere.
    b = budget(p32)
    assert b.u == unit_roundoff(np.float32)
    truth = truth_reference(p32, b)
    assert_judged(got, truth, p32, b, what="jax (float32)", conclusive=True)
    as_float64 = ratios(got, truth.gradients, b, u=unit_roundoff(np.float64))
    assert max(float(q.max()) for q in as_float64) > 1.0


# --------------------------------------------------------------------------------------
# Availability and the registry.
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("module", "package"),
    [(torch_autograd, "torch"), (jax_grad, "jax"), (mpmath_reference, "mpmath")],
)
def test_unavailable_when_the_package_cannot_be_imported(
    module, package: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, package, None)  # `import package` now raises
    ok, why = module.available()
    assert not ok
    assert package in why
    assert oracles.unavailable_reasons()[module.NAME] == why
    assert module not in oracles.available_oracles()
    problem = make_case((2, 3, 1), ("tanh", "identity"), "squared_error", np.float64)
    with pytest.raises(ImportError, match=package):
        module.gradients(problem)


@pytest.mark.parametrize(("module", "package"), [(torch_autograd, "torch"), (jax_grad, "jax")])
def test_available_never_raises_on_a_broken_install(
    module, package: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_import = builtins.__import__

    def broken(name, *args, **kwargs):
        if name == package or name.startswith(package + "."):
            raise OSError(f"lib{package}.so: cannot open shared object file")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", broken)
    ok, why = module.available()
    assert not ok
    assert "OSError" in why and package in why


def test_registry() -> None:
    assert list(oracles.ORACLES) == ["torch", "jax", "mpmath", "extended", "finite_differences"]
    for name, m in oracles.ORACLES.items():
        assert m.NAME == name
        assert oracles.get(name) is m
        assert m.KIND in oracles.KINDS
        ok, why = m.available()
        assert isinstance(ok, bool) and isinstance(why, str) and (ok == (why == ""))
    assert [m.KIND for m in oracles.ORACLES.values()] == [
        "peer", "peer", "truth", "truth", "approximate"
    ]
    with pytest.raises(ValueError, match="unknown oracle"):
        oracles.get("tensorflow")
    assert [m.NAME for m in oracles.available_oracles("truth")] == ["mpmath", "extended"]
    assert all(m.KIND != "approximate" for m in oracles.available_oracles(["peer", "truth"]))
    with pytest.raises(ValueError, match="kinds"):
        oracles.available_oracles("exact")


def test_importing_the_package_loads_no_framework() -> None:
    code = (
        "import sys, crosscheck.oracles; "
        "print(sorted(m for m in ('torch', 'jax') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


# --------------------------------------------------------------------------------------
# mpmath: the tape against its own forward pass, the cap, the global precision.
# --------------------------------------------------------------------------------------
TINY = (
    ((2, 3, 2), ("gelu", "sigmoid"), "log_likelihood"),
    ((2, 3, 2), ("silu", "sigmoid"), "binary_cross_entropy"),
    ((2, 3, 3), ("softplus", "softmax"), "softmax_log_likelihood"),
    ((2, 3, 3), ("tanh", "softmax"), "softmax_cross_entropy"),
    ((2, 2, 2, 2), ("elu", "leaky_relu", "sigmoid"), "squared_error"),
    ((2, 3, 2), ("relu", "identity"), "squared_error"),
)


@pytest.mark.parametrize("case", TINY, ids=_case_id)
def test_mpmath_tape_matches_high_precision_differences(case: tuple) -> None:
    """dC/dw from the tape vs (C(w + h) - C(w - h)) / 2h of the same forward pass at 60
    digits with h = 1e-20: truncation ~h^2 and rounding ~1e-60 / h are both ~1e-40."""
    import mpmath

    problem = make_case(*case, np.float64, P=3, bias=0.5)
    dps = 60
    tape = mpmath_reference.gradients_mp(problem, dps=dps)
    with mpmath.workdps(dps):
        h = mpmath.mpf("1e-20")
        scale = max(abs(v) for g in tape for v in g.flat)
        for l, w in enumerate(problem.weights):
            for idx in np.ndindex(w.shape):
                plus = [np.array([[mpmath.mpf(float(v)) for v in row] for row in ww],
                                 dtype=object) for ww in problem.weights]
                minus = [a.copy() for a in plus]
                plus[l][idx] += h
                minus[l][idx] -= h
                cp = mpmath_reference.cost_mp(plus, problem.X, problem.Y, problem.activations,
                                              problem.cost, dps=dps)
                cm = mpmath_reference.cost_mp(minus, problem.X, problem.Y,
                                              problem.activations, problem.cost, dps=dps)
                fd = (cp - cm) / (2 * h)
                err = abs(fd - tape[l][idx])
                assert err <= 1e-25 * scale, (
                    f"layer {l} element {idx}: tape {mpmath.nstr(tape[l][idx], 30)} vs "
                    f"differences {mpmath.nstr(fd, 30)}: error {mpmath.nstr(err, 3)} > "
                    f"1e-25 * {mpmath.nstr(scale, 3)}"
                )


def test_mpmath_cap_and_precision_are_local() -> None:
    import mpmath

    dps_before = mpmath.mp.dps
    small = make_case((2, 3, 1), ("tanh", "identity"), "squared_error", np.float64)
    assert mpmath_reference.fits(small)
    mpmath_reference.gradients(small)
    assert mpmath.mp.dps == dps_before
    big = make_case((40, 60, 10), ("tanh", "identity"), "squared_error", np.float64, P=40)
    assert mpmath_reference.work(big) > mpmath_reference.MAX_WORK
    assert not mpmath_reference.fits(big)
    with pytest.raises(mpmath_reference.TooLarge, match="max_work"):
        mpmath_reference.gradients(big)
    assert issubclass(mpmath_reference.TooLarge, ValueError)


def test_finite_differences_cap() -> None:
    small = make_case((2, 3, 1), ("tanh", "identity"), "squared_error", np.float64)
    assert finite_differences.fits(small)
    big = make_case((200, 300, 300, 10), ("tanh", "tanh", "identity"), "squared_error",
                    np.float64, P=64)
    assert finite_differences.work(big) > finite_differences.MAX_WORK
    assert not finite_differences.fits(big)
    with pytest.raises(finite_differences.TooLarge, match="max_work"):
        finite_differences.gradients(big)
    assert issubclass(finite_differences.TooLarge, ValueError)


def test_mpmath_gradients_are_the_rounded_mp_values() -> None:
    problem = make_case((2, 3, 2), ("gelu", "sigmoid"), "log_likelihood", np.float32)
    exact = mpmath_reference.gradients_mp(problem)
    rounded = mpmath_reference.gradients(problem)
    for e, r in zip(exact, rounded, strict=True):
        assert r.dtype == np.float64
        assert all(float(v) == x for v, x in zip(e.flat, r.flat, strict=True))
        assert all(abs(v) > 0 for v in e.flat)


# --------------------------------------------------------------------------------------
# Slow: bigger problems near the mpmath cap.
# --------------------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize(
    "case",
    [
        ((8, 16, 16, 4), ("gelu", "tanh", "softmax"), "softmax_cross_entropy"),
        ((6, 12, 12, 3), ("silu", "elu", "sigmoid"), "log_likelihood"),
        ((5, 10, 10, 10, 2), ("softplus", "leaky_relu", "relu", "sigmoid"), "squared_error"),
    ],
    ids=_case_id,
)
def test_all_oracles_agree_on_larger_problems(case: tuple, dtype: type) -> None:
    problem = make_case(*case, dtype, P=32, seed=11)
    assert mpmath_reference.fits(problem)
    b = budget(problem)
    truth = truth_reference(problem, b)
    _peers_judged(problem, truth, b, conclusive=True)
    est = finite_differences.estimate(problem)
    assert_within_own_bounds(est.gradients, truth.gradients, est.error_bounds,
                             what="finite differences", problem=problem)
