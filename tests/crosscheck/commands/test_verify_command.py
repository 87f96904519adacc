"""``crosscheck verify`` on the command line (crosscheck.commands.verify): exit 0/1/2,
the printed reproduction command really reproduces, usage errors are one line on stderr,
and importing the command does not import the frameworks."""

from __future__ import annotations

import shlex
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from required import require_oracles

from crosscheck import cli

require_oracles("torch", "mpmath")


def _run_cli(argv, capsys) -> tuple[int, str, str]:
    rc = cli.main(argv)
    out, err = capsys.readouterr()
    return rc, out, err


def _write(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(body))
    return path


def test_cli_passes_handprop(capsys):
    rc, out, _ = _run_cli(["verify", "handprop:gradients", "--max-examples", "20"], capsys)
    assert rc == 0, out
    assert "PASSED: 20 examples" in out and "worst budget ratio" in out


def test_the_reproduction_command_reproduces_in_process(capsys):
    argv = ["verify", "crosscheck.mutants:transposed_backward_weights", "--seed", "3"]
    rc1, out1, _ = _run_cli(argv, capsys)
    command = out1.strip().splitlines()[-1].strip()
    assert command.startswith("crosscheck verify ") and "--seed 3" in command
    rc2, out2, _ = _run_cli(shlex.split(command)[1:], capsys)
    assert rc1 == rc2 == 1 and out1 == out2


@pytest.mark.slow
def test_the_reproduction_command_reproduces_in_a_new_process(tmp_path):
    bug = _write(
        tmp_path,
        "mybackprop.py",
        """
        import handprop

        def gradients(weights, X, Y, activations, cost):
            g = handprop.gradients(weights, X, Y, activations, cost)
            if len(weights) >= 2:
                g[0] = 2 * g[0]  # the first layer's gradient doubled
            return g
        """,
    )
    run = [sys.executable, "-m", "crosscheck", "verify", f"{bug}:gradients", "--seed", "7"]
    first = subprocess.run(run, capture_output=True, text=True, cwd=tmp_path, check=False)
    assert first.returncode == 1, first.stdout + first.stderr
    command = first.stdout.strip().splitlines()[-1].strip()
    again = [sys.executable, "-m", "crosscheck", *shlex.split(command)[1:]]
    second = subprocess.run(again, capture_output=True, text=True, cwd=tmp_path, check=False)
    assert second.returncode == 1 and second.stdout == first.stdout


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["nope.py:gradients"], "no such file"),
        (["handprop"], "expected 'path/to/file.py:function'"),
        (["no_such_package_xyz:gradients"], "cannot import module"),
        (["handprop:no_such_function"], "has no attribute 'no_such_function'"),
        (["handprop:__version__"], "not a callable"),
        (["handprop:gradients", "--activations", "relu,swish"], "'swish' unknown"),
        (["handprop:gradients", "--costs", "hinge"], "'hinge' unknown"),
        (["handprop:gradients", "--max-examples", "0"], "max_examples"),
        (["handprop:gradients", "--max-depth", "0"], "max_depth"),
        (
            ["handprop:gradients", "--activations", "sigmoid", "--costs", "softmax_cross_entropy"],
            "no cost",
        ),
    ],
)
def test_usage_errors_exit_2(argv, message, capsys):
    rc, out, err = _run_cli(["verify", *argv], capsys)
    assert rc == 2, out + err
    assert message in err, err


def test_a_bad_dtype_is_argparses_usage_error(capsys):
    # --dtypes is parsed by the option shared with bench and trajectory (commands._options)
    with pytest.raises(SystemExit) as info:
        cli.main(["verify", "handprop:gradients", "--dtypes", "float16"])
    assert info.value.code == 2
    assert "--dtypes: expected float32 and/or float64, got 'float16'" in capsys.readouterr().err


def test_argparse_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["verify", "handprop:gradients", "--oracle", "tensorflow"])
    assert info.value.code == 2


