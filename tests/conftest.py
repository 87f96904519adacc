"""Hypothesis settings profiles, chosen by ``--hypothesis-profile`` or HYPOTHESIS_PROFILE.

* ``dev``: fast local iterations (the default outside CI);
* ``ci``: derandomised, what ``make test`` and CI use;
* ``thorough``: many examples (``make test-thorough``), not in CI.
"""

from __future__ import annotations

import os

# One intra-op thread for torch (and OpenMP) in the test processes: the gate runs many
# tiny problems, where a thread pool only adds start-up and hand-off cost (measured:
# ~16 ms per call for the first calls with 2 threads against ~0.15 ms with one).
os.environ.setdefault("OMP_NUM_THREADS", "1")

from hypothesis import HealthCheck, settings

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
    "thorough",
    max_examples=10_000,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))
