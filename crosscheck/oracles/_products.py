"""Matrix products in extended precision at BLAS speed: an Ozaki-style error-free split.

``C = A B`` with A (m x n) and B (n x k) extended-precision (or float64) matrices, in the
working precision ``prec`` of :mod:`crosscheck.oracles._precision`, with the guarantee

    |C - A B| <= n u_w (|A| |B|)            elementwise (u_w = prec.unit_roundoff),

the bound of a sum of n products computed in that precision (``gamma_n``, the form the
error budget assumes), plus float64's underflow floor on the double-double path.

The scheme (Ozaki, Ogita, Oishi, Rump, "Error-free transformations of matrix
multiplication by using fast routines of matrix multiplication", Numer. Algorithms 2012),
in the scaled domain:

1. Every row of A and every column of B is scaled by a power of two (exact) so that its
   largest element is in [1/2, 1); each scaled element becomes an exact pair of float64.
2. Each scaled matrix is cut into slices, ``A = sum_s I_s 2^(-beta s) + R^A_s``: I_s holds
   integers of at most beta bits on a grid common to the whole row (column for B), and
   R^A_s is the exact remainder. With ``n 2^(2 beta) <= 2^53`` every product ``I_s J_t``
   is an exact float64 BLAS product, whatever the summation order, blocking or FMA.
3. The pairs with ``s + t <= D`` are computed exactly and accumulated in the working
   precision; the rest, ``sum_t R^A_{D-t} B_t + A R^B_{D-1}``, is one float64 product of
   concatenated blocks (the *tail*, about 2^(-beta (D-1)) of the whole), whose rounding is
   bounded by ``(D n + 3) u M_tail`` with ``M_tail`` the same product on magnitudes.
4. A certificate checks, element by element, that the accumulated rounding plus the
   tail's bound is within ``n u_w (|A| |B|)``; M_tail is first bounded cheaply (row maxima
   of the remainders times column sums), and by its product only where that fails.
   Elements that still fail (a row whose large elements meet zeros of B while the small
   ones carry the sum) are recomputed directly: a dot product in the working precision.

Products of at most ``prec.direct_max`` multiply-adds (m n k) go straight to the working
precision's own product (longdouble's plain loop, about 1e8 multiply-adds a second here:
up to 2^19; double-double's exact products and tree of sums: up to 2^13), which has the
same bound and is faster there than the split's fixed costs.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["MODES", "beta_for", "matmul"]

MODES = ("auto", "direct", "split")

_U64 = 2.0**-53
_TINY = 2.0**-1074
_FEW = 1 << 20  # gathered elements below which fallback bookkeeping gathers rows/columns


def beta_for(n: int) -> int:
    """Bits per slice for inner dimension n: the largest beta with n 2^(2 beta) <= 2^53."""
    return (53 - max(0, math.ceil(math.log2(max(n, 1))))) // 2


def matmul(A: Any, B: Any, prec: Any, *, mode: str = "auto", stats: dict | None = None) -> Any:
    """A @ B in the working precision ``prec`` (A, B: its arrays or float64 arrays).

    ``mode``: ``"direct"`` (the precision's own product), ``"split"`` (the scheme of the
    module docstring) or ``"auto"`` (direct up to ``prec.direct_max`` multiply-adds).
    ``stats``, if given, counts ``direct``, ``split``, ``tail_gemm`` (certificates that
    needed the magnitude product) and ``fallback`` (elements recomputed directly).
    """
    m, n = A.shape
    k = B.shape[1]
    size = m * n * k
    if mode == "auto" and size <= prec.direct_max:  # the common case first: small products
        _count(stats, "direct")
        return prec.direct(A, B)
    if mode not in MODES:
        raise ValueError(f"mode: expected one of {MODES}, got {mode!r}")
    if size == 0 or mode == "direct":
        _count(stats, "direct")
        return prec.direct(A, B)
    _count(stats, "split")
    return _split_matmul(A, B, prec, stats)


def _count(stats: dict | None, key: str, by: int = 1) -> None:
    if stats is not None:
        stats[key] = stats.get(key, 0) + by


def _slices(h: np.ndarray, l: np.ndarray, count: int, beta: int):
    """x = h + l (exact, |x| < 1) = sum_{s<=count} I_s 2^(-beta s) + R_count.

    Returns the integer slices I_s and, for s = 1..count, the float64 nearest (barring
    underflow) to the remainder R_s after s slices, in value units. (In place where it
    can: large temporaries cost page faults.)"""
    scale = 2.0**beta
    slices, rems = [], []
    vh, vl = h * scale, l * scale  # exact (a power of two)
    for s in range(1, count + 1):
        q = np.rint(vh)
        vh -= q  # exact: |vh - q| <= 1/2
        # TwoSum(vh, vl) (crosscheck.oracles._dd.two_sum), with fewer temporaries
        sh = vh + vl
        bb = sh - vh
        e = sh - bb
        np.subtract(vh, e, out=e)
        np.subtract(vl, bb, out=bb)
        e += bb
        vh, vl = sh, e
        slices.append(q)
        rems.append(vh * 2.0 ** (-beta * s))
        if s < count:
            vh *= scale
            vl *= scale
    return slices, rems


def _scaled_pair(X: Any, prec: Any, axis: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(e, hi, lo): e the exponents of the largest |element| of each row (axis 1) or
    column (axis 0), hi + lo = X 2^-e exactly (barring underflow) as float64."""
    if isinstance(X, np.ndarray) and X.dtype == np.float64:  # the weights, X: no conversion
        e = np.frexp(np.max(np.abs(X), axis=axis))[1].astype(np.int64)
        shape = (-1, 1) if axis == 1 else (1, -1)
        if e.size and (e.max() > 1000 or e.min() < -1000):  # 2^-e not a float64
            hi = np.ldexp(X, -e.reshape(shape))
        else:
            hi = X * np.ldexp(1.0, -e).reshape(shape)
        return e, hi, np.zeros_like(hi)
    e = prec.exponents(X, axis=axis)
    hi, lo = prec.pair(prec.ldexp(X, -(e[:, None] if axis == 1 else e[None, :])))
    return e, hi, lo


