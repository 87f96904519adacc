"""The balanced schedule: the stratum (cost, output activation, dtype, weight regime,
featured hidden activation) each block of the search pins, and each block's seed.

A block is one short Hypothesis run that judges one problem (docs/verify.md, "How the
search works")."""

from __future__ import annotations

import collections
import math
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np

__all__ = ["Stratum", "block_seed", "cell_schedule", "schedule"]


class Stratum(NamedTuple):
    """The pinned part of one block: cost, output activation, dtype, weight regime and
    the featured hidden activation (``None`` when no hidden layer is possible). A
    ``pure`` stratum (``--keep-going``'s cells) uses the featured activation at *every*
    hidden layer, and has no hidden layer at all when ``featured`` is None."""

    cost: str
    output: str
    dtype: str
    regime: str
    featured: str | None
    pure: bool = False

    def describe(self) -> str:
        """e.g. ``squared_error/gelu float32 saturating, featuring elu``."""
        if self.pure:
            hidden = f"{self.featured} hidden layers" if self.featured else "no hidden layer"
            return f"{self.cost}/{self.output} {self.dtype} {self.regime}, {hidden}"
        feat = f", featuring {self.featured}" if self.featured else ""
        return f"{self.cost}/{self.output} {self.dtype} {self.regime}{feat}"


def _cycle(levels: Sequence[Any], n: int, rng: np.random.Generator) -> list[Any]:
    """``n`` levels as back-to-back random permutations (each level within one of its
    share, whatever n)."""
    out: list[Any] = []
    while len(out) < n:
        out.extend(levels[i] for i in rng.permutation(len(levels)))
    return out[:n]


def _cost_weight(n_outputs: int) -> float:
    """A cost's share of the blocks: 1, plus a quarter per extra output activation (so
    squared_error, with 9 outputs, gets 3 shares: each output still gets its blocks)."""
    return 1.0 + (n_outputs - 1) / 4.0


def _allocate(n: int, outputs: Mapping[str, Sequence[str]], n_dtypes: int) -> dict[str, int]:
    """How many of ``n`` blocks each cost gets (weights :func:`_cost_weight`).

    A cost with several outputs gets a whole number of rounds of its (output, dtype)
    pairs when n allows; the rest is shared by largest remainder (ties: the order given).
    """
    costs = list(outputs)
    weights = {c: _cost_weight(len(outputs[c])) for c in costs}
    total = sum(weights.values())
    counts: dict[str, int] = {}
    for c in costs:
        k = len(outputs[c]) * n_dtypes
        share = n * weights[c] / total
        if len(outputs[c]) > 1 and share >= k:
            counts[c] = k * round(share / k)
    others = [c for c in costs if c not in counts]
    rest = n - sum(counts.values())
    if rest < len(others) or (not others and rest != 0):
        counts, others, rest = {}, costs, n
    w_rest = sum(weights[c] for c in others)
    quota = {c: rest * weights[c] / w_rest for c in others}
    for c in others:
        counts[c] = math.floor(quota[c])
    left = rest - sum(counts[c] for c in others)
    for c in sorted(others, key=lambda c: -(quota[c] - math.floor(quota[c])))[:left]:
        counts[c] += 1
    return counts


def _interleave(groups: Sequence[Sequence[Any]]) -> list[Any]:
    """One item from each group in turn: [a0, b0, c0, a1, b1, ...]."""
    out: list[Any] = []
    for i in range(max((len(g) for g in groups), default=0)):
        out.extend(g[i] for g in groups if i < len(g))
    return out


def _rounds(
    outs: Sequence[str], dtypes: Sequence[str], regimes: Sequence[str], n: int, rng
) -> list[tuple[str, str, str]]:
    """``n`` (output, dtype, regime) triples in rounds over the full product; within a
    round the outputs take turns and, per output, the dtypes alternate over permuted
    regimes, so any prefix is as balanced as it can be (outputs first)."""
    out: list[tuple[str, str, str]] = []
    while len(out) < n:
        per_output = []
        for o in (outs[i] for i in rng.permutation(len(outs))):
            by_dtype = [
                [(o, d, regimes[r]) for r in rng.permutation(len(regimes))]
                for d in (dtypes[i] for i in rng.permutation(len(dtypes)))
            ]
            per_output.append(_interleave(by_dtype))
        out.extend(_interleave(per_output))
    return out[:n]


def schedule(
    n_blocks: int,
    *,
    outputs: Mapping[str, Sequence[str]],
    hidden: Sequence[str],
    dtypes: Sequence[str],
    regimes: Sequence[str],
    seed: int = 0,
) -> list[Stratum]:
    """The balanced strata of ``n_blocks`` blocks.

    ``outputs`` maps each cost to its allowed output activations. Each cost gets its
    share of the blocks (:func:`_allocate`), interleaved by smooth weighted round robin;
    within a cost the (output, dtype, regime) triples come in balanced rounds
    (:func:`_rounds`); the featured hidden activation cycles through permutations of
    ``hidden`` independently. Permutations and tie orders come from ``seed``.
    """
    rng = np.random.default_rng([seed, 0x5EED])
    costs = [c for c in outputs if outputs[c]]
    costs = [costs[i] for i in rng.permutation(len(costs))]
    counts = _allocate(n_blocks, {c: outputs[c] for c in costs}, len(dtypes))
    current = dict.fromkeys(costs, 0)
    order: list[str] = []
    for _ in range(n_blocks):  # smooth weighted round robin (nginx's), exact counts
        for c in costs:
            current[c] += counts[c]
        best = max(costs, key=lambda c: current[c])
        current[best] -= n_blocks
        order.append(best)
    triples = {c: _rounds(outputs[c], dtypes, regimes, counts[c], rng) for c in costs}
    feats = _cycle(list(hidden), n_blocks, rng) if hidden else [None] * n_blocks
    seen: collections.Counter[str] = collections.Counter()
    strata = []
    for b, c in enumerate(order):
        o, d, r = triples[c][seen[c]]
        seen[c] += 1
        strata.append(Stratum(c, o, d, r, feats[b]))
    return strata


def cell_schedule(
    n_blocks: int,
    *,
    outputs: Mapping[str, Sequence[str]],
    hidden: Sequence[str],
    shallow: bool,
    dtypes: Sequence[str],
    regimes: Sequence[str],
    seed: int = 0,
) -> list[Stratum]:
    """The pure strata of a ``--keep-going`` search: every (hidden activation, cost and
    output, dtype) cell in turn, as random permutations of the cells, until
    ``max(n_blocks, number of cells)`` blocks (so every cell is judged at least once);
    ``shallow`` adds the cells without a hidden layer. Each cell's regimes cycle through
    a permutation of ``regimes``."""
    rng = np.random.default_rng([seed, 0xCE11])
    rows: list[str | None] = [*hidden, *([None] if shallow else [])]
    cells = [(h, c, o, d) for h in rows for c in outputs for o in outputs[c] for d in dtypes]
    order = _cycle(cells, max(n_blocks, len(cells)), rng)
    turns = {cell: [regimes[i] for i in rng.permutation(len(regimes))] for cell in cells}
    seen: collections.Counter[tuple] = collections.Counter()
    strata = []
    for cell in order:
        h, c, o, d = cell
        strata.append(Stratum(c, o, d, turns[cell][seen[cell] % len(regimes)], h, True))
        seen[cell] += 1
    return strata


def block_seed(seed: int, block: int) -> int:
    """The Hypothesis seed of block ``block`` of the search with ``seed``."""
    return int(np.random.SeedSequence([seed & (2**63 - 1), block, 0xB10C]).generate_state(1)[0])
