"""Hypothesis settings profiles, chosen by ``--hypothesis-profile`` or HYPOTHESIS_PROFILE.

* ``dev``: fast local iterations (the default outside CI);
* ``ci``: derandomised, what ``make test`` and CI use;
* ``thorough``: many examples (``make test-thorough``), not in CI;
* ``nightly``: 1,000 examples, *not* derandomised: ``make nightly`` runs the gate with it
  and a seed from the date (``--hypothesis-seed``), every night in
  .github/workflows/nightly.yml (docs/testing.md).

A test that needs an oracle says so with ``@pytest.mark.oracles("torch", ...)`` (or
``tests/support/required.py`` directly): it is skipped where one is missing, and fails
instead under ``REQUIRE_ORACLES=1`` (``make test`` and CI).
"""

from __future__ import annotations

import os
from pathlib import Path

# One intra-op thread for torch (and OpenMP) in the test processes: the gate runs many
# tiny problems, where a thread pool only adds start-up and hand-off cost (measured:
# ~16 ms per call for the first calls with 2 threads against ~0.15 ms with one).
os.environ.setdefault("OMP_NUM_THREADS", "1")

# jax's persistent compilation cache (jax's own, documented feature), set before anything
# imports jax: the two test processes, the commands the tests start (they inherit the
# environment) and later runs load a compiled function instead of compiling it again
# (the jax padding and calibration tests: 44 s cold, 16.5 s warm). Every compilation is
# cached (minimum compile time 0); a maximum size turns on jax's eviction and, with it,
# its file lock, so no process reads an entry another is still writing. ``make clean``
# removes the directory; JAX_COMPILATION_CACHE_DIR set by hand wins.
os.environ.setdefault(
    "JAX_COMPILATION_CACHE_DIR", str(Path(__file__).resolve().parent.parent / ".cache" / "jax")
)
os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0")
os.environ.setdefault("JAX_COMPILATION_CACHE_MAX_SIZE", str(2**30))

import pytest
from hypothesis import HealthCheck, settings

from crosscheck.strategies import without_local_constants

# Every draw of the session ignores the constants of local modules: which of our modules a
# pytest-xdist worker has imported when a test runs depends on scheduling, and Hypothesis
# mixes those modules' literals into its draws, so a derandomised test could draw other
# examples in CI than here (it did: 88% there against 95% here in a statistical test).
# tests/test_determinism.py checks that this holds.
_SESSION_DRAWS = without_local_constants()
_SESSION_DRAWS.__enter__()

settings.register_profile(
    "dev",
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "ci",
    max_examples=60,
    derandomize=True,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "nightly",
    max_examples=1000,
    derandomize=False,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "thorough",
    max_examples=10_000,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "oracles(*names): the test needs these oracles (skipped without them, failed "
        "without them under REQUIRE_ORACLES=1)",
    )


def pytest_runtest_setup(item: pytest.Item) -> None:
    from required import require_oracles

    for mark in item.iter_markers(name="oracles"):
        require_oracles(*mark.args)
