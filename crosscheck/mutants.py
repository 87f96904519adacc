"""A catalogue of realistic backpropagation bugs, and ``crosscheck mutants``.

Each mutant is a gradient function with the canonical signature
``fn(weights, X, Y, activations, cost) -> list[np.ndarray]`` that gets one thing wrong,
the way hand-written backprop goes wrong: a missing f', a transposed matrix, a mean
where the seed has a sum (eq. 2, 9), an index off by one layer, the wrong derivative for
one activation, float32 arithmetic in a float64 function, a sign, an error that only shows
when the output saturates, when N_L > 1 or when L >= 3. :data:`MUTANTS` maps each name to
``(function, one-line description)``.

Most mutants are :func:`textbook` with one piece replaced. :func:`textbook` itself is a
correct vectorised backprop (seed eq. 1, 7-10, 13) written apart from handprop's
(it reuses only handprop's activation and cost formulas); ``crosscheck mutants`` runs it
and :func:`handprop.gradients` through the same ``verify`` and they must pass.

``crosscheck mutants`` runs :func:`crosscheck.search.verify` with default options on every
mutant and writes ``reports/mutants.md`` and ``reports/mutants.json``: caught or not, the
examples until caught, the shrunk counterexample's architecture. The content is
deterministic; run times go to ``reports/mutants-timing.json``.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from handprop import activations as _activations
from handprop import costs as _costs

__all__ = [
    "CORRECT",
    "MUTANTS",
    "Mutant",
    "configure_mutants",
    "run_mutants",
    "textbook",
]

GradientFn = Callable[..., list[np.ndarray]]

# ----------------------------------------------------------------------------- the base


class Parts(NamedTuple):
    """The replaceable pieces of :func:`textbook` (each correct by default).

    * ``derivative(name, z, a)``: f'(z) of an elementwise activation (seed eq. 8);
    * ``output_delta(z, h, Y, output, cost)``: dC/dz^L (seed eq. 13, handprop.costs);
    * ``layer_gradient(a, delta)``: dC/dw^l, bias row 0 = sum_p delta (eq. 9, 2nd line),
      rows 1.. = a^T delta (eq. 9, 3rd line);
    * ``back(delta, w, fprime)``: delta^l = f'(z^l) * (delta^{l+1} w^l[1:]^T) (eq. 9, 1st);
    * ``value(name, z)``: the activation's value in the forward pass (eq. 1).
    """

    derivative: Callable[[str, np.ndarray, np.ndarray], np.ndarray]
    output_delta: Callable[..., np.ndarray]
    layer_gradient: Callable[[np.ndarray, np.ndarray], np.ndarray]
    back: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]
    value: Callable[[str, np.ndarray], np.ndarray]


def _derivative(name: str, z: np.ndarray, a: np.ndarray) -> np.ndarray:
    return _activations.ACTIVATIONS[name].derivative(z, a)


def _value(name: str, z: np.ndarray) -> np.ndarray:
    if name == "softmax":
        return _costs.softmax(z)
    return _activations.ACTIVATIONS[name].value(z)


def _output_delta(
    z: np.ndarray, h: np.ndarray, Y: np.ndarray, output: str, cost: str, parts: Parts
) -> np.ndarray:
    fprime = None
    if output != "softmax":

        def fprime(zz: np.ndarray, hh: np.ndarray) -> np.ndarray:
            return parts.derivative(output, zz, hh)

    return _costs.COSTS[cost].delta(z, h, Y, fprime)


def _layer_gradient(a: np.ndarray, delta: np.ndarray) -> np.ndarray:
    g = np.empty((a.shape[1] + 1, delta.shape[1]), dtype=delta.dtype)
    g[0] = delta.sum(axis=0)
    g[1:] = a.T @ delta
    return g


def _back(delta: np.ndarray, w: np.ndarray, fprime: np.ndarray) -> np.ndarray:
    return (delta @ w[1:].T) * fprime


CORRECT = Parts(_derivative, _output_delta, _layer_gradient, _back, _value)
"""The correct pieces."""


def _forward(
    weights: Sequence[np.ndarray], X: np.ndarray, activations: Sequence[str], parts: Parts
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    zs, as_ = [X], [X]
    for w, name in zip(weights, activations, strict=True):
        z = as_[-1] @ w[1:] + w[0]  # eq. 1
        zs.append(z)
        as_.append(parts.value(name, z))
    return zs, as_


def textbook(
    weights: Sequence[np.ndarray],
    X: np.ndarray,
    Y: np.ndarray,
    activations: Sequence[str],
    cost: str,
    parts: Parts = CORRECT,
) -> list[np.ndarray]:
    """Vectorised backprop (seed eq. 1, 9, 13) built from ``parts``; correct by default.

    Shapes: ``weights[l]`` ``(N_l + 1, N_{l+1})``, X ``(P, Q)``, Y ``(P, N_L)``; returns a
    list shaped like ``weights``, in X's dtype.
    """
    with np.errstate(under="ignore"):
        zs, as_ = _forward(weights, X, activations, parts)
        delta = parts.output_delta(zs[-1], as_[-1], Y, activations[-1], cost, parts)
        grads: list[np.ndarray] = [None] * len(weights)  # type: ignore[list-item]
        for l in range(len(weights) - 1, -1, -1):
            grads[l] = parts.layer_gradient(as_[l], delta)
            if l > 0:
                fprime = parts.derivative(activations[l - 1], zs[l], as_[l])
                delta = parts.back(delta, weights[l], fprime)
        return grads


def _with(**changes: Any) -> Parts:
    return CORRECT._replace(**changes)


def _derivative_except(name: str, wrong: Callable[[np.ndarray, np.ndarray], np.ndarray]):
    """The correct derivatives, except ``wrong(z, a)`` for the activation ``name``."""

    def derivative(n: str, z: np.ndarray, a: np.ndarray) -> np.ndarray:
        return wrong(z, a) if n == name else _derivative(n, z, a)

    return derivative


def _delta_except(cost_name: str, wrong: Callable[..., np.ndarray]):
    """The correct output delta, except ``wrong(z, h, Y, output, parts)`` for one cost."""

    def output_delta(z, h, Y, output, cost, parts):
        if cost == cost_name:
            return wrong(z, h, Y, output, parts)
        return _output_delta(z, h, Y, output, cost, parts)

    return output_delta


# ----------------------------------------------------------------------------- the mutants


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


class Mutant(NamedTuple):
    """A buggy gradient function and the one-line description of its mistake."""

    function: GradientFn
    description: str


def _mutant(fn: GradientFn) -> Mutant:
    doc = (fn.__doc__ or "").strip().splitlines()[0]
    return Mutant(fn, doc)


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
    )
}
"""The catalogue: name -> (gradient function, one-line description of the mistake)."""


def _correct_functions() -> dict[str, tuple[str, GradientFn, str]]:
    """Correct implementations that must pass: name -> (target, function, description)."""
    import handprop

    return {
        "handprop.gradients": (
            "handprop:gradients",
            handprop.gradients,
            "handprop's vectorised backprop (seed eq. 7-10)",
        ),
        "textbook": (
            "crosscheck.mutants:textbook",
            textbook,
            "the mutants' correct base (vectorised, written apart from handprop)",
        ),
    }


# ----------------------------------------------------------------------------- the command


def _architecture(cx: Any) -> str:
    p = cx.problem
    return (
        f"sizes {'-'.join(map(str, p.sizes))}, {','.join(p.activations)}, {p.cost}, "
        f"{p.dtype}, P={p.P}"
    )


def _row(name: str, target: str, description: str, result: Any, expect_caught: bool) -> dict:
    cx = result.counterexample
    return {
        "name": name,
        "target": target,
        "description": description,
        "expected": "caught" if expect_caught else "passes",
        "caught": not result.passed,
        "ok": (not result.passed) == expect_caught,
        "examples": result.examples,
        "examples_until_caught": result.examples_until_caught,
        "worst_ratio_passing": _sig3(result.worst_ratio),
        "kind": None if cx is None else cx.kind,
        "counterexample": None if cx is None else _architecture(cx),
        "depth": None if cx is None else cx.problem.depth,
        "sizes": None if cx is None else list(cx.problem.sizes),
        "P": None if cx is None else cx.problem.P,
        "error": None if cx is None else cx.outcome.error,
        "where": None if cx is None else _where(cx),
        "oracles": None if cx is None else list(cx.outcome.oracles),
        "ratio": None if cx is None else _sig3(cx.outcome.ratio),
        "skipped": result.skipped,
        "disputed": len(result.disputed),
    }


def _where(cx: Any) -> str | None:
    """The first element beyond the budget, e.g. ``layer 0 bias row (0, 0)``."""
    records = cx.failing_records()
    if not records:
        return None
    r = records[0]
    rows = "bias row" if r.row_kind == "bias" else "weight rows"
    return f"layer {r.layer} {rows} {tuple(r.index)}"


def _sig3(x: float | None) -> float | str | None:
    """``x`` to 3 significant digits: the reports must not depend on the last bits of
    the oracles' float32/float64 results, which vary with BLAS threading."""
    if x is None:
        return None
    if not math.isfinite(x):
        return "inf"
    return float(f"{x:.3g}")


