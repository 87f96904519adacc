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

:func:`write_unit` writes the files of one directory as a **unit** (a report's five
files): the temporary files, then a journal naming them (itself written atomically: the
commit point), then the renames, then the journal is removed. :func:`recover` (run by
the next unit write and by every reader of a unit) finishes the renames of a journal it
finds, so a kill at any instant leaves the previous files or the new ones, never a mix,
and removes the temporary files that killed processes left behind.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import BinaryIO

__all__ = ["JOURNAL", "recover", "write_bytes", "write_many", "write_text", "write_unit",
           "write_with"]

JOURNAL = ".crosscheck-commit.json"
"""The journal of a unit write in progress (in the unit's directory)."""

_counter = itertools.count()
_TEMPORARY = re.compile(r"^\..+\.(\d+)\.\d+\.tmp$")


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


def _fsync_directory(directory: Path) -> None:
    """Make the directory's entries (renames, removals) durable (POSIX; no-op elsewhere)."""
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def _locked(directory: Path) -> Iterator[None]:
    """An exclusive advisory lock on ``directory`` (``flock`` on the directory itself, so
    no lock file is left behind); no lock where ``fcntl`` is missing."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def _alive(pid: int) -> bool:
    """Whether process ``pid`` exists (a stale temporary file's writer is dead)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True
    return True


def _plain_name(name: object) -> str:
    if not isinstance(name, str) or not name or "/" in name or "\\" in name or name in (
        ".", ".."
    ):
        raise ValueError(f"journal: {name!r} is not a file name")
    return name


def _apply(directory: Path, journal: Mapping[str, list]) -> None:
    """Carry out a committed journal (idempotent: a rename already done is skipped),
    then remove it."""
    for tmp, name in journal["replace"]:
        src = directory / _plain_name(tmp)
        if src.exists():
            os.replace(src, directory / _plain_name(name))
    for name in journal["remove"]:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(directory / _plain_name(name))
    _fsync_directory(directory)
    (directory / JOURNAL).unlink(missing_ok=True)
    _fsync_directory(directory)


def _recover(directory: Path) -> bool:
    done = False
    path = directory / JOURNAL
    if path.exists():
        try:
            journal = json.loads(path.read_text(encoding="utf-8"))
            replace = [(_plain_name(t), _plain_name(n)) for t, n in journal["replace"]]
            remove = [_plain_name(n) for n in journal["remove"]]
        except (ValueError, KeyError, TypeError) as exc:
            raise OSError(f"{path}: a corrupt commit journal ({exc}); remove it") from None
        _apply(directory, {"replace": replace, "remove": remove})
        done = True
    for entry in os.listdir(directory):
        m = _TEMPORARY.match(entry)
        if m and int(m.group(1)) != os.getpid() and not _alive(int(m.group(1))):
            with contextlib.suppress(OSError):
                os.unlink(directory / entry)
                done = True
    return done


def recover(directory: str | os.PathLike[str]) -> bool:
    """Finish a unit write a killed process committed but did not complete, and remove
    the temporary files that dead processes left in ``directory``. Returns True if it
    changed anything. Safe to call at any time (it takes the directory's lock); a
    missing or unwritable directory is left as it is."""
    directory = Path(directory)
    if not directory.is_dir():
        return False
    try:
        with _locked(directory):
            return _recover(directory)
    except PermissionError:
        return False


def write_unit(
    directory: str | os.PathLike[str],
    files: Mapping[str, bytes],
    remove: Iterable[str] = (),
) -> None:
    """Write ``files`` (``{name: bytes}``, names within ``directory``) and remove the
    files named in ``remove`` as one unit.

    Under the directory's lock: :func:`recover` first; every temporary file written and
    fsynced; the journal (the renames and removals to do) written atomically, which
    commits the unit; the renames and removals; the journal removed. Killed before the
    commit, the previous files stay (and the temporaries are removed by the next
    :func:`recover`); killed after it, :func:`recover` completes the new unit.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    with _locked(directory):
        _recover(directory)
        temps: dict[str, Path] = {}
        try:
            for name, data in files.items():
                temps[_plain_name(name)] = _write_temporary(
                    directory / name, lambda f, d=data: f.write(d)
                )
            journal = {
                "replace": [[tmp.name, name] for name, tmp in temps.items()],
                "remove": [_plain_name(n) for n in remove if n not in files],
            }
            _fsync_directory(directory)
            write_bytes(directory / JOURNAL, json.dumps(journal).encode())
        except BaseException:
            for tmp in temps.values():
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
            raise
        try:
            _apply(directory, journal)
        except KeyboardInterrupt:  # committed: finish the few renames, then stop
            _apply(directory, journal)
            raise
