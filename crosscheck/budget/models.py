"""The error model of every elementwise formula: its value and derivative on magnitudes.

``mag_f`` is the formula evaluated *on magnitudes*, every subtraction turned into an
addition, so that cancellation inside a formula (``a (1 - a)`` at a saturated sigmoid) is
charged at its true cost (docs/error-budget.md, "Elementwise formulas"). A formula's
rounding is at most ``C_F`` units of ``mag_f`` (its operations plus a library function's
ulps; the constants, per dtype, are in :mod:`crosscheck.budget.ulps`), plus the underflow
floor times the formula's ``floor`` (1 but where a flushed intermediate is multiplied by
z). Every formula takes ``(z, a, u)``: z, a = f(z) and the dtype's unit roundoff.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from crosscheck import spec

__all__ = ["MODELS", "Model", "log_rounding"]

_GC = math.sqrt(2.0 / math.pi)
_GA = 0.044715

Formula = Callable[[np.ndarray, np.ndarray, float], np.ndarray]
Floor = Callable[[np.ndarray], np.ndarray]


def log_rounding(z: np.ndarray, u: float, dz: np.ndarray | float = 0.0) -> np.ndarray:
    """min(|z|, e^-|z| / u): the rounding, in units of u, of t = z - softplus(z) = log
    sigmoid(z), through which jax computes sigmoid(z) = exp(t) (the gradient of softplus
    and log_sigmoid). Rounding t costs up to u |t| ~ u |z|; but t lies within
    softplus(-|z|) <= e^-|z| of a float (z itself, or 0 by Sterbenz for z > 0), so its
    rounding is also at most e^-|z|. The cap is the largest value, where |z| e^|z| = 1/u:
    33.2 in float64, 14.0 in float32 (docs/error-budget.md, "What a layer makes"). With
    ``dz``, the largest value over every z within dz of the given one."""
    a = np.abs(z)
    with np.errstate(over="ignore"):
        return np.minimum(a + dz, np.exp(dz - a) / u)


class Model(NamedTuple):
    """f's and f''s formulas on magnitudes given (z, a, u), and the multiple of the
    underflow floor each may cost given z."""

    value_mag: Formula
    deriv_mag: Formula
    value_floor: Floor = np.ones_like
    deriv_floor: Floor = np.ones_like


def _gelu_parts(z: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    inner = _GC * (z + _GA * z**3)
    t = np.tanh(inner)
    du = _GC * (1.0 + 3.0 * _GA * z * z)
    inner_mag = _GC * (np.abs(z) + 3.0 * _GA * np.abs(z) ** 3)
    return t, du, inner_mag


def _gelu_value_mag(z: np.ndarray, a: np.ndarray, u: float) -> np.ndarray:
    t, _, inner_mag = _gelu_parts(z)
    return 0.5 * np.abs(z) * (1.0 + np.abs(t)) + 0.5 * np.abs(z) * (1.0 - t * t) * inner_mag


def _gelu_deriv_mag(z: np.ndarray, a: np.ndarray, u: float) -> np.ndarray:
    t, du, inner_mag = _gelu_parts(z)
    sens_t = 0.5 + np.abs(z) * np.abs(t) * du  # |d f'/dt|
    return (
        0.5 * (1.0 + np.abs(t))
        + 0.5 * np.abs(z) * (1.0 + t * t) * du
        + sens_t * ((1.0 - t * t) * inner_mag + np.abs(t))
    )


def _zero(z: np.ndarray, a: np.ndarray, u: float) -> np.ndarray:
    return np.zeros_like(z)


def _abs_a(z: np.ndarray, a: np.ndarray, u: float) -> np.ndarray:
    return np.abs(a)


def _one_plus_z(z: np.ndarray) -> np.ndarray:
    return 1.0 + np.abs(z)


MODELS: dict[str, Model] = {
    "sigmoid": Model(_abs_a, lambda z, a, u: np.abs(a) * (1.0 + np.abs(a))),
    "tanh": Model(_abs_a, lambda z, a, u: 1.0 + a * a),
    "relu": Model(_zero, _zero),
    # f' = the slope for z <= 0: 0.01 is not a float (0.375 u off in float32); 1 is exact
    "leaky_relu": Model(_abs_a, lambda z, a, u: np.where(z > 0, 0.0, spec.LEAKY_RELU_SLOPE)),
    "identity": Model(_zero, _zero),
    # f' = sigmoid(z), also computed (jax) as exp(z - softplus(z)): log_rounding
    "softplus": Model(_abs_a, lambda z, a, u: spec.sigmoid(z) * (1.0 + log_rounding(z, u))),
    "elu": Model(
        lambda z, a, u: np.where(z > 0, 0.0, 1.0 + np.exp(np.minimum(z, 0.0))),
        # e^z for z <= 0, computed either as exp(z) or, as jax's expm1 rule does, as a + 1
        lambda z, a, u: np.where(z > 0, 0.0, np.exp(np.minimum(z, 0.0)) + np.abs(a) + 1.0),
    ),
    # z sigmoid(z): a sigmoid flushed to 0 (or a subnormal) is multiplied by z
    "silu": Model(
        _abs_a,
        lambda z, a, u: spec.sigmoid(z) * (1.0 + np.abs(z) * (1.0 + spec.sigmoid(z))),
        _one_plus_z,
        _one_plus_z,
    ),
    "gelu": Model(_gelu_value_mag, _gelu_deriv_mag),
}
"""Error model of every elementwise activation (:data:`crosscheck.spec.ELEMENTWISE`)."""
