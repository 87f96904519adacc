"""A directory no file can be created in, for the fault tests: ``chmod 555`` for a normal
user; for root (who ignores permission bits) the immutable attribute (``chattr +i``).
Skips when neither works here (a file system without the attribute, no chattr)."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

__all__ = ["read_only"]


def _writable(d: Path) -> bool:
    probe = d / ".probe"
    try:
        probe.write_bytes(b"")
    except OSError:
        return False
    probe.unlink()
    return True


@contextlib.contextmanager
def read_only(d: Path) -> Iterator[Path]:
    """``d`` (created if needed) made read-only for the duration."""
    d.mkdir(parents=True, exist_ok=True)
    root = os.geteuid() == 0
    chattr = shutil.which("chattr")
    if root and chattr:
        subprocess.run([chattr, "+i", str(d)], capture_output=True, check=False)
    else:
        d.chmod(0o555)
    try:
        if _writable(d):
            pytest.skip(f"cannot make a read-only directory here ({d})")
        yield d
    finally:
        if root and chattr:
            subprocess.run([chattr, "-i", str(d)], capture_output=True, check=False)
        d.chmod(0o755)
