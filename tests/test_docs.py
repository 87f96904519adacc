"""The documentation a clone carries: every relative link of README.md and docs/*.md
resolves inside the repository (the seed included), and the seed is the one the code
cites."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")


def _relative_links(path: Path) -> list[str]:
    text = re.sub(r"```.*?```", "", path.read_text(encoding="utf-8"), flags=re.S)
    return [
        target.split("#", 1)[0]
        for target in LINK.findall(text)
        if not re.match(r"[a-z]+:", target) and not target.startswith("#")
    ]


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve_in_the_clone(doc: Path) -> None:
    broken = [t for t in _relative_links(doc) if t and not (doc.parent / t).resolve().exists()]
    assert broken == [], f"{doc.relative_to(ROOT)}: links to missing files: {broken}"
    inside = [t for t in _relative_links(doc) if ROOT not in (doc.parent / t).resolve().parents
              and (doc.parent / t).resolve() != ROOT]
    assert inside == [], f"{doc.relative_to(ROOT)}: links outside the repository: {inside}"


def test_the_readme_links_the_shipped_seed() -> None:
    assert "docs/seed.txt" in _relative_links(ROOT / "README.md")
    seed = (ROOT / "docs" / "seed.txt").read_text(encoding="utf-8")
    assert "Backpropagation" in seed and "(15)" in seed  # the notes' last equation
