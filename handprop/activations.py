"""Activation functions f and their derivatives f' (seed eq. 1, 8, 13).

Each activation is a pair: ``value(z) -> a`` and ``derivative(z, a) -> f'(z)``.
The derivative receives both the pre-activation ``z`` and the stored activation
``a = f(z)`` from the forward pass, so it can be written the way the seed writes it:
the sigmoid's is ``a (1 - a)`` (eq. 13), with no second evaluation of the exponential.

For speed, backpropagation uses two in-place forms of the same functions
(:func:`value_into` and :func:`times_derivative`): ``out[...] = f(z)`` and
``back *= f'(z)`` (seed eq. 9, first line) without temporaries of the full size where the
activation provides them (sigmoid, tanh, relu, identity); the other activations fall back
to ``value`` and ``derivative``. Both forms compute the same formulas as ``value`` and
``derivative``. On large arrays (at least :data:`BLOCKWISE_MIN_SIZE` elements) they work
in blocks of rows small enough for a core's cache, spread over
:func:`elementwise_threads` threads: NumPy's elementwise loops run on one thread (they
release the GIL), while BLAS uses every core for the matrix products; without this the
elementwise passes cost up to a fifth of a large gradient. Each element is computed by the
same operations either way, so the results are the same bits.

All functions are elementwise, keep the input dtype (float32 stays float32), and are
finite with no floating-point warnings for every finite ``z`` (|z| up to 1e4 and beyond).
Only Python float constants appear in the arithmetic, so NumPy's promotion rules never
up-cast a float32 array.

``softmax`` is listed as an output-only activation: it is not elementwise, and its
derivative is folded into the softmax costs (see :mod:`handprop.costs`).
"""

from __future__ import annotations

import contextvars
import math
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple

import numpy as np
from scipy.special import expit as _expit

__all__ = [
    "ACTIVATIONS",
    "BLOCKWISE_MIN_SIZE",
    "ELEMENTWISE",
    "EXPIT_BELOW",
    "LEAKY_RELU_SLOPE",
    "OUTPUT_ONLY",
    "Activation",
    "elementwise_threads",
    "get",
    "log_sigmoid",
    "one_like",
    "set_elementwise_threads",
    "sigmoid",
    "sigmoid_pair",
    "times_derivative",
    "value_into",
]

LEAKY_RELU_SLOPE = 0.01
"""Slope of leaky_relu for z < 0 (torch's and jax's default)."""

_GELU_C = math.sqrt(2.0 / math.pi)
_GELU_A = 0.044715


class Activation(NamedTuple):
    """An activation: its name, value f(z) and derivative f'(z) given (z, a).

    ``value_into(z, out)`` (``out[...] = f(z)``) and ``times_derivative(back, z, a)``
    (``back *= f'(z)``) are optional in-place forms of the same formulas; None means
    :func:`value_into` and :func:`times_derivative` use ``value`` and ``derivative``.
    """

    name: str
    value: Callable[[np.ndarray], np.ndarray]
    derivative: Callable[[np.ndarray, np.ndarray], np.ndarray]
    value_into: Callable[[np.ndarray, np.ndarray], object] | None = None
    times_derivative: Callable[[np.ndarray, np.ndarray, np.ndarray], object] | None = None


