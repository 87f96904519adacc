"""The sampling of ``trajectory.json``'s series."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from crosscheck.trajectory import build


@settings(max_examples=50, deadline=None)
@given(steps=st.integers(1, 10**6))
def test_sample_steps(steps):
    s = build.sample_steps(steps)
    assert s == sorted(set(s))
    assert s[0] == 0 and s[-1] == steps
    assert set(range(min(steps, build.DENSE_STEPS) + 1)) <= set(s)
    assert len(s) <= build.DENSE_STEPS + build.LOG_POINTS + 2
