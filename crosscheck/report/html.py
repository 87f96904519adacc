"""The report as one self-contained HTML page (``report.html``): a status banner, a table
of contents, the Markdown's sections with sortable tables and coloured verdicts, the
plots and the trajectory figure embedded as base64 PNG, each worst case expandable with
its reproduction, and the run's versions, date and commit. No external file, font or
request; the only script is the page's own (sorting, and a check that every image
decoded)."""

from __future__ import annotations

import base64
import html as _html
import re
import time
from collections.abc import Mapping, Sequence
from typing import Any

from crosscheck.formatting import fmt
from crosscheck.report.plots import plots
from crosscheck.report.sections import Section, Table, sections, status_detail
from crosscheck.report.unit import html_marker
from crosscheck.report.worst import reproduction

__all__ = ["html"]

_INLINE = re.compile(r"`([^`]*)`|\*\*([^*]+)\*\*|\*([^*]+)\*|\[([^\]]+)\]\(([^)]+)\)")
_VERDICTS = {"pass": "v-pass", "**FAIL**": "v-fail", "FAIL": "v-fail", "no data": "v-none"}


def _inline(text: str) -> str:
    """Markdown inline code, bold, italics, links and ``<br>`` to HTML (everything else
    escaped). A link to a Markdown file is shown as its name: a browser would show the
    file raw (the page embeds what it needs instead)."""
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
        elif href.endswith(".md") and "://" not in href:
            out.append(f"<code>{_html.escape(label)}</code>")
        else:
            out.append(f"<a href='{_html.escape(href)}'>{_html.escape(label)}</a>")
        pos = m.end()
    out.append(_html.escape(text[pos:]))
    return "".join(out)


def _cell(text: str, i: int, t: Table) -> str:
    classes = []
    if t.align[i] == "r":
        classes.append("num")
    elif i in t.nowrap:
        classes.append("nowrap")
    if t.header[i] == "verdict" and text in _VERDICTS:
        classes.append(_VERDICTS[text])
    if t.header[i] == "inconclusive" and text not in ("0", "-"):
        classes.append("v-inc")
    attr = f" class='{' '.join(classes)}'" if classes else ""
    return f"<td{attr}>{_inline(text)}</td>"


def _html_table(t: Table) -> str:
    head = "".join(
        f"<th{' class=num' if t.align[i] == 'r' else ''} title='click to sort'>{_inline(h)}</th>"
        for i, h in enumerate(t.header)
    )
    body = "\n".join(
        "<tr>" + "".join(_cell(c, i, t) for i, c in enumerate(r)) + "</tr>" for r in t.rows
    )
    return (f"<table class='sortable'>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n"
            "</tbody>\n</table>")


_CSS = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 1.5em auto;
       max-width: 1300px; padding: 0 1.5em; color: #1b1b1b; line-height: 1.45; }
