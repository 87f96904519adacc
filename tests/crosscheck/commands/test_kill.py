"""A report's files are one unit: ``crosscheck report`` killed (SIGKILL) at any instant
leaves, once read back (readers finish a committed unit first), either every file of the
previous run or every file of the new one, never a mix, and no temporary file.

The child (``tests/support/report_child.py``: the real command, with the evaluation and
plots faked so that a run takes a second) kills itself right after its k-th file-system
step, for every k from the first step to past the last; a slow test also kills it after a
range of delays from outside. Each run of the first test is a new process forked from one
started child (``report_child.py --serve``), so the interpreter starts and imports once,
not once per step.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from crosscheck.report.files import load_unit
from crosscheck.report.unit import UNIT_FILES

ROOT = Path(__file__).resolve().parents[3]
CHILD = ROOT / "tests" / "support" / "report_child.py"
DETERMINISTIC = ("report.json", "report.csv", "report.md")


def _child(out: Path, seed: int, **env: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(CHILD), "--examples", "3", "--seed", str(seed), "--out", str(out)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), "CI": "true", **env},
    )


class _Server:
    """One ``report_child.py --serve``: each :meth:`run` is a forked process."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(CHILD), "--serve"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT), "CI": "true"},
        )

    def run(self, out: Path, seed: int, kill_at: int = 0) -> tuple[int, str]:
        """The forked report's exit status (negative: killed by that signal), its stderr."""
        argv = ["--examples", "3", "--seed", str(seed), "--out", str(out)]
        self.proc.stdin.write(json.dumps({"argv": argv, "kill_at": kill_at}) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        assert line, f"the server died ({self.proc.poll()})"
        answer = json.loads(line)
        return answer["status"], answer["err"]

    def close(self) -> None:
        self.proc.stdin.close()
        status = self.proc.wait(timeout=120)
        self.proc.stdout.close()
        assert status == 0, status


@pytest.fixture(scope="module")
def server():
    s = _Server()
    yield s
    s.close()


def _finish(proc: subprocess.Popen) -> tuple[int, str]:
    """The child's exit status (negative: killed by that signal) and its stderr."""
    _, err = proc.communicate(timeout=120)
    return proc.returncode, err


def _files(d: Path) -> dict[str, bytes]:
    return {n: (d / n).read_bytes() for n in DETERMINISTIC}


@pytest.fixture(scope="module")
def runs(tmp_path_factory, server) -> dict[str, Path]:
    """Two complete runs (seeds 1 and 2) in their own directories."""
    out = {}
    for name, seed in (("old", 1), ("new", 2)):
        d = tmp_path_factory.mktemp(name)
        status, err = server.run(d, seed)
        assert status in (0, 3), err
        out[name] = d
    assert _files(out["old"]) != _files(out["new"])
    return out


def _which_run(d: Path, runs: dict[str, Path]) -> str:
    """``"old"`` or ``"new"``: the one run the directory holds (after recovery), checked
    file by file; fails on a mix or a leftover."""
    report = load_unit(d / "report.json", required=("report.csv",))  # recovers, verifies
    assert sorted(os.listdir(d)) == sorted(UNIT_FILES), os.listdir(d)  # no temporaries
    rid = report["run_id"]
    assert json.loads((d / "meta.json").read_text())["run_id"] == rid
    assert f"content='{rid}'" in (d / "report.html").read_text()[:4096]
    got = _files(d)
    matches = [name for name, ref in runs.items() if got == _files(ref)]
    assert len(matches) == 1, f"a mix of runs: {sorted(got)}"
    return matches[0]


def test_a_kill_after_any_file_system_step_leaves_one_whole_run(runs, server,
                                                                tmp_path) -> None:
    seen = []
    for k in range(1, 60):
        d = tmp_path / f"k{k}"
        shutil.copytree(runs["old"], d)
        status, err = server.run(d, 2, kill_at=k)
        if status != -signal.SIGKILL:  # k is past the last step: the run completed
            assert status in (0, 3), err
            assert _which_run(d, runs) == "new"
            break
        seen.append(_which_run(d, runs))
    else:
        pytest.fail("the run never completed")
    # every step was a kill point: first the old run survives, from the commit on the new
    assert len(seen) >= 12 and seen[0] == "old" and seen[-1] == "new", seen
    assert seen == sorted(seen, key=["old", "new"].index), seen


@pytest.mark.slow
def test_a_kill_after_a_range_of_delays_leaves_one_whole_run(runs, tmp_path) -> None:
    """From outside, at arbitrary instants (drawing, evaluating, rendering, writing)."""
    seen = []
    for i, delay in enumerate([0.2 * j for j in range(1, 16)]):
        d = tmp_path / f"d{i}"
        shutil.copytree(runs["old"], d)
        proc = _child(d, 2, CROSSCHECK_SLOW="0.3")
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        _finish(proc)
        seen.append(_which_run(d, runs))
    assert "old" in seen, seen
