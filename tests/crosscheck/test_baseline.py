"""crosscheck check: the baseline regression gate.

* a report checked against its own baseline exits 0;
* against a baseline with every number 1000x smaller it exits 1 and names exactly the
  cells whose ratio is above the floor; a cell over FACTOR x its baseline, a cell that
  now FAILs, a new failing cell and a cell no longer compared are regressions; a cell
  within the factor, or below the floor, is not;
* a missing, truncated, non-JSON, other-schema or other-version file exits 2 with a
  message naming the file; so do an empty baseline, one written from a report that
  compared nothing, and a report of other options (seed, size) than the baseline's;
* inconclusive counts are carried in the cells, and a rise is a note, not a regression;
* the baseline is written only with --update-baseline, atomically, to a writable file
  (checked before the report is read).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from crosscheck import atomic, cli
from crosscheck import baseline as B
from crosscheck.report import ExampleInfo, PairResult, Row, build_report
from crosscheck.report.records import ROW_KINDS, position


def _outcome(ex_id, candidate, oracle, ratio, *, dtype="float64", status="compared"):
    info = ExampleInfo(ex_id, dtype, (2, 3, 1), 4, ("tanh", "sigmoid"), "log_likelihood")
    rows = ()
    if status == "compared":
        rows = tuple(
            Row(l, position(l, 2), kind, ratio * 1e-15, ratio * 1e-3, ratio, 0, 0, 1.0,
                  1.0, 1e-14)
            for l in range(2)
            for kind in ROW_KINDS
        )
    return PairResult(info, candidate, oracle, status, "" if status == "compared" else "x", rows)


RATIOS = {("handprop", "torch"): 0.3, ("handprop", "jax"): 0.003, ("torch", "mpmath"): 0.1}


def _report(ratios=RATIOS, extra=()) -> dict:
    outs = [
        _outcome(i, c, o, r * (1 + i) / 3, dtype=("float32", "float64")[i % 2])
        for (c, o), r in ratios.items()
        for i in range(3)
    ]
    return build_report(
        [*outs, *extra],
        options={"source": "test", "examples": 3, "seed": 0, "shard": "1/1"},
        oracles={},
        reproduce=lambda info: "",
    )


def _write(path: Path, doc: dict) -> Path:
    path.write_text(json.dumps(doc, sort_keys=True, indent=1) + "\n")
    return path


@pytest.fixture
def files(tmp_path):
    report = _write(tmp_path / "report.json", _report())
    baseline = tmp_path / "baseline.json"
    assert cli.main(
        ["check", "--report", str(report), "--baseline", str(baseline), "--update-baseline"]
    ) == 0
    return report, baseline


def _check(report: Path, baseline: Path) -> int:
    return cli.main(["check", "--report", str(report), "--baseline", str(baseline)])


def test_own_baseline_passes(files, capsys) -> None:
    report, baseline = files
    assert _check(report, baseline) == 0
    out = capsys.readouterr().out
    cells = B.cells(json.loads(report.read_text()))
    assert f"{len(cells)} cells within the baseline" in out
    assert json.loads(baseline.read_text())["cells"] == cells


def _scaled(x):
    if isinstance(x, bool):
        return x
    if isinstance(x, (int, float)):
        return x / 1000
    if isinstance(x, dict):
        return {k: _scaled(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_scaled(v) for v in x]
    return x


def test_a_baseline_1000_times_smaller_fails_and_names_the_cells(files, capsys) -> None:
    report, baseline = files
    doc = json.loads(baseline.read_text())
    _write(baseline, {**doc, "cells": _scaled(doc["cells"])})
    capsys.readouterr()
    assert _check(report, baseline) == 1
    out = capsys.readouterr().out
    cells = B.cells(json.loads(report.read_text()))
    flagged = {k for k, c in cells.items() if c["max_ratio"] > B.FLOOR}
    assert flagged and len(flagged) < len(cells)  # some cells are below the floor
    for key in cells:
        assert (f"| {key} |" in out) == (key in flagged), key
    assert f"{len(flagged)} of {len(cells)} baseline cells regressed" in out


def test_regression_rules() -> None:
    base = B.cells(_report())
    key = "summary: handprop vs torch, float64"
    low = "summary: handprop vs jax, float64"  # 4 x its ratio is below the floor
    assert 4 * base[low]["max_ratio"] < B.FLOOR

    def with_cell(k, **changes):
        return {**base, k: {**base[k], **changes}}

    b = base[key]["max_ratio"]
    assert B.find_regressions(base, base) == []
    assert B.find_regressions(base, with_cell(key, max_ratio=3.9 * b)) == []
    (r,) = B.find_regressions(base, with_cell(key, max_ratio=4.1 * b))
    assert (r.cell, r.reason, r.limit) == (key, "ratio above the limit", 4 * b)
    assert B.find_regressions(base, with_cell(low, max_ratio=0.049)) == []
    (r,) = B.find_regressions(base, with_cell(low, max_ratio=0.051))
    assert r.limit == B.FLOOR
    (r,) = B.find_regressions(base, with_cell(key, verdict="FAIL", errors=1))
    assert r.reason.startswith("now failing")
    (r,) = B.find_regressions(base, with_cell(key, examples=0, max_ratio=None))
    assert r.reason.startswith("missing")
    gone = {k: v for k, v in base.items() if k != key}
    (r,) = B.find_regressions(base, gone)
    assert (r.cell, r.reason) == (key, "missing: no longer compared")
    new = {**base, "summary: x vs y, float64": {**base[key], "verdict": "FAIL"}}
    (r,) = B.find_regressions(base, new)
    assert r.reason == "new failing cell"
    (r,) = B.find_regressions(base, with_cell(key, max_ratio="nan"))
    assert r.reason == "ratio above the limit"


def test_a_new_failing_cell_fails_the_check(files, tmp_path, capsys) -> None:
    report, baseline = files
    bad = [_outcome(9, "handprop", "finite_differences", 2.5)]
    _write(report, _report(extra=bad))
    assert _check(report, baseline) == 1
    out = capsys.readouterr().out
    assert "summary: handprop vs finite_differences, float64" in out
    assert "new failing cell" in out


def test_a_lost_oracle_fails_the_check(files, capsys) -> None:
    report, baseline = files
    ratios = {k: v for k, v in RATIOS.items() if k != ("handprop", "jax")}
    _write(report, _report(ratios))
    assert _check(report, baseline) == 1
    assert "missing: no longer compared" in capsys.readouterr().out


def _truncated(p: Path) -> None:
    text = p.read_text()
    p.write_text(text[: len(text) // 2])


@pytest.mark.parametrize(
    "damage",
    [
        ("missing", lambda p: p.unlink()),
        ("truncated", _truncated),
        ("empty", lambda p: p.write_text("")),
        ("not an object", lambda p: p.write_text("[1, 2]")),
        ("other schema", lambda p: _write(p, {**json.loads(p.read_text()), "schema": "x"})),
        ("other version", lambda p: _write(p, {**json.loads(p.read_text()),
                                               "schema_version": "0"})),
        ("no cells", lambda p: _write(p, {k: v for k, v in json.loads(p.read_text()).items()
                                          if k != "cells"})),
        ("bad number", lambda p: _write(p, {**json.loads(p.read_text()), "cells": {
            "summary: a vs b, float64": {"examples": 1, "errors": 0, "max_ratio": "big",
                                         "p99_ratio": 0, "verdict": "pass"}}})),
    ],
    ids=lambda d: d[0],
)
def test_bad_baseline_exits_2(files, capsys, damage) -> None:
    report, baseline = files
    damage[1](baseline)
    assert _check(report, baseline) == 2
    err = capsys.readouterr().err
    assert str(baseline) in err and "--update-baseline" in err


@pytest.mark.parametrize("damage", ["missing", "truncated", "baseline as report"])
def test_bad_report_exits_2(files, capsys, damage) -> None:
    report, baseline = files
    if damage == "missing":
        report.unlink()
    elif damage == "truncated":
        _truncated(report)
    else:
        report = baseline
    assert _check(report, baseline) == 2
    assert str(report) in capsys.readouterr().err


def test_baseline_is_written_only_with_update(files) -> None:
    report, baseline = files
    before = baseline.read_bytes()
    _write(report, _report({k: v / 2 for k, v in RATIOS.items()}))
    assert _check(report, baseline) == 0  # smaller ratios pass ...
    assert baseline.read_bytes() == before  # ... and leave the baseline alone
    assert cli.main(
        ["check", "--report", str(report), "--baseline", str(baseline), "--update-baseline"]
    ) == 0
    assert baseline.read_bytes() != before
    assert B.cells(json.loads(report.read_text())) == json.loads(baseline.read_text())["cells"]


def test_update_baseline_is_atomic(files, monkeypatch) -> None:
    report, baseline = files
    _write(report, _report({k: v / 2 for k, v in RATIOS.items()}))
    before = baseline.read_bytes()

    def interrupted(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(atomic.os, "replace", interrupted)
    assert cli.main(["check", "--report", str(report), "--baseline", str(baseline),
                     "--update-baseline"]) == 130  # interrupted: a line, no traceback
    assert baseline.read_bytes() == before
    assert sorted(p.name for p in baseline.parent.iterdir()) == ["baseline.json", "report.json"]


def test_bad_factor_exits_2(files) -> None:
    report, baseline = files
    assert cli.main(["check", "--report", str(report), "--baseline", str(baseline),
                     "--factor", "0.5"]) == 2


def test_infinite_ratios_round_trip_through_the_baseline(tmp_path) -> None:
    rep = _report(extra=[_outcome(7, "handprop", "torch", math.inf)])
    cells = B.cells(rep)
    assert cells["summary: handprop vs torch, float64"]["max_ratio"] == "inf"
    assert B.find_regressions(cells, cells) == []


def test_a_report_of_other_options_is_not_comparable(files, capsys) -> None:
    report, baseline = files
    for change in ({"seed": 1}, {"examples": 2500}, {"shard": "1/2"}):
        doc = json.loads(report.read_text())
        _write(report, {**doc, "options": {**doc["options"], **change}})
        assert _check(report, baseline) == 2
        err = capsys.readouterr().err
        assert "not comparable" in err and next(iter(change)) in err
        assert err.count("\n") == 1  # one line
    doc = json.loads(report.read_text())
    _write(report, {**doc, "options": {**json.loads(baseline.read_text())["options"],
                                       "fingerprint": "other draws"}})
    assert _check(report, baseline) == 0
    assert "problems differ" in capsys.readouterr().out


def test_empty_baselines_are_refused(files, tmp_path, capsys) -> None:
    report, baseline = files
    empty = _write(tmp_path / "empty.json", _report(ratios={}))
    assert json.loads(empty.read_text())["summary"] == []
    before = baseline.read_bytes()
    assert cli.main(["check", "--report", str(empty), "--baseline", str(baseline),
                     "--update-baseline"]) == 2
    assert "compared nothing" in capsys.readouterr().err
    assert baseline.read_bytes() == before
    doc = json.loads(baseline.read_text())
    _write(baseline, {**doc, "cells": {}})
    assert _check(report, baseline) == 2
    assert "empty baseline" in capsys.readouterr().err


def test_more_inconclusive_examples_are_a_note_not_a_regression(files) -> None:
    report, _ = files
    key = "summary: handprop vs torch, float64"
    base = B.cells(json.loads(report.read_text()))
    assert base[key]["inconclusive"] == 0
    more = {**base, key: {**base[key], "inconclusive": 2}}
    assert B.find_regressions(base, more) == []
    assert B.inconclusive_changes(base, more) == [(key, 0, 2)]
    assert B.inconclusive_changes(more, base) == []


@pytest.mark.parametrize("where", ["directory", "missing parent is a file"])
def test_update_baseline_to_an_unwritable_path_exits_2_first(files, tmp_path, capsys,
                                                             where) -> None:
    report, _ = files
    target = tmp_path if where == "directory" else report / "baseline.json"
    missing_report = tmp_path / "no-report.json"  # checked after the path: never read
    assert cli.main(["check", "--report", str(missing_report), "--baseline", str(target),
                     "--update-baseline"]) == 2
    err = capsys.readouterr().err
    assert str(target) in err and "no-report" not in err
