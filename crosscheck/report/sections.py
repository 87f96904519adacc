"""What the report says, as titled sections of paragraphs and tables: Markdown and HTML
render the same list (``report.md``, ``report.html``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from crosscheck.formatting import fmt

__all__ = ["Section", "Table", "sections", "status_detail", "status_line", "summary", "title"]

DIMENSION_TITLES: dict[str, str] = {
    "activation": "By activation (an example counts under every activation it uses)",
    "cost": "By cost",
    "depth": "By depth (weight layers L)",
    "width": "By width (the widest layer N_l, in powers of two)",
    "position": "By layer position (first w^0, hidden, output w^(L-1))",
    "row_kind": "Bias row vs weight rows",
}


class Table(NamedTuple):
    """A table: header cells, rows of cells (Markdown inline syntax allowed: `code`,
    **bold**), and per column "l" or "r" alignment."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    align: str
    nowrap: tuple[int, ...] = ()


class Section(NamedTuple):
    """A titled part of the report: paragraphs, then tables (each with its own caption)."""

    title: str
    level: int
    paragraphs: tuple[str, ...]
    tables: tuple[tuple[str, Table], ...]
    plot: str | None = None


def _ratio(x: float | str | None, fail: bool = False) -> str:
    text = fmt(x)
    bad = fail or (isinstance(x, str) and x != "nan") or (isinstance(x, float) and x > 1.0)
    return f"**{text}**" if bad and text != "-" else text


def _verdict(v: str) -> str:
    return "**FAIL**" if v == "FAIL" else v


def _closest_cell(c: Mapping[str, Any] | None) -> str:
    if not c:
        return ""
    return f"{c['wins']} of {c['of']} (+{c['tied']} tied)"


def _power(c: Mapping[str, Any]) -> str:
    """A cell's median / worst power, ``-`` when it has none."""
    if c.get("power_max") is None:
        return "-"
    return f"{fmt(c['power_median'])} / {fmt(c['power_max'])}"


def summary(report: Mapping[str, Any]) -> Table:
    """The summary table: one row per summary cell (pair x dtype)."""
    header = (
        "pair", "dtype", "examples", "skipped", "errors", "inconclusive", "max abs Δ",
        "max rel Δ", "max budget ratio", "p99 budget ratio", "power median / worst",
        "closest to truth", "verdict",
    )
    rows = tuple(
        (
            c["pair"], c["dtype"], str(c["examples"]), str(c["skipped"]),
            str(c["errors"]) if not c["errors"] else f"**{c['errors']}**",
            str(c["inconclusive"]), fmt(c["max_abs"]), fmt(c["max_rel"]),
            _ratio(c["max_ratio"]), _ratio(c["p99_ratio"]), _power(c),
            _closest_cell(c.get("closest")), _verdict(c["verdict"]),
        )
        for c in report["summary"]
    )
    return Table(header, rows, "llrrrrrrrrrll", nowrap=(10,))


def title(report: Mapping[str, Any]) -> str:
    """The report's title: what was checked. A pytest report names its candidates (the
    functions its tests checked), not handprop."""
    if report["options"].get("source") != "pytest":
        return "crosscheck report: handprop against the oracles"
    cands = list(dict.fromkeys(p.split(" vs ")[0] for p in report["pairs"]))
    orcs = list(dict.fromkeys(p.split(" vs ")[-1] for p in report["pairs"]))
    if not cands:
        return "crosscheck report: nothing was checked in this pytest session"
    return f"crosscheck report: {', '.join(cands)} against {', '.join(orcs)}"


def status_line(report: Mapping[str, Any]) -> str:
    """One sentence: the overall status and what it rests on."""
    return f"**Status: {report['status']}**: {status_detail(report)}"


