"""The error model of every elementwise formula: its value and derivative on magnitudes.

``mag_f`` is the formula evaluated *on magnitudes*, every subtraction turned into an
addition, so that cancellation inside a formula (``a (1 - a)`` at a saturated sigmoid) is
charged at its true cost (docs/error-budget.md, "Elementwise formulas"). A formula's
rounding is at most ``C_F`` units of ``mag_f`` (its operations plus a library function's
ulps; the constants are in :mod:`crosscheck.budget.ulps`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from crosscheck import spec

__all__ = ["MODELS", "Model"]

_GC = math.sqrt(2.0 / math.pi)
_GA = 0.044715

Formula = Callable[[np.ndarray, np.ndarray], np.ndarray]


class Model(NamedTuple):
    """f's formula and f''s formula on magnitudes, given z and a = f(z)."""

    value_mag: Formula
    deriv_mag: Formula


def _gelu_parts(z: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    inner = _GC * (z + _GA * z**3)
    t = np.tanh(inner)
    du = _GC * (1.0 + 3.0 * _GA * z * z)
    inner_mag = _GC * (np.abs(z) + 3.0 * _GA * np.abs(z) ** 3)
    return t, du, inner_mag


def _gelu_value_mag(z: np.ndarray, a: np.ndarray) -> np.ndarray:
    t, _, inner_mag = _gelu_parts(z)
    return 0.5 * np.abs(z) * (1.0 + np.abs(t)) + 0.5 * np.abs(z) * (1.0 - t * t) * inner_mag


def _gelu_deriv_mag(z: np.ndarray, a: np.ndarray) -> np.ndarray:
    t, du, inner_mag = _gelu_parts(z)
    sens_t = 0.5 + np.abs(z) * np.abs(t) * du  # |d f'/dt|
    return (
        0.5 * (1.0 + np.abs(t))
        + 0.5 * np.abs(z) * (1.0 + t * t) * du
        + sens_t * ((1.0 - t * t) * inner_mag + np.abs(t))
    )


def _zero(z: np.ndarray, a: np.ndarray) -> np.ndarray:
    return np.zeros_like(z)


def _abs_a(z: np.ndarray, a: np.ndarray) -> np.ndarray:
    return np.abs(a)


MODELS: dict[str, Model] = {
    "sigmoid": Model(_abs_a, lambda z, a: np.abs(a) * (1.0 + np.abs(a))),
    "tanh": Model(_abs_a, lambda z, a: 1.0 + a * a),
    "relu": Model(_zero, _zero),
    "leaky_relu": Model(_abs_a, _zero),
    "identity": Model(_zero, _zero),
    "softplus": Model(_abs_a, lambda z, a: spec.sigmoid(z)),
    "elu": Model(
        lambda z, a: np.where(z > 0, 0.0, 1.0 + np.exp(np.minimum(z, 0.0))),
        # e^z for z <= 0, computed either as exp(z) or, as jax's expm1 rule does, as a + 1
        lambda z, a: np.where(z > 0, 0.0, np.exp(np.minimum(z, 0.0)) + np.abs(a) + 1.0),
    ),
    "silu": Model(
        _abs_a, lambda z, a: spec.sigmoid(z) * (1.0 + np.abs(z) * (1.0 + spec.sigmoid(z)))
    ),
    "gelu": Model(_gelu_value_mag, _gelu_deriv_mag),
}
"""Error model of every elementwise activation (:data:`crosscheck.spec.ELEMENTWISE`)."""
