"""The gradient report: every oracle over generated problems (``crosscheck report``,
``crosscheck merge``, ``pytest --crosscheck-report``); ``docs/report.md`` maps the modules.

torch, jax and matplotlib are imported only when the report runs.
"""

from __future__ import annotations

from crosscheck.report.aggregate import build_report
from crosscheck.report.evaluate import oracle_table
from crosscheck.report.files import (
    load_report,
    read_results_csv,
    results_csv,
    run_metadata,
    write_report_files,
)
from crosscheck.report.markdown import summary_table
from crosscheck.report.records import SCHEMA_VERSION, ExampleInfo, PairResult, Row
from crosscheck.report.trajectory_section import trajectory_summary

__all__ = [
    "SCHEMA_VERSION",
    "ExampleInfo",
    "PairResult",
    "Row",
    "build_report",
    "load_report",
    "oracle_table",
    "read_results_csv",
    "results_csv",
    "run_metadata",
    "summary_table",
    "trajectory_summary",
    "write_report_files",
]
