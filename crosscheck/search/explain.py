"""What a search's result looks like to people: the printed text, with a reproduction of
each counterexample, its severity in words, hints, and the verdict per cell."""

from __future__ import annotations

import shlex

import numpy as np

from crosscheck import spec
from crosscheck.conventions import KEYWORDS
from crosscheck.formatting import fmt, plural
from crosscheck.problem import Problem
from crosscheck.search.cells import matrix_text
from crosscheck.search.result import DEFAULT_OPTIONS, Counterexample, VerifyResult

__all__ = [
    "cell_line",
    "check_arguments",
    "describe_counterexample",
    "format_result",
    "header_lines",
    "hints",
    "power_lines",
    "reproduction_call",
    "reproduction_command",
]

_FLAGS = {"per_example": "--per-example", "keep_going": "--keep-going"}
_NEGATED = {"state_checks": "--no-state-checks"}
_API_ONLY = ("confirm",)


def reproduction_command(target: str, result: VerifyResult) -> str:
    """The ``crosscheck verify`` command that reruns the same search."""
    o = result.options
    parts = ["crosscheck", "verify", target, "--seed", str(result.seed)]
    for key, default in DEFAULT_OPTIONS.items():
        value = o.get(key, default)
        if value == default or key in _API_ONLY:
            continue
        if key == "dtypes" and value is not None and set(value) == set(default):
            continue
        if key in _FLAGS:
            parts.append(_FLAGS[key])
        elif key in _NEGATED:
            parts.append(_NEGATED[key])
        elif isinstance(value, (list, tuple)):
            parts += ["--" + key.replace("_", "-"), ",".join(map(str, value))]
        elif value is None:
            parts += ["--" + key.replace("_", "-"), "0"]  # --timeout 0: none
        else:
            parts += ["--" + key.replace("_", "-"), f"{value:g}" if isinstance(value, float)
                      else str(value)]
    return " ".join(shlex.quote(p) for p in parts)


def reproduction_call(result: VerifyResult) -> str:
    """The ``crosscheck.verify(fn, ...)`` call that reruns the same search."""
    o = result.options
    args = ["fn", f"seed={result.seed}"]
    for key, default in DEFAULT_OPTIONS.items():
        value = o.get(key, default)
        if key == "dtypes" and value is not None and set(value) == set(default):
            continue
        if value != default:
            args.append(f"{key}={value!r}")
    return f"crosscheck.verify({', '.join(args)})"


def _architecture(p: Problem) -> str:
    hidden = ", ".join(p.activations[:-1]) or "none"
    return (
        f"L = {p.depth}, sizes (Q, N_1, ..., N_L) = {p.sizes}; hidden activations: {hidden}; "
        f"output: {p.activations[-1]}; cost: {p.cost}; dtype: {p.dtype}; P = {p.P}"
    )


def hints(cx: Counterexample) -> list[str]:
    """What the counterexample's data says about a likely cause: soft labels where a
    function may assume one-hot or binary ones."""
    p = cx.problem
    out = []
    Y = p.Y.astype(np.float64)
    if p.cost in spec.SOFTMAX_COSTS and Y.size:
        one_hot = np.all((Y == 0) | (Y == 1)) and np.all(Y.sum(axis=1) == 1)
        if not one_hot:
            out.append(
                "the label rows here are not one-hot (soft labels: rows of values in [0, 1], "
                "not summing to 1); if the function assumes one-hot labels, say so with "
                "--labels one_hot (labels=['one_hot'])"
            )
    if p.cost in spec.SIGMOID_COSTS and Y.size and not np.all((Y == 0) | (Y == 1)):
        out.append(
            "the labels here are soft (in [0, 1], not 0 or 1); if the function assumes "
            "binary labels, say so with --labels binary (labels=['binary'])"
        )
    return out


