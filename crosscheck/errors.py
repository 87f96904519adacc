"""The exception types: :class:`UsageError` for a usage error (a bad argument, option,
name, target or file), and :class:`Unsupported`, which a function under test raises to
declare a problem out of its scope."""

from __future__ import annotations

__all__ = ["TargetTimeout", "Unsupported", "UsageError"]


class UsageError(ValueError):
    """What was wrong and what was expected, naming the argument, option or file.

    A ``ValueError``, so code that catches ``ValueError`` for bad input keeps working. The
    command line turns it into one line on stderr and exit status 2.
    """


class TargetTimeout(UsageError):
    """The function under test did not return within the per-call timeout (exit status 2:
    an environment problem, not a finding about its gradients)."""


class Unsupported(Exception):
    """Raised *by the function under test* to say a problem is outside what it supports.

    ``raise crosscheck.Unsupported("only sigmoid hidden layers")`` inside ``fn`` makes
    crosscheck skip that problem (counted and reported with the reason) instead of
    counting the exception as a failure. If every problem is unsupported, ``crosscheck
    verify`` exits 2.
    """
