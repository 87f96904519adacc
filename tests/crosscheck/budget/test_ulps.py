"""crosscheck/budget/ulps.py against fresh measurements (crosscheck/budget/calibrate.py).

The constants are, per dtype, the worst rounding error of each formula measured against
mpmath over every library and route, with a margin (docs/ulp-bounds.md). Here a quick
calibration (a few hundred inputs per dtype, the worst inputs of docs/ulp-bounds.md and
the softmax corners among them; jax's slow routes left out) must stay within them, so
that a library version that computes a formula worse fails; the slow test reruns the
whole calibration.
"""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
from required import require_oracle

from crosscheck import spec
from crosscheck.budget import C_F, calibrate, ulps

WORST = (
    (-13.807168, 0.0),
    (-16.601263, 0.0),
    (-31.1726131439209, 0.0),
    (-14.518790245056152, 0.0),
    (0.02763917, 0.0),
    (5.511343, 0.0),
    (19.980143736229422, 0.0),
    (-19.958920604951302, 0.0),
    (-25.052189, 0.0),
    (-0.8047101497650146, 0.0),
    (-39.135838, 0.0),
    (-32.17593359386075, 0.0),
    (-32.1725, 0.3),
    (-33.26633834838867, 0.5104705691337585),
    (-16.63677, 0.0),
    (-0.028037751, 0.0),
    (-13.806208, 0.0),
    (-14.175491, 0.0),
    (7.330587454309947, 0.0),
    (-7.341487884521484, 0.0),
    (-30.763176, 0.0),
    (-708.3973165946226, 0.0),
    (-87.3, 0.0),
)
"""(z, y) where the full calibration found its worst cases (docs/ulp-bounds.md, the
table of constants), the jax log-likelihood corners (log sigmoid's rounding) and silu's
underflow (jax flushes sigmoid(z) before the product with z): float64 gets them exactly,
float32 rounded."""

CORNERS = (
    ([0.10438950047085853, -512.1798153061496, -0.5057144852914293], [1.0, 0.0, 0.0]),
    ([0.39744195342063904, -63.66004180908203, 0.07423310726881027], [1.0, 0.0, 0.0]),
)
"""The softmax corners of float64 and float32 (a targeted search: a logit just below
max z - 2^k, k = 9 and 6): torch's delta through log_softmax is off by 1015 u h (float64),
where z - max z and log s each round by about 512 u; without the h |log s| charge the
cost's constant would have to be 166 (float64) and 19 (float32)."""


def _constant(key: tuple[str, str], dtype: str) -> float:
    return ulps.constant(*key, dtype)


@pytest.fixture(scope="module")
def quick() -> list[calibrate.Row]:
    rows, _ = calibrate.measure(points=300, seed=1, extra=WORST, quick=True, rows=CORNERS)
    return rows


def test_every_formula_has_a_measured_constant_per_dtype() -> None:
    tables = {"value": ulps.VALUE, "derivative": ulps.DERIVATIVE, "output": ulps.OUTPUT}
    for table in tables.values():
        assert set(table) == set(ulps.DTYPES)
    for dtype in ulps.DTYPES:
        assert set(ulps.VALUE[dtype]) <= set(spec.ELEMENTWISE)
        assert set(ulps.DERIVATIVE[dtype]) <= set(spec.ELEMENTWISE)
        assert set(ulps.OUTPUT[dtype]) <= {*spec.SIGMOID_COSTS, *spec.SOFTMAX_COSTS}
        for key in calibrate.OPS:
            listed = key[1] in tables[key[0]][dtype]
            if key in calibrate.EXACT:  # mag = 0: the constant multiplies nothing
                assert not listed, key
            else:
                assert listed and _constant(key, dtype) >= calibrate.OPS[key], key
    assert C_F == 8.0  # the default, and the underflow floor's multiplier


def test_every_library_stays_within_its_dtypes_constants(quick: list[calibrate.Row]) -> None:
    over = [r for r in quick
            if r.key not in calibrate.EXACT and r.worst > _constant(r.key, r.dtype)]
    assert not over, "\n".join(f"{r} > {_constant(r.key, r.dtype)}" for r in over)
    assert {r.library for r in quick} >= {"handprop"}
    assert {r.key for r in quick} == set(calibrate.OPS)
    assert {r.dtype for r in quick} == set(ulps.DTYPES)


def test_the_formulas_charged_nothing_are_exact(quick) -> None:
    """relu, identity and their derivatives, and leaky_relu's derivative for z > 0."""
    assert ("derivative", "leaky_relu") not in calibrate.EXACT  # its slope 0.01 is inexact
    for r in quick:
        if r.key in calibrate.EXACT:
            assert r.worst == 0.0, r


def test_the_underflow_floor_holds(quick) -> None:
    """Everywhere, jax's silu included (its floor grows with |z|: models.py)."""
    for r in quick:
        assert r.floor <= 1.0, r


