"""``crosscheck report``: its arguments, what it prints and its exit status.

Exit status: 0; 1 if a summary cell FAILs (or, with ``--show``, the example fails);
2 for bad options.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from crosscheck import atomic
from crosscheck.commands._report_output import add_output_options, trajectory_path
from crosscheck.errors import UsageError
from crosscheck.report import (
    PairResult,
    build_report,
    oracle_table,
    run_metadata,
    summary_table,
    trajectory_summary,
)
from crosscheck.report.evaluate import evaluate
from crosscheck.report.files import meta_bytes, render_files
from crosscheck.report.generate import (
    DEFAULT_EXAMPLES,
    DEFAULT_SEED,
    Example,
    Shard,
    fingerprint,
    generate,
    parse_shard,
    reproduce_command,
    shard_ids,
)
from crosscheck.report.progress import Progress

__all__ = ["configure", "run"]


def _positive(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return n


def _shard(text: str) -> Shard:
    try:
        return parse_shard(text)
    except UsageError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the arguments of ``crosscheck report``."""
    parser.add_argument(
        "--examples", type=_positive, default=DEFAULT_EXAMPLES,
        help=f"problems drawn by Hypothesis (default {DEFAULT_EXAMPLES}, about 2 minutes)",
    )
    parser.add_argument(
        "--seed", type=int, default=DEFAULT_SEED,
        help=f"Hypothesis seed of the draws (default {DEFAULT_SEED})",
    )
    parser.add_argument("--out", default="reports", help="output directory (default reports/)")
    parser.add_argument(
        "--shard", type=_shard, default=None, metavar="K/N",
        help="evaluate only the K-th of N disjoint parts (combine them with crosscheck merge)",
    )
    parser.add_argument(
        "--show", type=int, default=None, metavar="ID",
        help="evaluate example ID only and print its comparisons and a Python reproduction "
        "(writes no files)",
    )
    add_output_options(parser)


def _show(examples: list[Example], example_id: int) -> int:
    """Evaluate one example; print its comparisons and a Python reproduction."""
    from crosscheck.compare import Discrepancy

    if not 0 <= example_id < len(examples):
        print(
            f"crosscheck report: --show {example_id}: expected an id in 0..{len(examples) - 1}",
            file=sys.stderr,
        )
        return 2
    ex = examples[example_id]
    ev = evaluate(ex)
    print(f"example {example_id}: {ex.drawn.problem.describe()}")
    info = ex.drawn.info
    print(f"  regime {info.regime}, layer regimes {', '.join(info.layer_regimes)}, "
          f"X {info.x_kind}, Y {info.y_kind}")
    failed = False
    for o in ev.outcomes:
        if o.status != "compared":
            print(f"- {o.pair}: {o.status} ({o.note})")
            failed |= o.status == "error"
            continue
        print(f"- {o.pair}: max budget ratio {o.max_ratio:.3g}"
              + ("  FAIL" if o.max_ratio > 1 else ""))
        failed |= o.max_ratio > 1
        for r in sorted(o.rows, key=lambda r: -r.max_ratio)[:3]:
            d = Discrepancy(r.layer, r.row_kind, r.max_abs, r.max_rel, r.max_ratio,
                            (r.row, r.col), r.value, r.reference, r.tolerance)
            print(f"    {d.describe()}")
    print("\nreproduce in Python:\n")
    print(ex.drawn.problem.to_code())
    print("import handprop\ngrads = handprop.gradients(*problem.args())")
    return 1 if failed else 0


def run(args: argparse.Namespace) -> int:
    """Generate, evaluate, write; returns the exit status."""
    started = time.time()
    t0 = time.perf_counter()
    print(
        f"crosscheck report: drawing {args.examples} problems (seed {args.seed})",
        file=sys.stderr,
        flush=True,
    )
    examples = generate(args.examples, args.seed)
    t_gen = time.perf_counter() - t0
    if args.show is not None:
        return _show(examples, args.show)
    shard = args.shard or Shard(1, 1)
    ids = shard_ids(len(examples), shard)
    outcomes: list[PairResult] = []
    seconds: dict[str, float] = defaultdict(float)
    label = "crosscheck report" + (f" (shard {shard})" if shard.count > 1 else "")
    with Progress(len(ids), label) as progress:
        for i in ids:
            ev = evaluate(examples[i])
            outcomes.extend(ev.outcomes)
            for k, v in ev.seconds.items():
                seconds[k] += v
            progress.advance()
    t_eval = time.perf_counter() - t0 - t_gen
    options = {
        "source": "crosscheck report",
        "examples": args.examples,
        "seed": args.seed,
        "shard": str(shard),
        "fingerprint": fingerprint(examples),
    }
    report = build_report(
        outcomes,
        options=options,
        oracles=oracle_table(),
        reproduce=reproduce_command(args.examples, args.seed),
        trajectory=trajectory_summary(trajectory_path(args)),
    )
    t1 = time.perf_counter()
    meta: dict[str, Any] = {
        "schema": "crosscheck-report-meta",
        "command": ["crosscheck", *sys.argv[1:]] if sys.argv else ["crosscheck", "report"],
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started)),
        "options": options,
        "evaluated_examples": len(ids),
        "seconds": {
            "generate": round(t_gen, 3),
            "evaluate": round(t_eval, 3),
            "per_oracle": {k: round(v, 3) for k, v in sorted(seconds.items())},
        },
        "examples_per_pair": report["counts"],
        **run_metadata(),
        "environment": {"CI": os.environ.get("CI", "")},
    }
    files = render_files(args.out, report, outcomes, html=not args.no_html)
    meta["seconds"]["render"] = round(time.perf_counter() - t1, 3)
    meta["seconds"]["total"] = round(time.perf_counter() - t0, 3)
    files[Path(args.out) / "meta.json"] = meta_bytes(meta)
    atomic.write_many(files)

    print(summary_table(report))
    print(
        f"\nwrote {', '.join(str(p) for p in files)} ({len(ids)} examples, "
        f"{meta['seconds']['total']:.0f} s)"
    )
    failing = [c for c in report["summary"] if c["verdict"] == "FAIL"]
    for c in failing:
        print(f"FAIL: {c['pair']} ({c['dtype']}): max budget ratio {c['max_ratio']}, "
              f"{c['errors']} errors")
    return 1 if failing else 0
