"""Hypothesis strategies that generate gradient problems (:class:`crosscheck.problem.Problem`).

A problem is drawn in this order, so that shrinking walks towards the simplest network
and the simplest data:

1. the :class:`Architecture` (:func:`architectures`): depth L first (from ``min_depth``
   up), then Q, then the widths N_1..N_L (from 1 up), then the cost, then the hidden
   activations and the output activation, each name sampled in the simple-first orders
   :data:`COST_ORDER` and :data:`ACTIVATION_ORDER`;
2. the dtype (float64 first), P (from 1 up) and the weight regime (:data:`REGIMES`);
3. the weights (:func:`weights_for`), the inputs X (:func:`inputs`) and the labels Y
   (:func:`labels_for`), each as ``hypothesis.extra.numpy`` arrays of float64 values that
   are cast to the problem's dtype at the end, so a float32 problem holds exactly the
   numbers that were drawn-and-rounded once (no arithmetic happens after the cast).

The smallest problem (what ``find(problems(), lambda p: True)`` returns) is the seed's own
logistic regression: sizes (1, 1), activations ``("sigmoid",)``, cost ``log_likelihood``
(seed eq. 12), float64, P = 1, Glorot-scale weights.

Weight regimes (``weights[l]`` has shape ``(N_l + 1, N_{l+1})``, row 0 the bias):

* ``"typical"``: weights uniform-ish in ``[-r, r]``, ``r = sqrt(6 / (N_l + N_{l+1}))``
  (Glorot), biases of magnitude in ``[0.2 r, 0.84 r]``;
* ``"small"``: weights in ``[-1e-3, 1e-3]``, biases of magnitude in ``[2e-4, 8.4e-4]``;
* ``"saturating"``: weights scaled so that a unit's pre-activation z (seed eq. 1) is
  typically ``SATURATING_Z`` = 25 in size (up to ~50) given inputs of size ~1, and biases
  of magnitude in ``[0.2, 0.84] * SATURATING_Z``: sigmoid/tanh units sit in their flat
  tails, which is where cancellation (y - h) and underflow of f' show up. Large X
  (|x| ~ 1e2) pushes |z| into the thousands. The ``saturation`` option of
  :func:`problems` replaces 25 by another level (``crosscheck verify`` also draws at 60);
* ``"mixed"``: each layer draws one of the three above.

Balanced searches (``crosscheck verify``) pin parts of a draw with ``outputs`` (the
output activation) and ``featured`` (a hidden activation placed at one hidden layer).

Biases are never zero: their magnitude is bounded away from 0 and carries the factor
:data:`BIAS_FACTOR` (an "irrational" 53-bit constant), so a bias cannot cancel exactly
against sums of the short-mantissa values Hypothesis likes (0, 0.5, 1, ...). This keeps
bias-gradient bugs visible and makes ambiguous relu/leaky_relu problems (a pre-activation
within rounding of the kink at z = 0, see :func:`kink_free`) rare.

Tiny drawn values (``|u| < FLUSH`` on the unit scale) are flushed to 0 so that no product
of drawn numbers underflows into subnormals, where rounding stops being relative.

Draw labels: every ``draw`` carries a label naming what it draws (``"depth"``,
``"width"``, ``"regime"``, ...). Hypothesis's ``ConjectureData.draw`` takes integer span
labels, so :func:`_label` turns the name into a stable 64-bit integer the same way
Hypothesis labels its own strategies; draws of the same kind (every layer's width) share a
label, which lets the shrinker recognise them as alike.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import itertools
import math
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, NamedTuple

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from crosscheck.problem import Problem, make_problem
from handprop import activations as _activations
from handprop import costs as _costs
from handprop.network import FLOAT_DTYPES

__all__ = [
    "ACTIVATION_ORDER",
    "BASE_REGIMES",
    "BIAS_FACTOR",
    "COST_ORDER",
    "FLUSH",
    "KINKED",
    "LARGE_SCALE",
    "REGIMES",
    "SATURATING_Z",
    "SMALL_SCALE",
    "X_KINDS",
    "Y_KINDS",
    "Architecture",
    "Drawn",
    "DrawnProblem",
    "Inputs",
    "Labels",
    "Weights",
    "architectures",
    "default_margin",
    "inputs",
    "kink_free",
    "kink_margin",
    "labels_for",
    "problems",
    "problems_with_info",
    "weights_for",
    "without_local_constants",
]

# --------------------------------------------------------------------------- constants

_SIMPLE_FIRST = (
    "identity",
    "sigmoid",
    "tanh",
    "relu",
    "leaky_relu",
    "softplus",
    "elu",
    "silu",
    "gelu",
)

ACTIVATION_ORDER: tuple[str, ...] = (
    *(a for a in _SIMPLE_FIRST if a in _activations.ELEMENTWISE),
    *(a for a in _activations.ELEMENTWISE if a not in _SIMPLE_FIRST),
    *_activations.OUTPUT_ONLY,
)
"""Every activation name, simplest first (shrinking moves towards the front)."""

COST_ORDER: tuple[str, ...] = tuple(_costs.COSTS)
"""Every cost name, simplest first: the seed's ``log_likelihood`` (eq. 12) leads."""

