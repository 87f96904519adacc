"""The extended-precision truth (crosscheck.oracles.extended) and its building blocks.

* the double-double primitives are exact (TwoSum, Fast2Sum, Dekker's split and
  TwoProduct against ``Fraction`` arithmetic), the double-double operations within their
  proven bounds and the elementary functions within 1e-30 of mpmath;
* the split matrix product is within ``n u_w |A| |B|`` of the exact product (``Fraction``),
  also where its certificate fails and elements fall back to direct dot products;
* the oracle agrees with the mpmath oracle within 0.01 of the error budget
  (``|extended - mpmath| / (K u S)``, u float64's, S from the float64 problem) on
  Hypothesis-drawn problems, on both working precisions (longdouble and the forced
  double-double path) and both product modes; its float64 answer is mpmath's rounded
  answer up to an ulp and the two answers' own errors; exact zeros stay exact;
* at sizes mpmath cannot reach, the two working precisions agree with each other.
"""

from __future__ import annotations

import itertools
import zlib
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from crosscheck import judge, oracles, spec
from crosscheck.budget import K, budget
from crosscheck.oracles import _dd, _products, extended, mpmath_reference
from crosscheck.oracles._precision import DOUBLE_DOUBLE, LONGDOUBLE, PRECISIONS
from crosscheck.problem import Problem, make_problem
from crosscheck.strategies import problems

U64 = 2.0**-53
AGREEMENT = 0.01
"""The largest |extended - mpmath| allowed, as a fraction of the float64 budget K u S."""

PATHS = extended.PATHS
needs_mpmath = pytest.mark.oracles("mpmath")  # tests/conftest.py: skip, or fail in CI
_HYPOTHESIS = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.filter_too_much],
}


# --------------------------------------------------------------------------------------
# Exact conversions for the comparisons.
# --------------------------------------------------------------------------------------
def _fractions(x: object) -> np.ndarray:
    """Exact ``Fraction`` values of a float64/longdouble array or a DD (hi + lo)."""
    if isinstance(x, _dd.DD):
        f = np.vectorize(lambda h, lo: Fraction(float(h)) + Fraction(float(lo)), otypes=[object])
        return f(x.hi, x.lo)
    return np.vectorize(lambda v: Fraction(*v.as_integer_ratio()), otypes=[object])(
        np.asarray(x)
    )


def _mpf(x: object) -> np.ndarray:
    """The values of a longdouble array or a DD as mpf, converted at 60 digits (exact but
    for a lo word far below hi)."""
    import mpmath

    with mpmath.workdps(60):
        if isinstance(x, _dd.DD):
            f = np.vectorize(lambda h, lo: mpmath.mpf(float(h)) + float(lo), otypes=[object])
            return f(x.hi, x.lo)
        return np.vectorize(lambda v: mpmath.mpf(v.as_integer_ratio()[0]) / v.as_integer_ratio()[1],
                            otypes=[object])(np.asarray(x))


def _wide(rng: np.random.Generator, n: int, low: int = -400, high: int = 400) -> np.ndarray:
    """float64 values over a wide range of exponents, with zeros, small integers and
    53-bit mantissas mixed in."""
    x = np.ldexp(rng.uniform(-1.0, 1.0, n), rng.integers(low, high, n))
    x[rng.random(n) < 0.05] = 0.0
    small = rng.random(n) < 0.1
    x[small] = rng.integers(-1000, 1000, int(small.sum()))
    return x


def _dd_values(rng: np.random.Generator, lo: float, hi: float, n: int) -> _dd.DD:
    """Double-double values spread over [lo, hi], each with a nonzero lo word."""
    h = rng.uniform(lo, hi, n)
    s, e = _dd.two_sum(h, h * rng.uniform(-1.0, 1.0, n) * 2.0**-54)
    return _dd.DD(s, e)


