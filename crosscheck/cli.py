"""The ``crosscheck`` command line: ``crosscheck report | check | merge | verify | mutants |
bench | trajectory`` (also ``python -m crosscheck``).

Each subcommand lives in the module named after its concept; that module defines
``configure_<name>(parser)`` (adds the arguments) and ``run_<name>(args) -> int`` (the
exit status). Modules are imported only when their command runs, so ``crosscheck --help``
stays fast and a missing optional dependency only affects its own command.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

__all__ = ["COMMANDS", "main"]

COMMANDS: dict[str, tuple[str, str]] = {
    "report": ("crosscheck.report", "run the oracles over generated problems; write reports"),
    "check": ("crosscheck.gate", "compare a report against a baseline (the CI regression gate)"),
    "merge": ("crosscheck.report", "merge shard results into one report"),
    "verify": ("crosscheck.verify", "check your own gradient function against the oracles"),
    "mutants": ("crosscheck.mutants", "run verify on a catalogue of buggy gradients"),
    "bench": ("crosscheck.bench", "time handprop against torch and jax"),
    "trajectory": ("crosscheck.trajectory", "train the XOR net in every framework; compare"),
}


def _parser() -> tuple[argparse.ArgumentParser, dict[str, object]]:
    parser = argparse.ArgumentParser(
        prog="crosscheck",
        description="Check hand-derived neural-network gradients against independent oracles.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    modules: dict[str, object] = {}
    for name, (module_name, help_text) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:  # an optional dependency of that command is missing
            p.set_defaults(_missing=f"crosscheck {name}: unavailable ({exc})")
            continue
        getattr(module, f"configure_{name}")(p)
        modules[name] = module
    return parser, modules


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 1 a finding, 2 usage)."""
    parser, modules = _parser()
    args = parser.parse_args(argv)
    missing = getattr(args, "_missing", None)
    if missing:
        print(missing, file=sys.stderr)
        return 2
    return int(getattr(modules[args.command], f"run_{args.command}")(args))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
