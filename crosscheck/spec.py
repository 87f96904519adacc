"""crosscheck's own specification of a gradient problem: names, label rules, formulas.

The vocabulary every part of crosscheck shares (DEVELOPERS.md's canonical conventions),
kept here so that the checker never leans on the implementation it checks: nothing in
crosscheck's judging core imports handprop, and ``tests/test_spec.py`` checks that
handprop's registries agree with this module.

* activations, simplest first (shrinking moves towards the front); ``softmax`` is
  output-only (not elementwise; its Jacobian is folded into the softmax costs);
* costs, each a **sum** over examples and outputs (seed eq. 2): the output activations it
  allows, the rule its labels obey and its sign (+1: a log-likelihood, maximised, whose
  derivative at the output is y - h, seed eq. 12-13; -1: a loss);
* the float64 formulas the error budget needs (values, first and second derivatives),
  each stable for every finite z.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
from scipy.special import expit

__all__ = [
    "ACTIVATION_ORDER",
    "COSTS",
    "COST_ORDER",
    "ELEMENTWISE",
    "KINKED",
    "LABEL_RULES",
    "LEAKY_RELU_SLOPE",
    "OUTPUT_ONLY",
    "SIGMOID_COSTS",
    "SOFTMAX_COSTS",
    "Cost",
    "check_names",
    "derivative",
    "log_sigmoid",
    "log_softmax",
    "second_derivative",
    "sigmoid",
    "softmax",
    "value",
]

ELEMENTWISE: tuple[str, ...] = (
    "identity",
    "sigmoid",
    "tanh",
    "relu",
    "leaky_relu",
    "softplus",
    "elu",
    "silu",
    "gelu",
)
"""The elementwise activations, simplest first."""

OUTPUT_ONLY: tuple[str, ...] = ("softmax",)
"""Activations allowed only at the output layer (softmax, with the softmax costs)."""

ACTIVATION_ORDER: tuple[str, ...] = (*ELEMENTWISE, *OUTPUT_ONLY)
"""Every activation name, simplest first."""

KINKED: tuple[str, ...] = ("relu", "leaky_relu")
"""Activations whose derivative jumps at z = 0."""

LEAKY_RELU_SLOPE = 0.01
"""Slope of leaky_relu for z <= 0 (torch's and jax's default; also its slope at 0)."""

GELU_C = math.sqrt(2.0 / math.pi)
GELU_A = 0.044715
"""gelu is the tanh approximation: 0.5 z (1 + tanh(GELU_C (z + GELU_A z^3)))."""

LABEL_RULES: dict[str, str] = {
    "unit": "labels in [0, 1]",
    "nonnegative": "labels >= 0",
    "any": "any finite labels",
}
"""What each label rule of :class:`Cost` asks of Y."""


class Cost(NamedTuple):
    """A cost: its name, the output activations it allows, its label rule, its sign."""

    name: str
    outputs: tuple[str, ...]
    labels: str
    sign: int


COSTS: dict[str, Cost] = {
    c.name: c
    for c in (
        Cost("log_likelihood", ("sigmoid",), "unit", +1),
        Cost("binary_cross_entropy", ("sigmoid",), "unit", -1),
        Cost("squared_error", ELEMENTWISE, "any", -1),
        Cost("softmax_log_likelihood", ("softmax",), "nonnegative", +1),
        Cost("softmax_cross_entropy", ("softmax",), "nonnegative", -1),
    )
}
"""The costs, simplest first: the seed's ``log_likelihood`` (eq. 12) leads."""

COST_ORDER: tuple[str, ...] = tuple(COSTS)
SIGMOID_COSTS: tuple[str, ...] = tuple(c for c in COSTS if COSTS[c].outputs == ("sigmoid",))
SOFTMAX_COSTS: tuple[str, ...] = tuple(c for c in COSTS if COSTS[c].outputs == ("softmax",))


def check_names(activations: Sequence[str], cost: str) -> None:
    """``ValueError`` naming the argument for an unknown cost or activation, a hidden
    softmax, or an output activation that does not go with the cost."""
    if cost not in COSTS:
        raise ValueError(f"cost: unknown cost {cost!r}; expected one of {', '.join(COSTS)}")
    if isinstance(activations, str) or len(activations) == 0:
        raise ValueError(f"activations: expected one name per layer 1..L, got {activations!r}")
    for l, name in enumerate(activations[:-1], start=1):
        if name in OUTPUT_ONLY:
            raise ValueError(
                f"activations: {name!r} at hidden layer {l} is only allowed at the output "
                "layer (it is not elementwise)"
            )
        if name not in ELEMENTWISE:
            raise ValueError(
                f"activations: unknown activation {name!r} at layer {l}; expected one of "
                f"{', '.join(ELEMENTWISE)}"
            )
    out = activations[-1]
    allowed = COSTS[cost].outputs
    if out not in allowed:
        if out not in ACTIVATION_ORDER:
            raise ValueError(
                f"activations: unknown output activation {out!r}; expected one of "
                f"{', '.join(ACTIVATION_ORDER)}"
            )
        what = ", ".join(allowed) if len(allowed) < 4 else "any elementwise one"
        raise ValueError(
            f"activations: the output activation {out!r} is not allowed with cost {cost!r}; "
            f"expected {what}"
        )


