"""Deterministic problems for reports: the same ``--examples`` and ``--seed`` give the same
problems (``docs/report.md``), and the shards that split them."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from crosscheck.errors import UsageError

if TYPE_CHECKING:  # pragma: no cover - typing only (importing Hypothesis takes a while)
    from crosscheck.report.records import ExampleInfo
    from crosscheck.strategies import DrawnProblem

__all__ = [
    "DEFAULT_EXAMPLES",
    "DEFAULT_SEED",
    "DRAW_ATTEMPTS",
    "MAX_EXAMPLES",
    "Example",
    "Fingerprint",
    "Shard",
    "check_examples",
    "draw",
    "example_seed",
    "fingerprint",
    "generate",
    "parse_shard",
    "problem_digest",
    "reproduce_command",
    "shard_ids",
    "stream",
]

DEFAULT_EXAMPLES = 2500
"""Examples in the default report: about 2 minutes on 2 shared cores (measured)."""

DEFAULT_SEED = 20_240_601
"""The seed of the default report (any integer works; this one is just fixed)."""

MAX_EXAMPLES = 50_000
"""The most examples one report holds (``docs/report.md``, "How many examples"): 20 x the
default. The draws cost no memory, but the results are kept for the aggregates and
rendered at the end: about 37 KB per example measured, 2.5 GB at the cap, with a
report.csv of about 450 MB and about 45 minutes of evaluation here. A larger sample is
better run as reports of other seeds."""


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
            f"examples: {n:,} is more than one report holds (at most {MAX_EXAMPLES:,}: "
            "about 45 minutes and 2.5 GB here); run a larger sample as reports of other "
            "seeds"
        )
    return n


DRAW_ATTEMPTS = 100
"""Draws tried for one example before giving up (a draw the strategy rejects, e.g. a
filter that fails, is drawn again from the next seed)."""


def example_seed(seed: int, example_id: int, attempt: int = 0) -> int:
    """The 64-bit seed of one draw: a SHA-256 of (seed, id, attempt), the same on every
    machine and in every process."""
    text = f"crosscheck-report/{seed}/{example_id}/{attempt}".encode()
    return int.from_bytes(hashlib.sha256(text).digest()[:8], "big")


def draw(strategy: Any, seed: int, example_id: int) -> DrawnProblem:
    """Example ``example_id`` of the run with ``seed``, drawn on its own from ``strategy``.

    Each example is one draw of Hypothesis's own data generation (``ConjectureData``, the
    choices made by its ``HypothesisProvider``) from a ``random.Random`` seeded with
    :func:`example_seed`: the examples are independent, example ``i`` depends on the seed
    and ``i`` only (so ``--show i`` draws it alone, and a shard draws only its own), and
    nothing of one draw is kept for the next (memory is flat in the number of examples).
    This uses Hypothesis's internal data API, checked on the version pinned in
    ``constraints.txt`` (``tests/crosscheck/report/test_generate.py``).
    """
    import random

    from hypothesis.control import BuildContext
    from hypothesis.errors import UnsatisfiedAssumption
    from hypothesis.internal.conjecture.data import ConjectureData, StopTest

    for attempt in range(DRAW_ATTEMPTS):
        data = ConjectureData(random=random.Random(example_seed(seed, example_id, attempt)))
        try:
            with BuildContext(data, is_final=False, wrapped_test=None):
                return data.draw(strategy)
        except (StopTest, UnsatisfiedAssumption):
            continue
    raise RuntimeError(
        f"example {example_id}: no valid draw in {DRAW_ATTEMPTS} attempts; the strategy "
        "may be too narrow"
    )


def stream(
    n: int,
    seed: int,
    visit: Callable[[Example], bool | None],
    *,
    ids: Iterable[int] | None = None,
    **strategy_options: Any,
) -> int:
    """Draw the examples ``ids`` (default all, ``0 .. n-1``) of the run of ``n`` with
    ``seed`` one at a time (:func:`draw`) and call ``visit(example)`` on each as soon as
    it is drawn; nothing is kept here. ``visit`` returning True ends the draws there.
    Returns the number drawn.

    ``strategy_options`` go to :func:`crosscheck.strategies.problems_with_info`
    (``max_depth``, ``dtypes``, ...). :class:`UsageError` for a bad ``n``, ``seed`` or
    id. Draws happen with the constants of loaded local modules hidden from Hypothesis
    (``docs/report.md``), so the problems depend on the seed, the ids, the strategies and
    the pinned Hypothesis only.
    """
    check_examples(n)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise UsageError(f"seed: expected an integer, got {seed!r}")
    ids = range(n) if ids is None else list(ids)
    bad = [i for i in ids if not (isinstance(i, int) and 0 <= i < n)]
    if bad:
        raise UsageError(f"ids: expected example ids in 0..{n - 1}, got {bad[:3]}")
    from crosscheck.strategies import problems_with_info, without_local_constants

    strategy = problems_with_info(**strategy_options)
    count = 0
    with without_local_constants():
        for i in ids:
            count += 1
            if visit(Example(i, draw(strategy, seed, i))):
                break
    return count


def generate(n: int, seed: int = DEFAULT_SEED, **strategy_options: Any) -> list[Example]:
    """``n`` problems drawn with ``seed`` (ids 0 .. n-1): the examples of :func:`stream`,
    kept in a list (for tests and small runs)."""
    drawn: list[Example] = []
    stream(n, seed, drawn.append, **strategy_options)
    return drawn


def problem_digest(problem: Any) -> str:
    """16 hex digits of a SHA-256 of a problem's arrays (shapes, dtypes, bytes), names and
    cost: equal iff the same problem (``report.csv``'s ``problem_sha``)."""
    h = hashlib.sha256(repr((tuple(problem.activations), problem.cost,
                             problem.dtype.str)).encode())
    for a in (*problem.weights, problem.X, problem.Y):
        h.update(repr(a.shape).encode())
        h.update(a.tobytes())
    return h.hexdigest()[:16]


class Fingerprint:
    """SHA-256 (hex) of a run's examples, from their ids and :func:`problem_digest` s fed
    in id order: equal iff the same problems. A merge recomputes it from its shards'
    ``report.csv``."""

    def __init__(self) -> None:
        self._h = hashlib.sha256()

    def add(self, example_id: int, digest: str) -> None:
        """Feed one example."""
        self._h.update(f"{example_id}:{digest}\n".encode())

    def hexdigest(self) -> str:
        """The digest of the examples fed so far."""
        return self._h.hexdigest()


def fingerprint(examples: Sequence[Example]) -> str:
    """:class:`Fingerprint` of ``examples`` (in id order)."""
    fp = Fingerprint()
    for ex in sorted(examples, key=lambda e: e.id):
        fp.add(ex.id, problem_digest(ex.drawn.problem))
    return fp.hexdigest()


def reproduce_command(examples: int, seed: int) -> Callable[[ExampleInfo], str]:
    """The command line that regenerates ``examples`` problems with ``seed`` and
    evaluates one of them (what the report lists beside its worst cases)."""

    def command(info: ExampleInfo) -> str:
        return f"crosscheck report --examples {examples} --seed {seed} --show {info.id}"

    return command