def test_the_commands_do_not_import_the_frameworks():
    code = (
        "import sys, crosscheck, crosscheck.search, crosscheck.mutants, crosscheck.testing; "
        "print(sorted(m for m in ('torch', 'jax', 'hypothesis', 'matplotlib') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout


# ----------------------------------------------------------------------------- issues 12, 13

TARGETS = """
import sys
import handprop
import crosscheck

def hangs(weights, X, Y, activations, cost):
    while True:
        pass

def exits(weights, X, Y, activations, cost):
    sys.exit(3)

def declines(weights, X, Y, activations, cost):
    raise crosscheck.Unsupported("not yet")

def three_arguments(weights, X, Y):
    return None


def two_arguments(weights, X):
    return None
"""


@pytest.fixture
def targets(tmp_path) -> Path:
    return _write(tmp_path, "targets.py", TARGETS)


def test_a_target_that_hangs_times_out_with_exit_2(targets, capsys):
    rc, out, err = _run_cli(["verify", f"{targets}:hangs", "--timeout", "0.3"], capsys)
    assert rc == 2 and "TIMEOUT: fn did not return within 0.3 s" in err
    assert out.startswith(f"crosscheck verify {targets}:hangs\n")  # the header came first


def test_sys_exit_in_the_target_is_a_finding_with_its_traceback(targets, capsys):
    rc, out, _ = _run_cli(["verify", f"{targets}:exits", "--max-examples", "5"], capsys)
    assert rc == 1 and "the function failed: called sys.exit(3)" in out
    assert "in exits" in out and "sys.exit(3)" in out and "crosscheck/guard.py" not in out


def test_a_target_that_declines_everything_exits_2(targets, capsys):
    rc, out, _ = _run_cli(["verify", f"{targets}:declines", "--max-examples", "4"], capsys)
    assert rc == 2 and "UNSUPPORTED" in out and "not yet (4)" in out


@pytest.mark.parametrize(
    ("target", "extra", "expected"),
    [("two_arguments(weights, X)", [], "fn(weights, X, Y, activations, cost)"),
     ("three_arguments(weights, X, Y)", ["--layout", "separate-in-out"],
      "fn(weights, biases, X, Y, activations, cost)")],
)
def test_a_wrong_signature_is_a_usage_error_naming_the_expected_one(targets, capsys, target,
                                                                     extra, expected):
    name = target.split("(")[0]
    rc, out, err = _run_cli(["verify", f"{targets}:{name}", *extra], capsys)
    assert rc == 2 and f"expected {expected}" in err and target in err
    assert "FAILED" not in out


def test_a_fixed_nets_function_needs_its_net_named(targets, capsys):
    """fn(weights, X, Y) takes no activations or cost: a usage error until the one net it
    computes is named, before any call."""
    rc, out, err = _run_cli(["verify", f"{targets}:three_arguments"], capsys)
    assert rc == 2 and "three_arguments takes no activations or cost" in err
    assert "FAILED" not in out


def test_ctrl_c_exits_130_with_one_line(monkeypatch, capsys):
    import crosscheck.search

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(crosscheck.search, "verify", interrupted)
    rc, _, err = _run_cli(["verify", "handprop:gradients"], capsys)
    assert rc == 130 and err.strip() == "crosscheck verify: interrupted"


def test_every_option_has_help():
    import argparse

    from crosscheck.commands import verify as command

    parser = argparse.ArgumentParser()
    command.configure(parser)
    for action in parser._actions:
        assert action.help, f"{action.option_strings or action.dest} has no help"


def test_a_layout_on_the_command_line_and_the_report_files(capsys, tmp_path):
    argv = [
        "verify", "crosscheck.mutants.layouts:out_in_columns", "--layout", "separate-out-in",
        "--examples-as", "columns", "--bias-shape", "column", "--max-examples", "10",
        "--report", str(tmp_path),
    ]
    rc, out, _ = _run_cli(argv, capsys)
    assert rc in (0, 3), out
    assert "the function's convention: layout separate-out-in, examples as columns" in out
    assert {p.name for p in tmp_path.iterdir()} == {"verify.json", "verify.md", "verify.html"}


def test_keep_going_on_the_command_line(capsys):
    argv = ["verify", "crosscheck.mutants:tanh_derivative_one_minus_a", "--keep-going",
            "--activations", "tanh,identity", "--costs", "squared_error", "--dtypes", "float64"]
    rc, out, _ = _run_cli(argv, capsys)
    assert rc == 1 and "verdict per cell" in out and "failing cell" in out
    assert out.strip().splitlines()[-1].endswith("--keep-going")


def test_the_live_line_shows_only_on_a_terminal_outside_ci(monkeypatch):
    import io

    from crosscheck.commands._live import LiveLine

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.delenv("CI", raising=False)
    tty = Terminal()
    with LiveLine("crosscheck verify", stream=tty, interval=0.01) as line:
        line.update("3/200 problems judged")
    assert "crosscheck verify: 3/200 problems judged (0 s)" in tty.getvalue()
    assert tty.getvalue().endswith("\r\x1b[K")
    plain = io.StringIO()
    with LiveLine("crosscheck verify", stream=plain) as line:
        line.update("x")
    assert plain.getvalue() == ""
    monkeypatch.setenv("CI", "true")
    ci = Terminal()
    with LiveLine("crosscheck verify", stream=ci) as line:
        line.update("x")
    assert ci.getvalue() == ""


DOCS = Path(__file__).resolve().parents[3] / "docs" / "examples"
NG = ["--layout", "separate-out-in", "--examples-as", "columns", "--bias-shape", "column",
      "--reduction", "mean", "--activations", "tanh", "--outputs", "sigmoid", "--costs",
      "binary_cross_entropy"]


SOFTMAX_INDICES = ["--layout", "separate-in-out", "--reduction", "mean", "--labels-as",
                   "indices", "--returns", "loss-first", "--activations", "relu", "--outputs",
                   "softmax", "--costs", "softmax_cross_entropy"]


@pytest.mark.parametrize(
    ("target", "options", "expected"),
    [
        ("mlp_rows.py:gradients", ["--layout", "separate-in-out", "--reduction", "mean",
                                   "--activations", "relu", "--outputs", "identity",
                                   "--costs", "squared_error"], (0, 3)),
        ("ng_columns.py:gradients", NG, (0, 3)),
        ("ng_columns.py:gradients_bias_summed", NG, (1,)),
        ("nielsen_one_example.py:backprop", ["--layout", "separate-out-in", "--examples-as",
                                             "columns", "--bias-shape", "column",
                                             "--per-example", "--activations", "sigmoid",
                                             "--costs", "squared_error"], (0, 3)),
        ("softmax_indices.py:loss_and_grads", SOFTMAX_INDICES, (0, 3)),
        ("softmax_indices.py:loss_and_grads_no_max", SOFTMAX_INDICES, (1,)),
    ],
)
def test_the_docs_examples_do_what_docs_verify_md_says(target, options, expected, capsys):
    rc, out, _ = _run_cli(["verify", str(DOCS / target), *options, "--max-examples", "20"],
                          capsys)
    assert rc in expected, out
