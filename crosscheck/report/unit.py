"""A report's files as one unit: the run id they all carry, and the check that a directory
holds the files of one run (``docs/report-schema.md``, "One run, one unit").

The id is a digest of the run's content (``report.json`` without the id, and
``report.csv``), so the same options still give byte-identical files, and two runs with
other results never share an id. ``report.json`` also records the SHA-256 of
``report.csv`` and ``report.md``; ``report.md`` ends with a marker line, ``report.html``
has the id in a ``<meta>`` tag and ``meta.json`` in ``run_id``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from crosscheck import atomic
from crosscheck.errors import UsageError

__all__ = [
    "UNIT_FILES",
    "html_marker",
    "markdown_marker",
    "recover",
    "run_id",
    "sha256",
    "verify_unit",
]

UNIT_FILES: tuple[str, ...] = (
    "report.json", "report.csv", "report.md", "report.html", "meta.json",
)
"""The files of one run, in the order they are written."""

_MD_MARKER = re.compile(r"<!-- crosscheck-run: ([0-9a-f]+) -->\s*\Z")
_HTML_MARKER = re.compile(r"<meta name='crosscheck-run' content='([0-9a-f]+)'>")


def sha256(data: bytes) -> str:
    """Hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def run_id(report_json: str, csv: str) -> str:
    """The id of a run: 16 hex digits of the SHA-256 of its ``report.json`` text (written
    without the id) and its ``report.csv``."""
    h = hashlib.sha256(report_json.encode())
    h.update(b"\0")
    h.update(csv.encode())
    return h.hexdigest()[:16]


def markdown_marker(rid: str) -> str:
    """The last line of ``report.md``: an HTML comment (invisible when rendered)."""
    return f"<!-- crosscheck-run: {rid} -->\n"


def html_marker(rid: str) -> str:
    """The ``<meta>`` tag of ``report.html``'s head."""
    return f"<meta name='crosscheck-run' content='{rid}'>"


def _ids(directory: Path, report: Mapping[str, Any]) -> dict[str, str | None]:
    """The run id each present file of the unit names (None: it names none)."""
    found: dict[str, str | None] = {"report.json": report.get("run_id")}
    hashes = report.get("files") or {}
    for name in ("report.csv", "report.md"):
        path = directory / name
        if path.exists():
            ok = hashes.get(name) == sha256(path.read_bytes())
            found[name] = found["report.json"] if ok else None
    md = directory / "report.md"
    if md.exists() and found.get("report.md"):
        m = _MD_MARKER.search(md.read_text(encoding="utf-8", errors="replace")[-200:])
        found["report.md"] = m.group(1) if m else None
    html = directory / "report.html"
    if html.exists():
        with open(html, encoding="utf-8", errors="replace") as f:
            m = _HTML_MARKER.search(f.read(4096))
        found["report.html"] = m.group(1) if m else None
    meta = directory / "meta.json"
    if meta.exists():
        try:
            found["meta.json"] = json.loads(meta.read_text(encoding="utf-8")).get("run_id")
        except (ValueError, AttributeError):
            found["meta.json"] = None
    return found


def verify_unit(
    report_path: str | Path, report: Mapping[str, Any], required: tuple[str, ...] = ()
) -> None:
    """Check that the files beside ``report_path`` (a ``report.json``, already loaded as
    ``report``) are of its run. First finishes an interrupted write of the directory
    (:func:`crosscheck.atomic.recover`). :class:`UsageError` names the files of another
    run (or a missing file of ``required``)."""
    report_path = Path(report_path)
    directory = report_path.parent
    if report_path.name != "report.json":  # a report copied alone: nothing beside it
        return
    for name in required:
        if not (directory / name).exists():
            raise UsageError(f"{directory / name}: no such file (a report directory holds "
                             f"{', '.join(UNIT_FILES[:2])})")
    found = _ids(directory, report)
    rid = found["report.json"]
    others = {name: i for name, i in found.items() if name != "report.json"}
    if others and rid is None:
        raise UsageError(f"{report_path}: has no run_id; regenerate the report")
    wrong = sorted(name for name, i in others.items() if i != rid)
    if wrong:
        raise UsageError(
            f"{directory}: {', '.join(wrong)} {'is' if len(wrong) == 1 else 'are'} not of "
            f"the run of report.json (run {rid}): the directory mixes two runs; rerun "
            "crosscheck report (or merge) into it"
        )


def recover(directory: str | Path) -> None:
    """Finish an interrupted write of a report directory before reading it (best effort:
    a read-only directory is read as it is, and :func:`verify_unit` judges it)."""
    try:
        atomic.recover(directory)
    except OSError:
        pass
