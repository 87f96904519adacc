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

Compiling is what a property test pays for with jax: a new shape or a new choice of
activations used to mean a new compilation (~0.1-1 s) for a run that then takes ~50 us.
Small problems (every width, Q and P up to :data:`BUCKET_LIMITS`) are therefore computed
*padded to buckets* (:func:`pad`, :func:`padded_gradients`), so that one compiled function
serves a whole family of problems:

* every layer is padded to one width W (the bucket of max(Q, N_1, ..., N_L), at least 8),
  P to a bucket (at least 16), the depth to at least 5 (:func:`bucket`), and the padded
  weights, inputs and labels are 0;
* the activations are *data*: one integer code per layer selects the branch of a
  ``lax.switch``, which runs that activation only (the others are not evaluated, so
  their derivatives cannot produce inf * 0); extra leading layers have a pass-through
  code: their output is their input, selected, not computed;
* masks make the padding inert whatever its content: a padded unit's activation is
  replaced by 0 (``jnp.where``), a padded output unit is left out of the softmax's sum
  (its logit is replaced by -inf there) and, like a padded example, out of the cost's
  sum (``jnp.where`` again). A term that ``where`` drops gets an exact-zero cotangent, and
  an exact zero times any finite number is an exact zero, so padded examples and units add
  exact zeros to every real gradient element (``tests/test_jax_padding.py`` fills the
  padding with random values and gets the same bits).

The real gradients are then the same numbers as the unpadded computation's up to the
order of XLA's summations (both are judged within the error budget). One function is
compiled per (cost, dtype, depth, width and P buckets): the gate's problems (depth <= 5,
widths <= 8, P <= 16) need one per cost and dtype. These small programs are compiled with
``xla_backend_optimization_level=0``, which cuts their compilation time by about 3x at no
cost that matters at these sizes. Larger problems keep the exact-shape path: one jitted
function per ``(activations, cost, dtype)``, re-traced by jit per shape. jax is imported
lazily, inside functions.

Batches: :func:`batch_gradients` computes a batch of problems of one family
(:func:`crosscheck.problem.family`: same buckets, codes and masks) in one call: their
padded weights, X and Y stacked along a new leading axis and differentiated by the
same compiled ``jax.grad`` of the masked cost, which takes the leading axis itself (the
gradient of the batch's total cost; codes and masks shared, unbatched, so ``lax.switch``
still runs one branch), and the batch axis padded to a bucket
(at least :data:`BATCH_MINIMUM`) with copies of the first problem, whose results are
discarded. One function is compiled per (cost, dtype, batch, depth, width and P buckets).
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from crosscheck.oracles._common import check_arguments, check_dtype, try_import
from crosscheck.spec import COSTS, ELEMENTWISE, LEAKY_RELU_SLOPE, check_names

if TYPE_CHECKING:  # pragma: no cover - typing only
    from crosscheck.problem import Problem

__all__ = [
    "BATCH_MINIMUM",
    "BUCKET_LIMITS",
    "BUCKET_MINIMA",
    "KIND",
    "LEAKY_RELU_SLOPE",
    "NAME",
    "Padded",
    "available",
    "batch_gradients",
    "batch_padded_gradients",
    "bucket",
    "cost",
    "gradients",
    "pad",
    "padded_gradients",
    "precision",
    "unpad",
]

NAME = "jax"
KIND = "peer"

_CODES: tuple[str, ...] = (
    "sigmoid", "tanh", "relu", "leaky_relu", "identity", "softplus", "elu", "silu", "gelu"
)
"""The elementwise activations (:data:`crosscheck.spec.ELEMENTWISE`) in the order of
their ``lax.switch`` codes."""


def available() -> tuple[bool, str]:
    """``(True, "")`` if jax imports and offers ``jax.enable_x64``, else ``(False, why)``.

    Never raises.
    """
    modules, why = try_import("jax", "jax.nn", "jax.numpy")
    if modules is None:
        return False, why
    jax = modules[0]
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
    dtype = check_dtype(dtype, "dtype")
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
        f"{', '.join(ELEMENTWISE)} (or 'softmax' at the output of a softmax cost)"
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

    check_arguments(weights, activations, cost_name)
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


