"""The baseline regression gate behind ``crosscheck check``: a report's cells against a
baseline's (rules and reasoning in ``docs/report-schema.md``, "The regression gate")."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

from crosscheck.errors import UsageError
from crosscheck.report import SCHEMA_VERSION, load_report

__all__ = [
    "BASELINE_SCHEMA",
    "COMPARABLE",
    "FACTOR",
    "FLOOR",
    "Regression",
    "baseline_from_report",
    "cells",
    "find_regressions",
    "incompatibility",
    "inconclusive_changes",
    "load_baseline",
]

BASELINE_SCHEMA = "crosscheck-baseline"

FACTOR = 4.0
"""A cell regresses when its max budget ratio exceeds FACTOR x the baseline's ..."""

FLOOR = 0.05
"""... and FLOOR (budget ratios below it are noise-level agreement)."""

_CELL_FIELDS = ("examples", "errors", "inconclusive", "max_ratio", "p99_ratio", "verdict")

COMPARABLE = ("source", "examples", "seed", "shard")
"""The options a report and its baseline must share: otherwise the cells hold other
examples (another seed, another size, a shard) and comparing them means nothing."""


class Regression(NamedTuple):
    """One regressed cell: its key, the baseline's and the report's max budget ratio,
    the limit it was held to (None when not a ratio comparison) and why it regressed."""

    cell: str
    baseline: float | None
    report: float | None
    limit: float | None
    reason: str


def _key(kind: str, c: Mapping[str, Any]) -> str:
    return f"{kind}: {c['pair']}, {c['dtype']}"


