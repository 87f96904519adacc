"""Atomic file writes: a reader sees the old file or the new one, never half of either.

Every file crosscheck writes (reports, baselines, trajectories) goes through here. The
content goes to a temporary file in the same directory (``.<name>.<pid>.<n>.tmp``,
created with ``open(..., "xb")`` so the usual permissions apply), is flushed and
fsynced, and then ``os.replace`` swaps it in: on POSIX and Windows a rename within one
directory is atomic. If anything fails or the process is interrupted before the rename,
the previous file is untouched and the temporary file is removed (when the process
still runs its ``except``/``finally`` code).

:func:`write_many` writes a set of files with the smallest window between them: every
temporary file is written first, then the renames follow back to back; a failure before
the first rename leaves every previous file in place.
"""

from __future__ import annotations

import contextlib
import itertools
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import BinaryIO

__all__ = ["write_bytes", "write_many", "write_text", "write_with"]

_counter = itertools.count()


def _temporary(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.{next(_counter)}.tmp")


def _write_temporary(path: Path, write: Callable[[BinaryIO], None]) -> Path:
    """Write through ``write(file)`` to a fresh temporary file next to ``path``; return it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temporary(path)
    try:
        with open(tmp, "xb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return tmp


def write_with(path: str | os.PathLike[str], write: Callable[[BinaryIO], None]) -> None:
    """Write ``path`` atomically through ``write(binary_file)`` (e.g. ``fig.savefig``)."""
    path = Path(path)
    tmp = _write_temporary(path, write)
    try:
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    write_with(path, lambda f: f.write(data))


def write_text(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` to ``path`` atomically, UTF-8, newlines exactly as given."""
    write_bytes(path, text.encode("utf-8"))


def write_many(files: Mapping[str | os.PathLike[str], bytes]) -> None:
    """Write several files: all temporary files first, then the renames in order.

    If writing any temporary file fails, nothing is renamed and every previous file is
    intact. (The renames themselves are each atomic; a crash between two of them leaves
    some files new and the rest old, each one whole.)
    """
    done: list[tuple[Path, Path]] = []
    try:
        for name, data in files.items():
            path = Path(name)
            done.append((_write_temporary(path, lambda f, d=data: f.write(d)), path))
        while done:
            tmp, path = done[0]
            os.replace(tmp, path)
            done.pop(0)
    finally:
        for tmp, _ in done:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
