"""Costs c(y, h), their sum C (seed eq. 2) and the output delta dC/dz^L (seed eq. 13).

Every cost is a *sum* over the P examples and the N_L output units (seed eq. 2), never a
mean. Values and deltas are computed from the output layer's pre-activation ``z`` (shape
``(P, N_L)``), not from ``h``, so that saturated outputs stay finite and accurate:

* ``log_likelihood`` (seed eq. 12), output ``sigmoid``, labels in [0, 1]::

      c = y log h + (1 - y) log(1 - h) = y log sigma(z) + (1 - y) log sigma(-z)
      dc/dz = y - h                                   (seed eq. 13, the d of the seed)

  It is a log-likelihood: larger is better, and the seed's training is gradient *ascent*.
* ``binary_cross_entropy`` = -log_likelihood (what torch's ``BCEWithLogitsLoss`` with
  reduction='sum' computes); dc/dz = h - y.
* ``squared_error``: c = 1/2 (h - y)^2, any elementwise output activation f, any finite
  labels; dc/dz = (h - y) f'(z).
* ``softmax_log_likelihood``, output ``softmax``, labels >= 0 (one-hot or soft rows)::

      c^p = sum_k y_k log softmax(z)_k,    dc^p/dz_j = y_j - softmax(z)_j sum_k y_k

* ``softmax_cross_entropy`` = -softmax_log_likelihood (torch's ``cross_entropy`` with
  probability targets and reduction='sum').

``y - h`` for the sigmoid is evaluated as ``y sigma(-z) - (1 - y) sigma(z)``: the same
number in exact arithmetic, but each term is accurate in relative terms when h is
near 0 or near 1, where ``1 - h`` would lose every digit.
:func:`sigmoid_output_delta` does it from h and 1 - h when both are at hand
(:func:`handprop.activations.sigmoid_pair` gives both from the same e^{-|z|}; backprop
uses it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from handprop.activations import ELEMENTWISE, log_sigmoid, one_like, sigmoid

__all__ = [
    "COSTS",
    "Cost",
    "get",
    "log_softmax",
    "sigmoid_output_delta",
    "softmax",
]


def log_softmax(z: np.ndarray) -> np.ndarray:
    """log softmax over the last axis, shifted by the row maximum (no overflow)."""
    shifted = z - np.max(z, axis=-1, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))


def softmax(z: np.ndarray) -> np.ndarray:
    """softmax over the last axis, shifted by the row maximum (no overflow)."""
    e = np.exp(z - np.max(z, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)


class Cost(NamedTuple):
    """A cost: name, allowed output activations, label rule, value and output delta.

    ``value(z, h, y)`` is C summed over examples and outputs (a 0-d array of the
    input dtype); ``delta(z, h, y, fprime)`` is dC/dz^L with shape ``(P, N_L)``, where
    ``fprime`` computes the output activation's derivative when the cost needs it.
    ``labels`` names the rule that Y must satisfy: ``"unit"`` (0 <= y <= 1),
    ``"nonnegative"`` (y >= 0) or ``"any"`` (any finite y).
    ``sign`` is +1 for a quantity to maximise (the seed's log-likelihoods) and -1 for a
    loss to minimise.
    """

    name: str
    outputs: tuple[str, ...]
    labels: str
    sign: int
    value: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]
    delta: Callable[..., np.ndarray]


def _total(x: np.ndarray) -> np.ndarray:
    # Sum over examples and outputs (seed eq. 2), kept in the input dtype.
    return np.sum(x, dtype=x.dtype)


def _ll_value(z: np.ndarray, h: np.ndarray, y: np.ndarray) -> np.ndarray:
    # Seed eq. 12 through log-sigmoid: log h = log sigma(z), log(1 - h) = log sigma(-z).
    return _total(y * log_sigmoid(z) + (1.0 - y) * log_sigmoid(-z))


def sigmoid_output_delta(h: np.ndarray, hc: np.ndarray, y: np.ndarray, sign: int) -> np.ndarray:
    """dC/dz^L for the sigmoid costs: ``sign (y - h)`` (seed eq. 13), from h = sigma(z) and
    hc = 1 - h = sigma(-z) given separately (each accurate), as ``y hc - (1 - y) h``.

    ``sign`` is the cost's :attr:`Cost.sign`: +1 for log_likelihood, -1 for
    binary_cross_entropy. Shapes ``(P, N_L)``; a new array in the input dtype.
    """
    delta = y * hc
    other = np.subtract(one_like(y), y)  # 1 - y (a 0-d 1 of y's dtype: the same bits)
    other *= h
    delta -= other  # y (1 - h) - (1 - y) h
    if sign < 0:
        np.negative(delta, out=delta)
    return delta


def _ll_delta(z: np.ndarray, h: np.ndarray, y: np.ndarray, fprime=None) -> np.ndarray:
    # Seed eq. 13: dc/dz^L = y - h, written as y (1 - h) - (1 - y) h with 1 - h = sigma(-z).
    return sigmoid_output_delta(h, sigmoid(-z), y, +1)


def _bce_value(z: np.ndarray, h: np.ndarray, y: np.ndarray) -> np.ndarray:
    return -_ll_value(z, h, y)


def _bce_delta(z: np.ndarray, h: np.ndarray, y: np.ndarray, fprime=None) -> np.ndarray:
    return sigmoid_output_delta(h, sigmoid(-z), y, -1)  # (1 - y) h - y (1 - h)


def _se_value(z: np.ndarray, h: np.ndarray, y: np.ndarray) -> np.ndarray:
    r = h - y
    return 0.5 * _total(r * r)


def _se_delta(z: np.ndarray, h: np.ndarray, y: np.ndarray, fprime) -> np.ndarray:
    # dc/dh = h - y, times f'(z^L) (seed eq. 4 and 8 at the output layer).
    return (h - y) * fprime(z, h)


def _sll_value(z: np.ndarray, h: np.ndarray, y: np.ndarray) -> np.ndarray:
    return _total(y * log_softmax(z))


def _sll_delta(z: np.ndarray, h: np.ndarray, y: np.ndarray, fprime=None) -> np.ndarray:
    return y - h * np.sum(y, axis=1, keepdims=True)


def _sce_value(z: np.ndarray, h: np.ndarray, y: np.ndarray) -> np.ndarray:
    return -_sll_value(z, h, y)


def _sce_delta(z: np.ndarray, h: np.ndarray, y: np.ndarray, fprime=None) -> np.ndarray:
    return h * np.sum(y, axis=1, keepdims=True) - y


COSTS: dict[str, Cost] = {
    c.name: c
    for c in (
        Cost("log_likelihood", ("sigmoid",), "unit", +1, _ll_value, _ll_delta),
        Cost("binary_cross_entropy", ("sigmoid",), "unit", -1, _bce_value, _bce_delta),
        Cost("squared_error", ELEMENTWISE, "any", -1, _se_value, _se_delta),
        Cost("softmax_log_likelihood", ("softmax",), "nonnegative", +1, _sll_value, _sll_delta),
        Cost("softmax_cross_entropy", ("softmax",), "nonnegative", -1, _sce_value, _sce_delta),
    )
}
"""Costs by name."""


def get(name: str) -> Cost:
    """The cost called ``name``; ``ValueError`` for any other name."""
    try:
        return COSTS[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"cost: unknown cost {name!r}; expected one of {', '.join(COSTS)}"
        ) from None
