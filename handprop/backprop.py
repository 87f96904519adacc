"""Forward propagation (seed eq. 1) and backpropagation (seed eq. 7-10), vectorised.

All P examples travel together as the rows of a matrix, so each layer is one matrix
product through BLAS (no Python loop over examples or units). In the seed's notation,
with ``delta^l[p, n] = sum_{n_L} dc^p_{n_L} / dz^{p,l}_n`` (shape ``(P, N_l)``)::

    z^{l+1} = [1 a^l] w^l  (= a^l w^l[1:] + w^l[0])        eq. 1
    delta^L = dC/dz^L                                      eq. 13 (y - h), costs.py
    dC/dw^l = [1 a^l]^T delta^{l+1}, that is:
      dC/dw^l[0]  = sum_p delta^{l+1}[p]                   eq. 9, 2nd line (eq. 5)
      dC/dw^l[1:] = (a^l)^T delta^{l+1}                    eq. 9, 3rd line (eq. 6)
    delta^l = f'(z^l) * (delta^{l+1} (w^l[1:])^T)          eq. 9, 1st line (eq. 7, 8)

The seed's sum over output units n_L in eq. 9 is carried inside delta: the recursion is
linear, so summing over n_L before or after it gives the same numbers.

``[1 a^l]`` is a^l with the seed's constant unit a_0 = 1 in front (eq. 1 sums over
n_l = 0..N_l with w_{0 n_{l+1}} the bias): each layer's activations are written into
columns 1..N_l of a ``(P, N_l + 1)`` array whose column 0 holds 1. One matrix product
then gives z (bias included) and one gives the whole gradient dC/dw^l (bias row
included), with no separate pass to add the bias or to sum delta over the examples.

Memory layout: the hidden layers' ``[1 a]``, z and delta are column-major (Fortran order),
so columns 1..N_l of ``[1 a]`` are one contiguous block and every elementwise pass runs
over contiguous memory of one layout (row-major ``[1 a]`` made a^l a strided view, which
cost the small network of the benchmarks about 1.5 us a layer). The products are the same
BLAS calls with the transposes flagged (z^T = w^T [1 a]^T, (delta w[1:]^T)^T = w[1:]
delta^T); ``[1 X]`` and the output layer stay row-major like X and Y.

Speed without losing the seed's form: the activations are written in place
(:func:`handprop.activations.value_into`); f'(z) multiplies the backpropagated sum in
place, taken from the stored a as the seed does (:func:`handprop.activations.times_derivative`,
one temporary); a sigmoid output gives h and 1 - h from the same e^{-|z|}
(:func:`handprop.activations.sigmoid_pair`), so the output delta needs no second sigmoid;
each layer's arrays are released as soon as backprop has passed it. The products keep
the seed's order: ``[1 a]^T delta`` is (N_l + 1) x P times P x N_{l+1}, and
``delta (w^l[1:])^T`` never forms a transposed copy (BLAS reads the transpose in place).
The products go through ``np.dot``: the same BLAS call as ``@`` on 2-D arrays, at about
half of ``@``'s fixed cost per call (0.65 against 1.25 us on tiny arrays), which is most of
a tiny network's time.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from handprop import activations as _activations
from handprop import costs as _costs
from handprop.network import ignore_underflow, validate, validate_names

__all__ = ["ForwardPass", "cost", "forward", "gradients"]


class ForwardPass(NamedTuple):
    """The values of every layer for all P examples.

    ``z[l]`` and ``a[l]`` (l = 0..L) have shape ``(P, N_l)``. Layer 0 is the input with
    the identity activation (seed section 4): ``z[0] is a[0] is X``. ``a[L]`` is h.
    """

    z: list[np.ndarray]
    a: list[np.ndarray]


def _activate(name: str, z: np.ndarray) -> np.ndarray:
    if name == "softmax":
        return _costs.softmax(z)
    return _activations.ACTIVATIONS[name].value(z)


def _with_unit(P: int, n: int, dtype: np.dtype, order: str = "F") -> np.ndarray:
    """A ``(P, n + 1)`` array for [1 a]: column 0 holds the constant a_0 = 1 (seed eq. 1);
    columns 1..n are left for a. Column-major by default, so that columns 1..n are one
    contiguous block."""
    out = np.empty((P, n + 1), dtype=dtype, order=order)
    out[:, 0] = 1.0
    return out


_FROM_A_ALONE = frozenset({"sigmoid", "tanh", "identity"})
"""Hidden activations whose derivative backprop takes from a alone (sigmoid's a (1 - a),
seed eq. 13; tanh's 1 - a^2; identity's 1), so z need not outlive a."""


def _forward_pass(
    weights: Sequence[np.ndarray], X: np.ndarray, activations: Sequence[str]
) -> ForwardPass:
    """The forward pass of :func:`forward` and :func:`cost`: z and a of every layer."""
    P, dtype, L = X.shape[0], X.dtype, len(weights)
    unit = _with_unit(P, X.shape[1], dtype, order="C")  # X is row-major: a plain copy
    unit[:, 1:] = X
    z, a = [X], [X]
    for l in range(L - 1):
        # eq. 1: z_{n_{l+1}} = sum_{n_l = 0..N_l} w_{n_l n_{l+1}} a_{n_l}, with a_0 = 1
        w = weights[l]
        nxt = _with_unit(P, w.shape[1], dtype)
        zl = np.dot(w.T, unit.T).T  # column-major like [1 a]: (w^T [1 a]^T)^T
        z.append(zl)
        a.append(_activations.value_into(activations[l], zl, nxt[:, 1:]))
        unit = nxt
    zl = np.dot(unit, weights[-1])  # the output, row-major like Y
    z.append(zl)
    a.append(_activate(activations[-1], zl))
    return ForwardPass(z, a)


def _forward(
    weights: Sequence[np.ndarray], X: np.ndarray, activations: Sequence[str]
) -> ForwardPass:
    return _forward_pass(weights, X, activations)


class _Plan(NamedTuple):
    """What backprop needs of the names, looked up once per (activations, cost): each
    hidden layer's activation, whether its z is computed where its a goes (an f' taken
    from a alone), the output's name and the cost."""

    hidden: tuple[_activations.Activation, ...]
    z_in_a: tuple[bool, ...]
    output: str
    cost: _costs.Cost
    pair_delta: bool  # a sigmoid output with a sigmoid cost: eq. 13 from h and 1 - h


