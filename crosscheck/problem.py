"""The ``Problem``: one gradient question that every part of crosscheck passes around.

A problem is the canonical argument list of a gradient function
``fn(weights, X, Y, activations, cost)`` (DEVELOPERS.md): ``weights[l]`` of shape
``(N_l + 1, N_{l+1})`` with row 0 the bias (the seed's w^l), ``X`` ``(P, Q)``, ``Y``
``(P, N_L)``, ``activations`` one name per layer 1..L, ``cost`` a name from
:data:`crosscheck.spec.COSTS`. Its dtype is the arrays' dtype (float32 or float64).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from crosscheck.validation import problem_arrays

__all__ = ["Problem", "check_family", "family", "make_problem", "mirror"]


class Problem(NamedTuple):
    """weights, X, Y, activations, cost: the canonical gradient question (validated)."""

    weights: tuple[np.ndarray, ...]
    X: np.ndarray
    Y: np.ndarray
    activations: tuple[str, ...]
    cost: str

    @property
    def dtype(self) -> np.dtype:
        """The problem's dtype, float32 or float64."""
        return self.X.dtype

    @property
    def sizes(self) -> tuple[int, ...]:
        """Layer sizes (Q, N_1, ..., N_L)."""
        return (self.weights[0].shape[0] - 1, *(w.shape[1] for w in self.weights))

    @property
    def depth(self) -> int:
        """L, the number of weight layers."""
        return len(self.weights)

    @property
    def P(self) -> int:
        """The number of examples."""
        return self.X.shape[0]

    def astype(self, dtype: np.dtype | type) -> Problem:
        """The same problem with every array converted to ``dtype``."""
        return Problem(
            tuple(w.astype(dtype) for w in self.weights),
            self.X.astype(dtype),
            self.Y.astype(dtype),
            self.activations,
            self.cost,
        )

    def example(self, p: int) -> Problem:
        """The same question for example ``p`` alone (P = 1)."""
        return self._replace(X=self.X[p : p + 1], Y=self.Y[p : p + 1])

    def mirrored(self) -> Problem:
        """The same question with the examples, inputs, hidden units and outputs in reverse
        order: another problem of the same shapes and the same numbers, whose gradients are
        this one's mirrored (:func:`mirror`), up to the order of the sums."""
        return Problem(
            tuple(mirror(w) for w in self.weights),
            np.ascontiguousarray(self.X[::-1, ::-1]),
            np.ascontiguousarray(self.Y[::-1, ::-1]),
            self.activations,
            self.cost,
        )

    def args(self) -> tuple:
        """The positional arguments of a canonical gradient function."""
        return (list(self.weights), self.X, self.Y, list(self.activations), self.cost)

    def to_code(self) -> str:
        """A self-contained Python snippet that rebuilds this problem exactly.

        Values are written as float64 literals (``repr`` round-trips exactly, and float32
        values are exactly representable in float64) and cast back to the dtype.
        """

        def arr(a: np.ndarray) -> str:
            return f"np.array({a.astype(np.float64).tolist()!r}, dtype=dtype)"

        lines = [
            "import numpy as np",
            "from crosscheck.problem import make_problem",
            f"dtype = np.{self.dtype.name}",
            "weights = [",
            *(f"    {arr(w)}," for w in self.weights),
            "]",
            f"X = {arr(self.X)}",
            f"Y = {arr(self.Y)}",
            f"problem = make_problem(weights, X, Y, {list(self.activations)!r}, {self.cost!r})",
        ]
        return "\n".join(lines)

    def describe(self) -> str:
        """A one-line summary: sizes, activations, cost, dtype, P."""
        return (
            f"sizes={'-'.join(map(str, self.sizes))} activations={','.join(self.activations)} "
            f"cost={self.cost} dtype={self.dtype} P={self.P}"
        )


def mirror(w: np.ndarray) -> np.ndarray:
    """A weight matrix (or its gradient) of :meth:`Problem.mirrored`: the bias row's columns
    and the weight rows' rows and columns in reverse order (an involution)."""
    out = np.empty_like(w)
    out[0] = w[0, ::-1]
    out[1:] = w[1:][::-1, ::-1]
    return out


def make_problem(
    weights: Sequence[np.ndarray],
    X: np.ndarray,
    Y: np.ndarray,
    activations: Sequence[str],
    cost: str,
) -> Problem:
    """Validate (:func:`crosscheck.validation.problem_arrays`) and build a :class:`Problem`.

    Raises :class:`~crosscheck.errors.UsageError` (a ``ValueError``) naming the argument.
    """
    weights, X, Y = problem_arrays(weights, X, Y, activations, cost)
    return Problem(tuple(weights), X, Y, tuple(activations), cost)


def family(problem: Problem) -> tuple:
    """What problems must share to be computed as one batch: sizes (Q, N_1, ..., N_L), P,
    activations, cost and dtype name (they differ only in their numbers)."""
    return (problem.sizes, problem.P, problem.activations, problem.cost, problem.dtype.name)


def check_family(problems: Sequence[Problem]) -> tuple:
    """The :func:`family` shared by every one of ``problems`` (a batch); raises
    ``ValueError`` naming ``problems`` when there are none or two families differ."""
    if not problems:
        raise ValueError("problems: expected at least one problem in a batch, got none")
    first = family(problems[0])
    for i, p in enumerate(problems):
        if family(p) != first:
            raise ValueError(
                f"problems: a batch shares sizes, P, activations, cost and dtype; problem {i} "
                f"is {p.describe()}, problem 0 {problems[0].describe()}"
            )
    return first
