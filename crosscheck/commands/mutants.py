"""``crosscheck mutants``: its arguments, what it prints and its exit status."""

from __future__ import annotations

import argparse
import sys
import time

from crosscheck.mutants import MUTANTS
from crosscheck.mutants.render import report_files
from crosscheck.mutants.run import jobs, run_jobs
from crosscheck.outputs import output_directory

__all__ = ["configure", "run"]


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the arguments of ``crosscheck mutants``."""
    parser.add_argument("--only", metavar="NAME,...", help="run only these mutants (default: all)")
    parser.add_argument("--seed", type=int, default=0, metavar="S", help="default 0")
    parser.add_argument(
        "--out", default="reports", metavar="DIR", help="where to write mutants.md/json"
    )
    parser.add_argument(
        "--no-write", action="store_true", help="print the summary only, write no files"
    )


def run(args: argparse.Namespace) -> int:
    """Verify every mutant (must be caught) and the correct functions (must pass).

    Exit 0 if all mutants are caught and all correct functions pass, 1 otherwise, 2 for a
    bad ``--only``.
    """
    from crosscheck.atomic import write_many

    names = None
    if args.only:
        names = [n.strip() for n in args.only.split(",")]
        bad = [n for n in names if n not in MUTANTS]
        if bad:
            print(
                f"crosscheck mutants: --only: unknown mutant(s) {bad}; expected names from "
                f"{', '.join(MUTANTS)}",
                file=sys.stderr,
            )
            return 2
    if not args.no_write:
        output_directory(args.out)  # before any work: a UsageError, exit 2
    todo = jobs(names)

    def progress(i: int, row: dict, seconds: float) -> None:
        status = "caught" if row["caught"] else "passed"
        flag = "" if row["ok"] else "   <-- UNEXPECTED"
        detail = (
            f"after {row['examples_until_caught']} example"
            f"{'' if row['examples_until_caught'] == 1 else 's'}: {row['counterexample']}"
            if row["caught"]
            else f"{row['examples']} examples, worst ratio {row['worst_ratio_passing']:.3g}"
        )
        print(
            f"[{i}/{len(todo)}] {row['name']}: {status} {detail} ({seconds:.1f} s){flag}",
            file=sys.stderr,
            flush=True,
        )

    t_all = time.perf_counter()
    rows, timing = run_jobs(todo, args.seed, progress)
    total = time.perf_counter() - t_all
    caught = sum(r["caught"] for r in rows if r["expected"] == "caught")
    n_mut = sum(r["expected"] == "caught" for r in rows)
    print(f"{caught} of {n_mut} mutants caught; total {total:.1f} s")
    if not args.no_write:
        files = report_files(args.out, rows, args.seed, timing, total)
        write_many({k: v.encode() for k, v in files.items()})
        for path in files:
            print(f"wrote {path}")
    return 0 if all(r["ok"] for r in rows) else 1
