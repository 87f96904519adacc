"""The names every oracle understands, and their shared check.

These are the project's public vocabulary (DEVELOPERS.md), not an implementation: the
oracles share them so that each validates its arguments the same way, while computing
everything else on its own (none imports handprop).
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "ACTIVATION_NAMES",
    "COST_NAMES",
    "SIGMOID_COSTS",
    "SOFTMAX_COSTS",
    "check_names",
]

ACTIVATION_NAMES: tuple[str, ...] = (
    "sigmoid",
    "tanh",
    "relu",
    "leaky_relu",
    "identity",
    "softplus",
    "elu",
    "silu",
    "gelu",
)
"""Elementwise activations ("softmax" is folded into the softmax costs)."""

COST_NAMES: tuple[str, ...] = (
    "log_likelihood",
    "binary_cross_entropy",
    "squared_error",
    "softmax_log_likelihood",
    "softmax_cross_entropy",
)

SIGMOID_COSTS = ("log_likelihood", "binary_cross_entropy")
SOFTMAX_COSTS = ("softmax_log_likelihood", "softmax_cross_entropy")


def check_names(activations: Sequence[str], cost_name: str) -> None:
    """``ValueError`` naming the argument for an unknown cost or activation, or an output
    activation that does not go with the cost (sigmoid costs: sigmoid; softmax costs:
    softmax; squared_error: any elementwise one)."""
    if cost_name not in COST_NAMES:
        raise ValueError(f"cost: unknown cost {cost_name!r}; expected one of {COST_NAMES}")
    if isinstance(activations, str) or len(activations) == 0:
        raise ValueError(f"activations: expected one name per layer 1..L, got {activations!r}")
    for name in activations[:-1]:
        if name not in ACTIVATION_NAMES:
            raise ValueError(
                f"activations: hidden activation {name!r} is not one of {ACTIVATION_NAMES}"
            )
    out = activations[-1]
    expected = (
        ("sigmoid",)
        if cost_name in SIGMOID_COSTS
        else ("softmax",)
        if cost_name in SOFTMAX_COSTS
        else ACTIVATION_NAMES
    )
    if out not in expected:
        raise ValueError(
            f"activations: output activation {out!r} does not go with cost {cost_name!r}; "
            f"expected one of {expected}"
        )
