"""The mpmath oracle: the truth, by reverse-mode autodiff over multi-precision numbers.

The *truth* oracle. The network and cost are evaluated straightforwardly in mpmath at
:data:`DPS` significant decimal digits (inside a local ``mp.workdps`` context; the global
precision is never touched), and every elementary operation is recorded on a small tape
(micrograd-style): ``+``, ``*``, ``1/x``, ``exp``, ``expm1``, ``log``, ``log1p``, ``tanh``,
the two-slope ramp of relu / leaky_relu, the affine map ``b + sum_i w_i x_i`` of seed
eq. 1 and n-ary sums, each with its own local derivative. The gradient is then the chain
rule run backwards over the tape. Nothing here uses the seed's backpropagation equations
(eq. 7-10, 13) or handprop: only the derivatives of the elementary operations.

The inputs are the problem's float32/float64 numbers taken exactly (``mpf(float(x))`` is
exact), so the answer is the exact gradient at those points, accurate to about
``DPS - 10`` significant digits relative to the sum of the magnitudes of its terms.
:func:`gradients` returns it correctly rounded to float64; :func:`gradients_mp` returns
the ``mpf`` values themselves.

Exact semantics: sigmoid(z) = 1 / (1 + e^-z); relu'(0) = 0; leaky_relu has slope 1/100
for z <= 0; elu(z) = e^z - 1 for z <= 0 (alpha = 1); softplus(z) = log(1 + e^z);
silu(z) = z sigmoid(z); gelu(z) = z/2 (1 + tanh(sqrt(2/pi) (z + 0.044715 z^3))); the
log-likelihood (seed eq. 12) is y log sigmoid(z) + (1 - y) log sigmoid(-z) with
log sigmoid(z) = -log(1 + e^-z); log softmax(z)_k = z_k - log sum_j e^{z_j}.

The cost grows like ``P * (parameters + 50 units)`` (:func:`work`); problems above
:data:`MAX_WORK` raise :class:`TooLarge` (see :func:`fits`). No float-precision shortcut
(e.g. ``np.longdouble``) is offered: this oracle is the slow, simple, trustworthy one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from crosscheck.oracles._common import check_arguments, try_import
from crosscheck.spec import SIGMOID_COSTS as _SIGMOID_COSTS

if TYPE_CHECKING:  # pragma: no cover - typing only
    from crosscheck.problem import Problem

__all__ = [
    "DPS",
    "KIND",
    "MAX_WORK",
    "NAME",
    "UNIT_COST",
    "TooLarge",
    "available",
    "cost_mp",
    "fits",
    "gradients",
    "gradients_mp",
    "work",
]

NAME = "mpmath"
KIND = "truth"

DPS = 50
"""Working precision in significant decimal digits (about 166 bits)."""

UNIT_COST = 50
"""Cost of one activation (per unit and example) in units of one multiply-add."""

MAX_WORK = 250_000
"""Largest :func:`work` accepted by default: one call then takes at most about 0.5 s.

