"""How many roundings each formula may cost: C_F per formula (in units of its magnitude).

A formula's computed value is within ``C_F u mag_f`` of the exact one (mag_f from
:mod:`crosscheck.budget.models`; for the output deltas, the charges of
``analysis._output_delta``), whoever computes it: NumPy/SciPy (handprop), torch or jax,
in float32 or float64.

Every constant below is measured, not chosen: ``python -m crosscheck.budget.calibrate``
(``crosscheck/budget/calibrate.py``, 16,000 inputs per dtype over the whole range, exact
values from mpmath) finds, for each formula, library route and dtype, the smallest
constant that covers every input, and sets each constant to twice the worst of them,
rounded up to an integer, never below the formula's operation count. The table of every
measurement, the inputs where the worst cases occurred and the places where the model
itself falls short are in docs/ulp-bounds.md, which the same command regenerates (rerun
it, and copy its ``VALUE``/``DERIVATIVE``/``OUTPUT`` block here, when a library
changes). ``tests/crosscheck/budget/test_ulps.py`` checks the constants against fresh
measurements. Not listed: relu, identity and the piecewise constant derivatives, whose
mag is 0 (the constant would multiply nothing), and squared_error, whose delta is built
from its activation's formulas.
"""

from __future__ import annotations

__all__ = ["C_F", "DERIVATIVE", "OUTPUT", "VALUE"]

C_F = 8.0
"""The default charge of a formula not listed below, and the multiplier of the underflow
floor (``C_F tiny`` per computed quantity)."""

VALUE: dict[str, float] = {
    "sigmoid": 7.0,
    "tanh": 14.0,  # jax's float64 tanh: 6.9 u near saturation (z ~ 19.9)
    "leaky_relu": 3.0,
    "softplus": 7.0,
    "elu": 2.0,
    "silu": 8.0,
    "gelu": 10.0,  # the operation count (measured 4.3, jax float64)
}
"""C_F of an activation's value f(z) (docs/ulp-bounds.md)."""

DERIVATIVE: dict[str, float] = {
    "sigmoid": 8.0,
    "tanh": 14.0,  # 1 - a^2 from jax's tanh (above)
    "softplus": 66.0,  # jax: exp(z - softplus(z)) rounds z - softplus(z): 32.8 u at z ~ -32
    "elu": 2.0,
    "silu": 8.0,
    "gelu": 19.0,  # the operation count (measured 3.4, jax float64)
}
"""C_F of an activation's derivative f'(z) as each library computes it (docs/ulp-bounds.md)."""

OUTPUT: dict[str, float] = {
    "log_likelihood": 67.0,  # jax float64, log_sigmoid's gradient as in DERIVATIVE above: 33
    "binary_cross_entropy": 65.0,  # jax float64, softplus(z) - y z: 32.5
    "softmax_log_likelihood": 72.0,  # torch float64, through log_softmax: 35.6 (see docs)
    "softmax_cross_entropy": 72.0,
}
"""C_F of a cost's output delta dC/dz^L (sigmoid and softmax costs; docs/ulp-bounds.md)."""
