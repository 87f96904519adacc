"""crosscheck: hand-derived gradients checked against independent oracles.

``crosscheck.verify(fn, ...)`` searches for a problem on which a gradient function
``fn(weights, X, Y, activations, cost)`` disagrees with the oracles beyond the error
budget (see :mod:`crosscheck.verify`); ``crosscheck.testing.assert_gradients_match`` is
the same check as a pytest assertion.

The import is light (NumPy and handprop; Hypothesis, torch and jax are imported when a
search runs). ``verify`` is bound here after its module is imported, so
``crosscheck.verify`` is the function while ``import crosscheck.verify`` style module
access goes through ``sys.modules`` / ``from crosscheck.verify import ...``.
"""

from crosscheck.verify import verify

__all__ = ["verify"]
