"""The discrete choices of a problem (names, kinds, counts) as strategies built once.

A problem is ~20 Hypothesis choices (:mod:`crosscheck.strategies.problems`); drawing from
a strategy object built afresh inside a composite costs Hypothesis a validation and a
cache look-up each time (measured: 20 draws from fresh ``sampled_from``/``integers``
objects take ~2x the time of 20 from prebuilt ones), so every such strategy comes from
here, one object per distinct argument.
"""

from __future__ import annotations

import functools
from collections.abc import Hashable
from typing import TypeVar

from hypothesis import strategies as st

__all__ = ["integers", "one_of"]

T = TypeVar("T", bound=Hashable)


@functools.cache
def one_of(options: tuple[T, ...]) -> st.SearchStrategy[T]:
    """``sampled_from(options)`` (shrinks towards the first), one object per tuple."""
    return st.sampled_from(options)


@functools.cache
def integers(lo: int, hi: int) -> st.SearchStrategy[int]:
    """``integers(lo, hi)`` (shrinks towards ``lo``), one object per range."""
    return st.integers(lo, hi)
