"""How a function under test lays out its arguments and scales its answer, and the exact
conversion between that and crosscheck's canonical problem.

A :class:`Convention` names the layout (``canonical``: ``weights[l]`` of shape
``(N_l + 1, N_{l+1})``, row 0 the bias; ``combined-out-in``: its transpose ``(N_{l+1},
N_l + 1)``, column 0 the bias, Ng's Theta; ``bias_at="last"``: the bias row (column) last,
the "bias trick" of appending a 1; ``separate-in-out``: weight matrices ``(N_l,
N_{l+1})`` and bias vectors apart; ``separate-out-in``: ``(N_{l+1}, N_l)``, torch.nn.Linear's),
where the examples are (``rows``: X ``(P, Q)``; ``columns``: X ``(Q, P)``), how the cost is
reduced (``sum``; ``mean`` over the examples; ``mean-all`` over examples and outputs),
a constant ``factor`` (the function's cost is ``factor`` times the named one), whether it
takes one example at a time, the shape of its bias vectors, and whether it returns its loss
with its gradients (``returns``: ``loss-first`` for ``return loss, grads``, ``loss-last``
for ``return grads, loss``; the loss is set aside, not judged). A function whose net is
fixed (``fn(weights, X, Y)``: its activations and cost written into it) is recognised by
its signature (:func:`check_signature`, ``names=False``) and called without the names;
a function whose parameters are in another order (``fn(X, y, W, b)``) is called by the
names it gives them, when each is a name such code uses (:data:`ALIASES`).
``labels_as="indices"``: Y is given as class indices ``(P,)`` (one-hot labels of the
softmax costs), as in ``dscores[range(P), y] -= 1``.

:meth:`Convention.arguments` builds the function's arguments from a canonical problem;
:meth:`Convention.canonical` turns its answer back into canonical gradients on the sum
scale. Both are exact: arrays are only copied, sliced and transposed, and the answer is
multiplied by ``1 / scale``, a power of two, because the search draws P (and N_L for
``mean-all``) as powers of two and ``factor`` must be one: neither the function's own
division nor ours rounds (docs/verify.md, "Reductions are exact"). :func:`adapt` wraps a
function into a canonical one.
"""

from __future__ import annotations

import inspect
import math
import numbers
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np

from crosscheck.choices import (
    BIAS_AT,
    BIAS_SHAPES,
    EXAMPLES_AS,
    LABELS_AS,
    LAYOUTS,
    REDUCTIONS,
    RETURNS,
)
from crosscheck.compare import layout_error
from crosscheck.errors import UsageError
from crosscheck.problem import Problem, make_problem
from crosscheck.signatures import ALIASES, check_signature

__all__ = [
    "ALIASES",
    "BIAS_AT",
    "BIAS_SHAPES",
    "CANONICAL",
    "EXAMPLES_AS",
    "KEYWORDS",
    "LABELS_AS",
    "LAYOUTS",
    "REDUCTIONS",
    "RETURNS",
    "Convention",
    "adapt",
    "check_signature",
    "convention",
    "convention_of",
]



