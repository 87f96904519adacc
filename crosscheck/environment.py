"""Where a run happened: package versions, the platform, the CPU, whether on CI.

Recorded beside results (``meta.json``, ``trajectory.json``, ``benchmarks.json``), never
inside the parts that must be byte-identical between two runs with the same options.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from collections.abc import Iterable
from importlib import metadata
from typing import Any

__all__ = ["PACKAGES", "cpu_name", "git_commit", "is_ci", "platform_info", "versions"]

PACKAGES: tuple[str, ...] = (
    "handprop",
    "numpy",
    "torch",
    "jax",
    "jaxlib",
    "mpmath",
    "hypothesis",
    "matplotlib",
)
"""The packages whose versions a run records by default."""


def versions(packages: Iterable[str] = PACKAGES) -> dict[str, str]:
    """``{"python": ..., package: version or "not installed"}`` (from the installed
    distributions' metadata: nothing is imported)."""
    out = {"python": sys.version.split()[0]}
    for pkg in packages:
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def cpu_name() -> str:
    """The CPU's model name (``/proc/cpuinfo``), else ``platform.processor()``."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def platform_info() -> dict[str, Any]:
    """The platform string, machine, processor and CPU count."""
    return {
        "platform": platform.platform(),
        "machine": platform.machine(),
        "processor": platform.processor(),
        "cpu_count": os.cpu_count(),
    }


def is_ci() -> bool:
    """True when the ``CI`` environment variable is set to something other than a no."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def git_commit() -> str:
    """The git commit of crosscheck's source tree (``+ changes`` when it has uncommitted
    changes to tracked files), or ``"unknown"`` (no git, not a checkout)."""
    here = os.path.dirname(os.path.abspath(__file__))

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "-C", here, *args], capture_output=True, text=True, timeout=10, check=True
        ).stdout.strip()

    try:
        commit = git("rev-parse", "HEAD")
        dirty = git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{commit} + changes" if dirty else commit or "unknown"
