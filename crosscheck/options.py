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
from crosscheck.choices import (
    BASE_REGIMES,
    LABEL_KINDS,
    REGIMES,
    SIZE_PROFILES,
    SizeProfile,
)
from crosscheck.errors import UsageError

__all__ = [
    "BASE_REGIMES",
    "DEFAULTS",
    "LABEL_KINDS",
    "REGIMES",
    "SATURATING_Z",
    "SIZE_PROFILES",
    "ProblemSpace",
    "SizeProfile",
    "problem_space",
]

SATURATING_Z = 25.0
"""Typical |z| of a unit in the ``"saturating"`` regime (inputs of size ~1)."""

_ALL_LABEL_KINDS: tuple[str, ...] = ("binary", "one_hot", "soft", "typical", "large")


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
    ``[min_depth, max_depth]``, hidden widths N_l in ``[min_width, max_width]``, outputs
    N_L in ``[min_outputs, max_outputs]`` (None: the hidden widths' range), Q in
    ``[min_q, max_q]``, P in ``[min_p, max_p]`` (``max_depth`` is 1 when no hidden
    activation is allowed); ``powers_of_two`` names the sizes drawn as powers of two
    (``"P"``, ``"N_L"``: a mean-reducing function's answer converts exactly);
    ``log_sizes`` draws sizes log-uniformly; ``regimes`` from :data:`REGIMES`, ``mixed``
    the base regimes a ``"mixed"`` problem draws per layer; ``labels`` the label kinds per
    label rule (None: all of :data:`LABEL_KINDS`); ``saturation`` the typical |z| of the
    saturating regime; ``profile`` the size profile. ``given`` keeps the arguments as
    validated, for reproduction. ``one_hot_exact``: only problems whose label rows are
    exactly one-hot are admitted (a function that takes class indices cannot be given
    anything else: a reduction must not make a row of zeros).
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
    min_width: int = 1
    min_q: int = 1
    min_p: int = 1
    min_outputs: int = 1
    max_outputs: int | None = None
    powers_of_two: tuple[str, ...] = ()
    log_sizes: bool = False
    mixed: tuple[str, ...] = BASE_REGIMES
    labels: dict[str, tuple[str, ...]] | None = None
    profile: str = "gate"
    one_hot_exact: bool = False

    @property
    def costs(self) -> tuple[str, ...]:
        """The allowed costs, simplest first."""
        return tuple(self.outputs)

    @property
    def output_range(self) -> tuple[int, int]:
        """The smallest and largest N_L."""
        top = self.max_width if self.max_outputs is None else self.max_outputs
        return (self.min_outputs, top)

    def label_kinds(self, rule: str) -> tuple[str, ...]:
        """The label kinds drawn for a cost with label rule ``rule``."""
        return LABEL_KINDS[rule] if self.labels is None else self.labels[rule]

    def admits(self, problem: Any) -> bool:
        """Whether ``problem`` (a :class:`~crosscheck.problem.Problem`) lies in this space:
        its sizes, names and dtype (the reductions of a counterexample stay inside)."""
        sizes, L = problem.sizes, problem.depth
        lo_out, hi_out = self.output_range
        ok = (
            self.min_depth <= L <= self.max_depth
            and all(self.min_width <= n <= self.max_width for n in sizes[1:-1])
            and lo_out <= sizes[-1] <= hi_out
            and self.min_q <= sizes[0] <= self.max_q
            and self.min_p <= problem.P <= self.max_p
            and ("P" not in self.powers_of_two or _is_power_of_two(problem.P))
            and ("N_L" not in self.powers_of_two or _is_power_of_two(sizes[-1]))
            and all(a in self.hidden for a in problem.activations[:-1])
            and problem.activations[-1] in self.outputs.get(problem.cost, ())
            and problem.dtype in self.dtypes
            and (not self.one_hot_exact or _one_hot(problem.Y))
        )
        return bool(ok)


def _one_hot(Y: np.ndarray) -> bool:
    """Every row of ``Y`` is one 1 and zeros (a class index carries it exactly)."""
    return bool(np.all((Y == 0) | (Y == 1)) and np.all(Y.sum(axis=1) == 1))


def _is_power_of_two(n: int) -> bool:
    return n >= 1 and n & (n - 1) == 0


def _range(lo: Any, hi: Any, name: str, default: tuple[int, int]) -> tuple[int, int]:
    lo = validation.integer(default[0] if lo is None else lo, f"min_{name}")
    hi = validation.integer(default[1] if hi is None else hi, f"max_{name}")
    if lo > hi:
        raise UsageError(
            f"min_{name}, max_{name}: expected min_{name} <= max_{name}, got {lo} > {hi}"
        )
    return lo, hi


def _powers_in(lo: int, hi: int, name: str, why: str) -> None:
    if not any(lo <= 2**k <= hi for k in range(64)):
        raise UsageError(
            f"min_{name}, max_{name}: {why} draws {name} as a power of two, and "
            f"[{lo}, {hi}] holds none"
        )


def problem_space(
    *,
    activations: Iterable[str] | str | None = None,
    costs: Iterable[str] | str | None = None,
    outputs: Iterable[str] | str | None = None,
    dtypes: Iterable[Any] | str | None = None,
    min_depth: int | None = None,
    max_depth: int | None = None,
    max_width: int | None = None,
    max_q: int | None = None,
    max_p: int | None = None,
    regimes: Iterable[str] | str | None = None,
    saturation: float | None = None,
    min_width: int | None = None,
    min_q: int | None = None,
    min_p: int | None = None,
    min_outputs: int | None = None,
    max_outputs: int | None = None,
    labels: Iterable[str] | str | None = None,
    sizes: str | None = None,
    powers_of_two: Iterable[str] = (),
) -> ProblemSpace:
    """Validate the restrictions; :class:`~crosscheck.errors.UsageError` names a bad one.

    ``activations`` restricts every layer's name (add ``"softmax"`` to keep the softmax
    costs); ``outputs``, if given, names the output activations instead (``activations``
    then restricts the hidden layers only: ``outputs="identity", activations="relu"`` is a
    relu net with a linear output); ``costs`` the costs. A combination that leaves no
    cost with an allowed output activation is an error, and so is a cost named in
    ``costs`` whose output activations are all excluded. ``sizes`` picks a
    :data:`SIZE_PROFILES` entry (default ``"gate"``) whose ranges any explicit
    ``min_*``/``max_*`` overrides; ``labels`` restricts the label kinds of the families
    it names (e.g. ``"one_hot"``: the softmax costs get one-hot rows, the other costs keep
    all their kinds); ``powers_of_two`` (``"P"``, ``"N_L"``) draws those sizes as powers
    of two.
    """
    acts = validation.names(activations, "activations", spec.ACTIVATION_ORDER)
    cost_names = validation.names(costs, "costs", spec.COST_ORDER)
    outs = validation.names(outputs, "outputs", spec.ACTIVATION_ORDER)
    dts = validation.dtypes(dtypes)
    profile_name = "gate" if sizes is None else sizes
    if profile_name not in SIZE_PROFILES:
        raise UsageError(f"sizes: expected one of {', '.join(SIZE_PROFILES)}, got {sizes!r}")
    prof = SIZE_PROFILES[profile_name]
    min_depth, max_depth = _range(min_depth, max_depth, "depth", prof.depth)
    min_width, max_width = _range(min_width, max_width, "width", prof.width)
    top = min(prof.outputs[1], max_width)  # N_L no wider than the hidden layers may be
    min_outputs, max_outputs = _range(
        min_outputs, max_outputs, "outputs", (min(prof.outputs[0], top), top)
    )
    min_q, max_q = _range(min_q, max_q, "q", prof.q)
    min_p, max_p = _range(min_p, max_p, "p", prof.p)
    pow2 = tuple(n for n in ("P", "N_L") if n in tuple(powers_of_two))
    if "P" in pow2:
        _powers_in(min_p, max_p, "p", "a mean over the examples")
    if "N_L" in pow2:
        _powers_in(min_outputs, max_outputs, "outputs", "a mean over the outputs")
    regs = validation.names(regimes, "regimes", REGIMES)
    mixed = BASE_REGIMES if regs is None else (
        tuple(r for r in BASE_REGIMES if r in regs) or BASE_REGIMES
    )
    regs = REGIMES if regs is None else tuple(r for r in REGIMES if r in regs)
    sat = validation.positive_number(
        SATURATING_Z if saturation is None else saturation, "saturation"
    )
    label_names = validation.names(
        None if labels is None else _dashes(labels), "labels", _ALL_LABEL_KINDS
    )
    label_kinds = None
    if label_names is not None:
        label_kinds = {
            rule: tuple(k for k in kinds if k in label_names) or kinds
            for rule, kinds in LABEL_KINDS.items()
        }

    allowed = spec.ACTIVATION_ORDER if acts is None else tuple(
        a for a in spec.ACTIVATION_ORDER if a in acts
    )
    hidden = tuple(a for a in allowed if a in spec.ELEMENTWISE)
    out_allowed = allowed if outs is None else tuple(a for a in spec.ACTIVATION_ORDER if a in outs)
    by_cost = {
        c: tuple(a for a in out_allowed if a in spec.COSTS[c].outputs)
        for c in spec.COST_ORDER
        if cost_names is None or c in cost_names
    }
    dropped = [c for c, o in by_cost.items() if not o]
    by_cost = {c: o for c, o in by_cost.items() if o}
    which = "outputs" if outs is not None else "activations"
    if not by_cost:
        raise UsageError(
            f"costs: no cost in {list(cost_names or spec.COST_ORDER)!r} has an allowed output "
            f"activation among {which}={list(out_allowed)!r} (log_likelihood and "
            "binary_cross_entropy need 'sigmoid', the softmax costs 'softmax', "
            "squared_error any elementwise activation)"
        )
    if cost_names is not None and dropped:
        needs = {c: " or ".join(spec.COSTS[c].outputs[:2]) for c in dropped}
        raise UsageError(
            "costs: "
            + "; ".join(f"{c!r} needs the output activation {n}" for c, n in needs.items())
            + f", which {which}={list(out_allowed)!r} excludes (add it to --{which}, or "
            "leave the cost out of --costs)"
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
        "min_width": min_width,
        "min_q": min_q,
        "min_p": min_p,
        "min_outputs": min_outputs,
        "max_outputs": max_outputs,
        "labels": list(label_names) if label_names else None,
        "sizes": profile_name,
    }
    return ProblemSpace(
        hidden, by_cost, dts, min_depth, max_depth, max_width, max_q, max_p, regs, sat, given,
        min_width, min_q, min_p, min_outputs, max_outputs, pow2, prof.log, mixed, label_kinds,
        profile_name,
    )


def _dashes(value: Iterable[str] | str) -> Iterable[str] | str:
    """``one-hot`` spelt ``one_hot`` (names may use either)."""
    if isinstance(value, str):
        return value.replace("-", "_")
    return [v.replace("-", "_") if isinstance(v, str) else v for v in value]
