"""The report as one self-contained HTML page (``report.html``): the Markdown's sections
and tables, with the plots embedded as base64 PNG; no external file, script or font."""

from __future__ import annotations

import base64
import html as _html
import re
from collections.abc import Mapping, Sequence
from typing import Any

from crosscheck.report.plots import plots
from crosscheck.report.sections import Table, sections

__all__ = ["html"]

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
