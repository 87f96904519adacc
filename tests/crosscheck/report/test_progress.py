"""Progress is plain lines on stderr in CI.
"""

from __future__ import annotations

from crosscheck.report.progress import Progress


def test_progress_is_plain_lines_in_ci(monkeypatch, capsys) -> None:
    monkeypatch.setenv("CI", "true")
    with Progress(3, "label") as p:
        for _ in range(3):
            p.advance()
    err = capsys.readouterr().err
    assert "label: 1/3 examples" in err and "label: 3/3 examples (100%)" in err
