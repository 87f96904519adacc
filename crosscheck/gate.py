"""``crosscheck check``: compare a report with a baseline, the CI regression gate.

A *cell* is a row of the report's summary (pair x dtype, key ``summary: handprop vs
torch, float64``) or of a breakdown (``activation=tanh: handprop vs torch, float64``,
``depth=3: ...``, ``position=output: ...``, ``row_kind=bias: ...``). The baseline
(``reports/baseline.json``, written only by ``--update-baseline``) keeps, per cell, the
examples, errors, max and p99 budget ratio and the verdict.

A cell **regresses** when (``docs/report-schema.md`` gives the reasoning):

* ``ratio``: its max budget ratio exceeds ``max(FACTOR x baseline, FLOOR)``
  (:data:`FACTOR` = 4, :data:`FLOOR` = 0.05). Budget ratios are dimensionless and below 1
  for correct code; rounding differences between machines or library builds move a
  cell's maximum by well under a factor 4, while a real loss of accuracy (a formula that
  cancels, a sum in the wrong precision) moves it by orders of magnitude. The floor keeps
  cells near 0 (a pair that agrees to the last bit) from flagging noise;
* ``now failing``: its verdict is FAIL (a ratio above 1 or an error) and the baseline's
  was not, including a cell the baseline does not have (``new failing cell``);
* ``missing``: the baseline compared examples in it and the report compares none (an
  oracle went missing or everything is skipped): coverage lost is a regression.

Exit status: 0 no regression; 1 regressions (printed as a table naming the cells); 2 a
missing, unreadable, truncated or schema-incompatible report or baseline (with a message
saying which and what to do).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

from crosscheck import atomic
from crosscheck.report import SCHEMA_VERSION, ReportFileError, load_report

__all__ = [
    "BASELINE_SCHEMA",
    "FACTOR",
    "FLOOR",
    "Regression",
    "baseline_from_report",
    "cells",
    "configure_check",
    "find_regressions",
    "run_check",
]

BASELINE_SCHEMA = "crosscheck-baseline"

FACTOR = 4.0
"""A cell regresses when its max budget ratio exceeds FACTOR x the baseline's ..."""

FLOOR = 0.05
"""... and FLOOR (budget ratios below it are noise-level agreement)."""

_CELL_FIELDS = ("examples", "errors", "max_ratio", "p99_ratio", "verdict")


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
    breakdown cell of a report (see the module docstring for the keys)."""
    out: dict[str, dict[str, Any]] = {}
    try:
        for c in report["summary"]:
            out[_key("summary", c)] = {f: c[f] for f in _CELL_FIELDS}
        for dim, rows in report["breakdowns"].items():
            for c in rows:
                out[_key(f"{dim}={c['value']}", c)] = {f: c[f] for f in _CELL_FIELDS}
    except (KeyError, TypeError, AttributeError) as exc:
        raise ReportFileError(
            f"its cells are not in the expected layout ({exc!r}); regenerate it"
        ) from None
    return out


def baseline_from_report(report: Mapping[str, Any]) -> dict[str, Any]:
    """The baseline document of ``report`` (what ``--update-baseline`` writes)."""
    return {
        "schema": BASELINE_SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "options": report.get("options"),
        "rule": (
            f"a cell regresses when its max budget ratio > max({FACTOR:g} x baseline, "
            f"{FLOOR:g}), when it FAILs and did not, or when it is no longer compared "
            "(crosscheck/gate.py, docs/report-schema.md)"
        ),
        "cells": cells(report),
    }


def _number(x: Any, what: str) -> float | None:
    """A ratio or count from a file: None, a number, or the strings inf/-inf/nan."""
    if x is None:
        return None
    if isinstance(x, bool):
        raise ReportFileError(f"{what}: expected a number, got {x!r}")
    if isinstance(x, (int, float)):
        return float(x)
    if isinstance(x, str):
        try:
            return float(x)
        except ValueError:
            pass
    raise ReportFileError(f"{what}: expected a number, got {x!r}")


def _baseline_cells(data: Mapping[str, Any], path: Path) -> dict[str, dict[str, Any]]:
    raw = data.get("cells")
    if not isinstance(raw, dict):
        raise ReportFileError(f"{path}: no 'cells' object; regenerate the baseline")
    for key, c in raw.items():
        if not isinstance(c, dict) or any(f not in c for f in _CELL_FIELDS):
            raise ReportFileError(
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
    in the baseline's key order then the new cells' (rules in the module docstring)."""
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


