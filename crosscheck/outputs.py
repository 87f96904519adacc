"""Where a command will write, checked before it does any work: a directory that is (or
can be made) a writable directory, a file whose directory is writable. Every failure is a
:class:`~crosscheck.errors.UsageError` naming the path (exit 2), so a long run never ends
in a traceback because its output cannot be written.

Writability is probed by creating (and removing) a file, not read from the permission
bits: that is also right for root (who ignores them), read-only mounts and ACLs.
"""

from __future__ import annotations

import contextlib
import errno
import os
from pathlib import Path

from crosscheck.errors import UsageError

__all__ = ["output_directory", "output_file"]


def _probe(directory: Path) -> str | None:
    """Why no file can be created in ``directory``, or None if one can."""
    probe = directory / f".crosscheck-probe.{os.getpid()}.0.tmp"  # as atomic's: cleaned if killed
    try:
        fd = os.open(probe, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:  # pragma: no cover - a leftover of this very pid
        return None
    except OSError as exc:
        return _reason(exc)
    os.close(fd)
    with contextlib.suppress(OSError):
        os.unlink(probe)
    return None


def _reason(exc: OSError) -> str:
    if exc.errno == errno.EROFS:
        return "read-only file system"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    return exc.strerror or str(exc)


def _existing_ancestor(path: Path) -> Path:
    """The nearest existing ancestor of ``path`` (``path`` itself if it exists)."""
    p = path.absolute()
    while not p.exists() and p != p.parent:
        p = p.parent
    return p


def output_directory(path: str | os.PathLike[str], option: str = "--out") -> Path:
    """``path`` as the directory a command writes into: an existing directory in which a
    file can be created, or a path whose nearest existing ancestor is such a directory
    (it will be created). :class:`UsageError` (``"--out PATH: ..."``) otherwise."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise UsageError(f"{option} {path}: exists and is not a directory")
    base = _existing_ancestor(path)
    if not base.is_dir():
        raise UsageError(f"{option} {path}: cannot create it, {base} is not a directory")
    why = _probe(base)
    if why is not None:
        where = "" if base == path.absolute() else f" (in {base})"
        raise UsageError(f"{option} {path}: cannot write there{where}: {why}")
    return path


def output_file(path: str | os.PathLike[str], option: str) -> Path:
    """``path`` as a file a command (re)writes atomically: not a directory, not a
    read-only file, in a directory that is or can be created and written.
    :class:`UsageError` (``"OPTION PATH: ..."``) otherwise."""
    path = Path(path)
    if path.is_dir():
        raise UsageError(f"{option} {path}: is a directory (expected a file)")
    if path.exists() and not os.access(path, os.W_OK):
        raise UsageError(f"{option} {path}: the file is read-only")
    base = _existing_ancestor(path.parent)
    if not base.is_dir():
        raise UsageError(f"{option} {path}: {base} is not a directory")
    why = _probe(base)
    if why is not None:
        raise UsageError(f"{option} {path}: cannot write in {base}: {why}")
    return path
