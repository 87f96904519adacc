"""Network layout, parameter initialisation and input validation.

Canonical layout (seed eq. 1): layers 0..L, layer 0 the input with Q = N_0 features,
layer L the output with N_L units. ``weights[l]`` is the seed's w^l with shape
``(N_l + 1, N_{l+1})``: row 0 holds the biases w^l_{0 n_{l+1}}, rows 1..N_l the weights
w^l_{n_l n_{l+1}}. ``X`` is ``(P, Q)``, ``Y`` is ``(P, N_L)``. ``activations`` has one
name per layer 1..L, the last being the output's.

Supported dtypes are float32 and float64; all arrays of one call share the dtype and the
results come back in it. ``P = 0`` (no examples) is valid: C is the empty sum 0 and every
gradient is 0 (seed eq. 2 and 3 are sums over p).

What counts as an array (a masked array, another ndarray subclass, the non-native byte
order): :mod:`handprop.arrays`.

Bad arguments of :func:`init_weights` (a negative or non-integer ``seed``, an unknown
``dtype`` or ``scheme``, a negative, non-finite or non-numeric ``gain`` or ``bias``) raise
``ValueError`` naming the argument too.

Underflow is expected, not an error: a saturated unit has e^{-|z|} below the smallest
float, and products of small deltas can round to subnormals or 0; IEEE gradual underflow
gives the correctly rounded result. The public functions therefore run under
``np.errstate(under="ignore")`` (:func:`ignore_underflow`), so a caller who sets
``np.seterr(all="raise")`` gets results, not ``FloatingPointError``; overflow, invalid
and divide-by-zero still follow the caller's settings.
"""

from __future__ import annotations

import functools
import itertools
import math
import numbers
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple, ParamSpec, TypeVar

import numpy as np

from handprop import activations as _activations
from handprop import costs as _costs
from handprop.arrays import (
    FLOAT_DTYPE_SET,
    FLOAT_DTYPES,
    UNIT_BITS,
    all_finite,
    as_float_array,
    check_finite,
    not_finite,
)

__all__ = [
    "FLOAT_DTYPES",
    "Names",
    "ignore_underflow",
    "init_weights",
    "layer_sizes",
    "validate",
    "validate_names",
    "validate_weights",
]


_P = ParamSpec("_P")
_R = TypeVar("_R")


def ignore_underflow(fn: Callable[_P, _R]) -> Callable[_P, _R]:
    """Decorator: run ``fn`` under ``np.errstate(under="ignore")`` (see the module notes)."""

    @functools.wraps(fn)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        if _underflow_ignored():  # NumPy's default: no context to enter
            return fn(*args, **kwargs)
        with np.errstate(under="ignore"):
            return fn(*args, **kwargs)

    return wrapper


try:  # NumPy >= 2 keeps its error settings in this context variable (one immutable object)
    from numpy._core.umath import _extobj_contextvar as _error_state
except ImportError:  # pragma: no cover - another NumPy: ask np.geterr every time
    _error_state = None
_ignoring_state: list[object] = [None]  # the last error-state object seen to ignore underflow


def _underflow_ignored() -> bool:
    """``np.geterr()["under"] == "ignore"``, without building geterr's dict each call.

    NumPy's error settings are one immutable object per setting (``np.seterr`` and
    ``np.errstate`` install a new one), so the answer for the object last seen to ignore
    underflow is remembered (it is kept alive here, so its identity cannot be reused):
    0.1 against 0.4 us. Any other object is asked through ``np.geterr``.
    """
    if _error_state is not None:
        state = _error_state.get()
        if state is _ignoring_state[0]:
            return True
        if np.geterr()["under"] == "ignore":
            _ignoring_state[0] = state
            return True
        return False
    return np.geterr()["under"] == "ignore"


def layer_sizes(weights: Sequence[np.ndarray]) -> tuple[int, ...]:
    """(N_0 = Q, N_1, ..., N_L) read off the weight shapes ``(N_l + 1, N_{l+1})``."""
    return (weights[0].shape[0] - 1, *(w.shape[1] for w in weights))


