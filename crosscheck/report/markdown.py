"""The report as Markdown (``report.md``): deterministic text, no timings or versions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from crosscheck.report.sections import Table, sections, summary

__all__ = ["markdown", "summary_table"]


def summary_table(report: Mapping[str, Any]) -> str:
    """The summary as a Markdown table (what ``crosscheck report`` prints)."""
    return _md_table(summary(report))


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
