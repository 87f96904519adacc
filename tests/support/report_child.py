"""``crosscheck report`` as a child process for the kill tests, with the evaluation, the
oracle table and the plots faked (fast and deterministic: the files still differ from seed to seed).

Environment: ``CROSSCHECK_KILL_AT=k`` sends the process SIGKILL right after its k-th
file-system step (an ``os.fsync``, ``os.replace`` or ``os.unlink``: a temporary file
written, a directory synced, a rename, a removal); ``CROSSCHECK_SLOW=s`` makes each
evaluation take ``s`` seconds. The arguments are those of ``crosscheck report``.

``report_child.py --serve`` is the same child, started once: it imports everything and
runs one report to warm up, then reads one request a line on stdin (JSON: ``{"argv":
[...], "kill_at": k}``) and runs each in a new process forked from itself (a real
process, killed by a real SIGKILL, without paying the interpreter's start and the
imports again), answering one JSON line ``{"status": ..., "err": ...}`` each (status as
``subprocess`` gives it: negative for a signal).
"""

from __future__ import annotations

import base64
import json
import os
import signal
import sys
import tempfile
import time

from crosscheck import cli
from crosscheck.commands import report as report_command
from crosscheck.report import html as report_html
from crosscheck.report.records import (
    PAIRS,
    ROW_KINDS,
    Evaluation,
    PairResult,
    Row,
    example_info,
    position,
)

TINY_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def fake_evaluate(example):
    p = example.drawn.problem
    time.sleep(float(os.environ.get("CROSSCHECK_SLOW", "0")))
    info = example_info(p, example.id, example.drawn.info)
    r = float(abs(p.weights[0].astype(float)).max()) % 0.5
    rows = tuple(
        Row(l, position(l, p.depth), kind, r * 1e-16, r * 1e-3, r, 0, 0, 1.0, 1.0, 1e-14,
            1e-12, 1e-13)
        for l in range(p.depth)
        for kind in ROW_KINDS
    )
    return Evaluation([PairResult(info, c, o, "compared", "", rows) for c, o in PAIRS], {})


def killing(fn, state):
    def step(*args, **kwargs):
        result = fn(*args, **kwargs)
        state["n"] += 1
        if state["n"] == state["at"]:
            os.kill(os.getpid(), signal.SIGKILL)
        return result

    return step


def _fake() -> None:
    report_command.evaluate = fake_evaluate
    report_command.oracle_table = lambda: {}  # asking would import torch and jax
    report_html.plots = lambda report, outcomes: {"ratios": TINY_PNG}


def _kill_at(at: int) -> None:
    if at:
        state = {"n": 0, "at": at}
        os.fsync = killing(os.fsync, state)
        os.replace = killing(os.replace, state)
        os.unlink = killing(os.unlink, state)


def main() -> int:
    _fake()
    _kill_at(int(os.environ.get("CROSSCHECK_KILL_AT", "0")))
    return cli.main(["report", *sys.argv[1:]])


def _forked(argv: list[str], kill_at: int) -> tuple[int, str]:
    """``crosscheck report ARGV`` in a forked process: its status and its stderr."""
    with tempfile.TemporaryFile("w+") as err:
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the child: never returns
            status = 70
            try:
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, 1)
                os.dup2(err.fileno(), 2)
                _kill_at(kill_at)
                status = cli.main(["report", *argv])
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(status)
        _, wait = os.waitpid(pid, 0)
        err.seek(0)
        text = err.read()
    if os.WIFSIGNALED(wait):
        return -os.WTERMSIG(wait), text
    return os.WEXITSTATUS(wait), text


def serve() -> int:
    _fake()
    with tempfile.TemporaryDirectory() as warm:  # the lazy imports, once, in this process
        out, err = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = open(os.devnull, "w")
        try:
            cli.main(["report", "--examples", "2", "--seed", "0", "--out", warm])
        finally:
            sys.stdout.close()
            sys.stdout, sys.stderr = out, err
    for line in sys.stdin:
        request = json.loads(line)
        status, text = _forked(request["argv"], int(request.get("kill_at", 0)))
        print(json.dumps({"status": status, "err": text}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(serve() if sys.argv[1:] == ["--serve"] else main())