# --------------------------------------------------------------------------- padded evaluation

BUCKET_MINIMA: dict[str, int] = {"width": 8, "P": 16, "depth": 5}
"""The smallest bucket of each padded dimension."""

BUCKET_LIMITS: dict[str, int] = {"width": 64, "P": 1024, "depth": 16}
"""Problems beyond any of these use the exact-shape path (padding would cost too much)."""

_PASS = len(_CODES)
"""The activation code of a pass-through (padding) layer."""

_COMPILER_OPTIONS = {"xla_backend_optimization_level": 0}


def bucket(n: int, minimum: int) -> int:
    """The smallest bucket >= n: ``minimum``, or a number m 2^k with m in {4, 5, 6, 7}
    (4, 5, 6, 7, 8, 10, 12, 14, 16, 20, ...; consecutive buckets at most 25% apart)."""
    b = max(int(n), int(minimum), 1)
    if b <= 8:
        return b
    k = b.bit_length() - 3  # b = m 2^k with 4 <= m < 8 (m rounded up)
    return -(-b // (1 << k)) << k


class Padded(NamedTuple):
    """A problem padded to buckets (see the module notes); D layers, width W, Pb examples.

    ``weights`` ``(D, W + 1, W)``: layer ``D - L + l`` holds w^l in its top-left corner
    ``[:N_l + 1, :N_{l+1}]`` (row 0 the bias), the first ``D - L`` layers pass their input
    through. ``X`` and ``Y`` ``(Pb, W)`` hold the problem's in their top-left corners.
    ``codes`` ``(D,)`` int32: per layer the index in :data:`_CODES` of its
    activation (the output layer's for squared_error), or the pass-through code.
    ``units`` ``(D + 1, W)`` bool: row 0 marks the Q real inputs, row k the real units of
    layer k. ``examples`` ``(Pb,)`` bool marks the P real examples.
    """

    weights: np.ndarray
    X: np.ndarray
    Y: np.ndarray
    codes: np.ndarray
    units: np.ndarray
    examples: np.ndarray


def pad(problem: Problem) -> Padded | None:
    """``problem`` padded to buckets with zeros, or None if it is beyond
    :data:`BUCKET_LIMITS` (then :func:`gradients` uses the exact shapes)."""
    sizes, L, P = problem.sizes, problem.depth, problem.P
    W = bucket(max(sizes), BUCKET_MINIMA["width"])
    D = bucket(L, BUCKET_MINIMA["depth"])
    Pb = bucket(P, BUCKET_MINIMA["P"])
    if W > BUCKET_LIMITS["width"] or D > BUCKET_LIMITS["depth"] or Pb > BUCKET_LIMITS["P"]:
        return None
    dtype = problem.dtype
    weights = np.zeros((D, W + 1, W), dtype)
    units = np.zeros((D + 1, W), bool)
    codes = np.full(D, _PASS, np.int32)
    units[: D - L + 1, : sizes[0]] = True  # the inputs, and the pass-through layers' outputs
    for l, w in enumerate(problem.weights):
        k = D - L + l
        weights[k, : w.shape[0], : w.shape[1]] = w
        units[k + 1, : w.shape[1]] = True
        name = problem.activations[l]
        codes[k] = _CODES.index(name) if name in _CODES else 0
    X = np.zeros((Pb, W), dtype)
    X[:P, : sizes[0]] = problem.X
    Y = np.zeros((Pb, W), dtype)
    Y[:P, : sizes[-1]] = problem.Y
    examples = np.zeros(Pb, bool)
    examples[:P] = True
    return Padded(weights, X, Y, codes, units, examples)


def unpad(grads: np.ndarray, problem: Problem) -> list[np.ndarray]:
    """The real gradients (canonical layout) out of padded ones ``(D, W + 1, W)``."""
    D, L = grads.shape[0], problem.depth
    return [
        np.array(grads[D - L + l, : w.shape[0], : w.shape[1]])
        for l, w in enumerate(problem.weights)
    ]


def _branches() -> tuple[list[Callable[..., Any]], list[Callable[..., Any]]]:
    """lax.switch branches: hidden (z, a) -> f(z) or a (pass-through); output z -> f(z)."""
    hidden = [functools.partial(lambda name, z, a: _activate(name, z), n) for n in _CODES]
    hidden.append(lambda z, a: a)
    output = [functools.partial(_activate, n) for n in _CODES]
    return hidden, output


def _masked_cost(
    weights: Any, X: Any, Y: Any, codes: Any, units: Any, examples: Any, cost_name: str
) -> Any:
    """C (seed eq. 2) of a :class:`Padded` problem: padded examples and units add exact 0."""
    import jax
    import jax.numpy as jnp
    from jax import lax

    hidden, output = _branches()
    D = weights.shape[-3]
    a = jnp.where(units[0], X, 0.0)
    z = a
    for k in range(D):
        w = weights[..., k, :, :]
        bias = w[0] if w.ndim == 2 else w[..., :1, :]  # a batch: over each member's rows
        z = jnp.matmul(a, w[..., 1:, :], precision="highest") + bias  # seed eq. 1
        if k < D - 1:
            a = jnp.where(units[k + 1], lax.switch(codes[k], hidden, z, a), 0.0)

    outputs = units[D]
    mask = examples[:, None] & outputs[None, :]

    def total(terms: Any) -> Any:
        return jnp.sum(jnp.where(mask, terms, 0.0))

    if cost_name == "log_likelihood":
        return total(Y * jax.nn.log_sigmoid(z) + (1.0 - Y) * jax.nn.log_sigmoid(-z))
    if cost_name == "binary_cross_entropy":
        return total(jax.nn.softplus(z) - Y * z)
    if cost_name == "squared_error":
        r = lax.switch(codes[D - 1], output, z) - Y
        return 0.5 * total(r * r)
    # softmax costs: the padded output units are left out of the softmax's sum
    lse = jax.nn.logsumexp(jnp.where(outputs, z, -jnp.inf), axis=-1, keepdims=True)
    if cost_name == "softmax_log_likelihood":
        return total(Y * jnp.where(outputs, z - lse, 0.0))
    # softmax_cross_entropy: (sum_k y_k) lse(z) - sum_k y_k z_k, per example
    y_sum = jnp.sum(jnp.where(mask, Y, 0.0), axis=-1)
    return jnp.sum(jnp.where(examples, y_sum * lse[..., 0], 0.0)) - total(Y * z)


@functools.lru_cache(maxsize=32)
def _padded_compiled(cost_name: str) -> Callable[..., Any]:
    """The jitted gradient of :func:`_masked_cost` for one cost (jit caches per shape and
    precision)."""
    jax = _jax()

    def loss(weights: Any, X: Any, Y: Any, codes: Any, units: Any, examples: Any) -> Any:
        return _masked_cost(weights, X, Y, codes, units, examples, cost_name)

    return jax.jit(jax.grad(loss), compiler_options=_COMPILER_OPTIONS)


def padded_gradients(padded: Padded, cost_name: str) -> np.ndarray:
    """dC/dw of a :class:`Padded` problem, ``(D, W + 1, W)``, in its dtype (jax.grad)."""
    _jax()
    if cost_name not in COSTS:
        raise ValueError(f"cost: unknown cost {cost_name!r}; expected one of {tuple(COSTS)}")
    with precision(padded.X.dtype):
        grads = _padded_compiled(cost_name)(*padded)
        return np.asarray(grads)


BATCH_MINIMUM = 8
"""The smallest bucket of a batch's size (:func:`batch_gradients` pads the batch axis)."""


def batch_padded_gradients(padded: Sequence[Padded], cost_name: str) -> np.ndarray:
    """dC/dw of Bt :class:`Padded` problems of one family (same buckets, codes and masks),
    ``(Bt, D, W + 1, W)``, in their dtype, from one call of the compiled gradient of the
    batch's total masked cost (each member's weights reach only its own cost).

    The batch axis is padded to ``bucket(Bt, BATCH_MINIMUM)`` with copies of member 0
    (finite, their results discarded), so that batches of nearby sizes share one
    compilation.
    """
    _jax()
    if cost_name not in COSTS:
        raise ValueError(f"cost: unknown cost {cost_name!r}; expected one of {tuple(COSTS)}")
    if not padded:
        raise ValueError("padded: expected at least one padded problem in a batch, got none")
    first = padded[0]
    Bt = len(padded)
    Bb = bucket(Bt, BATCH_MINIMUM)
    members = [*padded, *([first] * (Bb - Bt))]
    weights = np.stack([m.weights for m in members])
    X = np.stack([m.X for m in members])
    Y = np.stack([m.Y for m in members])
    with precision(first.X.dtype):
        grads = _padded_compiled(cost_name)(
            weights, X, Y, first.codes, first.units, first.examples
        )
        return np.asarray(grads)[:Bt]


def _exact_gradients(problem: Problem) -> list[np.ndarray]:
    """The exact-shape path: :func:`cost` differentiated at the problem's own shapes."""
    import jax.numpy as jnp

    dtype = np.dtype(problem.dtype)
    with precision(dtype):
        fn = _compiled(tuple(problem.activations), problem.cost, dtype.name)
        weights = tuple(jnp.asarray(w, dtype=dtype) for w in problem.weights)
        X = jnp.asarray(problem.X, dtype=dtype)
        Y = jnp.asarray(problem.Y, dtype=dtype)
        return [np.array(g) for g in fn(weights, X, Y)]


def gradients(problem: Problem) -> list[np.ndarray]:
    """dC/dw^l for every layer by ``jax.grad``, computed and returned in the problem's dtype.

    Returns a list shaped like ``problem.weights`` (row 0 of each array the bias
    gradient). Small problems are computed padded to buckets (module notes), larger ones
    at their exact shapes. Raises ``ImportError`` if jax is unavailable and ``ValueError``
    for an unknown activation or cost name.
    """
    _jax()
    dtype = check_dtype(problem.dtype)
    check_names(tuple(problem.activations), problem.cost)
    padded = pad(problem)
    if padded is None:
        out = _exact_gradients(problem)
    else:
        out = unpad(padded_gradients(padded, problem.cost), problem)
    for l, g in enumerate(out):
        if g.dtype != dtype:  # would mean jax computed in another precision than asked
            raise RuntimeError(f"jax returned dtype {g.dtype} for layer {l}; expected {dtype}")
    return out


def batch_gradients(problems: Sequence[Problem]) -> list[list[np.ndarray]]:
    """:func:`gradients` of every problem of a batch, from one compiled call.

    ``problems`` share one :func:`crosscheck.problem.family` (sizes, P, activations,
    cost, dtype; checked by :func:`~crosscheck.problem.check_family`, which raises
    ``ValueError`` naming ``problems`` for an empty batch or two families). Small problems
    are padded to buckets (:func:`pad`; same family, same buckets), their ``Padded``
    weights ``(D, W + 1, W)``, X and Y ``(Pb, W)`` stacked along a new leading axis and
    differentiated by ``jax.grad`` of the batch's total :func:`_masked_cost` (seed eqs. 1,
    2) in :func:`batch_padded_gradients`, the batch axis padded to a bucket too. Problems
    beyond :data:`BUCKET_LIMITS` loop over :func:`gradients` (the exact-shape path, one
    call per problem). Element ``[i]`` of the result is shaped like
    ``problems[i].weights``, in their dtype, and equals ``gradients(problems[i])`` up to
    the order of the sums.
    """
    from crosscheck.problem import check_family

    _jax()
    check_family(problems)
    first = problems[0]
    dtype = check_dtype(first.dtype)
    check_names(tuple(first.activations), first.cost)
    padded = [pad(p) for p in problems]
    if padded[0] is None:  # beyond the bucket limits: the whole family is
        return [gradients(p) for p in problems]
    grads = batch_padded_gradients(padded, first.cost)  # type: ignore[arg-type]
    out = [unpad(g, p) for g, p in zip(grads, problems, strict=True)]
    for i, gs in enumerate(out):
        for l, g in enumerate(gs):
            if g.dtype != dtype:  # would mean jax computed in another precision than asked
                raise RuntimeError(
                    f"jax returned dtype {g.dtype} for layer {l} of problem {i}; "
                    f"expected {dtype}"
                )
    return out
