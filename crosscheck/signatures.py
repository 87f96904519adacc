"""Reading a gradient function's signature: the convention it can be called in.

:func:`check_signature` takes a :class:`~crosscheck.conventions.Convention` and returns it
as the function can be called: with or without ``activations`` and ``cost`` (a fixed
net's ``fn(weights, X, Y)``), by position or, when its parameters are in another order
and named as hand-written code names them (:data:`ALIASES`), by name.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from crosscheck.errors import UsageError

if TYPE_CHECKING:  # pragma: no cover - typing only
    from crosscheck.conventions import Convention

__all__ = ["ALIASES", "check_signature"]


ALIASES: dict[str, frozenset[str]] = {
    "weights": frozenset({"weights", "W", "Ws", "ws", "w", "theta", "thetas", "Theta",
                          "Thetas", "weight"}),
    "biases": frozenset({"biases", "b", "bs", "bias"}),
    "X": frozenset({"X", "x", "inputs", "input", "data", "xs", "a0", "A0"}),
    "Y": frozenset({"Y", "y", "targets", "target", "labels", "label", "t", "T", "ys"}),
    "activations": frozenset({"activations", "acts", "activation"}),
    "cost": frozenset({"cost", "loss", "cost_name", "loss_name"}),
}
"""The names hand-written code gives each argument: a function whose parameters are all
among them, in another order than the convention's, is called by name."""


def _by_name(sig: inspect.Signature, conv: Convention) -> tuple[str, ...] | None:
    """The function's parameter names for ``conv.parameters``, when every one of them,
    and every required parameter of the function, is matched by :data:`ALIASES` (one
    each); None otherwise."""
    params = [
        p for p in sig.parameters.values()
        if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
    ]
    if any(p.kind in (p.POSITIONAL_ONLY, p.VAR_POSITIONAL) for p in sig.parameters.values()):
        return None
    chosen: list[str] = []
    for role in conv.parameters:
        hits = [p.name for p in params if p.name in ALIASES[role] and p.name not in chosen]
        if len(hits) != 1:
            return None
        chosen.append(hits[0])
    required = {p.name for p in params if p.default is p.empty}
    return tuple(chosen) if required <= set(chosen) else None


def check_signature(fn: Callable[..., Any], conv: Convention, name: str = "fn") -> Convention:
    """``conv`` as ``fn`` can be called: as it is, or with ``names=False`` when ``fn``
    takes the arrays only (``fn(weights, X, Y)``: its activations and cost are fixed),
    by position or, when its parameters are in another order and named as such code
    names them (:data:`ALIASES`: ``fn(X, y, W)``), by name (``keywords``). The names
    decide where they are all recognised (a positional fit in the wrong order would swap
    arrays). :class:`~crosscheck.errors.UsageError` if nothing fits (a callable without a
    signature is called with everything, by position)."""
    conv = conv._replace(names=True, keywords=())
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return conv
    for candidate in (conv, conv._replace(names=False)):
        chosen = _by_name(sig, candidate)
        if chosen is not None:
            in_order = tuple(sig.parameters)[: len(chosen)] == chosen
            return candidate if in_order else candidate._replace(keywords=chosen)
    try:
        sig.bind(*conv.parameters)
        if not _swapped(sig, conv):
            return conv
        exc: Exception = TypeError("its parameters' names say another order")
    except TypeError as error:
        exc = error
    fixed = conv._replace(names=False)
    try:
        sig.bind(*fixed.parameters)
        if not _swapped(sig, fixed):
            return fixed
    except TypeError:
        pass
    raise UsageError(
        f"{name}: expected {conv.signature()} (layout {conv.layout}), or "
        f"{fixed.signature()} for a fixed net, but it is "
        f"{getattr(fn, '__name__', 'fn')}{sig}, which cannot be called so ({exc})"
    ) from None


def _swapped(sig: inspect.Signature, conv: Convention) -> bool:
    """Whether a positional call would hand a parameter the argument its name says it is
    not (``fn(X, y, W)`` called as ``fn(weights, X, Y)``): a name of :data:`ALIASES` at
    the place of another role."""
    for name, role in zip(sig.parameters, conv.parameters, strict=False):
        roles = [r for r, names in ALIASES.items() if name in names]
        if roles and role not in roles:
            return True
    return False