class Convention(NamedTuple):
    """A function's argument layout and the scale of its answer (see the module docstring)."""

    layout: str = "canonical"
    examples_as: str = "rows"
    reduction: str = "sum"
    factor: float = 1.0
    per_example: bool = False
    bias_shape: str = "vector"
    returns: str = "gradients"
    labels_as: str = "values"
    bias_at: str = "first"
    names: bool = True
    """Whether the function takes ``activations`` and ``cost`` (False: its net is fixed;
    read from its signature by :func:`check_signature`, never given)."""
    keywords: tuple[str, ...] = ()
    """The function's own names of :attr:`parameters`, in their order, when it is called
    by name (its parameters in another order); empty: positionally. From the signature."""

    def call(self, fn: Callable[..., Any], args: Sequence[Any]) -> Any:
        """``fn`` called with :meth:`arguments`' ``args``: by position, or by the
        function's own parameter names (:attr:`keywords`)."""
        if self.keywords:
            return fn(**dict(zip(self.keywords, args, strict=True)))
        return fn(*args)

    @property
    def separate(self) -> bool:
        """Weights and biases in separate lists (``fn(weights, biases, X, Y, ...)``)."""
        return self.layout.startswith("separate")

    @property
    def is_canonical(self) -> bool:
        """The canonical convention itself (nothing to convert)."""
        return self == CANONICAL

    @property
    def parameters(self) -> tuple[str, ...]:
        """The function's parameter names, in order."""
        head = ("weights", "biases") if self.separate else ("weights",)
        tail = ("activations", "cost") if self.names else ()
        return (*head, "X", "Y", *tail)

    def signature(self) -> str:
        """The signature the function must have, e.g. ``fn(weights, biases, X, Y,
        activations, cost) -> (weight_grads, bias_grads)``."""
        out = "(weight_grads, bias_grads)" if self.separate else "list of gradients"
        if self.returns == "loss-first":
            out = f"(loss, {out.strip('()')})" if self.separate else f"(loss, {out})"
        elif self.returns == "loss-last":
            out = f"({out.strip('()')}, loss)" if self.separate else f"({out}, loss)"
        return f"fn({', '.join(self.parameters)}) -> {out}"

    def shapes(self) -> str:
        """The shapes of the arguments, in words."""
        parts = []
        where = "0" if self.bias_at == "first" else "N_l (the last)"
        if self.layout == "canonical":
            parts.append(f"weights[l] (N_l + 1, N_l+1) with row {where} the bias")
        elif self.layout == "combined-out-in":
            parts.append(f"weights[l] (N_l+1, N_l + 1) with column {where} the bias")
        else:
            w = "(N_l, N_l+1)" if self.layout == "separate-in-out" else "(N_l+1, N_l)"
            b = {"vector": "(N_l+1,)", "column": "(N_l+1, 1)", "row": "(1, N_l+1)"}
            parts += [f"weights[l] {w}", f"biases[l] {b[self.bias_shape]}"]
        P = "1" if self.per_example else "P"
        y = f"Y ({P},) of class indices" if self.labels_as == "indices" else None
        if self.examples_as == "rows":
            parts += [f"X ({P}, Q)", y or f"Y ({P}, N_L)"]
        else:
            parts += [f"X (Q, {P})", y or f"Y (N_L, {P})"]
        return ", ".join(parts)

    def describe(self) -> str:
        """The convention in a few words (empty for the canonical one)."""
        if self.is_canonical:
            return ""
        words = [f"layout {self.layout}", f"examples as {self.examples_as}"]
        if self.bias_at != "first":
            words.append(f"the bias {'column' if self.layout == 'combined-out-in' else 'row'} last")
        if self.bias_shape != "vector":
            words.append(f"bias {self.bias_shape}s")
        words.append(f"reduction {self.reduction}")
        if self.factor != 1.0:
            words.append(f"factor {self.factor:g}")
        if self.per_example:
            words.append("one example per call")
        if self.labels_as == "indices":
            words.append("labels as class indices")
        if not self.names:
            words.append("takes no activations or cost (its net is fixed)")
        if self.keywords:
            words.append(f"called by name ({', '.join(self.keywords)})")
        if self.returns != "gradients":
            first = self.returns == "loss-first"
            words.append(
                f"returns {'(loss, gradients)' if first else '(gradients, loss)'}, the loss "
                "set aside (not judged)"
            )
        return ", ".join(words)

    def options(self) -> dict[str, Any]:
        """The fields that differ from the canonical convention (for a reproduction;
        ``names`` and ``keywords`` are read from the function's signature again)."""
        return {
            k: v for k, v in self._asdict().items()
            if v != getattr(CANONICAL, k) and k not in ("names", "keywords")
        }

    def powers_of_two(self) -> tuple[str, ...]:
        """The sizes the function's answer is divided by (``"P"``, ``"N_L"``): the search
        draws them as powers of two, so that the conversion is exact."""
        out = []
        if self.reduction in ("mean", "mean-all") and not self.per_example:
            out.append("P")
        if self.reduction == "mean-all":
            out.append("N_L")
        return tuple(out)

    def scale(self, P: int, N_L: int) -> float:
        """What one call's answer is, as a multiple of the canonical (sum) gradient of the
        examples it was given."""
        s = self.factor
        if self.reduction in ("mean", "mean-all"):
            s /= P
        if self.reduction == "mean-all":
            s /= N_L
        return s

    def arguments(self, problem: Problem) -> tuple[list[Any], list[str]]:
        """The function's arguments for ``problem`` (fresh copies in its layout) and the
        name of each array, for messages (``weights[0]``, ``biases[1]``, ``X``, ...)."""
        weights, X, Y, activations, cost = problem.args()
        if self.labels_as == "indices":  # exact: the search draws one-hot rows only
            Y = np.argmax(Y, axis=1).astype(np.int64)
        elif self.examples_as == "columns":
            Y = Y.T
        if self.examples_as == "columns":
            X = X.T
        X, Y = np.array(X, order="C"), np.array(Y, order="C")
        names = [list(activations), cost] if self.names else []
        if not self.separate:
            ws = [np.array(self._combined(w), order="C") for w in weights]
            return [ws, X, Y, *names], ["weights", "X", "Y", "activations"][: 3 + len(names)]
        if self.layout == "separate-in-out":
            ws = [np.array(w[1:], order="C") for w in weights]
        else:
            ws = [np.array(w[1:].T, order="C") for w in weights]
        bs = [np.array(w[0].reshape(self._bias_shape(w.shape[1])), order="C") for w in weights]
        return (
            [ws, bs, X, Y, *names],
            ["weights", "biases", "X", "Y", "activations"][: 4 + len(names)],
        )

    def problem(
        self,
        weights: Sequence[Any],
        biases: Sequence[Any] | None,
        X: Any,
        Y: Any,
        activations: Sequence[str],
        cost: str,
    ) -> Problem:
        """The canonical problem of arguments given in this convention (exact: arrays
        are only transposed and stacked), validated by
        :func:`crosscheck.problem.make_problem`."""
        if self.separate:
            if biases is None:
                raise UsageError(f"biases: expected the bias vectors for layout {self.layout}")
            if isinstance(weights, np.ndarray) or len(weights) != len(biases):
                raise UsageError(
                    "weights, biases: expected two lists of the same length (one array per "
                    f"layer), got {_kind(weights)} and {_kind(biases)}"
                )
            stacked = []
            for l, (W, b) in enumerate(zip(weights, biases, strict=True)):
                W, b = np.asarray(W), np.asarray(b)
                if W.ndim != 2 or W.dtype != b.dtype:
                    raise UsageError(
                        f"weights[{l}], biases[{l}]: expected a 2-D weight matrix and a bias "
                        f"of the same dtype, got shapes {W.shape}, {b.shape} and dtypes "
                        f"{W.dtype}, {b.dtype}"
                    )
                W = W if self.layout == "separate-in-out" else W.T
                if b.shape != self._bias_shape(W.shape[1]):
                    raise UsageError(
                        f"biases[{l}]: expected shape {self._bias_shape(W.shape[1])} to go "
                        f"with weights[{l}] of layout {self.layout}, got {b.shape}"
                    )
                w = np.empty((W.shape[0] + 1, W.shape[1]), dtype=W.dtype)
                w[0], w[1:] = b.reshape(-1), W
                stacked.append(w)
            weights = stacked
        else:
            if biases is not None:
                raise UsageError(
                    "biases: only with a separate layout (canonical row 0 is the bias)"
                )
            if self.layout != "canonical" or self.bias_at != "first":
                weights = [self._uncombined(np.asarray(w), f"weights[{l}]")
                           for l, w in enumerate(weights)]
        if self.labels_as == "indices":
            Y = _one_hot_rows(Y, weights)
        elif self.examples_as == "columns":
            Y = np.asarray(Y).T
        if self.examples_as == "columns":
            X = np.asarray(X).T
        return make_problem(weights, X, Y, activations, cost)

    def _combined(self, w: np.ndarray) -> np.ndarray:
        """A canonical ``w`` (or gradient) in this combined layout (a view)."""
        if self.bias_at == "last":
            w = np.concatenate([w[1:], w[:1]])
        return w.T if self.layout == "combined-out-in" else w

    def _uncombined(self, w: np.ndarray, name: str) -> np.ndarray:
        """The inverse of :meth:`_combined` (exact: a transpose and a row moved)."""
        if w.ndim != 2:
            raise UsageError(f"{name}: expected a 2-D array, got shape {w.shape}")
        w = w.T if self.layout == "combined-out-in" else w
        if self.bias_at == "last":
            w = np.concatenate([w[-1:], w[:-1]])
        return w

    def _bias_shape(self, n: int) -> tuple[int, ...]:
        return {"vector": (n,), "column": (n, 1), "row": (1, n)}[self.bias_shape]

    def _weight_shape(self, w: np.ndarray) -> tuple[int, int]:
        n_in, n_out = w.shape[0] - 1, w.shape[1]
        return (n_in, n_out) if self.layout == "separate-in-out" else (n_out, n_in)

    def canonical(self, out: Any, problem: Problem) -> tuple[list[np.ndarray] | None, str | None]:
        """The function's answer ``out`` for ``problem`` as canonical gradients on the sum
        scale, or ``(None, why)`` when it is not an answer in this convention (wrong
        structure, shape or dtype, named in the function's own terms)."""
        if self.returns != "gradients":
            out, err = self._without_loss(out)
            if err is not None:
                return None, err
        if self.separate:
            grads, err = self._assemble(out, problem)
        else:
            grads, err = self._canonical_list(out, problem)
        if err is not None:
            return None, err + self._hint(out, problem)
        inverse = 1.0 / self.scale(problem.P, problem.sizes[-1])
        if inverse != 1.0:
            grads = [g * g.dtype.type(inverse) for g in grads]
        return grads, None

    def _without_loss(self, out: Any) -> tuple[Any, str | None]:
        """The gradients part of ``(loss, ...)`` / ``(..., loss)``: the rest of the
        tuple (one item: that item; more, as in ``return loss, dW, db``: a tuple)."""
        first = self.returns == "loss-first"
        words = "(loss, gradients)" if first else "(gradients, loss)"
        if not isinstance(out, (tuple, list)) or len(out) < 2:
            return None, f"expected {words} (returns {self.returns}), got {_kind(out)}"
        loss = out[0] if first else out[-1]
        if not _is_scalar(loss):
            where = "first" if first else "last"
            return None, (
                f"expected {words} (returns {self.returns}) with the loss, one number, "
                f"{where}; got {_kind(loss)} there"
            )
        rest = out[1:] if first else out[:-1]
        return (rest[0] if len(rest) == 1 else tuple(rest)), None

    def _hint(self, out: Any, problem: Problem) -> str:
        """What a wrong answer looks like, when it is recognisable: gradients with a loss
        (``--returns``), a dict, one flat array, float64 gradients of a float32 problem."""
        if self.returns == "gradients" and isinstance(out, (tuple, list)) and len(out) >= 2:
            ends = [_is_scalar(out[0]), _is_scalar(out[-1])]
            if ends == [True, False] or ends == [False, True]:
                which = "loss-first" if ends[0] else "loss-last"
                words = "(loss, gradients)" if ends[0] else "(gradients, loss)"
                return (
                    f" (it looks like {words}: say so with --returns {which}, or "
                    f"returns={which!r} in Python)"
                )
        if isinstance(out, dict):
            return " (a dict: return a list, one array per layer in layer order)"
        if isinstance(out, np.ndarray) and out.ndim == 1:
            return " (one flat array: return one array per layer, shaped like its parameter)"
        arrays = [x for x in _flat(out) if isinstance(x, np.ndarray)]
        if problem.dtype == np.float32 and any(x.dtype == np.float64 for x in arrays):
            return (
                " (it computes in float64: to judge it on float64 problems only, say "
                "--dtypes float64, or dtypes=['float64'] in Python)"
            )
        return ""

    def _canonical_list(self, out: Any, problem: Problem):
        if isinstance(out, tuple):
            out = list(out)
        if self.layout == "canonical" and self.bias_at == "first":
            err = layout_error(out, problem)
            return (None, err) if err else (out, None)
        if not isinstance(out, list) or len(out) != problem.depth:
            return None, (
                f"expected a list of {problem.depth} arrays (one per weight layer), got "
                f"{_kind(out)}"
            )
        grads = []
        for l, w in enumerate(problem.weights):
            shape = self._combined(w).shape
            words = "(N_l+1, N_l + 1)" if self.layout == "combined-out-in" else "(N_l + 1, N_l+1)"
            err = _array_error(out[l], f"gradient[{l}]", shape, f"{words} like weights[{l}]",
                               w.dtype)
            if err:
                return None, err
            grads.append(np.array(self._uncombined(out[l], f"gradient[{l}]"), order="C"))
        return grads, None

    def _assemble(self, out: Any, problem: Problem):
        if not isinstance(out, (tuple, list)) or len(out) != 2:
            return None, (
                "expected a pair (weight_grads, bias_grads) of lists with "
                f"{problem.depth} arrays each, got {_kind(out)}"
            )
        wg, bg = out
        for name, seq in (("weight_grads", wg), ("bias_grads", bg)):
            if not isinstance(seq, (list, tuple)) or len(seq) != problem.depth:
                return None, (
                    f"{name}: expected a list of {problem.depth} arrays (one per layer), got "
                    f"{_kind(seq)}"
                )
        w_words = "(N_l, N_l+1)" if self.layout == "separate-in-out" else "(N_l+1, N_l)"
        b_words = {"vector": "(N_l+1,)", "column": "(N_l+1, 1)", "row": "(1, N_l+1)"}
        grads = []
        for l, w in enumerate(problem.weights):
            for name, g, shape, words in (
                (f"weight_grads[{l}]", wg[l], self._weight_shape(w), w_words),
                (f"bias_grads[{l}]", bg[l], self._bias_shape(w.shape[1]), b_words[self.bias_shape]),
            ):
                err = _array_error(g, name, shape, f"{words} like its parameter", w.dtype)
                if err:
                    return None, err
            W = wg[l] if self.layout == "separate-in-out" else wg[l].T
            g = np.empty_like(w)
            g[0] = bg[l].reshape(-1)
            g[1:] = W
            grads.append(g)
        return grads, None