_PLANS: dict[tuple[tuple[str, ...], str, str], _Plan] = {}


def _plan(hidden: tuple[str, ...], output: str, cost: str) -> _Plan:
    """The :class:`_Plan` of checked names (by value: strings, never arrays)."""
    key = (hidden, output, cost)
    plan = _PLANS.get(key)
    if plan is None:
        spec = _costs.COSTS[cost]
        plan = _Plan(
            tuple(_activations.ACTIVATIONS[name] for name in hidden),
            tuple(name in _FROM_A_ALONE for name in hidden),
            output,
            spec,
            output == "sigmoid" and spec.outputs == ("sigmoid",),
        )
        if len(_PLANS) >= 512:
            _PLANS.clear()
        _PLANS[key] = plan
    return plan


def _gradients(
    weights: Sequence[np.ndarray], X: np.ndarray, Y: np.ndarray, plan: _Plan
) -> list[np.ndarray]:
    """Backprop on validated arrays: the forward pass (eq. 1) keeping [1 a^l] for every
    l < L (and z^l only where f' needs it), the output delta (eq. 13), then eq. 9 layer by
    layer from the output down. Written out in one function, with the names looked up
    once (:func:`_plan`): at the tiny shape the Python around the ~20 NumPy calls costs
    as much as they do."""
    P, dtype, L = X.shape[0], X.dtype, len(weights)
    unit = np.empty((P, X.shape[1] + 1), dtype)  # [1 X] (_with_unit, inlined): row-major
    unit[:, 0] = 1.0  # like X, so that X goes in as a plain copy
    unit[:, 1:] = X
    unit_a: list[np.ndarray | None] = [unit]
    z: list[np.ndarray | None] = [None]
    a: list[np.ndarray | None] = [None]
    for l in range(L - 1):
        # eq. 1: z_{n_{l+1}} = sum_{n_l = 0..N_l} w_{n_l n_{l+1}} a_{n_l}, with a_0 = 1
        w, act = weights[l], plan.hidden[l]
        nxt = np.empty((P, w.shape[1] + 1), dtype, order="F")  # [1 a^{l+1}], column-major
        nxt[:, 0] = 1.0
        al = nxt[:, 1:]
        if plan.z_in_a[l]:  # z^T into the rows of [1 a]^T that a^T then overwrites
            zl = np.dot(w.T, unit.T, out=nxt.T[1:]).T
        else:
            zl = np.dot(w.T, unit.T).T  # column-major like [1 a]: (w^T [1 a]^T)^T
        if act.value_into is not None and zl.size < _activations.BLOCKWISE_MIN_SIZE:
            act.value_into(zl, al)
        else:
            _activations.value_into(act.name, zl, al)
        unit_a.append(nxt)
        z.append(zl)  # a^{l+1} itself where plan.z_in_a[l]: f' then reads a alone
        a.append(al)
        unit = nxt
    zL = np.dot(unit, weights[-1])  # the output, row-major like Y
    spec = plan.cost
    if plan.pair_delta:  # eq. 13: y - h, as y (1 - h) - (1 - y) h with 1 - h = sigma(-z)
        h, h_complement = _activations.sigmoid_pair(zL)
        delta = _costs.sigmoid_output_delta(h, h_complement, Y, spec.sign)
        del h_complement
    else:
        out = plan.output
        h = _activate(out, zL)
        act_out = _activations.ACTIVATIONS.get(out)
        delta = spec.delta(zL, h, Y, act_out.derivative if act_out is not None else None)
    del zL, h  # each layer's arrays go as soon as backprop is past it: a lower peak
    grads: list[np.ndarray] = [None] * L  # type: ignore[list-item]
    for l in range(L - 1, 0, -1):
        # eq. 9, 2nd and 3rd lines: row 0 is sum_p delta (a_0 = 1), row n_l is
        # sum_p a_{n_l} delta_{n_{l+1}}
        grads[l] = np.dot(unit_a[l].T, delta)  # type: ignore[union-attr]
        # eq. 9, 1st line: f'(z^l) * sum_{n_{l+1}} w_{n_l n_{l+1}} delta_{n_{l+1}}
        back = np.dot(weights[l][1:], delta.T).T  # column-major like z^l and a^l
        act = plan.hidden[l - 1]
        if act.times_derivative is not None and back.size < _activations.BLOCKWISE_MIN_SIZE:
            act.times_derivative(back, z[l], a[l])
        else:
            _activations.times_derivative(act.name, back, z[l], a[l])  # type: ignore[arg-type]
        delta = back
        z[l] = a[l] = unit_a[l] = None
    grads[0] = np.dot(unit_a[0].T, delta)  # type: ignore[union-attr]
    return grads


