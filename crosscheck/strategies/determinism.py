"""Draws that depend on the seed and the options only: labels, and no local constants."""

from __future__ import annotations

import contextlib
import functools
import hashlib
from collections.abc import Iterator

__all__ = ["label", "without_local_constants"]

_LABEL_BYTES = 8


@functools.cache
def label(name: str) -> int:
    """A stable integer span label for the draw called ``name``.

    Hypothesis's ``ConjectureData.draw`` takes integer span labels; this derives one the
    way Hypothesis labels its own strategies (the first 8 bytes of a SHA-384 of the name).
    Draws of the same kind (every layer's width) share a label, which lets the shrinker
    recognise them as alike.
    """
    return int.from_bytes(hashlib.sha384(name.encode()).digest()[:_LABEL_BYTES], "big")


@contextlib.contextmanager
def without_local_constants() -> Iterator[None]:
    """Stop Hypothesis drawing constants found in the source of local modules, while inside.

    Hypothesis 6.13x and later mix into about 5% of drawn numbers the literals it finds in
    every imported module outside site-packages and the standard library (crosscheck
    itself, a ``crosscheck verify`` target file, ...). Inside this context that pool is
    empty, so the same seed and options draw the same problems whatever else is imported,
    in whatever order: report generation, the search of ``crosscheck verify`` and the test
    session (``tests/conftest.py``; a pytest-xdist worker's imports depend on scheduling)
    all draw inside it. Hypothesis's own global constants are kept. Nesting is fine.

    It replaces a private Hypothesis function (checked on the version pinned in
    ``constraints.txt``); with a Hypothesis that lacks it this does nothing, and
    ``tests/strategies/test_determinism.py`` fails.
    """
    try:
        from hypothesis.internal.conjecture import providers
        from hypothesis.internal.constants_ast import Constants

        original = providers._get_local_constants
        cache = providers.CONSTANTS_CACHE.cache
    except (ImportError, AttributeError):  # pragma: no cover - another Hypothesis
        yield
        return
    empty = Constants()
    providers._get_local_constants = lambda: empty
    cache.clear()  # it holds the allowed constants per choice type, local ones included
    try:
        yield
    finally:
        providers._get_local_constants = original
        cache.clear()
