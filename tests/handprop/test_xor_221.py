"""The seed's example (section 5): the 2-2-1 sigmoid net on XOR, against mpmath.

The weights are fixed and documented here (and in docs/xor_example.py, which prints the
same comparison as a table for the README)::

    X = [[0, 0], [0, 1], [1, 0], [1, 1]]      Y = [[0], [1], [1], [0]]
    U = w^0 = [[0.1, -0.2],                   v = w^1 = [[0.05],      row 0: biases
               [0.4,  0.3],                              [0.7],       row n_1: w^1_{n_1 1}
               [-0.5, 0.6]]                              [-0.8]]

C is the log-likelihood of seed eq. 12, summed over the P = 4 examples (eq. 2).

The true gradients are computed here, with no handprop code, by mpmath at 50 digits in two
independent ways: (a) the closed form of seed eq. 15 written out by hand (summed over all P
examples; v's gradients from eq. 5 and 6 directly), and (b) central differences, step 1e-20,
of a hand-written mpmath forward pass. (a) and (b) agree to ~1e-28; every handprop route
agrees with them in float64 within the error budget K u S of each element
(crosscheck.budget, docs/error-budget.md). A relative tolerance would not do: U[0,0] is
0.00155 while the terms summed into it are of size 18 (S), so its relative error is ~1e-14
for rounding errors of a few u in those terms.
"""

from __future__ import annotations

import runpy
from pathlib import Path

import mpmath
import numpy as np
import pytest

import handprop
from crosscheck.budget import K, budget
from crosscheck.problem import make_problem
from handprop import literal, special_cases

DIGITS = 50
FD_STEP = mpmath.mpf("1e-20")
RTOL_FLOAT64 = 1e-14

X = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
Y = [[0.0], [1.0], [1.0], [0.0]]
U = [[0.1, -0.2], [0.4, 0.3], [-0.5, 0.6]]
V = [[0.05], [0.7], [-0.8]]
ACTIVATIONS = ["sigmoid", "sigmoid"]

XOR_SCRIPT = Path(__file__).resolve().parents[2] / "docs" / "xor_example.py"


def _problem(cost: str = "log_likelihood"):
    return (
        [np.array(U, dtype=np.float64), np.array(V, dtype=np.float64)],
        np.array(X, dtype=np.float64),
        np.array(Y, dtype=np.float64),
        ACTIVATIONS,
        cost,
    )


# --------------------------------------------------------------------------------------
# mpmath, written from the seed's equations only. Weights enter as the exact binary values
# of the float64 numbers above (mpf(float) is exact), so handprop and mpmath differentiate
# the same function at the same point.


def _mp(rows):
    return [[mpmath.mpf(x) for x in row] for row in rows]


def _sigma(t):
    return 1 / (1 + mpmath.exp(-t))


def mp_hidden(U, x):
    """a^{p,1}_{n_1} = sigma(w^0_{0 n_1} + sum_q w^0_{q n_1} x^p_q), seed eq. 1."""
    return [_sigma(U[0][n] + U[1][n] * x[0] + U[2][n] * x[1]) for n in range(2)]


def mp_output(U, v, x):
    """h^p = sigma(v_0 + v_1 a^{p,1}_1 + v_2 a^{p,1}_2), seed eq. 1 at the output."""
    a = mp_hidden(U, x)
    return _sigma(v[0][0] + v[1][0] * a[0] + v[2][0] * a[1])


def mp_cost(U, v, Xs, Ys):
    """C = sum_p y^p log h^p + (1 - y^p) log(1 - h^p), seed eq. 2 and 12."""
    total = mpmath.mpf(0)
    for x, (y,) in zip(Xs, Ys, strict=True):
        h = mp_output(U, v, x)
        total += y * mpmath.log(h) + (1 - y) * mpmath.log(1 - h)
    return total


def mp_eq15(U, v, Xs, Ys, *, last_p: int | None = None):
    """Seed eq. 15 by hand, the sum over p running to ``last_p`` (all P by default):

    dC/dU[0, n_1] = v[n_1] sum_p a^{p,1}_{n_1} (1 - a^{p,1}_{n_1}) (y^p - h^p)
    dC/dU[q, n_1] = v[n_1] sum_p x^p_q a^{p,1}_{n_1} (1 - a^{p,1}_{n_1}) (y^p - h^p)
    dC/dv[0] = sum_p (y^p - h^p),   dC/dv[n_1] = sum_p a^{p,1}_{n_1} (y^p - h^p)   (eq. 5, 6)
    """
    P = len(Xs) if last_p is None else last_p
    gU = [[mpmath.mpf(0)] * 2 for _ in range(3)]
    gv = [[mpmath.mpf(0)] for _ in range(3)]
    for p in range(P):
        x, y = Xs[p], Ys[p][0]
        a = mp_hidden(U, x)
        d = y - mp_output(U, v, x)
        gv[0][0] += d
        for n in range(2):
            s = a[n] * (1 - a[n]) * d
            gU[0][n] += v[1 + n][0] * s
            gU[1][n] += v[1 + n][0] * x[0] * s
            gU[2][n] += v[1 + n][0] * x[1] * s
            gv[1 + n][0] += a[n] * d
    return [gU, gv]


