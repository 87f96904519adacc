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
