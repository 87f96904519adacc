"""The nets' weights as one flat vector: flatten and unflatten are inverse."""

from __future__ import annotations

import numpy as np

from crosscheck.trajectory import nets


def test_flatten_roundtrip():
    p = nets.net_problem(nets.NETS[1], np.float32)
    flat = nets.flatten(p.weights)
    back = nets.unflatten(flat, [w.shape for w in p.weights])
    for a, b in zip(back, p.weights, strict=True):
        np.testing.assert_array_equal(a, b)
    stacked = nets.unflatten(np.stack([flat, 2 * flat]), [w.shape for w in p.weights])
    np.testing.assert_array_equal(stacked[1][1], 2 * p.weights[1])
