"""The arrays a problem's numbers are drawn from: element by element through Hypothesis for
small arrays (every gate problem), from a seeded NumPy generator for large ones.

Drawing each of a million entries through Hypothesis takes minutes; above
:data:`ELEMENTWISE_MAX` entries Hypothesis draws one 32-bit seed and a
``numpy.random.Generator`` the values, with the same ranges (unit values uniform in
[-1, 1], non-negative ones in [0, 1], fair booleans, uniform indices), so the regimes and
kinds built on them (:mod:`crosscheck.strategies.data`) are the same. Shrinking then
works through the architecture and the seed. (Hypothesis's element draws also favour
special values, 0, +-1, 0.5; the generator's uniform draws do not.)
"""

from __future__ import annotations

import functools
import math

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from crosscheck.strategies.determinism import label

__all__ = ["ELEMENTWISE_MAX", "booleans", "indices", "nonnegative", "unit"]

ELEMENTWISE_MAX = 1024
"""Arrays with more entries than this get their values from a seeded NumPy generator."""


@functools.cache
def _unit_array(shape: tuple[int, ...]) -> st.SearchStrategy[np.ndarray]:
    """Dense float64 arrays with entries in [-1, 1] (no fill: every entry is its own draw,
    so weight matrices are not mostly one repeated value)."""
    return hnp.arrays(
        np.float64,
        shape,
        elements=st.floats(-1.0, 1.0, allow_subnormal=False),
        fill=st.nothing(),
    )


@functools.cache
def _nonnegative_array(shape: tuple[int, ...]) -> st.SearchStrategy[np.ndarray]:
    return hnp.arrays(
        np.float64,
        shape,
        elements=st.floats(0.0, 1.0, allow_subnormal=False),
        fill=st.nothing(),
    )


@functools.cache
def _bool_array(shape: tuple[int, ...]) -> st.SearchStrategy[np.ndarray]:
    return hnp.arrays(np.bool_, shape, elements=st.booleans(), fill=st.nothing())


@functools.cache
def _index_array(shape: tuple[int, ...], high: int) -> st.SearchStrategy[np.ndarray]:
    return hnp.arrays(np.intp, shape, elements=st.integers(0, high), fill=st.nothing())


_SEED = st.integers(0, 2**32 - 1)


def _large(shape: tuple[int, ...]) -> bool:
    return math.prod(shape) > ELEMENTWISE_MAX


def _generator(draw: st.DrawFn, name: str) -> np.random.Generator:
    return np.random.default_rng(draw(_SEED, label=label(f"{name} seed")))


def unit(draw: st.DrawFn, shape: tuple[int, ...], name: str) -> np.ndarray:
    """float64 values in [-1, 1] of ``shape`` (draw label ``name``)."""
    if not _large(shape):
        return draw(_unit_array(shape), label=label(name))
    return _generator(draw, name).uniform(-1.0, 1.0, shape)


def nonnegative(draw: st.DrawFn, shape: tuple[int, ...], name: str) -> np.ndarray:
    """float64 values in [0, 1] of ``shape``."""
    if not _large(shape):
        return draw(_nonnegative_array(shape), label=label(name))
    return _generator(draw, name).uniform(0.0, 1.0, shape)


def booleans(draw: st.DrawFn, shape: tuple[int, ...], name: str) -> np.ndarray:
    """Booleans of ``shape``."""
    if not _large(shape):
        return draw(_bool_array(shape), label=label(name))
    return _generator(draw, name).random(shape) < 0.5


def indices(draw: st.DrawFn, shape: tuple[int, ...], high: int, name: str) -> np.ndarray:
    """Integers in [0, high] of ``shape``."""
    if not _large(shape):
        return draw(_index_array(shape, high), label=label(name))
    return _generator(draw, name).integers(0, high + 1, shape).astype(np.intp)
