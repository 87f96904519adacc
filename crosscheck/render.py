"""Render a report (:func:`crosscheck.report.build_report`'s dict) as Markdown and HTML.

Both formats are built from the same :class:`Section` list (:func:`sections`), so the HTML
shows exactly the Markdown's tables, plus the plots: matplotlib (Agg) PNGs embedded as
base64, no external resource. Numbers are formatted with fixed rules (:func:`fmt`: three
significant digits), so the same report gives the same Markdown bytes.

Plots (:func:`plots`), from the per-example outcomes:

* ``ratios``: per pair, histograms of the examples' max budget ratio for each dtype on a
  log axis, with the budget (ratio 1) marked and exact agreements (ratio 0) counted;
* ``depth_width``: the largest budget ratio against depth and against width (the widest
  layer), one line per pair, one row of panels per dtype;
* ``heatmap``: max budget ratio per activation x pair, one panel per dtype.

matplotlib is imported inside :func:`plots` only.
"""

from __future__ import annotations

import base64
import html as _html
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

__all__ = [
    "Section",
    "Table",
    "fmt",
    "html",
    "markdown",
    "plots",
    "sections",
    "summary_table",
]

DIMENSION_TITLES: dict[str, str] = {
    "activation": "By activation (an example counts under every activation it uses)",
    "cost": "By cost",
    "depth": "By depth (weight layers L)",
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


def fmt(x: float | str | None) -> str:
    """A number for a table: three significant digits; ``-`` for no value; ``inf`` as is."""
    if x is None:
        return "-"
    if isinstance(x, str):
        return x
    if x == 0:
        return "0"
    return f"{x:.3g}"


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


def summary_table(report: Mapping[str, Any]) -> str:
    """The summary as a Markdown table (what ``crosscheck report`` prints)."""
    return _md_table(_summary(report))


def _summary(report: Mapping[str, Any]) -> Table:
    header = (
        "pair", "dtype", "examples", "skipped", "errors", "max abs Δ", "max rel Δ",
        "max budget ratio", "p99 budget ratio", "closest to truth", "verdict",
    )
    rows = tuple(
        (
            c["pair"], c["dtype"], str(c["examples"]), str(c["skipped"]),
            str(c["errors"]) if not c["errors"] else f"**{c['errors']}**",
            fmt(c["max_abs"]), fmt(c["max_rel"]), _ratio(c["max_ratio"]),
            _ratio(c["p99_ratio"]), _closest_cell(c.get("closest")), _verdict(c["verdict"]),
        )
        for c in report["summary"]
    )
    return Table(header, rows, "llrrrrrrrll")


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
                row.append(_ratio(c["max_ratio"], fail=c["verdict"] == "FAIL"))
        rows.append(tuple(row))
    header = (dimension.replace("_", " "), "dtype", "examples", *pairs)
    return Table(header, tuple(rows), "llr" + "r" * len(pairs))


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
            _where(w), fmt(w.get("max_abs")),
            _code(w["problem"]) + "<br>" + _code(w["reproduce"]),
        )
        for w in report["worst"]
    )
    header = ("#", "budget ratio", "pair", "dtype", "example", "where", "abs Δ",
              "problem and reproduction")
    return Table(header, rows, "rrllrlrl")


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
    """The report's parts in order; :func:`markdown` and :func:`html` render them."""
    opts = report["options"]
    n = report["examples"]
    if opts.get("source") == "pytest":
        origin = (
            f"{n} examples that the pytest gate ran (`pytest --crosscheck-report`), each "
            "with the pair its test checked."
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
        "max budget ratio is <= 1 and nothing errored.",
    )
    out = [Section("crosscheck report: handprop against the oracles", 1, intro, ())]
    summary_text = (
        "Δ is candidate minus oracle; *rel* divides it by the larger magnitude of the two "
        "(up to 2 when the signs differ: elements near 0 can differ by a large relative "
        "amount and still be correct, which is why the budget ratio is the measure). "
        "\"Closest to truth\" (rows against mpmath): on examples where handprop, torch and "
        "jax were all compared with the truth, how often this implementation had the "
        "strictly smallest max budget ratio (ties: the smallest was shared, typically all "
        "three exact to the last bit).",
    )
    tables = [("", _summary(report))]
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
                "Regression gate: `crosscheck check --baseline reports/baseline.json`.",
            ),
            (),
        )
    )
    return out


# --------------------------------------------------------------------------- Markdown


def _md_table(t: Table) -> str:
    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(cells) + " |"

    sep = ["---:" if a == "r" else "---" for a in t.align]
    return "\n".join([line(t.header), line(sep), *(line(r) for r in t.rows)])