def sigmoid(z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """sigma(z) = 1 / (1 + exp(-z)), evaluated without overflow for any finite z.

    With e = e^{-|z|} <= 1: for z >= 0, 1 / (1 + e) = 1 / (1 + e^{-z}); for z < 0,
    e / (1 + e) = e^{z} / (1 + e^{z}). Only non-positive numbers are exponentiated, so
    nothing overflows and small outputs keep full relative accuracy. No selection
    (``np.where`` costs several times an exponential): the numerator, 1 or e, comes from
    :func:`_one_or_e`; the last pass writes ``out`` when given (which may be a strided
    view; the others run on contiguous temporaries).

    Below :data:`EXPIT_BELOW` elements the same function comes from one call of
    ``scipy.special.expit`` instead of NumPy's seven passes (see :func:`_few`).
    """
    if (z.size if type(z) is np.ndarray else np.size(z)) < EXPIT_BELOW:  # _few, inlined
        return _expit(z, out=out)
    e = _exp_minus_abs(z)
    numerator = _one_or_e(z, e, positive=True)
    e += 1.0  # 1 + e^{-|z|}
    return np.divide(numerator, e, out=numerator if out is None else out)


def sigmoid_pair(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(sigma(z), sigma(-z)) = (h, 1 - h), each with full relative accuracy.

    Both from the same e = e^{-|z|} <= 1 (no overflow), by :func:`sigmoid`'s formula at z
    and at -z: h = (1 or e) / (1 + e), 1 - h = (e or 1) / (1 + e). 1 - h is never formed
    by a subtraction, so it keeps its digits when h is near 1 (seed eq. 13's y - h,
    costs.py). Below :data:`EXPIT_BELOW` elements: ``expit(z)`` and ``expit(-z)``.
    """
    if (z.size if type(z) is np.ndarray else np.size(z)) < EXPIT_BELOW:  # _few, inlined
        return _expit(z), _expit(np.negative(z))
    e = _exp_minus_abs(z)
    h = _one_or_e(z, e, positive=True)
    h_complement = _one_or_e(z, e, positive=False)
    e += 1.0
    h /= e
    h_complement /= e
    return h, h_complement


EXPIT_BELOW = 2048
"""Arrays with fewer elements take their sigmoid from ``scipy.special.expit``.

expit is one ufunc loop, 1 / (1 + e^{-z}) per element: relatively accurate for every z
(1 + e^{-z} is a sum of positives, so no cancellation), no warnings (an e^{-z} that
overflows gives 1 / inf = 0, the value rounded; it and NumPy's route differ only below
the smallest normal number, where both underflow), float32 in float32. On few elements
one call beats NumPy's seven (0.25 against 2.5 us for 8 elements); on many NumPy's SIMD
exponential wins (4096 float32 elements: 10 against 6.6 us), hence the threshold
(measured in docs/performance.md).
"""


def _few(z: np.ndarray) -> bool:
    # the attribute when z is an array (np.size's dispatch costs 0.2 us), else np.size
    return (z.size if type(z) is np.ndarray else np.size(z)) < EXPIT_BELOW


_FEW = 4096
"""Below this many elements NumPy's per-call overhead dominates (see :func:`_one_or_e`)."""


def _exp_minus_abs(z: np.ndarray) -> np.ndarray:
    """e^{-|z|} in a new array of z's float dtype (<= 1: never overflows)."""
    e = np.abs(z, dtype=np.result_type(z, 1.0))
    np.negative(e, out=e)
    return np.exp(e, out=e)


def _one_or_e(z: np.ndarray, e: np.ndarray, *, positive: bool) -> np.ndarray:
    """A new array: 1 where z >= 0 (``positive``) or z < 0 (not ``positive``), e elsewhere.

    That is e^{min(z, 0)} (or e^{min(-z, 0)}), the same bits computed two ways: on few
    elements by that exponential (two calls), on many by max(indicator, e), exact since
    e <= 1 (an indicator pass and a max pass cost less than an exponential).
    """
    if z.size < _FEW:
        return np.exp(np.minimum(z if positive else -z, 0.0))
    compare = np.greater_equal if positive else np.less
    out = compare(z, 0.0, out=np.empty_like(e))  # 1.0 or 0.0
    return np.maximum(out, e, out=out)


def log_sigmoid(z: np.ndarray) -> np.ndarray:
    """log sigma(z) = -log(1 + e^{-z}), finite for every finite z (no log(0))."""
    return -np.logaddexp(0.0, -z)


def _sigmoid_derivative(z: np.ndarray, a: np.ndarray) -> np.ndarray:
    # Seed eq. 13: f'(z) = a (1 - a).
    return a * (1.0 - a)


_ONES = {np.dtype(dt): np.ones((), dt) for dt in (np.float32, np.float64)}
"""1 as a 0-d array of each float dtype: a ufunc takes it ~0.15 us faster than the Python
float 1.0 (no weak-scalar conversion), with the same result dtype and the same bits."""
for _one in _ONES.values():
    _one.flags.writeable = False


def one_like(x: np.ndarray) -> np.ndarray | float:
    """1 in ``x``'s float dtype as a read-only 0-d array (1.0 for any other dtype)."""
    return _ONES.get(x.dtype, 1.0)


def _sigmoid_times_derivative(back: np.ndarray, z: np.ndarray, a: np.ndarray) -> None:
    # back *= a (1 - a), seed eq. 13, from the stored a: three passes, one temporary.
    fprime = np.subtract(_ONES.get(a.dtype, 1.0), a)
    fprime *= a
    back *= fprime


def _tanh_derivative(z: np.ndarray, a: np.ndarray) -> np.ndarray:
    return 1.0 - a * a


def _tanh_into(z: np.ndarray, out: np.ndarray) -> None:
    np.tanh(z, out=out)


def _tanh_times_derivative(back: np.ndarray, z: np.ndarray, a: np.ndarray) -> None:
    # back *= 1 - a^2, from the stored a.
    fprime = np.multiply(a, a)
    np.subtract(1.0, fprime, out=fprime)
    back *= fprime


def _relu(z: np.ndarray) -> np.ndarray:
    return np.maximum(z, 0.0)


def _relu_into(z: np.ndarray, out: np.ndarray) -> None:
    np.maximum(z, 0.0, out=out)


def _relu_derivative(z: np.ndarray, a: np.ndarray) -> np.ndarray:
    # relu'(0) = 0, as torch and jax define it.
    return (z > 0).astype(z.dtype)


def _relu_times_derivative(back: np.ndarray, z: np.ndarray, a: np.ndarray) -> None:
    # back *= [z > 0]: multiplying by the 0/1 mask keeps back where z > 0, 0 elsewhere.
    np.multiply(back, z > 0, out=back)


def _leaky_relu(z: np.ndarray) -> np.ndarray:
    return np.where(z > 0, z, LEAKY_RELU_SLOPE * z)


def _leaky_relu_derivative(z: np.ndarray, a: np.ndarray) -> np.ndarray:
    # At z = 0 the slope is LEAKY_RELU_SLOPE, as in torch and jax.
    return np.where(z > 0, 1.0, LEAKY_RELU_SLOPE).astype(z.dtype, copy=False)


def _identity(z: np.ndarray) -> np.ndarray:
    return z


def _identity_derivative(z: np.ndarray, a: np.ndarray) -> np.ndarray:
    return np.ones_like(z)


def _identity_into(z: np.ndarray, out: np.ndarray) -> None:
    np.copyto(out, z)


def _identity_times_derivative(back: np.ndarray, z: np.ndarray, a: np.ndarray) -> None:
    pass  # f' = 1


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
        Activation(
            "sigmoid", sigmoid, _sigmoid_derivative, sigmoid, _sigmoid_times_derivative
        ),
        Activation("tanh", np.tanh, _tanh_derivative, _tanh_into, _tanh_times_derivative),
        Activation("relu", _relu, _relu_derivative, _relu_into, _relu_times_derivative),
        Activation("leaky_relu", _leaky_relu, _leaky_relu_derivative),
        Activation(
            "identity", _identity, _identity_derivative, _identity_into,
            _identity_times_derivative,
        ),
        Activation("softplus", _softplus, _softplus_derivative),
        Activation("elu", _elu, _elu_derivative),
        Activation("silu", _silu, _silu_derivative),
        Activation("gelu", _gelu, _gelu_derivative),
    )
}
"""Elementwise activations by name."""

