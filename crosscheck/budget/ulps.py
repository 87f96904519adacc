"""How many roundings each formula may cost: C_F per formula and dtype (in units of its
magnitude).

A formula's computed value is within ``C_F u mag_f`` of the exact one (mag_f from
:mod:`crosscheck.budget.models`; for the output deltas, the charges of
``analysis._output_delta``), whoever computes it: NumPy/SciPy (handprop), torch or jax.
Each dtype has its own table: the analysis reads the problem's dtype's
(:func:`constant`), so that float32 is not charged for float64's worst library routes.

Every constant below is measured, not chosen: ``python -m crosscheck.budget.calibrate``
(``crosscheck/budget/calibrate.py``: 16,000 inputs per dtype over the whole range, plus
targeted searches of the known worst corners; exact values from mpmath) finds, for each
formula, library route and dtype, the smallest constant that covers every input, and
sets each dtype's constant to twice the worst of its routes, rounded up to an integer,
never below the formula's operation count. The table of every measurement and the
inputs where the worst cases occurred are in docs/ulp-bounds.md, which the same command
regenerates (rerun it, and copy its ``VALUE``/``DERIVATIVE``/``OUTPUT`` block here, when a
library changes). ``tests/crosscheck/budget/test_ulps.py`` checks the constants against
fresh measurements. Not listed: relu, identity and the piecewise constant derivatives
but leaky_relu's, whose mag is 0 (the constant would multiply nothing), and
squared_error, whose delta is built from its activation's formulas.
"""

from __future__ import annotations

__all__ = ["C_F", "DERIVATIVE", "DTYPES", "OUTPUT", "VALUE", "constant"]

C_F = 8.0
"""The default charge of a formula not listed below, and the multiplier of the underflow
floor (``C_F tiny`` per computed quantity)."""

DTYPES = ("float32", "float64")

VALUE: dict[str, dict[str, float]] = {
    "float32": {
        "sigmoid": 9.0,
        "tanh": 9.0,
        "leaky_relu": 3.0,
        "softplus": 6.0,
        "elu": 2.0,
        "silu": 9.0,
        "gelu": 10.0,
    },
    "float64": {
        "sigmoid": 6.0,
        "tanh": 14.0,
        "leaky_relu": 3.0,
        "softplus": 7.0,
        "elu": 2.0,
        "silu": 7.0,
        "gelu": 10.0,
    },
}
"""C_F of an activation's value f(z), per dtype (docs/ulp-bounds.md)."""

DERIVATIVE: dict[str, dict[str, float]] = {
    "float32": {
        "sigmoid": 8.0,
        "tanh": 8.0,
        "leaky_relu": 1.0,
        "softplus": 6.0,
        "elu": 2.0,
        "silu": 8.0,
        "gelu": 19.0,
    },
    "float64": {
        "sigmoid": 7.0,
        "tanh": 14.0,
        "leaky_relu": 1.0,
        "softplus": 5.0,
        "elu": 2.0,
        "silu": 7.0,
        "gelu": 19.0,
    },
}
"""C_F of an activation's derivative f'(z) as each library computes it, per dtype."""

OUTPUT: dict[str, dict[str, float]] = {
    "float32": {
        "log_likelihood": 5.0,
        "binary_cross_entropy": 5.0,
        "softmax_log_likelihood": 3.0,
        "softmax_cross_entropy": 3.0,
    },
    "float64": {
        "log_likelihood": 5.0,
        "binary_cross_entropy": 5.0,
        "softmax_log_likelihood": 3.0,
        "softmax_cross_entropy": 3.0,
    },
}
"""C_F of a cost's output delta dC/dz^L (sigmoid and softmax costs), per dtype."""


def constant(table: str, name: str, dtype: str) -> float:
    """The constant of formula ``name`` in ``table`` ("value", "derivative" or "output")
    for ``dtype`` ("float32" or "float64"); :data:`C_F` for a formula not listed."""
    tables = {"value": VALUE, "derivative": DERIVATIVE, "output": OUTPUT}
    return tables[table][dtype].get(name, C_F)
