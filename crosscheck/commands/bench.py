"""``crosscheck bench``: its arguments, what it prints and its exit status."""

from __future__ import annotations

import argparse
import sys

from crosscheck import bench
from crosscheck.commands._options import add_dtypes_option
from crosscheck.outputs import output_directory

__all__ = ["configure", "run"]


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the arguments of ``crosscheck bench``."""
    parser.add_argument("--quick", action="store_true",
                        help="tiny and small only, short timings, no memory probes, a short "
                             "gate run (for tests)")
    names = ", ".join(c.name for c in bench.CASES)
    parser.add_argument("--cases", nargs="+", metavar="NAME",
                        help=f"cases to run (default all: {names})")
    add_dtypes_option(parser)
    parser.add_argument("--threads", type=int, default=None,
                        help="threads for every library (default: the number of CPUs)")
    parser.add_argument("--seconds", type=float, default=None,
                        help="seconds of timing per case and dtype (default 2)")
    parser.add_argument("--rounds", type=int, default=None,
                        help="rounds over all cases that share those seconds (default 10)")
    parser.add_argument("--no-memory", action="store_true", help="skip the memory probes")
    parser.add_argument("--gate-examples", type=int, default=None,
                        help="gate problems to time after warm-up, in batches of 8 "
                        "(default 1600; 0 skips)")
    parser.add_argument("--gate-warmup", type=int, default=None,
                        help="gate warm-up problems (default 800)")
    parser.add_argument("--verify-examples", type=int, default=None,
                        help="float64 problems per round for verify against "
                             "torch.autograd.gradcheck (default 100; 0 skips)")
    parser.add_argument("--verify-rounds", type=int, default=None,
                        help="rounds of verify against gradcheck (default 3)")
    parser.add_argument("--startup-runs", type=int, default=None,
                        help="timed starts of `crosscheck verify --help` (default 7; 0 skips)")
    parser.add_argument("--out", default="reports", help="output directory (default reports/)")
    parser.add_argument("--no-plot", action="store_true", help="skip benchmarks.png")


def run(args: argparse.Namespace) -> int:
    """Run the benchmark, write the reports, print the table. 0, or 2 for bad options."""
    every = [c.name for c in bench.CASES]
    names = set(every)
    wanted = args.cases or (list(bench.QUICK_CASES) if args.quick else every)
    unknown = [n for n in wanted if n not in names]
    if unknown:
        print(f"crosscheck bench: unknown case(s) {unknown}; expected some of "
              f"{sorted(names)}", file=sys.stderr)
        return 2
    if args.threads is not None and args.threads < 1:
        print("crosscheck bench: --threads must be at least 1", file=sys.stderr)
        return 2
    output_directory(args.out)  # before any work: a UsageError, exit 2
    cases = [c for c in bench.CASES if c.name in wanted]
    quick = args.quick
    seconds = args.seconds if args.seconds is not None else (0.05 if quick else 2.0)
    gate_examples = args.gate_examples if args.gate_examples is not None else (
        16 if quick else 1600)
    gate_warmup = args.gate_warmup if args.gate_warmup is not None else (8 if quick else 800)
    verify_examples = args.verify_examples if args.verify_examples is not None else (
        5 if quick else 100)
    startup_runs = args.startup_runs if args.startup_runs is not None else (2 if quick else 7)
    report = bench.run(
        cases,
        [d for d in bench.DTYPES if d in (args.dtypes or bench.DTYPES)],
        threads=args.threads,
        seconds=seconds,
        rounds=args.rounds or (3 if quick else 10),
        min_repeats=3 if quick else 5,
        memory=not (args.no_memory or quick),
        gate_examples=gate_examples,
        gate_warmup=gate_warmup,
        peak_n=256 if quick else 2048,
        verify_examples=verify_examples,
        verify_rounds=args.verify_rounds or (1 if quick else 3),
        startup_runs=startup_runs,
        progress=lambda s: print(f"... {s}", file=sys.stderr, flush=True),
    )
    bench.write_reports(report, args.out, plot=not args.no_plot)
    print(bench.render_markdown(report))
    return 0