CANONICAL = Convention()
"""``fn(weights, X, Y, activations, cost) -> list``, every cost a sum."""


def _one_hot_rows(y: Any, weights: Sequence[Any]) -> np.ndarray:
    """Class indices ``(P,)`` as one-hot label rows ``(P, N_L)`` in the weights' dtype;
    :class:`~crosscheck.errors.UsageError` for anything but integers in 0..N_L-1."""
    y = np.asarray(y)
    last = np.asarray(weights[-1]) if len(weights) else np.zeros((1, 0))
    n = last.shape[-1] if last.ndim == 2 else 0
    if y.ndim != 1 or y.dtype.kind not in "iu" or (y.size and (y.min() < 0 or y.max() >= n)):
        raise UsageError(
            f"Y: expected class indices, integers in 0..{n - 1} of shape (P,) "
            f"(labels_as indices), got shape {y.shape} and dtype {y.dtype}"
            + (f" with values in [{y.min()}, {y.max()}]" if y.size and y.dtype.kind in "iu" else "")
        )
    dtype = last.dtype if last.dtype.kind == "f" else np.float64
    return np.eye(n, dtype=dtype)[y]


def _flat(x: Any) -> list[Any]:
    """The items of nested lists and tuples (an answer's arrays)."""
    if isinstance(x, (list, tuple)):
        return [y for item in x for y in _flat(item)]
    return [x]


