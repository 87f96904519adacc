"""Deterministic generation: the same seed gives the same problems (in this process and in
another, whatever local modules are loaded); every example is an independent draw, so one
drawn alone (``--show``, a shard) is the one of the whole run, and a run's memory is flat
in its size; shards partition the ids; absurd sizes are refused.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from crosscheck.errors import UsageError
from crosscheck.report.generate import (
    MAX_EXAMPLES,
    Fingerprint,
    Shard,
    check_examples,
    fingerprint,
    generate,
    parse_shard,
    problem_digest,
    shard_ids,
    stream,
)

ROOT = Path(__file__).resolve().parents[3]


def test_generate_is_deterministic_and_seed_dependent() -> None:
    a, b = generate(8, seed=7), generate(8, seed=7)
    assert [e.id for e in a] == list(range(8))
    assert fingerprint(a) == fingerprint(b)
    assert fingerprint(generate(8, seed=8)) != fingerprint(a)


def test_generate_is_deterministic_across_processes() -> None:
    code = (
        "from crosscheck.report.generate import generate, fingerprint\n"
        "print(fingerprint(generate(5, seed=3)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout.strip()
    assert out == fingerprint(generate(5, seed=3))


def test_generation_ignores_constants_of_loaded_modules(monkeypatch) -> None:
    """Hypothesis mixes literal constants of loaded local modules into its draws;
    generate() must not, or the report would change with every import or code edit.

    The test session itself draws without that pool (tests/conftest.py), so the pool a
    module with these literals would add is put in place by hand."""
    import contextlib

    from hypothesis.internal.conjecture import providers
    from hypothesis.internal.constants_ast import Constants

    from crosscheck import strategies

    pool = Constants(
        floats={0.123456789, -0.987654321, 0.7071067811865476, 0.2718281828, -0.31415926535},
        integers={2, 3, 5, 6, 7},
    )
    before = fingerprint(generate(40, seed=11))
    try:
        monkeypatch.setattr(providers, "_get_local_constants", lambda: pool)
        providers.CONSTANTS_CACHE.cache.clear()
        assert fingerprint(generate(40, seed=11)) == before
        # the hazard is real: without the guard the pool changes the draws
        monkeypatch.setattr(strategies, "without_local_constants", contextlib.nullcontext)
        providers.CONSTANTS_CACHE.cache.clear()
        assert fingerprint(generate(40, seed=11)) != before
    finally:
        monkeypatch.undo()
        providers.CONSTANTS_CACHE.cache.clear()


def test_shards_partition_the_ids() -> None:
    for n in (1, 7, 20):
        for count in (1, 2, 3, 5):
            parts = [shard_ids(n, Shard(k, count)) for k in range(1, count + 1)]
            flat = sorted(i for p in parts for i in p)
            assert flat == list(range(n))


@pytest.mark.parametrize("text", ["0/2", "3/2", "1", "a/b", "1/0", ""])
def test_parse_shard_rejects_bad_specs(text: str) -> None:
    with pytest.raises(ValueError, match="shard"):
        parse_shard(text)


def test_parse_shard() -> None:
    assert parse_shard(" 2/4 ") == Shard(2, 4)
    assert str(Shard(2, 4)) == "2/4"


def test_stream_visits_the_examples_of_generate_and_can_stop_early() -> None:
    whole = generate(12, seed=5)
    seen = []
    assert stream(12, 5, seen.append) == 12
    assert fingerprint(seen) == fingerprint(whole)
    fp = Fingerprint()
    for ex in whole:
        fp.add(ex.id, problem_digest(ex.drawn.problem))
    assert fp.hexdigest() == fingerprint(whole)
    first: list = []
    n = stream(12, 5, lambda ex: first.append(ex) or ex.id == 6)
    assert n == 7 and fingerprint(first) == fingerprint(whole[:7])  # the same 7 first


def test_an_example_is_drawn_alone_the_same_as_in_the_whole_run() -> None:
    whole = generate(12, seed=5)
    alone: list = []
    assert stream(12, 5, alone.append, ids=[9, 3]) == 2
    assert [e.id for e in alone] == [9, 3]
    for ex in alone:
        assert problem_digest(ex.drawn.problem) == problem_digest(whole[ex.id].drawn.problem)
    # a longer run starts with the same examples
    assert fingerprint(generate(20, seed=5)[:12]) == fingerprint(whole)
    with pytest.raises(UsageError, match="ids"):
        stream(12, 5, alone.append, ids=[12])


def test_an_error_in_the_visitor_is_raised_as_it_is() -> None:
    calls = []

    def visit(ex):
        calls.append(ex.id)
        if ex.id == 2:
            raise ZeroDivisionError("in the visitor")

    with pytest.raises(ZeroDivisionError, match="in the visitor"):
        stream(10, 1, visit)
    assert calls == [0, 1, 2]  # nothing went on, nothing was replayed
    with pytest.raises(KeyboardInterrupt):
        stream(10, 1, lambda ex: (_ for _ in ()).throw(KeyboardInterrupt))


@pytest.mark.parametrize("n", [0, -1, MAX_EXAMPLES + 1, 10**11, True, 2.0])
def test_absurd_numbers_of_examples_are_refused(n) -> None:
    with pytest.raises(UsageError, match="examples"):
        check_examples(n)
    with pytest.raises(UsageError, match="examples"):
        stream(n, 0, lambda ex: None)
    assert check_examples(MAX_EXAMPLES) == MAX_EXAMPLES
