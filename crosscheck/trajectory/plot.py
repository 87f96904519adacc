"""``trajectory.png``: per net, the cost curves overlaid and the divergence from handprop.

matplotlib is imported inside :func:`render_plot` only.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from crosscheck import spec
from crosscheck.atomic import write_with
from crosscheck.budget import unit_roundoff

__all__ = ["render_plot"]

_COLORS = {"handprop": "black", "torch": "tab:orange", "jax": "tab:blue"}
_STYLES = {"float64": "-", "float32": "--"}


def render_plot(report: dict[str, Any], path: str | os.PathLike[str]) -> None:
    """``trajectory.png``: per net, the cost curves overlaid and the divergence (log-log)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    nets = report["nets"]
    fig, axes = plt.subplots(len(nets), 2, figsize=(13, 5.4 * len(nets)), squeeze=False)
    for row, net in zip(axes, nets, strict=True):
        steps = np.asarray(net["series"]["steps"])
        keep = steps >= 1
        ax = row[0]
        sign = spec.COSTS[net["cost"]].sign
        widths = {"handprop": 5.0, "torch": 2.5, "jax": 1.2}
        for label, ys in net["series"]["cost"].items():
            fw, dt = label.split("/")
            y = -sign * np.asarray(ys, dtype=float)
            ax.plot(
                steps[keep], y[keep], _STYLES[dt], color=_COLORS[fw], lw=widths[fw],
                alpha=0.35 if fw == "handprop" else 0.9, label=f"{fw} {dt}",
            )
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("step")
        ax.set_ylabel("-C = -log-likelihood (log scale)" if sign > 0 else "C")
        ax.set_title(f"{net['name']}: cost curves (all frameworks overlaid)")
        ax.grid(True, which="major", alpha=0.3)
        ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=3)

        ax = row[1]
        for d in net["divergence"]:
            label = d["label"]
            y = np.asarray(net["series"]["rel"][label], dtype=float)
            y = np.where(y > 0, y, np.nan)  # identical weights: no point on a log axis
            if label.startswith("handprop/"):
                style = dict(color="0.55", ls="-.", lw=1.5)
                name = "handprop float32 vs float64 (yardstick)"
            else:
                fw, dt = label.split("/")
                style = dict(color=_COLORS[fw], ls=_STYLES[dt], lw=1.6)
                name = f"{fw} {dt} vs handprop {dt}"
            ax.plot(steps[keep], y[keep], label=name, **style)
        for dt, t in report["thresholds"].items():
            ax.axhline(t, color="tab:red", ls=_STYLES[dt], lw=0.9, alpha=0.7)
            ax.annotate(
                f"{dt} threshold {t:g}", (0, t), xycoords=("axes fraction", "data"),
                xytext=(4, 3), textcoords="offset points", fontsize=7, color="tab:red",
            )
            u = unit_roundoff(np.dtype(dt))
            ax.axhline(u, color="0.5", ls=":", lw=0.9)
            ax.annotate(
                f"u {dt}", (1, u), xycoords=("axes fraction", "data"), xytext=(-4, -9),
                textcoords="offset points", fontsize=7, color="0.4", ha="right",
            )
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_ylim(1e-18, 1.0)
        ax.set_xlabel("step")
        ax.set_ylabel("max |Δw| / max |w|")
        ax.set_title(f"{net['name']}: relative parameter divergence from handprop")
        ax.grid(True, which="major", alpha=0.3)
        ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=2)
    fig.tight_layout()
    write_with(
        Path(path),
        lambda f: fig.savefig(f, format="png", dpi=110, metadata={"Software": None}),
    )
    plt.close(fig)