def init_weights(
    sizes: Sequence[int],
    *,
    seed: int | np.random.Generator | None,
    dtype: Any = np.float64,
    scheme: str = "glorot",
    gain: float = 1.0,
    bias: float = 0.0,
) -> list[np.ndarray]:
    """Random weights for a network with layer sizes ``(Q, N_1, ..., N_L)``.

    Returns a list of L arrays, ``weights[l]`` of shape ``(N_l + 1, N_{l+1})`` (seed's
    w^l, row 0 the bias). Weight rows are drawn uniformly from ``[-r, r]`` with
    ``r = gain * sqrt(6 / (N_l + N_{l+1}))`` for ``scheme="glorot"`` or
    ``r = gain * sqrt(6 / N_l)`` for ``scheme="he"``; bias rows uniformly from
    ``[-bias, bias]`` (zeros by default). ``seed`` seeds a ``np.random.Generator``
    (or is one), so the same seed gives the same weights in float32 and float64 up to
    the final rounding.
    """
    sizes = tuple(sizes)
    if len(sizes) < 2 or any(
        not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1 for n in sizes
    ):
        raise ValueError(
            f"sizes: expected at least two positive integers (Q, N_1, ..., N_L), got {sizes!r}"
        )
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        raise ValueError(f"dtype: expected float32 or float64, got {dtype!r}") from None
    if dtype not in FLOAT_DTYPES:
        raise ValueError(f"dtype: expected float32 or float64, got {dtype}")
    if not isinstance(scheme, str) or scheme not in ("glorot", "he"):
        raise ValueError(f"scheme: expected 'glorot' or 'he', got {scheme!r}")
    for name, value in (("gain", gain), ("bias", bias)):
        if not _finite_non_negative(value):
            raise ValueError(f"{name}: expected a finite non-negative number, got {value!r}")
    rng = seed if isinstance(seed, np.random.Generator) else _generator(seed)
    weights = []
    for n_in, n_out in itertools.pairwise(sizes):
        fan = n_in + n_out if scheme == "glorot" else n_in
        r = gain * math.sqrt(6.0 / fan)
        w = np.empty((n_in + 1, n_out), dtype=np.float64)
        w[0] = rng.uniform(-bias, bias, size=n_out) if bias > 0 else 0.0
        w[1:] = rng.uniform(-r, r, size=(n_in, n_out))
        weights.append(w.astype(dtype))
    return weights


def _finite_non_negative(x: Any) -> bool:
    return (
        isinstance(x, numbers.Real)
        and not isinstance(x, (bool, np.bool_))
        and math.isfinite(x)
        and x >= 0
    )


def _generator(seed: Any) -> np.random.Generator:
    """``np.random.default_rng(seed)``, with its TypeError or ValueError for a bad seed
    (a negative integer, a string, a float) turned into a ValueError naming ``seed``."""
    try:
        return np.random.default_rng(seed)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            "seed: expected None, a non-negative integer (or a sequence of them, or a "
            f"np.random.SeedSequence) or a np.random.Generator, got {seed!r} ({exc})"
        ) from None


_WEIGHT_NAMES = tuple(f"weights[{l}]" for l in range(32))


def _weight_name(l: int) -> str:
    """``"weights[l]"``, made once for the first 32 layers (not an f-string per call)."""
    return _WEIGHT_NAMES[l] if l < 32 else f"weights[{l}]"


