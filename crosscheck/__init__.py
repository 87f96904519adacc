"""crosscheck: hand-derived gradients checked against independent oracles.

What users call (everything else lives in its module; ``docs/architecture.md`` maps them):

* :func:`verify` - search for a problem on which ``fn(weights, X, Y, activations, cost)``
  disagrees with the oracles beyond the error budget (``crosscheck verify`` on the
  command line);
* :func:`assert_gradients_match` - the same search as a pytest assertion;
* :func:`check_gradients` - judge ``fn`` on one given problem (a :class:`CheckResult`);
* :class:`Problem`, :func:`make_problem` - the canonical gradient question;
* :func:`problems` - the Hypothesis strategy of problems, for a user's own properties;
* :class:`UsageError` - what every bad argument, option, target or file raises;
* :class:`Unsupported` - what a function under test raises to skip a problem it does not
  support;
* :func:`adapt` - a canonical gradient function from one in another layout or reduction.

Importing crosscheck is light: each name is imported from its module on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover - typing only
    from crosscheck.conventions import adapt
    from crosscheck.errors import Unsupported, UsageError
    from crosscheck.problem import Problem, make_problem
    from crosscheck.search import verify
    from crosscheck.strategies import problems
    from crosscheck.testing import assert_gradients_match
    from crosscheck.verdict import CheckResult, check_gradients

__all__ = [
    "CheckResult",
    "Problem",
    "Unsupported",
    "UsageError",
    "adapt",
    "assert_gradients_match",
    "check_gradients",
    "make_problem",
    "problems",
    "verify",
]

_HOMES = {
    "CheckResult": "crosscheck.verdict",
    "Problem": "crosscheck.problem",
    "Unsupported": "crosscheck.errors",
    "UsageError": "crosscheck.errors",
    "adapt": "crosscheck.conventions",
    "assert_gradients_match": "crosscheck.testing",
    "check_gradients": "crosscheck.verdict",
    "make_problem": "crosscheck.problem",
    "problems": "crosscheck.strategies",
    "verify": "crosscheck.search",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'crosscheck' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
