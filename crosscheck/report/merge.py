"""Shard directories (``crosscheck report --shard K/N``) read back and checked to be the N
disjoint parts of one run."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from crosscheck.errors import UsageError
from crosscheck.report.files import load_unit, read_results_csv
from crosscheck.report.generate import Fingerprint, parse_shard, shard_ids
from crosscheck.report.records import PairResult

__all__ = ["merge_shards", "read_shard", "worst_code"]

_PER_SHARD = ("shard", "fingerprint")
"""Options that differ between the shards of one run (a shard's fingerprint covers its
own examples; the merge recomputes the whole run's from their ``problem_sha``)."""


def read_shard(directory: Path) -> tuple[dict[str, Any], list[PairResult], dict | None]:
    """(report, results, meta or None) of a shard's directory; :class:`UsageError` names
    a missing, unreadable or corrupt ``report.json`` or ``report.csv``, or files of two
    runs (:func:`crosscheck.report.files.load_unit`)."""
    if not directory.is_dir():
        raise UsageError(f"{directory}: not a directory (expected a report's directory)")
    report = load_unit(directory / "report.json", required=("report.csv",))
    try:
        text = (directory / "report.csv").read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{directory / 'report.csv'}: cannot read it ({exc})") from None
    try:
        outcomes = read_results_csv(text)
    except (ValueError, IndexError) as exc:
        raise UsageError(f"{directory / 'report.csv'}: corrupt ({exc})") from None
    try:
        meta = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        meta = None
    return report, outcomes, meta


def worst_code(reports: Iterable[Mapping[str, Any]]) -> dict[int, str]:
    """``{example id: code}`` of the shards' worst cases: the merged worst cases are
    among them."""
    code: dict[int, str] = {}
    for rep in reports:
        for w in rep.get("worst") or []:
            if isinstance(w, dict) and w.get("code"):
                code[int(w["id"])] = str(w["code"])
    return code


def merge_shards(
    shards: Sequence[tuple[Mapping[str, Any], Sequence[PairResult]]],
) -> tuple[dict[str, Any], list[PairResult], dict[str, Any]]:
    """Check that ``shards`` ((report, results) of each ``--shard K/N`` run) are the N
    disjoint parts of one run; return (options, results, oracles) of the whole.

    :class:`UsageError` says what does not fit: different options or oracles, a shard count
    that is not N, a repeated or missing shard, overlapping or missing example ids.
    """
    try:
        return _merge(shards)
    except (KeyError, TypeError, AttributeError) as exc:
        raise UsageError(f"shards: a report.json lacks or garbles {exc}; regenerate it") from None


def _merge(
    shards: Sequence[tuple[Mapping[str, Any], Sequence[PairResult]]],
) -> tuple[dict[str, Any], list[PairResult], dict[str, Any]]:
    if not shards:
        raise UsageError("shards: expected at least one shard directory")
    first = shards[0][0]
    if first["options"].get("source") != "crosscheck report":
        raise UsageError(
            f"shards: only `crosscheck report --shard K/N` directories merge (this one's "
            f"source is {first['options'].get('source')!r})"
        )
    base = {k: v for k, v in first["options"].items() if k not in _PER_SHARD}
    specs = []
    for rep, _ in shards:
        opts = {k: v for k, v in rep["options"].items() if k not in _PER_SHARD}
        if opts != base:
            raise UsageError(f"shards: different options, {opts!r} vs {base!r}")
        if rep["oracles"] != first["oracles"]:
            raise UsageError(
                "shards: the oracles available differ between shards "
                f"({rep['oracles']!r} vs {first['oracles']!r}); run every shard alike"
            )
        specs.append(parse_shard(rep["options"]["shard"]))
    counts = {s.count for s in specs}
    if len(counts) != 1:
        raise UsageError(f"shards: mixed shard counts {sorted(counts)} (expected one N)")
    n = counts.pop()
    got = sorted(s.index for s in specs)
    if got != list(range(1, n + 1)):
        missing = sorted(set(range(1, n + 1)) - set(got))
        repeated = sorted(k for k, c in Counter(got).items() if c > 1)
        raise UsageError(
            f"shards: expected shards 1..{n} once each; missing {missing}, repeated {repeated}"
        )
    outcomes: list[PairResult] = []
    for (_, outs), spec in zip(shards, specs, strict=True):
        expected = set(shard_ids(int(base["examples"]), spec))
        seen = {o.example.id for o in outs}
        if seen != expected:
            raise UsageError(
                f"shard {spec}: holds example ids {sorted(seen - expected)[:5]} it should not "
                f"or lacks {sorted(expected - seen)[:5]}"
            )
        outcomes.extend(outs)
    fp = Fingerprint()
    for ex_id, digest in sorted({(o.example.id, o.example.digest) for o in outcomes}):
        fp.add(ex_id, digest)
    return {**base, "shard": "1/1", "fingerprint": fp.hexdigest()}, outcomes, dict(
        first["oracles"]
    )