def _fmt(x: float | None) -> str:
    if x is None:
        return "-"
    if math.isinf(x) or math.isnan(x):
        return str(x)
    return f"{x:.3g}"


def regression_table(regressions: list[Regression]) -> str:
    """The regressions as a Markdown table (what ``check`` prints)."""
    lines = [
        "| cell | baseline max ratio | report max ratio | limit | why |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    for r in regressions:
        lines.append(
            f"| {r.cell} | {_fmt(r.baseline)} | {_fmt(r.report)} | {_fmt(r.limit)} | {r.reason} |"
        )
    return "\n".join(lines)


def _load_baseline(path: Path) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    data = load_report(path, schema=BASELINE_SCHEMA)
    return data, _baseline_cells(data, path)


def configure_check(parser: argparse.ArgumentParser) -> None:
    """Add the ``crosscheck check`` options to ``parser``."""
    parser.add_argument(
        "--baseline", required=True, metavar="PATH", help="the baseline (reports/baseline.json)"
    )
    parser.add_argument(
        "--report", default="reports/report.json", metavar="PATH",
        help="the report to check (default reports/report.json)",
    )
    parser.add_argument(
        "--update-baseline", action="store_true",
        help="write the baseline from the report (atomically) instead of failing on change",
    )
    parser.add_argument(
        "--factor", type=float, default=FACTOR,
        help=f"a cell regresses above factor x its baseline ratio (default {FACTOR:g})",
    )
    parser.add_argument(
        "--floor", type=float, default=FLOOR,
        help=f"... and above this ratio (default {FLOOR:g})",
    )


def run_check(args: argparse.Namespace) -> int:
    """0 within the baseline, 1 regressions (printed), 2 a bad file or option."""
    if not (args.factor >= 1.0 and math.isfinite(args.factor)) or not args.floor >= 0.0:
        print("crosscheck check: --factor must be >= 1 and --floor >= 0", file=sys.stderr)
        return 2
    report_path, baseline_path = Path(args.report), Path(args.baseline)
    try:
        report = load_report(report_path)
        try:
            report_cells = cells(report)
        except ReportFileError as exc:
            raise ReportFileError(f"{report_path}: {exc}") from None
    except ReportFileError as exc:
        print(f"crosscheck check: report {exc}", file=sys.stderr)
        print("  (make a report with `crosscheck report`)", file=sys.stderr)
        return 2
    if args.update_baseline:
        doc = baseline_from_report(report)
        atomic.write_text(baseline_path, json.dumps(doc, sort_keys=True, indent=1) + "\n")
        print(f"wrote baseline {baseline_path} ({len(doc['cells'])} cells) from {report_path}")
        return 0
    try:
        baseline, baseline_cells = _load_baseline(baseline_path)
        regressions = find_regressions(
            baseline_cells, report_cells, factor=args.factor, floor=args.floor
        )
    except ReportFileError as exc:
        print(f"crosscheck check: baseline {exc}", file=sys.stderr)
        print(
            f"  (write one with `crosscheck check --report {report_path} --baseline "
            f"{baseline_path} --update-baseline`)",
            file=sys.stderr,
        )
        return 2
    if baseline.get("options") != report.get("options"):
        print(
            "note: the report and the baseline were made with different options "
            f"(report {report.get('options')!r}, baseline {baseline.get('options')!r}); "
            "cells are compared all the same"
        )
    rule = (
        f"max budget ratio > max({args.factor:g} x baseline, {args.floor:g}), a cell that "
        "now FAILs, or a cell no longer compared"
    )
    if regressions:
        print(
            f"crosscheck check: {len(regressions)} of {len(baseline_cells)} baseline cells "
            f"regressed ({rule}):\n"
        )
        print(regression_table(regressions))
        return 1
    print(
        f"crosscheck check: {len(report_cells)} cells within the baseline "
        f"{baseline_path} ({len(baseline_cells)} cells; rule: {rule})"
    )
    return 0