BASE_REGIMES: tuple[str, ...] = ("typical", "small", "saturating")
"""The per-layer weight regimes."""

REGIMES: tuple[str, ...] = (*BASE_REGIMES, "mixed")
"""Weight regimes a problem can be drawn in; ``"mixed"`` draws one base regime per layer."""

X_KINDS: tuple[str, ...] = ("typical", "zeros", "repeated", "large")
"""Kinds of input X: entries in [-1, 1]; with all-zero rows; with repeated rows;
entries in [-LARGE_SCALE, LARGE_SCALE]."""

Y_KINDS: dict[str, tuple[str, ...]] = {
    "unit": ("binary", "soft"),
    "any": ("typical", "large"),
    "nonnegative": ("one_hot", "soft"),
}
"""Kinds of labels Y for each label rule of :class:`handprop.costs.Cost`: ``binary``
{0, 1} and ``soft`` [0, 1] for the sigmoid costs; ``typical`` [-1, 1] and ``large``
[-LARGE_SCALE, LARGE_SCALE] for squared_error; ``one_hot`` rows and ``soft`` rows of
values in [0, 1] (not normalised) for the softmax costs."""

KINKED: tuple[str, ...] = ("relu", "leaky_relu")
"""Activations whose derivative jumps at z = 0 (see :func:`kink_free`)."""

_BOUNDED: frozenset[str] = frozenset({"sigmoid", "tanh"})

SMALL_SCALE = 1e-3
"""Weight scale of the ``"small"`` regime."""

SATURATING_Z = 25.0
"""Typical |z| of a unit in the ``"saturating"`` regime (inputs of size ~1)."""

LARGE_SCALE = 1e2
"""Scale of ``"large"`` inputs and labels."""

BIAS_FACTOR = 0.8346268416740731
"""Gauss's constant 1/agm(1, sqrt 2): a full-mantissa factor on every bias magnitude."""

_BIAS_LOW = 0.25
"""Bias magnitudes lie in [_BIAS_LOW, 1] * BIAS_FACTOR * (the regime's bias scale)."""

FLUSH = 1e-6
"""Drawn unit-scale values with |u| < FLUSH become exactly 0 (no subnormal products)."""

_LABEL_BYTES = 8


# --------------------------------------------------------------------------- named tuples


class Architecture(NamedTuple):
    """A network shape: ``sizes`` = (Q, N_1, ..., N_L), one activation per layer 1..L
    (last = output) and the cost name."""

    sizes: tuple[int, ...]
    activations: tuple[str, ...]
    cost: str

    @property
    def depth(self) -> int:
        """L, the number of weight layers."""
        return len(self.sizes) - 1


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


class Drawn(NamedTuple):
    """What was drawn for a problem, for breaking results down in a report."""

    architecture: Architecture
    dtype: np.dtype
    regime: str
    layer_regimes: tuple[str, ...]
    x_kind: str
    y_kind: str


