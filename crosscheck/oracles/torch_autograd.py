"""The torch oracle: the network's cost written in torch ops, differentiated by autograd.

A *peer* oracle: an independent floating-point implementation that runs in the problem's
dtype (float32 stays float32, float64 stays float64), so its rounding errors are of the
same order as those of the implementation under test. It never imports handprop; each
activation and cost is re-derived here from torch's own operators:

* activations (seed eq. 1): ``torch.sigmoid``, ``torch.tanh``, ``torch.relu``
  (relu'(0) = 0), ``F.leaky_relu(z, 0.01)`` (slope 0.01 at z <= 0), identity,
  softplus as ``torch.logaddexp(z, 0)`` (``F.softplus`` switches to the identity above
  its ``threshold=20``, which is off by up to e^-20 ~ 2e-9: not exact enough for float64),
  ``F.elu`` (alpha 1), ``F.silu``, ``F.gelu(approximate='tanh')``;
* costs, summed over examples and outputs (seed eq. 2):
  ``log_likelihood`` = sum(y logsigmoid(z) + (1 - y) logsigmoid(-z)) (seed eq. 12),
  ``binary_cross_entropy`` = ``F.binary_cross_entropy_with_logits(z, y, reduction='sum')``,
  ``squared_error`` = 0.5 sum((h - y)^2),
  ``softmax_log_likelihood`` = sum(y * F.log_softmax(z)),
  ``softmax_cross_entropy`` = ``F.cross_entropy(z, y, reduction='sum')`` (probability
  targets).

The two members of each pair (log-likelihood / cross-entropy) deliberately go through
different torch kernels, so a bug in one kernel cannot hide in both.

torch is imported lazily (inside functions), so importing this module is cheap and works
without torch installed; :func:`available` says whether the oracle can run.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from crosscheck.oracles._common import check_arguments, check_dtype, try_import
from crosscheck.spec import ELEMENTWISE, LEAKY_RELU_SLOPE

if TYPE_CHECKING:  # pragma: no cover - typing only
    import torch

    from crosscheck.problem import Problem

__all__ = [
    "KIND",
    "LEAKY_RELU_SLOPE",
    "NAME",
    "available",
    "cost",
    "from_numpy",
    "gradients",
    "to_numpy",
]

NAME = "torch"
KIND = "peer"

def available() -> tuple[bool, str]:
    """``(True, "")`` if torch imports and has what this oracle needs, else ``(False, why)``.

    Never raises: any failure while importing torch (a missing package, a broken
    install raising ``OSError`` for a shared library, ...) becomes the reason.
    """
    modules, why = try_import("torch", "torch.nn.functional")
    if modules is None:
        return False, why
    torch, F = modules
    missing = [
        name
        for obj, name in ((torch, "logaddexp"), (F, "silu"), (F, "logsigmoid"))
        if not hasattr(obj, name)
    ]
    if missing:
        return False, f"torch {getattr(torch, '__version__', '?')} lacks {', '.join(missing)}"
    return True, ""


def _torch() -> Any:
    ok, why = available()
    if not ok:
        raise ImportError(f"the torch oracle is unavailable: {why}")
    import torch

    return torch


def from_numpy(x: np.ndarray) -> torch.Tensor:
    """A torch tensor holding a copy of ``x`` in the same dtype (float32 or float64)."""
    torch = _torch()
    x = np.asarray(x)
    check_dtype(x.dtype, "x")
    return torch.tensor(x, dtype=torch.float32 if x.dtype == np.float32 else torch.float64)


def to_numpy(t: torch.Tensor) -> np.ndarray:
    """A NumPy copy of tensor ``t`` (detached, on the CPU), in the tensor's dtype."""
    return t.detach().cpu().numpy().copy()


def _activate(name: str, z: torch.Tensor) -> torch.Tensor:
    import torch
    import torch.nn.functional as F

    if name == "sigmoid":
        return torch.sigmoid(z)
    if name == "tanh":
        return torch.tanh(z)
    if name == "relu":
        return torch.relu(z)
    if name == "leaky_relu":
        return F.leaky_relu(z, LEAKY_RELU_SLOPE)
    if name == "identity":
        return z
    if name == "softplus":
        # log(1 + e^z) exactly; F.softplus(threshold=20) would return z for z > 20.
        return torch.logaddexp(z, torch.zeros((), dtype=z.dtype))
    if name == "elu":
        return F.elu(z, alpha=1.0)
    if name == "silu":
        return F.silu(z)
    if name == "gelu":
        return F.gelu(z, approximate="tanh")
    raise ValueError(
        f"activations: unknown activation {name!r}; expected one of "
        f"{', '.join(ELEMENTWISE)} (or 'softmax' at the output of a softmax cost)"
    )


def cost(
    weights: Sequence[torch.Tensor],
    X: torch.Tensor | np.ndarray,
    Y: torch.Tensor | np.ndarray,
    activations: Sequence[str],
    cost_name: str,
) -> torch.Tensor:
    """C (seed eq. 2), a differentiable 0-d tensor in the weights' dtype.

    ``weights[l]`` has shape ``(N_l + 1, N_{l+1})``, row 0 the bias (seed's w^l); ``X``
    is ``(P, Q)`` and ``Y`` ``(P, N_L)``, tensors or NumPy arrays (converted to the
    weights' dtype and device). ``activations`` names layers 1..L; the output must be
    "sigmoid" for the (binary) log-likelihood costs and "softmax" for the softmax ones.
    The costs are sums over examples and outputs, never means.
    """
    torch = _torch()
    import torch.nn.functional as F

    check_arguments(weights, activations, cost_name)
    w0 = weights[0]
    X = torch.as_tensor(X, dtype=w0.dtype, device=w0.device)
    Y = torch.as_tensor(Y, dtype=w0.dtype, device=w0.device)

    a = X
    z = X
    L = len(weights)
    for l, (w, name) in enumerate(zip(weights, activations, strict=True)):
        z = torch.addmm(w[0], a, w[1:])  # seed eq. 1: w_0 + sum_n w_n a_n
        if l < L - 1:
            a = _activate(name, z)

    if cost_name == "log_likelihood":
        return torch.sum(Y * F.logsigmoid(z) + (1.0 - Y) * F.logsigmoid(-z))
    if cost_name == "binary_cross_entropy":
        return F.binary_cross_entropy_with_logits(z, Y, reduction="sum")
    if cost_name == "squared_error":
        r = _activate(activations[-1], z) - Y
        return 0.5 * torch.sum(r * r)
    if cost_name == "softmax_log_likelihood":
        return torch.sum(Y * F.log_softmax(z, dim=1))
    return F.cross_entropy(z, Y, reduction="sum")  # softmax_cross_entropy


def gradients(problem: Problem) -> list[np.ndarray]:
    """dC/dw^l for every layer by torch autograd, in the problem's dtype.

    Returns a list shaped like ``problem.weights`` (``(N_l + 1, N_{l+1})``, row 0 the
    bias gradient). Raises ``ImportError`` if torch is unavailable and ``ValueError``
    for an unknown activation or cost name.
    """
    torch = _torch()
    dtype = check_dtype(problem.dtype)
    weights = [from_numpy(w).requires_grad_(True) for w in problem.weights]
    X = from_numpy(problem.X)
    Y = from_numpy(problem.Y)
    C = cost(weights, X, Y, list(problem.activations), problem.cost)
    grads = torch.autograd.grad(C, weights, allow_unused=True)
    out = []
    for w, g in zip(weights, grads, strict=True):
        out.append(np.zeros(tuple(w.shape), dtype=dtype) if g is None else to_numpy(g))
    return out