def test_the_softmax_corner_needs_the_log_s_charge() -> None:
    """At the float64 corner torch's delta (through log_softmax) is off by more than
    1000 u h: beyond the shift's charge |z - max z| + (N_L + 1) + 3 N_L (with C = 3) by
    far, within it once h |log s| is charged too (C = 0 suffices)."""
    torch_autograd = require_oracle("torch")
    Z, Y = (np.array([x]) for x in CORNERS[0])
    hi, lo = calibrate.exact_softmax_delta(Z, Y)
    got = calibrate.output_deltas(torch_autograd.gradients, 1, "softmax_log_likelihood", Z, Y,
                                  np.float64)
    u, h = calibrate.unit_roundoff(np.float64), spec.softmax(Z)
    err = np.abs((got - hi) - lo)[0, 1] / (u * h[0, 1])
    shift = abs(Z[0, 1] - Z.max())
    assert err > 1000 and err > shift + 4 + 3 * 3 + 400
    assert err < shift + abs(spec.log_softmax(Z)[0, 1]) + 4 + 3 * 3
    C, _ = calibrate.required(("output", "softmax_log_likelihood"), np.float64, Z, Y, got, hi, lo)
    assert C.max() == 0.0


def test_log_sigmoid_rounding_is_charged_once_and_capped() -> None:
    """A sigmoid-cost delta off by exactly u log_rounding(z) |y| sigma(-z) needs C = 0 (the
    rounding of log sigma(+-z) is charged once, not times C); log_rounding peaks at 33.2
    (float64) and 14.0 (float32), where |z| e^|z| = 1/u."""
    from crosscheck.budget.models import log_rounding

    u = calibrate.unit_roundoff(np.float64)
    z, y = np.array([-32.1725]), np.array([0.3])
    d = y * spec.sigmoid(-z) - (1 - y) * spec.sigmoid(z)
    got = d + u * log_rounding(z, u) * y * spec.sigmoid(-z)
    C, _ = calibrate.required(("output", "log_likelihood"), np.float64, z, y, got, d, 0 * d)
    assert C[0] < 1e-3
    grid = np.linspace(0, 60, 600001)
    for dtype, peak in ((np.float64, 33.2), (np.float32, 14.0)):
        r = log_rounding(grid, calibrate.unit_roundoff(dtype))
        assert r.max() == pytest.approx(peak, abs=0.05)
        assert grid[np.argmax(r)] == pytest.approx(peak, abs=0.05)


def test_the_measure_is_the_constant_the_model_needs() -> None:
    """tanh(0.5) computed 5 ulps too large needs C = error / (u |tanh(0.5)|) (mag = |a|);
    a sigmoid-cost delta off by about 5 u (|y| + |h|) beyond the log sigmoid rounding's
    charge needs about 5; an error within the underflow floor (C_F tiny) needs nothing,
    and the floor ratio says how much of it is used."""
    from crosscheck.budget.models import log_rounding

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
    rest = log_rounding(z, u) * (y * spec.sigmoid(-z) + h)
    got = d + u * (5 * (y + h) + rest)
    C, _ = calibrate.required(("output", "log_likelihood"), np.float64, z, y, got, d, 0 * d)
    assert C[0] == pytest.approx(((got - d) / u - rest)[0] / (y + h)[0], rel=1e-9)
    assert 4.5 < C[0] < 5.5
    tiny = np.finfo(np.float64).tiny
    C, floor = calibrate.required(("value", "sigmoid"), np.float64, np.array([-800.0]), y,
                                  np.array([C_F * tiny]), np.zeros(1), np.zeros(1))
    assert C[0] == 0.0 and floor[0] == pytest.approx(1.0)
    C, floor = calibrate.required(("value", "silu"), np.float64, np.array([-800.0]), y,
                                  np.array([C_F * tiny * 801]), np.zeros(1), np.zeros(1))
    assert C[0] == 0.0 and floor[0] == pytest.approx(1.0)  # silu's floor: (1 + |z|) C_F tiny


def test_the_rule_doubles_and_rounds_up_but_never_below_the_operation_count() -> None:
    assert calibrate.constant(("output", "log_likelihood"), 32.5) == 65
    assert calibrate.constant(("derivative", "gelu"), 3.4) == calibrate.OPS[("derivative", "gelu")]
    assert calibrate.constant(("value", "sigmoid"), 2.86) == 6
    assert calibrate.constant(("output", "softmax_log_likelihood"), 0.0) == 3


@pytest.mark.slow
def test_the_full_calibration_derives_no_larger_constant() -> None:
    rows, _ = calibrate.measure(rows=CORNERS)
    for dtype, table in calibrate.constants(rows).items():
        for key, (c, r) in table.items():
            assert c <= _constant(key, dtype), (dtype, key, c, r)
