"""``benchmarks.png``: handprop's time relative to torch and jax, and GFLOP/s.

matplotlib is imported inside :func:`render_plot` only.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from crosscheck.atomic import write_with
from crosscheck.bench.cases import TARGETS

__all__ = ["render_plot"]


def render_plot(report: dict[str, Any], path: str | os.PathLike[str]) -> None:
    """``benchmarks.png``: the two ratios per case and dtype (log scale), targets dashed,
    and handprop's GFLOP/s next to numpy's on the same products."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FormatStrFormatter, NullFormatter


    rows = report["cases"]
    labels = [f"{r['case'].replace('-', chr(10), 1)}\n{r['dtype']}" for r in rows]
    x = np.arange(len(rows))
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(max(10, 1.4 * len(rows) + 4), 5))
    width = 0.38
    for k, (name, color) in enumerate((("handprop/torch", "tab:orange"),
                                       ("handprop/jax", "tab:blue"))):
        ax.bar(x + (k - 0.5) * width, [r["ratios"][name] for r in rows], width, label=name,
               color=color)
    ax.axhline(TARGETS["handprop/jax tiny"], color="tab:blue", ls="--", lw=0.8,
               label="jax target, tiny")
    ax.axhline(TARGETS["handprop/jax small and up"], color="tab:blue", ls=":", lw=0.8,
               label="jax target, small and up")
    ax.axhline(TARGETS["handprop/torch tiny, small"], color="tab:orange", ls="--", lw=0.8,
               label="torch target, tiny/small")
    ax.axhline(TARGETS["handprop/torch medium, large"], color="tab:orange", ls=":", lw=0.8,
               label="torch target, medium/large")
    ax.set_yscale("log")
    ratios = [r["ratios"][k] for r in rows for k in ("handprop/torch", "handprop/jax")]
    ticks = [t for t in (0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 0.9, 1, 2, 5, 10, 20, 50)
             if min(ratios) / 2 <= t <= max(ratios) * 2]
    ax.set_yticks(ticks)
    ax.yaxis.set_major_formatter(FormatStrFormatter("%g"))
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set_xticks(x, labels, fontsize=7)
    ax.set_ylabel("time ratio (below 1: handprop faster)")
    ax.set_title("handprop's time relative to torch and jax")
    ax.legend(fontsize=7)
    for k, (name, color) in enumerate((("handprop", "black"), ("numpy matmul", "0.6"),
                                       ("jax", "tab:blue"), ("torch", "tab:orange"))):
        bx.bar(x + (k - 1.5) * 0.2, [r["gflops"][name] for r in rows], 0.2, label=name,
               color=color)
    bx.set_yscale("log")
    bx.set_xticks(x, labels, fontsize=7)
    bx.set_ylabel("GFLOP/s (matrix products only)")
    bx.set_title("throughput")
    bx.legend(fontsize=7)
    fig.tight_layout()
    write_with(Path(path), lambda f: fig.savefig(f, format="png", dpi=100,
                                                 metadata={"Software": None}))
    plt.close(fig)
