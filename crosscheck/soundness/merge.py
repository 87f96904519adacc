"""Soundness reports run in parts (``crosscheck soundness --gate N --seed S`` per chunk,
``--large`` and the power targets apart) combined into one: the gate chunks' rows summed
per (candidate, dtype) with the worst case kept, other sets and the targets taken once."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from crosscheck.errors import UsageError

__all__ = ["merge"]

GATE_PREFIX = "Gate problems"


def _merged_rows(sections: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for section in sections:
        for r in section["rows"]:
            key = (r["candidate"], r["dtype"])
            m = out.setdefault(key, {**r, "problems": 0, "above_margin": 0, "above_one": 0,
                                     "max_ratio": -1.0})
            m["problems"] += r["problems"]
            m["above_margin"] += r["above_margin"]
            m["above_one"] += r["above_one"]
            if r["max_ratio"] > m["max_ratio"]:
                m["max_ratio"], m["where"] = r["max_ratio"], r["where"]
    return [out[k] for k in sorted(out)]


def merge(reports: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """One report from ``reports`` (each ``crosscheck soundness``'s JSON). They must share
    the margin and the truth; gate chunks must have distinct seeds (each chunk is
    ``--gate N --seed S``: problems of seeds S, S + 10,000, ...)."""
    if not reports:
        raise UsageError("--merge: expected at least one soundness.json")
    for key in ("margin", "truth"):
        values = {r[key] for r in reports}
        if len(values) != 1:
            raise UsageError(f"--merge: the reports differ in {key}: {sorted(values)}")
    gate = [(r["seed"], s) for r in reports for s in r["sets"]
            if s["title"].startswith(GATE_PREFIX)]
    seeds = [seed for seed, _ in gate]
    if len(set(seeds)) != len(seeds):
        raise UsageError(f"--merge: gate chunks repeat a seed: {sorted(seeds)}")
    sets: list[dict[str, Any]] = []
    if gate:
        n = sum(r["problems"] for _, s in gate for r in s["rows"] if r["candidate"] == "handprop")
        sets.append({
            "title": f"{GATE_PREFIX} ({n})",
            "description": gate[0][1]["description"].split(", seeds")[0]
            + f"; {len(gate)} runs merged, seeds {', '.join(map(str, sorted(seeds)))}.",
            "rows": _merged_rows([s for _, s in gate]),
            "seconds": sum(s.get("seconds", 0.0) for _, s in gate),
        })
    sets += [s for r in reports for s in r["sets"] if not s["title"].startswith(GATE_PREFIX)]
    targets = [t for r in reports for t in r.get("targets", [])]
    return {"margin": reports[0]["margin"], "seed": sorted(seeds)[0] if seeds else
            reports[0]["seed"], "truth": reports[0]["truth"], "sets": sets, "targets": targets}
