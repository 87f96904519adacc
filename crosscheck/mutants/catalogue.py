"""The catalogue of realistic backpropagation bugs: :data:`MUTANTS`, name -> (gradient
function, one-line description of its mistake); most are :func:`textbook` with one
part replaced."""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from crosscheck.mutants import layouts as _layouts
from crosscheck.mutants.base import CORRECT, GradientFn, textbook
from crosscheck.mutants.base import back as _back
from crosscheck.mutants.base import delta_except as _delta_except
from crosscheck.mutants.base import derivative as _derivative
from crosscheck.mutants.base import derivative_except as _derivative_except
from crosscheck.mutants.base import forward as _forward
from crosscheck.mutants.base import layer_gradient as _layer_gradient
from crosscheck.mutants.base import output_delta as _output_delta
from crosscheck.mutants.base import with_parts as _with
from handprop import activations as _activations
from handprop import costs as _costs

__all__ = ["MUTANTS", "Mutant"]


def missing_hidden_fprime(weights, X, Y, activations, cost):
    """delta^l = delta^{l+1} W^T: the hidden layers' f'(z^l) forgotten (seed eq. 8)."""
    return textbook(weights, X, Y, activations, cost, _with(back=lambda d, w, fp: d @ w[1:].T))


def missing_output_fprime(weights, X, Y, activations, cost):
    """squared_error's output delta as h - y, without the output activation's f'(z^L)."""
    return textbook(
        weights,
        X,
        Y,
        activations,
        cost,
        _with(output_delta=_delta_except("squared_error", lambda z, h, Y, o, p: h - Y)),
    )


def transposed_backward_weights(weights, X, Y, activations, cost):
    """delta^{l+1} W instead of delta^{l+1} W^T (runs only when W is square)."""

    def back(delta, w, fprime):
        W = w[1:]
        if W.shape[0] == W.shape[1]:
            return (delta @ W) * fprime
        return (delta @ W.T) * fprime  # the shapes force the right product otherwise

    return textbook(weights, X, Y, activations, cost, _with(back=back))


def bias_gradient_averaged(weights, X, Y, activations, cost):
    """The bias row is the mean of delta over the P examples, not its sum (eq. 9)."""

    def layer_gradient(a, delta):
        g = _layer_gradient(a, delta)
        g[0] = delta.mean(axis=0)
        return g

    return textbook(weights, X, Y, activations, cost, _with(layer_gradient=layer_gradient))


def bias_row_from_first_input(weights, X, Y, activations, cost):
    """The bias row computed as a[:, 0] @ delta (the first weight row's formula again)."""

    def layer_gradient(a, delta):
        g = _layer_gradient(a, delta)
        g[0] = a[:, 0] @ delta
        return g

    return textbook(weights, X, Y, activations, cost, _with(layer_gradient=layer_gradient))


def mean_reduced_cost(weights, X, Y, activations, cost):
    """Every gradient divided by P: the cost taken as a mean over examples, not a sum."""
    return [g / X.shape[0] for g in textbook(weights, X, Y, activations, cost)]


def dropped_example(weights, X, Y, activations, cost):
    """The last example left out of the sums over p (a loop over range(P - 1))."""
    if X.shape[0] == 1:
        return [np.zeros_like(w) for w in weights]
    return textbook(weights, X[:-1], Y[:-1], activations, cost)


def float32_inside(weights, X, Y, activations, cost):
    """Computes in float32 whatever the input dtype, then casts back to it."""
    f32 = [w.astype(np.float32) for w in weights]
    grads = textbook(f32, X.astype(np.float32), Y.astype(np.float32), activations, cost)
    return [g.astype(X.dtype) for g in grads]


def float64_result_for_float32(weights, X, Y, activations, cost):
    """Returns float64 gradients for float32 input (a float64 array sneaks into the sums)."""
    grads = textbook(weights, X, Y, activations, cost)
    return [g + np.zeros(1) for g in grads]