class DrawnProblem(NamedTuple):
    """A problem and the :class:`Drawn` record of how it was drawn."""

    problem: Problem
    info: Drawn


# --------------------------------------------------------------------------- helpers


@functools.cache
def _label(name: str) -> int:
    """A stable integer span label for the draw called ``name`` (as Hypothesis derives its
    own labels: the first 8 bytes of a SHA-384 of the name)."""
    return int.from_bytes(hashlib.sha384(name.encode()).digest()[:_LABEL_BYTES], "big")


def _names(
    value: Iterable[str] | None, argument: str, known: Sequence[str], what: str
) -> tuple[str, ...] | None:
    """Validate an optional restriction list; ``None`` stays ``None``."""
    if value is None:
        return None
    if isinstance(value, str):
        raise ValueError(
            f"{argument}: expected a sequence of {what} names, got the string "
            f"{value!r} (wrap it in a tuple)"
        )
    names = tuple(value)
    bad = [n for n in names if n not in known]
    if bad or not names:
        raise ValueError(
            f"{argument}: expected a non-empty sequence of {what} names from "
            f"{', '.join(known)}; got {list(names)!r}"
            + (f" ({', '.join(map(repr, bad))} unknown)" if bad else "")
        )
    return names


def _dtype(dtype: Any, argument: str = "dtype") -> np.dtype:
    try:
        dt = np.dtype(dtype)
    except TypeError:
        dt = None
    if dt not in FLOAT_DTYPES:
        raise ValueError(f"{argument}: expected float32 or float64, got {dtype!r}")
    return dt


def _positive_int(value: Any, argument: str, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{argument}: expected an integer >= {minimum}, got {value!r}")
    return int(value)


@functools.cache
def _unit_array(shape: tuple[int, ...]) -> st.SearchStrategy[np.ndarray]:
    """Dense float64 arrays with entries in [-1, 1] (no fill: every entry is its own draw,
    so weight matrices are not mostly one repeated value)."""
    return hnp.arrays(
        np.float64,
        shape,
        elements=st.floats(-1.0, 1.0, allow_subnormal=False),
        fill=st.nothing(),
    )


@functools.cache
def _nonnegative_array(shape: tuple[int, ...]) -> st.SearchStrategy[np.ndarray]:
    return hnp.arrays(
        np.float64,
        shape,
        elements=st.floats(0.0, 1.0, allow_subnormal=False),
        fill=st.nothing(),
    )


@functools.cache
def _bool_array(shape: tuple[int, ...]) -> st.SearchStrategy[np.ndarray]:
    return hnp.arrays(np.bool_, shape, elements=st.booleans(), fill=st.nothing())


@functools.cache
def _index_array(shape: tuple[int, ...], high: int) -> st.SearchStrategy[np.ndarray]:
    return hnp.arrays(np.intp, shape, elements=st.integers(0, high), fill=st.nothing())


def _saturation(value: Any) -> float:
    """``None`` -> :data:`SATURATING_Z`; otherwise a finite number > 0."""
    if value is None:
        return SATURATING_Z
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not (math.isfinite(value) and value > 0)
    ):
        raise ValueError(f"saturation: expected a finite number > 0, got {value!r}")
    return float(value)


def _flush(u: np.ndarray) -> np.ndarray:
    """Set entries with |u| < FLUSH to exactly 0 (returns a new array)."""
    return np.where(np.abs(u) < FLUSH, 0.0, u)


def _away_from_zero(u: np.ndarray) -> np.ndarray:
    """Map unit draws u in [-1, 1] to sign(u) * BIAS_FACTOR * (_BIAS_LOW + (1 - _BIAS_LOW)|u|)
    (u = 0 maps to the positive end): magnitudes in [0.21, 0.84], never 0."""
    sign = np.where(u < 0.0, -1.0, 1.0)
    return sign * (BIAS_FACTOR * (_BIAS_LOW + (1.0 - _BIAS_LOW) * np.abs(u)))


