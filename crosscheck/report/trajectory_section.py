"""The report's "Training trajectories" section, summarised from ``trajectory.json``, and
the figure beside it (``trajectory.png``) that the HTML page embeds."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from crosscheck.errors import UsageError

__all__ = ["trajectory_figure", "trajectory_summary"]

_PNG = b"\x89PNG\r\n\x1a\n"


def trajectory_summary(
    path: str | os.PathLike[str], *, required: bool = False
) -> dict[str, Any] | None:
    """The report's "Training trajectories" section from ``trajectory.json`` (written by
    ``crosscheck trajectory``). None if the file does not exist and is not ``required``;
    :class:`UsageError` naming the file if it is required and missing, unreadable, not
    JSON or not a trajectory report."""
    path = Path(path)
    if not path.exists() and not required:
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"--trajectory {path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"--trajectory {path}: cannot read it ({exc})") from None
    except ValueError as exc:
        raise UsageError(f"--trajectory {path}: not JSON, truncated or corrupt ({exc}); "
                         "rerun crosscheck trajectory") from None
    try:
        nets = []
        for net in data["nets"]:
            nets.append(
                {
                    "name": net["name"],
                    "sizes": list(net["sizes"]),
                    "solved": sorted(
                        f"{r['framework']}/{r['dtype']}"
                        for r in net["runs"]
                        if r.get("solved_final")
                    ),
                    "runs": len(net["runs"]),
                    "divergence": [
                        {
                            "label": f"{d['candidate']} vs {d['reference']}",
                            "max_rel": d["max_rel"],
                            "threshold": d["threshold"],
                            "first_exceeds": d["first_exceeds"],
                        }
                        for d in net["divergence"]
                    ],
                }
            )
        return {"file": path.name, "steps": int(data["steps"]), "nets": nets}
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise UsageError(
            f"--trajectory {path}: not a crosscheck trajectory report (missing or bad "
            f"{exc}); rerun crosscheck trajectory"
        ) from None


def trajectory_figure(path: str | os.PathLike[str]) -> bytes | None:
    """``trajectory.png`` beside ``trajectory.json`` ``path`` (PNG bytes), or None when it
    is missing or not a PNG (the page then says so)."""
    png = Path(path).with_suffix(".png")
    try:
        data = png.read_bytes()
    except OSError:
        return None
    return data if data.startswith(_PNG) else None
