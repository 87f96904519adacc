"""What every command's options share: help text for each, one ``--dtypes`` syntax, and
``crosscheck --version``."""

from __future__ import annotations

import argparse
import importlib
from importlib import metadata

import pytest

from crosscheck import cli


def _parser(name: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"crosscheck {name}")
    importlib.import_module(cli.COMMANDS[name][0]).configure(parser)
    return parser


@pytest.mark.parametrize("name", sorted(cli.COMMANDS))
def test_every_option_has_help(name: str) -> None:
    bare = [
        a.option_strings or [a.dest]
        for a in _parser(name)._actions
        if not (a.help and a.help.strip()) and a.help != argparse.SUPPRESS
    ]
    assert bare == [], f"crosscheck {name}: options without help text: {bare}"


@pytest.mark.parametrize(
    "name", sorted(n for n in cli.COMMANDS if "--dtypes" in _parser(n)._option_string_actions)
)
def test_dtypes_is_one_comma_separated_list_everywhere(name: str) -> None:
    parser = _parser(name)
    required = [a for a in parser._actions if a.required and not a.option_strings]
    rest = ["x"] * len(required)
    parse = lambda *argv: parser.parse_args([*argv, *rest]).dtypes  # noqa: E731
    assert parse() is None
    assert parse("--dtypes", "float32") == ["float32"]
    assert parse("--dtypes", "float32,float64,float32") == ["float64", "float32"]
    with pytest.raises(SystemExit):
        parse("--dtypes", "float16")


def test_version_is_the_installed_distributions(capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        cli.main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"crosscheck {metadata.version('handprop')}"


def test_at_least_three_commands_share_dtypes() -> None:
    # the parametrised test above is not vacuous
    assert sum("--dtypes" in _parser(n)._option_string_actions for n in cli.COMMANDS) >= 3
