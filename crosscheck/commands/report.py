"""``crosscheck report``: its arguments, what it prints and its exit status.

Exit status (``docs/report.md``, "Exit status"): 0 pass; 1 a summary cell FAILs (with
``--show``, the example fails); 2 a bad option or output location, a missing or corrupt
``--trajectory``, files of two runs; 3 inconclusive (no FAIL, but some pair and dtype
never checked with enough power); 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from crosscheck.commands._report_output import add_output_options, prepare_output
from crosscheck.errors import UsageError
from crosscheck.report import (
    PairResult,
    build_report,
    oracle_table,
    run_metadata,
    summary_table,
)
from crosscheck.report.aggregate import WORST
from crosscheck.report.evaluate import evaluate
from crosscheck.report.files import load_unit, render_files, run_id_of, with_meta, write_files
from crosscheck.report.generate import (
    DEFAULT_EXAMPLES,
    DEFAULT_SEED,
    Example,
    Fingerprint,
    Shard,
    check_examples,
    parse_shard,
    problem_digest,
    reproduce_command,
    shard_ids,
    stream,
)
from crosscheck.report.progress import Progress
from crosscheck.report.records import SCHEMA_VERSION
from crosscheck.report.show import show_text
from crosscheck.report.worst import WorstCode

__all__ = ["EXIT", "configure", "exit_status", "run"]

EXIT = {"PASS": 0, "FAIL": 1, "INCONCLUSIVE": 3, "NO DATA": 3}
"""The exit status of a report's overall status (``report.json``'s ``status``)."""


def _examples(text: str) -> int:
    try:
        return check_examples(int(text))
    except ValueError as exc:  # not an integer, or a UsageError (a ValueError)
        msg = str(exc).removeprefix("examples: ")
        if not isinstance(exc, UsageError):
            msg = f"expected a positive integer, got {text!r}"
        raise argparse.ArgumentTypeError(msg) from None


def _seed(text: str) -> int:
    try:
        seed = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if not -(2**63) <= seed < 2**63:
        raise argparse.ArgumentTypeError(f"expected a 64-bit integer, got {text!r}")
    return seed


def _example_id(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = -1
    if n < 0:
        raise argparse.ArgumentTypeError(f"expected an example id (0, 1, ...), got {text!r}")
    return n


def _shard(text: str) -> Shard:
    try:
        return parse_shard(text)
    except UsageError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the arguments of ``crosscheck report``."""
    parser.add_argument(
        "--examples", type=_examples, default=DEFAULT_EXAMPLES,
        help=f"problems drawn by Hypothesis (default {DEFAULT_EXAMPLES}: about 6 minutes here)",
    )
    parser.add_argument(
        "--seed", type=_seed, default=DEFAULT_SEED,
        help=f"Hypothesis seed of the draws (default {DEFAULT_SEED})",
    )
    parser.add_argument(
        "--shard", type=_shard, default=None, metavar="K/N",
        help="evaluate only the K-th of N disjoint parts (combine them with crosscheck merge)",
    )
    parser.add_argument(
        "--show", type=_example_id, default=None, metavar="ID",
        help="draw example ID alone, evaluate it and print its comparisons and a Python "
        "reproduction (writes no files)",
    )
    add_output_options(parser)


def exit_status(report: dict[str, Any]) -> int:
    """0 PASS, 1 FAIL, 3 INCONCLUSIVE (or no data at all)."""
    return EXIT[report["status"]]


def _check_shown_against_report(args: argparse.Namespace, example: Example) -> None:
    """With a report of the same options (and schema) in ``--out``: its files must be one
    run, and the example drawn must be the one it lists (else the reproduction reproduces
    nothing). A report of other options or another version is not this one's concern."""
    path = Path(args.out) / "report.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        opts = data["options"]
        same = (opts["examples"], opts["seed"], data["schema_version"]) == (
            args.examples, args.seed, SCHEMA_VERSION)
    except (OSError, ValueError, KeyError, TypeError):
        return
    if not same:
        return
    report = load_unit(path)
    digest = problem_digest(example.drawn.problem)
    for w in report.get("worst", []):
        if w.get("id") == example.id and w.get("problem_sha") not in (None, digest):
            raise UsageError(
                f"--show {example.id}: drew {example.drawn.problem.describe()} (problem_sha "
                f"{digest}), but {path} lists problem_sha {w['problem_sha']}: the draws "
                "differ from the report's (another Hypothesis or crosscheck version?)"
            )