def _allowed_outputs(cost: str, allowed: tuple[str, ...]) -> tuple[str, ...]:
    outs = _costs.COSTS[cost].outputs
    return tuple(a for a in allowed if a in outs)


# --------------------------------------------------------------------------- architectures


@st.composite
def _architectures(
    draw: st.DrawFn,
    hidden: tuple[str, ...],
    outputs: tuple[tuple[str, tuple[str, ...]], ...],
    min_depth: int,
    max_depth: int,
    max_width: int,
    max_q: int,
    featured: str | None = None,
) -> Architecture:
    depth = draw(st.integers(min_depth, max_depth), label=_label("depth"))
    q = draw(st.integers(1, max_q), label=_label("Q"))
    widths = tuple(draw(st.integers(1, max_width), label=_label("width")) for _ in range(depth))
    cost, outs = draw(st.sampled_from(outputs), label=_label("cost"))
    # The featured activation (if any) sits at one drawn hidden layer (shrinks to the first).
    at = -1
    if featured is not None and depth >= 2:
        at = draw(st.integers(0, depth - 2), label=_label("featured layer"))
    acts = tuple(
        featured if l == at else draw(st.sampled_from(hidden), label=_label("hidden activation"))
        for l in range(depth - 1)
    )
    out = draw(st.sampled_from(outs), label=_label("output activation"))
    return Architecture((q, *widths), (*acts, out), cost)


def _architecture_args(
    activations: Iterable[str] | None,
    costs: Iterable[str] | None,
    min_depth: int,
    max_depth: int,
    max_width: int,
    max_q: int,
    outputs: Iterable[str] | None = None,
    featured: str | None = None,
) -> tuple:
    """Validate :func:`architectures`' arguments; returns ``_architectures``' arguments."""
    allowed_acts = _names(activations, "activations", ACTIVATION_ORDER, "activation")
    allowed_costs = _names(costs, "costs", COST_ORDER, "cost")
    allowed_outs = _names(outputs, "outputs", ACTIVATION_ORDER, "activation")
    min_depth = _positive_int(min_depth, "min_depth")
    max_depth = _positive_int(max_depth, "max_depth")
    max_width = _positive_int(max_width, "max_width")
    max_q = _positive_int(max_q, "max_q")
    if min_depth > max_depth:
        raise ValueError(
            f"min_depth, max_depth: expected min_depth <= max_depth, got {min_depth} > {max_depth}"
        )
    acts = (
        ACTIVATION_ORDER
        if allowed_acts is None
        else tuple(a for a in ACTIVATION_ORDER if a in allowed_acts)
    )
    hidden = tuple(a for a in acts if a not in _activations.OUTPUT_ONLY)
    outs = acts if allowed_outs is None else tuple(a for a in acts if a in allowed_outs)
    outputs = tuple(
        (c, _allowed_outputs(c, outs))
        for c in COST_ORDER
        if (allowed_costs is None or c in allowed_costs) and _allowed_outputs(c, outs)
    )
    if not outputs:
        raise ValueError(
            f"costs: no cost in {list(allowed_costs or COST_ORDER)!r} has an allowed output "
            f"activation among activations={list(outs)!r} (log_likelihood and "
            "binary_cross_entropy need 'sigmoid', the softmax costs 'softmax', "
            "squared_error any elementwise activation)"
        )
    if featured is not None and featured not in hidden:
        raise ValueError(
            f"featured: expected one of the allowed hidden activations {list(hidden)!r}, "
            f"got {featured!r}"
        )
    if not hidden:
        if min_depth > 1:
            raise ValueError(
                f"activations: {list(acts)!r} has no elementwise activation for the hidden "
                f"layers, so only depth 1 is possible; got min_depth={min_depth}"
            )
        max_depth = 1
        hidden = ("identity",)  # never drawn at depth 1; sampled_from needs an element
    return hidden, outputs, min_depth, max_depth, max_width, max_q, featured


