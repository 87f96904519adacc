"""Sizes (depth aside): Q, widths, N_L and P, drawn over a range so that shrinking walks
to the small end.

The gate's ranges are drawn as Hypothesis integers (as the gate's problems always
were); the ``medium`` and ``large`` profiles draw log-uniformly: each factor of two in
the range equally likely. Hypothesis's own integers are not (within a search's short
runs, ``integers(0, 1024)`` falls off linearly from 0; inside one long run it stays near
the few values it mutates), so a log-uniform size is a 32-bit key hashed to one of
:data:`LOG_STEPS` points, key 0 (where shrinking goes) the smallest size. A
mean-reducing function's P (and N_L) are powers of two."""

from __future__ import annotations

import functools
import math

from hypothesis import strategies as st

__all__ = ["LOG_STEPS", "size"]

LOG_STEPS = 1024
"""Resolution of a log-uniform draw: the range is cut into this many equal log-steps."""


@functools.cache
def size(
    lo: int, hi: int, *, log: bool = False, power_of_two: bool = False
) -> st.SearchStrategy[int]:
    """Integers in ``[lo, hi]``: Hypothesis's integers, log-uniform ones, or the powers of
    two in the range (uniform over the exponents); each shrinks towards ``lo``."""
    if power_of_two:
        exponents = [k for k in range(64) if lo <= 2**k <= hi]
        return st.integers(exponents[0], exponents[-1]).map(_two_to)
    if not log or hi <= lo:
        return st.integers(lo, hi)
    return st.integers(0, 2**32 - 1).map(functools.partial(_keyed_size, lo, hi))


def _two_to(k: int) -> int:
    return 2**k


def _keyed_size(lo: int, hi: int, key: int) -> int:
    """The log-uniform size of ``key``: ``lo`` for key 0, else the log-step its hash picks."""
    if key == 0:
        return lo
    mixed = (key * 0x9E3779B97F4A7C15) & (2**64 - 1)  # Fibonacci hashing: high bits uniform
    return _log_point(lo, hi, (mixed >> 32) % (LOG_STEPS + 1))


def _log_point(lo: int, hi: int, t: int) -> int:
    """The size at log-step ``t`` of [lo, hi] (t = 0 is lo, LOG_STEPS is hi)."""
    x = lo * math.exp(math.log(hi / lo) * t / LOG_STEPS)
    return min(hi, max(lo, round(x)))
