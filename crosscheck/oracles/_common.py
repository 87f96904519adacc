"""What every oracle does the same way: import its framework safely, check its arguments.

The names come from crosscheck's own :mod:`crosscheck.spec`; each oracle computes
everything else on its own (none imports handprop).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from types import ModuleType
from typing import Any

import numpy as np

from crosscheck import spec
from crosscheck.errors import UsageError

__all__ = ["check_arguments", "check_dtype", "try_import"]


def try_import(*names: str) -> tuple[list[ModuleType] | None, str]:
    """Import ``names``; ``(modules, "")`` or ``(None, why)``. Never raises: a missing
    package or a broken install (an ``OSError`` from a shared library, ...) is the reason."""
    try:
        modules = []
        for n in names:  # the import statement's machinery (builtins.__import__)
            __import__(n)
            modules.append(sys.modules[n])
        return modules, ""
    except ImportError as exc:
        return None, f"{names[0]} is not installed ({exc})"
    except Exception as exc:  # a broken install must not crash the caller
        return None, f"{names[0]} failed to import: {type(exc).__name__}: {exc}"


def check_arguments(weights: Sequence[Any], activations: Sequence[str], cost_name: str) -> None:
    """``ValueError`` naming the argument for unknown names, names that do not go with the
    cost (:func:`crosscheck.spec.check_names`), or not one name per weight layer."""
    spec.check_names(activations, cost_name)
    if len(weights) != len(activations):
        raise UsageError(
            f"activations: expected {len(weights)} names (one per layer), got {len(activations)}"
        )


def check_dtype(dtype: Any, argument: str = "problem") -> np.dtype:
    """The dtype, if float32 or float64; else ``ValueError`` naming ``argument``."""
    dt = np.dtype(dtype)
    if dt not in (np.float32, np.float64):
        raise UsageError(f"{argument}: expected dtype float32 or float64, got {dt}")
    return dt
