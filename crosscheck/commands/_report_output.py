"""What ``crosscheck report`` and ``crosscheck merge`` share: the options for what they
write and the trajectory file they summarise."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_output_options(parser: argparse.ArgumentParser) -> None:
    """The options ``report`` and ``merge`` share for what they write."""
    parser.add_argument(
        "--no-html", action="store_true", help="skip report.html (no plots, no matplotlib)"
    )
    parser.add_argument(
        "--trajectory", default=None, metavar="PATH",
        help="trajectory.json to summarise (default: OUT/trajectory.json if it exists)",
    )


def trajectory_path(args: argparse.Namespace) -> Path:
    """``--trajectory``, else ``OUT/trajectory.json``."""
    return Path(args.trajectory) if args.trajectory else Path(args.out) / "trajectory.json"
