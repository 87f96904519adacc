"""``crosscheck verify``: its arguments, what it prints and its exit status.

Exit 0: no discrepancy; 1: a finding (a counterexample); 2: usage or environment (a bad
option, a target that cannot be imported or has the wrong signature, a call that timed
out, every problem declined as unsupported); 3: inconclusive; 130: interrupted (Ctrl-C).
"""

from __future__ import annotations

import argparse
import sys

# only the choices at import: `crosscheck verify --help` imports no NumPy (issue 14)
from crosscheck.choices import (
    BIAS_AT,
    BIAS_SHAPES,
    DEFAULT_TIMEOUT,
    EXAMPLES_AS,
    LABEL_KINDS,
    LABELS_AS,
    LAYOUTS,
    ORACLE_NAMES,
    ORACLE_ORDER,
    REDUCTIONS,
    REGIMES,
    RETURNS,
    SIZE_PROFILES,
)
from crosscheck.commands._options import add_dtypes_option
from crosscheck.errors import TargetTimeout, UsageError

__all__ = ["EXIT", "configure", "run"]

EXIT = {"pass": 0, "fail": 1, "usage": 2, "unsupported": 2, "inconclusive": 3, "interrupted": 130}
"""Exit status per outcome."""


def _sizes_help() -> str:
    words = []
    for name, p in SIZE_PROFILES.items():
        words.append(
            f"{name}: depth {p.depth[0]}-{p.depth[1]}, widths {p.width[0]}-{p.width[1]}, "
            f"outputs {p.outputs[0]}-{p.outputs[1]}, Q {p.q[0]}-{p.q[1]}, P {p.p[0]}-{p.p[1]}"
            + (", log-uniform" if p.log else "")
            + f", {p.examples} examples"
        )
    return f"size profile (default gate): {'; '.join(words)}"


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the arguments of ``crosscheck verify``."""
    parser.description = (
        "Check a gradient function against independent oracles on generated problems, "
        "judged by the error budget. Canonical: fn(weights, X, Y, activations, cost) -> "
        "list of arrays (weights[l] (N_l + 1, N_l+1), row 0 the bias; every cost a sum); "
        "--layout and the options after it describe other conventions. Exit 0: no "
        "discrepancy; 1: a counterexample (printed, with a reproduction); 2: usage or "
        "environment (bad option, target not importable or of the wrong signature, a call "
        "timed out, every problem declined as unsupported); 3: inconclusive; 130: "
        "interrupted."
    )
    parser.add_argument(
        "target", metavar="TARGET", help="path/to/file.py:function or package.module:function"
    )
    what = parser.add_argument_group("what to draw")
    what.add_argument(
        "--activations",
        metavar="A,B,...",
        help="activations the function supports at every layer (default: all; add 'softmax' "
        "to keep the softmax costs); with --outputs, the hidden layers' only",
    )
    what.add_argument(
        "--outputs",
        metavar="A,...",
        help="output activations, apart from the hidden ones (e.g. --activations relu "
        "--outputs identity: a relu net with a linear output)",
    )
    what.add_argument("--costs", metavar="C,...", help="costs the function supports (default: all)")
    add_dtypes_option(what)
    what.add_argument("--sizes", choices=list(SIZE_PROFILES), help=_sizes_help())
    for name, meta, words in (
        ("depth", "L", "weight layers L"),
        ("width", "N", "units of a hidden layer"),
        ("outputs", "N", "output units N_L"),
        ("q", "Q", "inputs Q (columns of X)"),
        ("p", "P", "examples P"),
    ):
        flag = "outputs" if name == "outputs" else name
        what.add_argument(
            f"--min-{flag}", dest=f"min_{name}", type=int, metavar=meta,
            help=f"fewest {words} (default: the size profile's)",
        )
        what.add_argument(
            f"--max-{flag}", dest=f"max_{name}", type=int, metavar=meta,
            help=f"most {words} (default: the size profile's)",
        )
    what.add_argument(
        "--regimes",
        metavar="R,...",
        help=f"weight regimes, from {', '.join(REGIMES)} (default: all; saturating includes "
        "the deep saturating level)",
    )
    kinds = sorted({k for ks in LABEL_KINDS.values() for k in ks})
    what.add_argument(
        "--labels",
        metavar="K,...",
        help=f"label kinds, from {', '.join(kinds)}: one_hot or soft rows for the softmax "
        "costs, binary {0, 1} or soft [0, 1] for the sigmoid costs; a family not named keeps "
        "all its kinds (e.g. --labels one_hot)",
    )
    conv = parser.add_argument_group("the function's convention (exact conversions)")
    conv.add_argument(
        "--layout",
        choices=list(LAYOUTS),
        help="canonical (default): weights[l] (N_l + 1, N_l+1), row 0 the bias; separate-in-out: "
        "fn(weights, biases, X, Y, activations, cost) -> (weight_grads, bias_grads) with "
        "weights[l] (N_l, N_l+1); separate-out-in: weights[l] (N_l+1, N_l) (torch.nn.Linear's); "
        "combined-out-in: weights[l] (N_l+1, N_l + 1), column 0 the bias (Ng's Theta)",
    )
    conv.add_argument(
        "--examples-as",
        choices=list(EXAMPLES_AS),
        help="rows (default): X (P, Q), Y (P, N_L); columns: X (Q, P), Y (N_L, P)",
    )
    conv.add_argument(
        "--reduction",
        choices=list(REDUCTIONS),
        help="the function's cost: sum (default), mean over the examples, mean-all over "
        "examples and outputs (P, and N_L for mean-all, are then drawn as powers of two)",
    )
    conv.add_argument(
        "--factor",
        type=float,
        metavar="C",
        help="the function's cost is C x the named one, C a power of two (e.g. 0.5, -1)",
    )
    conv.add_argument(
        "--per-example",
        action="store_true",
        default=None,
        help="the function takes one example at a time (X of one row or column); crosscheck "
        "sums",
    )
    conv.add_argument(
        "--bias-shape",
        choices=list(BIAS_SHAPES),
        help="with a separate layout: biases[l] of shape (N,) (vector, default), (N, 1) "
        "(column) or (1, N) (row)",
    )
    conv.add_argument(
        "--returns",
        choices=list(RETURNS),
        help="what the function returns: its gradients (default); loss-first: (loss, "
        "gradients), as in `return loss, grads`; loss-last: (gradients, loss). The loss is "
        "set aside, not judged",
    )
    conv.add_argument(
        "--bias-at",
        choices=list(BIAS_AT),
        help="where the weights hold the bias (canonical, combined-out-in): first row or "
        "column (default, the seed's w_0), or last (the bias trick of appending a 1)",
    )
    conv.add_argument(
        "--labels-as",
        choices=list(LABELS_AS),
        help="values (default): Y (P, N_L); indices: Y (P,) of class indices, as in "
        "dscores[range(P), y] -= 1 (the softmax costs, one-hot labels)",
    )
    run_ = parser.add_argument_group("the search")
    run_.add_argument(
        "--max-examples",
        type=int,
        metavar="N",
        help="problems to judge (default: the size profile's, 200 for gate)",
    )
    run_.add_argument("--seed", type=int, default=0, metavar="S", help="default 0")
    run_.add_argument(
        "--oracle",
        choices=list(ORACLE_NAMES),
        help="the judging oracle (default: the best available: " + ", ".join(ORACLE_ORDER) + ")",
    )
    run_.add_argument(
        "--keep-going",
        action="store_true",
        help="judge every (hidden activation, cost/output, dtype) cell instead of stopping "
        "at the first failure; print the verdict per cell and a counterexample per failing "
        "cell",
    )
    run_.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        metavar="S",
        help=f"seconds one call of the function may take (default {DEFAULT_TIMEOUT:g}; 0: no "
        "limit); a call that takes longer ends the run with exit 2",
    )
    run_.add_argument(
        "--no-state-checks",
        dest="state_checks",
        action="store_false",
        help="call the function once per problem only (by default it is first called on "
        "another problem of the same shapes, for stale caches, and twice on each problem, "
        "for nondeterminism)",
    )
    run_.add_argument(
        "--report", metavar="DIR", help="write DIR/verify.json, verify.md and verify.html"
    )


def run(args: argparse.Namespace) -> int:
    """Run ``crosscheck verify``; the exit status is :data:`EXIT`'s."""
    from crosscheck.commands._live import LiveLine
    from crosscheck.outputs import output_directory
    from crosscheck.search import format_result, load_target, verify, write_report
    from crosscheck.search.explain import header_lines

    print("\n".join(header_lines(args.target)), flush=True)
    line = LiveLine("crosscheck verify")
    try:
        if args.report:  # before any work: a UsageError, exit 2
            output_directory(args.report, "--report")
        with line:
            line.update("loading the target")
            fn = load_target(args.target)
            line.update("loading the oracles")
            result = verify(
                fn,
                activations=args.activations,
                costs=args.costs,
                outputs=args.outputs,
                dtypes=args.dtypes,
                sizes=args.sizes,
                min_depth=args.min_depth,
                max_depth=args.max_depth,
                min_width=args.min_width,
                max_width=args.max_width,
                min_outputs=args.min_outputs,
                max_outputs=args.max_outputs,
                min_q=args.min_q,
                max_q=args.max_q,
                min_p=args.min_p,
                max_p=args.max_p,
                regimes=args.regimes,
                labels=args.labels,
                layout=args.layout,
                examples_as=args.examples_as,
                reduction=args.reduction,
                factor=args.factor,
                per_example=args.per_example,
                bias_shape=args.bias_shape,
                returns=args.returns,
                labels_as=args.labels_as,
                bias_at=args.bias_at,
                max_examples=args.max_examples,
                seed=args.seed,
                oracle=args.oracle,
                keep_going=args.keep_going,
                timeout=args.timeout or None,
                state_checks=args.state_checks,
                name=args.target,
                progress=lambda done, total: line.update(f"{done}/{total} problems judged"),
                phase=line.update,
            )
    except TargetTimeout as exc:
        print(f"crosscheck verify: TIMEOUT: {exc}", file=sys.stderr)
        return EXIT["usage"]
    except UsageError as exc:
        print(f"crosscheck verify: {exc}", file=sys.stderr)
        return EXIT["usage"]
    except KeyboardInterrupt:
        print("crosscheck verify: interrupted", file=sys.stderr)
        return EXIT["interrupted"]
    print(format_result(result, target=args.target, header=False))
    if args.report:
        for path in write_report(args.report, result, args.target):
            print(f"wrote {path}")
    return EXIT[result.status]
