"""``reports/soundness.md``: the sweep's worst cases and the deep nets' power, as tables."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from crosscheck.formatting import fmt

__all__ = ["markdown"]


def markdown(report: Mapping[str, Any]) -> str:
    """The Markdown of a soundness report (``crosscheck soundness``'s JSON)."""
    lines = [
        "# Soundness and power of the error budget",
        "",
        "Written by `crosscheck soundness` (`make soundness`). Every candidate below is a "
        f"correct implementation, judged against the truth ({report.get('truth', 'extended')}; "
        "the extended-precision oracle wherever mpmath does not fit) within the default "
        "budget and the sharper one; "
        f"the claim is that none goes above {report['margin']} of the budget "
        "(docs/error-budget.md).",
        "",
    ]
    for section in report["sets"]:
        lines += [
            f"## {section['title']}",
            "",
            section["description"],
            "",
            "| candidate | dtype | problems | max budget ratio | above "
            f"{report['margin']} | above 1 | where |",
            "|---|---|---:|---:|---:|---:|---|",
        ]
        lines += [
            f"| {r['candidate']} | {r['dtype']} | {r['problems']} | {fmt(r['max_ratio'])} | "
            f"{r['above_margin']} | {r['above_one']} | {r['where']} |"
            for r in section["rows"]
        ]
        lines += ["", f"({section['seconds']:.0f} s)", ""]
    if report.get("targets"):
        lines += [
            "## Power on deep nets",
            "",
            "The smallest relative error of the whole first layer that is flagged (min over "
            "its weights of K u S / |g|, g the truth's), within the default budget and the "
            "sharper one (larger Jacobian windows; used when a verdict would be "
            "inconclusive), and the verdicts on wrong first layers (judged by torch, "
            "confirmed by the truth).",
            "",
            "| net | dtype | P | target | default | sharper | met | negated | zeroed "
            "| times 100 | correct |",
            "|---|---|---:|---:|---:|---:|---|---|---|---|---|",
        ]
        for t in report["targets"]:
            d, s, v = t["default"], t["sharper"], t["verdicts"]
            lines.append(
                f"| {t['net']} | {t['dtype']} | {t['P']} | {fmt(t['target'])} | "
                f"{fmt(d['whole'])} ({d['seconds']:.2g} s) | {fmt(s['whole'])} "
                f"({s['seconds']:.2g} s, window {s['window']}) | "
                f"{'yes' if t['met'] else '**no**'} | {v['negated']} | {v['zeroed']} | "
                f"{v['times 100']} | {v['correct']} |"
            )
        lines.append("")
    return "\n".join(lines)
