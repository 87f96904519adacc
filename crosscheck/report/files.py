"""The report's files: ``report.json`` and ``report.csv`` written and read back, every file
rendered in memory and written atomically, ``meta.json``'s run metadata."""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from crosscheck import atomic
from crosscheck.environment import platform_info, versions
from crosscheck.errors import UsageError
from crosscheck.report.html import html as render_html
from crosscheck.report.markdown import markdown as render_markdown
from crosscheck.report.records import (
    SCHEMA,
    SCHEMA_VERSION,
    STATUSES,
    ExampleInfo,
    PairResult,
    Row,
    pair_order,
)

__all__ = [
    "CSV_COLUMNS",
    "load_report",
    "meta_bytes",
    "read_results_csv",
    "render_files",
    "report_json",
    "results_csv",
    "run_metadata",
    "write_report_files",
]

CSV_COLUMNS: tuple[str, ...] = (
    "id", "test", "dtype", "sizes", "depth", "P", "activations", "cost", "regime",
    "x_kind", "y_kind", "candidate", "oracle", "status", "note", "layer", "position",
    "row_kind", "max_abs", "max_rel", "max_ratio", "row", "col", "value", "reference",
    "tolerance",
)
"""Columns of ``report.csv`` (``docs/report-schema.md``)."""


def report_json(report: Mapping[str, Any]) -> str:
    """Canonical JSON: sorted keys, indent 1, ASCII, a final newline (floats as ``repr``)."""
    return json.dumps(report, sort_keys=True, indent=1, allow_nan=False) + "\n"


def _csv_float(x: float) -> str:
    return repr(float(x))


def results_csv(outcomes: Sequence[PairResult]) -> str:
    """``report.csv``: one row per example x pair x layer x row kind (:data:`CSV_COLUMNS`);
    a skipped or failed pair is one row with empty layer columns. Floats are ``repr``
    (round-trip exact); rows sorted by example id, pair, layer, row kind."""
    pairs = pair_order(outcomes)
    idx = {p: i for i, p in enumerate(pairs)}
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for o in sorted(outcomes, key=lambda o: (o.example.id, idx[(o.candidate, o.oracle)])):
        ex = o.example
        head = [
            ex.id, ex.test, ex.dtype, "-".join(map(str, ex.sizes)), ex.depth, ex.P,
            ",".join(ex.activations), ex.cost, ex.regime, ex.x_kind, ex.y_kind,
            o.candidate, o.oracle, o.status, o.note,
        ]
        if not o.rows:
            w.writerow([*head, *([""] * (len(CSV_COLUMNS) - len(head)))])
        for r in o.rows:
            w.writerow(
                [
                    *head, r.layer, r.position, r.row_kind, _csv_float(r.max_abs),
                    _csv_float(r.max_rel), _csv_float(r.max_ratio), r.row, r.col,
                    _csv_float(r.value), _csv_float(r.reference), _csv_float(r.tolerance),
                ]
            )
    return buf.getvalue()


def read_results_csv(text: str) -> list[PairResult]:
    """The results back from :func:`results_csv`'s text (``ValueError`` if malformed)."""
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        raise ValueError("report.csv: empty file (expected a header row)") from None
    if tuple(header) != CSV_COLUMNS:
        raise ValueError(f"report.csv: unexpected columns {header!r}; expected {CSV_COLUMNS!r}")
    grouped: dict[tuple[int, str, str], list[list[str]]] = {}
    for line_no, rec in enumerate(reader, start=2):
        if len(rec) != len(CSV_COLUMNS):
            raise ValueError(
                f"report.csv line {line_no}: {len(rec)} fields, expected {len(CSV_COLUMNS)}"
            )
        grouped.setdefault((int(rec[0]), rec[11], rec[12]), []).append(rec)
    outcomes = []
    for (_, cand, orc), recs in grouped.items():
        f = recs[0]
        info = ExampleInfo(
            id=int(f[0]),
            test=f[1],
            dtype=f[2],
            sizes=tuple(int(s) for s in f[3].split("-")),
            P=int(f[5]),
            activations=tuple(f[6].split(",")),
            cost=f[7],
            regime=f[8],
            x_kind=f[9],
            y_kind=f[10],
        )
        status, note = f[13], f[14]
        if status not in STATUSES:
            raise ValueError(f"report.csv: unknown status {status!r} (expected {STATUSES})")
        rows = tuple(
            Row(
                layer=int(r[15]), position=r[16], row_kind=r[17], max_abs=float(r[18]),
                max_rel=float(r[19]), max_ratio=float(r[20]), row=int(r[21]), col=int(r[22]),
                value=float(r[23]), reference=float(r[24]), tolerance=float(r[25]),
            )
            for r in recs
            if status == "compared"
        )
        outcomes.append(PairResult(info, cand, orc, status, note, rows))
    return outcomes


def load_report(path: str | os.PathLike[str], schema: str = SCHEMA) -> dict[str, Any]:
    """Read and validate a JSON file of ``schema`` (``report.json`` by default).

    Raises :class:`UsageError` with a message saying what is wrong: missing,
    unreadable, not JSON (truncated?), not of this schema, or of another schema version.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read it ({exc})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(
            f"{path}: not valid JSON, the file is truncated or corrupt ({exc})"
        ) from None
    if not isinstance(data, dict) or data.get("schema") != schema:
        got = data.get("schema") if isinstance(data, dict) else type(data).__name__
        raise UsageError(f"{path}: expected a {schema!r} file, got schema {got!r}")
    if data.get("schema_version") != SCHEMA_VERSION:
        raise UsageError(
            f"{path}: schema version {data.get('schema_version')!r} is not the version this "
            f"crosscheck reads ({SCHEMA_VERSION!r}); regenerate the file"
        )
    return data


def render_files(
    out: str | os.PathLike[str],
    report: Mapping[str, Any],
    outcomes: Sequence[PairResult],
    *,
    html: bool = True,
) -> dict[Path, bytes]:
    """``{path: bytes}`` of ``report.{json,csv,md[,html]}`` in ``out``, rendered in memory."""
    out = Path(out)
    files: dict[Path, bytes] = {
        out / "report.json": report_json(report).encode(),
        out / "report.csv": results_csv(outcomes).encode(),
        out / "report.md": render_markdown(report).encode(),
    }
    if html:
        files[out / "report.html"] = render_html(report, outcomes).encode()
    return files


def write_report_files(
    out: str | os.PathLike[str],
    report: Mapping[str, Any],
    outcomes: Sequence[PairResult],
    *,
    html: bool = True,
    meta: Mapping[str, Any] | None = None,
) -> list[Path]:
    """Render and write ``report.{json,csv,md[,html]}`` (and ``meta.json``) into ``out``.

    Everything is rendered in memory first, then written with
    :func:`crosscheck.atomic.write_many`: an interruption leaves the previous files.
    """
    files = render_files(out, report, outcomes, html=html)
    if meta is not None:
        files[Path(out) / "meta.json"] = meta_bytes(meta)
    atomic.write_many(files)
    return list(files)


def meta_bytes(meta: Mapping[str, Any]) -> bytes:
    """``meta.json``'s bytes: sorted keys, indent 1, a final newline."""
    return (json.dumps(meta, sort_keys=True, indent=1) + "\n").encode()


def run_metadata() -> dict[str, Any]:
    """``{"versions": ..., "platform": ...}`` for ``meta.json`` (never in the report)."""
    return {"versions": versions(), "platform": platform_info()}