def _markdown(rows: list[dict], seed: int) -> str:
    mutants = [r for r in rows if r["expected"] == "caught"]
    correct = [r for r in rows if r["expected"] == "passes"]
    caught = sum(r["caught"] for r in mutants)
    lines = [
        "# Mutants: does `crosscheck verify` catch realistic backprop bugs?",
        "",
        f"Generated by `crosscheck mutants` (`crosscheck verify` with default options: "
        f"200 examples, seed {seed}, judged by the best available oracle, discrepancies "
        "confirmed by a second one). Each mutant is a gradient function in "
        "`crosscheck/mutants.py` with one realistic mistake.",
        "",
        f"**{caught} of {len(mutants)} mutants caught; "
        f"{sum(not r['caught'] for r in correct)} of {len(correct)} correct implementations "
        "pass.**",
        "",
        "| mutant | mistake | caught | examples until caught | shrunk counterexample "
        "| what failed |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for r in mutants:
        if not r["caught"]:
            how = "-"
        elif r["kind"] == "error":
            how = "error: " + (r["error"] or "")
        else:
            ratio = f"{r['ratio']:.3g}" if isinstance(r["ratio"], float) else str(r["ratio"])
            how = f"{r['where']}: budget ratio {ratio} ({' and '.join(r['oracles'] or [])} agree)"
        lines.append(
            f"| `{r['name']}` | {r['description']} | {'yes' if r['caught'] else '**NO**'} | "
            f"{r['examples_until_caught'] if r['caught'] else '-'} | "
            f"{r['counterexample'] or '-'} | {how.replace('|', '/')} |"
        )
    lines += [
        "",
        "## Correct implementations (must pass)",
        "",
        "| function | description | passed | examples | worst budget ratio |",
        "| --- | --- | --- | --- | --- |",
    ]
    for r in correct:
        lines.append(
            f"| `{r['name']}` | {r['description']} | {'yes' if not r['caught'] else '**NO**'} | "
            f"{r['examples']} | {r['worst_ratio_passing']:.3g} |"
        )
    lines.append("")
    return "\n".join(lines)


def configure_mutants(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``crosscheck mutants``."""
    parser.add_argument("--only", metavar="NAME,...", help="run only these mutants (default: all)")
    parser.add_argument("--seed", type=int, default=0, metavar="S", help="default 0")
    parser.add_argument(
        "--out", default="reports", metavar="DIR", help="where to write mutants.md/json"
    )
    parser.add_argument(
        "--no-write", action="store_true", help="print the summary only, write no files"
    )


def run_mutants(args: argparse.Namespace) -> int:
    """Verify every mutant (must be caught) and the correct functions (must pass).

    Exit 0 if all mutants are caught and all correct functions pass, 1 otherwise, 2 for a
    bad ``--only``.
    """
    from crosscheck.atomic import write_many
    from crosscheck.search import verify

    names = list(MUTANTS)
    if args.only:
        names = [n.strip() for n in args.only.split(",")]
        bad = [n for n in names if n not in MUTANTS]
        if bad:
            print(
                f"crosscheck mutants: --only: unknown mutant(s) {bad}; expected names from "
                f"{', '.join(MUTANTS)}",
                file=sys.stderr,
            )
            return 2
    jobs: list[tuple[str, str, GradientFn, str, bool]] = [
        (n, f"crosscheck.mutants:{n}", MUTANTS[n].function, MUTANTS[n].description, True)
        for n in names
    ]
    if not args.only:
        jobs += [(n, t, f, d, False) for n, (t, f, d) in _correct_functions().items()]
    rows, timing = [], {}
    t_all = time.perf_counter()
    for i, (name, target, fn, description, expect_caught) in enumerate(jobs, 1):
        t0 = time.perf_counter()
        result = verify(fn, seed=args.seed, name=target)
        seconds = time.perf_counter() - t0
        timing[name] = round(seconds, 2)
        row = _row(name, target, description, result, expect_caught)
        rows.append(row)
        status = "caught" if row["caught"] else "passed"
        flag = "" if row["ok"] else "   <-- UNEXPECTED"
        detail = (
            f"after {row['examples_until_caught']} example"
            f"{'' if row['examples_until_caught'] == 1 else 's'}: {row['counterexample']}"
            if row["caught"]
            else f"{row['examples']} examples, worst ratio {row['worst_ratio_passing']:.3g}"
        )
        print(
            f"[{i}/{len(jobs)}] {name}: {status} {detail} ({seconds:.1f} s){flag}",
            file=sys.stderr,
            flush=True,
        )
    total = time.perf_counter() - t_all
    ok = all(r["ok"] for r in rows)
    caught = sum(r["caught"] for r in rows if r["expected"] == "caught")
    n_mut = sum(r["expected"] == "caught" for r in rows)
    print(f"{caught} of {n_mut} mutants caught; total {total:.1f} s")
    if not args.no_write:
        out = Path(args.out)
        payload = {"seed": args.seed, "ok": ok, "rows": rows}
        files = {
            out / "mutants.json": json.dumps(payload, indent=2) + "\n",
            out / "mutants.md": _markdown(rows, args.seed),
            out / "mutants-timing.json": json.dumps(
                {"total_seconds": round(total, 1), "seconds": timing}, indent=2
            )
            + "\n",
        }
        write_many({k: v.encode() for k, v in files.items()})
        for path in files:
            print(f"wrote {path}")
    return 0 if ok else 1