def _show(args: argparse.Namespace) -> int:
    """Draw example ``--show ID`` alone (examples are independent draws: no other is
    drawn, evaluated or kept), evaluate it and print its comparisons and a Python
    reproduction."""
    if args.show >= args.examples:
        raise UsageError(f"--show {args.show}: expected an id in 0..{args.examples - 1}")
    found: list[Example] = []
    t0 = time.perf_counter()
    stream(args.examples, args.seed, found.append, ids=[args.show])
    (ex,) = found
    t_draw = time.perf_counter() - t0
    _check_shown_against_report(args, ex)
    ev = evaluate(ex)
    info = ex.drawn.info
    details = (
        f"regime {info.regime}, layer regimes {', '.join(info.layer_regimes)}, "
        f"X {info.x_kind}, Y {info.y_kind}"
    )
    text, failed = show_text(
        ex.id, ex.drawn.problem.describe(), details, ev.outcomes, ex.drawn.problem.to_code()
    )
    print(text)
    print(
        f"\n(drew example {ex.id} alone in {t_draw:.2f} s, evaluated it in "
        f"{time.perf_counter() - t0 - t_draw:.1f} s)",
        file=sys.stderr,
    )
    return 1 if failed else 0


def run(args: argparse.Namespace) -> int:
    """Generate, evaluate, write; returns the exit status."""
    if args.show is not None:
        return _show(args)
    out, trajectory, images = prepare_output(args)  # before any work
    started = time.time()
    t0 = time.perf_counter()
    shard = args.shard or Shard(1, 1)
    print(
        f"crosscheck report: drawing and evaluating {args.examples} problems (seed "
        f"{args.seed}{'' if shard.count == 1 else f', shard {shard}'})",
        file=sys.stderr,
        flush=True,
    )
    outcomes: list[PairResult] = []
    seconds: dict[str, float] = defaultdict(float)
    fp = Fingerprint()
    worst = WorstCode(WORST)
    evaluated = 0
    label = "crosscheck report" + (f" (shard {shard})" if shard.count > 1 else "")
    ids = shard_ids(args.examples, shard)
    with Progress(len(ids), label) as progress:

        def visit(ex: Example) -> None:
            nonlocal evaluated
            fp.add(ex.id, problem_digest(ex.drawn.problem))
            ev = evaluate(ex)
            outcomes.extend(ev.outcomes)
            worst.offer(ex.id, ev.outcomes, ex.drawn.problem.to_code)
            for k, v in ev.seconds.items():
                seconds[k] += v
            evaluated += 1
            progress.advance()

        stream(args.examples, args.seed, visit, ids=ids)
    t_eval = time.perf_counter() - t0
    options = {
        "source": "crosscheck report",
        "examples": args.examples,
        "seed": args.seed,
        "shard": str(shard),
        "fingerprint": fp.hexdigest(),
    }
    report = build_report(
        outcomes,
        options=options,
        oracles=oracle_table(),
        reproduce=reproduce_command(args.examples, args.seed),
        trajectory=trajectory,
        code=worst.code,
    )
    t1 = time.perf_counter()
    meta: dict[str, Any] = {
        "schema": "crosscheck-report-meta",
        "command": ["crosscheck", *sys.argv[1:]] if sys.argv else ["crosscheck", "report"],
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started)),
        "options": options,
        "evaluated_examples": evaluated,
        "seconds": {
            "draw_and_evaluate": round(t_eval, 3),
            "per_oracle": {k: round(v, 3) for k, v in sorted(seconds.items())},
        },
        "examples_per_pair": report["counts"],
        **run_metadata(),
        "environment": {"CI": os.environ.get("CI", "")},
    }
    files = render_files(out, report, outcomes, html=not args.no_html, meta=meta,
                         images=images)
    meta["seconds"]["render"] = round(time.perf_counter() - t1, 3)
    meta["seconds"]["total"] = round(time.perf_counter() - t0, 3)
    files = with_meta(files, meta)  # the timings, rendering included
    write_files(out, files)

    print(summary_table(report))
    print(
        f"\nwrote {', '.join(str(p) for p in files)} ({evaluated} examples, "
        f"{meta['seconds']['total']:.0f} s; run {run_id_of(files)})"
    )
    for c in report["summary"]:
        if c["verdict"] == "FAIL":
            print(f"FAIL: {c['pair']} ({c['dtype']}): max budget ratio {c['max_ratio']}, "
                  f"{c['errors']} errors")
    print(f"status: {report['status']}")
    return exit_status(report)

