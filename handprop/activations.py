"""Activation functions f and their derivatives f' (seed eq. 1, 8, 13).

Each activation is a pair: ``value(z) -> a`` and ``derivative(z, a) -> f'(z)``.
The derivative receives both the pre-activation ``z`` and the stored activation
``a = f(z)`` from the forward pass, so it can be written the way the seed writes it:
the sigmoid's is ``a (1 - a)`` (eq. 13), with no second evaluation of the exponential.

All functions are elementwise, keep the input dtype (float32 stays float32), and are
finite with no floating-point warnings for every finite ``z`` (|z| up to 1e4 and beyond).
Only Python float constants appear in the arithmetic, so NumPy's promotion rules never
up-cast a float32 array.

``softmax`` is listed as an output-only activation: it is not elementwise, and its
derivative is folded into the softmax costs (see :mod:`handprop.costs`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

__all__ = [
    "ACTIVATIONS",
    "ELEMENTWISE",
    "LEAKY_RELU_SLOPE",
    "OUTPUT_ONLY",
    "Activation",
    "get",
    "log_sigmoid",
    "sigmoid",
]

LEAKY_RELU_SLOPE = 0.01
"""Slope of leaky_relu for z < 0 (torch's and jax's default)."""

_GELU_C = math.sqrt(2.0 / math.pi)
_GELU_A = 0.044715


class Activation(NamedTuple):
    """An activation: its name, value f(z) and derivative f'(z) given (z, a)."""

    name: str
    value: Callable[[np.ndarray], np.ndarray]
    derivative: Callable[[np.ndarray, np.ndarray], np.ndarray]


def sigmoid(z: np.ndarray) -> np.ndarray:
    """sigma(z) = 1 / (1 + exp(-z)), evaluated without overflow for any finite z.

    For z >= 0 uses 1 / (1 + e^{-z}); for z < 0 uses e^{z} / (1 + e^{z}); both only
    exponentiate -|z|, so nothing overflows and small outputs keep full relative accuracy.
    """
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0, e) / (1.0 + e)


def log_sigmoid(z: np.ndarray) -> np.ndarray:
    """log sigma(z) = -log(1 + e^{-z}), finite for every finite z (no log(0))."""
    return -np.logaddexp(0.0, -z)


def _sigmoid_derivative(z: np.ndarray, a: np.ndarray) -> np.ndarray:
    # Seed eq. 13: f'(z) = a (1 - a).
    return a * (1.0 - a)


def _tanh_derivative(z: np.ndarray, a: np.ndarray) -> np.ndarray:
    return 1.0 - a * a


def _relu(z: np.ndarray) -> np.ndarray:
    return np.maximum(z, 0.0)


def _relu_derivative(z: np.ndarray, a: np.ndarray) -> np.ndarray:
    # relu'(0) = 0, as torch and jax define it.
    return (z > 0).astype(z.dtype)


def _leaky_relu(z: np.ndarray) -> np.ndarray:
    return np.where(z > 0, z, LEAKY_RELU_SLOPE * z)


def _leaky_relu_derivative(z: np.ndarray, a: np.ndarray) -> np.ndarray:
    # At z = 0 the slope is LEAKY_RELU_SLOPE, as in torch and jax.
    return np.where(z > 0, 1.0, LEAKY_RELU_SLOPE).astype(z.dtype, copy=False)


def _identity(z: np.ndarray) -> np.ndarray:
    return z


def _identity_derivative(z: np.ndarray, a: np.ndarray) -> np.ndarray:
    return np.ones_like(z)


def _softplus(z: np.ndarray) -> np.ndarray:
    # log(1 + e^z) without overflow.
    return np.logaddexp(0.0, z)


def _softplus_derivative(z: np.ndarray, a: np.ndarray) -> np.ndarray:
    return sigmoid(z)


def _elu(z: np.ndarray) -> np.ndarray:
    # alpha = 1; expm1 of a non-positive argument never overflows.
    return np.where(z > 0, z, np.expm1(np.minimum(z, 0.0)))


def _elu_derivative(z: np.ndarray, a: np.ndarray) -> np.ndarray:
    # For z <= 0, f'(z) = e^z = a + 1 (torch and jax take the left branch at 0).
    return np.where(z > 0, 1.0, np.exp(np.minimum(z, 0.0))).astype(z.dtype, copy=False)


def _silu(z: np.ndarray) -> np.ndarray:
    return z * sigmoid(z)


def _silu_derivative(z: np.ndarray, a: np.ndarray) -> np.ndarray:
    s = sigmoid(z)
    return s * (1.0 + z * (1.0 - s))


def _gelu_inner(z: np.ndarray) -> np.ndarray:
    return _GELU_C * (z + _GELU_A * z * z * z)


def _gelu(z: np.ndarray) -> np.ndarray:
    # Tanh approximation, as torch's approximate='tanh' and jax.nn.gelu(approximate=True).
    # z**3 stays finite for |z| <= 1e4 even in float32.
    return 0.5 * z * (1.0 + np.tanh(_gelu_inner(z)))


def _gelu_derivative(z: np.ndarray, a: np.ndarray) -> np.ndarray:
    t = np.tanh(_gelu_inner(z))
    return 0.5 * (1.0 + t) + 0.5 * z * (1.0 - t * t) * _GELU_C * (1.0 + 3.0 * _GELU_A * z * z)


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation("sigmoid", sigmoid, _sigmoid_derivative),
        Activation("tanh", np.tanh, _tanh_derivative),
        Activation("relu", _relu, _relu_derivative),
        Activation("leaky_relu", _leaky_relu, _leaky_relu_derivative),
        Activation("identity", _identity, _identity_derivative),
        Activation("softplus", _softplus, _softplus_derivative),
        Activation("elu", _elu, _elu_derivative),
        Activation("silu", _silu, _silu_derivative),
        Activation("gelu", _gelu, _gelu_derivative),
    )
}
"""Elementwise activations by name."""

ELEMENTWISE: tuple[str, ...] = tuple(ACTIVATIONS)
OUTPUT_ONLY: tuple[str, ...] = ("softmax",)


def get(name: str) -> Activation:
    """The elementwise activation called ``name``; ``ValueError`` for any other name."""
    try:
        return ACTIVATIONS[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"activations: unknown activation {name!r}; expected one of "
            f"{', '.join(ELEMENTWISE)} (or 'softmax' for the output layer of a softmax cost)"
        ) from None
