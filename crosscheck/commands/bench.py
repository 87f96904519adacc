"""``crosscheck bench``: its arguments, what it prints and its exit status."""

from __future__ import annotations

import argparse

from crosscheck import bench as _impl

__all__ = ["configure", "run"]


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the arguments of ``crosscheck bench``."""
    _impl.configure_bench(parser)


def run(args: argparse.Namespace) -> int:
    """Run ``crosscheck bench``; returns the exit status."""
    return _impl.run_bench(args)
