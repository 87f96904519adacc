"""Calibration of the judge: the tolerance is where the budget says, and the budget is no
looser than correct code needs (docs/error-budget.md, "How the suite pins the budget").

1. **Element by element, every oracle, both dtypes.** On drawn problems, every element of
   handprop's gradient is in turn set to the oracle's reference plus ``k T`` (``T`` the
   judge's tolerance there, ``K u S`` plus the oracle's own bound): ``k = 2`` must fail,
   with that element the worst, and ``k = 1/2`` must pass. The element is moved from the
   *reference*, not from handprop's value, so handprop's own error does not add to the
   shift: the only slack is the rounding of ``R + k T`` to the problem's dtype, at most
   ``u |R + k T|``, and ``T >= K u S >= 4 u |R|`` (S bounds |g| from above: eq. 9 sums
   |a| |delta| over the P examples, times P), so the element's ratio is within
   ``k +- (1/4 + k u)``.
2. **The budget's size.** Over a derandomised gate-like run, the worst ratio a correct
   implementation (handprop against the truth and against torch) reaches must be at least
   :data:`FLOOR` per dtype: a budget a few times too loose (K made 4x larger, or S
   inflated) fails here, where every planted bug would still be caught far above it.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import handprop
from crosscheck import oracles, strategies
from crosscheck.budget import budget, ratios
from crosscheck.judge import judge, reference, run_candidate

ORACLES = ("torch", "jax", "mpmath", "extended", "finite_differences")
DTYPES = ("float32", "float64")

SIZES = dict(max_depth=3, max_width=4, max_q=4, max_p=6)
"""Problems every oracle answers quickly (mpmath is a scalar tape in Python)."""

EXAMPLES = {"jax": 6}
"""Problems per oracle and dtype (default :data:`DEFAULT_EXAMPLES`); jax compiles anew
for most shapes and activations (seconds each), so it gets fewer."""
DEFAULT_EXAMPLES = 20

SLACK = 0.25
"""The rounding of ``R + k T`` to the problem's dtype, in units of T (module docstring)."""


def _require(name: str):
    """The oracle module; unavailable is a failure here, never a silent pass."""
    mod = oracles.get(name)
    ok, why = mod.available()
    if not ok:  # pragma: no cover - the installation is broken
        pytest.fail(f"oracle {name} unavailable: {why} (the calibration needs every oracle)")
    return mod


def _handprop(problem):
    grads, err = run_candidate(handprop.gradients, problem)
    assert err is None, f"handprop.gradients failed on {problem.describe()}: {err}"
    return grads


def _moved(grads, l, idx, value):
    out = [g.copy() for g in grads]
    out[l][idx] = value  # rounded to the problem's dtype by the assignment
    return out


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("oracle", ORACLES)
def test_every_element_moved_by_two_tolerances_fails_and_by_half_passes(
    oracle: str, dtype: str
) -> None:
    mod = _require(oracle)
    judged = []

    @settings(
        max_examples=EXAMPLES.get(oracle, DEFAULT_EXAMPLES),
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(problem=strategies.problems(dtypes=[dtype], **SIZES), sign=st.sampled_from([-1, 1]))
    def check(problem, sign):
        grads = _handprop(problem)
        b = budget(problem)
        ref = reference(mod, problem, b)
        assert ref.skipped is None, ref.skipped
        base = judge(grads, ref, b)
        assert base.passed, f"handprop itself fails against {oracle}: {problem.describe()}"
        for l, (r, tol) in enumerate(zip(ref.gradients, b.tolerance(), strict=True)):
            T = tol if ref.extra is None else tol + ref.extra[l]
            for idx in np.ndindex(r.shape):
                for k in (2.0, 0.5):
                    moved = _moved(grads, l, idx, r[idx] + sign * k * T[idx])
                    v = judge(moved, ref, b)
                    q = ratios(moved, ref.gradients, b, extra=ref.extra)[l][idx]
                    where = f"{problem.describe()}: layer {l} {idx} moved by {k} T"
                    assert abs(q - k) <= SLACK + k * b.u, f"{where}: ratio {q}"
                    if k > 1:
                        worst = v.comparison.worst
                        assert not v.passed, f"{where} passed"
                        assert (worst.layer, worst.index) == (l, idx), where
                        assert worst.tolerance == T[idx], where
                    else:
                        assert v.passed, f"{where} failed: ratio {v.ratio}"
        judged.append(problem)

    check()
    assert len(judged) == EXAMPLES.get(oracle, DEFAULT_EXAMPLES)  # no draw was discarded


# ----------------------------------------------------------------------- the budget's size

PIN_EXAMPLES = 200
PIN_SIZES = dict(max_depth=4, max_width=6, max_q=6, max_p=8)
PIN_ORACLES = ("extended", "torch")

FLOOR = {"float32": 0.035, "float64": 0.025}
"""The least worst ratio the run below must reach, per dtype: about a third of what it
reaches here (docs/error-budget.md, "How the suite pins the budget": 0.103 in float32,
0.071 in float64), so that a tolerance 4x too loose falls below it (0.026, 0.018) and 2x
does not, while the platform's own rounding (another BLAS, another CPU) has a factor 2.9
of room."""


def test_correct_code_comes_close_to_the_budget() -> None:
    """handprop against the truth (extended precision) and torch on a derandomised run of
    gate-like problems: every pair passes, and the worst ratio per dtype is at least
    :data:`FLOOR`. K 4x larger (or S 4x inflated) would leave it below."""
    for name in PIN_ORACLES:
        _require(name)
    worst: dict[str, float] = defaultdict(float)
    where: dict[str, str] = {}
    count: dict[str, int] = defaultdict(int)

    @settings(
        max_examples=PIN_EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(problem=strategies.problems(**PIN_SIZES))
    def run(problem):
        grads = _handprop(problem)
        b = budget(problem)
        dtype = problem.dtype.name
        count[dtype] += 1
        for name in PIN_ORACLES:
            v = judge(grads, reference(name, problem, b), b)
            assert v.skipped is None and v.passed, f"{name}: {problem.describe()}"
            if v.ratio > worst[dtype]:
                worst[dtype], where[dtype] = v.ratio, f"{name} on {problem.describe()}"

    run()
    assert sum(count.values()) == PIN_EXAMPLES
    for dtype in DTYPES:
        assert count[dtype] >= PIN_EXAMPLES // 4, f"only {count[dtype]} {dtype} problems drawn"
        assert worst[dtype] >= FLOOR[dtype], (
            f"the worst budget ratio of correct code in {dtype} is {worst[dtype]:.3g} "
            f"({where.get(dtype)}), below {FLOOR[dtype]}: the budget is looser than it was "
            "calibrated (K or S inflated?)"
        )
