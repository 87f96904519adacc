"""``crosscheck check``: its arguments, what it prints and its exit status."""

from __future__ import annotations

import argparse

from crosscheck import gate as _impl

__all__ = ["configure", "run"]


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the arguments of ``crosscheck check``."""
    _impl.configure_check(parser)


def run(args: argparse.Namespace) -> int:
    """Run ``crosscheck check``; returns the exit status."""
    return _impl.run_check(args)
