"""The HTML is self-contained, with its three plots and every Markdown table.
"""

from __future__ import annotations

import base64
import re

import numpy as np
from report_helpers import build as _build
from report_helpers import outcome as _outcome

from crosscheck.report.html import html
from crosscheck.report.markdown import markdown
from crosscheck.report.records import PAIRS


def test_html_is_self_contained_with_three_plots() -> None:
    rng = np.random.default_rng(3)
    outs = [
        _outcome(i, c, o, dtype=("float32", "float64")[i % 2], depth=1 + i % 4,
                 ratios=(float(rng.uniform(0, 0.3)), 0.0 if i % 5 == 0 else 1e-12))
        for i in range(20)
        for (c, o) in PAIRS
    ]
    rep = _build(outs)
    page = html(rep, outs)
    images = re.findall(r"src='data:image/png;base64,([A-Za-z0-9+/=]+)'", page)
    assert len(images) == 3
    assert all(base64.b64decode(i)[:8] == b"\x89PNG\r\n\x1a\n" for i in images)
    assert "http://" not in page and "https://" not in page and "<script" not in page
    separators = re.findall(r"^\| -{3}", markdown(rep), flags=re.MULTILINE)
    assert page.count("<table>") == len(separators) >= 8  # every Markdown table, in HTML


def test_html_survives_all_zero_ratios() -> None:
    outs = [_outcome(i, "handprop", "torch", ratios=(0.0, 0.0)) for i in range(3)]
    page = html(_build(outs), outs)
    assert page.count("data:image/png;base64,") == 3
