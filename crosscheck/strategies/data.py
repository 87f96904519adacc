"""The numbers of a problem: weights in a regime, inputs X and labels Y of a kind.

Weight regimes (``weights[l]`` has shape ``(N_l + 1, N_{l+1})``, row 0 the bias):

* ``"typical"``: weights uniform-ish in ``[-r, r]``, ``r = sqrt(6 / (N_l + N_{l+1}))``
  (Glorot), biases of magnitude in ``[0.2 r, 0.84 r]``;
* ``"small"``: weights in ``[-1e-3, 1e-3]``, biases of magnitude in ``[2e-4, 8.4e-4]``;
* ``"saturating"``: weights scaled so that a unit's pre-activation z (seed eq. 1) is
  typically ``SATURATING_Z`` = 25 in size (up to ~50) given inputs of size ~1, and biases
  of magnitude in ``[0.2, 0.84] * SATURATING_Z``: sigmoid/tanh units sit in their flat
  tails, which is where cancellation (y - h) and underflow of f' show up. Large X
  (|x| ~ 1e2) pushes |z| into the thousands. The ``saturation`` option replaces 25 by
  another level (``crosscheck verify`` also draws at 60);
* ``"mixed"``: each layer draws one of the three above.

Biases are never zero: their magnitude is bounded away from 0 and carries the factor
:data:`BIAS_FACTOR` (an "irrational" 53-bit constant), so a bias cannot cancel exactly
against sums of short-mantissa values (the special values 0, +-0.5, +-1 that small arrays
carry, :mod:`crosscheck.strategies.arrays`). This keeps
bias-gradient bugs visible and makes ambiguous relu/leaky_relu problems (a pre-activation
within rounding of the kink at z = 0) rare.

Tiny drawn values (``|u| < FLUSH`` on the unit scale) are flushed to 0 so that no product
of drawn numbers underflows into subnormals, where rounding stops being relative.

The kinds (weight regime per layer, input kind, the number of distinct rows, label kind)
are Hypothesis draws; the values come from a NumPy generator seeded by one Hypothesis
draw (:func:`crosscheck.strategies.arrays.seeded`: one seed per problem, or one per
array for :func:`weights_for`, :func:`inputs` and :func:`labels_for`). Every array is
drawn as float64 values and cast to the problem's dtype at the end, so a float32 problem
holds exactly the numbers that were drawn-and-rounded once (no arithmetic happens after
the cast).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable
from typing import Any, NamedTuple

import numpy as np
from hypothesis import strategies as st

from crosscheck import spec, validation
from crosscheck.errors import UsageError
from crosscheck.options import BASE_REGIMES, LABEL_KINDS, REGIMES, SATURATING_Z
from crosscheck.strategies import arrays, discrete
from crosscheck.strategies.architectures import Architecture
from crosscheck.strategies.determinism import label

__all__ = [
    "BIAS_FACTOR",
    "FLUSH",
    "LARGE_SCALE",
    "SMALL_SCALE",
    "X_KINDS",
    "Y_KINDS",
    "Inputs",
    "Labels",
    "Weights",
    "inputs",
    "labels_for",
    "typical_numbers",
    "weights_for",
]

X_KINDS: tuple[str, ...] = ("typical", "zeros", "repeated", "large")
"""Kinds of input X: entries in [-1, 1]; with all-zero rows; with repeated rows;
entries in [-LARGE_SCALE, LARGE_SCALE]."""

Y_KINDS: dict[str, tuple[str, ...]] = LABEL_KINDS
"""Kinds of labels Y for each label rule of :data:`crosscheck.spec.COSTS`: ``binary``
{0, 1} and ``soft`` [0, 1] for the sigmoid costs; ``typical`` [-1, 1] and ``large``
[-LARGE_SCALE, LARGE_SCALE] for squared_error; ``one_hot`` rows and ``soft`` rows of
values in [0, 1] (not normalised) for the softmax costs."""

_BOUNDED: frozenset[str] = frozenset({"sigmoid", "tanh"})

SMALL_SCALE = 1e-3
"""Weight scale of the ``"small"`` regime."""

LARGE_SCALE = 1e2
"""Scale of ``"large"`` inputs and labels."""

BIAS_FACTOR = 0.8346268416740731
"""Gauss's constant 1/agm(1, sqrt 2): a full-mantissa factor on every bias magnitude."""

