"""What --show prints: an element within its budget says so ("<=", "within tolerance"),
one beyond it says ">" and "beyond the budget"; an exact 0 expected where every term is 0
is worded as such, not as a tolerance of 1e-300 and a ratio of 1e300.
"""

from __future__ import annotations

from report_helpers import outcome as _outcome

from crosscheck.report.records import Row
from crosscheck.report.show import describe_row, show_text


def _row(value, reference, tolerance, ratio) -> Row:
    d = abs(value - reference)
    return Row(0, "output", "weights", d, 0.0, ratio, 1, 0, value, reference, tolerance,
               1e-12, 1e-13)


def test_within_tolerance_is_worded_as_a_pass() -> None:
    text = describe_row(_row(1.0 + 1.78e-15, 1.0, 6.56e-14, 0.027), "float64")
    assert "|diff| = 1.78e-15 <= tolerance 6.56e-14: within tolerance" in text
    assert ">" not in text and "budget ratio 0.027" in text and "power 1e-12" in text


def test_beyond_the_budget_is_worded_as_a_failure() -> None:
    text = describe_row(_row(0.885618482667752, 1.771236965335504, 4.72e-15, 1.88e14),
                        "float64")
    assert "> tolerance 4.72e-15: beyond the budget (budget ratio 1.88e+14" in text


def test_an_exact_zero_expected_is_said_so() -> None:
    wrong = describe_row(_row(0.7, 0.0, 1e-306, 7e305), "float64")
    assert "expected exactly 0 (every term of this element is 0), got 0.7" in wrong
    assert "tolerance (underflow floor) 1e-306" in wrong and "e+305" not in wrong
    right = describe_row(_row(0.0, 0.0, 1e-306, 0.0), "float64")
    assert "expected exactly 0, got exactly 0" in right
    # a reference of 0 with an ordinary tolerance is an ordinary element
    assert "within tolerance" in describe_row(_row(1e-17, 0.0, 1e-15, 0.01), "float64")
    assert "underflow" in describe_row(_row(1e-3, 0.0, 1e-30, 1e27), "float32")


def test_show_text_lists_every_pair_and_a_call_that_judges_one() -> None:
    outs = [_outcome(3, "handprop", "torch", ratios=(0.1, 0.2)),
            _outcome(3, "handprop", "jax", ratios=(0.1, 2.0)),
            _outcome(3, "handprop", "mpmath", status="skipped", note="over its cap")]
    text, failed = show_text(3, "sizes=2-3-1", "regime typical", outs, "problem = ...")
    assert failed
    assert "- handprop vs torch: max budget ratio 0.2: pass" in text
    assert "- handprop vs jax: max budget ratio 2: FAIL" in text
    assert "- handprop vs mpmath: skipped (over its cap)" in text
    assert text.index("reproduce in Python:") < text.index("problem = ...")
    assert "run_candidate(handprop.gradients, problem)" in text
