"""The float64 values of a problem's forward and backward pass (seed eq. 1, 9, 13).

Computed from the problem's own numbers (exactly representable in float64) with
crosscheck's formulas (:mod:`crosscheck.spec`), never the implementation under test's.
Layers are indexed 0..L; index 0 is the input X. Every array may carry leading batch
axes (``...``): :func:`values_of` on stacked arrays computes a batch of problems of one
family (:func:`crosscheck.problem.family`) in one pass, each member exactly as alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from crosscheck import spec
from crosscheck.budget.models import MODELS
from crosscheck.problem import Problem

__all__ = ["Values", "values", "values_of"]


class Values(NamedTuple):
    """Per layer l (lists of length L + 1; None where a quantity does not exist), every
    array with the same optional leading batch axes ``...``:

    ``w[l]`` (l < L): float64 weights ``(..., N_l + 1, N_{l+1})``; per example arrays are
    ``(..., P, N_l)``; ``z``, ``a``: pre-activations and activations
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
    """The :class:`Values` of one problem (no batch axis): :func:`values_of` its arrays."""
    return values_of(
        problem.weights, problem.X, problem.Y, problem.activations, problem.cost, problem.dtype
    )


def values_of(
    weights: Sequence[np.ndarray],
    X: np.ndarray,
    Y: np.ndarray,
    activations: Sequence[str],
    cost: str,
    dtype: np.dtype | type,
) -> Values:
    """Seed eq. 1 forwards, the output delta (eq. 13 and the costs), eq. 9 backwards.

    ``weights[l]`` ``(..., N_l + 1, N_{l+1})``, ``X`` ``(..., P, Q)``, ``Y``
    ``(..., P, N_L)``, with the same optional leading batch axes (np.stack of one
    family's problems); ``dtype`` is the problems' dtype (it picks the models' unit
    roundoff). Each batch member's values are those of the member alone."""
    weights = [np.asarray(w, dtype=np.float64) for w in weights]
    X = np.asarray(X, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64)
    L = len(weights)
    u = float(np.finfo(dtype).eps) / 2.0  # the models' unit roundoff
    z: list = [X]
    a: list = [X]
    fp: list = [None]
    f2: list = [None]
    vmag: list = [None]
    dmag: list = [None]
    for w, name in zip(weights, activations, strict=True):
        zl = a[-1] @ w[..., 1:, :] + w[..., :1, :]  # the bias row broadcast over examples
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
    spec_cost = spec.COSTS[cost]
    h = a[L]
    if spec_cost.outputs == ("softmax",):
        d = spec_cost.sign * (Y - h * np.sum(Y, axis=-1, keepdims=True))
    elif spec_cost.outputs == ("sigmoid",):
        d = spec_cost.sign * (Y - h)
    else:
        d = (h - Y) * fp[L]
    delta: list = [None] * (L + 1)
    b: list = [None] * (L + 1)
    delta[L] = d
    for l in range(L - 1, 0, -1):
        b[l] = d @ np.swapaxes(weights[l][..., 1:, :], -1, -2)
        d = fp[l] * b[l]
        delta[l] = d
    return Values(weights, Y, z, a, fp, f2, vmag, dmag, delta, b)