def sign_error_log_likelihood(weights, X, Y, activations, cost):
    """log_likelihood's output delta as h - y (the loss's sign), not y - h (seed eq. 13)."""
    return textbook(
        weights,
        X,
        Y,
        activations,
        cost,
        _with(
            output_delta=_delta_except(
                "log_likelihood",
                lambda z, h, Y, o, p: _costs.COSTS["binary_cross_entropy"].delta(z, h, Y),
            )
        ),
    )


def negated_costs_unsigned(weights, X, Y, activations, cost):
    """softmax_cross_entropy's delta with softmax_log_likelihood's sign (y - h sum y)."""
    return textbook(
        weights,
        X,
        Y,
        activations,
        cost,
        _with(
            output_delta=_delta_except(
                "softmax_cross_entropy",
                lambda z, h, Y, o, p: _costs.COSTS["softmax_log_likelihood"].delta(z, h, Y),
            )
        ),
    )


def softmax_ignores_label_sum(weights, X, Y, activations, cost):
    """The softmax costs' delta as y - h, as if every label row summed to 1 (soft labels)."""

    def wrong(sign):
        return lambda z, h, Y, o, p: sign * (Y - h)

    def output_delta(z, h, Y, output, cost, parts):
        if cost in ("softmax_log_likelihood", "softmax_cross_entropy"):
            return wrong(_costs.COSTS[cost].sign)(z, h, Y, output, parts)
        return _output_delta(z, h, Y, output, cost, parts)

    return textbook(weights, X, Y, activations, cost, _with(output_delta=output_delta))


def squared_error_without_half(weights, X, Y, activations, cost):
    """squared_error differentiated as sum (h - y)^2 (a factor 2), not 1/2 sum (h - y)^2."""
    return textbook(
        weights,
        X,
        Y,
        activations,
        cost,
        _with(
            output_delta=_delta_except(
                "squared_error", lambda z, h, Y, o, p: 2.0 * (h - Y) * p.derivative(o, z, h)
            )
        ),
    )


def tanh_derivative_one_minus_a(weights, X, Y, activations, cost):
    """tanh'(z) written 1 - a instead of 1 - a^2."""
    return textbook(
        weights,
        X,
        Y,
        activations,
        cost,
        _with(derivative=_derivative_except("tanh", lambda z, a: 1.0 - a)),
    )


def relu_derivative_from_a(weights, X, Y, activations, cost):
    """relu'(z) tested on the activation, a >= 0, which is true for every z."""
    return textbook(
        weights,
        X,
        Y,
        activations,
        cost,
        _with(derivative=_derivative_except("relu", lambda z, a: (a >= 0).astype(z.dtype))),
    )


def elu_derivative_is_value(weights, X, Y, activations, cost):
    """elu'(z) for z <= 0 as e^z - 1 (the value a) instead of e^z = a + 1."""

    def wrong(z, a):
        return np.where(z > 0, 1.0, a).astype(z.dtype)

    return textbook(
        weights, X, Y, activations, cost, _with(derivative=_derivative_except("elu", wrong))
    )


def gelu_derivative_without_product_rule(weights, X, Y, activations, cost):
    """gelu'(z) as 1/2 (1 + tanh(u)), dropping the z/2 (1 - tanh^2 u) u' term."""
    c = math.sqrt(2.0 / math.pi)

    def wrong(z, a):
        return 0.5 * (1.0 + np.tanh(c * (z + 0.044715 * z * z * z)))

    return textbook(
        weights, X, Y, activations, cost, _with(derivative=_derivative_except("gelu", wrong))
    )


def softplus_derivative_of_a(weights, X, Y, activations, cost):
    """softplus'(z) as sigmoid(a), the activation, instead of sigmoid(z)."""
    return textbook(
        weights,
        X,
        Y,
        activations,
        cost,
        _with(derivative=_derivative_except("softplus", lambda z, a: _activations.sigmoid(a))),
    )


