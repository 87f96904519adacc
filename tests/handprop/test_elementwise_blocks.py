"""handprop's elementwise work on large arrays: blocks of rows over a thread pool
(handprop/activations.py). Speed must not change a single bit, nor NumPy's error handling.
"""

from __future__ import annotations

import numpy as np
import pytest

import handprop
from handprop import activations as A

SHAPE = (300, 1000)  # 3e5 elements: above BLOCKWISE_MIN_SIZE, many blocks, a ragged last one
# 257 rows of 1024: four blocks of 64 rows and a last row of 1024 elements, fewer than
# EXPIT_BELOW; it must not switch the sigmoid's route (it joins the block before it)
SHAPES = [SHAPE, (257, 1024)]


@pytest.fixture(params=[1, 2, 3], ids=lambda n: f"{n} threads")
def threads(request):
    previous = A.set_elementwise_threads(request.param)
    yield request.param
    A.set_elementwise_threads(previous)


def _z(dtype, shape=SHAPE) -> np.ndarray:
    rng = np.random.default_rng(4)
    z = rng.normal(scale=8.0, size=shape).astype(dtype)
    z[0, :3] = [0.0, -0.0, 60.0]
    return z


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", A.ELEMENTWISE)
def test_blocks_give_the_same_bits(name: str, dtype, threads: int, shape) -> None:
    assert np.prod(shape) >= A.BLOCKWISE_MIN_SIZE
    act = A.ACTIVATIONS[name]
    z = _z(dtype, shape)
    whole = act.value(z)
    unit = np.empty((shape[0], shape[1] + 1), dtype)  # the strided view backprop writes into
    got = A.value_into(name, z, unit[:, 1:])
    assert got.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(got, whole)
    back = np.random.default_rng(5).normal(size=shape).astype(dtype)
    want = back * act.derivative(z, whole)
    np.testing.assert_array_equal(A.times_derivative(name, back.copy(), z, got), want)


def test_the_callers_error_settings_apply_in_the_workers(threads: int) -> None:
    """gelu's 0.045 z^3 overflows float32 at |z| = 1e14: under np.errstate(over="raise") the
    caller gets FloatingPointError, whichever thread computed the block."""
    z = np.full(SHAPE, 1e14, np.float32)
    out = np.empty_like(z)
    with np.errstate(over="raise"), pytest.raises(FloatingPointError):
        A.value_into("gelu", z, out)
    with np.errstate(over="ignore"):
        A.value_into("gelu", z, out)  # no warning, no error


def test_large_gradients_do_not_depend_on_the_thread_count() -> None:
    rng = np.random.default_rng(6)
    sizes = (40, 600, 500, 3)
    weights = handprop.init_weights(sizes, seed=rng, bias=0.2)
    X = rng.normal(size=(700, sizes[0]))
    Y = (rng.uniform(size=(700, sizes[-1])) < 0.5).astype(float)
    args = (weights, X, Y, ["tanh", "sigmoid", "sigmoid"], "log_likelihood")
    results = []
    for n in (1, 2):
        previous = A.set_elementwise_threads(n)
        try:
            results.append(handprop.gradients(*args))
        finally:
            A.set_elementwise_threads(previous)
    for one, two in zip(*results, strict=True):
        np.testing.assert_array_equal(one, two)


def test_thread_count_must_be_positive() -> None:
    for bad in (0, -1, 1.5, True, "2"):
        with pytest.raises(ValueError, match="n: "):
            A.set_elementwise_threads(bad)


@pytest.mark.parametrize("P", [3, 700], ids=["small", "blocks"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_z_overwritten_by_a_gives_the_same_bits(monkeypatch, P: int, dtype) -> None:
    """Backprop computes z into [1 a] and lets a overwrite it where the derivative needs a
    alone (sigmoid, tanh, identity); the gradients are the bits of keeping z apart."""
    from handprop import backprop

    rng = np.random.default_rng(7)
    sizes = (40, 600, 500, 20, 3)
    weights = handprop.init_weights(sizes, seed=rng, bias=0.2, dtype=dtype)
    X = rng.normal(size=(P, sizes[0])).astype(dtype)
    Y = (rng.uniform(size=(P, sizes[-1])) < 0.5).astype(dtype)
    args = (weights, X, Y, ["tanh", "sigmoid", "identity", "sigmoid"], "log_likelihood")
    in_place = handprop.gradients(*args)
    monkeypatch.setattr(backprop, "_FROM_A_ALONE", frozenset())
    apart = handprop.gradients(*args)
    for one, two in zip(in_place, apart, strict=True):
        np.testing.assert_array_equal(one, two)
