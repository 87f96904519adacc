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
from crosscheck.environment import git_commit, platform_info, versions
from crosscheck.errors import UsageError
from crosscheck.report import unit
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
    "load_unit",
    "meta_bytes",
    "read_results_csv",
    "render_files",
    "report_json",
    "results_csv",
    "run_id_of",
    "run_metadata",
    "with_meta",
    "write_files",
    "write_report_files",
]

CSV_COLUMNS: tuple[str, ...] = (
    "id", "test", "dtype", "sizes", "depth", "P", "activations", "cost", "regime",
    "x_kind", "y_kind", "problem_sha", "candidate", "oracle", "status", "note", "layer",
    "position", "row_kind", "max_abs", "max_rel", "max_ratio", "row", "col", "value",
    "reference", "tolerance", "power", "power_median",
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
            ",".join(ex.activations), ex.cost, ex.regime, ex.x_kind, ex.y_kind, ex.digest,
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
                    _csv_float(r.power), _csv_float(r.power_median),
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
    col = {name: i for i, name in enumerate(CSV_COLUMNS)}
    grouped: dict[tuple[int, str, str], list[list[str]]] = {}
    for line_no, rec in enumerate(reader, start=2):
        if len(rec) != len(CSV_COLUMNS):
            raise ValueError(
                f"report.csv line {line_no}: {len(rec)} fields, expected {len(CSV_COLUMNS)}"
            )
        grouped.setdefault(
            (int(rec[col["id"]]), rec[col["candidate"]], rec[col["oracle"]]), []
        ).append(rec)
    outcomes = []
    for (ex_id, cand, orc), recs in grouped.items():
        f = {name: recs[0][i] for name, i in col.items()}
        info = ExampleInfo(
            id=ex_id,
            test=f["test"],
            dtype=f["dtype"],
            sizes=tuple(int(s) for s in f["sizes"].split("-")),
            P=int(f["P"]),
            activations=tuple(f["activations"].split(",")),
            cost=f["cost"],
            regime=f["regime"],
            x_kind=f["x_kind"],
            y_kind=f["y_kind"],
            digest=f["problem_sha"],
        )
        status, note = f["status"], f["note"]
        if status not in STATUSES:
            raise ValueError(f"report.csv: unknown status {status!r} (expected {STATUSES})")
        rows = tuple(_row(r, col) for r in recs) if status == "compared" else ()
        outcomes.append(PairResult(info, cand, orc, status, note, rows))
    return outcomes


def _row(r: list[str], col: Mapping[str, int]) -> Row:
    """One ``report.csv`` line's :class:`Row`."""

    def number(name: str) -> float:
        return float(r[col[name]])

    return Row(
        layer=int(r[col["layer"]]), position=r[col["position"]], row_kind=r[col["row_kind"]],
        max_abs=number("max_abs"), max_rel=number("max_rel"), max_ratio=number("max_ratio"),
        row=int(r[col["row"]]), col=int(r[col["col"]]), value=number("value"),
        reference=number("reference"), tolerance=number("tolerance"),
        power=number("power"), power_median=number("power_median"),
    )


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


def load_unit(
    path: str | os.PathLike[str], required: tuple[str, ...] = ()
) -> dict[str, Any]:
    """:func:`load_report` of a ``report.json``, after finishing an interrupted write of its
    directory, checked to be of one run with the files beside it
    (:func:`crosscheck.report.unit.verify_unit`; ``required`` must exist)."""
    path = Path(path)
    if path.name == "report.json":
        unit.recover(path.parent)
    report = load_report(path)
    unit.verify_unit(path, report, required)
    return report


def render_files(
    out: str | os.PathLike[str],
    report: Mapping[str, Any],
    outcomes: Sequence[PairResult],
    *,
    html: bool = True,
    meta: Mapping[str, Any] | None = None,
    images: Mapping[str, bytes] | None = None,
) -> dict[Path, bytes]:
    """``{path: bytes}`` of ``report.{json,csv,md[,html]}`` (and ``meta.json`` if ``meta``
    is given) in ``out``, rendered in memory, every file carrying the run's id
    (:mod:`crosscheck.report.unit`); ``images`` are extra PNGs for the HTML
    (``{"trajectory": bytes}``)."""
    out = Path(out)
    csv = results_csv(outcomes)
    stamped = {k: v for k, v in report.items() if k not in ("run_id", "files")}
    rid = unit.run_id(report_json(stamped), csv)
    stamped["run_id"] = rid
    md = render_markdown(stamped) + unit.markdown_marker(rid)
    stamped["files"] = {
        "report.csv": unit.sha256(csv.encode()),
        "report.md": unit.sha256(md.encode()),
    }
    files: dict[Path, bytes] = {
        out / "report.json": report_json(stamped).encode(),
        out / "report.csv": csv.encode(),
        out / "report.md": md.encode(),
    }
    if html:
        files[out / "report.html"] = render_html(
            stamped, outcomes, meta=meta, images=images
        ).encode()
    if meta is not None:
        files[out / "meta.json"] = meta_bytes({**meta, "run_id": rid})
    return files


def run_id_of(files: Mapping[Path, bytes]) -> str:
    """The run id of rendered files (:func:`render_files`), from their ``report.json``."""
    (data,) = [b for p, b in files.items() if Path(p).name == "report.json"]
    return str(json.loads(data)["run_id"])


def with_meta(files: Mapping[Path, bytes], meta: Mapping[str, Any]) -> dict[Path, bytes]:
    """``files`` with ``meta.json`` (re)rendered from ``meta`` and the files' run id (for
    metadata completed after rendering: the time rendering took)."""
    out = {Path(p): b for p, b in files.items()}
    (json_path,) = [p for p in out if p.name == "report.json"]
    out[json_path.parent / "meta.json"] = meta_bytes({**meta, "run_id": run_id_of(files)})
    return out


def write_files(out: str | os.PathLike[str], files: Mapping[Path, bytes]) -> None:
    """Write rendered files (:func:`render_files`) into ``out`` as one unit
    (:func:`crosscheck.atomic.write_unit`): the report files not among them (an old
    ``report.html`` after ``--no-html``) are removed in the same unit, so the directory
    never holds files of two runs."""
    names = {Path(p).name: data for p, data in files.items()}
    atomic.write_unit(out, names, remove=[n for n in unit.UNIT_FILES if n not in names])


def write_report_files(
    out: str | os.PathLike[str],
    report: Mapping[str, Any],
    outcomes: Sequence[PairResult],
    *,
    html: bool = True,
    meta: Mapping[str, Any] | None = None,
    images: Mapping[str, bytes] | None = None,
) -> list[Path]:
    """Render and write ``report.{json,csv,md[,html]}`` (and ``meta.json``) into ``out``
    as one unit (:func:`render_files`, :func:`write_files`)."""
    files = render_files(out, report, outcomes, html=html, meta=meta, images=images)
    write_files(out, files)
    return list(files)


def meta_bytes(meta: Mapping[str, Any]) -> bytes:
    """``meta.json``'s bytes: sorted keys, indent 1, a final newline."""
    return (json.dumps(meta, sort_keys=True, indent=1) + "\n").encode()


def run_metadata() -> dict[str, Any]:
    """``{"versions", "platform", "commit"}`` for ``meta.json`` and the HTML page (never
    in the deterministic files)."""
    return {"versions": versions(), "platform": platform_info(), "commit": git_commit()}