def validate_weights(weights: Sequence[np.ndarray]) -> tuple[list[np.ndarray], np.dtype]:
    """Check the canonical weight layout; returns the weights as arrays and their dtype.

    Raises ``ValueError`` naming ``weights[l]`` for a non-2-D or non-float array, an empty
    layer (a shape ``(1, n)`` or ``(m, 0)``), consecutive shapes that do not chain
    (``weights[l].shape[1] + 1 != weights[l+1].shape[0]``), mixed dtypes or a NaN/inf.
    """
    # type(...) in (list, tuple): the common case, decided without the slower ABC check
    if (
        type(weights) not in (list, tuple)
        and (isinstance(weights, np.ndarray) or not isinstance(weights, Sequence))
    ) or not weights:
        raise ValueError(
            "weights: expected a non-empty list of 2-D arrays, weights[l] of shape "
            f"(N_l + 1, N_l+1); got {type(weights).__name__}"
            + (f" of length {len(weights)}" if isinstance(weights, Sequence) else "")
        )
    # a plain 2-D float ndarray (the common case) decided inline, without a call
    out = [
        w
        if type(w) is np.ndarray and w.ndim == 2 and w.dtype in FLOAT_DTYPE_SET
        else as_float_array(w, _weight_name(l), 2)
        for l, w in enumerate(weights)
    ]
    dtype = out[0].dtype
    rows = out[0].shape[0]  # the rows weights[l] must have: N_l + 1
    for l, w in enumerate(out):
        n_in, n_out = w.shape
        if n_in < 2 or n_out < 1:
            raise ValueError(
                f"weights[{l}]: empty layer; expected shape (N_{l} + 1, N_{l + 1}) with "
                f"N_{l}, N_{l + 1} >= 1, got {w.shape}"
            )
        if w.dtype != dtype:
            raise ValueError(
                f"weights[{l}]: dtype {w.dtype} differs from weights[0]'s {dtype}; all "
                "arrays must share one dtype (no silent casts)"
            )
        if n_in != rows:
            raise ValueError(
                f"weights[{l}]: shape {w.shape} does not follow weights[{l - 1}] of shape "
                f"{out[l - 1].shape}; expected {(rows, n_out)} "
                "rows = previous layer's units + 1 bias row"
            )
        rows = n_out + 1
        if not all_finite(w):
            raise not_finite(w, f"weights[{l}]")
    return out, dtype


class Names(NamedTuple):
    """The checked names of one problem: the hidden layers' activations (layers 1..L-1),
    the output activation (layer L) and the cost's :class:`handprop.costs.Cost` (None
    for a forward pass alone)."""

    hidden: tuple[str, ...]
    output: str
    cost: _costs.Cost | None


_NAMES: dict[tuple[tuple[object, ...], object], Names] = {}
"""Names already checked and found valid, by value: ``(tuple(activations), cost)``.
Strings only, never arrays; a miss (or anything unhashable) takes the full checks."""
_NAMES_LIMIT = 512


def _checked_names(activations: Any, L: int, cost: Any) -> Names:
    """:func:`_check_names`, remembered for valid names: one tuple and one dict lookup
    instead of a lookup, a membership test and a call per layer (0.2 against 0.7 us for a
    2-2-1 net). Only names that passed every check are stored, so a hit raises nothing
    the full checks would have raised."""
    if type(activations) in (list, tuple) and len(activations) == L:
        try:
            key = (tuple(activations), cost)
            hit = _NAMES.get(key)
        except TypeError:  # an unhashable name or cost: the full checks will say what
            return _check_names(activations, L, cost)
        if hit is not None:
            return hit
        names = _check_names(activations, L, cost)
        if len(_NAMES) >= _NAMES_LIMIT:
            _NAMES.clear()
        _NAMES[key] = names
        return names
    return _check_names(activations, L, cost)


def _check_names(activations: Any, L: int, cost: Any) -> Names:
    """The activations (a sequence of L known names, softmax at the output only) and the
    cost (a known name allowing the output activation, or None)."""
    if type(activations) not in (list, tuple) and (
        isinstance(activations, str) or not isinstance(activations, Sequence)
    ):
        raise ValueError(
            f"activations: expected a sequence of {L} names (layers 1..{L}), "
            f"got {activations!r}"
        )
    if len(activations) != L:
        raise ValueError(
            f"activations: expected {L} names (one per layer 1..{L}), got {len(activations)}: "
            f"{list(activations)!r}"
        )
    for l, name in enumerate(activations[:-1], start=1):
        if name in _activations.OUTPUT_ONLY:
            raise ValueError(
                f"activations: {name!r} at hidden layer {l} is only allowed at the output "
                "layer (it is not elementwise)"
            )
        _activations.get(name)
    out_name = activations[-1]
    if out_name not in _activations.OUTPUT_ONLY:
        _activations.get(out_name)
    hidden = tuple(activations[:-1])
    if cost is None:
        return Names(hidden, out_name, None)
    spec = _costs.get(cost)
    if out_name not in spec.outputs:
        allowed = ", ".join(spec.outputs) if len(spec.outputs) < 4 else "any elementwise one"
        raise ValueError(
            f"activations: the output activation {out_name!r} is not allowed with cost "
            f"{cost!r}; expected {allowed}"
        )
    return Names(hidden, out_name, spec)


