"""The one exception type for a usage error: a bad argument, option, name, target or file."""

from __future__ import annotations

__all__ = ["UsageError"]


class UsageError(ValueError):
    """What was wrong and what was expected, naming the argument, option or file.

    A ``ValueError``, so code that catches ``ValueError`` for bad input keeps working. The
    command line turns it into one line on stderr and exit status 2.
    """
