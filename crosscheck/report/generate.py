"""Deterministic problems for reports: the same ``--examples`` and ``--seed`` give the same
problems (``docs/report.md``), and the shards that split them."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from crosscheck.errors import UsageError

if TYPE_CHECKING:  # pragma: no cover - typing only (importing Hypothesis takes a while)
    from crosscheck.report.records import ExampleInfo
    from crosscheck.strategies import DrawnProblem

__all__ = [
    "DEFAULT_EXAMPLES",
    "DEFAULT_SEED",
    "Example",
    "Shard",
    "fingerprint",
    "generate",
    "parse_shard",
    "reproduce_command",
    "shard_ids",
]

DEFAULT_EXAMPLES = 2500
"""Examples in the default report: about 2 minutes on 2 shared cores (measured)."""

DEFAULT_SEED = 20_240_601
"""The seed of the default report (any integer works; this one is just fixed)."""


class Example(NamedTuple):
    """One generated problem with its id (its position in draw order)."""

    id: int
    drawn: DrawnProblem


class Shard(NamedTuple):
    """Shard ``index`` (1-based) of ``count``: the ids ``i`` with ``i % count == index - 1``."""

    index: int
    count: int

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


_SHARD = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


def parse_shard(text: str) -> Shard:
    """``"K/N"`` -> ``Shard(K, N)`` with ``1 <= K <= N``; :class:`UsageError` otherwise."""
    m = _SHARD.match(text)
    if not m:
        raise UsageError(f"shard: expected K/N (e.g. 2/4), got {text!r}")
    k, n = int(m.group(1)), int(m.group(2))
    if not 1 <= k <= n:
        raise UsageError(f"shard: expected 1 <= K <= N in K/N, got {text!r}")
    return Shard(k, n)


def shard_ids(n_examples: int, shard: Shard) -> list[int]:
    """The example ids shard ``shard`` evaluates, ascending."""
    return [i for i in range(n_examples) if i % shard.count == shard.index - 1]


def generate(n: int, seed: int = DEFAULT_SEED, **strategy_options: Any) -> list[Example]:
    """``n`` problems drawn by Hypothesis with ``seed``, in draw order (ids 0 .. n-1).

    ``strategy_options`` go to :func:`crosscheck.strategies.problems_with_info`
    (``max_depth``, ``dtypes``, ...). Raises :class:`UsageError` for ``n < 1`` and
    ``RuntimeError`` if Hypothesis stopped before drawing ``n`` problems. Only
    Hypothesis's generate phase runs, with ``@hypothesis.seed(seed)``, no database,
    settings built on the ``default`` profile and the constants of loaded local modules
    hidden from it (``docs/report.md``).
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise UsageError(f"n: expected a positive integer number of examples, got {n!r}")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise UsageError(f"seed: expected an integer, got {seed!r}")
    import hypothesis
    from hypothesis import HealthCheck, Phase, given, settings

    from crosscheck.strategies import problems_with_info, without_local_constants

    strategy = problems_with_info(**strategy_options)
    drawn: list[DrawnProblem] = []

    @hypothesis.seed(seed)
    @settings(
        settings.get_profile("default"),
        max_examples=n,
        database=None,
        phases=[Phase.generate],
        deadline=None,
        derandomize=False,
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )
    @given(strategy)
    def record(d: DrawnProblem) -> None:
        drawn.append(d)

    with without_local_constants():
        record()
    if len(drawn) < n:
        raise RuntimeError(
            f"Hypothesis drew only {len(drawn)} of the {n} problems asked for "
            f"(options {strategy_options!r}); the strategy may be too narrow"
        )
    return [Example(i, d) for i, d in enumerate(drawn[:n])]


def fingerprint(examples: Sequence[Example]) -> str:
    """SHA-256 (hex) of every example's arrays, names and id: equal iff the same problems."""
    h = hashlib.sha256()
    for ex in examples:
        p = ex.drawn.problem
        h.update(repr((ex.id, p.activations, p.cost, p.dtype.str)).encode())
        for a in (*p.weights, p.X, p.Y):
            h.update(repr(a.shape).encode())
            h.update(a.tobytes())
    return h.hexdigest()


def reproduce_command(examples: int, seed: int) -> Callable[[ExampleInfo], str]:
    """The command line that regenerates ``examples`` problems with ``seed`` and
    evaluates one of them (what the report lists beside its worst cases)."""

    def command(info: ExampleInfo) -> str:
        return f"crosscheck report --examples {examples} --seed {seed} --show {info.id}"

    return command
