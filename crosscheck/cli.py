"""The ``crosscheck`` command line (also ``python -m crosscheck``).

``crosscheck report | merge | check | verify | mutants | trajectory | bench``: each
subcommand is one module of :mod:`crosscheck.commands` defining ``configure(parser)``
(its arguments) and ``run(args) -> int`` (its exit status). Only the module of the
command being run is imported, so ``crosscheck --help`` and ``crosscheck CMD --help``
stay fast and a missing optional dependency affects only its own command.

Exit status, for every command (``docs/report.md``, "Exit status"): 0 pass, 1 a finding,
2 a usage or environment error (one line naming the argument, file or path), 3
inconclusive (where a command can be), 130 interrupted (Ctrl-C: one line), 70 an
internal error (a crosscheck bug: one line; ``CROSSCHECK_DEBUG=1`` shows the traceback).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import traceback
from collections.abc import Sequence

from crosscheck.errors import UsageError

__all__ = ["COMMANDS", "EXIT_INTERNAL", "EXIT_INTERRUPTED", "EXIT_USAGE", "main"]

EXIT_USAGE = 2
"""A usage or environment error (argparse's own status for a bad option too)."""

EXIT_INTERRUPTED = 130
"""Interrupted by Ctrl-C (128 + SIGINT, what a shell reports)."""

EXIT_INTERNAL = 70
"""An exception crosscheck did not expect: a bug in crosscheck (``EX_SOFTWARE``)."""

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
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (_, help_text) in COMMANDS.items():
        sub.add_parser(name, help=help_text, add_help=False)  # its arguments: configure()
    return parser


def _version() -> str:
    """The installed distribution's version (``pyproject.toml``), or where it runs from
    when it is not installed."""
    from importlib import metadata

    try:
        return metadata.version("handprop")
    except metadata.PackageNotFoundError:
        return "(not installed: run from a source tree)"


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (module docstring). A bad option
    raises ``SystemExit(2)`` (argparse's usage message); nothing else raises."""
    ns, rest = _top_parser().parse_known_args(argv)
    module_name, help_text = COMMANDS[ns.command]
    prog = f"crosscheck {ns.command}"
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:  # an optional dependency of that command is missing
        print(f"{prog}: unavailable ({exc})", file=sys.stderr)
        return EXIT_USAGE
    parser = argparse.ArgumentParser(prog=prog, description=help_text)
    module.configure(parser)
    args = parser.parse_args(rest)
    try:
        return int(module.run(args))
    except KeyboardInterrupt:
        print(f"\n{prog}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except UsageError as exc:
        print(f"{prog}: {_one_line(exc)}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:  # the environment: a disk full, a file vanished, ...
        where = f" ({exc.filename})" if getattr(exc, "filename", None) else ""
        print(f"{prog}: {exc.strerror or _one_line(exc)}{where}", file=sys.stderr)
        return EXIT_USAGE
    except MemoryError:
        print(f"{prog}: out of memory", file=sys.stderr)
        return EXIT_USAGE
    except Exception as exc:
        if os.environ.get("CROSSCHECK_DEBUG"):
            traceback.print_exc()
        print(
            f"{prog}: internal error, a bug in crosscheck: {type(exc).__name__}: "
            f"{_one_line(exc)} (CROSSCHECK_DEBUG=1 shows the traceback)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
