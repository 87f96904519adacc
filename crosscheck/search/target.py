"""Load the function under test from a TARGET: ``path/to/file.py:function`` or
``package.module:function``."""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from crosscheck.errors import UsageError

__all__ = ["load_target"]


def load_target(spec: str) -> Callable[..., Any]:
    """The function named by ``spec``: ``path/to/file.py:function`` or
    ``package.module:function`` (``function`` may be dotted: ``Class.method``).

    A file is imported by path, with its directory first on ``sys.path`` while it runs
    (so its own sibling imports work), then last (so that the function's own imports at
    call time, ``import helpers`` inside it, still work, without the directory's files
    shadowing any module that crosscheck or the frameworks import later). Raises
    :class:`UsageError` saying what went wrong.
    """
    if not isinstance(spec, str) or ":" not in spec:
        raise UsageError(
            f"TARGET: expected 'path/to/file.py:function' or 'package.module:function', "
            f"got {spec!r}"
        )
    where, _, attr = spec.rpartition(":")
    if not where or not attr:
        raise UsageError(f"TARGET: expected MODULE:FUNCTION, got {spec!r}")
    if where.endswith(".py") or os.sep in where or "/" in where:
        module = _import_file(where)
    else:
        try:
            module = importlib.import_module(where)
        except Exception as exc:
            raise UsageError(
                f"TARGET {spec!r}: cannot import module {where!r}: {type(exc).__name__}: {exc}"
            ) from exc
    obj: Any = module
    for part in attr.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise UsageError(
                f"TARGET {spec!r}: {where!r} has no attribute {attr!r}"
                + (f" (no {part!r})" if part != attr else "")
            ) from None
    if not callable(obj):
        raise UsageError(
            f"TARGET {spec!r}: {attr!r} is a {type(obj).__name__}, not a callable gradient "
            "function fn(weights, X, Y, activations, cost)"
        )
    return obj


def _import_file(path: str) -> ModuleType:
    file = Path(path)
    if not file.is_file():
        raise UsageError(f"TARGET: no such file {path!r}")
    name = f"_crosscheck_target_{file.stem}"
    spec = importlib.util.spec_from_file_location(name, file)
    if spec is None or spec.loader is None:
        raise UsageError(f"TARGET: cannot import {path!r} as a Python file")
    module = importlib.util.module_from_spec(spec)
    directory = str(file.resolve().parent)
    sys.path.insert(0, directory)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except (Exception, SystemExit) as exc:  # the file's own error, reported as such
        sys.modules.pop(name, None)
        raise UsageError(f"TARGET: importing {path!r} failed: {type(exc).__name__}: {exc}") from exc
    finally:
        try:
            sys.path.remove(directory)
        except ValueError:  # pragma: no cover - the module removed it itself
            pass
    if directory not in sys.path:  # for imports inside the function, at call time
        sys.path.append(directory)
    return module