@ignore_underflow
def forward(
    weights: Sequence[np.ndarray], X: np.ndarray, activations: Sequence[str]
) -> ForwardPass:
    """Forward propagation, seed eq. 1, for all examples at once.

    ``weights[l]``: ``(N_l + 1, N_{l+1})``; ``X``: ``(P, Q)``; ``activations``: L names.
    Returns :class:`ForwardPass` with ``z[l]``, ``a[l]`` of shape ``(P, N_l)``, l = 0..L.
    """
    weights, X, _ = validate(weights, X, None, activations, None)
    return _forward(weights, X, activations)


@ignore_underflow
def cost(
    weights: Sequence[np.ndarray],
    X: np.ndarray,
    Y: np.ndarray,
    activations: Sequence[str],
    cost: str,
) -> np.floating:
    """C = sum_p sum_{n_L} c(y^p_{n_L}, h^p_{n_L}), seed eq. 2 (eq. 12 for log_likelihood).

    Shapes as in :func:`gradients`. Returns a NumPy scalar of the input dtype, finite
    wherever C is mathematically finite (saturated sigmoids go through log-sigmoid).
    """
    weights, X, Y = validate(weights, X, Y, activations, cost)
    fp = _forward(weights, X, activations)
    return _costs.COSTS[cost].value(fp.z[-1], fp.a[-1], Y)


@ignore_underflow
def gradients(
    weights: Sequence[np.ndarray],
    X: np.ndarray,
    Y: np.ndarray,
    activations: Sequence[str],
    cost: str,
) -> list[np.ndarray]:
    """dC/dw^l for every layer by backpropagation, seed eq. 7-10 (eq. 13 at the output).

    ``weights[l]``: ``(N_l + 1, N_{l+1})``, row 0 the bias; ``X``: ``(P, Q)``;
    ``Y``: ``(P, N_L)``; ``activations``: L names (layers 1..L); ``cost``: a name from
    :data:`handprop.costs.COSTS`. Returns a list shaped like ``weights``, in its dtype:
    ``grads[l][0]`` is dC/dw^l_{0 n_{l+1}} and ``grads[l][1:]`` is dC/dw^l_{n_l n_{l+1}}.
    Raises ``ValueError`` naming the argument for any invalid input.
    """
    weights, X, Y, names = validate_names(weights, X, Y, activations, cost)
    return _gradients(weights, X, Y, _plan(names.hidden, names.output, cost))
