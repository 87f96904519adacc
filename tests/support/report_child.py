"""``crosscheck report`` as a child process for the kill tests, with the evaluation, the
oracle table and the plots faked (fast and deterministic: the files still differ from seed to seed).

Environment: ``CROSSCHECK_KILL_AT=k`` sends the process SIGKILL right after its k-th
file-system step (an ``os.fsync``, ``os.replace`` or ``os.unlink``: a temporary file
written, a directory synced, a rename, a removal); ``CROSSCHECK_SLOW=s`` makes each
evaluation take ``s`` seconds. The arguments are those of ``crosscheck report``.
"""

from __future__ import annotations

import base64
import os
import signal
import sys
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


def main() -> int:
    report_command.evaluate = fake_evaluate
    report_command.oracle_table = lambda: {}  # asking would import torch and jax
    report_html.plots = lambda report, outcomes: {"ratios": TINY_PNG}
    at = int(os.environ.get("CROSSCHECK_KILL_AT", "0"))
    if at:
        state = {"n": 0, "at": at}
        os.fsync = killing(os.fsync, state)
        os.replace = killing(os.replace, state)
        os.unlink = killing(os.unlink, state)
    return cli.main(["report", *sys.argv[1:]])


if __name__ == "__main__":
    sys.exit(main())
