"""Progress over the examples on stderr: a rich bar on a terminal, plain lines in CI or logs."""

from __future__ import annotations

import sys
import time

from crosscheck.environment import is_ci

__all__ = ["Progress"]


class Progress:
    """A rich progress bar on a terminal (stderr) outside CI; plain lines otherwise."""

    def __init__(self, total: int, label: str) -> None:
        self.total, self.label, self.done = total, label, 0
        self.start = time.perf_counter()
        self.next_line = 0.0
        self.rich = None
        if sys.stderr.isatty() and not is_ci():
            try:
                from rich.progress import (
                    BarColumn,
                    MofNCompleteColumn,
                    TextColumn,
                    TimeElapsedColumn,
                    TimeRemainingColumn,
                )
                from rich.progress import Progress as RichProgress
            except ImportError:  # pragma: no cover - rich is a declared dependency
                pass
            else:
                self.rich = RichProgress(
                    TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), TimeRemainingColumn(), transient=False,
                )
                self.task = self.rich.add_task(label, total=total)

    def __enter__(self) -> Progress:
        if self.rich is not None:
            self.rich.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.rich is not None:
            self.rich.stop()

    def advance(self) -> None:
        self.done += 1
        if self.rich is not None:
            self.rich.advance(self.task)
            return
        elapsed = time.perf_counter() - self.start
        if self.done == self.total or elapsed >= self.next_line:
            self.next_line = elapsed + 10.0
            # the first examples pay for imports and compilation: no estimate from them
            left = (
                f", ~{elapsed / self.done * (self.total - self.done):.0f} s left"
                if self.done >= min(20, self.total) and self.done < self.total
                else ""
            )
            print(
                f"{self.label}: {self.done}/{self.total} examples "
                f"({100 * self.done // self.total}%), {elapsed:.0f} s elapsed{left}",
                file=sys.stderr,
                flush=True,
            )