def status_detail(report: Mapping[str, Any]) -> str:
    """What the overall status rests on (:func:`status_line` without the status)."""
    cells = report["summary"]
    n_fail = sum(c["verdict"] == "FAIL" for c in cells)
    inconclusive = sum(c["inconclusive"] for c in cells)
    weak = [f"{c['pair']} ({c['dtype']})" for c in cells
            if c["examples"] == 0 or c["inconclusive"] >= c["examples"]]
    text = {
        "PASS": "every pair and dtype within the budget, each with conclusive examples",
        "FAIL": f"{n_fail} of {len(cells)} pair x dtype cells FAIL",
        "INCONCLUSIVE": "nothing beyond the budget, but no conclusive example for "
        + ", ".join(weak[:6]) + (" ..." if len(weak) > 6 else ""),
        "NO DATA": "nothing was compared",
    }[report["status"]]
    return (
        f"{text}; {report['examples']} examples, {inconclusive} inconclusive results "
        "(within the budget, but some block's power too weak to conclude: see *Power*)."
    )


def _closest_table(report: Mapping[str, Any]) -> Table | None:
    rows = report["closest_to_truth"]
    if not rows:
        return None
    impls = list(rows[0]["wins"])
    header = ("dtype", "examples", *(f"{i} closest" for i in impls), "tie")
    body = tuple(
        (r["dtype"], str(r["examples"]), *(str(r["wins"][i]) for i in impls), str(r["ties"]))
        for r in rows
    )
    return Table(header, body, "l" + "r" * (len(header) - 1))


def _breakdown_table(report: Mapping[str, Any], dimension: str) -> Table:
    cells = report["breakdowns"][dimension]
    pairs = [p for p in report["pairs"] if any(c["pair"] == p for c in cells)]
    counts = {
        (r["value"], r["dtype"]): r["examples"] for r in report["breakdown_examples"][dimension]
    }
    by_key: dict[tuple[str, str], dict[str, Mapping[str, Any]]] = {}
    for c in cells:
        by_key.setdefault((c["value"], c["dtype"]), {})[c["pair"]] = c
    rows = []
    for (value, dtype), per_pair in by_key.items():
        row = [value, dtype, str(counts[(value, dtype)])]
        for p in pairs:
            c = per_pair.get(p)
            if c is None:
                row.append("-")
            elif c["examples"] == 0:
                row.append("**error**" if c["errors"] else "skipped")
            else:
                inc = f" ({c['inconclusive']} inc.)" if c["inconclusive"] else ""
                row.append(_ratio(c["max_ratio"], fail=c["verdict"] == "FAIL") + inc)
        rows.append(tuple(row))
    header = (dimension.replace("_", " "), "dtype", "examples", *pairs)
    return Table(header, tuple(rows), "llr" + "r" * len(pairs))


def _power_table(report: Mapping[str, Any], dimension: str) -> Table:
    """Median / worst whole-block power per value x dtype, one column per pair."""
    cells = report["breakdowns"][dimension]
    pairs = [p for p in report["pairs"] if any(c["pair"] == p for c in cells)]
    by_key: dict[tuple[str, str], dict[str, Mapping[str, Any]]] = {}
    for c in cells:
        by_key.setdefault((c["value"], c["dtype"]), {})[c["pair"]] = c
    rows = []
    for (value, dtype), per_pair in by_key.items():
        row = [value, dtype]
        for p in pairs:
            c = per_pair.get(p)
            row.append("-" if c is None else _power(c))
        rows.append(tuple(row))
    header = (dimension, "dtype", *pairs)
    nowrap = tuple(range(2, 2 + len(pairs)))
    return Table(header, tuple(rows), "ll" + "r" * len(pairs), nowrap=nowrap)


def _skips_table(report: Mapping[str, Any]) -> Table | None:
    if not report["skips"]:
        return None
    rows = tuple((s["pair"], s["dtype"], s["reason"], str(s["count"])) for s in report["skips"])
    return Table(("pair", "dtype", "reason", "examples"), rows, "lllr")


def _errors_table(report: Mapping[str, Any]) -> Table | None:
    if not report["errors"]:
        return None
    rows = tuple(
        (e["pair"], e["dtype"], str(e["id"]), _code(e["note"][:200]))
        for e in report["errors"][:50]
    )
    return Table(("pair", "dtype", "example", "error"), rows, "llrl")


