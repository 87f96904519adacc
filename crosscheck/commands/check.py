"""``crosscheck check``: its arguments, what it prints and its exit status.

Exit status: 0 no regression; 1 regressions (printed as a table naming the cells); 2 a
missing, unreadable, truncated or schema-incompatible report or baseline, a report of
other options than the baseline's (seed, size, shard, source), an empty baseline, files
of two runs, a bad option or an unwritable ``--update-baseline`` path; 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

from crosscheck import atomic
from crosscheck.baseline import (
    FACTOR,
    FLOOR,
    Regression,
    baseline_from_report,
    cells,
    find_regressions,
    incompatibility,
    inconclusive_changes,
    load_baseline,
)
from crosscheck.errors import UsageError
from crosscheck.formatting import fmt
from crosscheck.outputs import output_file
from crosscheck.report.files import load_unit

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


def _load_report(path: Path) -> tuple[dict, dict]:
    """The report (checked to be one run with the files beside it) and its cells."""
    try:
        report = load_unit(path)
        try:
            return report, cells(report)
        except UsageError as exc:
            raise UsageError(f"{path}: {exc}") from None
    except UsageError as exc:
        raise UsageError(f"report {exc} (make a report with `crosscheck report`)") from None


def run(args: argparse.Namespace) -> int:
    """Run ``crosscheck check``: 0 within the baseline, 1 regressions (printed), 2 a bad
    file, option or output path, or a report not comparable with the baseline."""
    if not (args.factor >= 1.0 and math.isfinite(args.factor)):
        raise UsageError(f"--factor {args.factor}: expected a finite number >= 1")
    if not (args.floor >= 0.0 and math.isfinite(args.floor)):
        raise UsageError(f"--floor {args.floor}: expected a finite number >= 0")
    report_path, baseline_path = Path(args.report), Path(args.baseline)
    if args.update_baseline:
        output_file(baseline_path, "--baseline")  # before any work
        report, _ = _load_report(report_path)
        try:
            doc = baseline_from_report(report)
        except UsageError as exc:
            raise UsageError(f"--update-baseline: report {report_path}: {exc}") from None
        atomic.write_text(baseline_path, json.dumps(doc, sort_keys=True, indent=1) + "\n")
        print(f"wrote baseline {baseline_path} ({len(doc['cells'])} cells) from {report_path}")
        return 0
    report, report_cells = _load_report(report_path)
    hint = (
        f"(write one with `crosscheck check --report {report_path} --baseline "
        f"{baseline_path} --update-baseline`)"
    )
    try:
        baseline, baseline_cells = load_baseline(baseline_path)
        why = incompatibility(report, baseline)
        if why is not None:
            raise UsageError(
                f"report {report_path} is not comparable with the baseline: {why}; rerun "
                "the report with the baseline's options, or update the baseline"
            )
        regressions = find_regressions(
            baseline_cells, report_cells, factor=args.factor, floor=args.floor
        )
    except UsageError as exc:
        message = str(exc)
        if not message.startswith("report "):
            message = f"baseline {message} {hint}"
        raise UsageError(message) from None
    if (baseline.get("options") or {}).get("fingerprint") != report["options"].get(
        "fingerprint"
    ):
        print(
            "note: the report's problems differ from the baseline's (same options, other "
            "draws: another Hypothesis version or other strategies); cells are compared "
            "all the same"
        )
    for key, before, after in inconclusive_changes(baseline_cells, report_cells):
        print(f"note: {key}: {after} inconclusive examples (baseline {before}); a loss of "
              "power, not of accuracy: not a regression")
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
