"""``crosscheck trajectory``: its arguments, what it prints and its exit status.

Exit status: 0; 1 a finding; 2 a bad option or an output directory that cannot be
written (checked before any training); 130 interrupted.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from crosscheck import trajectory
from crosscheck.commands._options import add_dtypes_option
from crosscheck.formatting import fmt
from crosscheck.outputs import output_directory

__all__ = ["MAX_STEPS", "configure", "run"]

MAX_STEPS = 100_000
"""The most training steps per run: 10 x the default, which takes about 3 minutes here
(every net in three frameworks and two dtypes, each step kept for the divergence curves):
about half an hour at the cap; the XOR runs have long converged by then."""


def _steps(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if n > MAX_STEPS:
        raise argparse.ArgumentTypeError(f"at most {MAX_STEPS:,} steps, got {n:,}")
    return n


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the arguments of ``crosscheck trajectory``."""
    parser.add_argument(
        "--steps", type=_steps, default=trajectory.DEFAULT_STEPS,
        help=f"training steps per run (default {trajectory.DEFAULT_STEPS})",
    )
    parser.add_argument(
        "--out", default="reports", help="output directory (default reports/)"
    )
    add_dtypes_option(parser)
    parser.add_argument(
        "--no-plot", action="store_true", help="skip trajectory.png (no matplotlib needed)"
    )


def run(args: argparse.Namespace) -> int:
    """Write the reports. Exit status 1 for a finding (a divergence above its threshold,
    or a framework that solves XOR when handprop in the same dtype does not, or the
    reverse), 2 for bad options, else 0."""
    chosen = args.dtypes or trajectory.DTYPES
    dtypes = [d for d in trajectory.DTYPES if d in chosen]
    if args.steps < 1:
        print("crosscheck trajectory: --steps must be a positive integer", file=sys.stderr)
        return 2
    output_directory(args.out)  # before any training
    start = time.perf_counter()
    report = trajectory.write_reports(
        args.out, steps=args.steps, dtypes=dtypes, plot=not args.no_plot
    )
    elapsed = time.perf_counter() - start
    findings = []
    for net in report["nets"]:
        for fw, why in net["skipped"].items():
            print(f"{net['name']}: {fw} skipped ({why})")
        solved = {(r["framework"], r["dtype"]): r["solved_final"] for r in net["runs"]}
        for (fw, dt), ok in solved.items():
            if not ok:
                print(f"{net['name']}: {fw} {dt} has not solved XOR after {args.steps} steps")
            if fw != "handprop" and ok != solved.get(("handprop", dt), ok):
                findings.append(
                    f"{net['name']}: {fw} {dt} {'solves' if ok else 'does not solve'} XOR, "
                    f"handprop {dt} {'does not' if ok else 'does'}"
                )
        for d in net["divergence"]:
            if d["first_exceeds"] is not None:
                findings.append(
                    f"{net['name']}: {d['candidate']} vs {d['reference']} exceeds "
                    f"{d['threshold']:g} at step {d['first_exceeds']}"
                )
            print(
                f"{net['name']}: {d['candidate']} vs {d['reference']}: max rel divergence "
                f"{fmt(d['max_rel'], '.2e')}, at the end {fmt(d['final_rel'], '.2e')}"
            )
    for f in findings:
        print(f"FINDING: {f}")
    out = Path(args.out)
    print(
        f"wrote {out / 'trajectory.md'}, {out / 'trajectory.json'}"
        + ("" if args.no_plot else f", {out / 'trajectory.png'}")
        + f" in {elapsed:.1f} s"
    )
    return 1 if findings else 0
