"""The bench's files: ``benchmarks.json``, ``benchmarks.md`` and ``benchmarks.png``."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from crosscheck.atomic import write_text
from crosscheck.bench.markdown import render_markdown
from crosscheck.bench.plot import render_plot

__all__ = ["write_reports"]


def write_reports(report: dict[str, Any], out: str | os.PathLike[str], plot: bool = True) -> None:
    """Write ``benchmarks.json``, ``benchmarks.md`` and (``plot``) ``benchmarks.png``."""
    out = Path(out)
    write_text(out / "benchmarks.json", json.dumps(report, indent=1, sort_keys=True) + "\n")
    write_text(out / "benchmarks.md", render_markdown(report))
    if plot:
        render_plot(report, out / "benchmarks.png")
