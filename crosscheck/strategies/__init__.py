"""Hypothesis strategies that generate gradient problems (:class:`crosscheck.problem.Problem`).

* :func:`problems` / :func:`problems_with_info` (:mod:`.problems`): whole problems, with
  the record of how each was drawn; :func:`problem_batches`: batches of problems of one
  architecture and kinds that differ in their numbers (one oracle call per batch);
* :func:`architectures` (:mod:`.architectures`): depth, widths, activations and cost;
* :func:`weights_for`, :func:`inputs`, :func:`labels_for` (:mod:`.data`): the numbers,
  in weight regimes and input/label kinds that reach saturation, cancellation, zeros and
  repeats;
* :func:`without_local_constants` (:mod:`.determinism`): draws that depend on the seed
  and the options only.

Every option is validated once by :func:`crosscheck.options.problem_space`; the regimes'
scales and constants live in :mod:`.data` and :mod:`crosscheck.options`.
"""

from crosscheck.strategies.architectures import Architecture, architectures
from crosscheck.strategies.data import (
    X_KINDS,
    Y_KINDS,
    Inputs,
    Labels,
    Weights,
    inputs,
    labels_for,
    weights_for,
)
from crosscheck.strategies.determinism import without_local_constants
from crosscheck.strategies.problems import (
    BATCH,
    Batch,
    Drawn,
    DrawnProblem,
    batches_in,
    problem_batches,
    problems,
    problems_in,
    problems_with_info,
)

__all__ = [
    "BATCH",
    "X_KINDS",
    "Y_KINDS",
    "Architecture",
    "Batch",
    "Drawn",
    "DrawnProblem",
    "Inputs",
    "Labels",
    "Weights",
    "architectures",
    "batches_in",
    "inputs",
    "labels_for",
    "problem_batches",
    "problems",
    "problems_in",
    "problems_with_info",
    "weights_for",
    "without_local_constants",
]
