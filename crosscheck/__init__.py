"""crosscheck: hand-derived gradients checked against independent oracles.

``crosscheck.verify(fn, ...)`` searches for a problem on which a gradient function
``fn(weights, X, Y, activations, cost)`` disagrees with the oracles beyond the error
budget (see :mod:`crosscheck.verify`); ``crosscheck.testing.assert_gradients_match`` is
the same check as a pytest assertion.

Importing the package imports nothing else: ``verify`` is bound on first access
(PEP 562 ``__getattr__``), so ``import crosscheck.oracles`` or ``crosscheck.problem``
stays light. After that first access ``crosscheck.verify`` is the function; the module is
``sys.modules["crosscheck.verify"]`` (``from crosscheck.verify import ...`` works as usual).
"""

from typing import Any

__all__ = ["verify"]


def __getattr__(name: str) -> Any:
    if name == "verify":
        from crosscheck.verify import verify

        globals()["verify"] = verify
        return verify
    raise AttributeError(f"module 'crosscheck' has no attribute {name!r}")
