"""``crosscheck trajectory`` on the command line: bad options exit 2, a finding exits 1
and is printed, ``--dtypes`` and ``--no-plot`` reach the files written."""

from __future__ import annotations

import json

import pytest
from required import require_oracles

from crosscheck import cli
from crosscheck import trajectory as T

require_oracles("torch", "jax")

N_STEPS = 20
"""Steps of the runs: those of the first-steps checks, whose jitted jax loops are reused."""


def test_dtypes_option_and_exit_status(tmp_path, monkeypatch, capsys):
    assert cli.main(["trajectory", "--steps", "0", "--out", str(tmp_path)]) == 2
    with pytest.raises(SystemExit):
        cli.main(["trajectory", "--dtypes", "float16"])

    real = T.write_reports
    seen = {}

    def fake(out, *, steps, dtypes, plot):
        seen.update(steps=steps, dtypes=dtypes, plot=plot)
        report = real(out, steps=steps, dtypes=dtypes, plot=plot)
        report["nets"][0]["divergence"][0]["first_exceeds"] = 3
        return report

    monkeypatch.setattr(T, "write_reports", fake)
    status = cli.main(
        ["trajectory", "--steps", str(N_STEPS), "--out", str(tmp_path), "--dtypes", "float64",
         "--no-plot"]
    )  # fmt: skip
    assert seen == {"steps": N_STEPS, "dtypes": ["float64"], "plot": False}
    assert status == 1 and "FINDING" in capsys.readouterr().out
    report = json.loads((tmp_path / "trajectory.json").read_text())
    assert report["dtypes"] == ["float64"]
    assert not (tmp_path / "trajectory.png").exists()