_BIAS_LOW = 0.25
"""Bias magnitudes lie in [_BIAS_LOW, 1] * BIAS_FACTOR * (the regime's bias scale)."""

FLUSH = 1e-6
"""Drawn unit-scale values with |u| < FLUSH become exactly 0 (no subnormal products)."""


class Weights(NamedTuple):
    """Drawn weights (``weights[l]`` of shape ``(N_l + 1, N_{l+1})``, row 0 the bias) and
    the regime each layer was drawn in."""

    weights: tuple[np.ndarray, ...]
    layer_regimes: tuple[str, ...]


class Inputs(NamedTuple):
    """Drawn inputs ``X`` of shape ``(P, Q)`` and their kind (one of :data:`X_KINDS`)."""

    X: np.ndarray
    kind: str


class Labels(NamedTuple):
    """Drawn labels ``Y`` of shape ``(P, N_L)`` and their kind (from :data:`Y_KINDS`)."""

    Y: np.ndarray
    kind: str


def _flush(u: np.ndarray) -> np.ndarray:
    """Set entries with |u| < FLUSH to exactly 0 (returns a new array)."""
    return np.where(np.abs(u) < FLUSH, 0.0, u)


def _away_from_zero(u: np.ndarray) -> np.ndarray:
    """Map unit draws u in [-1, 1] to sign(u) * BIAS_FACTOR * (_BIAS_LOW + (1 - _BIAS_LOW)|u|)
    (u = 0 maps to the positive end): magnitudes in [0.21, 0.84], never 0."""
    sign = np.where(u < 0.0, -1.0, 1.0)
    return sign * (BIAS_FACTOR * (_BIAS_LOW + (1.0 - _BIAS_LOW) * np.abs(u)))



# ----------------------------------------------------------------------------- weights


def _scales(
    regime: str, n_in: int, n_out: int, m_in: float, saturation: float = SATURATING_Z
) -> tuple[float, float]:
    """(weight scale, bias scale) of one layer; ``m_in`` estimates the size of its inputs."""
    if regime == "small":
        return SMALL_SCALE, SMALL_SCALE
    if regime == "typical":
        r = math.sqrt(6.0 / (n_in + n_out))
        return r, r
    # saturating: uniform weights in [-s, s] over n_in inputs of size m_in give a sum of
    # standard deviation s * m_in * sqrt(n_in / 3); make that the saturation level.
    return saturation * math.sqrt(3.0 / n_in) / m_in, saturation


def _weights_from(
    draw: st.DrawFn,
    rng: np.random.Generator,
    architecture: Architecture,
    regime: str,
    dtype: np.dtype,
    saturation: float = SATURATING_Z,
    mixed: tuple[str, ...] = BASE_REGIMES,
) -> Weights:
    """Weights from ``rng`` (a mixed regime's per-layer regimes are Hypothesis draws)."""
    sizes, acts = architecture.sizes, architecture.activations
    weights: list[np.ndarray] = []
    regimes: list[str] = []
    m_in = 1.0  # estimated size of the layer's input a^l (X is ~1)
    for l, (n_in, n_out) in enumerate(itertools.pairwise(sizes)):
        r = regime
        if regime == "mixed":
            r = draw(discrete.one_of(mixed), label=label("layer regime"))
        w_scale, b_scale = _scales(r, n_in, n_out, m_in, saturation)
        u = _flush(arrays.unit_values(rng, (n_in, n_out)))
        v = _flush(arrays.unit_values(rng, (n_out,)))
        w = np.empty((n_in + 1, n_out), dtype=np.float64)
        w[0] = b_scale * _away_from_zero(v)
        w[1:] = w_scale * u
        weights.append(w.astype(dtype))
        regimes.append(r)
        z_size = w_scale * m_in * math.sqrt(n_in / 3.0) + b_scale
        m_in = 1.0 if acts[l] in _BOUNDED else max(1.0, z_size)
    return Weights(tuple(weights), tuple(regimes))