Measured on this machine (pure-Python mpmath backend, DPS = 50, 2 shared cores): time
is about 1.7 us per unit of work with gelu everywhere (the dearest activation; tanh
and relu are 2-3 times cheaper), e.g. 4-8-8-3 with P = 16 (work 17 424): 0.03 s;
10-32-10 with P = 64 (work 178 048): 0.32 s; 16-32-32-8 with P = 32 (work 197 888):
0.32 s.
"""


class TooLarge(ValueError):
    """The problem is over the size cap of the mpmath oracle (see :data:`MAX_WORK`)."""


def available() -> tuple[bool, str]:
    """``(True, "")`` if mpmath imports, else ``(False, why)``. Never raises."""
    modules, why = try_import("mpmath")
    return modules is not None, why


def _mpmath() -> Any:
    ok, why = available()
    if not ok:
        raise ImportError(f"the mpmath oracle is unavailable: {why}")
    import mpmath

    return mpmath


def work(problem: Problem) -> int:
    """``P * (n_parameters + UNIT_COST * n_units)``: the size of the tape, roughly.

    ``n_parameters`` counts every weight and bias (one multiply-add each per example,
    seed eq. 1), ``n_units`` the units of layers 1..L (one activation each).
    """
    n_params = sum(int(np.size(w)) for w in problem.weights)
    n_units = sum(int(np.shape(w)[1]) for w in problem.weights)
    return int(problem.X.shape[0]) * (n_params + UNIT_COST * n_units)


def fits(problem: Problem, max_work: int = MAX_WORK) -> bool:
    """Whether :func:`gradients` accepts ``problem`` under the cap ``max_work``."""
    return work(problem) <= max_work


class _Tape:
    """A Wengert list: node i has a value, the indices of its parents and the partial
    derivatives d node_i / d parent_j (all mpf), recorded as the forward pass runs.

    Every method takes node indices (and plain constants where named ``c``) and returns
    the index of the new node. Must be used inside one ``mp.workdps`` context.
    """

    __slots__ = ("mp", "parents", "partials", "vals")

    def __init__(self, mp: Any) -> None:
        self.mp = mp
        self.vals: list[Any] = []
        self.parents: list[tuple[int, ...]] = []
        self.partials: list[tuple[Any, ...]] = []

    def _push(self, value: Any, parents: tuple[int, ...], partials: tuple[Any, ...]) -> int:
        self.vals.append(value)
        self.parents.append(parents)
        self.partials.append(partials)
        return len(self.vals) - 1

    def leaf(self, value: Any) -> int:
        return self._push(value, (), ())

    # -- arithmetic --------------------------------------------------------------------
    def add(self, i: int, j: int) -> int:
        return self._push(self.vals[i] + self.vals[j], (i, j), (1, 1))

    def sub(self, i: int, j: int) -> int:
        return self._push(self.vals[i] - self.vals[j], (i, j), (1, -1))

    def mul(self, i: int, j: int) -> int:
        a, b = self.vals[i], self.vals[j]
        return self._push(a * b, (i, j), (b, a))

    def neg(self, i: int) -> int:
        return self._push(-self.vals[i], (i,), (-1,))

    def add_const(self, i: int, c: Any) -> int:
        return self._push(self.vals[i] + c, (i,), (1,))

    def mul_const(self, i: int, c: Any) -> int:
        return self._push(self.vals[i] * c, (i,), (c,))

    def recip(self, i: int) -> int:
        x = self.vals[i]
        r = 1 / x
        return self._push(r, (i,), (-(r * r),))

    def total(self, idx: Sequence[int]) -> int:
        """sum_k node_k (local derivative 1 each)."""
        return self._push(self.mp.fsum(self.vals[k] for k in idx), tuple(idx), (1,) * len(idx))

    def affine(self, b: int, ws: Sequence[int], xs: Sequence[int] | None, xvals: Sequence[Any]):
        """b + sum_i w_i x_i (seed eq. 1). ``xs`` are the x nodes, or None when the x are
        constants (the network's input) whose values ``xvals`` need no adjoint."""
        wv = [self.vals[k] for k in ws]
        value = self.vals[b] + self.mp.fdot(wv, xvals)
        if xs is None:
            return self._push(value, (b, *ws), (1, *xvals))
        return self._push(value, (b, *ws, *xs), (1, *xvals, *wv))

    # -- elementary functions ----------------------------------------------------------
    def exp(self, i: int) -> int:
        e = self.mp.exp(self.vals[i])
        return self._push(e, (i,), (e,))

    def expm1(self, i: int) -> int:
        x = self.vals[i]
        return self._push(self.mp.expm1(x), (i,), (self.mp.exp(x),))

    def log(self, i: int) -> int:
        x = self.vals[i]
        return self._push(self.mp.log(x), (i,), (1 / x,))

    def log1p(self, i: int) -> int:
        x = self.vals[i]
        return self._push(self.mp.log1p(x), (i,), (1 / (1 + x),))

    def tanh(self, i: int) -> int:
        x = self.vals[i]
        s = self.mp.sech(x)  # tanh' = sech^2, accurate where 1 - tanh^2 would cancel
        return self._push(self.mp.tanh(x), (i,), (s * s,))

    def ramp(self, i: int, slope_neg: Any) -> int:
        """z for z > 0, slope_neg * z for z <= 0 (relu: slope_neg = 0; derivative at 0 is
        the left one, slope_neg)."""
        z = self.vals[i]
        if z > 0:
            return self._push(z, (i,), (1,))
        return self._push(z * slope_neg, (i,), (slope_neg,))

    # -- reverse sweep -----------------------------------------------------------------
    def gradient(self, out: int) -> list[Any]:
        """d node_out / d node_i for every node i (None where it does not depend).

        The chain rule: adj(i) = sum over the children c of i of adj(c) * d c / d i.
        Children come after their parents on the tape, so sweeping it backwards completes
        each node's list of (adj(c), d c / d i) pairs before the node is reached; the sum
        is then taken in one ``fdot`` (exact products and sum, one final rounding).
        """
        n = len(self.vals)
        gs: list[list[Any] | None] = [None] * n
        ds: list[list[Any] | None] = [None] * n
        adj: list[Any] = [None] * n
        gs[out], ds[out] = [self.mp.mpf(1)], [1]
        parents, partials = self.parents, self.partials
        fdot = self.mp.fdot
        for i in range(out, -1, -1):
            gi = gs[i]
            if gi is None:
                continue
            g = fdot(gi, ds[i])  # type: ignore[arg-type]
            adj[i] = g
            gs[i] = ds[i] = None
            if not g:
                continue
            for p, d in zip(parents[i], partials[i], strict=True):
                gp = gs[p]
                if gp is None:
                    gs[p] = [g]
                    ds[p] = [d]
                else:
                    gp.append(g)
                    ds[p].append(d)  # type: ignore[union-attr]
        return adj


def _sigmoid(t: _Tape, z: int) -> int:
    # 1 / (1 + e^{-z})
    return t.recip(t.add_const(t.exp(t.neg(z)), 1))


def _log_sigmoid(t: _Tape, z: int) -> int:
    # log sigmoid(z) = -log(1 + e^{-z})
    return t.neg(t.log1p(t.exp(t.neg(z))))


def _activate(t: _Tape, name: str, z: int, consts: dict[str, Any]) -> int:
    if name == "sigmoid":
        return _sigmoid(t, z)
    if name == "tanh":
        return t.tanh(z)
    if name == "relu":
        return t.ramp(z, 0)
    if name == "leaky_relu":
        return t.ramp(z, consts["leaky"])
    if name == "identity":
        return z
    if name == "softplus":
        return t.log1p(t.exp(z))
    if name == "elu":
        return z if t.vals[z] > 0 else t.expm1(z)
    if name == "silu":
        return t.mul(z, _sigmoid(t, z))
    if name == "gelu":
        # z/2 (1 + tanh(sqrt(2/pi) (z + 0.044715 z^3)))
        z3 = t.mul(t.mul(z, z), z)
        inner = t.mul_const(t.add(z, t.mul_const(z3, consts["gelu_a"])), consts["gelu_c"])
        return t.mul(t.mul_const(z, consts["half"]), t.add_const(t.tanh(inner), 1))
    raise ValueError(f"activations: unknown activation {name!r}")


def _record(
    mp: Any,
    weights: Sequence[np.ndarray],
    X: np.ndarray,
    Y: np.ndarray,
    activations: Sequence[str],
    cost_name: str,
) -> tuple[_Tape, list[np.ndarray], int]:
    """Run the forward pass on a fresh tape; returns (tape, weight leaf ids, C's node id).

    Must be called inside ``mp.workdps``.
    """
    check_arguments(weights, activations, cost_name)

    def mpf(v: Any) -> Any:
        # Floats (and float32) exactly; mpf values (e.g. a perturbed weight) as they are.
        return v if isinstance(v, mp.mpf) else mp.mpf(float(v))

    consts = {
        "leaky": mp.mpf(1) / 100,
        "gelu_a": mp.mpf("0.044715"),
        "gelu_c": mp.sqrt(2 / mp.pi),
        "half": mp.mpf(1) / 2,
    }
    t = _Tape(mp)
    leaves = []
    for w in weights:
        ids = np.empty(w.shape, dtype=np.int64)
        for (i, j), v in np.ndenumerate(w):
            ids[i, j] = t.leaf(mpf(v))
        leaves.append(ids)

    P = X.shape[0]
    L = len(weights)
    terms: list[int] = []
    for p in range(P):
        xvals = [mpf(v) for v in X[p]]
        a_ids: list[int] | None = None  # None: layer 0, whose values are the constants x
        a_vals = xvals
        z_ids: list[int] = []
        for l in range(L):
            ids = leaves[l]
            z_ids = [
                t.affine(int(ids[0, j]), [int(k) for k in ids[1:, j]], a_ids, a_vals)
                for j in range(ids.shape[1])
            ]
            if l < L - 1:
                a_ids = [_activate(t, activations[l], z, consts) for z in z_ids]
                a_vals = [t.vals[k] for k in a_ids]
        y = [mpf(v) for v in Y[p]]
        terms.extend(_cost_terms(t, cost_name, activations[-1], z_ids, y, consts))
    if not terms:  # P = 0: C is the empty sum (seed eq. 2)
        return t, leaves, t.leaf(mp.mpf(0))
    C = t.total(terms)
    if cost_name in ("binary_cross_entropy", "softmax_cross_entropy"):
        C = t.neg(C)
    return t, leaves, C


def _cost_terms(
    t: _Tape, cost_name: str, out: str, z: list[int], y: list[Any], consts: dict[str, Any]
) -> list[int]:
    """The nodes c^p_k of one example whose sum is the (log-likelihood form of the) cost."""
    terms = []
    if cost_name in _SIGMOID_COSTS:
        # seed eq. 12: y log h + (1 - y) log(1 - h), h = sigmoid(z), 1 - h = sigmoid(-z)
        for zk, yk in zip(z, y, strict=True):
            if yk != 0:
                terms.append(t.mul_const(_log_sigmoid(t, zk), yk))
            if yk != 1:
                terms.append(t.mul_const(_log_sigmoid(t, t.neg(zk)), 1 - yk))
    elif cost_name == "squared_error":
        for zk, yk in zip(z, y, strict=True):
            r = t.add_const(_activate(t, out, zk, consts), -yk)
            terms.append(t.mul_const(t.mul(r, r), consts["half"]))
    else:  # softmax costs: y_k log softmax(z)_k = y_k (z_k - log sum_j e^{z_j})
        lse = t.log(t.total([t.exp(zk) for zk in z]))
        for zk, yk in zip(z, y, strict=True):
            if yk != 0:
                terms.append(t.mul_const(t.sub(zk, lse), yk))
    return terms


def cost_mp(
    weights: Sequence[np.ndarray],
    X: np.ndarray,
    Y: np.ndarray,
    activations: Sequence[str],
    cost_name: str,
    *,
    dps: int = DPS,
) -> Any:
    """C (seed eq. 2) as an ``mpf`` computed at ``dps`` digits, inputs taken exactly.

    ``weights[l]`` of shape ``(N_l + 1, N_{l+1})`` (row 0 the bias), ``X`` ``(P, Q)``,
    ``Y`` ``(P, N_L)``: float arrays, or object arrays that may hold ``mpf`` values (used
    as they are, e.g. weights perturbed below float resolution).
    """
    mp = _mpmath().mp
    with mp.workdps(dps):
        t, _, C = _record(mp, weights, np.asarray(X), np.asarray(Y), activations, cost_name)
        return t.vals[C]


def gradients_mp(problem: Problem, *, dps: int = DPS, max_work: int = MAX_WORK) -> list:
    """dC/dw^l as object arrays of ``mpf`` shaped like ``problem.weights``.

    Computed at ``dps`` significant digits by the tape's reverse sweep. Raises
    :class:`TooLarge` if ``work(problem) > max_work``, ``ImportError`` without mpmath,
    ``ValueError`` for an unknown activation or cost name.
    """
    mp = _mpmath().mp
    if dps < 40:
        raise ValueError(f"dps: expected at least 40 significant digits, got {dps}")
    if not fits(problem, max_work):
        sizes = (problem.weights[0].shape[0] - 1, *(np.shape(w)[1] for w in problem.weights))
        raise TooLarge(
            f"problem: too large for the mpmath oracle: work = {work(problem)} > max_work = "
            f"{max_work} ({problem.X.shape[0]} examples, sizes "
            f"{'-'.join(map(str, sizes))}"
            "); use fewer examples or a smaller network, or pass a larger max_work"
        )
    with mp.workdps(dps):
        t, leaves, C = _record(
            mp, problem.weights, problem.X, problem.Y, problem.activations, problem.cost
        )
        adj = t.gradient(C)
        zero = mp.mpf(0)
        out = []
        for ids in leaves:
            g = np.empty(ids.shape, dtype=object)
            for idx, k in np.ndenumerate(ids):
                v = adj[k]
                g[idx] = zero if v is None else v
            out.append(g)
    return out


def gradients(problem: Problem, *, max_work: int = MAX_WORK) -> list[np.ndarray]:
    """The exact gradient dC/dw^l, correctly rounded to float64, shaped like the weights.

    Always float64 (the truth is not rounded to a float32 problem's dtype). Raises
    :class:`TooLarge` (a ``ValueError``) over the size cap; see :func:`fits`.
    """
    grads = gradients_mp(problem, max_work=max_work)
    # float(mpf) rounds to nearest (mpmath's default rounding): the correctly rounded value.
    return [np.vectorize(float, otypes=[np.float64])(g) for g in grads]