def _is_scalar(x: Any) -> bool:
    """A loss: one real number (a Python or NumPy number, or an array of one element)."""
    if isinstance(x, bool | np.bool_):
        return False
    if isinstance(x, numbers.Real):
        return True
    return isinstance(x, np.ndarray) and x.size == 1 and x.dtype.kind in "fiu"


def _kind(x: Any) -> str:
    if isinstance(x, (list, tuple)):
        return f"a {type(x).__name__} of {len(x)}"
    return type(x).__name__


def _array_error(g: Any, name: str, shape: tuple, words: str, dtype: np.dtype) -> str | None:
    if not isinstance(g, np.ndarray):
        return f"{name}: expected a numpy array, got {type(g).__name__}"
    if g.shape != shape:
        return f"{name}: expected shape {shape} {words}, got {g.shape}"
    if g.dtype != dtype:
        return f"{name}: expected dtype {dtype} (dtype in = dtype out), got {g.dtype}"
    if not np.isfinite(g).all():
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(g))[0])
        return f"{name}: non-finite value {g[bad]} at index {bad}"
    return None


def _name(value: Any, argument: str, known: Sequence[str]) -> str:
    if isinstance(value, str) and value.replace("_", "-") in known:
        return value.replace("_", "-")
    raise UsageError(f"{argument}: expected one of {', '.join(known)}, got {value!r}")


