"""The benchmark's workload: its shapes (:data:`CASES`), arrays, FLOP count, targets, and
the one gradient call of each implementation that is timed (:data:`MAKERS`).

torch and jax are imported inside the functions that need them.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

import numpy as np

__all__ = [
    "CASES",
    "DTYPES",
    "FRAMEWORKS",
    "IMPLEMENTATIONS",
    "MAKERS",
    "QUICK_CASES",
    "TARGETS",
    "BenchCase",
    "flops",
    "jax_x64",
    "make_arrays",
]

DTYPES: tuple[str, ...] = ("float32", "float64")
IMPLEMENTATIONS: tuple[str, ...] = ("handprop", "torch", "jax", "numpy matmul", "validation")
FRAMEWORKS: tuple[str, ...] = ("handprop", "torch", "jax")


class BenchCase(NamedTuple):
    """One benchmark shape: layer sizes (Q, N_1, ..., N_L), P examples, activations, cost."""

    name: str
    sizes: tuple[int, ...]
    P: int
    activations: tuple[str, ...]
    cost: str = "log_likelihood"

    @property
    def label(self) -> str:
        return f"{self.name} {'-'.join(map(str, self.sizes))} P={self.P}"


def _sigmoid_net(name: str, sizes: tuple[int, ...], P: int) -> BenchCase:
    return BenchCase(name, sizes, P, ("sigmoid",) * (len(sizes) - 1))


CASES: tuple[BenchCase, ...] = (
    _sigmoid_net("tiny", (2, 2, 1), 4),
    _sigmoid_net("small", (10, 16, 16, 3), 32),
    _sigmoid_net("medium", (256, 512, 512, 10), 256),
    _sigmoid_net("large", (1024, 2048, 2048, 2048, 10), 1024),
    BenchCase("medium-tanh-relu", (256, 512, 512, 10), 256, ("tanh", "relu", "sigmoid")),
)
"""The issue's shapes: sigmoid hidden layers and the log-likelihood, plus one tanh/relu mix."""

QUICK_CASES: tuple[str, ...] = ("tiny", "small")
"""The cases ``--quick`` runs."""

TARGETS: dict[str, float] = {
    "handprop/jax tiny": 2.0,
    "handprop/jax small and up": 0.93,
    "handprop/torch tiny, small": 0.22,
    "handprop/torch medium, large": 0.55,
    "large efficiency": 0.91,
    "verify/gradcheck per problem": 1.0,
    "verify --help seconds": 0.5,
    "gate examples/s": 500.0,
}
"""Issue 14's targets (benchmarks, not tests): handprop at most 2.0x jax's compiled call
at the tiny shape with its full validation (jax timed with x64 enabled once) and at most
0.93x from the small shape up; at most 0.22x torch at tiny and small, 0.55x at medium and
large; the large shape at >= 91% of NumPy's time for the same products; verify at most
1.0x ``torch.autograd.gradcheck``'s time per problem; ``crosscheck verify --help`` started
in 0.5 s; the gate at >= 500 float64 examples/s with torch and jax checking."""


def make_arrays(
    case: BenchCase, dtype: str, seed: int = 0
) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """Seeded Glorot weights (biases in [-0.1, 0.1]), X ~ N(0, 1), binary labels Y."""
    import handprop

    rng = np.random.default_rng(seed)
    weights = handprop.init_weights(case.sizes, seed=rng, dtype=dtype, bias=0.1)
    X = rng.standard_normal((case.P, case.sizes[0])).astype(dtype)
    Y = (rng.random((case.P, case.sizes[-1])) < 0.5).astype(dtype)
    return weights, X, Y


def flops(case: BenchCase) -> int:
    """Floating-point operations of the matrix products of one gradient (biases not counted).

    Per layer l: the forward product (P x N_l times N_l x N_{l+1}), the weight gradient
    ((a^l)^T delta^{l+1}) and, above the first layer, the backward product
    (delta^{l+1} (w^l)^T); 2 P N_l N_{l+1} operations each.
    """
    total = 0
    for l in range(len(case.sizes) - 1):
        products = 2 if l == 0 else 3
        total += products * 2 * case.P * case.sizes[l] * case.sizes[l + 1]
    return total


def _handprop_call(case: BenchCase, weights, X, Y) -> Callable[[], Any]:
    import handprop

    acts = list(case.activations)
    return lambda: handprop.gradients(weights, X, Y, acts, case.cost)


def _torch_call(case: BenchCase, weights, X, Y) -> Callable[[], Any]:
    import torch

    from crosscheck.oracles import torch_autograd

    tw = [torch.from_numpy(w).requires_grad_(True) for w in weights]
    tX, tY = torch.from_numpy(X), torch.from_numpy(Y)
    acts = list(case.activations)

    def call() -> Any:
        C = torch_autograd.cost(tw, tX, tY, acts, case.cost)
        return torch.autograd.grad(C, tw)

    return call


