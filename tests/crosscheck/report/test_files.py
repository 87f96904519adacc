"""report.csv reads back to exactly the same results; malformed files are refused.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from report_helpers import build as _build
from report_helpers import outcome as _outcome

from crosscheck.report.files import read_results_csv, report_json, results_csv


def test_csv_reads_back_exactly() -> None:
    rng = np.random.default_rng(2)
    outs = [
        _outcome(i, "handprop", "jax", ratios=(float(rng.uniform()) / 3, 1e-300),
                 power=(float(rng.uniform()) * 1e-9, math.inf))
        for i in range(5)
    ]
    outs.append(_outcome(5, "handprop", "jax", status="skipped", note="a, \"quoted\" reason"))
    outs.append(_outcome(6, "handprop", "jax", ratios=(math.inf, 0.0)))
    text = results_csv(outs)
    back = read_results_csv(text)
    assert results_csv(back) == text
    assert sorted(back) == sorted(outs)
    assert back[0].rows[0].power == outs[0].rows[0].power  # power and its median kept
    assert text.splitlines()[0].endswith(",tolerance,power,power_median")
    assert report_json(_build(back)) == report_json(_build(outs))


@pytest.mark.parametrize(
    "text", ["", "id,dtype\n1,float64\n", results_csv([_outcome(0, "a", "b")])[:-40]]
)
def test_csv_reader_rejects_malformed_files(text: str) -> None:
    with pytest.raises(ValueError, match=r"report\.csv"):
        read_results_csv(text)
