"""The commands that write files check where before any work (issue 13): an existing
file or an uncreatable path as ``--out`` (verify: ``--report``) is exit 2 with one line
naming it, and the work never starts (the function doing it is replaced by one that fails
the test)."""

from __future__ import annotations

import pytest

from crosscheck import cli


def _no_work(*args, **kwargs):
    raise AssertionError("the work started before the output location was checked")


CASES = {
    "soundness": (["soundness", "--gate", "1", "--large", "0", "--no-targets"],
                  "crosscheck.soundness.sweep.sweep", "--out"),
    "mutants": (["mutants", "--only", "dropped_example"], "crosscheck.commands.mutants.run_jobs",
                "--out"),
    "bench": (["bench", "--quick"], "crosscheck.bench.run", "--out"),
    # the target is not even loaded: it may be slow to import or run code at import
    "verify": (["verify", "handprop:gradients", "--max-examples", "3"],
               "crosscheck.search.load_target", "--report"),
}


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("where", ["a file", "under /proc"])
def test_out_checked_before_any_work(name, where, tmp_path, monkeypatch, capsys) -> None:
    argv, worker, option = CASES[name]
    monkeypatch.setattr(worker, _no_work)
    if where == "a file":
        out = tmp_path / "taken"
        out.write_text("not a directory")
    else:
        out = "/proc/crosscheck-nope"
    status = cli.main([*argv, option, str(out)])
    err = capsys.readouterr().err
    assert status == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and f"{option} {out}" in lines[0] and "Traceback" not in err
