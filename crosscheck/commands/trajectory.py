"""``crosscheck trajectory``: its arguments, what it prints and its exit status."""

from __future__ import annotations

import argparse

from crosscheck import trajectory as _impl

__all__ = ["configure", "run"]


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the arguments of ``crosscheck trajectory``."""
    _impl.configure_trajectory(parser)


def run(args: argparse.Namespace) -> int:
    """Run ``crosscheck trajectory``; returns the exit status."""
    return _impl.run_trajectory(args)
