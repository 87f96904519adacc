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

:func:`cost` is :func:`_output_cost` of :func:`_forward` (the output pre-activation z^L),
so that :func:`batch_gradients` can run a batch of problems of one family
(:func:`crosscheck.problem.family`) as one computation: the stacked weights
``(Bt, N_l + 1, N_{l+1})`` through :func:`_batch_forward` (``torch.baddbmm``, seed eq. 1),
z^L and Y reshaped to ``(Bt P, N_L)`` into the same :func:`_output_cost`, and one
``torch.autograd.grad`` call, instead of Bt calls of ~1.8 ms of mostly per-call overhead.

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
    "batch_gradients",
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


def _forward(
    weights: Sequence[torch.Tensor], X: torch.Tensor, activations: Sequence[str]
) -> torch.Tensor:
    """The output layer's pre-activation z^L ``(P, N_L)`` (seed eq. 1 at every layer).

    ``weights[l]`` ``(N_l + 1, N_{l+1})`` with row 0 the bias, ``X`` ``(P, Q)`` a tensor
    in the weights' dtype; the hidden layers apply ``activations[l]``, the output layer's
    activation is left to the cost (:func:`_output_cost`).
    """
    import torch

    a = X
    z = X
    L = len(weights)
    for l, (w, name) in enumerate(zip(weights, activations, strict=True)):
        z = torch.addmm(w[0], a, w[1:])  # seed eq. 1: w_0 + sum_n w_n a_n
        if l < L - 1:
            a = _activate(name, z)
    return z


def _batch_forward(
    weights: Sequence[torch.Tensor], X: torch.Tensor, activations: Sequence[str]
) -> torch.Tensor:
    """:func:`_forward` for a batch of Bt problems of one family, ``(Bt, P, N_L)``.

    ``weights[l]`` ``(Bt, N_l + 1, N_{l+1})`` stacks the problems' w^l, ``X``
    ``(Bt, P, Q)``; each layer is one ``torch.baddbmm`` (seed eq. 1: the bias row
    broadcast over the P examples plus a batched matrix product).
    """
    import torch

    a = X
    z = X
    L = len(weights)
    for l, (w, name) in enumerate(zip(weights, activations, strict=True)):
        z = torch.baddbmm(w[:, :1, :], a, w[:, 1:, :])  # seed eq. 1, per problem
        if l < L - 1:
            a = _activate(name, z)
    return z


def _output_cost(
    z: torch.Tensor, Y: torch.Tensor, activations: Sequence[str], cost_name: str
) -> torch.Tensor:
    """C (seed eq. 2) from the output pre-activation ``z`` and labels ``Y``, both
    ``(P, N_L)`` (2-D: the softmax costs normalise along dim 1), a 0-d tensor.

    ``activations[-1]`` is the output activation (used by squared_error; the other costs
    fold theirs into the formula). The costs are sums over examples and outputs.
    """
    import torch
    import torch.nn.functional as F

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
    The costs are sums over examples and outputs, never means:
    ``_output_cost(_forward(weights, X, activations), Y, activations, cost_name)``.
    """
    torch = _torch()

    check_arguments(weights, activations, cost_name)
    w0 = weights[0]
    X = torch.as_tensor(X, dtype=w0.dtype, device=w0.device)
    Y = torch.as_tensor(Y, dtype=w0.dtype, device=w0.device)
    return _output_cost(_forward(weights, X, activations), Y, activations, cost_name)


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


def batch_gradients(problems: Sequence[Problem]) -> list[list[np.ndarray]]:
    """:func:`gradients` of every problem of a batch from one autograd call.

    ``problems`` share one :func:`crosscheck.problem.family` (sizes, P, activations,
    cost, dtype; checked by :func:`~crosscheck.problem.check_family`, which raises
    ``ValueError`` naming ``problems`` for an empty batch or two families). Their w^l are
    stacked to ``(Bt, N_l + 1, N_{l+1})``, X to ``(Bt, P, Q)`` and Y to ``(Bt, P, N_L)``;
    :func:`_batch_forward` gives z^L ``(Bt, P, N_L)`` (seed eq. 1), which is reshaped with
    Y to ``(Bt P, N_L)`` for the same :func:`_output_cost` as the single path (seed eq. 2).
    Element ``[i]`` of the result is shaped like ``problems[i].weights``, in their dtype,
    and equals ``gradients(problems[i])`` up to the order of the sums.
    """
    from crosscheck.problem import check_family

    torch = _torch()
    check_family(problems)
    first = problems[0]
    dtype = check_dtype(first.dtype)
    activations, cost_name = list(first.activations), first.cost
    check_arguments(first.weights, activations, cost_name)
    weights = [
        from_numpy(np.stack([p.weights[l] for p in problems])).requires_grad_(True)
        for l in range(first.depth)
    ]
    X = from_numpy(np.stack([p.X for p in problems]))
    Y = from_numpy(np.stack([p.Y for p in problems]))
    z = _batch_forward(weights, X, activations)
    Bt, P, N = z.shape
    # The sum of the problems' costs: problem i's cost depends on weights[l][i] only, so
    # the gradient of the total with respect to weights[l][i] is problem i's own dC/dw^l.
    C = _output_cost(z.reshape(Bt * P, N), Y.reshape(Bt * P, N), activations, cost_name)
    grads = torch.autograd.grad(C, weights, allow_unused=True)
    stacked = [
        np.zeros(tuple(w.shape), dtype=dtype) if g is None else to_numpy(g)
        for w, g in zip(weights, grads, strict=True)
    ]
    return [[np.array(g[i]) for g in stacked] for i in range(Bt)]
