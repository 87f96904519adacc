"""The two working precisions of the extended oracle, behind one interface.

* :data:`LONGDOUBLE`: NumPy's ``np.longdouble`` where it has at least 64 significant bits
  (x87 80-bit extended on x86-64 Linux: u = 2^-64); elementary functions from the C
  library (``expl``, ``expm1l``, ``log1pl``, ``tanhl``: within ~2 ulps, measured).
* :data:`DOUBLE_DOUBLE`: pairs of float64 (:mod:`crosscheck.oracles._dd`), on any IEEE
  machine; u bounded by 2^-100.

Each offers the same operations: conversion from and to float64, ``where``, ``abs``,
``exp``, ``expm1``, ``exp_and_expm1``, ``log1p``, ``tanh``, ``[1 x]`` (``ones_first``), the
decimal constants of the spec, and the matrix product (:mod:`crosscheck.oracles._products`)
with what its split needs (row/column exponents, exact scaling, the exact float64 pair of a
value, accumulation, direct dot products).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from crosscheck.oracles import _dd

__all__ = ["DOUBLE_DOUBLE", "LONGDOUBLE", "PRECISIONS", "longdouble_is_extended"]

_FALLBACK_CHUNK = 1 << 20  # elements per chunk of the direct dot products


def longdouble_is_extended() -> bool:
    """Whether ``np.longdouble`` carries at least 64 significant bits (63 stored)."""
    return int(np.finfo(np.longdouble).nmant) >= 63


class _LongDouble:
    name = "longdouble"
    unit_roundoff = 2.0**-64
    dps = 20  # 10^(1 - 20) = 1e-19 >= 2^-64 ~ 5.4e-20
    split_depth = 3  # exact pairs s + t <= 3; the tail is ~2^-44 of the product
    direct_max = 1 << 19  # multiply-adds up to which the plain loop beats the split here

    # -- conversions -------------------------------------------------------------------
    def asarray(self, x: Any) -> np.ndarray:
        return np.asarray(x, dtype=np.longdouble)

    def constant(self, value: Any) -> np.longdouble:
        hi, lo = _dd.constant(value)
        return np.longdouble(hi) + np.longdouble(lo)

    def to_float64(self, x: Any) -> np.ndarray:
        """The nearest float64 (a new array)."""
        return np.asarray(x).astype(np.float64)

    def zeros(self, shape: tuple[int, ...]) -> np.ndarray:
        return np.zeros(shape, dtype=np.longdouble)

    def ones_like(self, x: np.ndarray) -> np.ndarray:
        return np.ones(x.shape, dtype=np.longdouble)

    # -- elementwise ---------------------------------------------------------------------
    def where(self, mask: Any, a: Any, b: Any) -> np.ndarray:
        return np.where(mask, a, b)

    def positive(self, x: np.ndarray) -> np.ndarray:
        return x > 0

    def negative(self, x: np.ndarray) -> np.ndarray:
        return x < 0

    def abs(self, x: Any) -> np.ndarray:
        return np.abs(x)

    def exp(self, x: Any) -> np.ndarray:
        return np.exp(x)

    def expm1(self, x: Any) -> np.ndarray:
        return np.expm1(x)

    def exp_and_expm1(self, x: Any) -> tuple[np.ndarray, np.ndarray]:
        return np.exp(x), np.expm1(x)

    def log1p(self, x: Any) -> np.ndarray:
        return np.log1p(x)

    def tanh(self, x: Any) -> np.ndarray:
        return np.tanh(x)

    def sum_rows(self, x: Any) -> np.ndarray:
        return np.sum(x, axis=1, keepdims=True)

    def ones_first(self, x: np.ndarray) -> np.ndarray:
        """[1 x]: a column of ones before the columns of x (float64 stays float64)."""
        out = np.empty((x.shape[0], x.shape[1] + 1), dtype=x.dtype)
        out[:, 0] = 1
        out[:, 1:] = x
        return out

    def row_max(self, x: np.ndarray) -> np.ndarray:
        """The largest element of each row, as a column."""
        return np.max(x, axis=1, keepdims=True)

    # -- products --------------------------------------------------------------------------
    def direct(self, A: np.ndarray, B: np.ndarray) -> np.ndarray:
        # NumPy's longdouble product has no BLAS: a plain loop (np.dot has less overhead
        # than @). Both converted: two float64 operands would give a float64 product.
        return np.dot(np.asarray(A, dtype=np.longdouble), np.asarray(B, dtype=np.longdouble))

    def exponents(self, x: np.ndarray, axis: int) -> np.ndarray:
        big = np.maximum(np.max(x, axis=axis), -np.min(x, axis=axis))  # max |x|, no temporary
        return np.frexp(big)[1].astype(np.int64)

    def ldexp(self, x: np.ndarray, e: Any) -> np.ndarray:
        # A product by 2^e, exact in longdouble's range (|e| < 16000), is faster than ldexpl.
        return x * np.ldexp(np.longdouble(1), e)

    def pair(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        hi = x.astype(np.float64)
        return hi, (x - hi).astype(np.float64)

    def unscale(self, x: np.ndarray, er: np.ndarray, ec: np.ndarray) -> np.ndarray:
        """x 2^(er_i + ec_j): two products by powers of two, exact in longdouble's range."""
        one = np.longdouble(1)
        return x * np.ldexp(one, er)[:, None] * np.ldexp(one, ec)[None, :]

    def from_float64(self, p: np.ndarray) -> np.ndarray:
        return p.astype(np.longdouble)

    def add_float64(self, acc: np.ndarray, p: np.ndarray) -> np.ndarray:
        acc += p
        return acc

    def assign(self, C: np.ndarray, idx: Any, values: np.ndarray) -> np.ndarray:
        C[idx] = values
        return C

    def dot_rows(self, A: Any, B: Any, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """sum_k A[rows[i], k] B[k, cols[i]] for each i (pairwise summation)."""
        A, B = self.asarray(A), self.asarray(B)
        step = max(1, _FALLBACK_CHUNK // max(A.shape[1], 1))
        parts = [
            np.sum(A[rows[i : i + step]] * B[:, cols[i : i + step]].T, axis=1)
            for i in range(0, rows.size, step)
        ]
        return np.concatenate(parts) if parts else self.zeros((0,))


class _DoubleDouble:
    name = "double-double"
    unit_roundoff = _dd.UNIT_ROUNDOFF
    dps = 31  # 10^(1 - 31) = 1e-30 >= 2^-100 ~ 7.9e-31
    split_depth = 4  # exact pairs s + t <= 4; the tail is ~2^-66 of the product
    direct_max = 1 << 13  # multiply-adds up to which exact products and tree sums win

    # -- conversions -------------------------------------------------------------------
    def asarray(self, x: Any) -> _dd.DD:
        return x if isinstance(x, _dd.DD) else _dd.DD(np.asarray(x, dtype=np.float64))

    def constant(self, value: Any) -> _dd.DD:
        return _dd.DD(*_dd.constant(value))

    def to_float64(self, x: Any) -> np.ndarray:
        """The nearest float64 (a new array)."""
        return x.to_float64() if isinstance(x, _dd.DD) else np.array(x, dtype=np.float64)

    def zeros(self, shape: tuple[int, ...]) -> _dd.DD:
        return _dd.DD(np.zeros(shape))

    def ones_like(self, x: _dd.DD) -> _dd.DD:
        return _dd.DD(np.ones(x.shape))

    # -- elementwise ---------------------------------------------------------------------
    def where(self, mask: Any, a: Any, b: Any) -> _dd.DD:
        return _dd.where(mask, a, b)

    def positive(self, x: Any) -> np.ndarray:
        return (x.hi if isinstance(x, _dd.DD) else np.asarray(x)) > 0

    def negative(self, x: Any) -> np.ndarray:
        return (x.hi if isinstance(x, _dd.DD) else np.asarray(x)) < 0

    def abs(self, x: Any) -> _dd.DD:
        return abs(self.asarray(x))

    def exp(self, x: Any) -> _dd.DD:
        return _dd.exp(x)

    def expm1(self, x: Any) -> _dd.DD:
        return _dd.expm1(x)

    def exp_and_expm1(self, x: Any) -> tuple[_dd.DD, _dd.DD]:
        return _dd.exp_and_expm1(x)

    def log1p(self, x: Any) -> _dd.DD:
        return _dd.log1p(x)

    def tanh(self, x: Any) -> _dd.DD:
        return _dd.tanh(x)

    def sum_rows(self, x: Any) -> _dd.DD:
        return self.asarray(x).sum(axis=1).reshape(-1, 1)

    def ones_first(self, x: Any) -> Any:
        """[1 x]: a column of ones before the columns of x (float64 stays float64)."""
        if not isinstance(x, _dd.DD):
            return np.hstack([np.ones((x.shape[0], 1)), x])
        zero = np.zeros((x.shape[0], 1))
        return _dd.DD(np.hstack([zero + 1.0, x.hi]), np.hstack([zero, x.lo]))

    def row_max(self, x: _dd.DD) -> _dd.DD:
        i = np.argmax(x.hi, axis=1)[:, None]
        return _dd.DD(np.take_along_axis(x.hi, i, axis=1), np.take_along_axis(x.lo, i, axis=1))

    # -- products --------------------------------------------------------------------------
    def direct(self, A: Any, B: Any) -> _dd.DD:
        a = A if isinstance(A, _dd.DD) else np.asarray(A, dtype=np.float64)
        b = B if isinstance(B, _dd.DD) else np.asarray(B, dtype=np.float64)
        return _products_dd(a[:, :, None], b[None, :, :]).sum(axis=1)

    def exponents(self, x: _dd.DD, axis: int) -> np.ndarray:
        return np.frexp(np.max(np.abs(x.hi), axis=axis))[1].astype(np.int64)

    def ldexp(self, x: _dd.DD, e: Any) -> _dd.DD:
        return _dd.ldexp(x, e)

    def pair(self, x: _dd.DD) -> tuple[np.ndarray, np.ndarray]:
        return x.hi, x.lo

    def unscale(self, x: _dd.DD, er: np.ndarray, ec: np.ndarray) -> _dd.DD:
        """x 2^(er_i + ec_j), in one step (two could underflow in between)."""
        return _dd.ldexp(x, er[:, None] + ec[None, :])

    def from_float64(self, p: np.ndarray) -> _dd.DD:
        return _dd.DD(p)

    def add_float64(self, acc: _dd.DD, p: np.ndarray) -> _dd.DD:
        return acc + p

    def assign(self, C: _dd.DD, idx: Any, values: _dd.DD) -> _dd.DD:
        hi, lo = C.hi.copy(), C.lo.copy()
        hi[idx] = values.hi
        lo[idx] = values.lo
        return _dd.DD(hi, lo)

    def dot_rows(self, A: Any, B: Any, rows: np.ndarray, cols: np.ndarray) -> _dd.DD:
        """sum_k A[rows[i], k] B[k, cols[i]] for each i (exact products, tree sums)."""
        A, B = self.asarray(A), self.asarray(B)
        step = max(1, _FALLBACK_CHUNK // max(A.shape[1], 1))
        his, los = [], []
        for i in range(0, rows.size, step):
            r, c = rows[i : i + step], cols[i : i + step]
            s = _products_dd(A[r], B[:, c].T).sum(axis=1)
            his.append(s.hi)
            los.append(s.lo)
        if not his:
            return self.zeros((0,))
        return _dd.DD(np.concatenate(his), np.concatenate(los))


def _products_dd(a: Any, b: Any) -> _dd.DD:
    """Elementwise a * b (broadcast) in double-double; exact where both are float64."""
    if isinstance(a, _dd.DD) or isinstance(b, _dd.DD):
        if not isinstance(a, _dd.DD):
            a, b = b, a
        return a * b
    return _dd.DD(*_dd.two_prod(a, b))


LONGDOUBLE = _LongDouble()
DOUBLE_DOUBLE = _DoubleDouble()
PRECISIONS = {p.name: p for p in (LONGDOUBLE, DOUBLE_DOUBLE)}
"""The working precisions by name: ``"longdouble"``, ``"double-double"``."""
