"""How an error made at one layer reaches a later one: the chains of signed Jacobians.

An error Δz^m in the pre-activations of layer m reaches layer l > m as the row vector
``Δz^m J_{l<-m}`` with, per example,

    J_{l<-m} = diag(f'(z^m)) W_m diag(f'(z^{m+1})) W_{m+1} ... diag(f'(z^{l-1})) W_{l-1}

(``W_k`` the weight rows of w^k, seed eq. 1); backwards, an error in dC/dz^l reaches
layer m < l through ``J_{l<-m}^T`` (seed eq. 9, first line). Bounding ``|v J|`` by
``|v| |J|`` with the *signed* product J, rather than by ``|v| |diag f'| |W| ...`` (a
product of absolute values, which grows like (N |w|)^depth), is what keeps the error
budget sharp at depth (docs/error-budget.md, "Propagation").

Two cheap bounds come with it:

* :func:`windows`: ``|J_{l<-m}|`` for every pair with ``2 <= l - m <= B`` (a chain of at
  least two matrices: one matrix gains nothing), per example, for the largest window B
  whose cost fits :data:`WORK_CAP`;
* :func:`step_norms`: ``c_{k,p} >= ||J_{k+1<-k}||_2 = ||diag(f'_p) W_k||_2``, per example,
  so that ``||v J_{l<-m}||_2 <= ||v||_2 prod_k c_{k,p}`` (a norm-wise bound that costs
  nothing per pair).

J is computed in float64: each entry is within :func:`rounding` (relative) of the
product of absolute values along the chain, which the analysis charges where it uses J.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["WORK_CAP", "rounding", "step_norms", "window_size", "windows"]

WORK_CAP = 300_000_000
"""Multiply-adds allowed for the Jacobian windows of one problem (~20-60 ms here)."""

SVD_LIMIT = 1024
"""Layers up to this size get their spectral norm from an SVD; larger ones the Frobenius
norm (an upper bound, within sqrt(rank) of it)."""

def rounding(sizes: Sequence[int], B: int) -> float:
    """gamma = B (max width + 1) 2^-53 (x 1.01): a float64 window entry |J^| may be below
    |J| by at most gamma times the chain of absolute values (each of the B products is a
    sum of at most max-width terms, Higham's gamma_n)."""
    return 1.01 * B * (max(sizes) + 1) * 2.0**-53


def _work(sizes: Sequence[int], P: int, B: int) -> int:
    """Multiply-adds to build every window pair with 2 <= l - m <= B (layers 1..L)."""
    L = len(sizes) - 1
    total = 0
    for l in range(1, L + 1):
        for m in range(max(1, l - B), l - 1):
            total += sizes[m] * sizes[m + 1] * sizes[l]
    return total * P


def window_size(sizes: Sequence[int], P: int, cap: int | None = None) -> int:
    """The largest window B (at most L - 1; 1 means no window) whose work fits ``cap``
    (default :data:`WORK_CAP`)."""
    cap = WORK_CAP if cap is None else cap
    L = len(sizes) - 1
    best = 1
    for B in range(2, L):
        if _work(sizes, P, B) > cap:
            break
        best = B
    return best


def windows(
    W: Sequence[np.ndarray], fp: Sequence[np.ndarray | None], B: int
) -> dict[tuple[int, int], np.ndarray]:
    """``{(l, m): |J_{l<-m}|}`` for 2 <= l - m <= B, each of shape ``(..., N_m, P, N_l)``.

    ``W[k]`` is the weight rows of w^k (``(..., N_k, N_{k+1})``), ``fp[k]`` f'(z^k)
    ``(..., P, N_k)`` for the hidden layers k = 1..L-1, with the same optional leading
    batch axes ``...`` (each member's windows are its own). Built from the target down:
    ``J_{l<-l-1} = diag(f'^{l-1}) W_{l-1}``, then ``J_{l<-m} = diag(f'^m) (W_m
    J_{l<-m+1})``, one matrix product over all examples at a time.
    """
    out: dict[tuple[int, int], np.ndarray] = {}
    L = len(W)
    for l in range(3, L + 1):
        lowest = max(1, l - B)
        if lowest > l - 2:
            continue
        # J_{l<-l-1} as (..., N_{l-1}, P, N_l): rows of W_{l-1} scaled by f'^{l-1} per example
        J = np.swapaxes(fp[l - 1], -1, -2)[..., :, :, None] * W[l - 1][..., :, None, :]
        for m in range(l - 2, lowest - 1, -1):
            *lead, n_next, P, n_l = J.shape
            n_m = W[m].shape[-2]
            J = (W[m] @ J.reshape(*lead, n_next, P * n_l)).reshape(*lead, n_m, P, n_l)
            J *= np.swapaxes(fp[m], -1, -2)[..., :, :, None]
            out[(l, m)] = np.abs(J)
    return out


def step_norms(W: Sequence[np.ndarray], fp: Sequence[np.ndarray | None]) -> list:
    """``c[k]`` ``(..., P)`` >= ||diag(f'(z^k)_p) W_k||_2 for the hidden layers k = 1..L-1
    (None elsewhere): max_i |f'_i| times the spectral norm of W_k (with a relative
    margin of 1e-12 for the SVD's own rounding), per member of the optional leading
    batch axes ``...`` of ``W[k]`` ``(..., N_k, N_{k+1})`` and ``fp[k]`` ``(..., P, N_k)``."""
    c: list = [None] * len(W)
    for k in range(1, len(W)):
        Wk = W[k]
        if max(Wk.shape[-2:]) <= SVD_LIMIT:
            s = np.linalg.norm(Wk, 2, axis=(-2, -1)) * (1.0 + 1e-12)
        else:
            s = np.linalg.norm(Wk, axis=(-2, -1))
        s = np.asarray(s, dtype=np.float64)[..., None]  # broadcast over the examples
        if fp[k].size:
            c[k] = np.max(np.abs(fp[k]), axis=-1) * s
        else:
            c[k] = np.zeros(fp[k].shape[:-1])
    return c