# ----------------------------------------------------------------------------- formulas
# float64 in, float64 out; finite with no warnings for every finite z.


def sigmoid(z: np.ndarray) -> np.ndarray:
    """1 / (1 + e^-z), relatively accurate for every z (``scipy.special.expit``)."""
    return expit(z)


def log_sigmoid(z: np.ndarray) -> np.ndarray:
    """log sigmoid(z) = -log(1 + e^-z), finite for every finite z."""
    return -np.logaddexp(0.0, -z)


def softmax(z: np.ndarray) -> np.ndarray:
    """softmax over the last axis, shifted by the row maximum (no overflow)."""
    e = np.exp(z - np.max(z, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)


def log_softmax(z: np.ndarray) -> np.ndarray:
    """log softmax over the last axis, shifted by the row maximum (no overflow)."""
    shifted = z - np.max(z, axis=-1, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))


def _gelu_inner(z: np.ndarray) -> np.ndarray:
    return GELU_C * (z + GELU_A * z * z * z)


def value(name: str, z: np.ndarray) -> np.ndarray:
    """f(z) of the elementwise activation ``name`` (seed eq. 1)."""
    if name == "sigmoid":
        return sigmoid(z)
    if name == "tanh":
        return np.tanh(z)
    if name == "relu":
        return np.maximum(z, 0.0)
    if name == "leaky_relu":
        return np.where(z > 0, z, LEAKY_RELU_SLOPE * z)
    if name == "identity":
        return z
    if name == "softplus":
        return np.logaddexp(0.0, z)
    if name == "elu":
        return np.where(z > 0, z, np.expm1(np.minimum(z, 0.0)))
    if name == "silu":
        return z * sigmoid(z)
    if name == "gelu":
        return 0.5 * z * (1.0 + np.tanh(_gelu_inner(z)))
    raise ValueError(f"activations: unknown activation {name!r}; expected one of {ELEMENTWISE}")


def derivative(name: str, z: np.ndarray, a: np.ndarray) -> np.ndarray:
    """f'(z) given z and a = f(z) (the sigmoid's is a (1 - a), seed eq. 13).

    relu'(0) = 0; leaky_relu'(0) = :data:`LEAKY_RELU_SLOPE`; elu'(0) = 1 (the left
    branch e^z), as torch and jax define them.
    """
    if name == "sigmoid":
        return a * (1.0 - a)
    if name == "tanh":
        return 1.0 - a * a
    if name == "relu":
        return (z > 0).astype(z.dtype)
    if name == "leaky_relu":
        return np.where(z > 0, 1.0, LEAKY_RELU_SLOPE).astype(z.dtype, copy=False)
    if name == "identity":
        return np.ones_like(z)
    if name == "softplus":
        return sigmoid(z)
    if name == "elu":
        return np.where(z > 0, 1.0, np.exp(np.minimum(z, 0.0))).astype(z.dtype, copy=False)
    if name == "silu":
        s = sigmoid(z)
        return s * (1.0 + z * (1.0 - s))
    if name == "gelu":
        t = np.tanh(_gelu_inner(z))
        return 0.5 * (1.0 + t) + 0.5 * z * (1.0 - t * t) * GELU_C * (1.0 + 3.0 * GELU_A * z * z)
    raise ValueError(f"activations: unknown activation {name!r}; expected one of {ELEMENTWISE}")


def second_derivative(name: str, z: np.ndarray, a: np.ndarray) -> np.ndarray:
    """f''(z) given z and a = f(z) (0 for the piecewise-linear activations)."""
    if name == "sigmoid":
        s1, s0 = sigmoid(z), sigmoid(-z)  # a and 1 - a, each accurate
        return s1 * s0 * (s0 - s1)
    if name == "tanh":
        return -2.0 * a * (1.0 - a * a)
    if name in ("relu", "leaky_relu", "identity"):
        return np.zeros_like(z)
    if name == "softplus":
        return sigmoid(z) * sigmoid(-z)
    if name == "elu":
        return np.where(z > 0, 0.0, np.exp(np.minimum(z, 0.0)))
    if name == "silu":
        s1, s0 = sigmoid(z), sigmoid(-z)
        return s1 * s0 * (2.0 + z * (s0 - s1))
    if name == "gelu":
        t = np.tanh(GELU_C * (z + GELU_A * z**3))
        du = GELU_C * (1.0 + 3.0 * GELU_A * z * z)
        ddu = 6.0 * GELU_C * GELU_A * z
        return (1.0 - t * t) * (du + 0.5 * z * (ddu - 2.0 * t * du * du))
    raise ValueError(f"activations: unknown activation {name!r}; expected one of {ELEMENTWISE}")
