"""Fake oracles and candidates for the judge's and the verdict's own tests: a 1-1
identity net whose exact gradient is known in closed form."""

from __future__ import annotations

import types

import numpy as np

from crosscheck.problem import make_problem

__all__ = ["correct", "exact", "fake_oracle", "off", "one_unit_problem"]


def one_unit_problem(bias: float = 0.5, activation: str = "identity"):
    return make_problem(
        [np.array([[bias], [2.0]])],
        np.array([[1.5]]),
        np.array([[1.0]]),
        [activation],
        "squared_error",
    )


def exact(p):
    """dC/dw of the 1-1 identity net: delta = z - y, [delta, x delta]."""
    b, w = p.weights[0][:, 0]
    x, y = p.X[0, 0], p.Y[0, 0]
    d = b + w * x - y
    return [np.array([[d], [x * d]])]


def fake_oracle(name="fake", kind="peer", factor=1.0, ok=True, fits=True, calls=None):
    def gradients(problem):
        if calls is not None:
            calls.append(name)
        return [g * factor for g in exact(problem)]

    return types.SimpleNamespace(
        NAME=name,
        KIND=kind,
        DPS=50,
        available=lambda: (ok, "" if ok else "not installed"),
        fits=lambda problem: fits,
        gradients=gradients,
        error_bounds=lambda problem: [np.full((2, 1), 1e-3)],
    )


def correct(weights, X, Y, activations, cost):
    return exact(make_problem(weights, X, Y, activations, cost))


def off(weights, X, Y, activations, cost):
    return [2.0 * g for g in correct(weights, X, Y, activations, cost)]