def validate(
    weights: Sequence[np.ndarray],
    X: Any,
    Y: Any | None,
    activations: Sequence[str],
    cost: str | None,
) -> tuple[list[np.ndarray], np.ndarray, np.ndarray | None]:
    """Validate one problem; returns ``(weights, X, Y)`` as plain arrays (no copies, no
    casts; an array stored in the non-native byte order comes back converted to the
    native one, the same numbers).

    ``Y`` and ``cost`` may be ``None`` for a forward pass alone. Every failure is a
    ``ValueError`` whose message starts with the argument's name and says what was
    expected and what came.
    """
    weights, X, Y, _ = validate_names(weights, X, Y, activations, cost)
    return weights, X, Y


def validate_names(
    weights: Sequence[np.ndarray],
    X: Any,
    Y: Any | None,
    activations: Sequence[str],
    cost: str | None,
) -> tuple[list[np.ndarray], np.ndarray, np.ndarray | None, Names]:
    """:func:`validate`, also returning the checked :class:`Names` (what backprop needs
    to know of the activations and the cost, looked up once)."""
    weights, dtype = validate_weights(weights)
    Q, N_L, L = weights[0].shape[0] - 1, weights[-1].shape[1], len(weights)

    if not (type(X) is np.ndarray and X.ndim == 2 and X.dtype in FLOAT_DTYPE_SET):
        X = as_float_array(X, "X", 2)  # the common case above, decided without a call
    if X.shape[1] != Q:
        raise ValueError(
            f"X: expected shape (P, {Q}) to match weights[0] of shape "
            f"{weights[0].shape} (Q = rows - 1), got {X.shape}"
        )
    if X.dtype != dtype:
        raise ValueError(f"X: dtype {X.dtype} differs from the weights' {dtype} (no silent casts)")
    if not all_finite(X):
        raise not_finite(X, "X")

    names = _checked_names(activations, L, cost)
    spec = names.cost
    if spec is None:
        if Y is not None:
            raise ValueError("cost: Y was given without a cost name")
        return weights, X, None, names

    if not (type(Y) is np.ndarray and Y.ndim == 2 and Y.dtype in FLOAT_DTYPE_SET):
        Y = as_float_array(Y, "Y", 2)
    if Y.shape != (X.shape[0], N_L):
        raise ValueError(
            f"Y: expected shape (P, N_L) = {(X.shape[0], N_L)} to match X's P and the "
            f"output layer, got {Y.shape}"
        )
    if Y.dtype != dtype:
        raise ValueError(f"Y: dtype {Y.dtype} differs from the weights' {dtype} (no silent casts)")
    labels = spec.labels
    if labels == "any" or not Y.size:
        check_finite(Y, "Y")
        return weights, X, Y, names
    if labels == "unit":
        # Every label in [+0, 1] is done with one comparison and a count: a non-negative
        # float's bits, read as an unsigned integer, grow with its value, and every other
        # value (a negative one, -0.0, a NaN, an infinity, anything above 1) reads above
        # 1.0's bits. Whatever fails this goes through the range below, which decides
        # (and accepts -0.0) as before.
        bits, one = UNIT_BITS[dtype]
        if np.count_nonzero(np.less_equal(Y.view(bits), one)) == Y.size:
            return weights, X, Y, names
    # The label rules need Y's range; a NaN or an infinity shows in it, so a finite range
    # also proves Y finite (one reduction fewer; the checks and messages keep their order).
    lo, hi = Y.min(), Y.max()
    if not (math.isfinite(lo) and math.isfinite(hi)):
        check_finite(Y, "Y")
    if labels == "unit" and (lo < 0 or hi > 1):
        raise ValueError(f"Y: cost {cost!r} expects labels in [0, 1], got values in [{lo}, {hi}]")
    if labels == "nonnegative" and lo < 0:
        raise ValueError(f"Y: cost {cost!r} expects labels >= 0, got a minimum of {lo}")
    return weights, X, Y, names
