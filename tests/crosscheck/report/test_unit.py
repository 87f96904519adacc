"""A run's files carry one run id (a digest of its content, so the same options still
give the same bytes) and a directory is checked to hold one run.
"""

from __future__ import annotations

import json

import pytest
from report_helpers import build as _build
from report_helpers import outcome as _outcome

from crosscheck.errors import UsageError
from crosscheck.report.files import load_unit, render_files, write_report_files
from crosscheck.report.unit import UNIT_FILES, verify_unit


def _outs(r: float):
    return [_outcome(i, "handprop", "torch", ratios=(r, r / 2)) for i in range(3)]


def _html_off(monkeypatch):
    from crosscheck.report import files

    monkeypatch.setattr(files, "render_html",
                        lambda report, outcomes, **k: f"<meta name='crosscheck-run' "
                        f"content='{report['run_id']}'>")


def test_the_run_id_is_a_digest_of_the_content(tmp_path, monkeypatch) -> None:
    _html_off(monkeypatch)
    a = render_files(tmp_path, _build(_outs(0.1)), _outs(0.1), meta={"x": 1})
    again = render_files(tmp_path, _build(_outs(0.1)), _outs(0.1), meta={"x": 2})
    other = render_files(tmp_path, _build(_outs(0.2)), _outs(0.2), meta={"x": 1})
    rid = json.loads(a[tmp_path / "report.json"])["run_id"]
    assert a[tmp_path / "report.json"] == again[tmp_path / "report.json"]  # deterministic
    assert json.loads(other[tmp_path / "report.json"])["run_id"] != rid
    assert a[tmp_path / "report.md"].decode().endswith(f"<!-- crosscheck-run: {rid} -->\n")
    assert json.loads(a[tmp_path / "meta.json"])["run_id"] == rid
    assert [p.name for p in a] == list(UNIT_FILES)


def test_a_directory_of_two_runs_is_named_as_such(tmp_path, monkeypatch) -> None:
    _html_off(monkeypatch)
    one, two = tmp_path / "one", tmp_path / "two"
    write_report_files(one, _build(_outs(0.1)), _outs(0.1), meta={})
    write_report_files(two, _build(_outs(0.2)), _outs(0.2), meta={})
    assert load_unit(one / "report.json", required=("report.csv",))["run_id"]
    for name in UNIT_FILES[1:]:
        good = (one / name).read_bytes()
        (one / name).write_bytes((two / name).read_bytes())
        with pytest.raises(UsageError, match=f"{name}.*mixes two runs"):
            load_unit(one / "report.json")
        (one / name).write_bytes(good)
    (one / "report.csv").unlink()
    with pytest.raises(UsageError, match=r"report\.csv: no such file"):
        load_unit(one / "report.json", required=("report.csv",))
    alone = tmp_path / "copied.json"  # a report.json copied alone: nothing to compare
    alone.write_bytes((two / "report.json").read_bytes())
    verify_unit(alone, json.loads(alone.read_text()))
