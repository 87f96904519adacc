"""The float64 values of a problem's forward and backward pass (seed eq. 1, 9, 13).

Computed from the problem's own numbers (exactly representable in float64) with
crosscheck's formulas (:mod:`crosscheck.spec`), never the implementation under test's.
Layers are indexed 0..L; index 0 is the input X.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from crosscheck import spec
from crosscheck.budget.models import MODELS
from crosscheck.problem import Problem

__all__ = ["Values", "values"]


class Values(NamedTuple):
    """Per layer l (lists of length L + 1; None where a quantity does not exist):

    ``w[l]`` (l < L): float64 weights; ``z``, ``a``: pre-activations and activations
    (``z[0] = a[0] = X``); ``fp``, ``f2``: f' and f'' of elementwise layers;
    ``vmag``, ``dmag``: the formulas of f and f' on magnitudes; ``delta``: dC/dz (l >= 1);
    ``b``: delta^{l+1} (w^l)^T, the sum before f' (1 <= l < L); ``y``: the labels.
    """

    w: list[np.ndarray]
    y: np.ndarray
    z: list[np.ndarray]
    a: list[np.ndarray]
    fp: list[np.ndarray | None]
    f2: list[np.ndarray | None]
    vmag: list[np.ndarray | None]
    dmag: list[np.ndarray | None]
    delta: list[np.ndarray | None]
    b: list[np.ndarray | None]


def values(problem: Problem) -> Values:
    """Seed eq. 1 forwards, the output delta (eq. 13 and the costs), eq. 9 backwards."""
    weights = [np.asarray(w, dtype=np.float64) for w in problem.weights]
    X = np.asarray(problem.X, dtype=np.float64)
    Y = np.asarray(problem.Y, dtype=np.float64)
    L = len(weights)
    u = float(np.finfo(problem.dtype).eps) / 2.0  # the models' unit roundoff
    z: list = [X]
    a: list = [X]
    fp: list = [None]
    f2: list = [None]
    vmag: list = [None]
    dmag: list = [None]
    for w, name in zip(weights, problem.activations, strict=True):
        zl = a[-1] @ w[1:] + w[0]
        z.append(zl)
        if name in spec.OUTPUT_ONLY:  # softmax: its Jacobian is the softmax costs' business
            a.append(spec.softmax(zl))
            fp.append(None)
            f2.append(None)
            vmag.append(None)
            dmag.append(None)
            continue
        al = spec.value(name, zl)
        a.append(al)
        fp.append(spec.derivative(name, zl, al))
        f2.append(spec.second_derivative(name, zl, al))
        vmag.append(MODELS[name].value_mag(zl, al, u))
        dmag.append(MODELS[name].deriv_mag(zl, al, u))
    cost = spec.COSTS[problem.cost]
    h = a[L]
    if cost.outputs == ("softmax",):
        d = cost.sign * (Y - h * np.sum(Y, axis=1, keepdims=True))
    elif cost.outputs == ("sigmoid",):
        d = cost.sign * (Y - h)
    else:
        d = (h - Y) * fp[L]
    delta: list = [None] * (L + 1)
    b: list = [None] * (L + 1)
    delta[L] = d
    for l in range(L - 1, 0, -1):
        b[l] = d @ weights[l][1:].T
        d = fp[l] * b[l]
        delta[l] = d
    return Values(weights, Y, z, a, fp, f2, vmag, dmag, delta, b)