def _split_matmul(A: Any, B: Any, prec: Any, stats: dict | None) -> Any:
    n = A.shape[1]
    D = prec.split_depth
    beta = beta_for(n)
    ea, ah, al = _scaled_pair(A, prec, axis=1)
    eb, bh, bl = _scaled_pair(B, prec, axis=0)
    I, RA = _slices(ah, al, D - 1, beta)
    J, RB = _slices(bh, bl, D - 1, beta)
    Bt = [J[t - 1] * 2.0 ** (-beta * t) for t in range(1, D)]  # exact

    # The exact part, smallest pairs first, and the bound on its accumulation.
    acc = None
    acc_err = np.zeros((A.shape[0], B.shape[1]))
    for d in range(D, 1, -1):
        for s in range(1, d):
            p = (I[s - 1] @ J[d - s - 1]) * 2.0 ** (-beta * d)  # exact product, exact scaling
            if acc is None:
                acc = prec.from_float64(p)  # exact
            else:
                acc = prec.add_float64(acc, p)
                acc_err += np.abs(prec.to_float64(acc))
    acc_err *= prec.unit_roundoff * (1.0 + 4.0 * _U64)

    # The tail: sum_t R^A_{D-t} B_t + A R^B_{D-1}, one float64 product.
    TA = np.concatenate([RA[D - t - 1] for t in range(1, D)] + [ah], axis=1)
    TB = np.concatenate([*Bt, RB[D - 2]], axis=0)
    acc = prec.add_float64(acc, TA @ TB)
    acc_err += prec.unit_roundoff * np.abs(prec.to_float64(acc))

    # The certificate, in the scaled domain.
    N = D * n
    coef = (N + 3) * _U64 * (1.0 + 2.0 * (N + 3) * _U64)
    eta = (4.0 * N + 8.0) * _TINY
    T = (np.abs(ah) @ np.abs(bh)) * (1.0 - (n + 4) * _U64)
    target = max(n, 1) * prec.unit_roundoff * T
    up = 1.0 + (n + D + 4) * _U64  # the column sums, row maxima and outer products
    cheap = np.add.outer(np.zeros(A.shape[0]), np.zeros(B.shape[1]))
    for t in range(1, D):
        cheap += np.multiply.outer(
            np.max(np.abs(RA[D - t - 1]), axis=1), np.sum(np.abs(Bt[t - 1]), axis=0)
        )
    cheap += np.multiply.outer(np.sum(np.abs(ah), axis=1), np.max(np.abs(RB[D - 2]), axis=0))
    bad = acc_err + coef * up * cheap + eta > target
    if bad.any():
        _count(stats, "tail_gemm")
        M = (np.abs(TA) @ np.abs(TB)) * (1.0 + (N + 2) * _U64)
        bad = acc_err + coef * M + eta > target
    if bad.any():
        # Entries none of whose terms is nonzero are exact zeros (up to the underflow floor).
        rows, cols = np.nonzero(bad)
        nz_a, nz_b = (ah != 0).astype(np.float64), (bh != 0).astype(np.float64)
        if rows.size * n <= _FEW:
            live = np.einsum("ik,ki->i", nz_a[rows], nz_b[:, cols])
        else:  # many: one product of the patterns rather than a gather of rows and columns
            live = (nz_a @ nz_b)[rows, cols]
        keep = live > 0
        rows, cols = rows[keep], cols[keep]
    C = prec.unscale(acc, ea, eb)
    if bad.any() and rows.size:
        _count(stats, "fallback", int(rows.size))
        C = prec.assign(C, (rows, cols), prec.dot_rows(A, B, rows, cols))
    return C
