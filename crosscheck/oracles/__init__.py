"""Independent oracles: each module answers ``gradients(problem) -> list[np.ndarray]``.

Every oracle answers in the canonical layout (``(N_l + 1, N_{l+1})`` per layer, row 0 the
bias) and exposes:

* ``NAME`` - its registry name;
* ``KIND`` - ``"peer"`` (an independent floating-point implementation in the problem's
  dtype: torch, jax), ``"truth"`` (exact to float64: mpmath at 50 digits for small
  problems, extended precision at any size) or ``"approximate"``
  (finite differences, with ``error_bounds(problem)``);
* ``available() -> (bool, reason)`` - whether its framework imports, and why not; never
  raises, so a missing package is skipped with its reason;
* ``gradients(problem) -> list[np.ndarray]``.

No oracle imports or calls handprop: the names come from :mod:`crosscheck.spec`, the
shared preamble (safe import, argument checks) from :mod:`crosscheck.oracles._common`.
Importing this package imports neither torch nor jax: the oracles import them inside
their functions.
"""

from __future__ import annotations

from collections.abc import Iterable
from types import ModuleType

from crosscheck.errors import UsageError
from crosscheck.oracles import (
    extended,
    finite_differences,
    jax_grad,
    mpmath_reference,
    torch_autograd,
)

__all__ = [
    "KINDS",
    "ORACLES",
    "available_oracles",
    "get",
    "unavailable_reasons",
]

ORACLES: dict[str, ModuleType] = {
    m.NAME: m
    for m in (torch_autograd, jax_grad, mpmath_reference, extended, finite_differences)
}
"""The oracles by name, in a fixed order: torch, jax, mpmath, extended, finite_differences."""

KINDS: tuple[str, ...] = ("peer", "truth", "approximate")


def get(name: str) -> ModuleType:
    """The oracle module called ``name``; :class:`~crosscheck.errors.UsageError` for any
    other name."""
    try:
        return ORACLES[name]
    except (KeyError, TypeError):
        raise UsageError(
            f"oracle: unknown oracle {name!r}; expected one of {', '.join(ORACLES)}"
        ) from None


def available_oracles(kinds: str | Iterable[str] | None = None) -> list[ModuleType]:
    """The oracles that can run here, in registry order, optionally only of ``kinds``.

    ``kinds`` is one kind or several (``"peer"``, ``"truth"``, ``"approximate"``);
    ``None`` means all. ``ValueError`` for an unknown kind.
    """
    if kinds is None:
        wanted = set(KINDS)
    else:
        wanted = {kinds} if isinstance(kinds, str) else set(kinds)
        unknown = wanted - set(KINDS)
        if unknown:
            raise UsageError(
                f"kinds: unknown oracle kind(s) {sorted(unknown)}; expected some of {KINDS}"
            )
    return [m for m in ORACLES.values() if m.KIND in wanted and m.available()[0]]


def unavailable_reasons() -> dict[str, str]:
    """``{name: reason}`` for every oracle that cannot run here (empty if all can)."""
    out = {}
    for name, m in ORACLES.items():
        ok, why = m.available()
        if not ok:
            out[name] = why
    return out
