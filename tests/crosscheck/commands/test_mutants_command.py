"""``crosscheck mutants`` (crosscheck.commands.mutants): writes the md/json report
(deterministic content, timings apart), exits 0 when every mutant is caught and every
correct function passes, 2 for an unknown name."""

from __future__ import annotations

import json

from required import require_oracles

from crosscheck import cli

require_oracles("torch", "mpmath")


def test_the_command_writes_the_report(tmp_path, capsys):
    names = ["bias_gradient_averaged", "output_deltas_summed"]
    rc = cli.main(["mutants", "--only", ",".join(names), "--out", str(tmp_path)])
    out, err = capsys.readouterr()
    assert rc == 0, out + err
    assert "2 of 2 mutants caught" in out
    assert "[1/2] bias_gradient_averaged: caught after" in err  # progress on stderr
    payload = json.loads((tmp_path / "mutants.json").read_text())
    rows = {r["name"]: r for r in payload["rows"]}
    assert set(rows) == set(names) and all(r["caught"] and r["ok"] for r in rows.values())
    assert rows["bias_gradient_averaged"]["P"] == 2
    assert rows["output_deltas_summed"]["sizes"] == [1, 2]
    md = (tmp_path / "mutants.md").read_text()
    assert "| `bias_gradient_averaged` |" in md and "2 of 2 mutants caught" in md
    timing = json.loads((tmp_path / "mutants-timing.json").read_text())
    assert set(timing["seconds"]) == set(names)
    # deterministic content: a second run writes the same md and json
    first = (md, (tmp_path / "mutants.json").read_text())
    assert cli.main(["mutants", "--only", ",".join(names), "--out", str(tmp_path)]) == 0
    capsys.readouterr()
    assert first == ((tmp_path / "mutants.md").read_text(), (tmp_path / "mutants.json").read_text())


def test_an_unknown_mutant_exits_2(capsys):
    assert cli.main(["mutants", "--only", "no_such_bug", "--no-write"]) == 2
    assert "unknown mutant" in capsys.readouterr().err
