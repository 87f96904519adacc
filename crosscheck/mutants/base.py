"""The mutants' correct base: :func:`textbook`, a vectorised backprop (seed eq. 1, 7-10,
13) written apart from handprop's and built from replaceable :class:`Parts`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np

from handprop import activations as _activations
from handprop import costs as _costs

__all__ = [
    "CORRECT",
    "GradientFn",
    "Parts",
    "back",
    "delta_except",
    "derivative",
    "derivative_except",
    "forward",
    "layer_gradient",
    "output_delta",
    "textbook",
    "value",
    "with_parts",
]

GradientFn = Callable[..., list[np.ndarray]]


class Parts(NamedTuple):
    """The replaceable pieces of :func:`textbook` (each correct by default).

    * ``derivative(name, z, a)``: f'(z) of an elementwise activation (seed eq. 8);
    * ``output_delta(z, h, Y, output, cost)``: dC/dz^L (seed eq. 13, handprop.costs);
    * ``layer_gradient(a, delta)``: dC/dw^l, bias row 0 = sum_p delta (eq. 9, 2nd line),
      rows 1.. = a^T delta (eq. 9, 3rd line);
    * ``back(delta, w, fprime)``: delta^l = f'(z^l) * (delta^{l+1} w^l[1:]^T) (eq. 9, 1st);
    * ``value(name, z)``: the activation's value in the forward pass (eq. 1).
    """

    derivative: Callable[[str, np.ndarray, np.ndarray], np.ndarray]
    output_delta: Callable[..., np.ndarray]
    layer_gradient: Callable[[np.ndarray, np.ndarray], np.ndarray]
    back: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]
    value: Callable[[str, np.ndarray], np.ndarray]


def derivative(name: str, z: np.ndarray, a: np.ndarray) -> np.ndarray:
    """f'(z) of the elementwise activation ``name`` (handprop's formula)."""
    return _activations.ACTIVATIONS[name].derivative(z, a)


def value(name: str, z: np.ndarray) -> np.ndarray:
    """f(z) of the activation ``name`` (handprop's formula; softmax over the row)."""
    if name == "softmax":
        return _costs.softmax(z)
    return _activations.ACTIVATIONS[name].value(z)


def output_delta(
    z: np.ndarray, h: np.ndarray, Y: np.ndarray, output: str, cost: str, parts: Parts
) -> np.ndarray:
    """dC/dz^L of ``cost`` at the output (handprop's cost formula, ``parts.derivative``)."""
    fprime = None
    if output != "softmax":

        def fprime(zz: np.ndarray, hh: np.ndarray) -> np.ndarray:
            return parts.derivative(output, zz, hh)

    return _costs.COSTS[cost].delta(z, h, Y, fprime)


def layer_gradient(a: np.ndarray, delta: np.ndarray) -> np.ndarray:
    """dC/dw^l: the bias row sum_p delta, the weight rows a^T delta (seed eq. 9)."""
    g = np.empty((a.shape[1] + 1, delta.shape[1]), dtype=delta.dtype)
    g[0] = delta.sum(axis=0)
    g[1:] = a.T @ delta
    return g


def back(delta: np.ndarray, w: np.ndarray, fprime: np.ndarray) -> np.ndarray:
    """delta^l = (delta^{l+1} w^l[1:]^T) f'(z^l) (seed eq. 9, first line)."""
    return (delta @ w[1:].T) * fprime


CORRECT = Parts(derivative, output_delta, layer_gradient, back, value)
"""The correct pieces."""


def forward(
    weights: Sequence[np.ndarray], X: np.ndarray, activations: Sequence[str], parts: Parts
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Every layer's z and a (seed eq. 1), the activations from ``parts.value``."""
    zs, as_ = [X], [X]
    for w, name in zip(weights, activations, strict=True):
        z = as_[-1] @ w[1:] + w[0]  # eq. 1
        zs.append(z)
        as_.append(parts.value(name, z))
    return zs, as_


def textbook(
    weights: Sequence[np.ndarray],
    X: np.ndarray,
    Y: np.ndarray,
    activations: Sequence[str],
    cost: str,
    parts: Parts = CORRECT,
) -> list[np.ndarray]:
    """Vectorised backprop (seed eq. 1, 9, 13) built from ``parts``; correct by default.

    Shapes: ``weights[l]`` ``(N_l + 1, N_{l+1})``, X ``(P, Q)``, Y ``(P, N_L)``; returns a
    list shaped like ``weights``, in X's dtype.
    """
    with np.errstate(under="ignore"):
        zs, as_ = forward(weights, X, activations, parts)
        delta = parts.output_delta(zs[-1], as_[-1], Y, activations[-1], cost, parts)
        grads: list[np.ndarray] = [None] * len(weights)  # type: ignore[list-item]
        for l in range(len(weights) - 1, -1, -1):
            grads[l] = parts.layer_gradient(as_[l], delta)
            if l > 0:
                fprime = parts.derivative(activations[l - 1], zs[l], as_[l])
                delta = parts.back(delta, weights[l], fprime)
        return grads


def with_parts(**changes: Any) -> Parts:
    """The correct parts with some replaced."""
    return CORRECT._replace(**changes)


def derivative_except(name: str, wrong: Callable[[np.ndarray, np.ndarray], np.ndarray]):
    """The correct derivatives, except ``wrong(z, a)`` for the activation ``name``."""

    def wrong_for_name(n: str, z: np.ndarray, a: np.ndarray) -> np.ndarray:
        return wrong(z, a) if n == name else derivative(n, z, a)

    return wrong_for_name


def delta_except(cost_name: str, wrong: Callable[..., np.ndarray]):
    """The correct output delta, except ``wrong(z, h, Y, output, parts)`` for one cost."""

    def wrong_for_cost(z, h, Y, output, cost, parts):
        if cost == cost_name:
            return wrong(z, h, Y, output, parts)
        return output_delta(z, h, Y, output, cost, parts)

    return wrong_for_cost