def leaky_relu_slope_ten_times(weights, X, Y, activations, cost):
    """leaky_relu'(z) = 0.1 for z <= 0: a slope of 0.1 where the forward pass uses 0.01."""

    def wrong(z, a):
        return np.where(z > 0, 1.0, 0.1).astype(z.dtype)

    return textbook(
        weights,
        X,
        Y,
        activations,
        cost,
        _with(derivative=_derivative_except("leaky_relu", wrong)),
    )


def sigmoid_derivative_clipped(weights, X, Y, activations, cost):
    """sigmoid' = a (1 - a) from a clipped to [1e-7, 1 - 1e-7]: wrong only at saturation."""

    def wrong(z, a):
        c = np.clip(a, 1e-7, 1.0 - 1e-7)
        return c * (1.0 - c)

    return textbook(
        weights,
        X,
        Y,
        activations,
        cost,
        _with(derivative=_derivative_except("sigmoid", wrong)),
    )


def output_deltas_summed(weights, X, Y, activations, cost):
    """The output delta summed over the N_L units and broadcast back: right only if N_L = 1."""

    def output_delta(z, h, Y, output, cost, parts):
        d = _output_delta(z, h, Y, output, cost, parts)
        return np.broadcast_to(d.sum(axis=1, keepdims=True), d.shape).copy()

    return textbook(weights, X, Y, activations, cost, _with(output_delta=output_delta))


def next_layer_activation_derivative(weights, X, Y, activations, cost):
    """Hidden layer l uses the derivative of layer l+1's activation (an index off by one)."""
    with np.errstate(under="ignore"):
        zs, as_ = _forward(weights, X, activations, CORRECT)
        delta = _output_delta(zs[-1], as_[-1], Y, activations[-1], cost, CORRECT)
        grads: list[np.ndarray] = [None] * len(weights)  # type: ignore[list-item]
        for l in range(len(weights) - 1, -1, -1):
            grads[l] = _layer_gradient(as_[l], delta)
            if l > 0:
                name = activations[l] if activations[l] != "softmax" else activations[l - 1]
                delta = _back(delta, weights[l], _derivative(name, zs[l], as_[l]))
        return grads


def last_hidden_derivative_reused(weights, X, Y, activations, cost):
    """f' computed once, at the last hidden layer, and reused below it: wrong for L >= 3."""
    with np.errstate(under="ignore"):
        zs, as_ = _forward(weights, X, activations, CORRECT)
        delta = _output_delta(zs[-1], as_[-1], Y, activations[-1], cost, CORRECT)
        L = len(weights)
        fprime = _derivative(activations[L - 2], zs[L - 1], as_[L - 1]) if L > 1 else None
        grads: list[np.ndarray] = [None] * L  # type: ignore[list-item]
        for l in range(L - 1, -1, -1):
            grads[l] = _layer_gradient(as_[l], delta)
            if l > 0:
                delta = _back(delta, weights[l], fprime)
        return grads


def weights_of_the_wrong_layer(weights, X, Y, activations, cost):
    """Backpropagates through W^{l-1}'s transpose where W^l's belongs, when the shapes let it."""
    with np.errstate(under="ignore"):
        zs, as_ = _forward(weights, X, activations, CORRECT)
        delta = _output_delta(zs[-1], as_[-1], Y, activations[-1], cost, CORRECT)
        grads: list[np.ndarray] = [None] * len(weights)  # type: ignore[list-item]
        for l in range(len(weights) - 1, -1, -1):
            grads[l] = _layer_gradient(as_[l], delta)
            if l > 0:
                w = weights[l - 1] if weights[l - 1].shape == weights[l].shape else weights[l]
                delta = _back(delta, w, _derivative(activations[l - 1], zs[l], as_[l]))
        return grads


def inplace_sgd_step(weights, X, Y, activations, cost):
    """Applies an SGD step to the caller's weights (w -= lr * g) and returns the right g."""
    grads = textbook(weights, X, Y, activations, cost)
    for w, g in zip(weights, grads, strict=True):
        w -= 0.1 * g
    return grads


