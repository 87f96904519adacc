"""Numbers as crosscheck prints them: three significant digits, ``inf`` spelt out."""

from __future__ import annotations

import math

__all__ = ["fmt", "plural"]


def fmt(x: float | str | None, spec: str = ".3g") -> str:
    """``x`` formatted with ``spec`` (3 significant digits by default).

    ``"-"`` for None, a string as it is, ``"0"`` for either zero, ``"inf"``/``"-inf"``/
    ``"nan"`` spelt out (never ``"infe+00"``).
    """
    if x is None:
        return "-"
    if isinstance(x, str):
        return x
    x = float(x)
    if x == 0:
        return "0"
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return format(x, spec)


def plural(n: int, noun: str) -> str:
    """``"1 example"``, ``"2 examples"``."""
    return f"{n} {noun}" + ("" if n == 1 else "s")
