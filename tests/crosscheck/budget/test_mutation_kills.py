"""Tests that kill the mutants of crosscheck.budget (budget, chains, models, values and
the analysis) that the rest of the suite let survive (docs/mutation.md lists them with
their verdicts)."""

from __future__ import annotations

import itertools
import math

import numpy as np

from crosscheck.budget import budget, chains, models
from crosscheck.problem import make_problem


def test_the_underflow_floor_is_at_least_the_smallest_normal_number() -> None:
    """An all-zero problem: every quantity is 0, only the underflow floor remains, and a
    correct evaluation may be off by a flushed operation, the smallest normal number.
    Kills budget.x_budget__mutmut_4 (eta = C_F tiny u instead of C_F tiny / u: u S would
    be ~1e-32 times smaller)."""
    for dtype in (np.float32, np.float64):
        p = make_problem(
            [np.zeros((2, 1), dtype), np.zeros((2, 1), dtype)],
            np.zeros((3, 1), dtype),
            np.zeros((3, 1), dtype),
            ["identity", "identity"],
            "squared_error",
        )
        b = budget(p)
        tiny = float(np.finfo(dtype).tiny)
        for s in b.scale:
            assert np.all(b.u * s >= tiny), (dtype, s)


def test_the_work_cap_is_passed_to_the_analysis() -> None:
    """Kills budget.x_budget__mutmut_14, _21 (``work_cap`` dropped: the default cap used):
    a cap of 0 allows no Jacobian window (window 1), the default one spans the 6-layer
    net."""
    rng = np.random.default_rng(0)
    weights = [rng.normal(size=(3, 2)) for _ in range(5)] + [rng.normal(size=(3, 1))]
    p = make_problem(
        weights, rng.normal(size=(4, 2)), rng.normal(size=(4, 1)),
        ["tanh"] * 5 + ["identity"], "squared_error",
    )
    assert budget(p, work_cap=0).window == 1
    assert budget(p).window > 1


def test_the_budget_counts_kink_units_and_names_its_dtype() -> None:
    """Kills budget.x_budget__mutmut_27 (kink_units None), _29 and _35 (the dtype's name
    lost: "float64" by default). A relu unit with z = 0 exactly lies on its kink."""
    for dtype in (np.float32, np.float64):
        p = make_problem(
            [np.array([[0.0], [1.0]], dtype), np.array([[0.0], [1.0]], dtype)],
            np.array([[0.0]], dtype),
            np.array([[1.0]], dtype),
            ["relu", "identity"],
            "squared_error",
        )
        b = budget(p)
        assert b.kink_units == 1 and b.near_kink
        assert b.dtype == np.dtype(dtype).name


def test_kink_units_of_every_relu_layer_are_counted() -> None:
    """Two relu layers on their kinks: every unit of both counts, per example. Layer 1's
    weights and biases are 0, so z^1 = 0 for its 2 units; then a^1 = 0 and layer 2's zero
    biases give z^2 = 0 for its 3 units; with P = 3 that is (2 + 3) x 3 = 15 units.
    Kills budget.analysis.x__chunk__mutmut_259 (``kinks =`` for ``kinks +=``: only the
    last relu layer's 3 x 3 counted)."""
    rng = np.random.default_rng(0)
    w = [np.zeros((3, 2)), np.vstack([np.zeros((1, 3)), rng.normal(size=(2, 3))]),
         rng.normal(size=(4, 1))]
    X, Y = rng.normal(size=(3, 2)), rng.normal(size=(3, 1))
    b = budget(make_problem(w, X, Y, ["relu", "relu", "identity"], "squared_error"))
    assert b.kink_units == (2 + 3) * 3 and b.near_kink


def test_the_window_rounding_is_highams_gamma_with_its_margin() -> None:
    """chains.rounding, the documented gamma = 1.01 B (max width + 1) 2^-53, for widths
    2, 7, 3 and B = 4: 1.01 * 4 * 8 * 2^-53. Kills budget.chains.x_rounding__mutmut_2 to
    _11 (a factor, an operator or the exponent changed)."""
    assert chains.rounding([2, 7, 3], 4) == 1.01 * 32 * 2.0**-53


def test_the_window_work_counts_each_pairs_products() -> None:
    """chains._work, counted by hand for widths 2-3-4-5 (L = 3), P = 2, B = 2: only the
    pair (l, m) = (3, 1) has l - m >= 2, costing N_1 N_2 N_3 = 3 * 4 * 5 per example.
    Kills budget.chains.x__work__mutmut_5 (the count started at 1)."""
    assert chains._work([2, 3, 4, 5], 2, 2) == 2 * 60
    assert chains._work([2, 3, 4, 5, 6], 1, 3) == 3 * 4 * 5 + 4 * 5 * 6 + 3 * 4 * 6


def test_step_norms_bound_the_spectral_norm_at_and_past_the_svd_limit() -> None:
    """chains.step_norms: c_{k,p} = max_i |f'_i| ||W_k|| with the spectral norm (and a
    1e-12 margin above it) up to SVD_LIMIT rows, the Frobenius norm beyond. Kills
    budget.chains.x_step_norms__mutmut_10 (the SVD refused at exactly SVD_LIMIT), _12, _19
    (the margin turned below the norm), _22 to _24 (the Frobenius route broken) and _36
    (the shape of an empty batch's bound)."""
    rng = np.random.default_rng(1)
    for rows, spectral in ((chains.SVD_LIMIT, True), (chains.SVD_LIMIT + 1, False)):
        Wk = rng.normal(size=(rows, 2))
        fp = [None, np.array([[0.5] * rows, [2.0] * rows])]
        c = chains.step_norms([np.zeros((2, rows)), Wk], fp)[1]
        two, frobenius = np.linalg.norm(Wk, 2), np.linalg.norm(Wk)
        assert frobenius > two * (1 + 1e-6)  # so the two routes differ
        want = two * (1 + 1e-12) if spectral else frobenius
        np.testing.assert_allclose(c, [0.5 * want, 2.0 * want], rtol=1e-15)
        if spectral:
            assert np.all(c >= np.array([0.5, 2.0]) * two * (1 + 0.5e-12))
    empty = chains.step_norms([np.zeros((2, 3)), np.ones((3, 4))], [None, np.zeros((0, 3))])
    assert empty[1].shape == (0,)


def test_a_window_whose_work_equals_the_cap_fits() -> None:
    """Kills budget.chains.x_window_size__mutmut_21 (``>`` -> ``>=``: a window costing
    exactly the cap refused)."""
    sizes, P = [2, 3, 4, 5, 6], 1
    assert chains.window_size(sizes, P, chains._work(sizes, P, 2)) == 2
    assert chains.window_size(sizes, P, chains._work(sizes, P, 2) - 1) == 1


def test_log_rounding_widens_by_dz_and_never_warns() -> None:
    """models.log_rounding(z, u, dz) = min(|z| + dz, e^(dz - |z|) / u). Kills
    budget.models.x_log_rounding__mutmut_11 (|z| - dz) and _4 (the overflow of e^(dz -
    |z|) for a large dz no longer silenced: pytest turns the warning into an error)."""
    u = 2.0**-53
    got = models.log_rounding(np.array([1.0, -40.0]), u, 0.5)
    np.testing.assert_array_equal(got, [1.5, np.exp(0.5 - 40.0) / u])
    assert models.log_rounding(np.array([0.0]), u, 1000.0)[0] == 1000.0


