"""Evaluation judges every pair through crosscheck.judge; a wrong candidate FAILs; an
oracle that raises is an error, never a pass.
"""

from __future__ import annotations

import pytest
from report_helpers import N
from report_helpers import build as _build

from crosscheck.report.evaluate import evaluate
from crosscheck.report.generate import generate
from crosscheck.report.records import PAIRS


@pytest.fixture(scope="module")
def examples():
    return generate(N)


def test_evaluate_judges_every_pair(examples) -> None:
    ev = evaluate(examples[1])
    assert [(o.candidate, o.oracle) for o in ev.outcomes] == list(PAIRS)
    problem = examples[1].drawn.problem
    for o in ev.outcomes:
        assert o.example.id == 1 and o.example.sizes == problem.sizes
        if o.status == "compared":
            assert len(o.rows) == 2 * problem.depth
            assert [r.row_kind for r in o.rows[:2]] == ["bias", "weights"]
            assert o.rows[-1].position == "output"
            assert 0.0 <= o.max_ratio <= 1.0, o  # handprop and the oracles are correct
        else:
            assert o.note
    assert set(ev.seconds) >= {"handprop", "judge"}


def test_evaluate_fails_a_wrong_candidate(examples, monkeypatch) -> None:
    import handprop

    real = handprop.gradients

    def scaled(*args):
        return [g * (1 + 1e-3) for g in real(*args)]

    monkeypatch.setattr(handprop, "gradients", scaled)
    pairs = (("handprop", "finite_differences"), ("handprop", "mpmath"))
    ev = evaluate(examples[3], pairs=pairs)  # log_likelihood: no all-zero gradient
    assert all(o.status == "compared" and o.max_ratio > 1 for o in ev.outcomes)
    report = _build(ev.outcomes)
    assert {c["verdict"] for c in report["summary"]} == {"FAIL"}


def test_an_oracle_that_raises_is_an_error_not_a_pass(examples, monkeypatch) -> None:
    from crosscheck.oracles import finite_differences

    def boom(problem, **kw):
        raise RuntimeError("oracle exploded")

    monkeypatch.setattr(finite_differences, "gradients", boom)
    ev = evaluate(examples[0], pairs=(("handprop", "finite_differences"),))
    (o,) = ev.outcomes
    assert o.status == "error" and "oracle exploded" in o.note
    assert _build(ev.outcomes)["summary"][0]["verdict"] == "FAIL"
