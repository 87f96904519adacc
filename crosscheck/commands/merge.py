"""``crosscheck merge``: its arguments, what it prints and its exit status.

Exit status: 0 pass; 1 a summary cell FAILs; 2 the output location, or shards that are
unreadable, of mixed runs or not the parts of one run; 3 inconclusive; 130 interrupted.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from crosscheck.commands._report_output import add_output_options, prepare_output
from crosscheck.commands.report import exit_status
from crosscheck.report import build_report, run_metadata, summary_table
from crosscheck.report.files import write_report_files
from crosscheck.report.generate import reproduce_command
from crosscheck.report.merge import merge_shards, read_shard, worst_code

__all__ = ["configure", "run"]


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the arguments of ``crosscheck merge``."""
    parser.add_argument(
        "shards", nargs="+", metavar="DIR",
        help="output directories of `crosscheck report --shard K/N` runs (all N of them)",
    )
    add_output_options(parser)


def run(args: argparse.Namespace) -> int:
    """Merge shard directories into one report; returns the exit status."""
    t0 = time.perf_counter()
    out, trajectory, images = prepare_output(args)  # before reading any shard
    read = [read_shard(Path(d)) for d in args.shards]
    options, outcomes, oracles = merge_shards([(r, o) for r, o, _ in read])
    report = build_report(
        outcomes,
        options=options,
        oracles=oracles,
        reproduce=reproduce_command(int(options["examples"]), int(options["seed"])),
        trajectory=trajectory,
        code=worst_code(r for r, _, _ in read),
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
    files = write_report_files(out, report, outcomes, html=not args.no_html, meta=meta,
                               images=images)
    print(summary_table(report))
    print(f"\nmerged {len(args.shards)} shards: wrote {', '.join(str(p) for p in files)}")
    print(f"status: {report['status']}")
    return exit_status(report)