def _code(text: str) -> str:
    return "`" + text.replace("`", "'").replace("|", "/") + "`"


def _where(w: Mapping[str, Any]) -> str:
    if "layer" not in w:
        return w.get("note", "")
    kind = "bias row" if w["row_kind"] == "bias" else "weight rows"
    return f"w^{w['layer']} {w['position']}, {kind}, [{w['index'][0]}, {w['index'][1]}]"


def _worst_table(report: Mapping[str, Any]) -> Table:
    rows = tuple(
        (
            str(w["rank"]), _ratio(w["max_ratio"]), w["pair"], w["dtype"], str(w["id"]),
            _where(w), fmt(w.get("max_abs")), fmt(w.get("power")),
            _code(w["problem"]) + "<br>" + _code(w["reproduce"]),
        )
        for w in report["worst"]
    )
    header = ("#", "budget ratio", "pair", "dtype", "example", "where", "abs Δ", "power",
              "problem and reproduction")
    return Table(header, rows, "rrllrlrrl")


def _trajectory_section(report: Mapping[str, Any]) -> Section | None:
    t = report.get("trajectory")
    if not t:
        return None
    rows = []
    for net in t["nets"]:
        for d in net["divergence"]:
            first = d["first_exceeds"]
            rows.append(
                (
                    net["name"], d["label"], fmt(d["max_rel"]), fmt(d["threshold"]),
                    "never" if first is None else f"**{first}**",
                )
            )
    solved = "; ".join(
        f"{net['name']}: {len(net['solved'])} of {net['runs']} runs solve XOR" for net in t["nets"]
    )
    text = (
        f"`crosscheck trajectory` trains the seed's XOR nets for {t['steps']:,} full-batch steps "
        "in handprop, torch and jax from the same weights and measures how far the weights "
        f"drift apart (relative parameter divergence, max over all steps). {solved}. "
        f"Details, costs and the plot: [{t['file'].replace('.json', '.md')}]"
        f"({t['file'].replace('.json', '.md')})."
    )
    table = Table(
        ("net", "candidate vs reference", "max rel. divergence", "threshold", "first step above"),
        tuple(rows),
        "llrrr",
    )
    return Section("Training trajectories", 2, (text,), (("", table),))


