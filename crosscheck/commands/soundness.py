"""``crosscheck soundness``: its arguments, what it prints and its exit status."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from crosscheck import validation
from crosscheck.errors import UsageError

__all__ = ["configure", "run"]

DEFAULT_GATE = 100_000
DEFAULT_LARGE = 100


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the arguments of ``crosscheck soundness``."""
    parser.description = (
        "Judge correct implementations (handprop, torch, jax, two independent variants) "
        "against the truth on gate problems and on large ones, and measure the budget's "
        "power on deep nets; write OUT/soundness.{md,json}. Exit 0: no correct "
        "implementation above the margin; 1: one was (the budget is not sound there); "
        "2: usage error."
    )
    parser.add_argument(
        "--gate",
        type=int,
        default=DEFAULT_GATE,
        metavar="N",
        help=f"gate problems (Hypothesis-drawn, as the report's) (default {DEFAULT_GATE})",
    )
    parser.add_argument(
        "--large",
        type=int,
        default=DEFAULT_LARGE,
        metavar="N",
        help=f"large problems (depth to 10, widths to 1024, P to 10,000) (default {DEFAULT_LARGE})",
    )
    parser.add_argument("--seed", type=int, default=0, metavar="S", help="default 0")
    parser.add_argument(
        "--truth",
        choices=("extended", "mpmath"),
        default="extended",
        help="the truth the candidates are judged against (mpmath only where it fits its "
        "size cap; default extended)",
    )
    parser.add_argument("--no-targets", action="store_true", help="skip the deep nets' power")
    parser.add_argument("--out", default="reports", metavar="DIR", help="default reports/")
    parser.add_argument(
        "--merge",
        nargs="+",
        metavar="JSON",
        help="combine soundness.json files of runs made in parts (gate chunks of distinct "
        "--seed, the large sweep, the targets) into OUT/soundness.{md,json}; runs nothing",
    )


def _progress(label: str, total: int):
    start = time.perf_counter()
    state = {"next": 0.0}

    def tick(done: int) -> None:
        elapsed = time.perf_counter() - start
        if done == total or elapsed >= state["next"]:
            state["next"] = elapsed + 30.0
            print(f"{label}: {done}/{total} ({elapsed:.0f} s)", file=sys.stderr, flush=True)

    return tick


def _rows(worst) -> list[dict]:
    return [
        {"candidate": c, "dtype": d, **w._asdict()}
        for (c, d), w in sorted(worst.items(), key=lambda kv: (kv[0][0], kv[0][1]))
    ]


def run(args: argparse.Namespace) -> int:
    """Run ``crosscheck soundness``; exit 0 (sound), 1 (a correct implementation above the
    margin) or 2 (usage)."""
    from crosscheck.outputs import output_directory
    from crosscheck.report.generate import generate
    from crosscheck.soundness import power, sweep

    try:
        gate = validation.integer(args.gate, "--gate", minimum=0)
        large = validation.integer(args.large, "--large", minimum=0)
        out = output_directory(args.out)  # before any work
    except UsageError as exc:
        print(f"crosscheck soundness: {exc}", file=sys.stderr)
        return 2
    if args.merge:
        from crosscheck.soundness.merge import merge

        reports = []
        for name in args.merge:
            try:
                with open(name, encoding="utf-8") as f:
                    reports.append(json.load(f))
            except (OSError, ValueError) as exc:
                raise UsageError(f"--merge {name}: cannot read a soundness.json ({exc})") from None
        return _write(merge(reports), out)
    sets = []
    if gate:

        def gate_problems():
            for k in range(0, gate, 10_000):
                for ex in generate(min(10_000, gate - k), args.seed + k):
                    yield ex.drawn.problem

        t = time.perf_counter()
        worst, _ = sweep.sweep(
            gate_problems(), label="gate", truth=args.truth, progress=_progress("gate", gate)
        )
        sets.append(
            {
                "title": f"Gate problems ({gate})",
                "description": "Hypothesis-drawn as `crosscheck report` draws them (depth 1-5, "
                "widths 1-8, P 1-16, every activation, cost and weight regime), seeds "
                f"{args.seed}, {args.seed} + 10,000, ...",
                "rows": _rows(worst),
                "seconds": time.perf_counter() - t,
            }
        )
    if large:
        t = time.perf_counter()
        worst, _ = sweep.sweep(
            sweep.large_problems(large, args.seed),
            label="large",
            progress=_progress("large", large),
        )
        sets.append(
            {
                "title": f"Large problems ({large})",
                "description": "NumPy-drawn (`crosscheck.soundness.sweep.large_problems`): depth "
                "1-10, widths log-uniform to 1,024, Q to 256, P to 10,000 (cut to keep one "
                "forward pass under 3e8 multiply-adds), typical, small, saturating (|z| ~ 25-60) "
                "and mixed weights, inputs to 100 with zero and repeated rows.",
                "rows": _rows(worst),
                "seconds": time.perf_counter() - t,
            }
        )
    targets = [] if args.no_targets else [power.measure(t) for t in power.NETS]
    report = {
        "margin": sweep.MARGIN,
        "seed": args.seed,
        "truth": args.truth,
        "sets": sets,
        "targets": targets,
    }
    return _write(report, out)


def _write(report: dict, out: Path) -> int:
    """Write OUT/soundness.{json,md}, print the Markdown; 1 if a row is above the margin."""
    from crosscheck.atomic import write_many
    from crosscheck.soundness import render

    sets = report["sets"]
    text = render.markdown(report)
    write_many(
        {
            out / "soundness.json": (json.dumps(report, indent=1, default=float) + "\n").encode(),
            out / "soundness.md": text.encode(),
        }
    )
    print(text)
    bad = any(r["above_margin"] for s in sets for r in s["rows"])
    return 1 if bad else 0