def test_a_float32_problems_values_are_computed_in_float64() -> None:
    """Kills budget.values.x_values__mutmut_3, _5 (the weights left in float32: the
    forward pass the budget is built on would round in float32)."""
    from crosscheck.budget.values import values

    w = [np.array([[0.1], [1.0 / 3.0]], np.float32)]
    p = make_problem(w, np.array([[3.0]], np.float32), np.array([[0.0]], np.float32),
                     ["identity"], "squared_error")
    v = values(p)
    assert v.w[0].dtype == np.float64 and v.z[1].dtype == np.float64
    # z = b + w x in float64 from the float32 numbers (exact: 24-bit products and sums)
    assert v.z[1][0, 0] == float(w[0][0, 0]) + 3.0 * float(w[0][1, 0])


def _gelu_mags(z: float) -> tuple[float, float]:
    """gelu's magnitude models written out for one z (docs/error-budget.md, "Elementwise
    formulas"): f = z/2 (1 + t), t = tanh(c (z + a z^3)); on magnitudes the inner sum is
    c (|z| + 3 a |z|^3), t' = c (1 + 3 a z^2)."""
    c, a = math.sqrt(2.0 / math.pi), 0.044715
    t = math.tanh(c * (z + a * z**3))
    inner = c * (abs(z) + 3.0 * a * abs(z) ** 3)
    du = c * (1.0 + 3.0 * a * z * z)
    value = 0.5 * abs(z) * (1.0 + abs(t)) + 0.5 * abs(z) * (1.0 - t * t) * inner
    sens = 0.5 + abs(z) * abs(t) * du
    deriv = 0.5 * (1.0 + abs(t)) + 0.5 * abs(z) * (1.0 + t * t) * du + sens * (
        (1.0 - t * t) * inner + abs(t)
    )
    return value, deriv


def test_the_gelu_models_are_the_documented_magnitudes() -> None:
    """No test of the selection built a gelu budget: kills the mutants of
    budget.models.x__gelu_parts, x__gelu_value_mag and x__gelu_deriv_mag (a constant, a
    sign or a term changed moves the value at one of these z by far more than the 1e-14
    allowed for the order of float64 operations)."""
    gelu = models.MODELS["gelu"]
    z = np.array([-2.5, -0.3, 0.0, 0.7, 1.9])
    a = np.zeros_like(z)  # the gelu models do not read a
    u = 2.0**-53
    got_v, got_d = gelu.value_mag(z, a, u), gelu.deriv_mag(z, a, u)
    for i, zi in enumerate(z):
        want_v, want_d = _gelu_mags(float(zi))
        assert math.isclose(got_v[i], want_v, rel_tol=1e-14, abs_tol=0.0), (zi, got_v[i])
        assert math.isclose(got_d[i], want_d, rel_tol=1e-14), (zi, got_d[i])


def test_every_value_of_a_float32_problem_is_float64_one_per_layer() -> None:
    """values.Values: float64 arrays (the module's first line), lists of length L + 1 (its
    docstring). Kills budget.values.x_values__mutmut_8, _10 (X left in float32: z[0], a[0]),
    _13, _15 (Y left in float32), _109 and _113 (delta and b one entry too long)."""
    from crosscheck.budget.values import values

    rng = np.random.default_rng(5)
    w = [rng.normal(size=(3, 3)).astype(np.float32), rng.normal(size=(4, 2)).astype(np.float32)]
    p = make_problem(w, rng.normal(size=(4, 2)).astype(np.float32),
                     rng.normal(size=(4, 2)).astype(np.float32), ["tanh", "identity"],
                     "squared_error")
    v = values(p)
    assert v.y.dtype == np.float64
    for name in ("z", "a", "fp", "f2", "vmag", "dmag", "delta", "b"):
        xs = getattr(v, name)
        assert len(xs) == 3, name  # L + 1
        for x in xs:
            assert x is None or x.dtype == np.float64, name


def test_the_softmax_output_delta_is_y_minus_h_times_the_row_sum_of_y() -> None:
    """dC/dz for a softmax cost: sign (y - h sum_n y_n), row by row (labels need not sum to
    1: they are >= 0). By hand for z = 0 (h = 1/2, 1/2) and label rows (2, 0), (0, 3):
    (1, -1) and (-1.5, 1.5) times the sign. Kills budget.values.x_values__mutmut_88
    (h / sum), _90, _93 (the sum over every row) and _94, _96 (the row sums not kept as a
    column: broadcast along the units)."""
    from crosscheck.budget.values import values

    for cost, sign in (("softmax_log_likelihood", 1.0), ("softmax_cross_entropy", -1.0)):
        p = make_problem([np.zeros((2, 2))], np.zeros((2, 1)), np.array([[2.0, 0.0], [0.0, 3.0]]),
                         ["softmax"], cost)
        d = values(p).delta[1]
        np.testing.assert_array_equal(d, sign * np.array([[1.0, -1.0], [-1.5, 1.5]]))


def test_the_sigmoid_costs_output_delta_is_y_minus_h() -> None:
    """Seed eq. 13: dC/dz = sign (y - h) at a sigmoid output with a sigmoid cost, not the
    squared error's (h - y) f'(z). By hand for z = 0 (h = 1/2, f' = 1/4), y = 1: sign / 2.
    Kills budget.values.x_values__mutmut_97 (``!=``), _98 and _99 (the name changed: the
    sigmoid costs fell to the squared error's formula and squared error to theirs)."""
    from crosscheck.budget.values import values

    for cost, sign in (("log_likelihood", 1.0), ("binary_cross_entropy", -1.0)):
        p = make_problem([np.zeros((2, 1))], np.zeros((1, 1)), np.ones((1, 1)), ["sigmoid"], cost)
        assert values(p).delta[1][0, 0] == sign * 0.5
    p = make_problem([np.zeros((2, 1))], np.zeros((1, 1)), np.ones((1, 1)), ["sigmoid"],
                     "squared_error")
    assert values(p).delta[1][0, 0] == (0.5 - 1.0) * 0.25


def test_the_models_get_the_dtypes_unit_roundoff() -> None:
    """u = eps / 2 goes to the error models: softplus's f' is charged sigma(z) (1 +
    min(|z|, e^-|z| / u)), which reads u past |z| ~ 33 in float64. By hand for z = 36:
    sigma(36) (1 + e^-36 2^53). Kills budget.values.x_values__mutmut_18 (u = 2 eps) and
    _21 (eps / 3)."""
    from crosscheck.budget.values import values

    p = make_problem([np.array([[36.0], [0.0]])], np.zeros((1, 1)), np.zeros((1, 1)),
                     ["softplus"], "squared_error")
    sigma = 1.0 / (1.0 + math.exp(-36.0))
    want = sigma * (1.0 + math.exp(-36.0) * 2.0**53)
    assert math.isclose(values(p).dmag[1][0, 0], want, rel_tol=1e-14)