def mp_central_differences(U, v, Xs, Ys, step=FD_STEP):
    """(C(w + step) - C(w - step)) / (2 step) for every weight, in mpmath."""
    params = [U, v]
    grads = []
    for l, w in enumerate(params):
        g = [[None] * len(w[0]) for _ in w]
        for i in range(len(w)):
            for j in range(len(w[0])):
                values = []
                for s in (step, -step):
                    shifted = [[row[:] for row in m] for m in params]
                    shifted[l][i][j] += s
                    values.append(mp_cost(*shifted, Xs, Ys))
                g[i][j] = (values[0] - values[1]) / (2 * step)
        grads.append(g)
    return grads


@pytest.fixture(scope="module")
def truth():
    """(eq. 15 closed form, central differences), both at 50 digits."""
    with mpmath.workdps(DIGITS):
        args = (_mp(U), _mp(V), _mp(X), _mp(Y))
        return mp_eq15(*args), mp_central_differences(*args)


def _flat(grads):
    return [x for layer in grads for row in layer for x in row]


def _rel(a, b):
    return abs(a - b) / abs(b)


# --------------------------------------------------------------------------------------


def test_mpmath_closed_form_and_central_differences_agree(truth):
    """The two oracles are independent; they agree far beyond float64's precision."""
    eq15, fd = truth
    with mpmath.workdps(DIGITS):
        for a, b in zip(_flat(eq15), _flat(fd), strict=True):
            assert abs(a - b) <= mpmath.mpf("1e-25") * abs(b), (a, b)


ROUTES = [
    handprop.gradients,
    literal.gradients,
    special_cases.xor_221_gradients,
    special_cases.sigmoid_log_likelihood_gradients,
    special_cases.two_layer_gradients,
    special_cases.one_output_gradients,
]


def _allowed() -> list[float]:
    """Each gradient element's error budget K u S (crosscheck.budget) for this problem."""
    b = budget(make_problem(*_problem()))
    return [float(x) for s in b.scale for x in (K * b.u * s).ravel()]


@pytest.mark.parametrize("fn", ROUTES, ids=lambda f: f"{f.__module__}.{f.__name__}")
@pytest.mark.parametrize("cost", ["log_likelihood", "binary_cross_entropy"])
def test_float64_gradients_match_mpmath(fn, cost, truth):
    """Every handprop route, within each element's budget (binary_cross_entropy negated)."""
    eq15, fd = truth
    sign = 1 if cost == "log_likelihood" else -1
    grads = fn(*_problem(cost))
    assert [g.shape for g in grads] == [(3, 2), (3, 1)]
    assert all(g.dtype == np.float64 for g in grads)
    got = [float(x) for g in grads for x in g.ravel()]
    allowed = _allowed()
    for name, want in (("eq. 15", eq15), ("central differences", fd)):
        for i, (g, w, a) in enumerate(zip(got, _flat(want), allowed, strict=True)):
            assert abs(g - sign * w) <= a, (name, i, g, sign * w, a)


def test_float64_cost_matches_mpmath():
    with mpmath.workdps(DIGITS):
        want = mp_cost(_mp(U), _mp(V), _mp(X), _mp(Y))
    got = float(handprop.cost(*_problem()))
    assert _rel(got, want) <= RTOL_FLOAT64
    assert float(handprop.cost(*_problem("binary_cross_entropy"))) == -got


def test_eq15_sum_to_2_is_wrong_and_sum_to_P_is_right(truth):
    """Seed eq. 15 sums p from 1 to 2; with XOR's P = 4 examples that misses half the data.
    Summed to P it agrees with central differences; summed to 2 it does not."""
    _, fd = truth
    with mpmath.workdps(DIGITS):
        args = (_mp(U), _mp(V), _mp(X), _mp(Y))
        to_P = mp_eq15(*args)
        to_2 = mp_eq15(*args, last_p=2)
        U_fd, U_to_P, U_to_2 = fd[0], to_P[0], to_2[0]
        rel_P = max(_rel(a, b) for a, b in zip(_flat([U_to_P]), _flat([U_fd]), strict=True))
        rel_2 = [_rel(a, b) for a, b in zip(_flat([U_to_2]), _flat([U_fd]), strict=True)]
    assert rel_P <= 1e-25
    assert min(rel_2) > 0.5, rel_2  # every element of U is off by 91 % to 940 %


def test_eq15_as_float64_code_is_xor_221_gradients(truth):
    """xor_221_gradients (eq. 15 in NumPy) takes w^1_{n_1} as v[n_1] = w^1_{n_1 1}, the
    output unit's weight, and gives v's own gradients directly (eq. 5, 6)."""
    eq15, _ = truth
    grads = special_cases.xor_221_gradients(*_problem())
    got = [float(x) for layer in grads for x in layer.ravel()]
    for g, w, a in zip(got, _flat(eq15), _allowed(), strict=True):
        assert abs(g - w) <= a, (g, w, a)


def test_xor_example_script_prints_these_values(capsys, truth):
    """docs/xor_example.py (its output is in the README) prints handprop's float64
    gradients and the mpmath values side by side; check what it printed."""
    runpy.run_path(str(XOR_SCRIPT), run_name="__main__")
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.startswith("| U[") or line.startswith("| v[")]
    assert len(rows) == 9, out
    grads = handprop.gradients(*_problem())
    got = [float(x) for g in grads for x in g.ravel()]
    eq15, fd = truth
    for row, g, a, b in zip(rows, got, _flat(eq15), _flat(fd), strict=True):
        cells = [c.strip() for c in row.strip("|").split("|")]
        printed_hp, printed_eq15, printed_fd = (float(c) for c in cells[2:5])
        assert printed_hp == g, row
        assert _rel(printed_eq15, float(a)) <= 1e-15 and _rel(printed_fd, float(b)) <= 1e-15, row