# --------------------------------------------------------------------------------------
# Double-double primitives.
# --------------------------------------------------------------------------------------
def _bits(x: float) -> int:
    """Significant bits of x (0 for 0)."""
    if x == 0:
        return 0
    num = abs(Fraction(x).numerator)
    return (num // (num & -num)).bit_length()


@pytest.mark.parametrize("seed", range(3))
def test_error_free_transformations_are_exact(seed: int) -> None:
    rng = np.random.default_rng(seed)
    a, b = _wide(rng, 3000), _wide(rng, 3000)
    s, e = _dd.two_sum(a, b)
    np.testing.assert_array_equal(s, a + b)
    assert all(Fraction(x) + Fraction(y) == Fraction(p) + Fraction(q)
               for x, y, p, q in zip(s, e, a, b, strict=True)), "TwoSum is not exact"
    big = np.where(np.abs(a) >= np.abs(b), a, b)
    small = np.where(np.abs(a) >= np.abs(b), b, a)
    s, e = _dd.quick_two_sum(big, small)
    assert all(Fraction(x) + Fraction(y) == Fraction(p) + Fraction(q)
               for x, y, p, q in zip(s, e, big, small, strict=True)), "Fast2Sum is not exact"
    p, e = _dd.two_prod(a, b)
    np.testing.assert_array_equal(p, a * b)
    assert all(Fraction(x) + Fraction(y) == Fraction(u) * Fraction(v)
               for x, y, u, v in zip(p, e, a, b, strict=True)), "TwoProduct is not exact"
    hi, lo = _dd.split(a)
    assert all(Fraction(h) + Fraction(m) == Fraction(x) for h, m, x in zip(hi, lo, a, strict=True))
    assert max(map(_bits, hi)) <= 26 and max(map(_bits, lo)) <= 26


def test_split_and_two_prod_near_the_top_of_the_range() -> None:
    """Above 2^996, Dekker's splitter constant times a would overflow: split scales."""
    rng = np.random.default_rng(5)
    a = np.ldexp(rng.uniform(0.5, 1.0, 200), rng.integers(997, 1023, 200))
    b = np.ldexp(rng.uniform(-1.0, 1.0, 200), rng.integers(-600, -100, 200))
    hi, lo = _dd.split(a)
    assert np.isfinite(hi).all() and np.isfinite(lo).all()
    assert all(Fraction(h) + Fraction(m) == Fraction(x) for h, m, x in zip(hi, lo, a, strict=True))
    p, e = _dd.two_prod(a, b)
    assert all(Fraction(x) + Fraction(y) == Fraction(u) * Fraction(v)
               for x, y, u, v in zip(p, e, a, b, strict=True))


@pytest.mark.parametrize(
    ("op", "bound"),
    [("add", 3 * U64**2), ("sub", 3 * U64**2), ("mul", 5 * U64**2), ("div", 2.0**-100)],
)
def test_double_double_operations_within_their_bounds(op: str, bound: float) -> None:
    """Relative error against Fraction arithmetic: addition <= 3u^2, multiplication
    <= 5u^2 (Joldes, Muller, Popescu 2017), division below UNIT_ROUNDOFF."""
    rng = np.random.default_rng(11)
    x = _dd_values(rng, -10.0, 10.0, 2000)
    y = _dd_values(rng, 0.1, 30.0, 2000)
    y = _dd.where(rng.random(2000) < 0.5, y, -y)
    got = {"add": x + y, "sub": x - y, "mul": x * y, "div": x / y}[op]
    fx, fy, fg = _fractions(x), _fractions(y), _fractions(got)
    exact = {"add": fx + fy, "sub": fx - fy, "mul": fx * fy, "div": fx / fy}[op]
    rel = [abs(g - e) / abs(e) for g, e in zip(fg, exact, strict=True) if e != 0]
    assert float(max(rel)) <= bound, f"{op}: {float(max(rel)):.3g} > {bound:.3g}"
    # A float64 operand (lo = 0) takes the cheaper path; the same bound holds.
    got = {"add": x + y.hi, "sub": x - y.hi, "mul": x * y.hi, "div": x / y.hi}[op]
    fy = _fractions(y.hi)
    exact = {"add": fx + fy, "sub": fx - fy, "mul": fx * fy, "div": fx / fy}[op]
    rel = [abs(g - e) / abs(e) for g, e in zip(_fractions(got), exact, strict=True) if e != 0]
    assert float(max(rel)) <= bound


def test_double_double_sum_is_a_tree_of_accurate_additions() -> None:
    rng = np.random.default_rng(2)
    x = _dd_values(rng, -1.0, 1.0, 1000).reshape(10, 100)
    got = _fractions(x.sum(axis=1))
    fx = _fractions(x)
    for i in range(10):
        exact = sum(fx[i])
        assert abs(got[i] - exact) <= 30 * U64**2 * sum(abs(v) for v in fx[i])
    assert x[:, :0].sum(axis=1).hi.tolist() == [0.0] * 10


@needs_mpmath
@pytest.mark.parametrize(
    ("name", "low", "high"),
    [
        ("exp", -660.0, 700.0),
        ("exp", -1.0, 1.0),
        ("expm1", -40.0, 40.0),
        ("expm1", -1e-6, 1e-6),
        ("log1p", -0.99, 1e3),
        ("log1p", -1e-9, 1e-9),
        ("log", 1e-6, 1e6),
        ("log", 0.3, 3.0),
        ("tanh", -30.0, 30.0),
        ("tanh", -1e-4, 1e-4),
    ],
)
def test_double_double_functions_within_1e_30_of_mpmath(name: str, low: float, high: float):
    import mpmath

    rng = np.random.default_rng(zlib.crc32(f"{name} {low}".encode()))
    x = _dd_values(rng, low, high, 1500)
    got = _mpf(getattr(_dd, name)(x))
    with mpmath.workdps(60):
        exact = [getattr(mpmath, name)(v) for v in _mpf(x)]
        rel = max(abs((g - e) / e) for g, e in zip(got, exact, strict=True) if e != 0)
    assert float(rel) <= 1e-30, f"{name} on [{low}, {high}]: relative error {float(rel):.3g}"


def test_double_double_exp_limits() -> None:
    x = _dd.DD(np.array([-800.0, -745.3, 0.0, 710.0]))
    e = _dd.exp(x)
    assert e.hi.tolist() == [0.0, 0.0, 1.0, np.inf]
    assert _dd.expm1(x).hi.tolist()[:3] == [-1.0, -1.0, 0.0]
    assert _dd.tanh(_dd.DD(np.array([-1e4, 0.0, 1e4]))).hi.tolist() == [-1.0, 0.0, 1.0]


def test_constants_round_to_double_double() -> None:
    hi, lo = _dd.constant("0.044715")
    assert abs(Fraction(hi) + Fraction(lo) - Fraction("0.044715")) <= 2.0**-106 * 0.045
    c = _dd.decimal_constants()
    assert str(c["sqrt_2_over_pi"]).startswith("0.797884560802865355879892119868763")
    assert str(c["ln2"]).startswith("0.693147180559945309417232121458176")


# --------------------------------------------------------------------------------------
# The split matrix product.
# --------------------------------------------------------------------------------------
def test_beta_keeps_every_slice_product_exact() -> None:
    for n in (1, 2, 3, 10, 16, 17, 256, 512, 513, 4096, 10**6):
        beta = _products.beta_for(n)
        assert n * 2.0 ** (2 * beta) <= 2.0**53 < n * 2.0 ** (2 * beta + 2)


def _check_product(prec, A, B, mode: str) -> dict:
    """|C - A B| <= n u_w |A| |B| elementwise, exactly (Fraction); returns the stats."""
    stats: dict = {}
    C = _products.matmul(A, B, prec, mode=mode, stats=stats)
    fa, fb = _fractions(A), _fractions(B)
    exact = fa.dot(fb)
    mag = np.abs(fa).dot(np.abs(fb))
    err = np.abs(_fractions(C) - exact)
    n = A.shape[1]
    bad = err > n * Fraction(prec.unit_roundoff) * mag
    assert not bad.any(), (
        f"{prec.name} {mode}: {int(bad.sum())} elements beyond n u |A||B|, e.g. error "
        f"{float(err[bad][0]):.3g} against |A||B| {float(mag[bad][0]):.3g}"
    )
    return stats


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("mode", ["direct", "split"])
@pytest.mark.parametrize("spread", [0.0, 3.0, 30.0])
def test_products_within_n_u_of_the_exact_product(path: str, mode: str, spread: float):
    """Random shapes, values spread over e^(N(0, spread)): the larger spreads put tiny and
    huge elements in one row, where the split's certificate needs its fallback."""
    prec = PRECISIONS[path]
    rng = np.random.default_rng(int(spread) + 7 * len(path))
    for _ in range(6):
        m, n, k = (int(v) for v in rng.integers(1, 14, 3))
        A = rng.normal(size=(m, n)) * np.exp(spread * rng.normal(size=(m, n)))
        B = rng.normal(size=(n, k)) * np.exp(spread * rng.normal(size=(n, k)))
        A[rng.random((m, n)) < 0.1] = 0.0
        _check_product(prec, prec.asarray(A), B, mode)
        _check_product(prec, A, prec.asarray(B) * prec.asarray(B), mode)


@pytest.mark.parametrize("path", PATHS)
def test_split_falls_back_where_a_row_is_dominated_by_an_element_that_meets_a_zero(path: str):
    """Row 0 of A is [1, 2^-40 r, ...] and column 0 of B is [0, 1, ...]: the sum is carried
    by elements far below the row's grid, so the certificate fails and those elements are
    recomputed directly; the bound still holds everywhere."""
    prec = PRECISIONS[path]
    rng = np.random.default_rng(1)
    A = rng.normal(size=(4, 9)) * 2.0**-40
    A[:, 0] = 1.0
    B = rng.normal(size=(9, 5))
    B[0, :2] = 0.0
    stats = _check_product(prec, prec.asarray(A), B, "split")
    assert stats.get("tail_gemm") == 1 and stats.get("fallback", 0) >= 8


@pytest.mark.parametrize("path", PATHS)
def test_split_falls_back_everywhere_when_it_must(path: str) -> None:
    """Every row dominated by an element that meets a zero row of B: all 128 x 96 elements
    are recomputed directly (the bookkeeping takes the product of the zero patterns), and
    agree with the direct product within both bounds."""
    prec = PRECISIONS[path]
    rng = np.random.default_rng(8)
    A = rng.normal(size=(128, 128)) * 2.0**-40
    A[:, 0] = 1.0
    B = rng.normal(size=(128, 96))
    B[0] = 0.0
    stats: dict = {}
    split = _products.matmul(prec.asarray(A), B, prec, mode="split", stats=stats)
    direct = _products.matmul(prec.asarray(A), B, prec, mode="direct")
    assert stats["fallback"] == 128 * 96
    diff = prec.to_float64(split - direct) if path == "double-double" else (
        (split - direct).astype(np.float64)
    )
    assert (np.abs(diff) <= 2 * 128 * prec.unit_roundoff * (np.abs(A) @ np.abs(B))).all()


@pytest.mark.parametrize("path", PATHS)
def test_split_zero_rows_columns_and_disjoint_supports_are_exact_zeros(path: str) -> None:
    prec = PRECISIONS[path]
    A = np.array([[1.0, 0.0, 2.0], [0.0, 0.0, 0.0], [0.0, 3.0, 0.0]])
    B = np.array([[0.0, 1.0], [2.0, 0.0], [0.0, 0.0]])
    stats: dict = {}
    C = prec.to_float64(_products.matmul(A, B, prec, mode="split", stats=stats))
    np.testing.assert_array_equal(C, A @ B)
    assert stats.get("fallback", 0) == 0


def test_longdouble_split_keeps_values_below_float64_range() -> None:
    """1e-400 is 0 in float64; the row scaling brings it back before the float64 split."""
    prec = LONGDOUBLE
    A = np.array([[np.longdouble("1e-400"), np.longdouble("3e-401")], [1.0, 2.0]])
    B = np.array([[np.longdouble("2e-300")], [np.longdouble("1e-310")]])
    _check_product(prec, A, B, "split")
    C = _products.matmul(A, B, prec, mode="split")
    assert C[0, 0] != 0


def test_products_reject_an_unknown_mode() -> None:
    with pytest.raises(ValueError, match="mode"):
        _products.matmul(np.ones((2, 2)), np.ones((2, 2)), LONGDOUBLE, mode="fast")


def test_split_with_a_wide_inner_dimension() -> None:
    """n = 600 takes beta = 21 bits per slice (n 2^42 <= 2^53)."""
    rng = np.random.default_rng(4)
    for prec in (LONGDOUBLE, DOUBLE_DOUBLE):
        _check_product(prec, prec.asarray(rng.normal(size=(2, 600))), rng.normal(size=(600, 3)),
                       "split")


# --------------------------------------------------------------------------------------
# The oracle against mpmath.
# --------------------------------------------------------------------------------------
def agreement(problem: Problem, path: str, products: str = "auto") -> tuple[float, list]:
    """(max |extended - mpmath| / (K u S) over the gradient, mpmath's answer), the extended
    answer unrounded (u float64's, S the budget of the problem in float64)."""
    b = budget(problem.astype(np.float64))
    truth = mpmath_reference.gradients_mp(problem)
    ext = extended.gradients_extended(problem, path=path, products=products)
    worst = 0.0
    for t, e, s in zip(truth, ext, b.scale, strict=True):
        diff = np.vectorize(lambda a, c: float(abs(a - c)), otypes=[float])(_mpf(e), t)
        with np.errstate(divide="ignore", invalid="ignore"):
            r = np.where(diff == 0, 0.0, diff / (K * U64 * s))
        worst = max(worst, float(r.max(initial=0.0)))
    return worst, truth


def assert_agrees(problem: Problem, path: str, products: str = "auto") -> None:
    __tracebackhide__ = True
    b = budget(problem.astype(np.float64))
    assume(not b.near_kink)
    ratio, truth = agreement(problem, path, products)
    assert ratio <= AGREEMENT, (
        f"extended ({path}, products {products}) is {ratio:.3g} of the error budget from "
        f"mpmath (limit {AGREEMENT}) on {problem.describe()}:\n{problem.to_code()}"
    )
    # Rounded to float64, the answer is mpmath's rounded one up to an ulp and the two
    # unrounded answers' distance: the extended error (below AGREEMENT K u S, but more than
    # an ulp of the gradient where it cancels) and mpmath's own K 10^(1 - DPS) S (a
    # softmax of one output, exactly 0, is -3e-53 there).
    got = extended.gradients(problem, path=path, products=products)
    apart = K * (AGREEMENT * U64 + 10.0 ** (1 - mpmath_reference.DPS))
    for l, (g, t, s) in enumerate(zip(got, truth, b.scale, strict=True)):
        w = np.vectorize(float, otypes=[np.float64])(t)
        allowed = np.spacing(np.abs(w)) + apart * s
        near = np.abs(g - w) <= allowed
        assert near.all(), f"layer {l}: {g[~near]} against mpmath's {w[~near]}"


@needs_mpmath
@pytest.mark.parametrize("cost", spec.COST_ORDER)
@pytest.mark.parametrize("path", PATHS)
@settings(max_examples=12, **_HYPOTHESIS)
@given(data=st.data())
def test_agrees_with_mpmath(path: str, cost: str, data: st.DataObject) -> None:
    assert_agrees(data.draw(problems(costs=cost), label="problem"), path)


@needs_mpmath
@pytest.mark.parametrize("path", PATHS)
@settings(max_examples=20, **_HYPOTHESIS)
@given(problem=problems(regimes="saturating"))
def test_agrees_with_mpmath_saturating(path: str, problem: Problem) -> None:
    assert_agrees(problem, path)


@needs_mpmath
@pytest.mark.parametrize("path", PATHS)
@settings(max_examples=20, **_HYPOTHESIS)
@given(problem=problems())
def test_agrees_with_mpmath_through_the_split_products(path: str, problem: Problem) -> None:
    """Every product through the split (and its certificate), however small."""
    assert_agrees(problem, path, products="split")


@pytest.mark.slow
@needs_mpmath
@pytest.mark.parametrize("cost", spec.COST_ORDER)
@pytest.mark.parametrize("path", PATHS)
@settings(max_examples=40, **_HYPOTHESIS)
@given(data=st.data())
def test_agrees_with_mpmath_many(path: str, cost: str, data: st.DataObject) -> None:
    assert_agrees(data.draw(problems(costs=cost), label="problem"), path)


@pytest.mark.slow
@needs_mpmath
@pytest.mark.parametrize("activation", spec.ELEMENTWISE)
@pytest.mark.parametrize("path", PATHS)
@settings(max_examples=25, **_HYPOTHESIS)
@given(data=st.data())
def test_agrees_with_mpmath_every_activation(
    path: str, activation: str, data: st.DataObject
) -> None:
    """``activation`` at one hidden layer."""
    problem = data.draw(problems(featured=activation, min_depth=2), label="problem")
    assert_agrees(problem, path)


def _net(sizes, activations, cost, P, *, seed=0, dtype=np.float64, gain=1.0) -> Problem:
    """A seeded problem: glorot-like weights, N(0, 1) inputs, labels valid for the cost."""
    rng = np.random.default_rng(seed)
    weights = [
        np.vstack([0.1 * rng.normal(size=(1, m)), rng.normal(size=(n, m)) * gain / np.sqrt(n)])
        for n, m in itertools.pairwise(sizes)
    ]
    X = rng.normal(size=(P, sizes[0]))
    rule = spec.COSTS[cost].labels
    if rule == "unit":
        Y = (rng.random((P, sizes[-1])) < 0.5).astype(float)
    elif rule == "nonnegative":
        Y = np.eye(sizes[-1])[rng.integers(0, sizes[-1], P)]
    else:
        Y = rng.normal(size=(P, sizes[-1]))
    return make_problem(weights, X, Y, list(activations), cost).astype(dtype)


@needs_mpmath
@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize(
    "case",
    [
        ((16, 32, 32, 8), ("tanh", "gelu", "softmax"), "softmax_cross_entropy"),
        ((12, 24, 24, 24, 4), ("silu", "elu", "softplus", "sigmoid"), "log_likelihood"),
        ((10, 40, 6), ("leaky_relu", "tanh"), "squared_error"),
    ],
    ids=lambda c: "-".join(map(str, c[0])) if isinstance(c[0], tuple) else str(c),
)
def test_a_medium_net_through_the_split_agrees_with_mpmath(path: str, case: tuple) -> None:
    """Nets near mpmath's size cap, every product through the split (saturating gain)."""
    sizes, acts, cost = case
    problem = _net(sizes, acts, cost, P=24, seed=3, gain=4.0)
    assert mpmath_reference.fits(problem)
    assert agreement(problem, path, products="split")[0] <= AGREEMENT


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("products", ["direct", "split"])
def test_a_softmax_of_one_output_gives_exact_zeros(path: str, products: str) -> None:
    """N_L = 1: softmax is 1 and the gradient exactly 0 (mpmath's is 1e-52)."""
    problem = _net((5, 7, 1), ("tanh", "softmax"), "softmax_log_likelihood", P=9, seed=1)
    for g in extended.gradients(problem, path=path, products=products):
        assert not g.any()


@pytest.mark.parametrize("products", ["direct", "split"])
def test_the_unrounded_answer_is_in_the_working_precision(products: str) -> None:
    """Two float64 operands (X and w^0) must not give a float64 product."""
    problem = _net((3, 4, 2), ("tanh", "sigmoid"), "log_likelihood", P=3)
    ld = extended.gradients_extended(problem, path="longdouble", products=products)
    assert all(g.dtype == np.longdouble for g in ld)
    dd = extended.gradients_extended(problem, path="double-double", products=products)
    assert all(isinstance(g, _dd.DD) for g in dd)
    assert any((g.astype(np.float64) != g).any() for g in ld)  # bits below float64's


@pytest.mark.parametrize("path", PATHS)
def test_no_examples_gives_zeros(path: str) -> None:
    problem = _net((3, 4, 2), ("relu", "sigmoid"), "log_likelihood", P=0)
    got = extended.gradients(problem, path=path)
    assert [g.shape for g in got] == [w.shape for w in problem.weights]
    assert all(g.dtype == np.float64 and not g.any() for g in got)


@pytest.mark.parametrize("path", PATHS)
def test_a_float32_problem_is_taken_exactly(path: str) -> None:
    """float32 values are exact in float64: the answer is the float64 problem's, bit for bit,
    and float64 (the truth is not rounded to float32)."""
    p32 = _net((4, 6, 3), ("gelu", "softmax"), "softmax_cross_entropy", P=5, dtype=np.float32)
    got = extended.gradients(p32, path=path)
    want = extended.gradients(p32.astype(np.float64), path=path)
    for g, w in zip(got, want, strict=True):
        assert g.dtype == np.float64
        np.testing.assert_array_equal(g, w)


@pytest.mark.parametrize("path", PATHS)
def test_the_conventions_at_zero(path: str) -> None:
    """z = 0 exactly (zero biases, a zero input row): relu'(0) = 0, leaky_relu'(0) = 1/100,
    elu'(0) = 1, as crosscheck.spec says."""
    for act, slope in (("relu", 0.0), ("leaky_relu", 0.01), ("elu", 1.0)):
        weights = [np.array([[0.0], [2.0]]), np.array([[0.0], [1.0]])]
        problem = make_problem(weights, np.zeros((1, 1)), np.ones((1, 1)), [act, "identity"],
                               "squared_error")
        g = extended.gradients(problem, path=path)
        # z1 = 0, a1 = 0, h = 0, delta2 = h - y = -1; dC/db1 = f'(0) * 1 * -1
        assert g[0][0, 0] == pytest.approx(-slope, rel=1e-18, abs=0)


def test_the_two_working_precisions_agree_on_a_large_net() -> None:
    """At a size mpmath cannot reach, longdouble and double-double (through the split)
    agree far inside the budget: each is within its own u_w S of the exact gradient."""
    problem = _net((64, 128, 128, 10), ("tanh", "sigmoid", "softmax"), "softmax_cross_entropy",
                   P=96, seed=2, gain=3.0)
    b = budget(problem)
    stats: dict = {}
    ld = extended.gradients_extended(problem, path="longdouble", stats=stats)
    dd = extended.gradients_extended(problem, path="double-double")
    assert stats.get("split", 0) > 0 and stats.get("fallback", 0) == 0
    for a, c, s in zip(ld, dd, b.scale, strict=True):
        diff = np.abs(a - (c.hi.astype(np.longdouble) + c.lo)).astype(np.float64)
        assert (diff <= 1e-3 * AGREEMENT * K * U64 * s).all()


def test_the_two_working_precisions_agree_on_the_benchmark_net() -> None:
    """256-512-512-10 with P = 256 (the size the fast truth is for): every large product
    through the split, no element needing the fallback, and the two precisions within
    1e-3 of the agreement limit of each other."""
    problem = _net((256, 512, 512, 10), ("tanh", "tanh", "softmax"), "softmax_cross_entropy",
                   P=256, seed=5, gain=2.0)
    assert extended.fits(problem)
    b = budget(problem)
    stats: dict = {}
    ld = extended.gradients_extended(problem, path="longdouble", stats=stats)
    dd = extended.gradients_extended(problem, path="double-double")
    assert stats.get("split", 0) >= 5 and stats.get("fallback", 0) == 0
    for a, c, s in zip(ld, dd, b.scale, strict=True):
        diff = np.abs(a - (c.hi.astype(np.longdouble) + c.lo)).astype(np.float64)
        assert (diff <= 1e-3 * AGREEMENT * K * U64 * s).all()


# --------------------------------------------------------------------------------------
# The module's contract: registry, precision, size cap, the judge.
# --------------------------------------------------------------------------------------
def test_module_contract() -> None:
    assert extended.NAME == "extended" and extended.KIND == "truth"
    assert oracles.get("extended") is extended
    assert extended.available() == (True, "")
    expected = "longdouble" if np.finfo(np.longdouble).nmant >= 63 else "double-double"
    assert extended.PATH == expected and extended.PATH in extended.PATHS
    assert extended.UNIT_ROUNDOFF == PRECISIONS[expected].unit_roundoff
    assert LONGDOUBLE.unit_roundoff == 2.0**-64 and DOUBLE_DOUBLE.unit_roundoff == 2.0**-100
    for prec in (LONGDOUBLE, DOUBLE_DOUBLE):
        # the judge charges the truth 10^(1 - DPS): never less than its unit roundoff
        assert 10.0 ** (1 - prec.dps) >= prec.unit_roundoff
        assert 10.0 ** (1 - (prec.dps + 1)) < prec.unit_roundoff
    assert extended.DPS == PRECISIONS[expected].dps
    assert expected in extended.precision() and "double-double" in extended.precision(
        "double-double"
    )
    with pytest.raises(ValueError, match="path"):
        extended.gradients(_net((2, 1), ("sigmoid",), "log_likelihood", P=1), path="quad")


def test_unavailable_where_the_error_free_transformations_are_inexact(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A machine that does not round to nearest (or flushes, or fuses wrongly) would make
    double-double arithmetic silently wrong: available() says so instead."""
    monkeypatch.setattr(_dd, "two_sum", lambda a, b: (a + b, 0.0 * a))
    extended._arithmetic_check.cache_clear()
    try:
        ok, why = extended.available()
        assert not ok and "TwoSum" in why
        assert oracles.unavailable_reasons()["extended"] == why
    finally:
        monkeypatch.undo()
        extended._arithmetic_check.cache_clear()
    assert extended.available() == (True, "")


def test_fits_the_large_benchmark_net_and_caps_the_rest() -> None:
    big = Problem(
        tuple(np.zeros((n + 1, m)) for n, m in ((256, 512), (512, 512), (512, 10))),
        np.zeros((256, 256)), np.zeros((256, 10)), ("tanh", "tanh", "softmax"),
        "softmax_cross_entropy",
    )
    assert extended.fits(big) and extended.work(big) == 256 * (257 * 512 + 513 * 512 + 513 * 10)
    assert not extended.fits(big._replace(X=np.zeros((4096, 256)), Y=np.zeros((4096, 10))))
    small = _net((3, 4, 2), ("tanh", "sigmoid"), "log_likelihood", P=5)
    with pytest.raises(extended.TooLarge, match="max_work"):
        extended.gradients(small, max_work=10)
    assert issubclass(extended.TooLarge, ValueError)


def test_the_judge_takes_it_as_a_truth() -> None:
    problem = _net((3, 5, 2), ("softplus", "sigmoid"), "binary_cross_entropy", P=6)
    b = budget(problem)
    ref = judge.reference(extended, problem, b)
    assert ref.skipped is None and ref.kind == "truth"
    for g, w in zip(ref.gradients, extended.gradients(problem), strict=True):
        np.testing.assert_array_equal(g, w)
    for e, s in zip(ref.extra, b.scale, strict=True):
        np.testing.assert_allclose(e, K * extended.UNIT_ROUNDOFF * s)  # its own precision
