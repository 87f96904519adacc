"""Every command under bad input and faults (issue 13): the exit codes of the table in
``docs/report.md`` and one line naming what is wrong, never a traceback.

* output locations are checked before any work: ``report``/``merge``/``trajectory
  --out`` read-only, an existing file or below a file, ``check --update-baseline`` to a
  read-only directory or a directory, ``pytest --crosscheck-report`` read-only (a usage
  error at configure time);
* Ctrl-C is 130 and one line; a full disk is 2 and one line; a crosscheck bug is 70;
* a directory mixing two runs is refused by merge, check and ``--show``; stale
  temporary files of killed runs are removed;
* absurd ``--examples``, a missing or corrupt ``--trajectory`` are usage errors;
* ``--show ID`` draws and evaluates example ID alone.

The evaluation is faked (``tests/support/report_child.py``) where the numbers do not
matter: a report of 3 examples then takes well under a second.
"""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from readonly import read_only
from report_child import TINY_PNG, fake_evaluate

from crosscheck import atomic, cli
from crosscheck import trajectory as T
from crosscheck.commands import report as report_command
from crosscheck.report import html as report_html

ROOT = Path(__file__).resolve().parents[3]
CHILD = ROOT / "tests" / "support" / "report_child.py"


@pytest.fixture
def fast(monkeypatch):
    """The report's evaluation, oracle table and plots faked (the files are real)."""
    monkeypatch.setattr(report_command, "evaluate", fake_evaluate)
    monkeypatch.setattr(report_command, "oracle_table", lambda: {})
    monkeypatch.setattr(report_html, "plots", lambda report, outcomes: {"ratios": TINY_PNG})


@pytest.fixture
def no_work(monkeypatch):
    """Fails (an internal error, exit 70) if a report starts drawing or a trajectory
    starts training."""

    def started(*args, **kwargs):
        raise AssertionError("the work started before the output was checked")

    monkeypatch.setattr(report_command, "stream", started)
    monkeypatch.setattr(T, "write_reports", started)


def _one_line(capsys, *names: str) -> str:
    """stderr is one line naming each of ``names``, with no traceback."""
    err = capsys.readouterr().err
    lines = [x for x in err.splitlines() if x.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    for name in names:
        assert name in lines[0], (name, err)
    return lines[0]


def _last_line(capsys, *names: str) -> str:
    """For a failure after the work started (progress lines first): the last line of
    stderr names each of ``names``, and there is no traceback."""
    err = capsys.readouterr().err
    assert "Traceback" not in err
    last = err.strip().splitlines()[-1]
    for name in names:
        assert name in last, (name, err)
    return last


def _report(out: Path, seed: int = 1, *extra: str) -> int:
    return cli.main(["report", "--examples", "3", "--seed", str(seed), "--out", str(out),
                     *extra])


# --- output locations, before any work -------------------------------------------------


def test_report_out_read_only_is_2_before_any_work(tmp_path, no_work, capsys) -> None:
    with read_only(tmp_path / "ro") as ro:
        assert _report(ro) == 2
        assert "cannot write there" in _one_line(capsys, str(ro), "--out")
        assert _report(ro / "sub" / "dir") == 2  # to be created inside it
        _one_line(capsys, str(ro / "sub" / "dir"))


def test_report_out_a_file_or_below_one_is_2(tmp_path, no_work, capsys) -> None:
    f = tmp_path / "file"
    f.write_text("x")
    assert _report(f) == 2
    assert "not a directory" in _one_line(capsys, str(f))
    assert _report(f / "below") == 2
    _one_line(capsys, str(f / "below"))
    assert f.read_text() == "x"


def test_merge_out_read_only_is_2_before_reading_shards(tmp_path, capsys) -> None:
    with read_only(tmp_path / "ro") as ro:
        assert cli.main(["merge", str(tmp_path / "no-shard"), "--out", str(ro)]) == 2
        _one_line(capsys, str(ro), "--out")


def test_trajectory_out_read_only_is_2_before_training(tmp_path, no_work, capsys) -> None:
    with read_only(tmp_path / "ro") as ro:
        assert cli.main(["trajectory", "--steps", "5", "--out", str(ro)]) == 2
        _one_line(capsys, str(ro))


def test_update_baseline_read_only_or_a_directory_is_2(tmp_path, fast, capsys) -> None:
    out = tmp_path / "rep"
    assert _report(out, 1, "--no-html") in (0, 3)
    capsys.readouterr()
    args = ["check", "--report", str(out / "report.json"), "--update-baseline", "--baseline"]
    with read_only(tmp_path / "ro") as ro:
        assert cli.main([*args, str(ro / "baseline.json")]) == 2
        _one_line(capsys, str(ro / "baseline.json"))
    assert cli.main([*args, str(tmp_path)]) == 2
    assert "is a directory" in _one_line(capsys, str(tmp_path))


def test_pytest_report_dir_read_only_is_a_usage_error_at_configure(tmp_path) -> None:
    (tmp_path / "test_x.py").write_text("def test_x():\n    open('ran', 'w').close()\n")
    with read_only(tmp_path / "ro") as ro:
        run = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist",
             "test_x.py", "--crosscheck-report", str(ro), "--rootdir", str(tmp_path)],
            capture_output=True, text=True, cwd=tmp_path, timeout=300,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
    assert run.returncode == pytest.ExitCode.USAGE_ERROR, run.stdout + run.stderr
    assert "--crosscheck-report" in run.stderr and str(ro) in run.stderr
    assert "Traceback" not in run.stdout + run.stderr
    assert not (tmp_path / "ran").exists()  # no test ran