def architectures(
    *,
    activations: Iterable[str] | None = None,
    costs: Iterable[str] | None = None,
    min_depth: int = 1,
    max_depth: int = 5,
    max_width: int = 8,
    max_q: int = 8,
    outputs: Iterable[str] | None = None,
    featured: str | None = None,
) -> st.SearchStrategy[Architecture]:
    """Network shapes: L in [min_depth, max_depth] weight layers, Q and widths in
    [1, max_q] and [1, max_width].

    Every elementwise activation may appear at each hidden layer (mixes allowed); the
    output activation is one the cost allows (sigmoid for log_likelihood and
    binary_cross_entropy, softmax for the softmax costs, any elementwise one for
    squared_error). ``activations`` and ``costs`` restrict the names (include ``"softmax"``
    in ``activations`` to keep the softmax costs); a cost left with no allowed output is
    dropped, and ``ValueError`` is raised if none remains. Shrinks towards fewer, narrower
    layers and the front of :data:`ACTIVATION_ORDER` / :data:`COST_ORDER`.

    For balanced searches (``crosscheck verify``'s schedule): ``outputs`` further restricts
    the output activation only (the hidden layers keep ``activations``), and ``featured``
    names a hidden activation placed at one drawn hidden layer whenever L >= 2 (the other
    hidden layers are drawn as usual), so that it is tested in every such draw.
    """
    return _architectures(
        *_architecture_args(
            activations, costs, min_depth, max_depth, max_width, max_q, outputs, featured
        )
    )


# --------------------------------------------------------------------------- weights


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


@st.composite
def _weights(
    draw: st.DrawFn,
    architecture: Architecture,
    regime: str,
    dtype: np.dtype,
    saturation: float = SATURATING_Z,
) -> Weights:
    sizes, acts = architecture.sizes, architecture.activations
    weights: list[np.ndarray] = []
    regimes: list[str] = []
    m_in = 1.0  # estimated size of the layer's input a^l (X is ~1)
    for l, (n_in, n_out) in enumerate(itertools.pairwise(sizes)):
        r = regime
        if regime == "mixed":
            r = draw(st.sampled_from(BASE_REGIMES), label=_label("layer regime"))
        w_scale, b_scale = _scales(r, n_in, n_out, m_in, saturation)
        u = _flush(draw(_unit_array((n_in, n_out)), label=_label("weights")))
        v = _flush(draw(_unit_array((n_out,)), label=_label("biases")))
        w = np.empty((n_in + 1, n_out), dtype=np.float64)
        w[0] = b_scale * _away_from_zero(v)
        w[1:] = w_scale * u
        weights.append(w.astype(dtype))
        regimes.append(r)
        z_size = w_scale * m_in * math.sqrt(n_in / 3.0) + b_scale
        m_in = 1.0 if acts[l] in _BOUNDED else max(1.0, z_size)
    return Weights(tuple(weights), tuple(regimes))


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
        raise ValueError(
            "architecture: expected sizes (Q, N_1, ..., N_L) of positive integers and L "
            f"activations, got {architecture!r}"
        )
    make_problem(  # checks activations against the cost (ValueError naming the argument)
        [np.zeros((a + 1, b)) for a, b in zip(arch.sizes[:-1], arch.sizes[1:], strict=True)],
        np.zeros((0, arch.sizes[0])),
        np.zeros((0, arch.sizes[-1])),
        arch.activations,
        arch.cost,
    )
    if regime not in REGIMES:
        raise ValueError(f"regime: expected one of {', '.join(REGIMES)}, got {regime!r}")
    return _weights(arch, regime, _dtype(dtype), _saturation(saturation))


# --------------------------------------------------------------------------- inputs


@st.composite
def _inputs(draw: st.DrawFn, P: int, Q: int, dtype: np.dtype, kinds: tuple[str, ...]) -> Inputs:
    kind = draw(st.sampled_from(kinds), label=_label("x kind"))
    if kind == "repeated":
        k = draw(st.integers(1, max(1, P - 1)), label=_label("distinct rows"))
        rows = _flush(draw(_unit_array((k, Q)), label=_label("X")))
        X = rows[draw(_index_array((P,), k - 1), label=_label("row index"))]
    else:
        X = _flush(draw(_unit_array((P, Q)), label=_label("X")))
        if kind == "large":
            X = LARGE_SCALE * X
        elif kind == "zeros":
            zero = draw(_bool_array((P,)), label=_label("zero rows"))
            zero[draw(st.integers(0, P - 1), label=_label("zero row"))] = True
            X[zero] = 0.0
    return Inputs(X.astype(dtype), kind)


