"""crosscheck/budget/ulps.py against fresh measurements (crosscheck/budget/calibrate.py).

The constants are the worst rounding error of each formula measured against mpmath over
every library, route and dtype, with a margin (docs/ulp-bounds.md). Here a quick
calibration (a few hundred inputs per dtype, the worst inputs of docs/ulp-bounds.md
among them; jax's slow routes left out) must stay within them, so that a library version
that computes a formula worse fails; the slow test reruns the whole calibration.
"""

from __future__ import annotations

import mpmath
import numpy as np
import pytest

from crosscheck import spec
from crosscheck.budget import C_F, calibrate, ulps

WORST = (
    (-7.959065, 0.0),
    (-7.307323, 0.0),
    (-19.958920604951302, 0.0),
    (-25.052189, 0.0),
    (-0.8047101497650146, 0.0),
    (-32.17593359386075, 0.0),
    (-16.636286, 0.0),
    (-0.028037751, 0.0),
    (-1.0343757, 0.0),
    (-16.50467, 0.0),
    (7.3263373374938965, 0.0),
    (-7.341487884521484, 0.0),
    (-33.26633834838867, 0.5104705691337585),
    (-33.2707633972168, 0.0),
)
"""(z, y) where the full calibration found its worst cases (docs/ulp-bounds.md, the
table of constants): float64 gets them exactly, float32 rounded."""

GAPS = {("value", "silu"): 200.0, ("derivative", "silu"): 200.0}
"""Formulas whose error in the underflow range exceeds the budget's floor (C_F tiny):
jax's silu at z ~ -708 (float64) / -87 (float32), where sigmoid(z) is flushed to 0 before
the product with z (docs/ulp-bounds.md, "Where the model itself falls short")."""

TABLES = {"value": ulps.VALUE, "derivative": ulps.DERIVATIVE, "output": ulps.OUTPUT}


def _constant(key: tuple[str, str]) -> float:
    return TABLES[key[0]].get(key[1], C_F)


@pytest.fixture(scope="module")
def quick() -> list[calibrate.Row]:
    rows, _ = calibrate.measure(points=300, seed=1, extra=WORST, quick=True)
    return rows


def test_every_formula_has_a_measured_constant_or_the_default() -> None:
    assert set(ulps.VALUE) <= set(spec.ELEMENTWISE)
    assert set(ulps.DERIVATIVE) <= set(spec.ELEMENTWISE)
    assert set(ulps.OUTPUT) <= {*spec.SIGMOID_COSTS, *spec.SOFTMAX_COSTS}
    for key in calibrate.OPS:
        if key in calibrate.EXACT:  # mag = 0: the constant multiplies nothing
            assert key[1] not in TABLES[key[0]], key
        else:
            assert _constant(key) >= calibrate.OPS[key] and key[1] in TABLES[key[0]], key
    assert C_F == 8.0  # the default, and the underflow floor's multiplier


def test_every_library_stays_within_the_constants(quick: list[calibrate.Row]) -> None:
    over = [r for r in quick if r.key not in calibrate.EXACT and r.worst > _constant(r.key)]
    assert not over, "\n".join(f"{r} > {_constant(r.key)}" for r in over)
    assert {r.library for r in quick} >= {"handprop"}
    measured = {r.key for r in quick}
    assert measured == set(calibrate.OPS), set(calibrate.OPS) - measured


def test_the_formulas_charged_nothing_are_exact_but_the_leaky_slope(quick) -> None:
    """relu, identity and their derivatives are exact; leaky_relu's f' = 0.01 is not
    representable, so it is off by up to u |f'| (0.375 u in float32) where models.py
    charges nothing (reported in docs/ulp-bounds.md)."""
    for r in quick:
        if r.key in calibrate.EXACT:
            assert r.worst <= (1.0 if r.key == ("derivative", "leaky_relu") else 0.0), r


def test_the_underflow_floor_holds_but_for_the_known_gaps(quick) -> None:
    for r in quick:
        assert r.floor <= GAPS.get(r.key, 1.0), r


def test_the_measure_is_the_constant_the_model_needs() -> None:
    """tanh(0.5) computed 5 ulps too large needs C = error / (u |tanh(0.5)|) (mag = |a|);
    a sigmoid-cost delta off by about 5 u (|y| + |h|) needs about 5; an error within the underflow
    floor (C_F tiny) needs nothing, and the floor ratio says how much of it is used."""
    u = calibrate.unit_roundoff(np.float64)
    z = np.array([0.5])
    with mpmath.workdps(50):
        exact = mpmath.tanh(0.5)
        hi = np.array([float(exact)])
        lo = np.array([float(exact - hi[0])])
        got = hi.copy()
        for _ in range(5):
            got = np.nextafter(got, 2.0)
        want = float((mpmath.mpf(got[0]) - exact) / (u * exact))
    C, floor = calibrate.required(("value", "tanh"), np.float64, z, z, got, hi, lo)
    assert C[0] == pytest.approx(want, rel=1e-9) and floor[0] == 0.0 and 4 < want < 7
    y, h = np.array([0.25]), spec.sigmoid(z)
    d = y - h
    got = d + 5 * u * (y + h)  # the exact error: got - d (Sterbenz)
    C, _ = calibrate.required(("output", "log_likelihood"), np.float64, z, y, got, d, 0 * d)
    assert C[0] == pytest.approx((got - d)[0] / (u * (y + h)[0]), rel=1e-12)
    assert 4.5 < C[0] < 5.5
    tiny = np.finfo(np.float64).tiny
    C, floor = calibrate.required(("value", "sigmoid"), np.float64, np.array([-800.0]), y,
                                  np.array([C_F * tiny]), np.zeros(1), np.zeros(1))
    assert C[0] == 0.0 and floor[0] == pytest.approx(1.0)


def test_the_rule_doubles_and_rounds_up_but_never_below_the_operation_count() -> None:
    assert calibrate.constant(("output", "log_likelihood"), 32.5) == 65
    assert calibrate.constant(("derivative", "gelu"), 3.4) == calibrate.OPS[("derivative", "gelu")]
    assert calibrate.constant(("value", "sigmoid"), 2.86) == 6


@pytest.mark.slow
def test_the_full_calibration_derives_no_larger_constant() -> None:
    rows, _ = calibrate.measure()
    for key, (c, r) in calibrate.constants(rows).items():
        assert c <= _constant(key), (key, c, r)
