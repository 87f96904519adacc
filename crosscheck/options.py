"""The problem space: one validated record of which problems may be drawn.

``crosscheck verify``, ``crosscheck report`` and the Hypothesis strategies all take the
same restrictions (names, dtypes, sizes, weight regimes); :func:`problem_space` validates
them once (:mod:`crosscheck.validation`) into a :class:`ProblemSpace`, which the
strategies draw from and the search schedules over.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

import numpy as np

from crosscheck import spec, validation
from crosscheck.errors import UsageError

__all__ = [
    "BASE_REGIMES",
    "DEFAULTS",
    "REGIMES",
    "SATURATING_Z",
    "ProblemSpace",
    "problem_space",
]

BASE_REGIMES: tuple[str, ...] = ("typical", "small", "saturating")
"""The per-layer weight regimes."""

REGIMES: tuple[str, ...] = (*BASE_REGIMES, "mixed")
"""Weight regimes a problem can be drawn in; ``"mixed"`` draws one base regime per layer."""

SATURATING_Z = 25.0
"""Typical |z| of a unit in the ``"saturating"`` regime (inputs of size ~1)."""

DEFAULTS: dict[str, Any] = {
    "activations": None,
    "costs": None,
    "outputs": None,
    "dtypes": None,
    "min_depth": 1,
    "max_depth": 5,
    "max_width": 8,
    "max_q": 8,
    "max_p": 16,
    "regimes": None,
    "saturation": None,
}
"""The default restrictions (None: everything)."""


class ProblemSpace(NamedTuple):
    """Validated restrictions on drawn problems.

    ``hidden``: the hidden activations allowed (elementwise, simplest first);
    ``outputs``: for each allowed cost (in :data:`crosscheck.spec.COST_ORDER`), the output
    activations allowed with it; ``dtypes``: float64 first; depth L in
    ``[min_depth, max_depth]``, widths N_l in ``[1, max_width]``, Q in ``[1, max_q]``, P in
    ``[1, max_p]`` (``max_depth`` is 1 when no hidden activation is allowed); ``regimes``
    from :data:`REGIMES`; ``saturation`` the typical |z| of
    the saturating regime. ``given`` keeps the arguments as validated, for reproduction.
    """

    hidden: tuple[str, ...]
    outputs: dict[str, tuple[str, ...]]
    dtypes: tuple[np.dtype, ...]
    min_depth: int
    max_depth: int
    max_width: int
    max_q: int
    max_p: int
    regimes: tuple[str, ...]
    saturation: float
    given: dict[str, Any]

    @property
    def costs(self) -> tuple[str, ...]:
        """The allowed costs, simplest first."""
        return tuple(self.outputs)


def problem_space(
    *,
    activations: Iterable[str] | str | None = None,
    costs: Iterable[str] | str | None = None,
    outputs: Iterable[str] | str | None = None,
    dtypes: Iterable[Any] | str | None = None,
    min_depth: int = 1,
    max_depth: int = 5,
    max_width: int = 8,
    max_q: int = 8,
    max_p: int = 16,
    regimes: Iterable[str] | str | None = None,
    saturation: float | None = None,
) -> ProblemSpace:
    """Validate the restrictions; :class:`~crosscheck.errors.UsageError` names a bad one.

    ``activations`` restricts every layer's name (add ``"softmax"`` to keep the softmax
    costs), ``outputs`` the output layer's further; ``costs`` the costs. A combination
    that leaves no cost with an allowed output activation is an error.
    """
    acts = validation.names(activations, "activations", spec.ACTIVATION_ORDER)
    cost_names = validation.names(costs, "costs", spec.COST_ORDER)
    outs = validation.names(outputs, "outputs", spec.ACTIVATION_ORDER)
    dts = validation.dtypes(dtypes)
    min_depth = validation.integer(min_depth, "min_depth")
    max_depth = validation.integer(max_depth, "max_depth")
    max_width = validation.integer(max_width, "max_width")
    max_q = validation.integer(max_q, "max_q")
    max_p = validation.integer(max_p, "max_p")
    if min_depth > max_depth:
        raise UsageError(
            f"min_depth, max_depth: expected min_depth <= max_depth, got {min_depth} > {max_depth}"
        )
    regs = validation.names(regimes, "regimes", REGIMES)
    regs = REGIMES if regs is None else tuple(r for r in REGIMES if r in regs)
    sat = validation.positive_number(
        SATURATING_Z if saturation is None else saturation, "saturation"
    )

    allowed = spec.ACTIVATION_ORDER if acts is None else tuple(
        a for a in spec.ACTIVATION_ORDER if a in acts
    )
    hidden = tuple(a for a in allowed if a in spec.ELEMENTWISE)
    out_allowed = allowed if outs is None else tuple(a for a in allowed if a in outs)
    by_cost = {
        c: tuple(a for a in out_allowed if a in spec.COSTS[c].outputs)
        for c in spec.COST_ORDER
        if cost_names is None or c in cost_names
    }
    by_cost = {c: o for c, o in by_cost.items() if o}
    if not by_cost:
        raise UsageError(
            f"costs: no cost in {list(cost_names or spec.COST_ORDER)!r} has an allowed output "
            f"activation among activations={list(out_allowed)!r} (log_likelihood and "
            "binary_cross_entropy need 'sigmoid', the softmax costs 'softmax', "
            "squared_error any elementwise activation)"
        )
    if not hidden:
        if min_depth > 1:
            raise UsageError(
                f"activations: {list(allowed)!r} has no elementwise activation for the hidden "
                f"layers, so only depth 1 is possible; got min_depth={min_depth}"
            )
        max_depth = 1
    given = {
        "activations": list(acts) if acts else None,
        "costs": list(cost_names) if cost_names else None,
        "outputs": list(outs) if outs else None,
        "dtypes": [d.name for d in dts],
        "min_depth": min_depth,
        "max_depth": max_depth,
        "max_width": max_width,
        "max_q": max_q,
        "max_p": max_p,
        "regimes": list(regs),
        "saturation": sat,
    }
    return ProblemSpace(
        hidden, by_cost, dts, min_depth, max_depth, max_width, max_q, max_p, regs, sat, given
    )
