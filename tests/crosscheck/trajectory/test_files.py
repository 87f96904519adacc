"""The files: the report is deterministic (same options, same json/md bytes), well formed
and canonical JSON, written atomically by the CLI and by :func:`write_reports` alike."""

from __future__ import annotations

import json

from required import require_oracles

from crosscheck import cli
from crosscheck.trajectory import build, files, nets, runners

require_oracles("torch", "jax")

N_STEPS = 20
"""Steps of the runs: those of the first-steps checks, whose jitted jax loops are reused."""

FRAMEWORKS = ["torch", "jax"]
DTYPES = ["float32", "float64"]


def _read(path):
    return path.read_bytes()


def _keys(obj):
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield k
            yield from _keys(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _keys(v)


def test_report_is_deterministic_and_well_formed(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    # N_STEPS, so that the jitted jax loops compiled by the first-steps tests are reused.
    assert cli.main(["trajectory", "--steps", str(N_STEPS), "--out", str(a)]) == 0
    files.write_reports(b, steps=N_STEPS, plot=False)
    for name in ("trajectory.json", "trajectory.md"):
        assert _read(a / name) == _read(b / name), f"{name} differs between two runs"
    assert _read(a / "trajectory.png")[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list(a.glob(".*.tmp")), "temporary files left behind"

    text = (a / "trajectory.json").read_text()
    report = json.loads(text)
    assert text == files.report_json(report)
    assert report["schema_version"] == build.SCHEMA_VERSION == "1"  # a string, as in report.json
    assert report["steps"] == N_STEPS and report["dtypes"] == DTYPES
    keys = set(_keys(report))
    assert not {k for k in keys if "time" in k or k in {"date", "elapsed", "seconds"}}, keys
    assert [n["name"] for n in report["nets"]] == [n.name for n in nets.NETS]
    for net in report["nets"]:
        runs = {(r["framework"], r["dtype"]) for r in net["runs"]}
        assert runs == {(f, d) for f in runners.FRAMEWORKS for d in DTYPES}
        assert net["series"]["steps"] == list(range(N_STEPS + 1))
        for kind in ("cost", "abs", "rel"):
            for series in net["series"][kind].values():
                assert len(series) == N_STEPS + 1
        labels = [d["label"] for d in net["divergence"]]
        assert labels == [f"{f}/{d}" for f in FRAMEWORKS for d in DTYPES] + [
            "handprop/float32-vs-float64"
        ]
        for d in net["divergence"]:
            assert d["first_exceeds"] is None
            assert d["max_rel"] < d["threshold"]
    md = (a / "trajectory.md").read_text()
    assert "## The thresholds" in md and "| torch/float64 vs handprop/float64 |" in md