h1 { font-size: 1.7em; border-bottom: 2px solid #ddd; padding-bottom: .3em; }
h2 { font-size: 1.35em; margin-top: 2em; border-bottom: 1px solid #e5e5e5; }
h3 { font-size: 1.1em; margin-top: 1.5em; }
p { max-width: 62em; }
.banner { padding: .7em 1em; border-radius: 6px; font-size: 1.05em; margin: .5em 0 1em;
          color: #fff; }
.banner b.bad { color: #fff; }
.banner.PASS { background: #1a7f37; } .banner.FAIL { background: #b42318; }
.banner.INCONCLUSIVE, .banner.NODATA { background: #a15c00; }
.banner .status { font-size: 1.5em; font-weight: 700; margin-right: .6em; letter-spacing: .05em; }
.run { font-size: .85em; color: #444; background: #f6f8fa; border: 1px solid #e1e4e8;
       border-radius: 6px; padding: .5em .9em; }
.run dt { font-weight: 600; float: left; clear: left; width: 7.5em; }
.run dd { margin-left: 8em; }
nav.toc { font-size: .9em; background: #fafbfc; border: 1px solid #e1e4e8; border-radius: 6px;
          padding: .4em 1.2em; margin: 1em 0; columns: 2; }
nav.toc ul { margin: .2em 0; padding-left: 1.2em; }
table { border-collapse: collapse; margin: .6em 0 1.2em; font-size: .86em; }
th, td { border: 1px solid #d6d6d6; padding: .25em .55em; vertical-align: top; }
th { background: #f3f4f6; text-align: left; cursor: pointer; user-select: none; }
th.num { text-align: right; }
th[aria-sort=ascending]::after { content: " \\25B2"; font-size: .7em; }
th[aria-sort=descending]::after { content: " \\25BC"; font-size: .7em; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num, td.nowrap { white-space: nowrap; }
td code + br + code, td br + code, p code { white-space: nowrap; }
tbody tr:nth-child(even) { background: #fafafa; }
td.v-pass { color: #1a7f37; font-weight: 600; background: #e9f6ec; }
td.v-fail { color: #fff; font-weight: 700; background: #b42318; }
td.v-fail b.bad { color: #fff; }
td.v-none { color: #666; background: #f0f0f0; }
td.v-inc { color: #7a4500; background: #fff4e0; }
code { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: .92em;
       background: #f3f4f6; padding: 0 .2em; border-radius: 3px; }
pre { background: #f6f8fa; border: 1px solid #e1e4e8; padding: .6em; overflow-x: auto;
      font-size: .8em; max-height: 30em; }
pre code { background: none; padding: 0; }
b.bad { color: #b00020; }
details { border: 1px solid #e1e4e8; border-radius: 6px; padding: .3em .8em; margin: .4em 0; }
details summary { cursor: pointer; }
figure { margin: 1em 0 2em; }
figure img { max-width: 100%; border: 1px solid #eee; }
figcaption { font-size: .9em; color: #555; max-width: 62em; }
.wide { overflow-x: auto; }
#img-warning { display: none; background: #b42318; color: #fff; padding: .5em 1em; }
"""

_JS = """
(function () {
  function key(td) {
    var t = (td ? td.textContent : '').trim();
    if (t === 'inf') return Infinity;
    var m = t.match(/^-?[0-9.]+(e[-+]?[0-9]+)?/i);
    return m ? parseFloat(m[0]) : t.toLowerCase();
  }
  function sortBy(th) {
    var table = th.closest('table'), body = table.tBodies[0], col = th.cellIndex;
    var asc = th.getAttribute('aria-sort') !== 'ascending';
    table.querySelectorAll('th').forEach(function (h) { h.removeAttribute('aria-sort'); });
    th.setAttribute('aria-sort', asc ? 'ascending' : 'descending');
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = key(a.cells[col]), y = key(b.cells[col]);
      var c = (typeof x === typeof y) ? (x < y ? -1 : x > y ? 1 : 0)
                                      : (typeof x === 'number' ? -1 : 1);
      return asc ? c : -c;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  }
  document.querySelectorAll('table.sortable th').forEach(function (th) {
    th.addEventListener('click', function () { sortBy(th); });
  });
  window.addEventListener('load', function () {
    var imgs = Array.prototype.slice.call(document.images);
    var ok = imgs.filter(function (i) { return i.complete && i.naturalWidth > 0; });
    document.body.setAttribute('data-images', ok.length + '/' + imgs.length);
    if (ok.length !== imgs.length) {
      document.getElementById('img-warning').style.display = 'block';
    }
  });
})();
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
    "trajectory": "The training trajectories (`crosscheck trajectory`, trajectory.png): "
    "the relative parameter divergence between the frameworks over the steps.",
}


def _slug(title: str, used: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:40] or "section"
    slug, i = base, 2
    while slug in used:
        slug, i = f"{base}-{i}", i + 1
    used.add(slug)
    return slug


def _figure(name: str, png: bytes) -> str:
    data = base64.b64encode(png).decode("ascii")
    return (
        f"<figure><img alt='{name}' src='data:image/png;base64,{data}'>"
        f"<figcaption>{_inline(_CAPTIONS[name])}</figcaption></figure>"
    )


def _run_box(report: Mapping[str, Any], meta: Mapping[str, Any] | None) -> str:
    meta = meta or {}
    versions = meta.get("versions") or {}
    started = meta.get("started") or time.strftime("%Y-%m-%dT%H:%M:%S%z")
    opts = report["options"]
    items = [
        ("run id", f"<code>{_html.escape(str(report.get('run_id', '-')))}</code>"),
        ("date", _html.escape(str(started))),
        ("commit", f"<code>{_html.escape(str(meta.get('commit') or 'unknown'))}</code>"),
        ("options", _html.escape(", ".join(
            f"{k} {v}" for k, v in opts.items() if k != "fingerprint"))),
        ("versions", _html.escape(", ".join(f"{k} {v}" for k, v in versions.items())
                                  or "unknown")),
        ("platform", _html.escape(str((meta.get("platform") or {}).get("platform",
                                                                         "unknown")))),
    ]
    rows = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in items)
    return f"<dl class='run'>{rows}</dl>"


def _worst_details(report: Mapping[str, Any]) -> str:
    parts = []
    for w in report["worst"]:
        head = (f"#{w['rank']}: {w['pair']} ({w['dtype']}), example {w['id']}, budget ratio "
                f"{fmt(w['max_ratio'])}" + (" (inconclusive)" if w.get("inconclusive") else ""))
        body = [f"<p><code>{_html.escape(w['problem'])}</code></p>"]
        if "layer" in w:
            body.append(
                f"<p>worst element: layer {w['layer']} ({w['position']}, {w['row_kind']}), "
                f"index {w['index']}: value {w['value']!r}, reference {w['reference']!r}, "
                f"tolerance {fmt(w['tolerance'])}; power of this block "
                f"{fmt(w.get('row_power'))}, of the example {fmt(w.get('power'))}</p>"
            )
        elif w.get("note"):
            body.append(f"<p>{_html.escape(w['note'])}</p>")
        code = reproduction(w)
        if code is not None:
            body.append(f"<p>Reproduce in Python:</p><pre><code>{_html.escape(code)}</code></pre>")
        body.append(f"<p>Or: <code>{_html.escape(w['reproduce'])}</code></p>")
        parts.append(f"<details><summary>{_html.escape(head)}</summary>{''.join(body)}</details>")
    return "\n".join(parts)


def _section_html(s: Section, slug: str, images: Mapping[str, bytes], report: Mapping) -> list[str]:
    parts = [f"<h{s.level} id='{slug}'>{_inline(s.title)}</h{s.level}>"]
    parts += [f"<p>{_inline(p)}</p>" for p in s.paragraphs if not p.startswith("**Status:")]
    for caption, table in s.tables:
        if caption:
            parts.append(f"<p>{_inline(caption)}</p>")
        parts.append(f"<div class='wide'>{_html_table(table)}</div>")
    if s.plot and s.plot in images:
        parts.append(_figure(s.plot, images[s.plot]))
    if s.title == "Training trajectories":
        if "trajectory" in images:
            parts.append(_figure("trajectory", images["trajectory"]))
        else:
            parts.append("<p>(No trajectory.png beside trajectory.json: run "
                         "<code>crosscheck trajectory</code> to draw it.)</p>")
    if s.title.endswith("worst cases") and report["worst"]:
        parts.append("<p>Each case, with the Python that rebuilds its problem and judges "
                     "the pair again:</p>")
        parts.append(_worst_details(report))
    return parts


def html(
    report: Mapping[str, Any],
    outcomes: Sequence[Any],
    *,
    meta: Mapping[str, Any] | None = None,
    images: Mapping[str, bytes] | None = None,
) -> str:
    """``report.html``: a status banner, the run's details (``meta``: versions, date,
    commit), a table of contents and the Markdown's sections with sortable tables, the
    plots and ``images`` (``{"trajectory": PNG}``) embedded; self-contained."""
    pictures = {**plots(report, outcomes), **(images or {})}
    secs = sections(report)
    used: set[str] = set()
    slugs = [_slug(s.title, used) for s in secs]
    status = str(report.get("status", "NO DATA"))
    toc = "".join(
        f"<li style='margin-left:{(s.level - 2) * 1.2}em'><a href='#{slug}'>"
        f"{_html.escape(s.title)}</a></li>"
        for s, slug in zip(secs, slugs, strict=True) if s.level > 1
    )
    parts = [
        "<!DOCTYPE html>",
        "<html lang='en'><head><meta charset='utf-8'>",
        html_marker(str(report.get("run_id", ""))),
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>{_html.escape(status)}: {_html.escape(secs[0].title)}</title>",
        f"<style>{_CSS}</style></head><body>",
        "<div id='img-warning'>Some images of this page did not decode.</div>",
        f"<h1 id='{slugs[0]}'>{_inline(secs[0].title)}</h1>",
        f"<div class='banner {status.replace(' ', '')}' role='status' id='banner'>"
        f"<span class='status'>{_html.escape(status)}</span>"
        f"{_inline(status_detail(report))}</div>",
        _run_box(report, meta),
        f"<nav class='toc'><b>Contents</b><ul>{toc}</ul></nav>",
    ]
    parts += [f"<p>{_inline(p)}</p>" for p in secs[0].paragraphs
              if not p.startswith("**Status:")]
    for s, slug in zip(secs[1:], slugs[1:], strict=True):
        parts += _section_html(s, slug, pictures, report)
    parts.append(f"<script>{_JS}</script>")
    parts.append("</body></html>\n")
    return "\n".join(parts)
