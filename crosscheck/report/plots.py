"""The report's plots as PNG bytes (matplotlib, Agg; imported only when plotting):
budget-ratio histograms, the largest ratio by depth and width, an activation heat map."""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from crosscheck.formatting import fmt

__all__ = ["CAP_RATIO", "FLOOR_RATIO", "plots"]

FLOOR_RATIO = 1e-8
"""Left end of the ratio histograms' axis (at most): smaller ratios share the first bin."""

CAP_RATIO = 1e2
"""Right end of the ratio histograms' axis (at most): larger ratios (failures far over
the budget) share the last bin, so they do not squeeze the rest."""


def _short(pair: str) -> str:
    """A pair's label short enough for a plot's tick."""
    return pair.replace("finite_differences", "fin. diff.")


_PAIR_COLORS = ("tab:orange", "tab:blue", "black", "tab:green", "tab:red", "tab:purple")


_Data = dict[tuple[str, str], list[tuple[Any, float]]]
"""``{(pair, dtype): [(example, max ratio)]}``."""


def _per_example(outcomes: Sequence[Any]) -> _Data:
    """``{(pair, dtype): [(example, max ratio)]}`` over the compared outcomes."""
    out: dict[tuple[str, str], list[tuple[Any, float]]] = {}
    for o in outcomes:
        if o.status == "compared":
            out.setdefault((o.pair, o.example.dtype), []).append((o.example, o.max_ratio))
    return out


def _png(plt: Any, fig: Any) -> bytes:
    """The figure as PNG bytes (no software tag: same figure, same bytes); closes it."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()


def plots(report: Mapping[str, Any], outcomes: Sequence[Any]) -> dict[str, bytes]:
    """The report's plots as PNG bytes: ``ratios``, ``depth_width``, ``heatmap``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    data = _per_example(outcomes)
    pairs = [p for p in report["pairs"] if any((p, d) in data for d in ("float32", "float64"))]
    dtypes = [d for d in ("float32", "float64") if any((p, d) in data for p in pairs)]
    colors = {p: _PAIR_COLORS[i % len(_PAIR_COLORS)] for i, p in enumerate(report["pairs"])}
    images: dict[str, bytes] = {}
    if not pairs:
        return images
    images["ratios"] = _png(plt, _ratios(plt, data, pairs))
    images["depth_width"] = _png(plt, _depth_width(plt, data, pairs, dtypes, colors))
    cells = report["breakdowns"].get("activation", [])
    if cells:
        images["heatmap"] = _png(plt, _heatmap(plt, cells, pairs, dtypes))
    return images


def _ratios(plt: Any, data: _Data, pairs: Sequence[str]) -> Any:
    """The distribution of the budget ratio, per pair and dtype."""
    positive = [r for v in data.values() for _, r in v if r > 0 and math.isfinite(r)]
    # The axis starts at FLOOR_RATIO at most (ratios far below, e.g. differences at the
    # underflow threshold, would squeeze the histograms); smaller ratios go in the first
    # bin and are counted in the legend.
    lo = max(min(positive, default=FLOOR_RATIO), FLOOR_RATIO)
    hi = min(max(2.0, max(positive, default=1.0)), CAP_RATIO)
    bins = np.logspace(math.floor(math.log10(lo)), math.ceil(math.log10(hi)), 37)
    ncols = 3 if len(pairs) > 4 else 2 if len(pairs) > 1 else 1
    nrows = math.ceil(len(pairs) / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(5.2 * ncols, 3.6 * nrows), squeeze=False)
    for ax, pair in zip(axes.flat, pairs, strict=False):
        for dt, col in zip(("float64", "float32"), ("tab:blue", "tab:orange"), strict=True):
            vals = [r for _, r in data.get((pair, dt), [])]
            if not vals:
                continue
            pos = [min(max(r, bins[0]), bins[-1]) for r in vals if r > 0]
            zeros = len(vals) - len(pos)
            below = sum(1 for r in vals if 0 < r < bins[0])
            above = sum(1 for r in vals if r > bins[-1])
            extra = (
                (f", {zeros} exact (0)" if zeros else "")
                + (f", {below} < {bins[0]:.0e}" if below else "")
                + (f", {above} > {bins[-1]:.0e}" if above else "")
            )
            ax.hist(
                pos, bins=bins, histtype="stepfilled", alpha=0.35, color=col,
                label=f"{dt}: {len(vals)} examples{extra}",
            )
            ax.hist(pos, bins=bins, histtype="step", color=col, lw=1.2)
        ax.axvline(1.0, color="tab:red", lw=1.5, ls="--")
        ax.annotate("budget", (1.0, 0.5), xycoords=("data", "axes fraction"), xytext=(3, 0),
                    textcoords="offset points", color="tab:red", fontsize=8, rotation=90,
                    va="center")
        ax.set_xscale("log")
        ax.set_title(pair, fontsize=11)
        ax.set_xlabel("max budget ratio |Δ| / (K u S) per example")
        ax.set_ylabel("examples")
        ax.legend(fontsize=8, loc="upper left")
        ax.grid(True, alpha=0.25)
    for ax in list(axes.flat)[len(pairs) :]:
        ax.set_visible(False)
    fig.tight_layout()
    return fig


