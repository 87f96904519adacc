"""Options that several commands share, parsed one way everywhere."""

from __future__ import annotations

import argparse

from crosscheck.errors import UsageError

__all__ = ["add_dtypes_option"]


def _dtype_list(text: str) -> list[str]:
    """``--dtypes``: float32 and/or float64, comma-separated; the names, float64 first."""
    from crosscheck import validation  # NumPy: only when the option is given (--help stays fast)

    try:
        chosen = validation.dtypes(text)
    except UsageError as exc:
        raise argparse.ArgumentTypeError(str(exc).removeprefix("dtypes: ")) from None
    return [d.name for d in chosen]


def add_dtypes_option(parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    """``--dtypes float32,float64``: the same syntax in every command, a comma-separated
    list as ``--activations`` and ``--costs``. ``args.dtypes`` is ``None`` (both) or the
    names, float64 first, each once."""
    parser.add_argument(
        "--dtypes",
        type=_dtype_list,
        metavar="D,...",
        help="float32 and/or float64, comma-separated (default: both)",
    )
