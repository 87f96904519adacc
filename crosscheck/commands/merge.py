"""``crosscheck merge``: its arguments, what it prints and its exit status.

Exit status: 0; 1 if a summary cell FAILs; 2 with a message if the shards are unreadable
or do not make up one run.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from crosscheck.commands._report_output import add_output_options, trajectory_path
from crosscheck.report import (
    build_report,
    run_metadata,
    summary_table,
    trajectory_summary,
    write_report_files,
)
from crosscheck.report.generate import reproduce_command
from crosscheck.report.merge import merge_shards, read_shard

__all__ = ["configure", "run"]


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the arguments of ``crosscheck merge``."""
    parser.add_argument(
        "shards", nargs="+", metavar="DIR",
        help="output directories of `crosscheck report --shard K/N` runs (all N of them)",
    )
    parser.add_argument("--out", default="reports", help="output directory (default reports/)")
    add_output_options(parser)


def run(args: argparse.Namespace) -> int:
    """Merge shard directories into one report; returns the exit status."""
    t0 = time.perf_counter()
    try:
        read = [read_shard(Path(d)) for d in args.shards]
        options, outcomes, oracles = merge_shards([(r, o) for r, o, _ in read])
    except ValueError as exc:  # a UsageError, or a value in a shard's files that is no number
        print(f"crosscheck merge: {exc}", file=sys.stderr)
        return 2
    report = build_report(
        outcomes,
        options=options,
        oracles=oracles,
        reproduce=reproduce_command(int(options["examples"]), int(options["seed"])),
        trajectory=trajectory_summary(trajectory_path(args)),
    )
    meta = {
        "schema": "crosscheck-report-meta",
        "command": ["crosscheck", *sys.argv[1:]] if sys.argv else ["crosscheck", "merge"],
        "options": options,
        "merged_from": [
            {"directory": str(d), "meta": m} for d, (_, _, m) in zip(args.shards, read,
                                                                     strict=True)
        ],
        "seconds": {"merge": round(time.perf_counter() - t0, 3)},
        **run_metadata(),
    }
    files = write_report_files(args.out, report, outcomes, html=not args.no_html, meta=meta)
    print(summary_table(report))
    print(f"\nmerged {len(args.shards)} shards: wrote {', '.join(str(p) for p in files)}")
    return 1 if any(c["verdict"] == "FAIL" for c in report["summary"]) else 0
