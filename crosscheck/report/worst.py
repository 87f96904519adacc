"""The worst cases' reproductions: the Python that rebuilds a problem (kept, while the
examples stream past, only for the examples that can still be among the worst) and the
call that judges the pair again."""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from crosscheck.report.records import PairResult

__all__ = ["WorstCode", "call_code", "reproduction"]


class WorstCode:
    """``Problem.to_code()`` of the ``keep`` examples with the largest budget ratio seen.

    The report lists the ``keep`` worst *results* (an example x pair each); their examples
    are among the ``keep`` worst *examples* ranked by (largest ratio over their pairs,
    smallest id), so keeping those is enough, whatever comes later. Memory: ``keep``
    snippets, not one per example.
    """

    def __init__(self, keep: int) -> None:
        self.keep = keep
        self._heap: list[tuple[float, int, str]] = []  # (ratio, -id, code): the best on top

    def offer(self, example_id: int, outcomes: Iterable[PairResult], code: Callable[[], str]
              ) -> None:
        """Consider one example (its results and a function giving its code)."""
        ratios = [o.max_ratio for o in outcomes if o.status != "skipped"]
        if not ratios or self.keep <= 0:
            return
        ratio = max(ratios)
        ratio = math.inf if math.isnan(ratio) else ratio
        item = (ratio, -example_id)
        if len(self._heap) < self.keep:
            heapq.heappush(self._heap, (*item, code()))
        elif item > self._heap[0][:2]:
            heapq.heapreplace(self._heap, (*item, code()))

    @property
    def code(self) -> dict[int, str]:
        """``{example id: code}`` of the examples kept."""
        return {-neg_id: text for _, neg_id, text in self._heap}


def call_code(candidate: str, oracle: str) -> str:
    """Python that judges ``candidate`` against ``oracle`` on ``problem`` as the report
    did (``problem`` from ``Problem.to_code()``). ``candidate`` is ``handprop``, an oracle
    used as a candidate (torch, jax) or a function named ``module:qualname``."""
    lines = [
        "from crosscheck.budget import budget",
        "from crosscheck.judge import judge, reference, run_candidate",
        "b = budget(problem)",
    ]
    if ":" in candidate:  # a function of the user's, as the pytest plugin names it
        module, _, name = candidate.partition(":")
        lines[:0] = [f"from {module} import {name.split('.')[0]}"]
        lines.append(f"grads, error = run_candidate({name}, problem)")
    elif candidate == "handprop":
        lines[:0] = ["import handprop"]
        lines.append("grads, error = run_candidate(handprop.gradients, problem)")
    else:  # a framework judged as a candidate (torch, jax against the truth)
        lines.append(f"grads, error = reference({candidate!r}, problem, b).gradients, None")
    lines += [
        f"verdict = judge(grads, reference({oracle!r}, problem, b), b) if grads else None",
        "print(error or (verdict.status, verdict.ratio))",
    ]
    return "\n".join(lines)


def reproduction(entry: Mapping[str, Any]) -> str | None:
    """A worst case's whole snippet (its problem's code, then :func:`call_code`), or None
    when the report has no code for it."""
    code = entry.get("code")
    if not code:
        return None
    return f"{code}\n{call_code(entry['candidate'], entry['oracle'])}"
