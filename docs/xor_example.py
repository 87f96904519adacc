"""The seed's example: the 2-2-1 sigmoid net on XOR, handprop beside mpmath.

Run: ``.venv/bin/python docs/xor_example.py``. Prints a Markdown table of dC/dw for every
weight, C being the log-likelihood of seed eq. 12 summed over the four XOR examples:
handprop's float64 gradients, and two 50-digit mpmath values computed here without any
handprop code: the closed form of seed eq. 15 (summed over all P = 4 examples, not to 2)
with v's gradients from eq. 5 and 6, and central differences (step 1e-20) of a forward
pass written out in mpmath. The last column is |handprop - eq. 15| over the element's
error budget K u S (crosscheck.budget, docs/error-budget.md); 1 would be the limit.
tests/test_xor_221.py checks the same numbers and this output.

U = w^0 is (3, 2) and v = w^1 is (3, 1), row 0 the biases (handprop's layout).
"""

from __future__ import annotations

import mpmath
import numpy as np

import handprop
from crosscheck.budget import K, budget
from crosscheck.problem import make_problem

X = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
Y = [[0.0], [1.0], [1.0], [0.0]]
U = [[0.1, -0.2], [0.4, 0.3], [-0.5, 0.6]]
V = [[0.05], [0.7], [-0.8]]
DIGITS = 50
STEP = "1e-20"


def _sigma(t):
    return 1 / (1 + mpmath.exp(-t))


def _hidden(U, x):
    return [_sigma(U[0][n] + U[1][n] * x[0] + U[2][n] * x[1]) for n in range(2)]


def _output(U, v, x):
    a = _hidden(U, x)
    return _sigma(v[0][0] + v[1][0] * a[0] + v[2][0] * a[1])


def _cost(U, v):
    return mpmath.fsum(
        y * mpmath.log(h) + (1 - y) * mpmath.log(1 - h)
        for x, (y,) in zip(X, Y, strict=True)
        for h in [_output(U, v, x)]
    )


def eq15(U, v):
    """Seed eq. 15 (sum over all P examples) for U; eq. 5, 6 for v."""
    gU = [[mpmath.mpf(0)] * 2 for _ in range(3)]
    gv = [[mpmath.mpf(0)] for _ in range(3)]
    for x, (y,) in zip(X, Y, strict=True):
        a = _hidden(U, x)
        d = y - _output(U, v, x)  # d^p = y^p - h^p (seed section 3)
        gv[0][0] += d
        for n in range(2):
            s = v[1 + n][0] * a[n] * (1 - a[n]) * d  # w^1_{n_1} a (1 - a) (y - h)
            gU[0][n] += s
            gU[1][n] += x[0] * s
            gU[2][n] += x[1] * s
            gv[1 + n][0] += a[n] * d
    return [gU, gv]


def central_differences(U, v):
    step = mpmath.mpf(STEP)
    params = [U, v]
    out = []
    for l, w in enumerate(params):
        g = [[None] * len(w[0]) for _ in w]
        for i in range(len(w)):
            for j in range(len(w[0])):
                values = []
                for s in (step, -step):
                    shifted = [[row[:] for row in m] for m in params]
                    shifted[l][i][j] += s
                    values.append(_cost(*shifted))
                g[i][j] = (values[0] - values[1]) / (2 * step)
        out.append(g)
    return out


def main() -> None:
    weights = [np.array(U), np.array(V)]
    grads = handprop.gradients(weights, np.array(X), np.array(Y), ["sigmoid"] * 2, "log_likelihood")
    C = handprop.cost(weights, np.array(X), np.array(Y), ["sigmoid"] * 2, "log_likelihood")
    b = budget(make_problem(weights, np.array(X), np.array(Y), ["sigmoid"] * 2, "log_likelihood"))
    with mpmath.workdps(DIGITS):
        exact = [[[mpmath.mpf(x) for x in row] for row in m] for m in (U, V)]  # the float64s
        closed = eq15(*exact)
        fd = central_differences(*exact)
        C_mp = _cost(*exact)
    print("2-2-1 sigmoid net on XOR, C = log-likelihood (seed eq. 12) summed over P = 4")
    print(f"C: handprop {float(C)!r}, mpmath {mpmath.nstr(C_mp, 20)}")
    print()
    print("| weight | seed symbol | handprop (float64) | eq. 15 (mpmath, 50 digits) "
          "| central diff. (mpmath) | rel. diff | budget ratio |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for l, (name, g) in enumerate(zip(("U", "v"), grads, strict=True)):
        for i, j in np.ndindex(g.shape):
            symbol = f"w^{l}_{{{i} {j + 1}}}"
            value = float(g[i, j])
            rel = abs(value - closed[l][i][j]) / abs(closed[l][i][j])
            ratio = abs(value - closed[l][i][j]) / (K * b.u * float(b.scale[l][i, j]))
            print(f"| {name}[{i},{j}] | {symbol} | {value!r} | "
                  f"{mpmath.nstr(closed[l][i][j], 20)} | {mpmath.nstr(fd[l][i][j], 20)} | "
                  f"{float(rel):.1e} | {float(ratio):.4f} |")


if __name__ == "__main__":
    main()