def _power_of_two(value: Any) -> float:
    ok = (
        not isinstance(value, bool)
        and isinstance(value, (int, float, np.integer, np.floating))
        and math.isfinite(value)
        and value != 0
        and math.frexp(abs(float(value)))[0] == 0.5
    )
    if not ok:
        raise UsageError(
            "factor: expected a power of two such as 0.5, 2 or -1 (the function's cost is "
            "factor x the named one; a power of two keeps the conversion exact), got "
            f"{value!r}"
        )
    return float(value)


def convention(
    *,
    layout: str | None = None,
    examples_as: str | None = None,
    reduction: str | None = None,
    factor: float | None = None,
    per_example: bool | None = None,
    bias_shape: str | None = None,
    returns: str | None = None,
    labels_as: str | None = None,
    bias_at: str | None = None,
) -> Convention:
    """A validated :class:`Convention` (None: the canonical choice); a bad value raises
    :class:`~crosscheck.errors.UsageError` naming it. ``_`` may stand for ``-`` in names."""
    c = CANONICAL
    if not isinstance(per_example, (bool, type(None), np.bool_)):
        raise UsageError(f"per_example: expected True or False, got {per_example!r}")
    out = Convention(
        c.layout if layout is None else _name(layout, "layout", LAYOUTS),
        c.examples_as if examples_as is None else _name(examples_as, "examples_as", EXAMPLES_AS),
        c.reduction if reduction is None else _name(reduction, "reduction", REDUCTIONS),
        c.factor if factor is None else _power_of_two(factor),
        bool(per_example),
        c.bias_shape if bias_shape is None else _name(bias_shape, "bias_shape", BIAS_SHAPES),
        c.returns if returns is None else _name(returns, "returns", RETURNS),
        c.labels_as if labels_as is None else _name(labels_as, "labels_as", LABELS_AS),
        c.bias_at if bias_at is None else _name(bias_at, "bias_at", BIAS_AT),
    )
    if out.separate and out.bias_at != "first":
        raise UsageError(
            f"bias_at: only where the weights hold the bias (layout canonical or "
            f"combined-out-in), not with layout {out.layout}"
        )
    return out