def describe_counterexample(
    cx: Counterexample, *, target: str | None = None, check_args: str = ""
) -> str:
    """The standalone description of a counterexample: architecture, what failed where,
    both values, the ratio, which oracles agreed, its severity, and a pasteable
    reproduction (``check_args``: the convention's keywords for its ``check`` call)."""
    p, o = cx.problem, cx.outcome
    lines = [
        f"minimal counterexample: {p.describe()}",
        f"  architecture: {_architecture(p)}",
        f"  drawn as: {cx.shrunk} (weight regime {cx.regime}, x {cx.x_kind}, y {cx.y_kind}; "
        "shrunk by Hypothesis)",
    ]
    if cx.reductions:
        lines.append(
            f"  then reduced by crosscheck in {len(cx.reductions)} steps (fewer examples, layers "
            "and units, simpler names and numbers; listed in the --report JSON)"
        )
    if o.error is not None:
        lines.append(f"  the function failed: {o.error}")
        lines.extend(f"    {line}" for line in o.traceback.splitlines())
        if o.note:
            lines.append(f"  note: {o.note}")
    else:
        failing = cx.failing_records()
        judge_v = o.verdicts[0]
        if failing:
            first = failing[0]
            worst = max(failing, key=lambda r: r.max_ratio)
            lines.append(f"  first differing element: {first.describe()}")
            if worst != first:
                lines.append(f"  worst element: {worst.describe()}")
            others = [r for r in failing if r not in (first, worst)]
            lines.extend(f"  also differing: {r.describe()}" for r in others)
        agree = [f"{judge_v.oracle} (budget ratio {fmt(judge_v.ratio)})"]
        if len(o.verdicts) > 1:
            agree.append(f"{o.verdicts[1].oracle} (budget ratio {fmt(o.verdicts[1].ratio)})")
            lines.append(f"  oracles that agree it is wrong: {' and '.join(agree)}")
            if o.note:
                lines.append(f"  note: {o.note}")
        else:
            lines.append(f"  judged by {agree[0]}; {o.note}")
    if cx.severity is not None and cx.severity.kind != "error":
        lines.append(f"  severity: {cx.severity.words}")
    lines.extend(f"  hint: {h}" for h in hints(cx))
    lines.append("  reproduce this problem in Python:")
    code = p.to_code().splitlines()
    if target is not None:
        code += [
            "from crosscheck.verdict import check",
            "from crosscheck.search import load_target",
            f"fn = load_target({target!r})",
        ]
    else:
        code += ["from crosscheck.verdict import check", "fn = ...  # the function under test"]
    code.append(f"print(check(fn, problem{check_args}).summary())")
    lines.extend(f"    {line}" for line in code)
    return "\n".join(lines)


def header_lines(target: str, result: VerifyResult | None = None) -> list[str]:
    """The first lines: the target, and (with a result) who judged and the convention."""
    lines = [f"crosscheck verify {target}"]
    if result is None:
        return lines
    conf = ", ".join(result.confirming) or "none"
    lines.append(
        f"judged by {result.oracle}; a discrepancy must be confirmed by the first of "
        f"({conf}) that can answer; seed {result.seed}"
    )
    if result.convention:
        lines.append(
            f"the function's convention: {result.convention} (its answers are converted "
            "exactly to the canonical layout of the summed cost, the values shown below)"
        )
    return lines


def format_result(
    result: VerifyResult, *, target: str | None = None, header: bool = True
) -> str:
    """The text ``crosscheck verify`` prints (``target`` as given on the command line;
    ``header=False`` leaves out the first line, printed before the search)."""
    tgt = target or result.target
    head = header_lines(tgt, result)[0 if header else 1 :]
    extras = _extras(result)
    if result.status == "unsupported":
        reasons = "; ".join(f"{r} ({n})" for r, n in (result.unsupported or {}).items())
        head.append(
            f"UNSUPPORTED: the function declined every one of the "
            f"{plural(result.unsupported_count, 'problem')} it was given (crosscheck."
            f"Unsupported: {reasons}); nothing was judged: restrict the search to what it "
            "supports"
        )
        return "\n".join(head)
    if result.passed:
        weak = (
            f"; {result.inconclusive} judged with too little power (inconclusive)"
            if result.inconclusive
            else ""
        )
        word = "PASSED" if result.status == "pass" else "INCONCLUSIVE"
        head += [
            f"{word}: {plural(result.examples, 'example')}, no discrepancy beyond the error "
            f"budget{weak}{extras}",
            f"worst budget ratio {fmt(result.worst_ratio)} (a correct gradient stays below 1)"
            + (f" on {result.worst_problem}" if result.worst_problem else ""),
            *power_lines(result),
            *_state_lines(result),
        ]
        if result.inconclusive_cells:
            head.append(
                "judged only with too little power: "
                + ", ".join(result.inconclusive_cells)
                + " (more examples, float64, smaller nets or milder weight regimes would help)"
            )
        if result.matrix:
            head += matrix_text(result.matrix)
        return "\n".join(head)
    cx = result.counterexample
    assert cx is not None
    conv_args = check_arguments(result)
    what = "an error" if cx.kind == "error" else "a discrepancy beyond the error budget"
    cells = ""
    if result.matrix is not None:
        cells = f"; {plural(len(result.failures), 'failing cell')} of {len(result.matrix)}"
    head += [
        f"FAILED after {plural(result.examples_until_caught or 0, 'example')}: {what} "
        f"(in the block {cx.stratum.describe()}; shrunk by Hypothesis){cells}{extras}",
        *_describe(cx, target, conv_args),
        *_state_lines(result),
    ]
    if result.matrix is not None:
        head += matrix_text(result.matrix)
        head.append(
            f"{plural(len(result.failures), 'failing cell')}, each with a counterexample shrunk "
            "within its cell (reproductions in the --report files):"
        )
        head += [f"  {cell_line(c)}" for c in result.failures]
        head += [*power_lines(result)]
    head += [
        "rerun the search:",
        f"  {reproduction_command(tgt, result)}"
        if target is not None
        else f"  {reproduction_call(result)}",
    ]
    return "\n".join(head)