def _depth_width(
    plt: Any, data: _Data, pairs: Sequence[str], dtypes: Sequence[str],
    colors: Mapping[str, str],
) -> Any:
    """The largest budget ratio against depth and against width, per dtype."""
    fig, axes = plt.subplots(
        len(dtypes), 2, figsize=(13, 4.0 * len(dtypes)), squeeze=False, sharey=True
    )
    for row, dt in zip(axes, dtypes, strict=True):
        for ax, key, label in zip(
            row, ("depth", "width"), ("depth L (weight layers)", "width (widest layer N_l)"),
            strict=True,
        ):
            for pair in pairs:
                vals = data.get((pair, dt), [])
                by_x: dict[int, float] = {}
                for ex, r in vals:
                    x = getattr(ex, key)
                    by_x[x] = max(by_x.get(x, 0.0), r)
                if not by_x:
                    continue
                xs = sorted(by_x)
                ys = [by_x[x] if by_x[x] > 0 else np.nan for x in xs]
                ax.plot(xs, ys, marker="o", ms=4, lw=1.4, color=colors[pair], label=pair)
            ax.axhline(1.0, color="tab:red", lw=1.2, ls="--")
            ax.set_yscale("log")
            ax.set_xlabel(label)
            ax.set_ylabel("largest budget ratio")
            ax.set_title(f"{dt}: largest budget ratio by {key}", fontsize=11)
            ax.grid(True, alpha=0.25)
            ax.xaxis.get_major_locator().set_params(integer=True)
        row[1].legend(fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5))
    fig.tight_layout()
    return fig


def _heatmap(
    plt: Any, cells: Sequence[Mapping[str, Any]], pairs: Sequence[str], dtypes: Sequence[str]
) -> Any:
    """Max budget ratio per activation x pair, one panel per dtype."""
    acts = list(dict.fromkeys(c["value"] for c in cells))
    fig, axes = plt.subplots(
        1, len(dtypes), figsize=(5.6 * len(dtypes) + 1.2, 0.42 * len(acts) + 2.8),
        squeeze=False, sharey=True, layout="constrained",
    )
    vmin, vmax = -4.0, 0.0
    for ax, dt in zip(axes[0], dtypes, strict=True):
        grid = np.full((len(acts), len(pairs)), np.nan)
        for c in cells:
            if c["dtype"] != dt or c["pair"] not in pairs or c["examples"] == 0:
                continue
            v = c["max_ratio"]
            v = math.inf if isinstance(v, str) else v
            grid[acts.index(c["value"]), pairs.index(c["pair"])] = (
                math.log10(v) if v > 0 else -np.inf
            )
        shown = np.clip(np.where(np.isneginf(grid), vmin, grid), vmin, 1.0)
        cmap = plt.get_cmap("viridis").with_extremes(over="#d62728")  # over the budget
        im = ax.imshow(shown, cmap=cmap, vmin=vmin, vmax=vmax, aspect="auto")
        for i in range(len(acts)):
            for j in range(len(pairs)):
                g = grid[i, j]
                if np.isnan(g):
                    continue
                text = "0" if np.isneginf(g) else fmt(10.0**g)
                dark = np.isneginf(g) or g < -2.0 or g > 0.0
                ax.text(j, i, text, ha="center", va="center", fontsize=8,
                        color="white" if dark else "black",
                        fontweight="bold" if g > 0 else "normal")
        ax.set_xticks(range(len(pairs)))
        ax.set_xticklabels(
            [_short(p) for p in pairs], fontsize=8, rotation=35, ha="right",
            rotation_mode="anchor",
        )
        ax.set_yticks(range(len(acts)))
        ax.set_yticklabels(acts, fontsize=9)
        ax.tick_params(axis="y", labelleft=ax is axes[0][0])
        ax.set_title(f"{dt}: max budget ratio", fontsize=11)
    cbar = fig.colorbar(im, ax=list(axes[0]), shrink=0.85, extend="max")
    cbar.set_label("log10 max budget ratio (0 = the budget; red: over it)")
    return fig
