"""Measure each elementwise formula's rounding error against mpmath; derive ulps.py's constants.

``python -m crosscheck.budget.calibrate [--points N] [--seed S] [--out docs/ulp-bounds.md]``

The model (docs/error-budget.md, "Elementwise formulas"): a formula's computed value is
within ``C u mag(z)`` of the exact one, plus an underflow floor of ``C_F tiny`` per
computed quantity (times the formula's floor), mag from :mod:`crosscheck.budget.models`
(for the output deltas the charges of :func:`crosscheck.budget.analysis._output_delta`
with an exact z, those not multiplied by C included). For every formula, library (and
route through it), dtype and input this module computes the smallest C for which the
bound holds, ``max(|computed - exact| - rest - floor, 0) / (u mag)``, with exact values
from mpmath at :data:`DIGITS` digits on the exact float input, and derives each dtype's
constant from its worst case by :func:`constant`. Activations are measured as the
oracles write them (their ``_activate``; derivatives by autograd), output deltas through
each library's gradient entry point on one-layer nets whose z is exact (X the identity,
so dC/dw[1:] is dC/dz exactly).

A measuring tool, not part of the judge: it imports handprop, torch and jax (a missing
one is skipped with a note), and nothing in crosscheck imports it.
"""

from __future__ import annotations

import argparse
import math
import re
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import NamedTuple

import mpmath
import numpy as np

from crosscheck import spec
from crosscheck.budget import ulps, unit_roundoff
from crosscheck.budget.models import MODELS, log_rounding
from crosscheck.problem import make_problem

Key = tuple[str, str]  # ("value" | "derivative" | "output", activation or cost)
DIGITS = 50
MARGIN = 2.0
DTYPES = (np.float32, np.float64)
ZMAX = {np.float32: 1e4, np.float64: 1e5}
OPS: dict[Key, int] = {
    **{(t, n): k for t, ks in (("value", (0, 3, 1, 0, 2, 3, 1, 4, 10)),
                               ("derivative", (0, 5, 3, 0, 1, 3, 2, 7, 19)))
       for n, k in zip(spec.ELEMENTWISE, ks, strict=True)},
    **{("output", c): 4 if c in spec.SIGMOID_COSTS else 3 for c in spec.COSTS},
}
"""Roundings of each formula as crosscheck.spec writes it (a library function or an
inexact constant counts 1; a derivative includes its value); y - h for the sigmoid
costs; exp, sum and divide per output (units of n) for the softmax ones."""
del OPS[("output", "squared_error")]  # made of the activation's formulas
EXACT = frozenset(k for k, n in OPS.items() if n == 0)
"""What models.py charges nothing (mag = 0): relu, identity, the piecewise constant
derivatives. Measured relative to |f|; no constant."""
WINDOWS = ((-1.0, 1.0), (-8.0, 8.0), (-40.0, 40.0), (30.0, 37.0), (-37.0, -30.0))
SWITCHES = {np.float32: (14.0, 16.6, 87.3, 103.3), np.float64: (33.2, 36.7, 708.4, 745.1)}
"""Where formulas switch or peak (models.log_rounding's cap, log1p(e^-z) below half an
ulp of z, exp's results leaving the normal and the subnormal range): uniform samples
within 1 of each, either sign."""
KNOWN = ((-32.17, 0.3), (32.17, 0.7), (-17.0, 0.3), (-9.5, 0.5), (5.2, 1.0), (7.2, 0.0))
"""(z, y) always measured: the jax log-likelihood corner, saturations of tanh and gelu."""
WIDTHS = (1, 2, 3, 5, 8, 16, 64)  # softmax widths; a quick run takes every third
CORNER_WIDTHS = (2, 3, 4, 8)
SLOW_ROUTES = frozenset({"jit -O0 (padded path)", "padded (gate)"})  # left out when quick


