"""The HTML page is self-contained (no request leaves it: images are data URIs, the one
script is inline), with a status banner, a table of contents whose links resolve,
sortable tables, coloured verdicts, its plots and the trajectory figure, every Markdown
table, the run's versions/date/commit, and each worst case expandable with its
reproduction. (``test_browser.py`` loads it in a real browser.)
"""

from __future__ import annotations

import base64
import re

import numpy as np
import pytest
from report_helpers import build as _build
from report_helpers import outcome as _outcome

from crosscheck.report import html as report_html
from crosscheck.report.html import html
from crosscheck.report.markdown import markdown
from crosscheck.report.records import PAIRS

_PNG = b"\x89PNG\r\n\x1a\n"
_TINY_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def _outcomes(n: int = 20):
    rng = np.random.default_rng(3)
    return [
        _outcome(i, c, o, dtype=("float32", "float64")[i % 2], depth=1 + i % 4,
                 ratios=(float(rng.uniform(0, 0.3)), 0.0 if i % 5 == 0 else 1e-12))
        for i in range(n)
        for (c, o) in PAIRS
    ]


@pytest.fixture
def tiny_plots(monkeypatch):
    """The three plots as one-pixel PNGs, for the tests that are not about the plots
    (drawing them takes seconds; test_html_is_self_contained_with_its_plots... and
    test_html_survives_all_zero_ratios draw the real ones)."""
    monkeypatch.setattr(report_html, "plots", lambda report, outcomes: {
        "ratios": _TINY_PNG, "depth_width": _TINY_PNG, "heatmap": _TINY_PNG})


def test_html_is_self_contained_with_its_plots_and_every_table() -> None:
    outs = _outcomes()
    rep = _build(outs)
    page = html(rep, outs)
    images = re.findall(r"src='data:image/png;base64,([A-Za-z0-9+/=]+)'", page)
    assert len(images) == 3
    assert all(base64.b64decode(i)[:8] == _PNG for i in images)
    assert "http://" not in page and "https://" not in page
    assert page.count("<script") == 1 and "<script>" in page  # inline, no src
    assert not re.search(r"(src|href)='(?!data:|#)", page)  # nothing outside the page
    separators = re.findall(r"^\| -{3}", markdown(rep), flags=re.MULTILINE)
    assert page.count("<table class='sortable'>") == len(separators) >= 9


def test_banner_toc_verdicts_and_run_details(tiny_plots) -> None:
    outs = _outcomes(6)
    outs.append(_outcome(99, "handprop", "torch", ratios=(3.0, 0.1)))  # a FAIL
    rep = _build(outs)
    rep["run_id"] = "0123456789abcdef"
    meta = {"started": "2030-01-02T03:04:05+0000", "commit": "cafe1234",
            "versions": {"python": "3.11.7", "numpy": "9.9"}, "platform": {"platform": "X"}}
    page = html(rep, outs, meta=meta)
    assert rep["status"] == "FAIL"
    assert re.search(r"<div class='banner FAIL'[^>]*><span class='status'>FAIL</span>", page)
    assert "<meta name='crosscheck-run' content='0123456789abcdef'>" in page[:4096]
    for text in ("2030-01-02T03:04:05+0000", "cafe1234", "numpy 9.9", "0123456789abcdef"):
        assert text in page
    links = re.findall(r"<a href='#([^']+)'>", page)
    ids = set(re.findall(r" id='([^']+)'", page))
    assert len(links) >= 10 and set(links) <= ids
    assert "class='num v-fail'" in page or "class='v-fail'" in page
    assert "class='v-pass'" in page


def test_worst_cases_expand_with_their_reproduction(tiny_plots) -> None:
    outs = _outcomes(4)
    code = {i: f"problem = 'rebuilt {i}'" for i in range(4)}
    from report_helpers import build_with_code

    rep = build_with_code(outs, code)
    page = html(rep, outs)
    details = re.findall(r"<details>.*?</details>", page, flags=re.S)
    assert len(details) == len(rep["worst"]) == 10
    first = details[0]
    assert f"problem = &#x27;rebuilt {rep['worst'][0]['id']}&#x27;" in first
    assert "judge(grads, reference(" in first and "repro " in first


def test_trajectory_figure_is_embedded_and_md_links_are_not_followed(tiny_plots) -> None:
    outs = _outcomes(2)
    section = {"file": "trajectory.json", "steps": 5, "nets": []}
    rep = _build(outs, trajectory=section)
    page = html(rep, outs, images={"trajectory": _TINY_PNG})
    assert page.count("data:image/png;base64,") == 4
    assert "alt='trajectory'" in page
    assert "href='trajectory.md'" not in page and "<code>trajectory.md</code>" in page
    assert "No trajectory.png" in html(rep, outs)


def test_html_survives_all_zero_ratios() -> None:
    outs = [_outcome(i, "handprop", "torch", ratios=(0.0, 0.0)) for i in range(3)]
    page = html(_build(outs), outs)
    assert page.count("data:image/png;base64,") == 3
