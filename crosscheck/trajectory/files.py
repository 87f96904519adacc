"""``trajectory.{json,md,png}``: the canonical JSON text and writing the three files."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from crosscheck.atomic import write_with as _atomic_write
from crosscheck.trajectory.build import DEFAULT_STEPS, DTYPES, trajectory_report
from crosscheck.trajectory.markdown import render_markdown
from crosscheck.trajectory.plot import render_plot

__all__ = ["report_json", "write_reports"]

_NUMBER_LIST = re.compile(r"\[([^\[\]{}\"]*)\]")


def report_json(report: dict[str, Any]) -> str:
    """The report as canonical JSON text: sorted keys, indented, lists of numbers on one
    line, a final newline."""
    text = json.dumps(report, sort_keys=True, indent=1, allow_nan=False)

    def one_line(m: re.Match[str]) -> str:
        items = [x.strip() for x in m.group(1).split(",")]
        return "[" + ", ".join(x for x in items if x) + "]"

    return _NUMBER_LIST.sub(one_line, text) + "\n"


def write_reports(
    out: str | os.PathLike[str],
    *,
    steps: int = DEFAULT_STEPS,
    dtypes: Sequence[str] = DTYPES,
    plot: bool = True,
) -> dict[str, Any]:
    """Run :func:`trajectory_report` and write ``trajectory.{json,md,png}`` into ``out``."""
    report = trajectory_report(steps=steps, dtypes=dtypes)
    out = Path(out)
    _atomic_write(out / "trajectory.json", lambda f: f.write(report_json(report).encode()))
    _atomic_write(out / "trajectory.md", lambda f: f.write(render_markdown(report).encode()))
    if plot:
        render_plot(report, out / "trajectory.png")
    return report
