"""``crosscheck trajectory``: the same nets trained in handprop, torch and jax from the same
seeded weights, and how far their weights drift apart (the method: ``docs/trajectory.md``).

* :mod:`.nets`: the nets, their XOR problems, weights as one flat vector;
* :mod:`.runners`: the training loops of each framework;
* :mod:`.divergence`: divergence per step, thresholds, the first-steps bound, solved steps;
* :mod:`.build`: the content of ``trajectory.json`` (sampled, rounded, deterministic);
* :mod:`.markdown`, :mod:`.plot`, :mod:`.files`: ``trajectory.{md,png}``, the JSON text,
  and writing the three files atomically.

torch, jax and matplotlib are imported inside functions only.
"""

from crosscheck.trajectory.build import DEFAULT_STEPS, DTYPES, SCHEMA_VERSION, trajectory_report
from crosscheck.trajectory.divergence import THRESHOLDS, divergence_bound
from crosscheck.trajectory.files import (
    _atomic_write,  # noqa: F401  (crosscheck.atomic's writer, which files.py uses)
    report_json,
    write_reports,
)
from crosscheck.trajectory.nets import NETS, Net, net_problem
from crosscheck.trajectory.runners import RUNNERS, Run

__all__ = [
    "DEFAULT_STEPS",
    "DTYPES",
    "NETS",
    "RUNNERS",
    "SCHEMA_VERSION",
    "THRESHOLDS",
    "Net",
    "Run",
    "divergence_bound",
    "net_problem",
    "report_json",
    "trajectory_report",
    "write_reports",
]