def sections(report: Mapping[str, Any]) -> list[Section]:
    """The report's parts in order; :mod:`crosscheck.report.markdown` and
    :mod:`crosscheck.report.html` render them."""
    opts = report["options"]
    n = report["examples"]
    if opts.get("source") == "pytest":
        origin = (
            f"{n} gradient checks made during a pytest session (`pytest "
            "--crosscheck-report`): every call of crosscheck's API (`assert_gradients_match`, "
            "`check_gradients`, `verify`; each judged by the oracle whose verdict decided) "
            "and the gate's own judgements, each with the test that made it."
        )
    else:
        shard = opts.get("shard", "1/1")
        part = "" if shard == "1/1" else f" (shard {shard}: the ids i with i % N = K - 1)"
        origin = (
            f"{n} problems{part} drawn by Hypothesis from `crosscheck.strategies` "
            f"(`crosscheck report --examples {opts['examples']} --seed {opts['seed']}`): "
            "depth 1-5, widths 1-8, P 1-16, every activation and cost, weight regimes "
            "typical/small/saturating/mixed, float32 and float64."
        )
    intro = (
        origin,
        "Every pair is judged by `crosscheck.judge`: the *budget ratio* of a gradient element "
        "is |Δ| / (K u S), its discrepancy over the largest one a correct implementation "
        "may show (`docs/error-budget.md`; the finite-difference oracle adds its own error "
        "bound, and float32 results are judged against the float64 truth with float32's u). "
        "Correct code stays below 1. A cell holds, per example, the maximum over the "
        "elements it covers; then the maximum and the 99th percentile (NumPy "
        "`method=\"higher\"`: an observed value) over the examples. *Skipped* pairs "
        "(oracle unavailable, problem over the oracle's size cap, a relu pre-activation "
        "at its kink) are counted and never count as passes. Verdict: pass when the "
        "max budget ratio is <= 1 and nothing errored. *Inconclusive* results (within the "
        "budget, but some layer's bias row or weight rows could not have seen a whole-block "
        "relative error of `inconclusive_above`: "
        + ", ".join(f"{dt} {fmt(v)}" for dt, v in report.get("inconclusive_above", {}).items())
        + ") are counted apart; the verdict stays pass.",
    )
    out = [Section(title(report), 1, (status_line(report), *intro), ())]
    summary_text = (
        "Δ is candidate minus oracle; *rel* divides it by the larger magnitude of the two "
        "(up to 2 when the signs differ: elements near 0 can differ by a large relative "
        "amount and still be correct, which is why the budget ratio is the measure). "
        "\"Closest to truth\" (rows against mpmath): on examples where handprop, torch and "
        "jax were all compared with the truth, how often this implementation had the "
        "strictly smallest max budget ratio (ties: the smallest was shared, typically all "
        "three exact to the last bit).",
    )
    tables = [("", summary(report))]
    closest = _closest_table(report)
    if closest is not None:
        tables.append(("Closest to the truth (mpmath), per dtype:", closest))
    out.append(Section("Summary", 2, summary_text, tuple(tables), plot="ratios"))
    skips = _skips_table(report)
    out.append(
        Section(
            "Skipped comparisons",
            2,
            () if skips is not None else ("None.",),
            (("", skips),) if skips is not None else (),
        )
    )
    errors = _errors_table(report)
    if errors is not None:
        out.append(Section("Errors", 2, ("Each is a FAIL of its cell.",), (("", errors),)))
    out.append(
        Section(
            "Breakdowns",
            2,
            (
                "Max budget ratio per cell (**bold**: over 1 or an error). `report.json` "
                "holds every cell's full statistics (examples, skips, errors, max |Δ|, max "
                "relative |Δ|, max and p99 budget ratio, verdict); \"examples\" counts the "
                "problems with that value and dtype.",
            ),
            (),
            plot="depth_width",
        )
    )
    for dim in report["breakdowns"]:
        out.append(
            Section(
                DIMENSION_TITLES.get(dim, dim),
                3,
                (),
                (("", _breakdown_table(report, dim)),),
                plot="heatmap" if dim == "activation" else None,
            )
        )
    power_dims = [d for d in ("depth", "width") if d in report["breakdowns"]]
    if power_dims:
        out.append(
            Section(
                "Power",
                2,
                (
                    "How much each verdict checked (`docs/error-budget.md`, \"Power\"): a "
                    "block's power is the smallest relative error of the whole block (a "
                    "layer's bias row or weight rows) that the judge flags; an example's is "
                    "its weakest block's. Per cell: the median over the examples / the worst "
                    "(largest). Smaller is sharper; an example is inconclusive when some "
                    "block's power is above `inconclusive_above` for its dtype.",
                ),
                tuple((f"By {d}:", _power_table(report, d)) for d in power_dims),
            )
        )
    out.append(
        Section(
            f"The {len(report['worst'])} worst cases",
            2,
            (
                "Ranked by budget ratio; *where* is the worst element (layer, position, row "
                "kind, index in `weights[l]`). The command prints every comparison of the "
                "example and a Python snippet that rebuilds the problem.",
            ),
            (("", _worst_table(report)),),
        )
    )
    traj = _trajectory_section(report)
    if traj is not None:
        out.append(traj)
    out.append(
        Section(
            "Files",
            2,
            (
                "`report.json` (every number here; schema in `docs/report-schema.md`), "
                "`report.csv` (one row per example x pair x layer x row kind), `report.html` "
                "(this report with plots), `meta.json` (timings, versions, platform). "
                "Regression gate: `crosscheck check --baseline reports/baseline.json`. "
                f"Run id `{report.get('run_id', '-')}`: every file of this run carries it "
                "(`docs/report-schema.md`).",
            ),
            (),
        )
    )
    return out