# --- interruptions, the environment, bugs ----------------------------------------------


# The child as a terminal starts it: with Python's own SIGINT handler even when the test
# run itself was started with SIGINT ignored (a background job of a non-interactive shell,
# `nohup ... &`: its children inherit SIG_IGN, Python then installs no handler and the
# Ctrl-C below would be lost; it was, once, for a `.ci/run` started that way).
_AS_FROM_A_TERMINAL = (
    "import runpy, signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')"
)


def test_ctrl_c_is_130_and_one_line(tmp_path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", _AS_FROM_A_TERMINAL, str(CHILD), "--examples", "40",
         "--out", str(tmp_path / "o")],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), "CI": "true", "CROSSCHECK_SLOW": "0.2"},
    )
    line = proc.stderr.readline()
    while line and "examples (" not in line:  # under way: drawing and evaluating
        line = proc.stderr.readline()
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert err.strip().splitlines()[-1] == "crosscheck report: interrupted"
    assert "Traceback" not in err
    assert not (tmp_path / "o" / "report.json").exists()


def test_a_full_disk_is_2_and_leaves_the_previous_run(tmp_path, fast, monkeypatch,
                                                      capsys) -> None:
    out = tmp_path / "rep"
    assert _report(out) in (0, 3)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    capsys.readouterr()

    def full(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(atomic.os, "fsync", full)
    assert _report(out, 2) == 2
    assert "No space left on device" in _last_line(capsys)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_a_bug_is_70_and_one_line(tmp_path, monkeypatch, capsys) -> None:
    def bug(*args, **kwargs):
        raise TypeError("an internal mistake")

    monkeypatch.setattr(report_command, "stream", bug)
    assert _report(tmp_path) == 70
    assert "internal error" in _last_line(capsys, "TypeError", "CROSSCHECK_DEBUG")


# --- one run, one unit ------------------------------------------------------------------


@pytest.fixture
def two_runs(tmp_path, fast, capsys):
    a, b = tmp_path / "a", tmp_path / "b"
    assert _report(a, 1) in (0, 3) and _report(b, 2) in (0, 3)
    capsys.readouterr()
    return a, b


@pytest.mark.parametrize("name", ["report.csv", "report.md", "report.html", "meta.json"])
def test_a_directory_mixing_two_runs_is_refused(two_runs, tmp_path, capsys, name) -> None:
    a, b = two_runs
    (a / name).write_bytes((b / name).read_bytes())
    assert cli.main(["merge", str(a), "--out", str(tmp_path / "m")]) == 2
    assert "mixes two runs" in _one_line(capsys, name)
    assert cli.main(["check", "--report", str(a / "report.json"), "--baseline",
                     str(tmp_path / "b.json"), "--update-baseline"]) == 2
    _one_line(capsys, name)
    assert not (tmp_path / "b.json").exists()
    assert cli.main(["report", "--examples", "3", "--seed", "1", "--show", "0",
                     "--out", str(a)]) == 2
    _one_line(capsys, name, "mixes two runs")


def test_stale_temporaries_of_killed_runs_are_removed(two_runs, fast, capsys) -> None:
    a, _ = two_runs
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    stale = a / f".report.json.{dead}.0.tmp"
    stale.write_text("half a report")
    live = a / f".report.json.{os.getpid()}.99.tmp"  # a running writer's: left alone
    live.write_text("being written")
    assert cli.main(["merge", str(a), "--out", str(a.parent / "m")]) in (0, 3)  # 1 of 1
    assert not stale.exists() and live.exists()  # the reader cleaned up after the dead


def test_no_html_removes_the_old_page_with_the_unit(two_runs, capsys) -> None:
    a, _ = two_runs
    assert (a / "report.html").exists()
    assert _report(a, 5, "--no-html") in (0, 3)
    assert not (a / "report.html").exists()
    assert sorted(p.name for p in a.iterdir()) == [
        "meta.json", "report.csv", "report.json", "report.md"
    ]


# --- bad input --------------------------------------------------------------------------


@pytest.mark.parametrize("n", ["100000000000", "50001", "0", "-3", "1e3", "many"])
def test_absurd_examples_are_refused_at_once(n, no_work, capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        cli.main(["report", "--examples", n])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "--examples" in err and "Traceback" not in err
    if n.isdigit() and int(n) > 50_000:
        assert "at most 50,000" in err


@pytest.mark.parametrize("content", [None, "", "{trunc", '{"steps": 1}'])
def test_a_missing_or_corrupt_trajectory_is_2_before_any_work(tmp_path, no_work, capsys,
                                                               content) -> None:
    path = tmp_path / "t.json"
    if content is not None:
        path.write_text(content)
    assert _report(tmp_path / "out", 1, "--trajectory", str(path)) == 2
    _one_line(capsys, str(path))
    if content is not None:  # the default, OUT/trajectory.json: corrupt is an error too
        (tmp_path / "out").mkdir(exist_ok=True)
        (tmp_path / "out" / "trajectory.json").write_text(content)
        assert _report(tmp_path / "out") == 2
        _one_line(capsys, "trajectory.json")


def test_show_draws_and_evaluates_one_example_alone(tmp_path, monkeypatch,
                                                         capsys) -> None:
    evaluated, drawn = [], []
    monkeypatch.setattr(report_command, "evaluate",
                        lambda ex: evaluated.append(ex.id) or fake_evaluate(ex))
    real = report_command.stream

    def counting(n, seed, visit, **kwargs):
        return real(n, seed, lambda ex: drawn.append(ex.id) or visit(ex), **kwargs)

    monkeypatch.setattr(report_command, "stream", counting)
    assert cli.main(["report", "--examples", "2500", "--show", "4",
                     "--out", str(tmp_path)]) == 0
    assert evaluated == [4] and drawn == [4]  # drawn alone: examples are independent
    assert "example 4: " in capsys.readouterr().out
    assert cli.main(["report", "--examples", "3", "--show", "3"]) == 2
    _one_line(capsys, "--show 3", "0..2")