@contextlib.contextmanager
def jax_x64() -> Iterator[None]:
    """jax's x64 mode switched on for the process, once, as a float64 jax user does
    (``jax.config.update("jax_enable_x64", True)``); restored on exit. The timed jax call
    (:func:`_jax_call`) runs inside it and enters no context per call."""
    import jax

    previous = bool(jax.config.jax_enable_x64)
    jax.config.update("jax_enable_x64", True)
    try:
        yield
    finally:
        jax.config.update("jax_enable_x64", previous)


def _jax_call(case: BenchCase, weights, X, Y) -> Callable[[], Any]:
    """The compiled ``jax.grad`` (compiled here, before any timing), called as its users
    call it: x64 enabled once for the process (:func:`jax_x64`; required), no
    scoped-precision context per call (entering one costs ~2.5 us a call).

    float32 arrays keep float32 with x64 on: the program compiled here is checked to be
    the very program compiled with x64 off (the same StableHLO text), which is what a
    float32 user runs; otherwise this raises, since it would time another computation.
    """
    import jax

    from crosscheck.oracles import jax_grad

    if not jax.config.jax_enable_x64:
        raise RuntimeError("the jax call is timed with x64 enabled: make it inside jax_x64()")
    acts = tuple(case.activations)

    def loss(w: Any, x: Any, y: Any) -> Any:
        return jax_grad.cost(w, x, y, acts, case.cost)

    args = jax.device_put((tuple(weights), X, Y))
    lowered = jax.jit(jax.grad(loss)).lower(*args)
    if X.dtype == np.float32:
        with jax.enable_x64(False):
            x64_off = jax.jit(jax.grad(loss)).lower(*args).as_text()
        if lowered.as_text() != x64_off:
            raise RuntimeError(
                f"{case.name} float32: jax's program with x64 on differs from the one with "
                "x64 off; timing it would not time what a float32 user runs"
            )
    compiled = lowered.compile()

    def call() -> Any:
        return jax.block_until_ready(compiled(*args))

    return call


def _matmul_call(case: BenchCase, weights, X, Y) -> Callable[[], Any]:
    """handprop's products alone, as :mod:`handprop.backprop` makes them (``np.dot``, the
    same layouts and transposes), into preallocated arrays: forward z^T = w^T [1 a]^T for the
    hidden layers and z = [1 a] w at the output, backward [1 a]^T delta and
    w[1:] delta^T. ``[1 X]`` and the output are row-major, the hidden layers column-major."""
    rng = np.random.default_rng(1)
    dtype = X.dtype
    P, sizes, L = case.P, case.sizes, len(weights)
    unit = [np.ones((P, sizes[0] + 1), dtype)]  # [1 X], row-major
    unit += [np.ones((n + 1, P), dtype).T for n in sizes[1:-1]]  # [1 a^l], column-major
    for u in unit:
        u[:, 1:] = rng.random((P, u.shape[1] - 1))
    z_t = [np.empty((n, P), dtype) for n in sizes[1:-1]]  # hidden z^T, row-major
    z_out = np.empty((P, sizes[-1]), dtype)
    delta = [rng.random((P, n)).astype(dtype, order="F") for n in sizes[1:-1]]
    delta.append(rng.random((P, sizes[-1])).astype(dtype))  # the output's, row-major
    grads = [np.empty_like(w) for w in weights]
    back_t = [np.empty((n, P), dtype) for n in sizes[1:-1]]

    def call() -> None:
        for l in range(L - 1):
            np.dot(weights[l].T, unit[l].T, out=z_t[l])
        np.dot(unit[L - 1], weights[L - 1], out=z_out)
        for l in range(L - 1, -1, -1):
            np.dot(unit[l].T, delta[l], out=grads[l])
            if l > 0:
                np.dot(weights[l][1:], delta[l].T, out=back_t[l - 1])

    return call


def _validation_call(case: BenchCase, weights, X, Y) -> Callable[[], Any]:
    """handprop's input checks alone (:func:`handprop.network.validate`): part of every
    ``handprop`` call, and with the products a floor under it."""
    from handprop.network import validate

    acts = list(case.activations)
    return lambda: validate(weights, X, Y, acts, case.cost)


MAKERS: dict[str, Callable[..., Callable[[], Any]]] = {
    "handprop": _handprop_call,
    "torch": _torch_call,
    "jax": _jax_call,
    "numpy matmul": _matmul_call,
    "validation": _validation_call,
}
"""Implementation -> ``maker(case, weights, X, Y)``, which prepares (converts, compiles)
and returns the call that is timed: one gradient, no arguments."""
