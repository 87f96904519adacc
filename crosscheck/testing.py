"""Assertion helpers for pytest suites (crosscheck's own gate and users' tests).

Failures raise ``AssertionError`` with a message that stands alone: which two
implementations, the dtype, the layer and row kind, the index, both values, the
tolerance and the budget ratio, the architecture, and a pasteable reproduction.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from crosscheck.compare import Comparison
from crosscheck.problem import Problem

if TYPE_CHECKING:  # pragma: no cover - typing only
    from crosscheck.search import VerifyResult

__all__ = ["assert_gradients_match", "describe_failure"]


def describe_failure(
    comparison: Comparison,
    problem: Problem,
    *,
    candidate_name: str,
    reference_name: str,
    dtype_note: str = "",
) -> str:
    """The standalone message for a failed comparison (every failing record listed)."""
    failing = [r for r in comparison.records if r.max_ratio > 1.0]
    lines = [
        f"{candidate_name} disagrees with {reference_name} beyond the error budget"
        f" ({problem.dtype}{dtype_note}):",
        *(f"  - {r.describe()}" for r in sorted(failing, key=lambda r: -r.max_ratio)),
        f"  problem: {problem.describe()}",
        "  reproduce with:",
        *(f"    {line}" for line in problem.to_code().splitlines()),
    ]
    return "\n".join(lines)


def assert_gradients_match(
    fn: Callable[..., Any], *, accept_inconclusive: bool = False, **options: Any
) -> VerifyResult:
    """Assert that ``fn`` (canonical, or in the convention ``options`` name) passes
    ``crosscheck.verify``.

    For users' own test suites: runs :func:`crosscheck.search.verify` with ``options``
    (``activations``, ``costs``, ``dtypes``, ``max_depth``, ``max_width``,
    ``max_examples``, ``seed``, ``oracle``, the convention's ``layout``, ``examples_as``,
    ``reduction``, ``factor``, ``per_example``, ``bias_shape``, ``returns``,
    ``labels_as``, ``bias_at``) and raises ``AssertionError`` with the standalone report
    (the minimal counterexample, where it differs, both values, the ratio, which oracles
    agree, and a pasteable reproduction) if it finds one. Returns the
    :class:`~crosscheck.search.VerifyResult` otherwise. An inconclusive search (no
    discrepancy, but some cost/output/dtype never judged with enough power) fails too,
    unless ``accept_inconclusive=True``.
    :class:`~crosscheck.errors.UsageError` (a ``ValueError``) for bad options.
    """
    __tracebackhide__ = True
    from crosscheck.search import format_result, verify

    result = verify(fn, **options)
    if result.status == "fail" or (result.status == "inconclusive" and not accept_inconclusive):
        raise AssertionError(format_result(result))
    return result
