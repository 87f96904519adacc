"""The nets trained (:data:`NETS`), their XOR problems, and weights as one flat vector."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

import handprop
from crosscheck.problem import Problem, make_problem
from handprop.train import XOR_ACTIVATIONS, XOR_LEARNING_RATE, XOR_SEED, XOR_SIZES, xor_data

__all__ = ["NETS", "Net", "flatten", "net_problem", "unflatten"]


class Net(NamedTuple):
    """One training setup: architecture, init seed, cost, learning rate, momentum."""

    name: str
    sizes: tuple[int, ...]
    activations: tuple[str, ...]
    cost: str
    seed: int
    learning_rate: float
    momentum: float = 0.0


NETS: tuple[Net, ...] = (
    Net("xor-2-2-1", XOR_SIZES, XOR_ACTIVATIONS, "log_likelihood", XOR_SEED, XOR_LEARNING_RATE),
    Net("xor-2-4-4-1", (2, 4, 4, 1), ("tanh", "sigmoid", "sigmoid"), "log_likelihood", 0, 0.5),
)
"""The seed's 2-2-1 sigmoid net on XOR (section 5) and a deeper tanh/sigmoid net on XOR."""


def flatten(weights: Sequence[Any]) -> np.ndarray:
    """Concatenate the layers' arrays, each raveled in C order, into one vector."""
    return np.concatenate([np.asarray(w).reshape(-1) for w in weights])


def unflatten(vector: np.ndarray, shapes: Sequence[tuple[int, ...]]) -> list[np.ndarray]:
    """Inverse of :func:`flatten` for layers of the given ``shapes`` (copies, same dtype).

    A leading batch axis is kept: ``vector`` of shape ``(T, n)`` gives arrays
    ``(T, *shape)``.
    """
    out, start = [], 0
    lead = vector.shape[:-1]
    for shape in shapes:
        size = math.prod(shape)
        out.append(vector[..., start : start + size].reshape(*lead, *shape).copy())
        start += size
    if start != vector.shape[-1]:
        raise ValueError(f"vector: expected {start} parameters, got {vector.shape[-1]}")
    return out


def net_problem(net: Net, dtype: Any) -> Problem:
    """The XOR problem of ``net`` in ``dtype``: ``init_weights(net.sizes, seed=net.seed)``."""
    X, Y = xor_data(dtype)
    weights = handprop.init_weights(net.sizes, seed=net.seed, dtype=dtype)
    return make_problem(weights, X, Y, net.activations, net.cost)
