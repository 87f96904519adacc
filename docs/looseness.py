"""How much looser may the error budget get before the test suite notices?

For each factor F, runs a subset of the suite (the gate, the calibration tests, the
mutant catalogue's tests and verify's tests: :data:`TESTS`) in a fresh pytest process
whose budget constant K is multiplied by F at session start (this file is also that
pytest plugin: ``-p looseness``; production code has no such knob), and prints which
tests fail. F = 1 is the control: nothing may fail there. The table it prints is the one
in docs/error-budget.md, "How the suite pins the budget".

    make looseness
    PYTHONPATH=. .venv/bin/python docs/looseness.py [--factors 1,1.5,2,4,10,1000] [tests ...]

Runs are sequential, with the ``ci`` Hypothesis profile (derandomised, as in CI) and
without the slow tests, a few minutes per factor.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ENV = "CROSSCHECK_LOOSENESS"
"""The factor K is multiplied by in the plugin's pytest process."""

ROOT = Path(__file__).resolve().parents[1]

TESTS = (
    "tests/test_gate.py",
    "tests/crosscheck/budget/test_calibration.py",
    "tests/crosscheck/mutants",
    "tests/crosscheck/search/test_verify.py",
)

FACTORS = (1.0, 1.5, 2.0, 4.0, 10.0, 1000.0)


# ---------------------------------------------------------------------- the pytest plugin


def pytest_configure(config) -> None:
    """Multiply K (the tolerance K u S and the kink margin) by the factor in ``ENV``,
    before any test module is imported."""
    factor = float(os.environ.get(ENV, "1"))
    from crosscheck import budget
    from crosscheck.budget import analysis

    budget.K = analysis.K = analysis.K * factor


def pytest_terminal_summary(terminalreporter) -> None:
    """Say which K the run used (the script checks that the plugin was loaded)."""
    from crosscheck.budget import K

    terminalreporter.write_line(f"looseness: K = {K!r} (x {os.environ.get(ENV, '1')})")


# ---------------------------------------------------------------------------- the script


def run(factor: float, tests: list[str]) -> tuple[list[str], str, float]:
    """The failing test ids, pytest's last line and the time of one run at ``factor``."""
    env = dict(os.environ)
    env[ENV] = repr(factor)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT / "docs"), str(ROOT), *filter(None, [env.get("PYTHONPATH")])]
    )
    cmd = [
        sys.executable, "-m", "pytest", "-q", "-rf", "-p", "no:cacheprovider", "-p",
        "looseness", "--hypothesis-profile=ci", "-m", "not slow", *tests,
    ]
    start = time.perf_counter()
    out = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    lines = out.stdout.splitlines()
    if out.returncode not in (0, 1) or not any(x.startswith("looseness: K =") for x in lines):
        raise SystemExit(f"pytest failed to run (exit {out.returncode}):\n{out.stdout}{out.stderr}")
    failed = sorted({m.group(1) for line in lines if (m := re.match(r"FAILED (\S+)", line))})
    summary = lines[-1].strip("= ") if lines else ""
    return failed, summary, elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--factors", default=",".join(f"{f:g}" for f in FACTORS))
    parser.add_argument("tests", nargs="*", default=list(TESTS))
    args = parser.parse_args(argv)
    factors = [float(f) for f in args.factors.split(",")]
    print("| K x | failed | tests that fail | pytest | time |")
    print("|---:|---:|---|---|---:|")
    for factor in factors:
        failed, summary, elapsed = run(factor, args.tests)
        names = ", ".join(f"`{t.split('/')[-1]}`" for t in failed) or "none"
        print(f"| {factor:g} | {len(failed)} | {names} | {summary} | {elapsed:.0f} s |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
