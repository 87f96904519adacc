"""``crosscheck bench`` on the command line: a quick run prints the table and writes the
files; an unknown case exits 2."""

from __future__ import annotations

from required import require_oracles, require_package

from crosscheck import cli

require_oracles("torch", "jax")
require_package("threadpoolctl")


def test_cli_quick(tmp_path, capsys) -> None:
    status = cli.main(["bench", "--quick", "--cases", "tiny", "--dtypes", "float64",
                       "--threads", "1", "--gate-examples", "0", "--no-plot",
                       "--out", str(tmp_path)])
    assert status == 0
    assert "| tiny 2-2-1 P=4 | float64 |" in capsys.readouterr().out
    assert (tmp_path / "benchmarks.json").exists() and (tmp_path / "benchmarks.md").exists()


def test_cli_rejects_an_unknown_case(capsys) -> None:
    assert cli.main(["bench", "--cases", "huge"]) == 2
    assert "unknown case" in capsys.readouterr().err
