"""Network shapes: depth, widths, activations and cost, drawn simplest first."""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from hypothesis import strategies as st

from crosscheck.errors import UsageError
from crosscheck.options import ProblemSpace, problem_space
from crosscheck.strategies import discrete
from crosscheck.strategies.determinism import label
from crosscheck.strategies.sizes import size

__all__ = ["Architecture", "architectures", "architectures_in"]


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


class _Sizes(NamedTuple):
    """The size strategies of a space: Q, a hidden width, the output width N_L."""

    q: st.SearchStrategy[int]
    width: st.SearchStrategy[int]
    outputs: st.SearchStrategy[int]


def _sizes(space: ProblemSpace) -> _Sizes:
    log = space.log_sizes
    lo_out, hi_out = space.output_range
    return _Sizes(
        size(space.min_q, space.max_q, log=log),
        size(space.min_width, space.max_width, log=log),
        size(lo_out, hi_out, log=log, power_of_two="N_L" in space.powers_of_two),
    )


@st.composite
def _architectures(
    draw: st.DrawFn,
    hidden: tuple[str, ...],
    outputs: tuple[tuple[str, tuple[str, ...]], ...],
    min_depth: int,
    max_depth: int,
    sizes: _Sizes,
    featured: str | None = None,
) -> Architecture:
    depth = draw(discrete.integers(min_depth, max_depth), label=label("depth"))
    q = draw(sizes.q, label=label("Q"))
    widths = tuple(
        draw(sizes.width if l < depth - 1 else sizes.outputs, label=label("width"))
        for l in range(depth)
    )
    cost, outs = draw(discrete.one_of(outputs), label=label("cost"))
    # The featured activation (if any) sits at one drawn hidden layer (shrinks to the first).
    at = -1
    if featured is not None and depth >= 2:
        at = draw(discrete.integers(0, depth - 2), label=label("featured layer"))
    acts = tuple(
        featured if l == at else draw(discrete.one_of(hidden), label=label("hidden activation"))
        for l in range(depth - 1)
    )
    out = draw(discrete.one_of(outs), label=label("output activation"))
    return Architecture((q, *widths), (*acts, out), cost)


def architectures_in(
    space: ProblemSpace, featured: str | None = None
) -> st.SearchStrategy[Architecture]:
    """Architectures of ``space`` (see :func:`architectures`); ``featured``, if given, is
    one of ``space.hidden`` placed at one drawn hidden layer whenever L >= 2."""
    if featured is not None and featured not in space.hidden:
        raise UsageError(
            f"featured: expected one of the allowed hidden activations {list(space.hidden)!r}, "
            f"got {featured!r}"
        )
    hidden = space.hidden or ("identity",)  # never drawn at depth 1; sampled_from needs one
    return _architectures(
        hidden,
        tuple(space.outputs.items()),
        space.min_depth,
        space.max_depth,
        _sizes(space),
        featured,
    )


def architectures(
    *,
    activations: Iterable[str] | str | None = None,
    costs: Iterable[str] | str | None = None,
    min_depth: int | None = None,
    max_depth: int | None = None,
    max_width: int | None = None,
    max_q: int | None = None,
    outputs: Iterable[str] | str | None = None,
    featured: str | None = None,
) -> st.SearchStrategy[Architecture]:
    """Network shapes: L in [min_depth, max_depth] weight layers, Q and widths in
    [1, max_q] and [1, max_width].

    Every elementwise activation may appear at each hidden layer (mixes allowed); the
    output activation is one the cost allows (sigmoid for log_likelihood and
    binary_cross_entropy, softmax for the softmax costs, any elementwise one for
    squared_error). ``activations`` and ``costs`` restrict the names (include ``"softmax"``
    in ``activations`` to keep the softmax costs); a cost left with no allowed output is
    dropped, and :class:`~crosscheck.errors.UsageError` is raised if none remains. Shrinks
    towards fewer, narrower layers and the front of
    :data:`crosscheck.spec.ACTIVATION_ORDER` / :data:`crosscheck.spec.COST_ORDER`.

    ``outputs`` names the output activations (``activations`` then restricts the hidden
    layers only). For balanced searches (``crosscheck verify``'s schedule) ``featured``
    names a hidden activation placed at one drawn hidden layer whenever L >= 2 (the other
    hidden layers are drawn as usual), so that it is tested in every such draw.
    """
    space = problem_space(
        activations=activations,
        costs=costs,
        outputs=outputs,
        min_depth=min_depth,
        max_depth=max_depth,
        max_width=max_width,
        max_q=max_q,
    )
    return architectures_in(space, featured)
