"""Validation of every argument crosscheck takes: option values and a problem's arrays.

Each function returns the value in its canonical form or raises
:class:`~crosscheck.errors.UsageError` (a ``ValueError``) whose message starts with the
argument's name and says what was expected and what came. :func:`problem_arrays` is
crosscheck's own check of the canonical layout (DEVELOPERS.md), independent of the
implementation under test.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from crosscheck import spec
from crosscheck.errors import UsageError

__all__ = [
    "FLOAT_DTYPES",
    "dtype",
    "dtypes",
    "integer",
    "names",
    "positive_number",
    "problem_arrays",
]

FLOAT_DTYPES: tuple[np.dtype, ...] = (np.dtype(np.float32), np.dtype(np.float64))
"""The dtypes a problem may have (float16 and bfloat16 are refused: with n u >= 1 for the
sums of a gate problem, the error budget would let an all-zero gradient pass)."""


def names(
    value: Iterable[str] | str | None, argument: str, known: Sequence[str]
) -> tuple[str, ...] | None:
    """A restriction list: ``None`` stays ``None``; a comma-separated string or a sequence
    of names from ``known`` becomes a tuple without repeats, in the order given."""
    if value is None:
        return None
    if isinstance(value, str):
        items = [v.strip() for v in value.split(",")]
    else:
        try:
            items = list(value)
        except TypeError:
            raise UsageError(
                f"{argument}: expected names from {', '.join(known)} (a sequence or a "
                f"comma-separated string), got {value!r}"
            ) from None
    bad = [n for n in items if not isinstance(n, str) or n not in known]
    if bad or not items:
        raise UsageError(
            f"{argument}: expected names from {', '.join(known)}; got {items!r}"
            + (f" ({', '.join(map(repr, bad))} unknown)" if bad else " (nothing)")
        )
    return tuple(dict.fromkeys(items))


def dtype(value: Any, argument: str = "dtype", expected: str = "float32 or float64") -> np.dtype:
    """float32 or float64, given as a NumPy dtype, a type or a name (byte order native)."""
    try:
        dt = np.dtype(value)
    except TypeError:
        dt = None
    if dt is not None and dt.kind == "f" and dt.byteorder not in ("=", "|"):
        dt = dt.newbyteorder("=")
    if dt is None or dt not in FLOAT_DTYPES:  # (None == float64 dtype is True in NumPy)
        raise UsageError(f"{argument}: expected {expected}, got {value!r}")
    return dt


def dtypes(value: Iterable[Any] | str | None, argument: str = "dtypes") -> tuple[np.dtype, ...]:
    """One or both float dtypes (a comma-separated string or a sequence), float64 first;
    ``None`` means both."""
    if value is None:
        return FLOAT_DTYPES[::-1]
    items = [v.strip() for v in value.split(",")] if isinstance(value, str) else list(value)
    out = tuple(dict.fromkeys(dtype(v, argument, "float32 and/or float64") for v in items))
    if not out:
        raise UsageError(f"{argument}: expected float32 and/or float64, got nothing")
    return tuple(sorted(out, key=lambda d: -d.itemsize))


def integer(value: Any, argument: str, minimum: int = 1, maximum: int | None = None) -> int:
    """An ``int`` (not a bool) in ``[minimum, maximum]``."""
    ok = (
        not isinstance(value, bool)
        and isinstance(value, (int, np.integer))
        and value >= minimum
        and (maximum is None or value <= maximum)
    )
    if not ok:
        upper = "" if maximum is None else f" and <= {maximum}"
        raise UsageError(f"{argument}: expected an integer >= {minimum}{upper}, got {value!r}")
    return int(value)


def positive_number(value: Any, argument: str) -> float:
    """A finite real number > 0."""
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float, np.integer, np.floating))
        or not (math.isfinite(value) and value > 0)
    ):
        raise UsageError(f"{argument}: expected a finite number > 0, got {value!r}")
    return float(value)


# ----------------------------------------------------------------------------- arrays


def _array(x: Any, argument: str, ndim: int) -> np.ndarray:
    if isinstance(x, np.ma.MaskedArray):
        raise UsageError(f"{argument}: a masked array (its mask would be ignored); pass the data")
    try:
        a = np.asarray(x)
    except Exception as exc:
        raise UsageError(f"{argument}: not an array ({type(exc).__name__}: {exc})") from None
    if a.ndim != ndim:
        raise UsageError(f"{argument}: expected a {ndim}-D array, got shape {a.shape}")
    if a.dtype.kind != "f" or a.dtype.newbyteorder("=") not in FLOAT_DTYPES:
        raise UsageError(f"{argument}: expected dtype float32 or float64, got {a.dtype}")
    if not a.dtype.isnative:
        a = a.astype(a.dtype.newbyteorder("="))
    return a


def _finite(a: np.ndarray, argument: str) -> None:
    if not np.isfinite(a).all():
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(a))[0])
        raise UsageError(f"{argument}: expected finite values, got {a[bad]} at index {bad}")


def problem_arrays(
    weights: Sequence[Any], X: Any, Y: Any, activations: Sequence[str], cost: str
) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """Check one problem in the canonical layout; returns ``(weights, X, Y)`` as arrays.

    ``weights[l]`` of shape ``(N_l + 1, N_{l+1})`` (row 0 the bias, the seed's w^l of
    eq. 1), consecutive layers chaining, ``X`` ``(P, Q)``, ``Y`` ``(P, N_L)``, one float
    dtype throughout, every value finite, one activation name per layer 1..L that goes
    with ``cost`` (:func:`crosscheck.spec.check_names`), labels obeying the cost's rule.
    """
    if isinstance(weights, (str, np.ndarray)) or not isinstance(weights, Sequence) or not weights:
        raise UsageError(
            "weights: expected a non-empty list of 2-D arrays, weights[l] of shape "
            f"(N_l + 1, N_l+1); got {type(weights).__name__}"
        )
    ws = [_array(w, f"weights[{l}]", 2) for l, w in enumerate(weights)]
    dt = ws[0].dtype
    for l, w in enumerate(ws):
        if w.shape[0] < 2 or w.shape[1] < 1:
            raise UsageError(
                f"weights[{l}]: empty layer; expected shape (N_{l} + 1, N_{l + 1}) with "
                f"N_{l}, N_{l + 1} >= 1, got {w.shape}"
            )
        if w.dtype != dt:
            raise UsageError(f"weights[{l}]: dtype {w.dtype} differs from weights[0]'s {dt}")
        if l and w.shape[0] != ws[l - 1].shape[1] + 1:
            raise UsageError(
                f"weights[{l}]: shape {w.shape} does not follow weights[{l - 1}] of shape "
                f"{ws[l - 1].shape}; expected {ws[l - 1].shape[1] + 1} rows"
            )
        _finite(w, f"weights[{l}]")
    X = _array(X, "X", 2)
    if X.shape[1] != ws[0].shape[0] - 1 or X.dtype != dt:
        raise UsageError(
            f"X: expected shape (P, {ws[0].shape[0] - 1}) and dtype {dt} to match "
            f"weights[0], got shape {X.shape} and dtype {X.dtype}"
        )
    _finite(X, "X")
    if isinstance(activations, str) or not isinstance(activations, Sequence):
        raise UsageError(
            f"activations: expected a sequence of {len(ws)} names, got {activations!r}"
        )
    if len(activations) != len(ws):
        raise UsageError(
            f"activations: expected {len(ws)} names (one per layer 1..{len(ws)}), "
            f"got {len(activations)}: {list(activations)!r}"
        )
    try:
        spec.check_names(activations, cost)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    Y = _array(Y, "Y", 2)
    if Y.shape != (X.shape[0], ws[-1].shape[1]) or Y.dtype != dt:
        raise UsageError(
            f"Y: expected shape (P, N_L) = {(X.shape[0], ws[-1].shape[1])} and dtype {dt}, "
            f"got shape {Y.shape} and dtype {Y.dtype}"
        )
    _finite(Y, "Y")
    rule = spec.COSTS[cost].labels
    if Y.size and rule == "unit" and (Y.min() < 0 or Y.max() > 1):
        raise UsageError(
            f"Y: cost {cost!r} expects labels in [0, 1], got values in [{Y.min()}, {Y.max()}]"
        )
    if Y.size and rule == "nonnegative" and Y.min() < 0:
        raise UsageError(f"Y: cost {cost!r} expects labels >= 0, got a minimum of {Y.min()}")
    return ws, X, Y
