"""Derandomised draws do not depend on which local modules are imported (tests/conftest.py).

A pytest-xdist worker imports our modules in an order that depends on scheduling; before
the constant pool was pinned, Hypothesis mixed their constants into draws, and a test that
passed here failed in CI. This imports a new local module full of fresh constants between
two identical collections and asserts that nothing drawn changed.
"""

from __future__ import annotations

import importlib.util
import sys

import numpy as np
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from crosscheck.strategies import problems

N = 150

SETTINGS = settings(
    database=None, derandomize=True, max_examples=N, phases=[Phase.generate], deadline=None
)


def _draws() -> list:
    out: list = []

    @SETTINGS
    @given(problems(), st.floats(-1, 1), st.integers(-1000, 1000))
    def collect(p, x, i):
        out.append((p, x, i))

    collect()
    return out


def _key(draw) -> tuple:
    p, x, i = draw
    arrays = (*p.weights, p.X, p.Y)
    return (p.activations, p.cost, x, i, tuple((a.dtype.str, a.shape, a.tobytes()) for a in arrays))


def test_draws_ignore_constants_of_newly_imported_local_modules(tmp_path):
    before = [_key(d) for d in _draws()]
    constants = [f"{(-1) ** k * (0.1234567 + k / 997):.12f}" for k in range(200)]
    integers = [str(17 * k + 911) for k in range(200)]
    source = "FLOATS = [" + ", ".join(constants) + "]\nINTS = [" + ", ".join(integers) + "]\n"
    path = tmp_path / "fresh_constants_module.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("fresh_constants_module", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
        after = [_key(d) for d in _draws()]
    finally:
        del sys.modules[spec.name]
    assert len(before) == len(after) == N
    changed = sum(b != a for b, a in zip(before, after, strict=True))
    assert changed == 0, f"{changed} of {N} derandomised draws changed after an import"
    assert np.unique([k[2] for k in before]).size > 10  # the draws do vary among themselves