def inputs(dtype: type, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """About ``n`` inputs z, normal or 0 (float64 holding values exact in ``dtype``), and
    labels y: log-spaced and log-uniform over [tiny, ZMAX], uniform windows, branch
    switches, random bit patterns, :data:`KNOWN`."""
    k, tiny, zmax = max(1, n // 8), float(np.finfo(dtype).tiny), ZMAX[dtype]
    sign = lambda m: rng.choice([-1.0, 1.0], m)  # noqa: E731
    logs = np.logspace(math.log10(tiny), math.log10(zmax), k)
    bits = rng.integers(0, 2 ** (8 * np.dtype(dtype).itemsize), 4 * k, dtype=np.uint64)
    raw = bits.astype(np.uint32).view(np.float32) if dtype == np.float32 else bits.view(float)
    parts = [
        np.concatenate([logs, -logs, [0.0, tiny, -tiny, zmax, -zmax]]),
        sign(2 * k) * 10.0 ** rng.uniform(math.log10(tiny), math.log10(zmax), 2 * k),
        *(rng.uniform(lo, hi, k // 2) for lo, hi in WINDOWS),
        *(sign(k) * rng.uniform(s - 1, s + 1, k) for s in SWITCHES[dtype]),
        raw[np.isfinite(raw) & (np.abs(raw) <= zmax)][:k],
    ]
    z = np.clip(np.concatenate(parts).astype(dtype), -zmax, zmax).astype(float)
    y = np.where(rng.random(z.size) < 0.5, rng.random(z.size), rng.choice([0, 1, 0.5], z.size))
    z, y = (np.concatenate(p).astype(dtype) for p in zip((z, y), np.transpose(KNOWN), strict=True))
    keep = (z == 0) | (np.abs(z) >= tiny)
    return z[keep].astype(float), y[keep].astype(float)


def softmax_rows(dtype: type, n: int, rng: np.random.Generator, widths=WIDTHS) -> list[tuple]:
    """Logits and labels (one-hot, soft, soft x 4, normalised), about ``n`` elements,
    one (Z, Y) per width: normal with scales 1e-3 to ZMAX / 10, ties, and (a third of the
    rows) a cluster within 1 of the maximum with the rest far below it (log-uniform up to
    exp's underflow); offsets to 1e3."""
    groups = []
    for width in widths:
        rows, far = max(6, n // (7 * width)), np.log(SWITCHES[dtype][-1])
        Z = rng.normal(size=(rows, width)) * 10.0 ** rng.uniform(-3, 3, (rows, 1))
        Z *= ZMAX[dtype] / 1e4
        Z[rows // 8 : rows // 4] = np.round(Z[rows // 8 : rows // 4])
        near = (rng.random((rows, width)) < 0.5) | (np.arange(width) == 0)
        below = -np.exp(rng.uniform(0, far, near.shape))
        Z[2 * rows // 3 :] = np.where(near, -rng.random(near.shape), below)[2 * rows // 3 :]
        Z += np.where(rng.random((rows, 1)) < 0.3, rng.uniform(-1e3, 1e3, (rows, 1)), 0.0)
        kind, soft = rng.integers(0, 4, (rows, 1)), rng.random((rows, width))
        onehot = np.eye(width)[rng.integers(0, width, rows)]
        Y = np.select([kind == 0, kind == 1, kind == 2], [onehot, soft, 4 * soft], soft)
        Y = np.where(kind == 3, soft / soft.sum(axis=1, keepdims=True), Y)
        groups.append((Z.astype(dtype).astype(float), Y.astype(dtype).astype(float)))
    return groups


def softmax_corners(dtype: type, rows: int, rng: np.random.Generator, widths=CORNER_WIDTHS):
    """The targeted search of the softmax deltas' worst case, ``rows`` rows per width and
    shift: a logit 2^k (1 + r) (r < 2^-10) below a maximum in (0.01, 1), so that z - max z
    and log s = z - max z - lse each round at the top of a binade (up to u |log s| each,
    the corner analysis.py's |log s| term charges), for every k up to the largest shift
    whose s is normal (9 in float64, 6 in float32); the other logits within 1 of the
    maximum, labels one-hot on the maximum or soft. One (Z, Y) per width."""
    top = int(math.log2(-math.log(float(np.finfo(dtype).tiny) / unit_roundoff(dtype))))
    groups = []
    for width in widths:
        k = np.repeat(np.arange(top + 1), rows)
        m = rng.uniform(0.01, 1.0, (k.size, 1))
        Z = m - rng.random((k.size, width))
        Z[:, 0] = m[:, 0]
        Z[:, 1] = m[:, 0] - 2.0**k * (1.0 + rng.uniform(0.0, 2.0**-10, k.size))
        Y = np.where(rng.random((k.size, 1)) < 0.5, np.eye(width)[0], rng.random(Z.shape))
        groups.append((Z.astype(dtype).astype(float), Y.astype(dtype).astype(float)))
    return groups


# ------------------------------------------------------------------ exact values, the measure


def _split(values: list) -> tuple[np.ndarray, np.ndarray]:
    hi = np.array([float(v) for v in values])
    return hi, np.array([float(v - h) for v, h in zip(values, hi.tolist(), strict=True)])


def exact_elementwise(z: np.ndarray, y: np.ndarray) -> dict[Key, tuple[np.ndarray, ...]]:
    """Every value, derivative and sigmoid-cost delta at (z, y), as float64 pairs hi + lo."""
    mp, out = mpmath.mp, {}
    with mpmath.workdps(DIGITS):
        C, A, slope = mp.sqrt(2 / mp.pi), mp.mpf("0.044715"), mp.mpf(1) / 100
        for zi, yi in zip(z.tolist(), y.tolist(), strict=True):
            x, one, zero = mp.mpf(zi), mp.mpf(1), mp.mpf(0)
            e, pos = mp.exp(-abs(x)), x > 0
            sp, sn = (1 / (1 + e), e / (1 + e)) if x >= 0 else (e / (1 + e), 1 / (1 + e))
            inner = C * (x + A * x**3)
            tp = 2 / (1 + mp.exp(-2 * inner))  # 1 + tanh(inner), without cancellation
            gelu_d = tp / 2 + x * mp.sech(inner) ** 2 * C * (1 + 3 * A * x * x) / 2
            for name, (v, d) in {
                "identity": (x, one),
                "sigmoid": (sp, sp * sn),
                "tanh": (mp.tanh(x), mp.sech(x) ** 2),
                "relu": (x if pos else zero, one if pos else zero),
                "leaky_relu": (x if pos else slope * x, one if pos else slope),
                "softplus": (max(x, zero) + mp.log1p(e), sp),
                "elu": (x if pos else mp.expm1(x), one if pos else mp.exp(x)),
                "silu": (x * sp, sp * (1 + x * sn)),
                "gelu": (x * tp / 2, gelu_d),
            }.items():
                out.setdefault(("value", name), []).append(v)
                out.setdefault(("derivative", name), []).append(d)
            for cost in spec.SIGMOID_COSTS:
                out.setdefault(("output", cost), []).append(spec.COSTS[cost].sign * (yi - sp))
        return {k: _split(v) for k, v in out.items()}


def exact_softmax_delta(Z: np.ndarray, Y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """y - softmax(z) sum(y) per element (softmax_log_likelihood's sign), hi + lo."""
    flat = []
    with mpmath.workdps(DIGITS):
        for zr, yr in zip(Z.tolist(), Y.tolist(), strict=True):
            e = [mpmath.exp(mpmath.mpf(v) - max(zr)) for v in zr]
            total, ysum = mpmath.fsum(e), mpmath.fsum(yr)
            flat += [mpmath.mpf(yk) - ek / total * ysum for ek, yk in zip(e, yr, strict=True)]
        hi, lo = _split(flat)
    return hi.reshape(Z.shape), lo.reshape(Z.shape)


def required(key: Key, dtype, z, y, got, hi, lo) -> tuple[np.ndarray, ...]:
    """Per point: the smallest C for which ``got`` obeys the model; in the underflow range
    (``u * unit < tiny``, C = 0 there) the error beyond the model's other terms over its
    underflow floor instead (<= 1: covered). See :data:`EXACT`."""
    u, tiny = unit_roundoff(dtype), float(np.finfo(dtype).tiny)
    err = np.abs((np.asarray(got, dtype=float) - hi) - lo)
    err, rest, floor = np.where(np.isnan(err), np.inf, err), 0.0, ulps.C_F * tiny
    table, name = key
    with np.errstate(all="ignore"):
        if table == "output" and name in spec.SOFTMAX_COSTS:  # analysis._output_delta, Mz = 0
            n, h = z.shape[1], spec.softmax(z)
            shift, logs = np.abs(z - z.max(axis=1, keepdims=True)), np.abs(spec.log_softmax(z))
            ysum = np.sum(np.abs(y), axis=1, keepdims=True)
            rest = h * (shift + logs + np.sum(h * shift, axis=1, keepdims=True)) * ysum
            rest = rest + h * ysum * (n + 1) + np.abs(y)
            unit, floor = h * n * ysum, floor * (ysum + 1)
        elif table == "output":
            unit, floor = np.abs(y) + spec.sigmoid(z), 2 * floor
            rest = log_rounding(z, u) * (np.abs(y) * spec.sigmoid(-z) + spec.sigmoid(z))
        else:
            model = MODELS[name]
            mag = model.value_mag if table == "value" else model.deriv_mag
            unit = np.abs(hi) if key in EXACT else mag(z, spec.value(name, z), u)
            floor = floor * (model.value_floor if table == "value" else model.deriv_floor)(z)
        beyond = np.maximum(err - u * rest, 0.0)
        regular = u * unit >= tiny
        C = np.maximum(beyond - floor, 0.0) / np.where(regular, u * unit, np.inf)
        return np.where(regular, C, 0.0), np.where(regular, 0.0, beyond / floor)


# ---------------------------------------------------------------------- the implementations

Pairs = dict[str, tuple[np.ndarray, np.ndarray]]  # activation -> (f(z), f'(z))


def _chunked(fn: Callable[[np.ndarray], Pairs], size: int) -> Callable[[np.ndarray], Pairs]:
    def call(z):
        parts = [fn(z[i : i + size]) for i in range(0, len(z), size)]
        return {n: tuple(map(np.concatenate, zip(*(p[n] for p in parts), strict=True)))
                for n in parts[0]}

    return call


def activations(library: str, dtype: type) -> Iterator[tuple[str, Callable[[np.ndarray], Pairs]]]:
    """(route, z -> every activation's value and derivative) for ``library`` in ``dtype``:
    handprop's ``value`` and ``derivative(z, value(z))`` on either sigmoid route (expit
    below EXPIT_BELOW elements, NumPy's from 4096); the oracles' ``_activate`` and its
    autograd, torch vectorised and on 7 elements (its scalar loop), jax jitted at the
    default and at the padded path's optimisation level."""
    if library == "handprop":
        from handprop.activations import ACTIVATIONS, EXPIT_BELOW

        def every(z):
            return {n: (f.value(z), f.derivative(z, f.value(z))) for n, f in ACTIVATIONS.items()}

        def tiled(z):  # at least 4096 elements
            out = every(np.tile(z, -(-4096 // max(1, len(z)))))
            return {n: (v[: len(z)], d[: len(z)]) for n, (v, d) in out.items()}

        yield f"n < {EXPIT_BELOW}", _chunked(every, EXPIT_BELOW // 2)
        yield "n >= 4096", tiled
    elif library == "torch":
        import torch

        from crosscheck.oracles.torch_autograd import _activate

        def pair(name, z):
            t = torch.from_numpy(z.copy()).requires_grad_(True)
            a = _activate(name, t)
            return a.detach().numpy(), torch.autograd.grad(a, t, torch.ones_like(a))[0].numpy()

        every = lambda z: {n: pair(n, z) for n in spec.ELEMENTWISE}  # noqa: E731
        yield "vectorised", every
        yield "7 elements: scalar loop", _chunked(every, 7)
    else:
        import jax

        from crosscheck.oracles.jax_grad import _COMPILER_OPTIONS, _activate, precision

        def every(z):  # one program, one compilation
            grad = lambda n: jax.grad(lambda x: _activate(n, x).sum())  # noqa: E731
            return {n: (_activate(n, z), grad(n)(z)) for n in spec.ELEMENTWISE}

        for route, options in (("jit", None), ("jit -O0 (padded path)", _COMPILER_OPTIONS)):
            fn = jax.jit(every, compiler_options=options)

            def call(z, fn=fn):
                with precision(dtype):
                    return jax.tree.map(np.asarray, fn(z))

            yield route, call


def output_routes(library: str) -> Iterator[tuple[str, int, Callable]]:
    """(route, examples per problem, problem -> gradients) through each entry point."""
    if library == "jax":
        from crosscheck.oracles import jax_grad

        def padded(p):
            return jax_grad.unpad(jax_grad.padded_gradients(jax_grad.pad(p), p.cost), p)

        yield "padded (gate)", 64, padded
        yield "exact shapes", 64, jax_grad._exact_gradients
        return
    if library == "torch":
        from crosscheck.oracles.torch_autograd import gradients as grad
    else:
        import handprop

        def grad(p):
            return handprop.gradients(p.weights, p.X, p.Y, p.activations, p.cost)

    yield "gradients, P = 64", 64, grad
    yield "gradients, P = 1", 1, grad


def output_deltas(grad: Callable, rows: int, cost: str, Z: np.ndarray, Y: np.ndarray, dtype):
    """dC/dz^L by ``grad`` on one-layer nets z = I Z (exact), ``rows`` examples each."""
    out, n = ("sigmoid" if cost in spec.SIGMOID_COSTS else "softmax"), Z.shape[0]
    Z, Y = (np.vstack([x, np.zeros((-n % rows, x.shape[1]))]).astype(dtype) for x in (Z, Y))
    blocks, eye = [], np.eye(rows, dtype=dtype)  # one shape: one compilation
    for i in range(0, Z.shape[0], rows):
        w = np.vstack([np.zeros((1, Z.shape[1]), dtype), Z[i : i + rows]])
        p = make_problem([w], eye, Y[i : i + rows], [out], cost)
        blocks.append(np.asarray(grad(p)[0][1:], dtype=float))
    return np.vstack(blocks)[:n]


# --------------------------------------------------------------------------- the calibration


Row = NamedTuple("Row", [  # noqa: UP014 - one formula, library route, dtype
    ("key", Key), ("library", str), ("route", str), ("dtype", str), ("worst", float),
    ("where", str), ("floor", float), ("floor_where", str), ("points", int)])
"""The worst C and where, the worst underflow ratio (error over the budget's floor) and
where, the number of points."""


def _at(key: Key, dtype: type, i: int, shape: tuple, z, y) -> str:
    text = lambda v: str(dtype(v))  # noqa: E731 - the shortest repr in the dtype
    if z.ndim == 1:
        return f"z = {text(z[i])}" + (f", y = {text(y[i])}" if key[0] == "output" else "")
    p, j = np.unravel_index(i, shape)
    return (f"n = {z.shape[1]}, z_j = {text(z[p, j])}, max z = {text(z[p].max())}, "
            f"y_j = {text(y[p, j])}, sum y = {text(y[p].sum())}")


def _row(key, library, route, dtype, C, floor, z, y) -> Row:
    i, k = int(np.argmax(C)), int(np.argmax(floor))
    return Row(key, library, route, np.dtype(dtype).name, float(C.flat[i]),
               _at(key, dtype, i, C.shape, z, y) if C.flat[i] > 0 else "", float(floor.flat[k]),
               _at(key, dtype, k, C.shape, z, y) if floor.flat[k] > 0 else "", C.size)


def measure(
    points: int = 16000, seed: int = 0, extra: Sequence = (), quick: bool = False,
    rows: Sequence = (),
) -> tuple[list[Row], list[str]]:
    """Every (formula, library route, dtype)'s worst C, and notes. ``points`` inputs per
    dtype (float64 gets float32's too: one mpmath evaluation each), softmax rows of about
    as many elements and the targeted softmax corners (:func:`softmax_corners`, 100 rows
    per width and shift; 10, width 3, when quick); ``extra`` adds (z, y) pairs, ``rows``
    softmax (logits, labels) rows (float32 gets them rounded); ``quick`` skips the slow
    routes and takes every third softmax width."""
    rng = np.random.default_rng(seed)
    z32, y32 = inputs(np.float32, points, rng)
    z64, y64 = inputs(np.float64, points, rng)
    if len(extra):  # float32 gets them rounded, float64 exact
        ex = np.asarray(extra, dtype=float).T
        z32, y32 = (np.append(a, b.astype(np.float32)) for a, b in zip((z32, y32), ex, strict=True))
        z64, y64 = np.append(z64, ex[0]), np.append(y64, ex[1])
    z64, y64 = np.concatenate([z32, z64]), np.concatenate([y32, y64])
    (widths, per, near) = (WIDTHS[::3], 10, (3,)) if quick else (WIDTHS, 100, CORNER_WIDTHS)
    sm, sm64 = ([*softmax_rows(t, points, rng, widths), *softmax_corners(t, per, rng, near),
                 *(tuple(np.array([x], dtype=t).astype(float) for x in r) for r in rows)]
                for t in DTYPES)
    sm64 = sm + sm64
    data = (len(z32), z64, y64, exact_elementwise(z64, y64), sm64,
            [exact_softmax_delta(*g) for g in sm64], len(sm))
    from crosscheck.oracles import jax_grad, torch_autograd

    found, notes = ["handprop"], []
    for name, module in (("torch", torch_autograd), ("jax", jax_grad)):
        ok, why = module.available()
        (found.append(name) if ok else notes.append(f"{name} skipped: {why}"))
    torch = __import__("torch") if "torch" in found else None
    threads = torch.get_num_threads() if torch else 1
    try:  # torch's thread pool costs milliseconds a call on busy cores; results alike
        if torch:
            torch.set_num_threads(1)
        out = [r for lib in found for t in DTYPES for r in _measure(lib, t, quick, *data)]
    finally:
        if torch:
            torch.set_num_threads(threads)
    return out, notes


def _measure(library, dtype, quick, n32, z64, y64, exact, sm, sm_exact, n_sm32):
    cut = slice(0, n32) if dtype == np.float32 else slice(None)
    z, y, sm = z64[cut], y64[cut], sm[:n_sm32] if dtype == np.float32 else sm
    for route, fn in activations(library, dtype):
        if not (quick and route in SLOW_ROUTES):
            for name, pair in fn(z.astype(dtype)).items():
                for key, got in zip((("value", name), ("derivative", name)), pair, strict=True):
                    C, fl = required(key, dtype, z, y, got, *(x[cut] for x in exact[key]))
                    yield _row(key, library, route, dtype, C, fl, z, y)
    for route, per, grad in output_routes(library):
        if quick and route in SLOW_ROUTES:
            continue
        w = 64 if per > 1 else 7
        grid = lambda x, w=w: np.append(x, np.zeros(-len(x) % w)).reshape(-1, w)  # noqa: E731
        for cost in spec.SIGMOID_COSTS:
            key = ("output", cost)
            got = output_deltas(grad, per, cost, grid(z), grid(y), dtype).ravel()[: len(z)]
            C, fl = required(key, dtype, z, y, got, *(x[cut] for x in exact[key]))
            yield _row(key, library, route, dtype, C, fl, z, y)
        for cost in spec.SOFTMAX_COSTS:
            key, sign = ("output", cost), spec.COSTS[cost].sign
            parts = [
                _row(key, library, route, dtype,
                     *required(key, dtype, *g, output_deltas(grad, per, cost, *g, dtype),
                               sign * hi, sign * lo), *g)
                for g, (hi, lo) in zip(sm, sm_exact, strict=False)
            ]
            top, low = (max(parts, key=lambda r, f=f: getattr(r, f)) for f in ("worst", "floor"))
            yield top._replace(floor=low.floor, floor_where=low.floor_where,
                               points=sum(r.points for r in parts))


def constant(key: Key, worst: float) -> int:
    """ulps.py's constant: the worst C measured times :data:`MARGIN`, rounded up to an
    integer, never below the formula's operation count (:data:`OPS`)."""
    return max(OPS[key], math.ceil(MARGIN * worst))


def constants(rows: Sequence[Row]) -> dict[str, dict[Key, tuple[int, Row]]]:
    """Per dtype, per formula with a magnitude (not :data:`EXACT`): its constant (from
    that dtype's routes only) and its worst row."""
    out: dict[str, dict[Key, tuple[int, Row]]] = {}
    for r in rows:
        best = out.setdefault(r.dtype, {}).get(r.key, (0, None))[1]
        if r.key not in EXACT and (best is None or r.worst > best.worst):
            out[r.dtype][r.key] = (constant(r.key, r.worst), r)
    return out


# ------------------------------------------------------------------------------- the report

_TABLES = {"value": "VALUE", "derivative": "DERIVATIVE", "output": "OUTPUT"}


def _name(key: Key) -> str:
    return f"{_TABLES[key[0]]}[{key[1]!r}]"


def _gaps(rows: Sequence[Row]) -> Iterator[str]:
    """Where the model falls short (no constant can help), and where a constant is a
    library's own inaccuracy (beyond MARGIN x the operation count), not roundings."""
    for (key, dtype) in dict.fromkeys((r.key, r.dtype) for r in rows):
        mine = [r for r in rows if r.key == key and r.dtype == dtype]
        r, f = max(mine, key=lambda x: x.worst), max(mine, key=lambda x: x.floor)
        at = f"`{_name(key)}`, {dtype}: {r.library} ({r.route}"
        if key in EXACT and r.worst > 0:
            yield f"{at}, {r.where}) is off by {r.worst:.3g} u abs(f); models.py charges 0."
        elif key not in EXACT and r.worst > MARGIN * OPS[key]:
            yield (f"{at}, {r.where}) needs {r.worst:.3g}, more than {MARGIN:g} x the operation "
                   f"count ({OPS[key]}): the library's own inaccuracy, measured, not derived.")
        if f.floor > 1:
            yield (f"`{_name(key)}`, {dtype}: {f.library} ({f.route}, {f.floor_where}) is off by "
                   f"{f.floor:.3g} times the underflow floor.")


def render(rows: Sequence[Row], notes: Sequence[str], command: str) -> str:
    """docs/ulp-bounds.md: the rule, the constants, the model's gaps, every measurement."""
    from crosscheck.environment import cpu_name, versions

    table, g = constants(rows), lambda x: f"{x:.3g}"
    v = versions(("numpy", "scipy", "torch", "jax", "jaxlib", "mpmath"))
    model = re.sub(r":\w+:`([^`]*)`", r"`\1`", " ".join(__doc__.split("\n\n")[2].split()))
    keys = list(dict.fromkeys(k for t in table.values() for k in t))

    def cell(dtype: str, key: Key) -> str:
        c, r = table[dtype][key]
        return f"{g(r.worst)} | {r.library}, {r.route}{', ' * bool(r.where)}{r.where} | **{c}**"

    def block(kind: str) -> Iterator[str]:  # ulps.py's table, one constant a line
        yield f"{_TABLES[kind]}: dict[str, dict[str, float]] = {{"
        for dtype, entries in table.items():
            yield f'    "{dtype}": {{'
            yield from (f'        "{k[1]}": {c:.1f},' for k, (c, _) in entries.items()
                        if k[0] == kind)
            yield "    },"
        yield "}"

    return "\n".join([
        "# Per-formula error bounds, measured against mpmath", "",
        f"Generated by `{command}` (do not edit: rerun it) on {cpu_name()}: "
        + ", ".join(f"{k} {x}" for k, x in v.items()) + ".", *(f"Note: {x}." for x in notes),
        "", model.replace("``", "`"), "",
        "What grows with the input (log s's rounding through log_softmax, log sigmoid's "
        "through exp(z - softplus(z)), silu's flushed sigmoid times z) and leaky_relu's "
        "inexact slope are charged by the model, not a constant (docs/error-budget.md, "
        f"\"What a layer makes\"). **The rule, per dtype:** constant = max(operation count, "
        f"ceil({MARGIN:g} x the worst C over every library and route in that dtype)). Inputs "
        "(`inputs`, `softmax_rows`, `softmax_corners`): abs(z) log-spaced and log-uniform "
        "from the smallest normal to 1e4 (float32) / 1e5 (float64), 0, windows around 0, the "
        "branch switches and log_rounding's peak, random bit patterns; labels 0, 1, 1/2, "
        "uniform in [0, 1]; softmax rows of every kind and the corner (a logit 2^k below the "
        "maximum, every k whose s is normal).", "",
        "## The constants (crosscheck/budget/ulps.py)", "",
        "| formula | ops | float32: worst C | at | constant | float64: worst C | at | constant |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
        *(f"| `{_name(k)}` | {OPS[k]} | {cell('float32', k)} | {cell('float64', k)} |"
          for k in keys),
        "", "```python", *(x for kind in _TABLES for x in block(kind)), "```", "",
        "## Where the model falls short, and constants a library sets", "",
        *(f"* {x}" for x in list(_gaps(rows)) or ["none"]), "", "## Every measurement", "",
        "worst C: the smallest constant covering every point (relative to abs(f) where "
        "models.py charges nothing; 0: the charges not multiplied by C cover it); underflow: "
        "where u mag < tiny, the worst error beyond the model's other terms over the budget's "
        "floor (<= 1 is covered). P = 64: 64 examples a problem (64 outputs for the sigmoid "
        "costs); P = 1: one example (7 outputs).", "",
        "| formula | library | route | dtype | points | worst C | at | underflow | at |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        *(f"| `{_name(r.key)}` | {r.library} | {r.route} | {r.dtype} | {r.points} | "
          f"{g(r.worst)} | {r.where} | {g(r.floor)} | {r.floor_where} |" for r in rows),
    ]) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crosscheck.budget.calibrate")
    parser.add_argument("--points", type=int, default=16000, help="inputs per dtype")
    parser.add_argument("--seed", type=int, default=0)
    default = Path(__file__).resolve().parents[2] / "docs" / "ulp-bounds.md"
    parser.add_argument("--out", type=Path, default=default)
    args = parser.parse_args(argv)
    found, notes = measure(args.points, args.seed)
    command = f"python -m crosscheck.budget.calibrate --points {args.points} --seed {args.seed}"
    args.out.write_text(render(found, notes, command), encoding="utf-8")
    for dtype, table in constants(found).items():
        for key, (c, r) in table.items():
            print(f"{dtype} {_name(key):36} {c:4d}  worst {r.worst:.3g}: {r.library}, {r.route}")
    print(*notes, f"wrote {args.out}", sep="\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