def markdown(report: Mapping[str, Any]) -> str:
    """``report.md``: deterministic text (no timings or versions)."""
    lines: list[str] = []
    for s in sections(report):
        lines += ["#" * s.level + " " + s.title, ""]
        for p in s.paragraphs:
            lines += [p, ""]
        for caption, table in s.tables:
            if caption:
                lines += [caption, ""]
            lines += [_md_table(table), ""]
    return "\n".join(lines)


# --------------------------------------------------------------------------- HTML

_INLINE = re.compile(r"`([^`]*)`|\*\*([^*]+)\*\*|\*([^*]+)\*|\[([^\]]+)\]\(([^)]+)\)")


def _inline(text: str) -> str:
    """Markdown inline code, bold, italics, links and ``<br>`` to HTML (everything else
    escaped)."""
    if "<br>" in text:
        return "<br>".join(_inline(part) for part in text.split("<br>"))
    out, pos = [], 0
    for m in _INLINE.finditer(text):
        out.append(_html.escape(text[pos : m.start()]))
        code, bold, em, label, href = m.groups()
        if code is not None:
            out.append(f"<code>{_html.escape(code)}</code>")
        elif bold is not None:
            out.append(f"<b class='bad'>{_html.escape(bold)}</b>")
        elif em is not None:
            out.append(f"<em>{_html.escape(em)}</em>")
        else:
            out.append(f"<a href='{_html.escape(href)}'>{_html.escape(label)}</a>")
        pos = m.end()
    out.append(_html.escape(text[pos:]))
    return "".join(out)


def _html_table(t: Table) -> str:
    def cls(i: int) -> str:
        if t.align[i] == "r":
            return " class='num'"
        return " class='nowrap'" if i in t.nowrap else ""

    head = "".join(f"<th{cls(i)}>{_inline(h)}</th>" for i, h in enumerate(t.header))
    body = "\n".join(
        "<tr>" + "".join(f"<td{cls(i)}>{_inline(c)}</td>" for i, c in enumerate(r)) + "</tr>"
        for r in t.rows
    )
    return f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table>"


_CSS = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 2em auto;
       max-width: 1250px; padding: 0 1.5em; color: #1b1b1b; line-height: 1.45; }
