"""report.html in a real browser: headless Chromium (from the distribution's packages:
``make browser`` installs it; nothing is downloaded at run time) loads the page 1,400 px
wide; no console message, the status banner is there (and on the screenshot, in its
colour), every image decoded, the table of contents' links resolve, and a click on a
column header sorts the table.

Without a browser the test is skipped, except in CI (``CI`` set), where it fails.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
from pathlib import Path

import numpy as np
import pytest
from report_helpers import build_with_code
from report_helpers import outcome as _outcome

from crosscheck.environment import is_ci
from crosscheck.report.html import html
from crosscheck.report.records import PAIRS

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--hide-scrollbars", "--enable-logging=stderr", "--v=0", "--virtual-time-budget=5000",
)
WIDTH = 1400
PASS_GREEN = (0x1A, 0x7F, 0x37)  # .banner.PASS in report/html.py's CSS


def _browser() -> str:
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    message = f"no browser ({', '.join(BROWSERS)}): `make browser` installs Chromium"
    if is_ci():
        pytest.fail(message)
    pytest.skip(message)


def _run(browser: str, page: Path, tmp: Path, *args: str) -> subprocess.CompletedProcess:
    profile = tmp / f"profile-{len(list(tmp.glob('profile-*')))}"
    run = subprocess.run(
        [browser, *FLAGS, f"--user-data-dir={profile}", *args, page.as_uri()],
        capture_output=True, text=True, timeout=120, cwd=tmp,
        env={**os.environ, "HOME": str(tmp)},
    )
    if run.returncode != 0:
        pytest.fail(f"{browser} failed to run ({run.returncode}): {run.stderr[-2000:]}")
    return run


def _console(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> tuple[Path, dict]:
    """A report page with everything: plots, a trajectory figure, worst cases with code."""
    import matplotlib

    matplotlib.use("Agg")
    import io

    import matplotlib.pyplot as plt

    rng = np.random.default_rng(5)
    outs = [
        _outcome(i, c, o, dtype=("float32", "float64")[i % 2], depth=1 + i % 4,
                 ratios=(float(rng.uniform(0, 0.3)), float(rng.uniform(0, 0.2))),
                 power=(1e-12, 1e-10))
        for i in range(30)
        for c, o in PAIRS
    ]
    rep = build_with_code(outs, {i: f"problem = {i}" for i in range(30)},
                          trajectory={"file": "trajectory.json", "steps": 5, "nets": []})
    rep["run_id"] = "00112233aabbccdd"
    fig, ax = plt.subplots(figsize=(4, 2))
    ax.plot([0, 1, 2], [1, 0.1, 0.01])
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    meta = {"started": "2030-01-01T00:00:00+0000", "commit": "abc", "versions": {"x": "1"}}
    text = html(rep, outs, meta=meta, images={"trajectory": buf.getvalue()})
    path = tmp_path_factory.mktemp("html") / "report.html"
    path.write_text(text, encoding="utf-8")
    return path, rep


def test_the_page_loads_cleanly_in_chromium(page, tmp_path) -> None:
    browser = _browser()
    path, rep = page
    assert rep["status"] == "PASS"
    run = _run(browser, path, tmp_path, f"--window-size={WIDTH},900", "--dump-dom")
    dom = run.stdout
    assert _console(run.stderr) == [], _console(run.stderr)
    n_images = path.read_text().count("<img ")
    assert n_images == 4  # three plots and the trajectory figure
    assert f"data-images=\"{n_images}/{n_images}\"" in dom  # every image decoded
    assert re.search(r"<div class=\"banner PASS\"[^>]*>\s*<span class=\"status\">PASS<", dom)
    ids = set(re.findall(r" id=\"([^\"]+)\"", dom))
    links = re.findall(r"<a href=\"#([^\"]+)\">", dom)
    assert links and set(links) <= ids
    assert dom.count("<details>") == 10


def test_the_screenshot_shows_the_banner(page, tmp_path) -> None:
    browser = _browser()
    path, _ = page
    shot = tmp_path / "shot.png"
    run = _run(browser, path, tmp_path, f"--window-size={WIDTH},900", f"--screenshot={shot}")
    assert _console(run.stderr) == []
    data = shot.read_bytes()
    width, height = struct.unpack(">II", data[16:24])  # the PNG's IHDR
    assert (width, height) == (WIDTH, 900)
    import matplotlib.image

    pixels = (matplotlib.image.imread(shot)[:400, :, :3] * 255).round().astype(int)
    green = np.all(np.abs(pixels - np.array(PASS_GREEN)) <= 3, axis=-1)
    assert green.sum() > 20_000  # the banner, in its colour, near the top


def test_a_click_on_a_header_sorts_its_table(page, tmp_path) -> None:
    browser = _browser()
    path, _ = page
    probe = """<script>
window.addEventListener('load', function () {
  var table = document.querySelectorAll('table.sortable')[0];
  var col = Array.prototype.findIndex.call(table.tHead.rows[0].cells,
      function (th) { return th.textContent === 'max budget ratio'; });
  table.tHead.rows[0].cells[col].click();
  var values = Array.prototype.map.call(table.tBodies[0].rows,
      function (r) { return r.cells[col].textContent; });
  document.body.setAttribute('data-sorted', values.join(';'));
});
</script></body>"""
    copy = tmp_path / "sorted.html"
    copy.write_text(path.read_text().replace("</body>", probe), encoding="utf-8")
    run = _run(browser, copy, tmp_path, f"--window-size={WIDTH},900", "--dump-dom")
    assert _console(run.stderr) == []
    m = re.search(r"data-sorted=\"([^\"]*)\"", run.stdout)
    assert m, run.stdout[:2000]
    values = [float(v) for v in m.group(1).split(";")]
    assert len(values) == 12 and values == sorted(values)


def test_the_checks_catch_a_broken_page(page, tmp_path) -> None:
    """The same checks on a page with an undecodable image and a script error fail."""
    browser = _browser()
    path, _ = page
    img = "<img alt='ratios' src='data:image/png;base64,"
    broken = path.read_text().replace(img, img + "AAAA")  # no longer a PNG
    broken = broken.replace("</body>", "<script>notAFunction();</script></body>")
    copy = tmp_path / "broken.html"
    copy.write_text(broken, encoding="utf-8")
    run = _run(browser, copy, tmp_path, f"--window-size={WIDTH},900", "--dump-dom")
    assert any("notAFunction" in line for line in _console(run.stderr))
    assert 'data-images="3/4"' in run.stdout