@st.composite
def _weights(
    draw: st.DrawFn,
    architecture: Architecture,
    regime: str,
    dtype: np.dtype,
    saturation: float = SATURATING_Z,
) -> Weights:
    rng = arrays.seeded(draw, "weights")
    return _weights_from(draw, rng, architecture, regime, dtype, saturation)


def weights_for(
    architecture: Architecture,
    regime: str,
    dtype: Any = np.float64,
    *,
    saturation: float | None = None,
) -> st.SearchStrategy[Weights]:
    """Weights for ``architecture`` in ``regime`` (one of :data:`REGIMES`), cast to ``dtype``.

    Draws :class:`Weights`: ``weights[l]`` of shape ``(N_l + 1, N_{l+1})`` (the seed's w^l,
    row 0 the biases w^l_{0 n_{l+1}} of eq. 1) and the regime of each layer. Weights are
    ``scale * u`` with u drawn in [-1, 1]; biases are never 0 (see the module docstring).
    ``saturation`` sets the typical |z| of the saturating layers (default
    :data:`SATURATING_Z`).
    """
    arch = Architecture(*architecture)
    if (
        arch.depth < 1
        or len(arch.activations) != arch.depth
        or any(isinstance(n, bool) or not isinstance(n, int) or n < 1 for n in arch.sizes)
    ):
        raise UsageError(
            "architecture: expected sizes (Q, N_1, ..., N_L) of positive integers and L "
            f"activations, got {architecture!r}"
        )
    try:  # activations that go with the cost
        spec.check_names(arch.activations, arch.cost)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if regime not in REGIMES:
        raise UsageError(f"regime: expected one of {', '.join(REGIMES)}, got {regime!r}")
    sat = validation.positive_number(
        SATURATING_Z if saturation is None else saturation, "saturation"
    )
    return _weights(arch, regime, validation.dtype(dtype), sat)


# ----------------------------------------------------------------------------- inputs


def _inputs_from(
    draw: st.DrawFn,
    rng: np.random.Generator,
    P: int,
    Q: int,
    dtype: np.dtype,
    kinds: tuple[str, ...],
) -> Inputs:
    """Inputs from ``rng`` (the kind and a repeated kind's number of distinct rows are
    Hypothesis draws)."""
    kind = draw(discrete.one_of(kinds), label=label("x kind"))
    if kind == "repeated":
        k = draw(discrete.integers(1, max(1, P - 1)), label=label("distinct rows"))
        rows = _flush(arrays.unit_values(rng, (k, Q)))
        X = rows[arrays.index_values(rng, (P,), k - 1)]
    else:
        X = _flush(arrays.unit_values(rng, (P, Q)))
        if kind == "large":
            X = LARGE_SCALE * X
        elif kind == "zeros":
            zero = arrays.boolean_values(rng, (P,))
            zero[arrays.index_values(rng, (), P - 1)] = True
            X[zero] = 0.0
    return Inputs(X.astype(dtype), kind)


@st.composite
def _inputs(draw: st.DrawFn, P: int, Q: int, dtype: np.dtype, kinds: tuple[str, ...]) -> Inputs:
    return _inputs_from(draw, arrays.seeded(draw, "X"), P, Q, dtype, kinds)


def inputs(
    P: int, Q: int, dtype: Any = np.float64, *, kinds: Iterable[str] | None = None
) -> st.SearchStrategy[Inputs]:
    """Inputs X of shape ``(P, Q)`` (P >= 1) in ``dtype``, of a kind from :data:`X_KINDS`
    (``kinds`` restricts them): entries in [-1, 1]; with at least one all-zero row; with
    at least one repeated row when P >= 2; or entries up to LARGE_SCALE in size."""
    P = validation.integer(P, "P")
    Q = validation.integer(Q, "Q")
    kinds_ = validation.names(kinds, "kinds", X_KINDS) or X_KINDS
    return _inputs(P, Q, validation.dtype(dtype), kinds_)


