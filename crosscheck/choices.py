"""The choices the command line offers, defined here so that ``crosscheck verify --help``
imports neither NumPy nor an oracle (issue 14: process start <= 0.5 s; NumPy alone takes
0.3-1 s to import on a loaded machine).

Each name is defined once, here, and re-exported where it belongs:
:mod:`crosscheck.conventions` (layouts, examples as, reductions, bias shapes),
:mod:`crosscheck.options` (regimes, label kinds, size profiles), :mod:`crosscheck.guard`
(the default timeout), :mod:`crosscheck.verdict` (the oracle orders). The oracles' names
are those of :data:`crosscheck.oracles.ORACLES` (a test keeps them equal). Nothing here
imports more than the standard library's ``typing``.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = [
    "BASE_REGIMES",
    "BIAS_AT",
    "BIAS_SHAPES",
    "CONFIRM_ORDER",
    "DEFAULT_TIMEOUT",
    "EXAMPLES_AS",
    "LABELS_AS",
    "LABEL_KINDS",
    "LAYOUTS",
    "ORACLE_NAMES",
    "ORACLE_ORDER",
    "REDUCTIONS",
    "REGIMES",
    "RETURNS",
    "SIZE_PROFILES",
    "SizeProfile",
]

LAYOUTS: tuple[str, ...] = ("canonical", "separate-in-out", "separate-out-in", "combined-out-in")
EXAMPLES_AS: tuple[str, ...] = ("rows", "columns")
REDUCTIONS: tuple[str, ...] = ("sum", "mean", "mean-all")
BIAS_SHAPES: tuple[str, ...] = ("vector", "column", "row")
BIAS_AT: tuple[str, ...] = ("first", "last")
"""Where the bias is in a weight matrix that holds it (canonical, combined-out-in): the
first row (column) like the seed's w_0, or the last (the "bias trick" of appending a 1)."""
LABELS_AS: tuple[str, ...] = ("values", "indices")
"""How the function takes Y: label values ``(P, N_L)``, or class indices ``(P,)`` (the
softmax costs with one-hot labels: ``y[p]`` is the class of example p)."""
RETURNS: tuple[str, ...] = ("gradients", "loss-first", "loss-last")
"""What the function returns: its gradients alone, ``(loss, gradients)`` or
``(gradients, loss)`` (the loss is set aside, not judged)."""

DEFAULT_TIMEOUT = 60.0
"""Seconds one call of the function may take (``crosscheck verify --timeout``)."""

ORACLE_NAMES: tuple[str, ...] = ("torch", "jax", "mpmath", "extended", "finite_differences")
"""The oracles' registry names, in :data:`crosscheck.oracles.ORACLES`' order."""

ORACLE_ORDER: tuple[str, ...] = ("torch", "jax", "mpmath", "finite_differences")
"""The judging oracle by default: the first available one that answers (fast peers
first: they compute in the problem's dtype)."""

CONFIRM_ORDER: tuple[str, ...] = ("mpmath", "extended", "torch", "jax", "finite_differences")
"""Who confirms a discrepancy: the first available one, other than the judge, that
answers (the truths first: mpmath where it fits, the extended-precision oracle at every
size; both exact to float64 and independent of every framework)."""

BASE_REGIMES: tuple[str, ...] = ("typical", "small", "saturating")
"""The per-layer weight regimes."""

REGIMES: tuple[str, ...] = (*BASE_REGIMES, "mixed")
"""Weight regimes a problem can be drawn in; ``"mixed"`` draws one base regime per layer."""

LABEL_KINDS: dict[str, tuple[str, ...]] = {
    "unit": ("binary", "soft"),
    "any": ("typical", "large"),
    "nonnegative": ("one_hot", "soft"),
}
"""Kinds of labels Y for each label rule of :data:`crosscheck.spec.COSTS`: ``binary``
{0, 1} and ``soft`` [0, 1] for the sigmoid costs; ``typical`` [-1, 1] and ``large``
(up to 100 in size) for squared_error; ``one_hot`` rows and ``soft`` rows of values in
[0, 1] (not normalised) for the softmax costs."""


class SizeProfile(NamedTuple):
    """Ranges of sizes drawn: (smallest, largest) depth L, hidden width, outputs N_L,
    inputs Q, examples P; ``log``: log-uniform draws (else Hypothesis's integers, which
    favour the small end); ``examples``: the problems a search judges by default."""

    depth: tuple[int, int]
    width: tuple[int, int]
    outputs: tuple[int, int]
    q: tuple[int, int]
    p: tuple[int, int]
    log: bool
    examples: int


SIZE_PROFILES: dict[str, SizeProfile] = {
    "gate": SizeProfile((1, 5), (1, 8), (1, 8), (1, 8), (1, 16), False, 200),
    "medium": SizeProfile((1, 4), (8, 128), (1, 32), (4, 64), (16, 512), True, 50),
    "large": SizeProfile((2, 3), (64, 1024), (1, 64), (16, 256), (256, 4096), True, 10),
}
"""``crosscheck verify --sizes``: ``gate`` (the default, the gate's small problems),
``medium`` and ``large`` (sizes users train at; large arrays get their values from a
seeded NumPy generator: docs/verify.md, "Large problems")."""
