"""Process start: the wall time of ``crosscheck verify --help`` in a fresh process
(:func:`verify_help_seconds`), what a user waits for before anything is checked.

The child runs exactly what the ``crosscheck`` console script runs (``from crosscheck.cli
import main; sys.exit(main())``) with the interpreter of this process, and with the
directory of the ``crosscheck`` package this process imported first on ``PYTHONPATH``, so
the code timed is the code being benchmarked (a work tree, not whichever copy is
installed). Beside it, a bare ``python -c pass`` gives the interpreter's own share.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

__all__ = ["HELP_ARGS", "verify_help_seconds"]

HELP_ARGS: tuple[str, ...] = ("verify", "--help")
_SCRIPT = "import sys; from crosscheck.cli import main; sys.exit(main())"


def _environment() -> dict[str, str]:
    import crosscheck

    root = str(Path(crosscheck.__file__).resolve().parent.parent)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    return env


def _wall(argv: list[str], env: dict[str, str], timeout: float) -> float:
    t0 = time.perf_counter()
    subprocess.run(argv, env=env, capture_output=True, check=True, timeout=timeout)
    return time.perf_counter() - t0


def verify_help_seconds(runs: int = 7, timeout: float = 60.0) -> dict[str, Any]:
    """Seconds from spawning ``crosscheck verify --help`` to its exit: the median, minimum
    and maximum over ``runs`` runs after one untimed run (which fills the page cache), and
    the median of as many bare interpreter starts (``python -c pass``), interleaved."""
    if runs < 1:
        raise ValueError(f"runs: expected at least 1, got {runs}")
    env = _environment()
    command = [sys.executable, "-c", _SCRIPT, *HELP_ARGS]
    bare = [sys.executable, "-c", "pass"]
    _wall(command, env, timeout)
    times, bare_times = [], []
    for _ in range(runs):
        times.append(_wall(command, env, timeout))
        bare_times.append(_wall(bare, env, timeout))
    return {
        "command": "crosscheck " + " ".join(HELP_ARGS),
        "median": statistics.median(times),
        "min": min(times),
        "max": max(times),
        "runs": runs,
        "python_alone": statistics.median(bare_times),
    }