ELEMENTWISE: tuple[str, ...] = tuple(ACTIVATIONS)
OUTPUT_ONLY: tuple[str, ...] = ("softmax",)


# --------------------------------------------------------------------------- large arrays

BLOCKWISE_MIN_SIZE = 1 << 18
"""Arrays with fewer elements are done in one piece: blocks and threads would cost more
than they save (measured at 256 x 512, 2^17 elements: 15 % slower in blocks)."""

_BLOCK_SIZE = 1 << 16  # elements per block: its few passes stay in a core's L2 cache
_threads = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def elementwise_threads() -> int:
    """The number of threads :func:`value_into` and :func:`times_derivative` use on large
    arrays (default: the CPUs this process may run on)."""
    return _threads


def set_elementwise_threads(n: int) -> int:
    """Use ``n >= 1`` threads for large elementwise work (1: blocks, in the calling thread);
    returns the previous number."""
    global _threads, _pool
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"n: expected a positive integer number of threads, got {n!r}")
    with _pool_lock:
        previous, _threads = _threads, n
        if _pool is not None and n != previous:
            _pool.shutdown(wait=True)
            _pool = None
    return previous


def _forget_pool() -> None:  # a forked child has the pool object but none of its threads
    global _pool
    _pool = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool)


def _blockwise(fn: Callable[..., object], *arrays: np.ndarray) -> None:
    """``fn(*(x[rows] for x in arrays))`` for blocks of rows of the 2-D ``arrays``, on the
    thread pool; each block runs in a copy of the caller's context, so NumPy's error
    settings (``np.errstate``) apply in the workers as in the caller."""
    global _pool
    if arrays[0].flags.f_contiguous and not arrays[0].flags.c_contiguous:
        arrays = tuple(x.T for x in arrays)  # column-major: blocks of columns (rows of .T)
    n_rows, n_cols = arrays[0].shape
    rows = max(1, _BLOCK_SIZE // max(1, n_cols))
    blocks = [slice(i, i + rows) for i in range(0, n_rows, rows)]
    if len(blocks) > 1 and (n_rows - blocks[-1].start) * n_cols < EXPIT_BELOW:
        # a short last block joins the one before: every block then takes the large-array
        # route of sigmoid (not expit), so the bits do not depend on the blocking
        blocks[-2:] = [slice(blocks[-2].start, n_rows)]
    tasks = [(contextvars.copy_context(), b) for b in blocks]

    def run(task: tuple[contextvars.Context, slice]) -> object:
        context, block = task
        return context.run(fn, *(x[block] for x in arrays))

    if _threads == 1:
        for task in tasks:
            run(task)
        return
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(_threads, thread_name_prefix="handprop")
        pool = _pool
    for _ in pool.map(run, tasks):  # re-raises a worker's exception here
        pass


def _large(x: np.ndarray) -> bool:
    return x.ndim == 2 and x.size >= BLOCKWISE_MIN_SIZE


def _value_into(act: Activation, z: np.ndarray, out: np.ndarray) -> None:
    if act.value_into is not None:
        act.value_into(z, out)
    else:
        out[...] = act.value(z)


def _times_derivative(act: Activation, back: np.ndarray, z: np.ndarray, a: np.ndarray) -> None:
    if act.times_derivative is not None:
        act.times_derivative(back, z, a)
    else:
        back *= act.derivative(z, a)


def value_into(name: str, z: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``out[...] = f(z)`` for the elementwise activation ``name``; returns ``out``.

    ``out`` has z's shape and dtype and may be a strided view (handprop writes each
    layer's activations next to the constant a_0 = 1 of seed eq. 1).
    """
    act = ACTIVATIONS[name]
    if z.size >= BLOCKWISE_MIN_SIZE and z.ndim == 2:  # _large, inlined: a call less
        _blockwise(lambda zb, ob: _value_into(act, zb, ob), z, out)
    elif act.value_into is not None:
        act.value_into(z, out)
    else:
        out[...] = act.value(z)
    return out


def times_derivative(name: str, back: np.ndarray, z: np.ndarray, a: np.ndarray) -> np.ndarray:
    """``back *= f'(z)`` in place (seed eq. 9, first line), with ``a = f(z)`` stored by the
    forward pass; returns ``back``."""
    act = ACTIVATIONS[name]
    if back.size >= BLOCKWISE_MIN_SIZE and back.ndim == 2:  # _large, inlined
        _blockwise(lambda bb, zb, ab: _times_derivative(act, bb, zb, ab), back, z, a)
    elif act.times_derivative is not None:
        act.times_derivative(back, z, a)
    else:
        back *= act.derivative(z, a)
    return back


def get(name: str) -> Activation:
    """The elementwise activation called ``name``; ``ValueError`` for any other name."""
    try:
        return ACTIVATIONS[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"activations: unknown activation {name!r}; expected one of "
            f"{', '.join(ELEMENTWISE)} (or 'softmax' for the output layer of a softmax cost)"
        ) from None