def inputs(
    P: int, Q: int, dtype: Any = np.float64, *, kinds: Iterable[str] | None = None
) -> st.SearchStrategy[Inputs]:
    """Inputs X of shape ``(P, Q)`` (P >= 1) in ``dtype``, of a kind from :data:`X_KINDS`
    (``kinds`` restricts them): entries in [-1, 1]; with at least one all-zero row; with
    at least one repeated row when P >= 2; or entries up to LARGE_SCALE in size."""
    P = _positive_int(P, "P")
    Q = _positive_int(Q, "Q")
    kinds_ = _names(kinds, "kinds", X_KINDS, "input kind") or X_KINDS
    return _inputs(P, Q, _dtype(dtype), kinds_)


# --------------------------------------------------------------------------- labels


@st.composite
def _labels(draw: st.DrawFn, cost: str, P: int, n_out: int, dtype: np.dtype) -> Labels:
    kind = draw(st.sampled_from(Y_KINDS[_costs.COSTS[cost].labels]), label=_label("y kind"))
    if kind == "binary":
        Y = draw(_bool_array((P, n_out)), label=_label("Y")).astype(np.float64)
    elif kind == "one_hot":
        Y = np.eye(n_out)[draw(_index_array((P,), n_out - 1), label=_label("Y class"))]
    elif kind == "soft":
        Y = _flush(draw(_nonnegative_array((P, n_out)), label=_label("Y")))
    else:
        Y = _flush(draw(_unit_array((P, n_out)), label=_label("Y")))
        if kind == "large":
            Y = LARGE_SCALE * Y
    return Labels(Y.astype(dtype), kind)


def labels_for(cost: str, P: int, N_L: int, dtype: Any = np.float64) -> st.SearchStrategy[Labels]:
    """Labels Y of shape ``(P, N_L)`` valid for ``cost`` (its ``labels`` rule), in ``dtype``:
    binary {0, 1} or soft [0, 1] for log_likelihood/binary_cross_entropy; values in [-1, 1]
    or up to LARGE_SCALE for squared_error; one-hot rows or soft non-negative rows (not
    normalised) for the softmax costs."""
    if cost not in _costs.COSTS:
        raise ValueError(f"cost: expected one of {', '.join(COST_ORDER)}, got {cost!r}")
    return _labels(cost, _positive_int(P, "P"), _positive_int(N_L, "N_L"), _dtype(dtype))


# --------------------------------------------------------------------------- problems


@st.composite
def _problems_with_info(
    draw: st.DrawFn,
    arch_args: tuple,
    dtypes: tuple[np.dtype, ...],
    max_p: int,
    regimes: tuple[str, ...],
    saturation: float = SATURATING_Z,
) -> DrawnProblem:
    arch = draw(_architectures(*arch_args), label=_label("architecture"))
    dtype = draw(st.sampled_from(dtypes), label=_label("dtype"))
    P = draw(st.integers(1, max_p), label=_label("P"))
    regime = draw(st.sampled_from(regimes), label=_label("regime"))
    w = draw(_weights(arch, regime, dtype, saturation), label=_label("weights"))
    x = draw(_inputs(P, arch.sizes[0], dtype, X_KINDS), label=_label("inputs"))
    y = draw(_labels(arch.cost, P, arch.sizes[-1], dtype), label=_label("labels"))
    problem = make_problem(w.weights, x.X, y.Y, arch.activations, arch.cost)
    return DrawnProblem(problem, Drawn(arch, dtype, regime, w.layer_regimes, x.kind, y.kind))