# ----------------------------------------------------------------------------- labels


def _labels_from(
    draw: st.DrawFn,
    rng: np.random.Generator,
    cost: str,
    P: int,
    n_out: int,
    dtype: np.dtype,
    kinds: tuple[str, ...] | None = None,
) -> Labels:
    """Labels from ``rng`` (the kind is a Hypothesis draw)."""
    allowed = Y_KINDS[spec.COSTS[cost].labels] if kinds is None else kinds
    kind = draw(discrete.one_of(allowed), label=label("y kind"))
    if kind == "binary":
        Y = arrays.boolean_values(rng, (P, n_out)).astype(np.float64)
    elif kind == "one_hot":
        Y = np.eye(n_out)[arrays.index_values(rng, (P,), n_out - 1)]
    elif kind == "soft":
        Y = _flush(arrays.nonnegative_values(rng, (P, n_out)))
    else:
        Y = _flush(arrays.unit_values(rng, (P, n_out)))
        if kind == "large":
            Y = LARGE_SCALE * Y
    return Labels(Y.astype(dtype), kind)


@st.composite
def _labels(
    draw: st.DrawFn,
    cost: str,
    P: int,
    n_out: int,
    dtype: np.dtype,
    kinds: tuple[str, ...] | None = None,
) -> Labels:
    return _labels_from(draw, arrays.seeded(draw, "Y"), cost, P, n_out, dtype, kinds)


def labels_for(cost: str, P: int, N_L: int, dtype: Any = np.float64) -> st.SearchStrategy[Labels]:
    """Labels Y of shape ``(P, N_L)`` valid for ``cost`` (its ``labels`` rule), in ``dtype``:
    binary {0, 1} or soft [0, 1] for log_likelihood/binary_cross_entropy; values in [-1, 1]
    or up to LARGE_SCALE for squared_error; one-hot rows or soft non-negative rows (not
    normalised) for the softmax costs."""
    if cost not in spec.COSTS:
        raise UsageError(f"cost: expected one of {', '.join(spec.COST_ORDER)}, got {cost!r}")
    return _labels(
        cost, validation.integer(P, "P"), validation.integer(N_L, "N_L"), validation.dtype(dtype)
    )


# ----------------------------------------------------------------------------- typical


def typical_numbers(
    sizes: tuple[int, ...], cost: str, P: int, dtype: Any, rng: np.random.Generator
) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """Weights, X and Y for ``sizes`` from a NumPy generator, all *typical*: the
    ``"typical"`` regime's weights and biases, X uniform in [-1, 1], labels binary
    (sigmoid costs), one-hot (softmax costs) or in [-1, 1] (squared_error). Where a
    correct gradient is accurate and a wrong formula is visibly wrong."""
    weights = []
    for n_in, n_out in itertools.pairwise(sizes):
        r, _ = _scales("typical", n_in, n_out, 1.0)
        w = np.empty((n_in + 1, n_out))
        w[0] = r * _away_from_zero(rng.uniform(-1.0, 1.0, n_out))
        w[1:] = r * rng.uniform(-1.0, 1.0, (n_in, n_out))
        weights.append(w.astype(dtype))
    X = rng.uniform(-1.0, 1.0, (P, sizes[0]))
    rule = spec.COSTS[cost].labels
    if rule == "unit":
        Y = (rng.random((P, sizes[-1])) < 0.5).astype(np.float64)
    elif rule == "nonnegative":
        Y = np.eye(sizes[-1])[rng.integers(0, sizes[-1], P)]
    else:
        Y = rng.uniform(-1.0, 1.0, (P, sizes[-1]))
    return weights, X.astype(dtype), Y.astype(dtype)
