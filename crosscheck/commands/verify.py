"""``crosscheck verify``: its arguments, what it prints and its exit status."""

from __future__ import annotations

import argparse
import sys

from crosscheck import oracles
from crosscheck.errors import UsageError
from crosscheck.search import format_result, load_target, verify
from crosscheck.search.explain import write_report
from crosscheck.search.result import DEFAULT_MAX_DEPTH, DEFAULT_MAX_EXAMPLES, DEFAULT_MAX_WIDTH
from crosscheck.verdict import ORACLE_ORDER

__all__ = ["configure", "run"]


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the arguments of ``crosscheck verify``."""
    parser.description = (
        "Check a gradient function fn(weights, X, Y, activations, cost) -> list of arrays "
        "against independent oracles on generated problems, judged by the error budget. "
        "Exit 0: no discrepancy; 1: a counterexample (printed, with a reproduction); "
        "2: usage error or a target that cannot be imported; 3: inconclusive (no "
        "discrepancy, but some cost/output/dtype was never judged with enough power)."
    )
    parser.add_argument(
        "target", metavar="TARGET", help="path/to/file.py:function or package.module:function"
    )
    parser.add_argument(
        "--activations",
        metavar="A,B,...",
        help="activations the function supports (default: all; add 'softmax' to keep the "
        "softmax costs)",
    )
    parser.add_argument(
        "--costs", metavar="C,...", help="costs the function supports (default: all)"
    )
    parser.add_argument("--dtypes", metavar="D,...", help="float32 and/or float64 (default: both)")
    parser.add_argument("--max-depth", type=int, default=DEFAULT_MAX_DEPTH, metavar="L")
    parser.add_argument("--max-width", type=int, default=DEFAULT_MAX_WIDTH, metavar="N")
    parser.add_argument(
        "--max-examples",
        type=int,
        default=DEFAULT_MAX_EXAMPLES,
        metavar="N",
        help=f"problems to judge (default {DEFAULT_MAX_EXAMPLES})",
    )
    parser.add_argument("--seed", type=int, default=0, metavar="S", help="default 0")
    parser.add_argument(
        "--oracle",
        choices=list(oracles.ORACLES),
        help="the judging oracle (default: the best available: " + ", ".join(ORACLE_ORDER) + ")",
    )
    parser.add_argument("--report", metavar="DIR", help="write DIR/verify.json and verify.md")


def run(args: argparse.Namespace) -> int:
    """Run ``crosscheck verify``; exit 0 (passed), 1 (counterexample), 2 (usage) or 3
    (inconclusive: no discrepancy, but not every cell was judged with enough power)."""
    try:
        fn = load_target(args.target)
        result = verify(
            fn,
            activations=args.activations,
            costs=args.costs,
            dtypes=args.dtypes,
            max_depth=args.max_depth,
            max_width=args.max_width,
            max_examples=args.max_examples,
            seed=args.seed,
            oracle=args.oracle,
            name=args.target,
        )
    except UsageError as exc:
        print(f"crosscheck verify: {exc}", file=sys.stderr)
        return 2
    print(format_result(result, target=args.target))
    if args.report:
        for path in write_report(args.report, result, args.target):
            print(f"wrote {path}")
    return {"pass": 0, "fail": 1, "inconclusive": 3}[result.status]
