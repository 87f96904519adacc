"""Process start: `crosscheck verify --help` is timed in a fresh process, running the code
of this work tree."""

from __future__ import annotations

import pytest

from crosscheck.bench import startup


def test_verify_help_is_timed_in_a_fresh_process() -> None:
    r = startup.verify_help_seconds(runs=1)
    assert r["command"] == "crosscheck verify --help" and r["runs"] == 1
    assert 0 < r["python_alone"] and r["min"] <= r["median"] <= r["max"]
    with pytest.raises(ValueError, match="runs"):
        startup.verify_help_seconds(runs=0)