def problems_with_info(
    *,
    activations: Iterable[str] | None = None,
    costs: Iterable[str] | None = None,
    dtypes: Iterable[Any] | None = None,
    min_depth: int = 1,
    max_depth: int = 5,
    max_width: int = 8,
    max_q: int = 8,
    max_p: int = 16,
    regimes: Iterable[str] | None = None,
    outputs: Iterable[str] | None = None,
    featured: str | None = None,
    saturation: float | None = None,
) -> st.SearchStrategy[DrawnProblem]:
    """Like :func:`problems`, but draws ``DrawnProblem(problem, info)`` where ``info`` is a
    :class:`Drawn` (architecture, dtype, regime, layer_regimes, x_kind, y_kind).
    ``outputs``, ``featured`` and ``saturation`` are as in :func:`problems`."""
    arch_args = _architecture_args(
        activations, costs, min_depth, max_depth, max_width, max_q, outputs, featured
    )
    if dtypes is None:
        dts = FLOAT_DTYPES[::-1]  # float64 first
    else:
        if isinstance(dtypes, str):
            raise ValueError(f"dtypes: expected a sequence of dtypes, got the string {dtypes!r}")
        dts = tuple(dict.fromkeys(_dtype(d, "dtypes") for d in dtypes))
        if not dts:
            raise ValueError("dtypes: expected at least one of float32, float64, got none")
        dts = tuple(sorted(dts, key=lambda d: -d.itemsize))
    regs = _names(regimes, "regimes", REGIMES, "weight regime") or REGIMES
    regs = tuple(r for r in REGIMES if r in regs)
    return _problems_with_info(
        arch_args, dts, _positive_int(max_p, "max_p"), regs, _saturation(saturation)
    )


def problems(
    *,
    activations: Iterable[str] | None = None,
    costs: Iterable[str] | None = None,
    dtypes: Iterable[Any] | None = None,
    min_depth: int = 1,
    max_depth: int = 5,
    max_width: int = 8,
    max_q: int = 8,
    max_p: int = 16,
    regimes: Iterable[str] | None = None,
    outputs: Iterable[str] | None = None,
    featured: str | None = None,
    saturation: float | None = None,
) -> st.SearchStrategy[Problem]:
    """Valid gradient problems (:class:`~crosscheck.problem.Problem`, built by
    ``make_problem``).

    Shapes: ``weights[l]`` ``(N_l + 1, N_{l+1})``, ``X`` ``(P, Q)``, ``Y`` ``(P, N_L)``
    with L in [min_depth, max_depth], N_l in [1, max_width], Q in [1, max_q], P in
    [1, max_p]. ``activations``/``costs`` restrict the names (see :func:`architectures`),
    ``dtypes`` the dtypes (float32, float64), ``regimes`` the weight regimes
    (:data:`REGIMES`); ``outputs`` and ``featured`` steer the output and one hidden
    activation (see :func:`architectures`); ``saturation`` is the typical |z| of the
    saturating regime's layers (default :data:`SATURATING_Z`; ``crosscheck verify`` also
    uses a deeper level). ``ValueError`` names a bad argument. Shrinks
    towards depth 1, width 1, Q 1, P 1, float64, the seed's sigmoid + log_likelihood.

    relu/leaky_relu problems with a pre-activation within rounding of 0 are rare but
    possible; filter them with ``assume(kink_free(problem))`` where that matters.
    """
    return problems_with_info(
        activations=activations,
        costs=costs,
        dtypes=dtypes,
        min_depth=min_depth,
        max_depth=max_depth,
        max_width=max_width,
        max_q=max_q,
        max_p=max_p,
        regimes=regimes,
        outputs=outputs,
        featured=featured,
        saturation=saturation,
    ).map(_first)


def _first(drawn: DrawnProblem) -> Problem:
    return drawn.problem


# --------------------------------------------------------------------------- kinks


def default_margin(dtype: Any) -> float:
    """64 * machine epsilon of ``dtype``: 64 covers the rounding of a sum of up to 9 terms
    per layer carried through up to 5 layers (9 * 5 = 45), with room to spare."""
    return 64.0 * float(np.finfo(_dtype(dtype)).eps)


