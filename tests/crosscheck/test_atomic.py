"""Atomic writes: an interrupted or failing write leaves the previous files intact, and
every writer uses the one module.
"""

from __future__ import annotations

import os

import pytest

from crosscheck import atomic
from crosscheck import trajectory as T


def test_atomic_write_failure_leaves_the_old_file(tmp_path, monkeypatch) -> None:
    target = tmp_path / "f.txt"
    target.write_text("old")

    def half(f):
        f.write(b"new, half")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        atomic.write_with(target, half)
    assert target.read_text() == "old"
    assert os.listdir(tmp_path) == ["f.txt"]

    def broken_replace(src, dst):
        raise OSError("disk gone")

    monkeypatch.setattr(atomic.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk gone"):
        atomic.write_many({target: b"new", tmp_path / "g.txt": b"g"})
    assert target.read_text() == "old"
    assert os.listdir(tmp_path) == ["f.txt"]


def test_write_many_writes_nothing_if_one_file_fails(tmp_path) -> None:
    a, blocker = tmp_path / "a", tmp_path / "blocker"
    a.write_bytes(b"A")
    blocker.write_bytes(b"a file where a directory is needed")
    with pytest.raises(OSError):  # a's temporary file is written, then blocker/x fails
        atomic.write_many({a: b"A2", blocker / "x": b"X"})
    assert a.read_bytes() == b"A"
    assert sorted(os.listdir(tmp_path)) == ["a", "blocker"]


def test_trajectory_uses_the_one_atomic_writer() -> None:
    assert T._atomic_write is atomic.write_with


def _dead_pid() -> int:
    """The pid of a process that has exited (and been reaped)."""
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    return int(proc.stdout)


def test_write_unit_replaces_the_files_and_removes_the_others(tmp_path) -> None:
    (tmp_path / "a").write_bytes(b"old a")
    (tmp_path / "c").write_bytes(b"old c")
    (tmp_path / "keep").write_bytes(b"not ours")
    atomic.write_unit(tmp_path, {"a": b"new a", "b": b"new b"}, remove=["c", "missing"])
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == {
        "a": b"new a", "b": b"new b", "keep": b"not ours"
    }


def test_a_committed_unit_is_completed_by_recover(tmp_path, monkeypatch) -> None:
    for name in ("a", "b", "c"):
        (tmp_path / name).write_bytes(b"old " + name.encode())
    real, calls = os.replace, []

    def dies_after_the_journal_and_one_rename(src, dst):
        calls.append(dst)
        if len(calls) == 3:  # the journal's rename, a's rename, then a kill
            raise SystemExit("killed")
        real(src, dst)

    monkeypatch.setattr(atomic.os, "replace", dies_after_the_journal_and_one_rename)
    with pytest.raises(SystemExit):
        atomic.write_unit(tmp_path, {"a": b"new a", "b": b"new b"}, remove=["c"])
    monkeypatch.setattr(atomic.os, "replace", real)
    assert (tmp_path / atomic.JOURNAL).exists() and (tmp_path / "a").read_bytes() == b"new a"
    assert (tmp_path / "b").read_bytes() == b"old b"  # a mix, until recovered:
    assert atomic.recover(tmp_path)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == {"a": b"new a",
                                                                   "b": b"new b"}
    assert not atomic.recover(tmp_path)  # nothing left to do


def test_an_interrupt_during_the_renames_finishes_them_first(tmp_path, monkeypatch) -> None:
    real, calls = os.replace, []

    def interrupted_once(src, dst):
        calls.append(dst)
        if len(calls) == 2:
            raise KeyboardInterrupt
        real(src, dst)

    monkeypatch.setattr(atomic.os, "replace", interrupted_once)
    with pytest.raises(KeyboardInterrupt):
        atomic.write_unit(tmp_path, {"a": b"A", "b": b"B"})
    assert sorted(os.listdir(tmp_path)) == ["a", "b"]  # no journal, no temporary file


def test_stale_temporary_files_of_dead_processes_are_removed(tmp_path) -> None:
    dead = _dead_pid()
    stale = tmp_path / f".report.json.{dead}.0.tmp"
    live = tmp_path / f".report.json.{os.getppid()}.0.tmp"  # a live writer's: kept
    other = tmp_path / ".hidden.tmp"  # not one of ours
    for p in (stale, live, other):
        p.write_bytes(b"x")
    atomic.write_unit(tmp_path, {"report.json": b"{}"})
    assert sorted(os.listdir(tmp_path)) == sorted(["report.json", live.name, other.name])


def test_a_corrupt_journal_is_an_error_naming_it(tmp_path) -> None:
    (tmp_path / atomic.JOURNAL).write_text('{"replace": [["../x", "y"]], "remove": []}')
    with pytest.raises(OSError, match="journal"):
        atomic.recover(tmp_path)
    assert atomic.recover(tmp_path / "missing") is False
