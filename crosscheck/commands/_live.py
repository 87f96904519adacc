"""A live status line on stderr for long commands: redrawn every second from a background
thread from the moment the command starts, only on a terminal and never in CI."""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO

from crosscheck.environment import is_ci

__all__ = ["LiveLine"]


class LiveLine:
    """``with LiveLine("crosscheck verify") as line: line.update("12/200 problems")``.

    On a terminal (and not in CI) it shows ``label: text (N s)`` on one line of
    ``stream``, redrawn every ``interval`` seconds and whenever :meth:`update` is called,
    and erases it on exit; elsewhere it does nothing."""

    def __init__(
        self,
        label: str,
        stream: TextIO | None = None,
        interval: float = 1.0,
        enabled: bool | None = None,
    ) -> None:
        self.label, self.stream, self.interval = label, stream or sys.stderr, interval
        if enabled is None:
            enabled = bool(getattr(self.stream, "isatty", lambda: False)()) and not is_ci()
        self.enabled = enabled
        self.text = "starting"
        self.start = time.perf_counter()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> LiveLine:
        if self.enabled:
            self._draw()
            self._thread = threading.Thread(target=self._tick, name="live-line", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if self.enabled:
            with self._lock:
                self.stream.write("\r\x1b[K")
                self.stream.flush()

    def update(self, text: str) -> None:
        """Show ``text`` now."""
        self.text = text
        if self.enabled:
            self._draw()

    def _tick(self) -> None:
        while not self._stop.wait(self.interval):
            self._draw()

    def _draw(self) -> None:
        elapsed = time.perf_counter() - self.start
        with self._lock:
            self.stream.write(f"\r\x1b[K{self.label}: {self.text} ({elapsed:.0f} s)")
            self.stream.flush()
