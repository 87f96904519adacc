"""The arrays a problem's numbers are drawn from: one 32-bit seed drawn through Hypothesis,
the values from a ``numpy.random.Generator`` seeded with it.

Hypothesis draws the *choices* of a problem (architecture, activations, cost, dtype, P,
weight regime, input and label kinds, repeated-row counts) and one seed; NumPy draws the
values from that seed (:func:`seeded`, then :func:`unit_values`, :func:`nonnegative_values`,
:func:`boolean_values`, :func:`index_values`), with the same ranges as before (unit values
uniform in [-1, 1], non-negative ones in [0, 1], fair booleans, uniform indices). Drawing
each entry through Hypothesis cost ~100 choices per gate problem and most of the gate's
time (docs/performance.md, "The gate's draws"); now a problem is ~20 choices. Shrinking
works through the choices and the seed (the seed shrinks towards 0, the choices towards
the simplest network); a failing problem's values are then some fixed draw, not the
simplest numbers.

Hypothesis's element draws favoured special values (0, +-1, 0.5); so that exact zeros,
ones and halves still appear, a small array (at most :data:`SMALL_MAX` entries)
mixes them in: with probability :data:`SPECIAL_ARRAYS` an array has a share of its entries
(each with probability :data:`SPECIAL_ENTRIES`) replaced by one of :data:`SPECIALS`.
Large arrays are plain uniform draws.

"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from crosscheck.strategies.determinism import label

__all__ = [
    "SMALL_MAX",
    "SPECIALS",
    "SPECIAL_ARRAYS",
    "SPECIAL_ENTRIES",
    "boolean_values",
    "index_values",
    "nonnegative_values",
    "seed",
    "seeded",
    "unit_values",
]

SMALL_MAX = 1024
"""Arrays with at most this many entries may carry special values (the gate's arrays all
do; a large profile's big weight matrices are plain uniform draws)."""

SPECIALS: tuple[float, ...] = (0.0, 1.0, -1.0, 0.5, -0.5)
"""Special unit values mixed into small arrays (the non-negative ones for [0, 1] arrays)."""

SPECIAL_ARRAYS = 0.25
"""Probability that a small array carries special values."""

SPECIAL_ENTRIES = 0.25
"""In such an array, the probability of each entry being replaced by a special value."""

_SEED = st.integers(0, 2**32 - 1)


def seed(draw: st.DrawFn, name: str) -> int:
    """One 32-bit Hypothesis draw labelled ``name`` (shrinks to 0): a generator's seed."""
    return draw(_SEED, label=label(f"{name} seed"))


def seeded(draw: st.DrawFn, name: str) -> np.random.Generator:
    """A generator seeded by one 32-bit Hypothesis draw labelled ``name`` (:func:`seed`)."""
    return np.random.default_rng(seed(draw, name))


def _with_specials(
    rng: np.random.Generator, values: np.ndarray, specials: tuple[float, ...]
) -> np.ndarray:
    if values.size > SMALL_MAX or rng.random() >= SPECIAL_ARRAYS:
        return values
    chosen = rng.random(values.shape) < SPECIAL_ENTRIES
    which = (rng.random(values.shape) * len(specials)).astype(np.intp)
    return np.where(chosen, np.asarray(specials)[which], values)


def unit_values(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """float64 values in [-1, 1] of ``shape`` from ``rng`` (uniform; special values mixed
    into small arrays)."""
    return _with_specials(rng, rng.uniform(-1.0, 1.0, shape), SPECIALS)


def nonnegative_values(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """float64 values in [0, 1] of ``shape`` from ``rng`` (uniform; 0, 1 and 0.5 mixed into
    small arrays)."""
    return _with_specials(rng, rng.random(shape), tuple(s for s in SPECIALS if s >= 0))


def boolean_values(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Fair booleans of ``shape`` from ``rng``."""
    return rng.random(shape) < 0.5


def index_values(rng: np.random.Generator, shape: tuple[int, ...], high: int) -> np.ndarray:
    """Uniform integers in [0, high] of ``shape`` from ``rng``."""
    return np.minimum((rng.random(shape) * (high + 1)).astype(np.intp), high)