KEYWORDS: tuple[str, ...] = tuple(inspect.signature(convention).parameters)
"""The keywords of :func:`convention` (``layout``, ``examples_as``, ...): one list for
every function that takes a convention's options."""


def convention_of(fn: Callable[..., Any]) -> tuple[Callable[..., Any], Convention]:
    """The function and its convention: an :func:`adapt` ed function gives back the
    function it wraps and the convention it was adapted from; anything else is canonical."""
    inner = getattr(fn, "__crosscheck_adapted__", None)
    if inner is not None:
        return inner
    return fn, CANONICAL


def adapt(fn: Callable[..., Any], **options: Any) -> Callable[..., list[np.ndarray]]:
    """A canonical gradient function ``g(weights, X, Y, activations, cost)`` that calls
    ``fn`` in its own convention (``options``: ``layout``, ``examples_as``,
    ``reduction``, ``factor``, ``per_example``, ``bias_shape``, ``returns``,
    ``labels_as``, ``bias_at``, as for
    :func:`convention`) and returns its answer as canonical gradients of the summed cost.

    The conversion is exact when P (``mean``, ``mean-all``) and N_L (``mean-all``) are
    powers of two; :func:`crosscheck.verify` recognises an adapted function and draws
    them so. A wrong structure, shape or dtype of ``fn``'s answer raises ``ValueError``
    naming it in ``fn``'s terms; a bad option raises
    :class:`~crosscheck.errors.UsageError`.
    """
    if not callable(fn):
        raise UsageError(f"fn: expected a callable gradient function, got {fn!r}")
    try:
        conv = convention(**options)
    except TypeError as exc:  # an unknown keyword
        raise UsageError(f"adapt: {exc}; expected keywords of {list(CANONICAL._fields)}") from None
    conv = check_signature(fn, conv)

    def canonical_fn(weights, X, Y, activations, cost):
        problem = make_problem(weights, X, Y, activations, cost)
        parts = [problem]
        if conv.per_example:
            parts = [problem.example(p) for p in range(problem.P)]
        total = None
        for part in parts:
            args, _ = conv.arguments(part)
            grads, err = conv.canonical(conv.call(fn, args), part)
            if err is not None:
                raise ValueError(f"{getattr(fn, '__name__', 'fn')}: {err}")
            total = grads if total is None else [a + b for a, b in zip(total, grads, strict=True)]
        if total is None:  # P = 0 examples, one at a time: the empty sum
            total = [np.zeros_like(w) for w in problem.weights]
        return total

    canonical_fn.__name__ = getattr(fn, "__name__", "fn")
    canonical_fn.__qualname__ = getattr(fn, "__qualname__", canonical_fn.__name__)
    canonical_fn.__module__ = getattr(fn, "__module__", __name__)
    canonical_fn.__doc__ = f"{canonical_fn.__name__} ({conv.describe()}) as a canonical function."
    canonical_fn.__crosscheck_adapted__ = (fn, conv)  # type: ignore[attr-defined]
    return canonical_fn
