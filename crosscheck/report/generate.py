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
    "MAX_EXAMPLES",
    "Example",
    "Fingerprint",
    "Shard",
    "check_examples",
    "fingerprint",
    "generate",
    "parse_shard",
    "reproduce_command",
    "shard_ids",
    "stream",
]

DEFAULT_EXAMPLES = 2500
"""Examples in the default report: about 2 minutes on 2 shared cores (measured)."""

DEFAULT_SEED = 20_240_601
"""The seed of the default report (any integer works; this one is just fixed)."""

MAX_EXAMPLES = 100_000
"""The most examples one report draws (``docs/report.md``, "How many examples"): 40 x the
default, about 90 minutes of evaluation here with the results of every example kept for
the aggregates; every shard of a run draws all of them. Beyond it the maxima and the
99th percentile are resolved, and a longer run is better split by seed."""


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


def check_examples(n: object) -> int:
    """``n`` as a number of examples, 1 .. :data:`MAX_EXAMPLES`; :class:`UsageError`
    otherwise."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise UsageError(f"examples: expected a positive integer, got {n!r}")
    if n > MAX_EXAMPLES:
        raise UsageError(
            f"examples: {n:,} is more than one report draws (at most {MAX_EXAMPLES:,}, "
            "about 90 minutes of evaluation here); split a larger run into reports of "
            "other seeds, or draw fewer"
        )
    return n


class _Stop(BaseException):
    """Raised inside the Hypothesis test to end the draws at once (a BaseException:
    Hypothesis treats it as fatal, neither a failure to shrink nor one to replay)."""


def stream(
    n: int,
    seed: int,
    visit: Callable[[Example], bool | None],
    **strategy_options: Any,
) -> int:
    """Draw ``n`` problems with ``seed`` and call ``visit(example)`` on each as soon as it
    is drawn, in draw order (ids 0 .. n-1); nothing is kept here. ``visit`` returning
    True ends the draws there (the examples drawn so far are those of the whole run: the
    engine runs with the same settings). Returns the number drawn.

    ``strategy_options`` go to :func:`crosscheck.strategies.problems_with_info`
    (``max_depth``, ``dtypes``, ...). :class:`UsageError` for a bad ``n`` or ``seed``;
    ``RuntimeError`` if Hypothesis stopped before drawing ``n`` problems; an exception
    raised by ``visit`` is raised as it is (Hypothesis neither replays nor reports it).
    Only Hypothesis's generate phase runs, with ``@hypothesis.seed(seed)``, no database,
    settings built on the ``default`` profile and the constants of loaded local modules
    hidden from it (``docs/report.md``).
    """
    check_examples(n)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise UsageError(f"seed: expected an integer, got {seed!r}")
    import hypothesis
    from hypothesis import HealthCheck, Phase, given, settings

    from crosscheck.strategies import problems_with_info, without_local_constants

    strategy = problems_with_info(**strategy_options)
    count = 0
    failure: list[BaseException] = []

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
        nonlocal count
        if count >= n:  # pragma: no cover - Hypothesis stops at max_examples
            raise _Stop
        example = Example(count, d)
        count += 1
        try:
            done = visit(example)
        except BaseException as exc:  # handed back to the caller below
            failure.append(exc)
            raise _Stop from None
        if done:
            raise _Stop

    try:
        with without_local_constants():
            record()
    except _Stop:
        if failure:
            raise failure[0] from None
        return count
    if count < n:
        raise RuntimeError(
            f"Hypothesis drew only {count} of the {n} problems asked for "
            f"(options {strategy_options!r}); the strategy may be too narrow"
        )
    return count


def generate(n: int, seed: int = DEFAULT_SEED, **strategy_options: Any) -> list[Example]:
    """``n`` problems drawn by Hypothesis with ``seed``, in draw order (ids 0 .. n-1): the
    examples of :func:`stream`, kept in a list (for tests and small runs)."""
    drawn: list[Example] = []
    stream(n, seed, drawn.append, **strategy_options)
    return drawn


class Fingerprint:
    """SHA-256 (hex) of every example's arrays, names and id, fed one example at a time
    in draw order: equal iff the same problems."""

    def __init__(self) -> None:
        self._h = hashlib.sha256()

    def add(self, ex: Example) -> None:
        """Feed one example."""
        p = ex.drawn.problem
        self._h.update(repr((ex.id, p.activations, p.cost, p.dtype.str)).encode())
        for a in (*p.weights, p.X, p.Y):
            self._h.update(repr(a.shape).encode())
            self._h.update(a.tobytes())

    def hexdigest(self) -> str:
        """The digest of the examples fed so far."""
        return self._h.hexdigest()


def fingerprint(examples: Sequence[Example]) -> str:
    """SHA-256 (hex) of every example's arrays, names and id: equal iff the same problems."""
    fp = Fingerprint()
    for ex in examples:
        fp.add(ex)
    return fp.hexdigest()


def reproduce_command(examples: int, seed: int) -> Callable[[ExampleInfo], str]:
    """The command line that regenerates ``examples`` problems with ``seed`` and
    evaluates one of them (what the report lists beside its worst cases)."""

    def command(info: ExampleInfo) -> str:
        return f"crosscheck report --examples {examples} --seed {seed} --show {info.id}"

    return command
