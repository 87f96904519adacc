"""Every pair of the report judged on one generated example (handprop against the oracles,
the frameworks against the truth), and which oracles there are."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from crosscheck.report.records import PAIRS, Evaluation, PairResult, example_info

__all__ = ["evaluate", "oracle_table"]


def evaluate(example: Any, pairs: Sequence[tuple[str, str]] = PAIRS) -> Evaluation:
    """Judge every pair on one :class:`crosscheck.report.generate.Example`.

    The budget is computed once, before any oracle runs; each oracle runs once
    (:func:`crosscheck.judge.reference`); handprop runs through
    :func:`crosscheck.judge.run_candidate`; a framework used as a candidate must pass
    :func:`crosscheck.compare.layout_error` (its dtype, shape, finiteness); every
    judgement is :func:`crosscheck.judge.judge`. An oracle that raises gives ``error``
    results naming it (a crosscheck bug to look at, never a pass).
    """
    import handprop
    from crosscheck.budget import budget
    from crosscheck.compare import layout_error
    from crosscheck.judge import Verdict, judge, reference, run_candidate

    problem = example.drawn.problem
    info = example_info(problem, example.id, example.drawn.info)
    seconds: dict[str, float] = defaultdict(float)
    t = time.perf_counter()
    b = budget(problem)  # once per problem, before any oracle runs
    seconds["judge"] += time.perf_counter() - t
    refs: dict[str, Any] = {}
    for name in dict.fromkeys(n for pair in pairs for n in pair if n != "handprop"):
        t = time.perf_counter()
        try:
            refs[name] = reference(name, problem, b)
        except Exception as exc:  # an oracle's crash is reported, not fatal
            refs[name] = f"oracle {name} raised {type(exc).__name__}: {exc}"
        seconds[name] += time.perf_counter() - t
    t = time.perf_counter()
    candidates: dict[str, tuple[Any, str | None, str | None]] = {}
    if any(c == "handprop" for c, _ in pairs):
        grads, err = run_candidate(handprop.gradients, problem)
        candidates["handprop"] = (grads, err, None)
    seconds["handprop"] += time.perf_counter() - t

    outcomes = []
    for cand, orc in pairs:
        if cand not in candidates:
            ref = refs[cand]
            if isinstance(ref, str):
                candidates[cand] = (None, ref, None)
            elif ref.skipped is not None:
                candidates[cand] = (None, None, f"candidate {ref.skipped}")
            else:
                candidates[cand] = (ref.gradients, layout_error(ref.gradients, problem), None)
        grads, err, skipped = candidates[cand]
        ref = refs[orc]
        t = time.perf_counter()
        if err is not None:
            verdict = Verdict(orc, None, err, None)
        elif skipped is not None:
            verdict = Verdict(orc, None, None, skipped)
        elif isinstance(ref, str):
            outcomes.append(PairResult(info, cand, orc, "error", ref, ()))
            continue
        else:
            verdict = judge(grads, ref, b)
        seconds["judge"] += time.perf_counter() - t
        outcomes.append(PairResult.from_verdict(info, cand, orc, verdict))
    return Evaluation(outcomes, dict(seconds))


def oracle_table() -> dict[str, dict[str, Any]]:
    """``{name: {"kind", "available", "reason"}}`` for every registered oracle."""
    from crosscheck import oracles

    out = {}
    for name, mod in oracles.ORACLES.items():
        ok, why = mod.available()
        out[name] = {"kind": mod.KIND, "available": bool(ok), "reason": "" if ok else str(why)}
    return out