def cell_line(cx: Counterexample) -> str:
    """One line for a failing cell: its counterexample, where it differs, its severity."""
    failing = cx.failing_records()
    if cx.outcome.error is not None:
        what = f"the function failed: {cx.outcome.error}"
    elif failing:
        r = failing[0]
        what = (
            f"layer {r.layer} {'bias row' if r.row_kind == 'bias' else 'weight rows'} "
            f"{r.index}: got {fmt(r.value)}, expected {fmt(r.reference)} (budget ratio "
            f"{fmt(cx.outcome.ratio)}, relative error {fmt(r.max_rel)})"
        )
    else:
        what = cx.outcome.note
    kind = f"; {cx.severity.kind}" if cx.severity and cx.severity.kind != "error" else ""
    return f"{cx.cell}: {cx.problem.describe()}: {what}{kind}"


def check_arguments(result: VerifyResult) -> str:
    """``, layout='separate-out-in', ...``: the convention for the snippet's ``check``."""
    o = result.options
    return "".join(f", {k}={o[k]!r}" for k in KEYWORDS if o.get(k) is not None)


def _describe(cx: Counterexample, target: str | None, conv_args: str) -> list[str]:
    return describe_counterexample(cx, target=target, check_args=conv_args).splitlines()


def _extras(result: VerifyResult) -> str:
    skipped = f"; {result.skipped} draws skipped (no oracle could judge)" if result.skipped else ""
    disputed = (
        f"; {len(result.disputed)} oracle disagreements (not counted against the function)"
        if result.disputed
        else ""
    )
    declined = ""
    if result.unsupported_count:
        reasons = "; ".join(f"{r} ({n})" for r, n in (result.unsupported or {}).items())
        declined = (
            f"; {plural(result.unsupported_count, 'problem')} declined by the function as "
            f"unsupported ({reasons})"
        )
    return f"{skipped}{disputed}{declined}"


def _state_lines(result: VerifyResult) -> list[str]:
    flags = result.flags or {}
    lines = []
    if flags.get("nondeterministic"):
        lines.append(
            f"nondeterministic: on {plural(flags['nondeterministic'], 'problem')} two calls "
            "on the same inputs gave different gradients (both were judged)"
        )
    if flags.get("global random"):
        lines.append(
            f"the function drew from the global random generators (random / numpy.random) "
            f"on {plural(flags['global random'], 'problem')}: its own state, kept from call "
            "to call, not reseeded by Hypothesis; its results may vary from run to run"
        )
    return lines


def power_lines(result: VerifyResult) -> list[str]:
    """What the search covered and how much it could see: the range of sizes drawn, and
    per layer position and row kind the smallest relative error of a whole block that
    was flagged (median and worst over the problems)."""
    lines = []
    e = result.extent
    if e:
        ranges = ", ".join(
            f"{label} {lo}" + (f"-{hi}" if hi != lo else "")
            for label, (lo, hi) in (
                ("depth", e["depth"]),
                ("widest layer", e["width"]),
                ("P", e["P"]),
                ("Q", e["Q"]),
            )
        )
        if "P*N" in e:
            ranges += f", largest P*N_l {e['P*N'][1]:,}"
        sizes = result.options.get("sizes")
        profile = f" (sizes profile {sizes})" if sizes else ""
        o = result.options
        pow2 = []
        if o.get("reduction") in ("mean", "mean-all") and not o.get("per_example"):
            pow2.append("P")
        if o.get("reduction") == "mean-all":
            pow2.append("N_L")
        if pow2:
            profile += (
                f"; {' and '.join(pow2)} powers of two (the {o['reduction']} converts exactly)"
            )
        lines.append(f"covered: {ranges}; dtypes {', '.join(result.options['dtypes'])}{profile}")
    if result.power:
        lines.append(
            "power (the smallest relative error of a whole block that is flagged, median / "
            "worst over the problems):"
        )
        for dtype, positions in result.power.items():
            parts = [
                f"{position} {kind} {fmt(median)} / {fmt(worst)}"
                for position, kinds in positions.items()
                for kind, (median, worst) in kinds.items()
            ]
            lines.append(f"  {dtype}: " + "; ".join(parts))
    return lines
