"""The jax oracle: the network's cost in jax.numpy / jax.nn, differentiated by ``jax.grad``.

A *peer* oracle: an independent floating-point implementation in the problem's dtype.
float64 problems run inside ``jax.enable_x64(True)`` and float32 problems inside
``jax.enable_x64(False)``; both are context managers (thread-local, restored on exit), so
the process-wide setting is never changed and a float32 problem computes in float32 even
if someone else has switched x64 on globally. It never imports handprop:

* activations (seed eq. 1): ``jax.nn.sigmoid``, ``jnp.tanh``, ``jax.nn.relu``
  (relu'(0) = 0), leaky_relu as ``jnp.where(z > 0, z, 0.01 z)`` (slope 0.01 at z <= 0,
  the convention of handprop and torch; ``jax.nn.leaky_relu`` takes slope 1 at 0),
  identity, ``jax.nn.softplus`` (= logaddexp(z, 0), exact for every z), ``jax.nn.elu``
  (alpha 1), ``jax.nn.silu``, ``jax.nn.gelu(approximate=True)``;
* costs, sums over examples and outputs (seed eq. 2):
  ``log_likelihood`` = sum(y log_sigmoid(z) + (1 - y) log_sigmoid(-z)) (seed eq. 12),
  ``binary_cross_entropy`` = sum(softplus(z) - y z) (the same function, another formula),
  ``squared_error`` = 0.5 sum((h - y)^2),
  ``softmax_log_likelihood`` = sum(y log_softmax(z)),
  ``softmax_cross_entropy`` = sum_p (sum_k y_pk) logsumexp(z_p) - sum(y z).

Compiled gradient functions are cached per ``(activations, cost, dtype)`` (jit itself
re-traces per shape). jax is imported lazily, inside functions.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # pragma: no cover - typing only
    from crosscheck.problem import Problem

__all__ = [
    "ACTIVATION_NAMES",
    "COST_NAMES",
    "KIND",
    "LEAKY_RELU_SLOPE",
    "NAME",
    "available",
    "cost",
    "gradients",
    "precision",
]

NAME = "jax"
KIND = "peer"

LEAKY_RELU_SLOPE = 0.01
"""Slope of leaky_relu for z <= 0."""

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
COST_NAMES: tuple[str, ...] = (
    "log_likelihood",
    "binary_cross_entropy",
    "squared_error",
    "softmax_log_likelihood",
    "softmax_cross_entropy",
)
_SIGMOID_COSTS = ("log_likelihood", "binary_cross_entropy")
_SOFTMAX_COSTS = ("softmax_log_likelihood", "softmax_cross_entropy")


def available() -> tuple[bool, str]:
    """``(True, "")`` if jax imports and offers ``jax.enable_x64``, else ``(False, why)``.

    Never raises.
    """
    try:
        import jax
        import jax.nn
        import jax.numpy
    except ImportError as exc:
        return False, f"jax is not installed ({exc})"
    except Exception as exc:  # a broken install must not crash the caller
        return False, f"jax failed to import: {type(exc).__name__}: {exc}"
    if not hasattr(jax, "enable_x64"):
        return False, (
            f"jax {getattr(jax, '__version__', '?')} has no jax.enable_x64 context manager "
            "(needed to run float64 problems without changing global settings)"
        )
    return True, ""


def _jax() -> Any:
    ok, why = available()
    if not ok:
        raise ImportError(f"the jax oracle is unavailable: {why}")
    import jax

    return jax


@contextlib.contextmanager
def precision(dtype: Any) -> Iterator[None]:
    """Context in which jax computes in ``dtype``: x64 on for float64, off for float32.

    Uses ``jax.enable_x64(bool)``, a thread-local context manager that restores the
    previous setting on exit; nothing global is changed.
    """
    jax = _jax()
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise ValueError(f"dtype: expected float32 or float64, got {dtype}")
    with jax.enable_x64(dtype == np.float64):
        yield


def _activate(name: str, z: Any) -> Any:
    import jax
    import jax.numpy as jnp

    if name == "sigmoid":
        return jax.nn.sigmoid(z)
    if name == "tanh":
        return jnp.tanh(z)
    if name == "relu":
        return jax.nn.relu(z)
    if name == "leaky_relu":
        return jnp.where(z > 0, z, LEAKY_RELU_SLOPE * z)
    if name == "identity":
        return z
    if name == "softplus":
        return jax.nn.softplus(z)
    if name == "elu":
        return jax.nn.elu(z, alpha=1.0)
    if name == "silu":
        return jax.nn.silu(z)
    if name == "gelu":
        return jax.nn.gelu(z, approximate=True)
    raise ValueError(
        f"activations: unknown activation {name!r}; expected one of "
        f"{', '.join(ACTIVATION_NAMES)} (or 'softmax' at the output of a softmax cost)"
    )


def _check_names(activations: Sequence[str], cost_name: str) -> None:
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
        if cost_name in _SIGMOID_COSTS
        else ("softmax",)
        if cost_name in _SOFTMAX_COSTS
        else ACTIVATION_NAMES
    )
    if out not in expected:
        raise ValueError(
            f"activations: output activation {out!r} does not go with cost {cost_name!r}; "
            f"expected one of {expected}"
        )


def cost(
    weights: Sequence[Any],
    X: Any,
    Y: Any,
    activations: Sequence[str],
    cost_name: str,
) -> Any:
    """C (seed eq. 2) as a 0-d jax array; pure and differentiable with ``jax.grad``.

    ``weights[l]`` has shape ``(N_l + 1, N_{l+1})``, row 0 the bias; ``X`` ``(P, Q)``,
    ``Y`` ``(P, N_L)``; jax or NumPy arrays. The caller chooses the precision: float64
    inputs need x64 enabled, e.g. ``with precision(np.float64): ...``.
    """
    import jax
    import jax.numpy as jnp

    _check_names(activations, cost_name)
    if len(weights) != len(activations):
        raise ValueError(
            f"activations: expected {len(weights)} names (one per layer), got {len(activations)}"
        )
    L = len(weights)
    a = jnp.asarray(X)
    Y = jnp.asarray(Y)
    z = a
    for l, (w, name) in enumerate(zip(weights, activations, strict=True)):
        z = jnp.matmul(a, w[1:], precision="highest") + w[0]  # seed eq. 1
        if l < L - 1:
            a = _activate(name, z)

    if cost_name == "log_likelihood":
        return jnp.sum(Y * jax.nn.log_sigmoid(z) + (1.0 - Y) * jax.nn.log_sigmoid(-z))
    if cost_name == "binary_cross_entropy":
        # -[y log s(z) + (1 - y) log s(-z)] = softplus(z) - y z; d/dz = s(z) - y.
        return jnp.sum(jax.nn.softplus(z) - Y * z)
    if cost_name == "squared_error":
        r = _activate(activations[-1], z) - Y
        return 0.5 * jnp.sum(r * r)
    if cost_name == "softmax_log_likelihood":
        return jnp.sum(Y * jax.nn.log_softmax(z, axis=1))
    # softmax_cross_entropy: -sum_k y_k (z_k - lse(z)) = (sum_k y_k) lse(z) - sum_k y_k z_k
    lse = jax.nn.logsumexp(z, axis=1)
    return jnp.sum(jnp.sum(Y, axis=1) * lse) - jnp.sum(Y * z)


@functools.lru_cache(maxsize=256)
def _compiled(activations: tuple[str, ...], cost_name: str, dtype: str) -> Callable[..., Any]:
    """The jitted gradient of :func:`cost` for one architecture family (cached)."""
    jax = _jax()

    def loss(weights: tuple[Any, ...], X: Any, Y: Any) -> Any:
        return cost(weights, X, Y, activations, cost_name)

    return jax.jit(jax.grad(loss))


def gradients(problem: Problem) -> list[np.ndarray]:
    """dC/dw^l for every layer by ``jax.grad``, computed and returned in the problem's dtype.

    Returns a list shaped like ``problem.weights`` (row 0 of each array the bias
    gradient). Raises ``ImportError`` if jax is unavailable and ``ValueError`` for an
    unknown activation or cost name.
    """
    _jax()
    import jax.numpy as jnp

    dtype = np.dtype(problem.dtype)
    activations = tuple(problem.activations)
    _check_names(activations, problem.cost)
    with precision(dtype):
        fn = _compiled(activations, problem.cost, dtype.name)
        weights = tuple(jnp.asarray(w, dtype=dtype) for w in problem.weights)
        X = jnp.asarray(problem.X, dtype=dtype)
        Y = jnp.asarray(problem.Y, dtype=dtype)
        grads = fn(weights, X, Y)
        out = [np.array(g) for g in grads]
    for l, g in enumerate(out):
        if g.dtype != dtype:  # would mean jax computed in another precision than asked
            raise RuntimeError(f"jax returned dtype {g.dtype} for layer {l}; expected {dtype}")
    return out
