"""``crosscheck merge``: its arguments, what it prints and its exit status."""

from __future__ import annotations

import argparse

from crosscheck import report as _impl

__all__ = ["configure", "run"]


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the arguments of ``crosscheck merge``."""
    _impl.configure_merge(parser)


def run(args: argparse.Namespace) -> int:
    """Run ``crosscheck merge``; returns the exit status."""
    return _impl.run_merge(args)