def kink_margin(problem: Problem) -> float:
    """The smallest ``|z| / S`` over the units of the relu/leaky_relu layers (``inf`` if
    there are none), computed in float64 from the problem's exact values.

    z is the pre-activation of seed eq. 1, ``z^{l+1} = a^l w^l[1:] + w^l[0]``, and S the
    size that rounding errors in z can reach, relative to the unit roundoff:
    ``S^{l+1} = |w^l[0]| + |a^l| |w^l[1:]| + E^l |w^l[1:]|`` where ``E^l = |f'(z^l)| S^l``
    carries the earlier layers' rounding forward (``E^0 = 0``: X is exact). A unit with
    ``|z| / S`` below a few ulps may fall on either side of the kink in two correct
    implementations, and their gradients then legitimately differ.
    """
    p = problem.astype(np.float64)
    a = p.X
    err = np.zeros_like(a)
    worst = math.inf
    with np.errstate(all="ignore"):
        for w, name in zip(p.weights, p.activations, strict=True):
            W, b = w[1:], w[0]
            absW = np.abs(W)
            z = a @ W + b
            scale = np.abs(a) @ absW + err @ absW + np.abs(b)
            if name in KINKED and z.size:
                ratio = np.where(scale > 0, np.abs(z) / np.where(scale > 0, scale, 1.0), 0.0)
                ratio = np.where(np.isnan(ratio), 0.0, ratio)
                worst = min(worst, float(ratio.min()))
            if name in _activations.OUTPUT_ONLY:
                break
            act = _activations.ACTIVATIONS[name]
            a_next = act.value(z)
            err = np.abs(act.derivative(z, a_next)) * scale
            a = a_next
    return worst


def kink_free(problem: Problem, margin: float | None = None) -> bool:
    """True unless some relu/leaky_relu pre-activation is within ``margin`` (relative to
    its rounding scale S, see :func:`kink_margin`) of the kink at z = 0.

    ``margin`` defaults to :func:`default_margin` of the problem's dtype (64 eps: 1.4e-14
    for float64, 7.6e-6 for float32). A problem without relu/leaky_relu is always
    kink free.
    """
    if margin is None:
        margin = default_margin(problem.dtype)
    if not (isinstance(margin, (int, float)) and math.isfinite(margin) and margin >= 0):
        raise ValueError(f"margin: expected a finite number >= 0, got {margin!r}")
    return kink_margin(problem) > margin


# --------------------------------------------------------------------------- reproducibility


@contextlib.contextmanager
def without_local_constants() -> Iterator[None]:
    """Stop Hypothesis drawing constants found in the source of local modules, while inside.

    Hypothesis 6.13x and later mix into about 5% of drawn numbers the literals it finds in
    every imported module outside site-packages and the standard library (crosscheck
    itself, a ``crosscheck verify`` target file, ...). Inside this context that pool is
    empty, so the same seed and options draw the same problems whatever else is imported,
    in whatever order: :func:`crosscheck.generate.generate` (reports), the search of
    ``crosscheck verify`` and the test session (``tests/conftest.py``; a pytest-xdist
    worker's imports depend on scheduling) all draw inside it. Hypothesis's own global
    constants are kept. Nesting is fine.

    It replaces a private Hypothesis function (checked on the version pinned in
    ``constraints.txt``); with a Hypothesis that lacks it this does nothing, and
    ``tests/test_determinism.py`` fails.
    """
    try:
        from hypothesis.internal.conjecture import providers
        from hypothesis.internal.constants_ast import Constants

        original = providers._get_local_constants
        cache = providers.CONSTANTS_CACHE.cache
    except (ImportError, AttributeError):  # pragma: no cover - another Hypothesis
        yield
        return
    empty = Constants()
    providers._get_local_constants = lambda: empty
    cache.clear()  # it holds the allowed constants per choice type, local ones included
    try:
        yield
    finally:
        providers._get_local_constants = original
        cache.clear()