def _deep_problem(P: int = 7):
    """A 2-3-4-5-2 net (relu, tanh, tanh, identity; squared error) with P examples, the
    first two all-zero inputs: with zero biases, their relu units sit on the kink."""
    rng = np.random.default_rng(11)
    sizes = (2, 3, 4, 5, 2)
    weights = [rng.normal(size=(n + 1, m)) for n, m in itertools.pairwise(sizes)]
    weights[0][0] = 0.0
    X = rng.normal(size=(P, 2))
    X[:2] = 0.0
    return make_problem(weights, X, rng.normal(size=(P, 2)),
                        ["relu", "tanh", "tanh", "identity"], "squared_error")


def test_the_examples_go_through_the_analysis_in_chunks_that_fit_the_memory(monkeypatch) -> None:
    """analysis.scale splits the examples into chunks whose Jacobian windows (8 bytes per
    entry) fit CHUNK_BYTES, each as many examples as fit (at least one); every example is
    in exactly one chunk, so S and the kink count are those of one pass over all of them
    (up to the order of float64 sums). The windows are counted from what chains.windows
    actually builds. Kills the chunking mutants of budget.analysis.x_scale: the size of one
    example's windows (``per_example``: a product, a range bound or the window changed:
    _21, _23, _27, _29, _33, _34, _39 to _42), the chunk formula (one chunk regardless,
    the ``max(1, ...)`` floor, ``/``, ``8 /``, 9: _44, _50, _55, _61, _62), the loop over
    the chunks (a single chunk, a step of 1: _76, _77) and their rows (from row 0, to the
    end: _85 to _87), ``kinks =`` instead of ``+=`` (_94); and
    budget.analysis.x__chunk__mutmut_53 (E(a^0) shaped like a^1: 2 inputs, 3 units)."""
    from crosscheck.budget import analysis
    from crosscheck.budget.values import values

    p = _deep_problem()
    v = values(p)
    u, eta = 2.0**-53, 1e-300
    whole = analysis.scale(v, p.activations, p.cost, u, eta, dtype="float64")
    assert whole.window == 3 and whole.kink_units >= 6  # 2 examples x 3 relu units
    seen: list[tuple[int, int]] = []
    real = chains.windows

    def spy(W, fp, B):
        J = real(W, fp, B)
        seen.append((fp[1].shape[0], sum(j.nbytes for j in J.values())))
        return J

    monkeypatch.setattr(chains, "windows", spy)
    per_example = 8 * (3 * 5 + 4 * 2 + 3 * 2)  # N_m N_l of (l, m) = (3, 1), (4, 2), (4, 1)
    for k, spare in ((1, 0), (2, per_example - 1), (3, 5)):
        monkeypatch.setattr(analysis, "CHUNK_BYTES", k * per_example + spare)
        seen.clear()
        got = analysis.scale(v, p.activations, p.cost, u, eta, dtype="float64")
        rows = [r for r, _ in seen]
        assert rows == [k] * (7 // k) + ([7 % k] if 7 % k else []), (k, rows)
        assert all(nbytes == r * per_example for r, nbytes in seen), seen
        assert got.kink_units == whole.kink_units and got.window == whole.window
        for s, t in zip(got.S, whole.S, strict=True):
            np.testing.assert_allclose(s, t, rtol=1e-13, atol=0)


def test_no_examples_leave_only_the_underflow_terms() -> None:
    """With P = 0 every sum over the examples is empty: S is the underflow floor of the
    gradient's own sum, eta on the bias row and (P + 1) eta = eta on the weight rows (the
    products a delta and the sum). Kills budget.analysis.x_scale__mutmut_119 (``s[0] -=
    eta``), _120 (``s[1] += eta``), _125 and _126 (``(P - 1)``, ``(P + 2)`` eta)."""
    from crosscheck.budget import analysis
    from crosscheck.budget.values import values

    for acts in (["tanh", "identity"], ["tanh", "tanh", "tanh", "identity"]):
        weights = [np.ones((3, 2)) for _ in acts[:-1]] + [np.ones((3, 1))]
        p = make_problem(weights, np.zeros((0, 2)), np.zeros((0, 1)), acts, "squared_error")
        got = analysis.scale(values(p), p.activations, p.cost, 2.0**-53, 0.5, dtype="float64")
        for s in got.S:
            np.testing.assert_array_equal(s, np.full_like(s, 0.5))


def test_a_net_of_one_or_two_layers_has_no_window() -> None:
    """Jacobian windows span at least two layers, so a net of depth 1 or 2 gets window 1
    (none), whatever the cap. Kills budget.analysis.x_scale__mutmut_20 (``else 2``)."""
    for acts in (["identity"], ["tanh", "identity"]):
        weights = [np.ones((3, 2)) for _ in acts[:-1]] + [np.ones((3, 1))]
        weights[0] = np.ones((2, weights[0].shape[1]))
        p = make_problem(weights, np.ones((2, 1)), np.ones((2, 1)), acts, "squared_error")
        assert budget(p).window == 1


def _hadamard_problem(L: int = 3):
    """An identity net 6-4-...-4-1 whose hidden weights are a 4 x 4 Hadamard matrix / 2
    (orthogonal: |W| products grow like 2^depth, the signed ones and the 2-norm do not)."""
    rng = np.random.default_rng(0)
    H = np.array([[1, 1, 1, 1], [1, -1, 1, -1], [1, 1, -1, -1], [1, -1, -1, 1]]) / 2.0
    first = np.vstack([np.zeros((1, 4)), rng.normal(size=(6, 4))])
    hidden = [np.vstack([np.zeros((1, 4)), H]) for _ in range(L - 2)]
    last = np.vstack([np.zeros((1, 1)), np.ones((4, 1))])
    return make_problem([first, *hidden, last], rng.normal(size=(3, 6)), rng.normal(size=(3, 1)),
                        ["identity"] * L, "squared_error")


def _scale(p, work_cap=None):
    from crosscheck.budget import analysis
    from crosscheck.budget.values import values

    return analysis.scale(values(p), p.activations, p.cost, 2.0**-53, 1e-300, work_cap,
                          dtype="float64")


def test_the_jacobian_route_is_charged_its_rounding_gamma(monkeypatch) -> None:
    """Where the windows are used, each Jacobian bound is charged gamma = chains.rounding(the
    widths N_0..N_L, B) times the chain of absolute values. That chain bounds the one-step
    route, so with gamma = 1 the window route can never win: S is then exactly the S
    without windows, while the real (tiny) gamma lets the windows sharpen S. Kills
    budget.analysis.x__chunk__mutmut_21 (gamma 0: the windows charged nothing), _27 and
    _28 (gamma of the wrong widths)."""
    p = _hadamard_problem()
    real = _scale(p)
    assert real.window == 2
    calls = []

    def rounding(sizes, B):
        calls.append((list(sizes), B))
        return 1.0

    with monkeypatch.context() as m:
        m.setattr(chains, "windows", lambda W, fp, B: {})
        no_windows = _scale(p)
    assert any(np.any(s < t) for s, t in zip(real.S, no_windows.S, strict=True))
    monkeypatch.setattr(chains, "rounding", rounding)
    charged = _scale(p)
    assert calls and all(c == ([6, 4, 4, 1], 2) for c in calls), calls
    for s, t in zip(charged.S, no_windows.S, strict=True):
        np.testing.assert_array_equal(s, t)


def test_the_norm_wise_bound_sharpens_s_without_windows(monkeypatch) -> None:
    """With no Jacobian window (a work cap of 0) on a net of 3 layers, the norm-wise bound
    (||v J||_2 <= ||v||_2 prod c_k) is the sharpest through the orthogonal layers: S is
    smaller somewhere than without it (chains.step_norms giving no bound). Kills
    budget.analysis.x__chunk__mutmut_32 (never used), _39, _40 (not for 3 layers) and _43
    (not for a window one short of the net's depth)."""
    p = _hadamard_problem()
    real = _scale(p, work_cap=0)
    assert real.window == 1
    monkeypatch.setattr(chains, "step_norms", lambda W, fp: [None] * len(W))
    without = _scale(p, work_cap=0)
    assert any(np.any(s < t) for s, t in zip(real.S, without.S, strict=True))
    assert all(np.all(s <= t) for s, t in zip(real.S, without.S, strict=True))


def test_s_of_a_relu_unit_on_its_kink_by_hand() -> None:
    """S of a 2-1-1 net (relu, identity; squared error) for one example, worked by hand
    from docs/error-budget.md with eta = 0, to first order in u (the tolerance, 1e-12,
    is far above the O(u) terms dropped and far below any first-order change).

    x = (1, 1), w^0 = (1; -1/2, -1/2): z^1 = 0 exactly, a relu on its kink (a^1 = 0,
    f' = 0, |f'(0+) - f'(0-)| = 1). The rounding of z^1 is charged (N_0 + 1)(|x| |w| +
    |b|) = 3 (1/2 + 1/2 + 1) = 6 = E(z^1), and the kink makes E(a^1) = 6. w^1 = (1/4; 2):
    z^2 = 1/4; its own rounding (N_1 + 1)(0 |2| + 1/4) = 1/2, plus the error made at
    a^1 carried by |w^1| = 2: 6 * 2 = 12, so E(z^2) = 12.5. y = 1/4 (delta = 0): E(dC/dz^2)
    = E(a^2) + |h| + |y| = 13, and back through the kink E(dC/dz^1) = 2 * 13 = 26. Then
    S = (sum of E(delta), |a| E(delta) + E(a) |delta| + ...): S^1 = (13, 12 u 13) and S^0 =
    (26, 26, 26). Kills budget.analysis.x__chunk__mutmut_101 (the count of terms of the
    wrong layer), _109, _110 (the error made at a^1 not charged at layer 2), _111, _112
    (``made = ``, ``made -= ``), _113 (that error subtracted) and _116 (divided by E(z^1))."""
    from crosscheck.budget import analysis
    from crosscheck.budget.values import values

    u = 2.0**-53
    p = make_problem([np.array([[1.0], [-0.5], [-0.5]]), np.array([[0.25], [2.0]])],
                     np.array([[1.0, 1.0]]), np.array([[0.25]]), ["relu", "identity"],
                     "squared_error")
    got = analysis.scale(values(p), p.activations, p.cost, u, 0.0, dtype="float64")
    assert got.kink_units == 1
    np.testing.assert_allclose(got.S[0], [[26.0], [26.0], [26.0]], rtol=1e-12, atol=0)
    np.testing.assert_allclose(got.S[1], [[13.0], [156.0 * u]], rtol=1e-12, atol=0)


def test_s_grows_with_the_unit_roundoff() -> None:
    """S bounds |error| / u, and the analysis charges every error as a magnitude plus u
    times the error already bounded (|a| + u E(a), f'(z) + u E(f'), ...): a larger u can
    only add. On the 2-1-1 relu net of the test above (a unit on its kink, delta^2 = 0, so
    no bias term over u) and on a 2-1-1 tanh net, S is therefore nondecreasing in u, from
    u = 2^-53 up to 1/16, where those second-order terms are first-order. Kills
    budget.analysis.x__chunk__mutmut_89 (|a^{l-1}| - u E(a^{l-1}): on the kink a^1 = 0, so
    at u = 1/16 S^1 falls to 12.95, below its first-order value 13) and _117 (the error
    made at a^{l-1} with f' - u E(f'): tanh's E(f') is not 0)."""
    from crosscheck.budget import analysis
    from crosscheck.budget.values import values

    nets = [
        make_problem([np.array([[1.0], [-0.5], [-0.5]]), np.array([[0.25], [2.0]])],
                     np.array([[1.0, 1.0]]), np.array([[0.25]]), ["relu", "identity"],
                     "squared_error"),
        make_problem([np.array([[0.5], [1.0], [-0.5]]), np.array([[0.25], [2.0]])],
                     np.array([[1.0, 1.0]]), np.array([[0.25]]), ["tanh", "identity"],
                     "squared_error"),
    ]
    for p in nets:
        v = values(p)
        runs = [analysis.scale(v, p.activations, p.cost, u, 0.0, dtype="float64").S
                for u in (2.0**-53, 2.0**-20, 2.0**-8, 2.0**-4)]
        for small, large in itertools.pairwise(runs):
            for s, t in zip(small, large, strict=True):
                assert np.all(s <= t), (p.activations, s, t)


def test_the_forward_window_sharpens_the_last_layers_s(monkeypatch) -> None:
    """The last layer's S (S^{L-1}: |a^{L-1}|, E(a^{L-1}) and the output delta) takes
    nothing from the backward windows, only from the forward bounds; on the 3-layer
    Hadamard net the forward window at layer 3 is the sharpest route, so S^2 is smaller
    somewhere with the windows than without. Kills budget.analysis.x__chunk__mutmut_152
    (the forward window only from layer 4: S^2 is then exactly that without windows); in
    the numbering after the ``L >= 3`` change, _148, _149 (the same), _166 (a window
    summing one layer too many) and the norm-wise route's _209 (||E(z^{l-2})||) and _218
    (R - ||inj||)."""
    p = _hadamard_problem()
    real = _scale(p)
    assert real.window == 2
    monkeypatch.setattr(chains, "windows", lambda W, fp, B: {})
    without = _scale(p)
    assert np.any(real.S[-1] < without.S[-1]), (real.S[-1], without.S[-1])


def test_with_gamma_one_the_windows_never_win_at_depth_four(monkeypatch) -> None:
    """As test_the_jacobian_route_is_charged_its_rounding_gamma, one layer deeper: the chain
    of absolute values E_abs^l = made + (E_abs^{l-1} |f'|) |W| bounds every route, so with
    gamma = 1 S is exactly the S without windows. Kills budget.analysis.x__chunk__mutmut_138
    (``made - ...``: the chain then alternates in sign and the windows win, S smaller)."""
    p = _hadamard_problem(4)
    assert _scale(p).window == 3
    with monkeypatch.context() as m:
        m.setattr(chains, "windows", lambda W, fp, B: {})
        no_windows = _scale(p)
    monkeypatch.setattr(chains, "rounding", lambda sizes, B: 1.0)
    charged = _scale(p)
    for s, t in zip(charged.S, no_windows.S, strict=True):
        np.testing.assert_array_equal(s, t)


def test_s_of_a_linear_net_is_homogeneous_in_its_data() -> None:
    """An identity net with zero biases is linear: scaling X and Y by 4 (a power of two,
    exact) scales every value, every magnitude and every error bound by 4, so (with no
    underflow terms, eta = 0) S of a weight, a sum of products of two of them (an a and a
    delta), by 16 and S of a bias (a delta times the input 1) by 4, exactly, on every
    route: the one-step chain, the windows and the norm-wise bound (||E||_2 scales by 4,
    the step norms c do not move). Kills budget.analysis.x__norm__mutmut_6 (the row norm
    sqrt(sum(x / x)) = sqrt(N), the same whatever the errors: on the Hadamard net the
    norm-wise bound is then the sharpest, and far too small)."""
    from crosscheck.budget import analysis
    from crosscheck.budget.values import values

    p = _hadamard_problem()
    q = make_problem(p.weights, 4.0 * p.X, 4.0 * p.Y, p.activations, p.cost)
    for work_cap in (0, None):
        got = [analysis.scale(values(r), r.activations, r.cost, 2.0**-53, 0.0, work_cap,
                              dtype="float64") for r in (p, q)]
        assert got[0].window == got[1].window
        for s, t in zip(got[0].S, got[1].S, strict=True):
            np.testing.assert_array_equal(t[0], 4.0 * s[0])
            np.testing.assert_array_equal(t[1:], 16.0 * s[1:])


def test_without_cancellation_the_windows_add_what_the_chain_adds(monkeypatch) -> None:
    """With identity activations and positive weights nothing cancels: each Jacobian J(l, m)
    is the product of the |W| in between, so a window route (charged gamma = 0 here)
    adds the errors injected at layers m < l exactly as the one-step chain carries them,
    and S is that without windows, to rounding (the norm-wise bound taken out, so the
    two routes are compared). Kills budget.analysis.x__chunk__mutmut_151 (``made - (inj
    step) |W|`` in the forward window, numbered as after the ``L >= 3`` change) and
    _165 (the sum over the window's layers from m = 2: the error injected at layer 1
    dropped), _167, _168, _170 (other ranges that drop a layer), _171, _172 (``EJ =``,
    ``EJ -=`` for those layers), _182, _183 (the term of E(z^{l-B}) dropped where l - B =
    1) and _184, _185 (``EJ =``, ``EJ -=`` for it)."""
    rng = np.random.default_rng(1)
    sizes = [3, 3, 3, 3, 1]
    weights = [rng.uniform(0.5, 1.5, size=(sizes[i] + 1, sizes[i + 1])) for i in range(4)]
    p = make_problem(weights, rng.uniform(0.5, 1.5, size=(2, 3)), rng.uniform(-1, 1, size=(2, 1)),
                     ["identity"] * 4, "squared_error")
    monkeypatch.setattr(chains, "step_norms", lambda W, fp: [None] * len(W))
    monkeypatch.setattr(chains, "rounding", lambda sizes, B: 0.0)
    windows = _scale(p)
    assert windows.window == 3
    monkeypatch.setattr(chains, "windows", lambda W, fp, B: {})
    without = _scale(p)
    for s, t in zip(windows.S, without.S, strict=True):
        np.testing.assert_allclose(s, t, rtol=1e-13, atol=0)


def _output_values(a: np.ndarray, y: np.ndarray, z: np.ndarray, fp: np.ndarray | None):
    """The Values of a 1-layer net that analysis._output_delta reads: w (for L), y, and
    z^L, a^L, f'(z^L) as given (the function does not recompute them)."""
    from crosscheck.budget.values import Values

    none = [None, None]
    return Values([np.zeros((2, a.shape[1]))], y, [None, z], [None, a], [None, fp],
                  none, none, none, none, none)


def test_the_squared_errors_output_delta_bound_by_hand() -> None:
    """E(dC/dz^L) of squared_error (analysis._output_delta, the last formula: dC/dz^L =
    (h - y) f'(z^L); docs/error-budget.md, the output delta), on one unit by hand with
    u = 1/16, eta = 1/32 (dyadic, so every sum below is exact):
    a^L = 3, y = 1, f' = 2, E(f') = 4, E(a^L) = 8, a kink jump dD = 1.

        h  = |a| + u E(a)            = 3 + 8/16       = 3.5
        f' = |f'| + u E(f') + dD      = 2 + 4/16 + 1   = 3.25
        r  = |a - y|                                   = 2
        M_r = E(a) + h + |y|          = 8 + 3.5 + 1    = 12.5
        E  = f' M_r + r E(f') + f' r + eta + dD (r/u + M_r)
           = 40.625 + 8 + 6.5 + 1/32 + (32 + 12.5)      = 99.65625

    Kills budget.analysis.x__output_delta__mutmut_8, _11, _13, _14 (h's error term
    subtracted, dropped, inverted), _15 (the sigmoid costs' formula for every cost), and
    _120-_140 (each term of the formula dropped, subtracted, inverted, or r u for r/u)."""
    from crosscheck.budget import analysis

    one = np.ones((1, 1))
    v = _output_values(3.0 * one, 1.0 * one, 0.5 * one, 2.0 * one)
    got = analysis._output_delta(v, "squared_error", [None, 7.0 * one], [None, 8.0 * one],
                                 [None, 4.0 * one], [None, 1.0 * one], 1 / 16, 1 / 32, 5.0)
    assert got.shape == (1, 1)
    assert got[0, 0] == 99.65625


def test_the_sigmoid_costs_output_delta_bound_by_hand() -> None:
    """E(dC/dz^L) of both sigmoid costs (analysis._output_delta's first formula; the
    docstring: c_out (|y| + h), the rounding of log sigmoid(+-z) log_rounding(z)
    (|y| sigma(-z) + h), and f''s error times E(z), plus 2 eta), by hand for one unit at
    z = -ln 3 (sigma(z) = 1/4, sigma(-z) = 3/4) with u = 1/16, eta = 1/32, c_out = 2,
    y = 1, a = 1/4, f' = 3/16, E(z) = 16, E(a) = 2, E(f') = 8:

        h   = 1/4 + 2/16 = 3/8;   1 - h ~ sigma(-z) + u E(a) = 3/4 + 1/8 = 7/8
        log_rounding(z, u, u E(z)) = min(|z| + 1, e^(1 - |z|) / u) = ln 3 + 1
                                            (e^(1 - ln 3) 16 = 16 e / 3 > 14)
        logs = (ln 3 + 1)(1 * 7/8 + 3/8)  = 5/4 (1 + ln 3)
        E   = 2 (1 + 3/8) + logs + (3/16 + 8/16) 16 + 2/32
            = 11/4 + 5/4 + 11 + 1/16 + 5/4 ln 3 = 15.0625 + 1.25 ln 3

    Kills budget.analysis.x__output_delta__mutmut_2, _5, _6 (the cost's outputs, E(z) or z
    lost), _16, _17 (the sigmoid costs sent to squared_error's formula), _18-_44 (each
    term of the formula dropped, subtracted, inverted; sigma(+z) for sigma(-z);
    log_rounding's arguments dropped or swapped; 3 eta for 2 eta)."""
    from crosscheck.budget import analysis

    one = np.ones((1, 1))
    v = _output_values(0.25 * one, 1.0 * one, -math.log(3.0) * one, 3 / 16 * one)
    want = 15.0625 + 1.25 * math.log(3.0)
    for cost in ("log_likelihood", "binary_cross_entropy"):
        got = analysis._output_delta(v, cost, [None, 16.0 * one], [None, 2.0 * one],
                                     [None, 8.0 * one], [None, 0.0 * one], 1 / 16, 1 / 32,
                                     2.0)
        assert got.shape == (1, 1)
        assert math.isclose(got[0, 0], want, rel_tol=1e-14), (cost, got[0, 0], want)


def test_the_softmax_costs_output_delta_bound_by_hand() -> None:
    """E(dC/dz^L) of both softmax costs (analysis._output_delta's second formula) on two
    examples of 3 outputs, by hand: z = [ln 2, 0, 0] and [1, 1 + ln 2, 1], so s = h =
    [1/2, 1/4, 1/4] and [1/4, 1/2, 1/4] (no E(a^L) at a softmax output), |z - max z| =
    [0, 1, 1] ln 2 and [1, 0, 1] ln 2, |log s| = [1, 2, 2] ln 2 and [2, 1, 2] ln 2; E(z) = 2
    everywhere, u = 1/16, eta = 1/32, c_out = 2, labels with row sums 2 and 1/2. Per
    element, with the row sums Sum_j over the 3 outputs:

        shift = |z - max z| + E(z)
        logs  = |log s| + u (E(z) + Sum_j s_j E(z_j))      (Sum_j s_j E(z_j) = 2)
        M_s   = s (c_out n + shift + logs + Sum_j s_j shift_j) + eta
        E     = M_s Sum_j |y_j| + s Sum_j |y_j| (n + 1) + |y| + eta

    The rows differ (their maxima, their label sums) and P = 2 != n = 3, so a sum or max
    over the wrong axis, or without keepdims, changes a value or fails. With no examples
    (P = 0) the bound is an empty float array of the outputs' width.
    Kills budget.analysis.x__output_delta__mutmut_10, _12, _13 (h's error term for a
    softmax output, which has none), _45-_47 (the softmax costs sent to another formula),
    _48-_51, _53-_69, _71, _72, _74-_119 (each term dropped, subtracted, inverted, summed
    over the wrong axis or without keepdims, n - 1 or n + 2 for n + 1), _61-_63, _73 (the
    shape and type of the empty bound)."""
    from crosscheck.budget import analysis

    ln2 = math.log(2.0)
    s = np.array([[1 / 2, 1 / 4, 1 / 4], [1 / 4, 1 / 2, 1 / 4]])
    z = np.array([[ln2, 0.0, 0.0], [1.0, 1.0 + ln2, 1.0]])
    y = np.array([[1.0, 0.0, 1.0], [0.0, 0.5, 0.0]])
    u, eta, c_out, Ez = 1 / 16, 1 / 32, 2.0, 2.0 * np.ones((2, 3))
    shift = np.array([[0, 1, 1], [1, 0, 1]]) * ln2 + 2.0
    logs = np.array([[1, 2, 2], [2, 1, 2]]) * ln2 + u * (2.0 + 2.0)
    Ms = s * (c_out * 3 + shift + logs + (s * shift).sum(axis=1, keepdims=True)) + eta
    ysum = np.array([[2.0], [0.5]])
    want = Ms * ysum + s * ysum * 4 + y + eta
    for cost in ("softmax_log_likelihood", "softmax_cross_entropy"):
        got = analysis._output_delta(_output_values(s, y, z, None), cost, [None, Ez],
                                     [None, None], [None, None], [None, None], u, eta, c_out)
        np.testing.assert_allclose(got, want, rtol=1e-14, err_msg=cost)
        empty = np.zeros((0, 3))
        got = analysis._output_delta(_output_values(empty, empty, empty, None), cost,
                                     [None, empty], [None, None], [None, None], [None, None],
                                     u, eta, c_out)
        assert got.shape == (0, 3) and got.dtype == np.float64


def test_s_of_a_two_layer_net_by_hand_with_a_kink_and_the_underflow_terms() -> None:
    """S of two 1-1-1 nets (hidden identity, or relu on its kink; identity output, squared
    error, y = 3, one example x = 1), worked through docs/error-budget.md's rules with
    u = 1/16 and eta = 1/64, so that the second-order terms (u times an error) and the
    underflow terms (eta) are as visible as the first-order ones (dyadic numbers: every
    step below is exact). For L = 2 there is no window and no norm-wise route, so each
    bound is its one-step formula. Identity and relu have no formula error (|f| and |f'|
    of magnitude 0 in the models), f'' = 0, underflow floors 1.

    Net 1: w^0 = (b 1; w 1), w^1 = (b 0; w 1/2): z^1 = a^1 = 2, z^2 = a^2 = 1, delta^2 =
    -2, b^1 = delta^2 w = -1, delta^1 = -1 (f' = 1). Net 2: w^0 = (b -1; w 1), w^1 = (b 1;
    w 1/2): z^1 = 0, a relu on its kink (a^1 = 0, f' = 0, jump dD = 1), z^2 = a^2 = 1,
    delta^2 = -2, b^1 = -1, delta^1 = 0. Kills budget.analysis.x__chunk__mutmut_281 (eta
    subtracted from E(a)'s formula error), _296 (E(a) = (f' + dD - u E(f')) E(z)), _360
    (|delta^{l+1}| - u E(delta^{l+1})), _368 (the rounding of b^l less eta), _380 (f' |b^l|
    subtracted), _383 (f' - dD at a kink) and _390 (the kink's |b^l| u instead of |b^l| /
    u: a relu on its kink may take either derivative, an error of |b^l| in dC/dz, first
    order, 1/u in units of u)."""
    from crosscheck.budget import analysis
    from crosscheck.budget.values import values

    u, eta = 1 / 16, 1 / 64
    for name, b0, b1, a1, fp1, dD1, d1 in (("identity", 1.0, 0.0, 2.0, 1.0, 0.0, 1.0),
                                           ("relu", -1.0, 1.0, 0.0, 0.0, 1.0, 0.0)):
        p = make_problem([np.array([[b0], [1.0]]), np.array([[b1], [0.5]])],
                         np.array([[1.0]]), np.array([[3.0]]), [name, "identity"],
                         "squared_error")
        # forward: E(z^1) = (N_0 + 1)(|x| |w| + |b|) + eta; E(f') = eta (floor);
        # E(a) = (|f'| + dD + u E(f')) E(z) + eta (the formula's floor)
        Ez1 = 2 * (1 + abs(b0)) + eta
        Ea1 = (fp1 + dD1 + u * eta) * Ez1 + eta
        # z^2: its own rounding 2 (|a^1| + u E(a^1)) |w| + |b|) + eta, the errors made at
        # a^1 ((eta + (dD + u E(f')) E(z^1)) |w|) and what arrives, E(z^1) |f'| |w|
        Ez2 = (2 * ((a1 + u * Ea1) * 0.5 + abs(b1)) + eta
               + (eta + (dD1 + u * eta) * Ez1) * 0.5 + Ez1 * fp1 * 0.5)
        Ea2 = (1 + u * eta) * Ez2 + eta
        # the output delta, squared error: f' = 1 + u E(f'), r = |h - y| = 2,
        # M_r = E(a) + |h| + u E(a) + |y|
        fp2, r, Mr = 1 + u * eta, 2.0, Ea2 + (1 + u * Ea2) + 3
        Ed2 = fp2 * Mr + r * eta + fp2 * r + eta
        # back to z^1: b^1 = delta^2 w^T (N_2 = 1 term): e_b = |delta^2 + u E| |w| + eta;
        # made there: (|f'| + dD) e_b + (|b^1| + u E(b^1)) E(f') + |f'| |b^1| + eta + the
        # kink's dD (|b^1| / u + E(b^1))
        e_b = (2 + u * Ed2) * 0.5 + eta
        Eb = e_b + Ed2 * 0.5
        made = (fp1 + dD1) * e_b + (1 + u * Eb) * eta + fp1 * 1 + eta + dD1 * (1 / u + Eb)
        Ed1 = made + Ed2 * 0.5 * fp1  # and what arrives: E(delta^2) |w| |f'|
        # S: seed eq. 9's sums, P = 1, plus the rounding of the sums (eta, 2 eta)
        md1, md2, ma1 = d1 + u * Ed1, 2 + u * Ed2, a1 + u * Ea1
        S0 = [md1 + Ed1 + eta, md1 + Ed1 + 2 * eta]
        S1 = [md2 + Ed2 + eta, ma1 * md2 + Ea1 * md2 + ma1 * Ed2 + 2 * eta]
        got = analysis.scale(values(p), p.activations, p.cost, u, eta, dtype="float64")
        assert got.kink_units == int(dD1)
        np.testing.assert_allclose(got.S[0][:, 0], S0, rtol=1e-14, atol=0, err_msg=name)
        np.testing.assert_allclose(got.S[1][:, 0], S1, rtol=1e-14, atol=0, err_msg=name)


def test_silus_underflow_floor_grows_with_z() -> None:
    """silu's formulas charge the underflow floor eta (1 + |z|) (a sigmoid flushed to 0
    or a subnormal, multiplied by z; models.py), so E(a^1) >= eta (1 + |z^1|) and S of
    layer 2's weight, which holds E(a^1) |delta^2|, grows with eta by at least eta (1 +
    |z^1|) |delta^2| (every other term grows too). A 1-1-1 net, silu then identity, x =
    1, z^1 = -8, y = 4: the floor is 9 eta, while silu's f' and a^1 are ~0.003, so nothing
    else makes up for a smaller floor. Likewise E(f'^1) >= eta (1 + |z^1|), which the
    backward pass charges at first order on |b^1| (the sum before f'), so S of layer 1's
    weight grows by at least eta (1 + |z^1|) |b^1| |x|. Kills
    budget.analysis.x__chunk__mutmut_291 (eta / (1 + |z|) in E(a): 1/81 of the floor) and
    _278 (the same in E(f'); the third run's numbering, open until now)."""
    from crosscheck.budget import analysis
    from crosscheck.budget.values import values

    p = make_problem([np.array([[-9.0], [1.0]]), np.array([[0.0], [1.0]])],
                     np.array([[1.0]]), np.array([[4.0]]), ["silu", "identity"],
                     "squared_error")
    v = values(p)
    eta = 2.0**-20
    S = [analysis.scale(v, p.activations, p.cost, 2.0**-53, e, dtype="float64").S
         for e in (0.0, eta)]
    assert v.z[1][0, 0] == -8.0
    assert S[1][1][1, 0] - S[0][1][1, 0] >= eta * 9.0 * abs(v.delta[2][0, 0])
    assert S[1][0][1, 0] - S[0][0][1, 0] >= eta * 9.0 * abs(v.b[1][0, 0]) * 1.0


def test_the_backward_window_sharpens_the_first_layers_s(monkeypatch) -> None:
    """The 3-layer Hadamard net with X = 0: every forward value is 0 (zero biases), so the
    forward bounds hold only underflow terms (eta = 1e-300) and the bias row of S^0 (the
    sums of |delta^1| and E(delta^1)) is the backward bound alone, which takes the
    backward window from layer L - 2 = 1 (the products of the orthogonal layers cancel
    where the |W| do not): it is smaller somewhere with the windows than without. Kills
    budget.analysis.x__chunk__mutmut_404 and _405 (backward windows only from l <= L - 3:
    none in a 3-layer net; that row is then exactly the row without windows)."""
    q = _hadamard_problem()
    p = make_problem(q.weights, np.zeros_like(q.X), q.Y, q.activations, q.cost)
    real = _scale(p)
    assert real.window == 2
    monkeypatch.setattr(chains, "windows", lambda W, fp, B: {})
    without = _scale(p)
    assert np.any(real.S[0][0] < without.S[0][0]), (real.S[0][0], without.S[0][0])


def test_the_backward_norm_wise_chain_by_hand() -> None:
    """The 4-layer Hadamard net (6-4-4-4-1, identity, zero biases, hidden weights H / 2,
    orthogonal, the last ones) with X = 0 and no window (work cap 0), eta = 0: every
    forward value and bound is 0, and the bias rows of S are the backward bounds alone,
    linear in Y = |y| per example. By hand (first order; the step norms c are the
    spectral norms, 2 for the last layer, 1 for H / 2, times 1 + 1e-12):

    * delta^4 = -y, E(delta^4) = |y| + |h - y| = 2Y (the output delta, squared error);
    * l = 3: b^3 = delta^4 w^T = -y (4 units), e_b = Y, made s^3 = e_b + |b| = 2Y; one
      step: 2Y + 2Y = 4Y; norm-wise: ||E(delta^4)|| = 2Y, R^3 = 2Y c^3 = 4Y; E(delta^3) =
      4Y;
    * l = 2: delta^3 = -y (1, 1, 1, 1), b^2 = delta^3 (H / 2)^T = -y (2, 0, 0, 0), e_b =
      N (|delta^3| |W|^T) = 4 (4 Y / 2) = 8Y, s^2 = (10, 8, 8, 8) Y; one step adds
      E(delta^3) |W|^T = 8Y: E(delta^2) = (18, 16, 16, 16) Y (norm-wise: min(||E(delta^3)||,
      R^3 + ||s^3||) = 8Y, R^2 = 8Y, the same);
    * l = 1: |delta^2| = (2, 0, 0, 0) Y, e_b = 4 (2Y / 2) = 4Y, |b^1| = Y, s^1 = 5Y; one
      step adds E(delta^2) |W|^T = 33Y; norm-wise: min(||E(delta^2)|| = sqrt(1092) Y,
      R^2 + ||s^2|| = (8 + sqrt(292)) Y) times the row norm 1: E(delta^1) = (13 + sqrt(292))
      Y, the R chain the sharpest.

    So the bias rows of S^3..S^0 (seed eq. 9 over the P = 3 examples: P sum |delta| + sum
    E(delta)) are 5, 7, (24, 16, 16, 16) and 16 + sqrt(292) times sum Y, and the weight rows
    of S^0 are 0 (x = 0).
    Kills budget.analysis.x__chunk__mutmut_462 and _476 (the R chain never used: 38Y),
    _475 (R^{l+1} + ||s^{l+2}||: 17Y, below the bound), _481 and _483 (the norm of all of
    W for each row's: 2, so 38Y)."""
    from crosscheck.budget import analysis
    from crosscheck.budget.values import values

    q = _hadamard_problem(4)
    p = make_problem(q.weights, np.zeros_like(q.X), q.Y, q.activations, q.cost)
    got = analysis.scale(values(p), p.activations, p.cost, 2.0**-53, 0.0, 0, dtype="float64")
    assert got.window == 1
    Y = float(np.sum(np.abs(p.Y)))
    np.testing.assert_allclose(got.S[3][0], [5 * Y], rtol=1e-9)
    np.testing.assert_allclose(got.S[2][0], [7 * Y] * 4, rtol=1e-9)
    np.testing.assert_allclose(got.S[1][0], [24 * Y, 16 * Y, 16 * Y, 16 * Y], rtol=1e-9)
    np.testing.assert_allclose(got.S[0][0], [(16 + math.sqrt(292)) * Y] * 4, rtol=1e-9)
    assert np.all(got.S[0][1:] == 0.0)


def test_a_relu_unit_exactly_on_its_kink_with_no_error_is_counted() -> None:
    """X = 0 and zero biases with eta = 0: z^1 = 0 exactly and E(z^1) = 0. A unit exactly
    on its kink may take either derivative (relu'(0) is 0 in one library, 1 in another),
    so it is counted near its kink, |z| <= K u E(z) with equality: all 2 units of both
    examples. Kills budget.analysis.x__chunk__mutmut_255 (``<``: none counted; the third
    run's numbering, open until now)."""
    from crosscheck.budget import analysis
    from crosscheck.budget.values import values

    p = make_problem([np.vstack([np.zeros((1, 2)), np.ones((3, 2))]), np.ones((3, 1))],
                     np.zeros((2, 3)), np.ones((2, 1)), ["relu", "identity"],
                     "squared_error")
    got = analysis.scale(values(p), p.activations, p.cost, 2.0**-53, 0.0, dtype="float64")
    assert got.kink_units == 2 * 2


def test_the_forward_norm_wise_chain_by_hand() -> None:
    """A 1-4-4-4-1 identity net, zero biases, x = 1, y = 0: w^0 = (1, 1, 1, 1), then H / 2
    twice (orthogonal), then w^3 = (1, 1, 1, 1)^T; no window (work cap 0), eta = 0. By
    hand, first order (the step norms c: 1 for H / 2, 2 for w^3, times 1 + 1e-12; the
    column norms 1 and 2):

    * z^1 = (1, 1, 1, 1): E(z^1) = (N_0 + 1) |x| |w| = 2;
    * z^2 = (2, 0, 0, 0): made 5 (4 / 2) = 10; one step adds E(z^1) |W| = 4: 14; norm-wise
      ||E(z^1)|| = 4 = R^2, 10 + 4 = 14, the same;
    * z^3 = (1, 1, 1, 1): made 5 (2 / 2) = 5; one step adds 14 (4 / 2) = 28: 33; norm-wise
      min(||E(z^2)|| = 28, R^2 + ||made^2|| = 4 + 20) = 24 = R^3: 5 + 24 = 29, the sharpest;
    * z^4 = 4: made 5 * 4 = 20; one step adds 4 * 29: 136; norm-wise min(||E(z^3)|| = 58,
      R^3 + ||made^3|| = 24 + 10 = 34) times the column norm 2: 20 + 68 = 88 = E(z^4).

    The output delta (squared error, identity): delta^4 = 4, E = E(a^4) + |h| + |y| + |h -
    y| = 88 + 4 + 0 + 4 = 96. S^3 (seed eq. 9, P = 1): bias 4 + 96 = 100, each weight
    |a^3| |delta| + E(a^3) |delta| + |a^3| E(delta) = 4 + 29 * 4 + 96 = 216. Kills
    budget.analysis.x__chunk__mutmut_223 (R^{l-1} + ||made^{l-2}||: E(z^3) = 13, below the
    bound; the third run's numbering, open until now)."""
    from crosscheck.budget import analysis
    from crosscheck.budget.values import values

    H = np.array([[1, 1, 1, 1], [1, -1, 1, -1], [1, 1, -1, -1], [1, -1, -1, 1]]) / 2.0
    zero = np.zeros((1, 4))
    p = make_problem([np.vstack([zero, np.ones((1, 4))]), np.vstack([zero, H]),
                      np.vstack([zero, H]), np.vstack([np.zeros((1, 1)), np.ones((4, 1))])],
                     np.ones((1, 1)), np.zeros((1, 1)), ["identity"] * 4, "squared_error")
    got = analysis.scale(values(p), p.activations, p.cost, 2.0**-53, 0.0, 0, dtype="float64")
    assert got.window == 1
    np.testing.assert_allclose(got.S[3][:, 0], [100.0] + [216.0] * 4, rtol=1e-9)


def test_the_backward_windows_by_hand() -> None:
    """As test_the_backward_norm_wise_chain_by_hand (the 4-layer Hadamard net, X = 0, eta =
    0), with the windows (B = 3). The Jacobians of the identity layers are the products
    of the weights: J(3, 1) = (H / 2)(H / 2) = I, J(4, 2) = |(H / 2) w^3| = (2, 0, 0, 0)^T,
    J(4, 1) = w^3 = (1, 1, 1, 1)^T; the window route at l is made^l + s^{l+1} |W^l|^T +
    sum_{m = l+2}^{l+B-1} s^m J(m, l) + E(delta^{l+B}) J(l+B, l) (+ gamma E_abs, ~1e-15
    relative). By hand, first order, Y = |y| per example (s^4 = E(delta^4) = 2Y, s^3 = 2Y,
    s^2 = (10, 8, 8, 8) Y, s^1 = 5Y as there):

    * l = 2: one step (18, 16, 16, 16) Y; window s^2 + s^3 |W|^T + s^4 J(4, 2) = (10, 8, 8,
      8) + 4 + (4, 0, 0, 0) = (18, 12, 12, 12) Y, the sharpest (norm-wise 8Y added: no);
    * l = 1: one step 5 + 54 / 2 = 32Y; window 5 + 34 / 2 + s^3 J(3, 1) + E(delta^4) J(4, 1)
      = 5 + 17 + 2 + 2 = 26Y (norm-wise 5 + 8 + sqrt(292) ~ 30.1Y: no).

    Bias rows of S (P = 3: P sum |delta| + sum E(delta)): S^3 5, S^2 7, S^1 (24, 12, 12,
    12), S^0 29 times sum Y. Kills budget.analysis.x__chunk__mutmut_422 (the window's sum
    to m = l + B: s^4 J(4, 1) counted beside E(delta^4) J(4, 1), E(delta^1) = 28Y)."""
    from crosscheck.budget import analysis
    from crosscheck.budget.values import values

    q = _hadamard_problem(4)
    p = make_problem(q.weights, np.zeros_like(q.X), q.Y, q.activations, q.cost)
    got = analysis.scale(values(p), p.activations, p.cost, 2.0**-53, 0.0, dtype="float64")
    assert got.window == 3
    Y = float(np.sum(np.abs(p.Y)))
    np.testing.assert_allclose(got.S[3][0], [5 * Y], rtol=1e-9)
    np.testing.assert_allclose(got.S[2][0], [7 * Y] * 4, rtol=1e-9)
    np.testing.assert_allclose(got.S[1][0], [24 * Y, 12 * Y, 12 * Y, 12 * Y], rtol=1e-9)
    np.testing.assert_allclose(got.S[0][0], [29 * Y] * 4, rtol=1e-9)
