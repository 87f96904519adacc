"""``crosscheck check``: its arguments, what it prints and its exit status.

Exit status: 0 no regression; 1 regressions (printed as a table naming the cells); 2 a
missing, unreadable, truncated or schema-incompatible report or baseline, or a bad option.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

from crosscheck import atomic
from crosscheck.baseline import (
    FACTOR,
    FLOOR,
    Regression,
    baseline_from_report,
    cells,
    find_regressions,
    load_baseline,
)
from crosscheck.errors import UsageError
from crosscheck.formatting import fmt
from crosscheck.report import load_report

__all__ = ["configure", "run"]


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the arguments of ``crosscheck check``."""
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


def _regression_table(regressions: list[Regression]) -> str:
    """The regressions as a Markdown table (what ``check`` prints)."""
    lines = [
        "| cell | baseline max ratio | report max ratio | limit | why |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    for r in regressions:
        lines.append(
            f"| {r.cell} | {fmt(r.baseline)} | {fmt(r.report)} | {fmt(r.limit)} | {r.reason} |"
        )
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Run ``crosscheck check``: 0 within the baseline, 1 regressions (printed), 2 a bad
    file or option."""
    if not (args.factor >= 1.0 and math.isfinite(args.factor)) or not args.floor >= 0.0:
        print("crosscheck check: --factor must be >= 1 and --floor >= 0", file=sys.stderr)
        return 2
    report_path, baseline_path = Path(args.report), Path(args.baseline)
    try:
        report = load_report(report_path)
        try:
            report_cells = cells(report)
        except UsageError as exc:
            raise UsageError(f"{report_path}: {exc}") from None
    except UsageError as exc:
        print(f"crosscheck check: report {exc}", file=sys.stderr)
        print("  (make a report with `crosscheck report`)", file=sys.stderr)
        return 2
    if args.update_baseline:
        doc = baseline_from_report(report)
        atomic.write_text(baseline_path, json.dumps(doc, sort_keys=True, indent=1) + "\n")
        print(f"wrote baseline {baseline_path} ({len(doc['cells'])} cells) from {report_path}")
        return 0
    try:
        baseline, baseline_cells = load_baseline(baseline_path)
        regressions = find_regressions(
            baseline_cells, report_cells, factor=args.factor, floor=args.floor
        )
    except UsageError as exc:
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
        print(_regression_table(regressions))
        return 1
    print(
        f"crosscheck check: {len(report_cells)} cells within the baseline "
        f"{baseline_path} ({len(baseline_cells)} cells; rule: {rule})"
    )
    return 0