_FORWARD_CACHE: dict[tuple, tuple] = {}


def shape_keyed_cache(weights, X, Y, activations, cost):
    """The forward pass cached by the arrays' shapes: stale for a new problem of those shapes."""
    key = (tuple(w.shape for w in weights), X.shape, tuple(activations), str(X.dtype))
    with np.errstate(under="ignore"):
        if key not in _FORWARD_CACHE:
            _FORWARD_CACHE[key] = _forward(weights, X, activations, CORRECT)
        zs, as_ = _FORWARD_CACHE[key]
        delta = _output_delta(zs[-1], as_[-1], Y, activations[-1], cost, CORRECT)
        grads: list[np.ndarray] = [None] * len(weights)  # type: ignore[list-item]
        for l in range(len(weights) - 1, -1, -1):
            grads[l] = _layer_gradient(as_[l], delta)
            if l > 0:
                delta = _back(delta, weights[l], _derivative(activations[l - 1], zs[l], as_[l]))
        return grads


def labels_taken_as_argmax(weights, X, Y, activations, cost):
    """The softmax costs' labels turned into class indices (argmax): soft labels read as one-hot."""

    def output_delta(z, h, Yy, output, cost, parts):
        if cost in ("softmax_log_likelihood", "softmax_cross_entropy"):
            one_hot = np.eye(Yy.shape[1], dtype=Yy.dtype)[np.argmax(Yy, axis=1)]
            return _output_delta(z, h, one_hot, output, cost, parts)
        return _output_delta(z, h, Yy, output, cost, parts)

    return textbook(weights, X, Y, activations, cost, _with(output_delta=output_delta))


def random_example_dropped(weights, X, Y, activations, cost):
    """On 30% of calls (np.random.random() < 0.3) the last example is left out of the sums."""
    if X.shape[0] > 1 and np.random.random() < 0.3:  # noqa: NPY002 - the bug's own global state
        return textbook(weights, X[:-1], Y[:-1], activations, cost)
    return textbook(weights, X, Y, activations, cost)


class Mutant(NamedTuple):
    """A buggy gradient function, the one-line description of its mistake, and the
    ``crosscheck.verify`` options of its convention (empty: canonical)."""

    function: GradientFn
    description: str
    options: dict[str, Any] = {}  # noqa: RUF012 - never mutated


def _mutant(fn: GradientFn) -> Mutant:
    doc = (fn.__doc__ or "").strip().splitlines()[0]
    return Mutant(fn, doc, dict(_layouts.CONVENTIONS.get(fn.__name__, {})))


MUTANTS: dict[str, Mutant] = {
    fn.__name__: _mutant(fn)
    for fn in (
        missing_hidden_fprime,
        missing_output_fprime,
        transposed_backward_weights,
        bias_gradient_averaged,
        bias_row_from_first_input,
        mean_reduced_cost,
        dropped_example,
        float32_inside,
        float64_result_for_float32,
        sign_error_log_likelihood,
        negated_costs_unsigned,
        softmax_ignores_label_sum,
        squared_error_without_half,
        tanh_derivative_one_minus_a,
        relu_derivative_from_a,
        elu_derivative_is_value,
        gelu_derivative_without_product_rule,
        softplus_derivative_of_a,
        leaky_relu_slope_ten_times,
        sigmoid_derivative_clipped,
        output_deltas_summed,
        next_layer_activation_derivative,
        last_hidden_derivative_reused,
        weights_of_the_wrong_layer,
        inplace_sgd_step,
        shape_keyed_cache,
        labels_taken_as_argmax,
        random_example_dropped,
        _layouts.out_in_gradient_reshaped,
        _layouts.bias_mean_weights_sum,
        _layouts.divided_by_m_twice,
        _layouts.mean_over_outputs_too,
    )
}
"""The catalogue: name -> (gradient function, one-line description of the mistake)."""
