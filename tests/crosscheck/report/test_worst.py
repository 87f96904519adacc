"""The worst cases' code is kept while the examples stream past, for those that can still
be among the worst only; the call printed beside it judges the pair again.
"""

from __future__ import annotations

import numpy as np
from report_helpers import build_with_code
from report_helpers import outcome as _outcome

from crosscheck.report.records import PAIRS
from crosscheck.report.worst import WorstCode, call_code, reproduction


def test_worst_code_keeps_the_code_of_every_worst_case() -> None:
    rng = np.random.default_rng(4)
    keep = WorstCode(10)
    outs = []
    for i in range(200):
        ex = [_outcome(i, c, o, ratios=tuple(rng.uniform(0, 1, 2) ** 4)) for c, o in PAIRS]
        if i % 7 == 0:
            ex[2] = _outcome(i, "handprop", "mpmath", status="skipped", note="cap")
        outs += ex
        keep.offer(i, ex, lambda i=i: f"code {i}")
    assert len(keep.code) == 10
    rep = build_with_code(outs, keep.code)
    assert all(w["code"] == f"code {w['id']}" for w in rep["worst"])  # none missing


def test_call_code_names_the_candidate() -> None:
    assert "run_candidate(handprop.gradients, problem)" in call_code("handprop", "torch")
    assert "reference('torch', problem, b).gradients" in call_code("torch", "mpmath")
    user = call_code("tests.test_mine:Model.grads", "torch")
    assert "from tests.test_mine import Model" in user
    assert "run_candidate(Model.grads, problem)" in user
    assert reproduction({"code": None, "candidate": "x", "oracle": "y"}) is None
    entry = {"code": "problem = 1", "candidate": "handprop", "oracle": "jax"}
    assert reproduction(entry).startswith("problem = 1\nimport handprop")
