"""What a result looks like (crosscheck.search.explain): the printed counterexample with a
pasteable reproduction that really reproduces, the JSON record and the --report files."""

from __future__ import annotations

import json
import textwrap

from required import require_oracles

import crosscheck
import handprop
from crosscheck import cli
from crosscheck.search.explain import reproduction_call, reproduction_command
from crosscheck.search.files import result_dict, result_json
from crosscheck.verdict import check

require_oracles("torch", "mpmath")


def test_cli_failure_prints_a_counterexample_and_a_reproduction(capsys, tmp_path):
    target = "crosscheck.mutants:bias_gradient_averaged"
    argv = ["verify", target, "--max-examples", "30", "--report", str(tmp_path)]
    rc = cli.main(argv)
    out = capsys.readouterr().out
    assert rc == 1, out
    for needle in (
        "FAILED after",
        "minimal counterexample: sizes=1-1",
        "P=2",
        "first differing element: layer 0 (bias row 0), index (0, 0): got",
        "budget ratio",
        "oracles that agree it is wrong: torch",
        "problem = make_problem(",
        f"fn = load_target('{target}')",
        f"crosscheck verify {target} --seed 0 --max-examples 30",
    ):
        assert needle in out, f"{needle!r} missing from:\n{out}"
    record = json.loads((tmp_path / "verify.json").read_text())
    assert record["passed"] is False and record["counterexample"]["P"] == 2
    assert record["command"] == f"crosscheck verify {target} --seed 0 --max-examples 30"
    assert "minimal counterexample" in (tmp_path / "verify.md").read_text()
    # the printed snippet rebuilds the problem and shows the failure
    snippet = out.split("reproduce this problem in Python:\n", 1)[1].split("rerun the search")[0]
    namespace: dict = {}
    exec(textwrap.dedent(snippet), namespace)
    assert namespace["problem"].P == 2
    assert check(namespace["fn"], namespace["problem"]).status == "fail"
    assert check(handprop.gradients, namespace["problem"]).status == "pass"


def test_the_reproductions_name_every_option_that_is_not_the_default():
    result = crosscheck.verify(
        handprop.gradients,
        activations="tanh,identity",
        costs=["squared_error"],
        dtypes="float32",
        max_depth=2,
        max_width=3,
        max_examples=4,
        seed=9,
        oracle="torch",
        max_p=5,
    )
    assert reproduction_command("my.py:fn", result) == (
        "crosscheck verify my.py:fn --seed 9 --activations tanh,identity --costs squared_error "
        "--dtypes float32 --max-depth 2 --max-width 3 --max-p 5 --max-examples 4 "
        "--oracle torch"
    )
    assert reproduction_call(result) == (
        "crosscheck.verify(fn, seed=9, activations=['tanh', 'identity'], "
        "costs=['squared_error'], dtypes=['float32'], max_depth=2, max_width=3, "
        "max_p=5, max_examples=4, oracle='torch')"
    )
    default = crosscheck.verify(handprop.gradients, max_examples=2)
    assert reproduction_command("t:f", default) == "crosscheck verify t:f --seed 0 --max-examples 2"
    assert reproduction_call(default) == "crosscheck.verify(fn, seed=0, max_examples=2)"


def test_the_json_record_is_strict_json():
    result = crosscheck.verify(handprop.gradients, max_examples=3)
    record = json.loads(result_json(result, target="handprop:gradients"))
    assert record == json.loads(json.dumps(result_dict(result, target="handprop:gradients")))
    assert record["passed"] is True and record["counterexample"] is None
    assert record["command"] == "crosscheck verify handprop:gradients --seed 0 --max-examples 3"
    assert set(record["timing"]) == {"seconds", "calls", "search", "shrink", "reduce"}
