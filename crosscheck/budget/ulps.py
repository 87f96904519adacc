"""How many roundings each formula may cost: C_F per formula (in units of its magnitude).

A formula's computed value is within ``C_F u mag_f`` of the exact one (mag_f from
:mod:`crosscheck.budget.models`), whoever computes it: NumPy/SciPy (handprop), torch or
jax, in float32 or float64. The constants are the measured worst case over those
libraries, with a margin (docs/ulp-bounds.md); ``tests/crosscheck/budget/test_ulps.py``
checks them against fresh measurements.
"""

from __future__ import annotations

__all__ = ["C_F", "DERIVATIVE", "OUTPUT", "VALUE"]

C_F = 8.0
"""The default charge of one formula: its few operations plus a library function's ulps."""

VALUE: dict[str, float] = {}
"""C_F of an activation's value f(z), where it differs from :data:`C_F`."""

DERIVATIVE: dict[str, float] = {}
"""C_F of an activation's derivative f'(z), where it differs from :data:`C_F`."""

OUTPUT: dict[str, float] = {}
"""C_F of a cost's output delta dC/dz^L (sigmoid and softmax costs), where it differs."""
