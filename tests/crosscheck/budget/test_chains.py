"""The Jacobian chains that keep the budget sharp at depth, and what they buy."""

from __future__ import annotations

import numpy as np
import pytest

from crosscheck.budget import budget, chains
from crosscheck.problem import make_problem


def test_a_window_is_the_absolute_value_of_the_signed_product() -> None:
    rng = np.random.default_rng(1)
    sizes = (3, 4, 5, 2, 3)
    W = [rng.standard_normal((sizes[k], sizes[k + 1])) for k in range(4)]
    fp = [None, *(rng.uniform(0.1, 1.0, (6, sizes[k])) for k in (1, 2, 3))]
    got = chains.windows(W, fp, B=3)
    assert set(got) == {(3, 1), (4, 2), (4, 1)}
    for (l, m), J in got.items():
        for p in range(6):
            want = np.eye(sizes[m])
            for k in range(m, l):
                want = want @ (np.diag(fp[k][p]) @ W[k])
            np.testing.assert_allclose(J[:, p, :], np.abs(want), rtol=1e-12, atol=1e-15)


def test_the_window_fits_the_work_cap() -> None:
    assert chains.window_size((8, 8, 8, 8, 8, 1), 16) == 4
    assert chains.window_size((8, 8, 8, 8, 8, 1), 16, cap=1) == 1
    assert chains.window_size((8, 8, 1), 16) == 1  # nothing to gain from one matrix


def test_step_norms_bound_the_spectral_norm_of_each_step() -> None:
    rng = np.random.default_rng(2)
    W = [rng.standard_normal((3, 4)), rng.standard_normal((4, 4)), rng.standard_normal((4, 1))]
    fp = [None, rng.uniform(-1, 1, (5, 4)), rng.uniform(-1, 1, (5, 4))]
    c = chains.step_norms(W, fp)
    assert c[0] is None
    for k in (1, 2):
        for p in range(5):
            exact = np.linalg.norm(np.diag(fp[k][p]) @ W[k], 2)
            assert exact <= c[k][p] <= np.max(np.abs(fp[k][p])) * np.linalg.norm(W[k], 2) * 1.01


def _identity_net(second_row_sign: float):
    """2-2-2-1 identity net, squared error. J_{3<-1} = W_1 W_2 = [[0], [1 - sign]]: the
    errors made at the first unit of z^1 never reach z^3 (with sign +1, neither unit's)."""
    W1 = np.array([[0.5, 0.25], [1.0, 1.0], [1.0, second_row_sign * 1.0]])  # w^1: bias row + 2x2
    W0 = np.array([[0.1, 0.2], [1.0, 0.5], [0.5, -1.0]])
    W2 = np.array([[0.3], [1.0], [-1.0]])
    X = np.array([[0.7, -0.4], [0.2, 0.9]])
    Y = np.array([[0.1], [0.4]])
    return make_problem([W0, W1, W2], X, Y, ["identity", "identity", "identity"], "squared_error")


def test_signed_chains_beat_absolute_values_where_they_cancel(monkeypatch) -> None:
    p = _identity_net(1.0)
    sharp = budget(p).scale
    monkeypatch.setattr(chains, "WORK_CAP", 0)  # no window: absolute steps and norms only
    loose = budget(p).scale
    for s, t in zip(sharp, loose, strict=True):
        assert (s <= t * (1 + 1e-12)).all()
    # layer 0's gradient gathers the errors made at z^1, which reach the output through
    # W_1 W_2 = [[0], [0]]: the window sees that they cancel, absolute values do not
    assert (sharp[0] < 0.9 * loose[0]).any()


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_the_window_is_used_on_deep_enough_nets(sign) -> None:
    assert budget(_identity_net(sign)).window == 2
