"""A catalogue of realistic backpropagation bugs, to measure that ``crosscheck verify``
catches what it should.

Each mutant is a gradient function ``fn(weights, X, Y, activations, cost)`` with one
mistake (:mod:`.catalogue`); most are :func:`textbook`, a correct vectorised backprop
written apart from handprop's, with one part replaced (:mod:`.base`). ``crosscheck
mutants`` verifies each (:mod:`.run`) and writes ``reports/mutants.md`` and ``.json``
(:mod:`.render`). Every mutant is an attribute of this package, so
``crosscheck verify crosscheck.mutants:bias_gradient_averaged`` finds it.
"""

from typing import Any

from crosscheck.mutants.base import CORRECT, textbook
from crosscheck.mutants.catalogue import MUTANTS, Mutant

__all__ = ["CORRECT", "MUTANTS", "Mutant", "textbook"]


def __getattr__(name: str) -> Any:
    mutant = MUTANTS.get(name)
    if mutant is None:
        raise AttributeError(f"module 'crosscheck.mutants' has no attribute {name!r}")
    return mutant.function


def __dir__() -> list[str]:
    return sorted({*globals(), *MUTANTS})