h1 { font-size: 1.7em; border-bottom: 2px solid #ddd; padding-bottom: .3em; }
h2 { font-size: 1.35em; margin-top: 2em; border-bottom: 1px solid #e5e5e5; }
h3 { font-size: 1.1em; margin-top: 1.5em; }
p { max-width: 60em; }
table { border-collapse: collapse; margin: .6em 0 1.2em; font-size: .86em; }
th, td { border: 1px solid #d6d6d6; padding: .25em .55em; vertical-align: top; }
th { background: #f3f4f6; text-align: left; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num, td.nowrap { white-space: nowrap; }
td code + br + code, td br + code, p code { white-space: nowrap; }
tbody tr:nth-child(even) { background: #fafafa; }
code { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: .92em;
       background: #f3f4f6; padding: 0 .2em; border-radius: 3px; }
b.bad { color: #b00020; }
figure { margin: 1em 0 2em; }
figure img { max-width: 100%; border: 1px solid #eee; }
figcaption { font-size: .9em; color: #555; max-width: 60em; }
.wide { overflow-x: auto; }
"""

_CAPTIONS = {
    "ratios": "Distribution of each example's max budget ratio, per pair and dtype (log "
    "axis). The red line is the budget: correct code stays left of it. Examples whose "
    "results agree exactly (ratio 0) have no place on a log axis; ratios below the axis "
    "(differences at the underflow threshold) share its first bin and ratios beyond it "
    "its last bin; the legends count all three.",
    "depth_width": "The largest budget ratio among the examples of each depth and of each "
    "width (the widest layer), per pair. The budget grows with depth and width (it counts "
    "every rounding), so the ratios stay flat if the error model is right.",
    "heatmap": "Max budget ratio per activation (the examples using it) and pair, per "
    "dtype; the colour scale is log10 of the ratio, yellow at the budget (1), red over it "
    "(a failure). Blank: no example compared.",
}


def html(report: Mapping[str, Any], outcomes: Sequence[Any]) -> str:
    """``report.html``: the Markdown's sections as HTML with the plots embedded (base64
    PNG); self-contained (no external file, script or font)."""
    images = plots(report, outcomes)
    parts = [
        "<!DOCTYPE html>",
        "<html lang='en'><head><meta charset='utf-8'>",
        f"<title>{_html.escape(sections(report)[0].title)}</title>",
        f"<style>{_CSS}</style></head><body>",
    ]
    for s in sections(report):
        parts.append(f"<h{s.level}>{_inline(s.title)}</h{s.level}>")
        parts += [f"<p>{_inline(p)}</p>" for p in s.paragraphs]
        for caption, table in s.tables:
            if caption:
                parts.append(f"<p>{_inline(caption)}</p>")
            parts.append(f"<div class='wide'>{_html_table(table)}</div>")
        if s.plot and s.plot in images:
            data = base64.b64encode(images[s.plot]).decode("ascii")
            parts.append(
                f"<figure><img alt='{s.plot}' src='data:image/png;base64,{data}'>"
                f"<figcaption>{_html.escape(_CAPTIONS[s.plot])}</figcaption></figure>"
            )
    parts.append("</body></html>\n")
    return "\n".join(parts)


# --------------------------------------------------------------------------- plots

FLOOR_RATIO = 1e-8
"""Left end of the ratio histograms' axis (at most): smaller ratios share the first bin."""

CAP_RATIO = 1e2
"""Right end of the ratio histograms' axis (at most): larger ratios (failures far over
the budget) share the last bin, so they do not squeeze the rest."""


def _short(pair: str) -> str:
    """A pair's label short enough for a plot's tick."""
    return pair.replace("finite_differences", "fin. diff.")


_PAIR_COLORS = ("tab:orange", "tab:blue", "black", "tab:green", "tab:red", "tab:purple")
_DTYPE_STYLE = {"float32": dict(ls="--", alpha=0.9), "float64": dict(ls="-", alpha=0.9)}


def _per_example(outcomes: Sequence[Any]) -> dict[tuple[str, str], list[tuple[Any, float]]]:
    """``{(pair, dtype): [(example, max ratio)]}`` over the compared outcomes."""
    out: dict[tuple[str, str], list[tuple[Any, float]]] = {}
    for o in outcomes:
        if o.status == "compared":
            out.setdefault((o.pair, o.example.dtype), []).append((o.example, o.max_ratio))
    return out


def _png(fig: Any) -> bytes:
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, metadata={"Software": None})
    return buf.getvalue()


def plots(report: Mapping[str, Any], outcomes: Sequence[Any]) -> dict[str, bytes]:
    """The report's plots as PNG bytes: ``ratios``, ``depth_width``, ``heatmap``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    data = _per_example(outcomes)
    pairs = [p for p in report["pairs"] if any((p, d) in data for d in ("float32", "float64"))]
    dtypes = [d for d in ("float32", "float64") if any((p, d) in data for p in pairs)]
    colors = {p: _PAIR_COLORS[i % len(_PAIR_COLORS)] for i, p in enumerate(report["pairs"])}
    images: dict[str, bytes] = {}
    if not pairs:
        return images

    # -- the distribution of the budget ratio, per pair and dtype
    positive = [r for v in data.values() for _, r in v if r > 0 and math.isfinite(r)]
    # The axis starts at FLOOR_RATIO at most (ratios far below, e.g. differences at the
    # underflow threshold, would squeeze the histograms); smaller ratios go in the first
    # bin and are counted in the legend.
    lo = max(min(positive, default=FLOOR_RATIO), FLOOR_RATIO)
    hi = min(max(2.0, max(positive, default=1.0)), CAP_RATIO)
    bins = np.logspace(math.floor(math.log10(lo)), math.ceil(math.log10(hi)), 37)
    ncols = 3 if len(pairs) > 4 else 2 if len(pairs) > 1 else 1
    nrows = math.ceil(len(pairs) / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(5.2 * ncols, 3.6 * nrows), squeeze=False)
    for ax, pair in zip(axes.flat, pairs, strict=False):
        for dt, col in zip(("float64", "float32"), ("tab:blue", "tab:orange"), strict=True):
            vals = [r for _, r in data.get((pair, dt), [])]
            if not vals:
                continue
            pos = [min(max(r, bins[0]), bins[-1]) for r in vals if r > 0]
            zeros = len(vals) - len(pos)
            below = sum(1 for r in vals if 0 < r < bins[0])
            above = sum(1 for r in vals if r > bins[-1])
            extra = (
                (f", {zeros} exact (0)" if zeros else "")
                + (f", {below} < {bins[0]:.0e}" if below else "")
                + (f", {above} > {bins[-1]:.0e}" if above else "")
            )
            ax.hist(
                pos, bins=bins, histtype="stepfilled", alpha=0.35, color=col,
                label=f"{dt}: {len(vals)} examples{extra}",
            )
            ax.hist(pos, bins=bins, histtype="step", color=col, lw=1.2)
        ax.axvline(1.0, color="tab:red", lw=1.5, ls="--")
        ax.annotate("budget", (1.0, 0.5), xycoords=("data", "axes fraction"), xytext=(3, 0),
                    textcoords="offset points", color="tab:red", fontsize=8, rotation=90,
                    va="center")
        ax.set_xscale("log")
        ax.set_title(pair, fontsize=11)
        ax.set_xlabel("max budget ratio |Δ| / (K u S) per example")
        ax.set_ylabel("examples")
        ax.legend(fontsize=8, loc="upper left")
        ax.grid(True, alpha=0.25)
    for ax in list(axes.flat)[len(pairs) :]:
        ax.set_visible(False)
    fig.tight_layout()
    images["ratios"] = _png(fig)
    plt.close(fig)

    # -- max ratio against depth and width
    fig, axes = plt.subplots(
        len(dtypes), 2, figsize=(13, 4.0 * len(dtypes)), squeeze=False, sharey=True
    )
    for row, dt in zip(axes, dtypes, strict=True):
        for ax, key, label in zip(
            row, ("depth", "width"), ("depth L (weight layers)", "width (widest layer N_l)"),
            strict=True,
        ):
            for pair in pairs:
                vals = data.get((pair, dt), [])
                by_x: dict[int, float] = {}
                for ex, r in vals:
                    x = getattr(ex, key)
                    by_x[x] = max(by_x.get(x, 0.0), r)
                if not by_x:
                    continue
                xs = sorted(by_x)
                ys = [by_x[x] if by_x[x] > 0 else np.nan for x in xs]
                ax.plot(xs, ys, marker="o", ms=4, lw=1.4, color=colors[pair], label=pair)
            ax.axhline(1.0, color="tab:red", lw=1.2, ls="--")
            ax.set_yscale("log")
            ax.set_xlabel(label)
            ax.set_ylabel("largest budget ratio")
            ax.set_title(f"{dt}: largest budget ratio by {key}", fontsize=11)
            ax.grid(True, alpha=0.25)
            ax.xaxis.get_major_locator().set_params(integer=True)
        row[1].legend(fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5))
    fig.tight_layout()
    images["depth_width"] = _png(fig)
    plt.close(fig)

    # -- heat map: activation x pair, per dtype
    cells = report["breakdowns"].get("activation", [])
    acts = list(dict.fromkeys(c["value"] for c in cells))
    if acts:
        fig, axes = plt.subplots(
            1, len(dtypes), figsize=(5.6 * len(dtypes) + 1.2, 0.42 * len(acts) + 2.8),
            squeeze=False, sharey=True, layout="constrained",
        )
        vmin, vmax = -4.0, 0.0
        for ax, dt in zip(axes[0], dtypes, strict=True):
            grid = np.full((len(acts), len(pairs)), np.nan)
            for c in cells:
                if c["dtype"] != dt or c["pair"] not in pairs or c["examples"] == 0:
                    continue
                v = c["max_ratio"]
                v = math.inf if isinstance(v, str) else v
                grid[acts.index(c["value"]), pairs.index(c["pair"])] = (
                    math.log10(v) if v > 0 else -np.inf
                )
            shown = np.clip(np.where(np.isneginf(grid), vmin, grid), vmin, 1.0)
            cmap = plt.get_cmap("viridis").with_extremes(over="#d62728")  # over the budget
            im = ax.imshow(shown, cmap=cmap, vmin=vmin, vmax=vmax, aspect="auto")
            for i in range(len(acts)):
                for j in range(len(pairs)):
                    g = grid[i, j]
                    if np.isnan(g):
                        continue
                    text = "0" if np.isneginf(g) else fmt(10.0**g)
                    dark = np.isneginf(g) or g < -2.0 or g > 0.0
                    ax.text(j, i, text, ha="center", va="center", fontsize=8,
                            color="white" if dark else "black",
                            fontweight="bold" if g > 0 else "normal")
            ax.set_xticks(range(len(pairs)))
            ax.set_xticklabels(
                [_short(p) for p in pairs], fontsize=8, rotation=35, ha="right",
                rotation_mode="anchor",
            )
            ax.set_yticks(range(len(acts)))
            ax.set_yticklabels(acts, fontsize=9)
            ax.tick_params(axis="y", labelleft=ax is axes[0][0])
            ax.set_title(f"{dt}: max budget ratio", fontsize=11)
        cbar = fig.colorbar(im, ax=list(axes[0]), shrink=0.85, extend="max")
        cbar.set_label("log10 max budget ratio (0 = the budget; red: over it)")
        images["heatmap"] = _png(fig)
        plt.close(fig)
    return images
