"""The ``crosscheck`` command line (also ``python -m crosscheck``).

``crosscheck report | merge | check | verify | mutants | trajectory | bench``: each
subcommand is one module of :mod:`crosscheck.commands` defining ``configure(parser)``
(its arguments) and ``run(args) -> int`` (its exit status). Only the module of the
command being run is imported, so ``crosscheck --help`` and ``crosscheck CMD --help``
stay fast and a missing optional dependency affects only its own command.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

__all__ = ["COMMANDS", "main"]

COMMANDS: dict[str, tuple[str, str]] = {
    "report": (
        "crosscheck.commands.report",
        "run the oracles over generated problems; write reports",
    ),
    "check": (
        "crosscheck.commands.check",
        "compare a report against a baseline (the CI regression gate)",
    ),
    "merge": ("crosscheck.commands.merge", "merge shard results into one report"),
    "verify": (
        "crosscheck.commands.verify",
        "check your own gradient function against the oracles",
    ),
    "mutants": ("crosscheck.commands.mutants", "run verify on a catalogue of buggy gradients"),
    "bench": ("crosscheck.commands.bench", "time handprop against torch and jax"),
    "trajectory": (
        "crosscheck.commands.trajectory",
        "train the XOR net in every framework; compare",
    ),
    "soundness": (
        "crosscheck.commands.soundness",
        "measure the error budget: correct code against the truth, and power at depth",
    ),
}
"""Command name -> (its module, its one-line help)."""


def _top_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="crosscheck",
        description="Check hand-derived neural-network gradients against independent oracles.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (_, help_text) in COMMANDS.items():
        sub.add_parser(name, help=help_text, add_help=False)  # its arguments: configure()
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 1 a finding, 2 usage)."""
    ns, rest = _top_parser().parse_known_args(argv)
    module_name, help_text = COMMANDS[ns.command]
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:  # an optional dependency of that command is missing
        print(f"crosscheck {ns.command}: unavailable ({exc})", file=sys.stderr)
        return 2
    parser = argparse.ArgumentParser(prog=f"crosscheck {ns.command}", description=help_text)
    module.configure(parser)
    args = parser.parse_args(rest)
    return int(module.run(args))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
