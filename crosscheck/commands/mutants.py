"""``crosscheck mutants``: its arguments, what it prints and its exit status."""

from __future__ import annotations

import argparse

from crosscheck import mutants as _impl

__all__ = ["configure", "run"]


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the arguments of ``crosscheck mutants``."""
    _impl.configure_mutants(parser)


def run(args: argparse.Namespace) -> int:
    """Run ``crosscheck mutants``; returns the exit status."""
    return _impl.run_mutants(args)
