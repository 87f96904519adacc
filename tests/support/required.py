"""Optional dependencies of the tests: skip where one is missing, fail where it is required.

Every test that needs an oracle (torch, jax, mpmath, ...) or another optional package
asks here, never through ``pytest.importorskip`` or a skip of its own. Outside CI a
missing oracle skips the test with its reason; with ``REQUIRE_ORACLES=1`` (set by
``make test``, ``make test-slow``, ``make test-thorough`` and the CI workflows) it fails
it instead, so that a broken torch install cannot turn into a green run of skips.

* :func:`require_oracles` - the oracle modules by name (at module level or in a test);
* :func:`require_package` - a plain import (threadpoolctl), like ``importorskip``;
* :func:`oracles_of_kind` - every registered oracle of some kinds, all of them available,
  for the loops that must run each oracle (never an empty loop).
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType
from typing import NoReturn

import pytest

from crosscheck import oracles

__all__ = [
    "ENV",
    "oracles_of_kind",
    "oracles_required",
    "require_oracle",
    "require_oracles",
    "require_package",
]

ENV = "REQUIRE_ORACLES"
"""The environment variable: set to anything but ``""`` or ``"0"``, a missing oracle or
optional package fails the test that needs it."""


def oracles_required() -> bool:
    """Whether ``REQUIRE_ORACLES`` is set (to anything but ``""`` or ``"0"``)."""
    return os.environ.get(ENV, "").strip() not in ("", "0")


def _unavailable(what: str, why: str) -> NoReturn:
    if oracles_required():
        pytest.fail(
            f"{what} is unavailable ({why}), and {ENV}={os.environ[ENV]} says every oracle "
            "must run: install it (make .venv/.installed) or unset "
            f"{ENV} to skip these tests",
            pytrace=False,
        )
    pytest.skip(f"{what} unavailable: {why}", allow_module_level=True)


def require_oracle(name: str) -> ModuleType:
    """The oracle module ``name`` (``crosscheck.oracles.get``) if it is available; else
    skip the test (or the module, at module level), or fail under ``REQUIRE_ORACLES``."""
    mod = oracles.get(name)
    ok, why = mod.available()
    if not ok:
        _unavailable(f"oracle {name}", why)
    return mod


def require_oracles(*names: str) -> list[ModuleType]:
    """:func:`require_oracle` for each name, in order."""
    return [require_oracle(name) for name in names]


def require_package(name: str) -> ModuleType:
    """``import name``; if that fails, skip (or fail under ``REQUIRE_ORACLES``)."""
    try:
        return importlib.import_module(name)
    except Exception as exc:  # a broken install raises more than ImportError
        _unavailable(f"package {name}", f"{type(exc).__name__}: {exc}")


def oracles_of_kind(*kinds: str) -> list[ModuleType]:
    """Every registered oracle whose KIND is one of ``kinds``, in registry order, each
    checked by :func:`require_oracle`: a loop over the result runs every one of them or
    the test does not pass (it skips, or fails under ``REQUIRE_ORACLES``)."""
    unknown = set(kinds) - set(oracles.KINDS)
    if not kinds or unknown:
        raise ValueError(f"kinds: expected some of {oracles.KINDS}, got {kinds}")
    mods = [m for m in oracles.ORACLES.values() if m.KIND in kinds]
    assert mods, f"no oracle of kind {kinds} is registered"
    return [require_oracle(m.NAME) for m in mods]
