"""The report's "Training trajectories" section, summarised from ``trajectory.json``."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

__all__ = ["trajectory_summary"]


def trajectory_summary(path: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The report's "Training trajectories" section from ``trajectory.json`` (written by
    ``crosscheck trajectory``), or None if the file is missing or unreadable."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
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
        return {"file": path.name, "steps": data["steps"], "nets": nets}
    except (OSError, ValueError, KeyError, TypeError):
        return None