def cells(report: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """``{key: {examples, errors, max_ratio, p99_ratio, verdict}}`` of every summary and
    breakdown cell of a report: ``summary: handprop vs torch, float64``,
    ``activation=tanh: handprop vs torch, float64``, ``depth=3: ...``; :class:`UsageError`
    if the cells are not in the expected layout."""
    out: dict[str, dict[str, Any]] = {}
    try:
        for c in report["summary"]:
            out[_key("summary", c)] = {f: c[f] for f in _CELL_FIELDS}
        for dim, rows in report["breakdowns"].items():
            for c in rows:
                out[_key(f"{dim}={c['value']}", c)] = {f: c[f] for f in _CELL_FIELDS}
    except (KeyError, TypeError, AttributeError) as exc:
        raise UsageError(
            f"its cells are not in the expected layout ({exc!r}); regenerate it"
        ) from None
    return out


def baseline_from_report(report: Mapping[str, Any]) -> dict[str, Any]:
    """The baseline document of ``report`` (what ``--update-baseline`` writes);
    :class:`UsageError` if the report compared nothing (a baseline of no cells, or of
    cells without examples, would let every later report pass)."""
    report_cells = cells(report)
    if not any((c.get("examples") or 0) > 0 for c in report_cells.values()):
        raise UsageError(
            f"it compared nothing ({len(report_cells)} cells, "
            f"{report.get('examples', 0)} examples): a baseline of it would pass any "
            "report; make a report with examples first"
        )
    return {
        "schema": BASELINE_SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "options": report.get("options"),
        "rule": (
            f"a cell regresses when its max budget ratio > max({FACTOR:g} x baseline, "
            f"{FLOOR:g}), when it FAILs and did not, or when it is no longer compared "
            "(crosscheck/baseline.py, docs/report-schema.md)"
        ),
        "cells": report_cells,
    }


def incompatibility(report: Mapping[str, Any], baseline: Mapping[str, Any]) -> str | None:
    """Why ``report`` cannot be checked against ``baseline`` (other options among
    :data:`COMPARABLE`), or None."""
    r_opts, b_opts = report.get("options") or {}, baseline.get("options") or {}
    if not isinstance(r_opts, dict) or not isinstance(b_opts, dict):
        return "options are not recorded"
    diff = [k for k in COMPARABLE if r_opts.get(k) != b_opts.get(k)]
    if not diff:
        return None
    return "made with other options: " + ", ".join(
        f"{k} {r_opts.get(k)!r} (baseline {b_opts.get(k)!r})" for k in diff
    )


def inconclusive_changes(
    baseline: Mapping[str, Mapping[str, Any]], report: Mapping[str, Mapping[str, Any]]
) -> list[tuple[str, int, int]]:
    """``(cell, baseline, report)`` inconclusive counts of the cells where the count grew.
    Not a regression: power depends on the problem, its budget and the reference alone,
    never on the candidate (``docs/report-schema.md``, "The regression gate")."""
    out = []
    for key, r in report.items():
        b = baseline.get(key)
        if b is None:
            continue
        before, after = b.get("inconclusive"), r.get("inconclusive")
        if isinstance(before, int) and isinstance(after, int) and after > before:
            out.append((key, before, after))
    return out


def _number(x: Any, what: str) -> float | None:
    """A ratio or count from a file: None, a number, or the strings inf/-inf/nan."""
    if x is None:
        return None
    if isinstance(x, bool):
        raise UsageError(f"{what}: expected a number, got {x!r}")
    if isinstance(x, (int, float)):
        return float(x)
    if isinstance(x, str):
        try:
            return float(x)
        except ValueError:
            pass
    raise UsageError(f"{what}: expected a number, got {x!r}")


def _baseline_cells(data: Mapping[str, Any], path: Path) -> dict[str, dict[str, Any]]:
    raw = data.get("cells")
    if not isinstance(raw, dict):
        raise UsageError(f"{path}: no 'cells' object; regenerate the baseline")
    if not any(isinstance(c, dict) and isinstance(c.get("examples"), (int, float))
               and c["examples"] > 0 for c in raw.values()):
        raise UsageError(
            f"{path}: an empty baseline ({len(raw)} cells, none with examples) would pass "
            "any report; regenerate it from a report with examples"
        )
    for key, c in raw.items():
        if not isinstance(c, dict) or any(f not in c for f in _CELL_FIELDS):
            raise UsageError(
                f"{path}: cell {key!r} lacks some of {_CELL_FIELDS}; regenerate the baseline"
            )
    return raw


def find_regressions(
    baseline: Mapping[str, Mapping[str, Any]],
    report: Mapping[str, Mapping[str, Any]],
    *,
    factor: float = FACTOR,
    floor: float = FLOOR,
) -> list[Regression]:
    """The regressed cells of ``report`` against ``baseline`` (both from :func:`cells`),
    in the baseline's key order then the new cells'. A cell regresses when its max budget
    ratio exceeds ``max(factor x baseline, floor)``, when it FAILs and did not (or is new
    and FAILs), or when the baseline compared examples in it and the report none."""
    out = []
    for key, b in baseline.items():
        b_ratio = _number(b["max_ratio"], f"baseline cell {key!r} max_ratio")
        b_examples = _number(b["examples"], f"baseline cell {key!r} examples") or 0.0
        r = report.get(key)
        if r is None:
            if b_examples > 0:
                out.append(Regression(key, b_ratio, None, None, "missing: no longer compared"))
            continue
        r_ratio = _number(r["max_ratio"], f"report cell {key!r} max_ratio")
        r_examples = _number(r["examples"], f"report cell {key!r} examples") or 0.0
        r_errors = _number(r["errors"], f"report cell {key!r} errors") or 0.0
        if r["verdict"] == "FAIL" and b["verdict"] != "FAIL":
            why = f"now failing ({int(r_errors)} errors)" if r_errors else "now failing (> 1)"
            out.append(Regression(key, b_ratio, r_ratio, 1.0, why))
            continue
        if b_examples > 0 and r_examples == 0 and not r_errors:
            out.append(Regression(key, b_ratio, None, None, "missing: no longer compared"))
            continue
        if r_ratio is None:
            continue
        limit = max(factor * b_ratio, floor) if b_ratio is not None else floor
        if not r_ratio <= limit:  # NaN counts as a regression
            out.append(Regression(key, b_ratio, r_ratio, limit, "ratio above the limit"))
    for key, r in report.items():
        if key not in baseline and r["verdict"] == "FAIL":
            r_ratio = _number(r["max_ratio"], f"report cell {key!r} max_ratio")
            out.append(Regression(key, None, r_ratio, 1.0, "new failing cell"))
    return out


def load_baseline(path: Path) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """The baseline document and its cells (:class:`UsageError` names what is wrong)."""
    data = load_report(path, schema=BASELINE_SCHEMA)
    return data, _baseline_cells(data, path)
