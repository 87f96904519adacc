"""Loading the function under test (crosscheck.search.target): files (with their sibling
imports) and modules, dotted attributes, and a :class:`UsageError` (exit 2 on the command
line) saying what went wrong."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from required import require_oracles

from crosscheck import cli
from crosscheck.errors import UsageError
from crosscheck.search import load_target

require_oracles("torch", "mpmath")


def _write(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(body))
    return path


_ARGS = (
    [np.ones((3, 2)), np.ones((3, 1))],
    np.ones((4, 2)),
    np.zeros((4, 1)),
    ["tanh", "sigmoid"],
    "log_likelihood",
)


def test_file_and_module_targets(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(sys, "path", list(sys.path))  # load_target leaves the directory last
    _write(tmp_path, "helper_mod.py", "import handprop\nGRADIENTS = handprop.gradients\n")
    _write(tmp_path, "lazy_helper.py", "import handprop\nGRADIENTS = handprop.gradients\n")
    path = _write(
        tmp_path,
        "my_grads.py",
        """
        from helper_mod import GRADIENTS  # a sibling import: the file's directory is on path

        def gradients(weights, X, Y, activations, cost):
            return GRADIENTS(weights, X, Y, activations, cost)

        class Net:
            @staticmethod
            def grads(weights, X, Y, activations, cost):
                return GRADIENTS(weights, X, Y, activations, cost)

        def lazily(weights, X, Y, activations, cost):
            import lazy_helper  # a sibling imported at call time, as much real code does

            return lazy_helper.GRADIENTS(weights, X, Y, activations, cost)
        """,
    )
    targets = (f"{path}:gradients", f"{path}:Net.grads", f"{path}:lazily",
               "handprop.backprop:gradients")
    for target in targets:
        rc = cli.main(["verify", target, "--max-examples", "5"])
        out, err = capsys.readouterr()
        assert rc == 0, out + err
    # the directory stays, last: it shadows no module imported later
    assert sys.path.count(str(tmp_path)) == 1 and sys.path[-1] == str(tmp_path)
    assert load_target(f"{path}:gradients")(*_ARGS)[0].shape == (3, 2)


def test_a_file_that_fails_to_import_exits_2(tmp_path, capsys):
    bad = _write(tmp_path, "broken.py", "import numpy\nraise RuntimeError('boom at import')\n")
    rc = cli.main(["verify", f"{bad}:gradients"])
    err = capsys.readouterr().err
    assert rc == 2 and "RuntimeError: boom at import" in err
    syntax = _write(tmp_path, "syntax.py", "def f(:\n")
    rc = cli.main(["verify", f"{syntax}:f"])
    err = capsys.readouterr().err
    assert rc == 2 and "SyntaxError" in err


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("nope.py:gradients", "TARGET: no such file 'nope.py'"),
        ("handprop", "TARGET: expected 'path/to/file.py:function'"),
        ("handprop:", "TARGET: expected MODULE:FUNCTION"),
        ("no_such_package_xyz:gradients", "cannot import module 'no_such_package_xyz'"),
        ("handprop:no_such_function", "has no attribute 'no_such_function'"),
        ("handprop:backprop.nope", "has no attribute 'backprop.nope' (no 'nope')"),
        ("handprop:__version__", "is a str, not a callable"),
    ],
)
def test_a_bad_target_is_a_usage_error(target, message):
    with pytest.raises(UsageError) as info:
        load_target(target)
    assert message in str(info.value)


def test_every_mutant_is_a_target():
    from crosscheck import mutants

    for name, m in mutants.MUTANTS.items():
        assert load_target(f"crosscheck.mutants:{name}") is m.function
    assert load_target("crosscheck.mutants:textbook") is mutants.textbook
