"""``crosscheck verify``: its arguments, what it prints and its exit status."""

from __future__ import annotations

import argparse
import importlib

_impl = importlib.import_module("crosscheck.search")

__all__ = ["configure", "run"]


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the arguments of ``crosscheck verify``."""
    _impl.configure_verify(parser)


def run(args: argparse.Namespace) -> int:
    """Run ``crosscheck verify``; returns the exit status."""
    return _impl.run_verify(args)
