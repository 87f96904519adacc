"""The mutant catalogue and ``crosscheck mutants``.

* the catalogue: at least 15 realistic bugs, each a canonical gradient function with a
  one-line description; its correct base (``textbook``) agrees with handprop;
* every mutant is really wrong (it differs from handprop beyond the budget on some
  problem) and ``verify`` with default options catches it (the full catalogue is slow);
* ``crosscheck mutants`` writes the md/json report (deterministic content, timings
  apart), exits 0 when every mutant is caught and every correct function passes, 2 for
  an unknown name; the committed ``reports/mutants.json`` covers the current catalogue.
"""

from __future__ import annotations

import inspect
import itertools
import json
from pathlib import Path

import numpy as np
import pytest

import crosscheck
import handprop
from crosscheck import cli, mutants
from crosscheck.budget import budget
from crosscheck.judge import check, judge, reference, run_candidate
from crosscheck.problem import make_problem

pytest.importorskip("torch")
pytest.importorskip("mpmath")

REPORTS = Path(__file__).resolve().parents[2] / "reports"
SIGNATURE = ["weights", "X", "Y", "activations", "cost"]


def test_the_catalogue_has_at_least_15_described_mutants():
    assert len(mutants.MUTANTS) >= 15
    for name, (fn, description) in mutants.MUTANTS.items():
        assert callable(fn) and fn.__name__ == name
        assert list(inspect.signature(fn).parameters) == SIGNATURE, name
        assert description and "\n" not in description and len(description) <= 100, name
    descriptions = [m.description for m in mutants.MUTANTS.values()]
    assert len(set(descriptions)) == len(descriptions)


def _problem(activations, cost, sizes=(2, 3, 3, 2), P=4, dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    weights = [rng.uniform(-1, 1, (a + 1, b)) for a, b in itertools.pairwise(sizes)]
    X = rng.uniform(-1, 1, (P, sizes[0]))
    Y = rng.uniform(0, 1, (P, sizes[-1]))
    return make_problem(
        [w.astype(dtype) for w in weights], X.astype(dtype), Y.astype(dtype), activations, cost
    )


def test_textbook_agrees_with_handprop():
    for acts, cost in [
        (["tanh", "gelu", "sigmoid"], "log_likelihood"),
        (["elu", "softplus", "softmax"], "softmax_cross_entropy"),
        (["relu", "silu", "tanh"], "squared_error"),
    ]:
        for dtype in (np.float32, np.float64):
            p = _problem(acts, cost, dtype=dtype)
            grads, err = run_candidate(mutants.textbook, p)
            assert err is None, err
            b = budget(p)
            verdict = judge(grads, reference("torch", p, b), b)
            assert verdict.passed, verdict


def test_textbook_passes_verify():
    assert crosscheck.verify(mutants.textbook, max_examples=40, seed=11).passed


@pytest.mark.parametrize("name", list(mutants.MUTANTS))
def test_every_mutant_is_caught_at_the_default_budget(name):
    """verify with default options (200 examples, seed 0) catches every mutant."""
    result = crosscheck.verify(mutants.MUTANTS[name].function)
    assert not result.passed, f"{name}: {mutants.MUTANTS[name].description} was not caught"
    assert check(handprop.gradients, result.counterexample.problem).passed


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_mutant_is_caught_whatever_the_seed(seed):
    missed = [
        name
        for name, m in mutants.MUTANTS.items()
        if crosscheck.verify(m.function, seed=seed).passed
    ]
    assert not missed, f"not caught with seed {seed}: {missed}"


def test_the_command_writes_the_report(tmp_path, capsys):
    names = ["bias_gradient_averaged", "output_deltas_summed"]
    rc = cli.main(["mutants", "--only", ",".join(names), "--out", str(tmp_path)])
    out, err = capsys.readouterr()
    assert rc == 0, out + err
    assert "2 of 2 mutants caught" in out
    assert "[1/2] bias_gradient_averaged: caught after" in err  # progress on stderr
    payload = json.loads((tmp_path / "mutants.json").read_text())
    rows = {r["name"]: r for r in payload["rows"]}
    assert set(rows) == set(names) and all(r["caught"] and r["ok"] for r in rows.values())
    assert rows["bias_gradient_averaged"]["P"] == 2
    assert rows["output_deltas_summed"]["sizes"] == [1, 2]
    md = (tmp_path / "mutants.md").read_text()
    assert "| `bias_gradient_averaged` |" in md and "2 of 2 mutants caught" in md
    timing = json.loads((tmp_path / "mutants-timing.json").read_text())
    assert set(timing["seconds"]) == set(names)
    # deterministic content: a second run writes the same md and json
    first = (md, (tmp_path / "mutants.json").read_text())
    assert cli.main(["mutants", "--only", ",".join(names), "--out", str(tmp_path)]) == 0
    capsys.readouterr()
    assert first == ((tmp_path / "mutants.md").read_text(), (tmp_path / "mutants.json").read_text())


def test_an_unknown_mutant_exits_2(capsys):
    assert cli.main(["mutants", "--only", "no_such_bug", "--no-write"]) == 2
    assert "unknown mutant" in capsys.readouterr().err


def test_the_committed_report_covers_the_catalogue():
    payload = json.loads((REPORTS / "mutants.json").read_text())
    rows = {r["name"]: r for r in payload["rows"]}
    for name, m in mutants.MUTANTS.items():
        assert name in rows, f"reports/mutants.json lacks {name}: rerun `crosscheck mutants`"
        assert rows[name]["description"] == m.description
        assert rows[name]["caught"], f"{name} not caught in the committed report"
    assert rows["handprop.gradients"]["caught"] is False
    assert payload["ok"] is True
