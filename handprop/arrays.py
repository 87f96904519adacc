"""What handprop accepts as an array, and its finiteness check.

:func:`as_float_array` turns an argument (``weights[l]``, ``X``, ``Y``) into a plain
``np.ndarray`` of dtype float32 or float64 in the native byte order, or raises a
``ValueError`` naming it. A plain ndarray of a native float dtype (the common case) costs
three attribute checks. Three kinds of input are decided explicitly (issue 13), each the
same for ``weights[l]``, ``X`` and ``Y`` of every public function:

* a **masked array** (``np.ma.MaskedArray``) is refused with a ``ValueError`` naming the
  argument: handprop's arithmetic would read its data and silently ignore the mask, so
  an example the caller masked out would still count (``.filled(value)`` or selecting
  the unmasked rows says what is meant);
* another **ndarray subclass** (``np.matrix``, ``np.memmap``, ...) is viewed as a plain
  array (no copy), so its own operators (``*`` is a matrix product for ``np.matrix``)
  never reach handprop's elementwise arithmetic;
* a float32 or float64 array in the **non-native byte order** (``>f8`` on a
  little-endian machine) is accepted and converted to the native order (a copy). Byte
  order is storage, not precision: the numbers are the same, so this is not one of the
  silent casts the dtype rules forbid (float32 stays float32, float64 stays float64), and
  the results come back in the native order of the same dtype. Refusing it would only
  make every caller write the same conversion (the old message, "expected float32 or
  float64, got >f8", called a float64 array not float64).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = [
    "FLOAT_DTYPES",
    "FLOAT_DTYPE_SET",
    "UNIT_BITS",
    "all_finite",
    "as_float_array",
    "check_finite",
    "not_finite",
]

FLOAT_DTYPES: tuple[np.dtype, ...] = (np.dtype(np.float32), np.dtype(np.float64))
FLOAT_DTYPE_SET = frozenset(FLOAT_DTYPES)  # one hash lookup per check instead of two ==


def as_float_array(x: Any, name: str, ndim: int) -> np.ndarray:
    """``x`` as an ``ndim``-D float32 or float64 array of native byte order, else a
    ``ValueError`` naming ``name``. A plain ndarray of a native float dtype (the common
    case) costs three attribute checks; everything else goes through :func:`_to_array`."""
    if type(x) is not np.ndarray:
        x = _to_array(x, name, ndim)
    if x.ndim != ndim:
        raise ValueError(f"{name}: expected a {ndim}-D array, got shape {x.shape}")
    if x.dtype not in FLOAT_DTYPE_SET:
        x = _native_float(x, name)
    return x


def _to_array(x: Any, name: str, ndim: int) -> np.ndarray:
    """A plain ndarray from anything else: a masked array is refused (its mask would be
    ignored), another ndarray subclass (``np.matrix``, ``np.memmap``) is viewed as a plain
    array (no copy; its own operators would change handprop's arithmetic), nested
    sequences are converted, ragged or non-numeric ones refused."""
    if isinstance(x, np.ma.MaskedArray):
        raise ValueError(
            f"{name}: expected an array without a mask, got a numpy.ma.MaskedArray; "
            f"handprop would ignore its mask. Pass {name}.filled(value) to fill the masked "
            "entries, or select the unmasked rows first"
        )
    if isinstance(x, np.ndarray):
        return x.view(np.ndarray)
    try:
        x = np.asarray(x)
    except ValueError as exc:
        raise ValueError(
            f"{name}: expected a {ndim}-D float32 or float64 array, got a ragged "
            f"{type(x).__name__} ({exc})"
        ) from None
    if x.dtype == object:
        raise ValueError(
            f"{name}: expected a {ndim}-D float32 or float64 array, got a ragged or "
            f"non-numeric {type(x).__name__}"
        )
    return x


def _native_float(x: np.ndarray, name: str) -> np.ndarray:
    """A float32 or float64 array stored in the other byte order, converted to the native
    order (the same numbers: byte order is storage, not precision, so this is no cast);
    ``ValueError`` for every other dtype."""
    native = x.dtype.newbyteorder("=")
    if native in FLOAT_DTYPE_SET:
        return x.astype(native)
    raise ValueError(f"{name}: expected dtype float32 or float64, got {x.dtype}")


_DOT_BELOW = 4096
"""Arrays with fewer elements are checked for finiteness by a dot product first (one BLAS
call instead of two NumPy calls: 1.9 against 2.4 us for 1 000 elements). Larger ones go
to ``isfinite`` alone: OpenBLAS runs longer dot products on several threads, and on a
loaded machine a float64 one of 20 000 elements then took 12 ms instead of 7 us."""


def all_finite(x: np.ndarray) -> bool:
    """Every element finite. On small arrays first the sum of squares, one BLAS call: a
    NaN or an infinity anywhere makes it NaN or +inf whatever the order of summation (no
    IEEE operation turns either back into a finite number), so a finite sum proves every
    element finite. Larger arrays, and an overflowing sum (elements beyond ~1e154, or
    ~1e19 in float32), take the elementwise test, ``count_nonzero(isfinite(x))`` (a plain C
    loop; cheaper than ``.all()``)."""
    if x.size < _DOT_BELOW and math.isfinite(np.vdot(x, x)):
        return True
    return np.count_nonzero(np.isfinite(x)) == x.size


def not_finite(x: np.ndarray, name: str) -> ValueError:
    """The error for an array with a NaN or an infinity, naming the first one."""
    bad = np.argwhere(~np.isfinite(x))[0]
    return ValueError(
        f"{name}: expected finite values, got {x[tuple(bad)]} at index {tuple(bad.tolist())}"
    )


def check_finite(x: np.ndarray, name: str) -> None:
    if not all_finite(x):
        raise not_finite(x, name)


UNIT_BITS = {
    dt: (np.dtype(f"u{dt.itemsize}"), np.array(np.ones((), dt).view(f"u{dt.itemsize}")))
    for dt in FLOAT_DTYPES
}
"""Per float dtype: the unsigned integer type of its size, and 1.0's bits as a 0-d array of
it (validation's test of labels in [0, 1])."""
for _bits in UNIT_BITS.values():
    _bits[1].flags.writeable = False
