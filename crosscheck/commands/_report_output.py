"""What ``crosscheck report`` and ``crosscheck merge`` share: the options for what they
write, and what they check before any work (the output directory, the trajectory file
they summarise)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from crosscheck.outputs import output_directory
from crosscheck.report.trajectory_section import trajectory_figure, trajectory_summary

__all__ = ["add_output_options", "prepare_output", "trajectory_path"]


def add_output_options(parser: argparse.ArgumentParser) -> None:
    """The options ``report`` and ``merge`` share for what they write."""
    parser.add_argument("--out", default="reports", help="output directory (default reports/)")
    parser.add_argument(
        "--no-html", action="store_true", help="skip report.html (no plots, no matplotlib)"
    )
    parser.add_argument(
        "--trajectory", default=None, metavar="PATH",
        help="trajectory.json to summarise (default: OUT/trajectory.json if it exists); "
        "missing or corrupt is an error",
    )


def trajectory_path(args: argparse.Namespace) -> Path:
    """``--trajectory``, else ``OUT/trajectory.json``."""
    return Path(args.trajectory) if args.trajectory else Path(args.out) / "trajectory.json"


def prepare_output(
    args: argparse.Namespace,
) -> tuple[Path, dict[str, Any] | None, dict[str, bytes]]:
    """Before any work: the output directory (writable, or creatable), the trajectory
    section (``--trajectory`` must exist and parse; ``OUT/trajectory.json`` may be
    missing but not corrupt) and its figure. :class:`~crosscheck.errors.UsageError`
    names what is wrong."""
    out = output_directory(args.out)
    path = trajectory_path(args)
    section = trajectory_summary(path, required=args.trajectory is not None)
    images: dict[str, bytes] = {}
    if section is not None:
        figure = trajectory_figure(path)
        if figure is not None:
            images["trajectory"] = figure
    return out, section, images
