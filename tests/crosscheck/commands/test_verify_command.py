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

from crosscheck import cli

pytest.importorskip("torch")
pytest.importorskip("mpmath")


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
        # crosscheck.validation's wording; was "expected float32 and/or float64"
        (["handprop:gradients", "--dtypes", "float16"], "dtypes: expected float32"),
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
