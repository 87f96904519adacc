"""The strategies' ``saturation`` option: the saturating regime's bias scale follows it
(at the default 25 and at the search's deeper level), and a bad value is a usage error."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crosscheck.search.run import DEEP_SATURATION


@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_the_saturation_option_sets_the_saturating_bias_scale(data):
    from crosscheck.strategies import problems
    from crosscheck.strategies.data import BIAS_FACTOR

    level = data.draw(st.sampled_from([25.0, DEEP_SATURATION]), label="level")
    p = data.draw(problems(regimes=("saturating",), saturation=level), label="problem")
    for w in p.weights:  # biases of magnitude in [0.25, 1] * BIAS_FACTOR * level
        b = np.abs(w[0].astype(np.float64))
        slack = 1 + 4 * float(np.finfo(p.dtype).eps)
        assert b.min() * slack >= 0.25 * BIAS_FACTOR * level, (level, w[0])
        assert b.max() <= BIAS_FACTOR * level * slack, (level, w[0])


@pytest.mark.parametrize("bad", [0.0, -1.0, float("nan"), float("inf"), "25", True])
def test_a_bad_saturation_is_a_value_error(bad):
    from crosscheck.strategies import problems

    with pytest.raises(ValueError, match="saturation"):
        problems(saturation=bad)
