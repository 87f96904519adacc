"""``crosscheck soundness --merge``: chunks of the gate sweep combined into one report."""

from __future__ import annotations

import json

import pytest

from crosscheck import cli
from crosscheck.errors import UsageError
from crosscheck.soundness.merge import merge


def _row(cand, dtype, n, worst, above=0, where="x"):
    return {"candidate": cand, "dtype": dtype, "problems": n, "max_ratio": worst,
            "above_margin": above, "above_one": 0, "where": where}


def _report(seed, rows, title="Gate problems (10)", targets=()):
    return {"margin": 0.5, "seed": seed, "truth": "extended", "targets": list(targets),
            "sets": [{"title": title, "description": "drawn, seeds 1", "rows": rows,
                      "seconds": 1.0}]}


def test_gate_chunks_sum_and_keep_the_worst_case() -> None:
    a = _report(0, [_row("handprop", "float64", 6, 0.2, where="a"),
                    _row("handprop", "float32", 4, 0.1)])
    b = _report(5000, [_row("handprop", "float64", 5, 0.3, above=1, where="b"),
                       _row("handprop", "float32", 5, 0.05)])
    large = _report(0, [_row("handprop", "float64", 3, 0.07)], title="Large problems (3)",
                    targets=[{"net": "deep"}])
    m = merge([a, b, large])
    gate, big = m["sets"]
    assert gate["title"] == "Gate problems (20)"
    rows = {(r["candidate"], r["dtype"]): r for r in gate["rows"]}
    assert rows["handprop", "float64"]["problems"] == 11
    assert rows["handprop", "float64"]["max_ratio"] == 0.3
    assert rows["handprop", "float64"]["where"] == "b"
    assert rows["handprop", "float64"]["above_margin"] == 1
    assert rows["handprop", "float32"]["max_ratio"] == 0.1
    assert big["title"] == "Large problems (3)" and m["targets"] == [{"net": "deep"}]


def test_repeated_seeds_and_mixed_truths_are_refused() -> None:
    a = _report(0, [_row("handprop", "float64", 1, 0.1)])
    with pytest.raises(UsageError, match="repeat a seed"):
        merge([a, a])
    with pytest.raises(UsageError, match="truth"):
        merge([a, {**_report(5, []), "truth": "mpmath"}])


def test_the_command_merges_and_exits_1_above_the_margin(tmp_path, capsys) -> None:
    paths = []
    for seed, above in ((0, 0), (5000, 1)):
        p = tmp_path / f"{seed}.json"
        p.write_text(json.dumps(_report(seed, [_row("handprop", "float64", 2, 0.6, above)])))
        paths.append(str(p))
    out = tmp_path / "out"
    assert cli.main(["soundness", "--merge", *paths, "--out", str(out)]) == 1
    assert json.loads((out / "soundness.json").read_text())["sets"][0]["rows"][0]["problems"] == 4
    assert cli.main(["soundness", "--merge", str(tmp_path / "nope.json"), "--out",
                     str(out)]) == 2
    assert "--merge" in capsys.readouterr().err
