"""Calling the function under test, guarded.

Every call goes through :func:`run`: the arguments are fresh copies in the function's
convention (:mod:`crosscheck.conventions`; one call per example if it takes one at a
time), and every way the function can misbehave becomes a message instead of a crash:

* an exception: ``raised ValueError: ...`` with the function's *own* traceback
  (crosscheck's frames left out);
* ``sys.exit(n)`` or ``os._exit(n)`` inside it: a finding about the function, not
  crosscheck's exit (``os._exit`` would end the process at once, with the function's
  status: an ``os._exit(0)`` would pass for a verdict);
* ``raise crosscheck.Unsupported(reason)``: the problem is out of its declared scope;
* no return within the per-call timeout (SIGALRM, in the main thread);
* an argument changed in place (an update step on the caller's weights), named;
* an answer that is not a gradient in its convention (structure, shape, dtype, NaN).

The global random generators (``random``, ``numpy.random``) the function sees are its own
(:class:`GlobalRandom`): kept from call to call, never reseeded under its feet by
Hypothesis before each example, and every call that draws from them is recorded. A
Ctrl-C (``KeyboardInterrupt``) is the user's and propagates. ``sys.stdout`` and
``sys.stderr`` are crosscheck's: a function that replaces or closes them gets them back
after its call, so that the verdict is still printed.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from crosscheck.choices import DEFAULT_TIMEOUT
from crosscheck.compare import layout_error
from crosscheck.conventions import CANONICAL, Convention
from crosscheck.errors import Unsupported
from crosscheck.problem import Problem

__all__ = ["DEFAULT_TIMEOUT", "GlobalRandom", "Guard", "Run", "run"]


MAX_FRAMES = 12
"""Frames of the function's own traceback kept (the innermost ones)."""

_OURS = {str(Path(__file__).resolve()), str(Path(__file__).with_name("conventions.py").resolve())}


class GlobalRandom:
    """The function's own states of ``random`` and ``numpy.random``'s global generator.

    Installed around each call and kept from call to call (seeded once), so the function
    draws as it would in a training loop: Hypothesis reseeds both generators before every
    example, under which a bug that fires on 30% of draws fired on none. Which calls drew
    is recorded (:meth:`installed`)."""

    def __init__(self, seed: int = 0) -> None:
        self.python = random.Random(seed).getstate()
        self.numpy = np.random.RandomState(seed & 0xFFFFFFFF).get_state()
        self._depth = 0
        self._session: list[str] = []

    @contextlib.contextmanager
    def installed(self) -> Iterator[list[str]]:
        """Inside, the global generators are the function's; the yielded list gets the
        names of those it drew from (inside this block, nested ones included).

        Nested inside another ``installed()`` of the same generators (several calls in a
        row: :meth:`Guard.session`), the generators are already the function's: only
        whether this call drew is recorded (two state reads instead of four reads and
        four writes)."""
        used: list[str] = []
        if self._depth:
            self._depth += 1
            try:
                yield used
            finally:
                self._depth -= 1
                self._record(used)
                self._session.extend(u for u in used if u not in self._session)
            return
        outer_python, outer_numpy = random.getstate(), np.random.get_state()  # noqa: NPY002
        random.setstate(self.python)
        np.random.set_state(self.numpy)  # noqa: NPY002
        self._depth, self._session = 1, used
        try:
            yield used
        finally:
            self._depth = 0
            self._record(used)
            random.setstate(outer_python)
            np.random.set_state(outer_numpy)  # noqa: NPY002

    def _record(self, used: list[str]) -> None:
        """Append to ``used`` the generators drawn from since the states were last kept,
        and keep the current ones (the function's)."""
        now_python, now_numpy = random.getstate(), np.random.get_state()  # noqa: NPY002
        if now_python != self.python and "random" not in used:
            used.append("random")
        if not _same_numpy_state(now_numpy, self.numpy) and "numpy.random" not in used:
            used.append("numpy.random")
        self.python, self.numpy = now_python, now_numpy


def _same_numpy_state(a: tuple, b: tuple) -> bool:
    return a[2:] == b[2:] and np.array_equal(a[1], b[1])


_DEFAULT_RANDOM = GlobalRandom()


class Guard(NamedTuple):
    """How to call the function: its ``convention``, the per-call ``timeout`` in seconds
    (None: none), whether :mod:`crosscheck.verdict` runs the ``state_checks`` (a call on
    another problem of the same shapes first, the same inputs twice), and the function's
    global random generators (None: one shared by every guard without its own)."""

    convention: Convention = CANONICAL
    timeout: float | None = None
    state_checks: bool = False
    randomness: GlobalRandom | None = None

    def session(self) -> contextlib.AbstractContextManager[list[str]]:
        """Several :func:`run` s in a row (a problem's state checks) with the function's
        global random generators installed once around them all; each run still records
        whether it drew from them. The yielded list names those drawn from inside."""
        return (self.randomness or _DEFAULT_RANDOM).installed()


class Run(NamedTuple):
    """The function run on one problem (all its calls, one per example if it takes one
    at a time).

    ``kind``: ``"returned"`` (``grads`` are canonical gradients of the summed cost),
    ``"raised"``, ``"exited"`` (``sys.exit`` or ``os._exit``), ``"unsupported"``, ``"timeout"``,
    ``"mutated"`` (an argument changed in place) or ``"layout"`` (not a gradient in its
    convention); ``error`` says what in one line (the reason, for unsupported);
    ``traceback`` is the function's own; ``random_used`` names the global generators it
    drew from."""

    grads: list[np.ndarray] | None
    kind: str
    error: str | None = None
    traceback: str = ""
    random_used: tuple[str, ...] = ()
    seconds: float = 0.0


class _Timeout(BaseException):
    """Raised in the function by the alarm (not an Exception: its ``except Exception``
    cannot swallow it)."""


def _alarm(signum: int, frame: Any) -> None:
    raise _Timeout


class _HardExit(BaseException):
    """Raised in the function by :func:`os._exit` while it runs (not an Exception)."""

    def __init__(self, code: Any) -> None:
        super().__init__(code)
        self.code = code


@contextlib.contextmanager
def _no_hard_exit() -> Iterator[None]:
    """``os._exit`` raises :class:`_HardExit` in this process while the function runs; a
    process forked inside the call (multiprocessing) still exits for real."""
    real, pid = os._exit, os.getpid()

    def hard_exit(code: int, /) -> None:
        if os.getpid() != pid:
            real(code)
        raise _HardExit(code)

    os._exit = hard_exit  # type: ignore[assignment]
    try:
        yield
    finally:
        os._exit = real


@contextlib.contextmanager
def _own_streams() -> Iterator[None]:
    """``sys.stdout`` / ``sys.stderr`` as they were before the call: put back if the
    function replaced them, reopened on their file descriptor if it closed them."""
    saved = []
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        try:
            fd: int | None = stream.fileno()
        except (AttributeError, OSError, ValueError):
            fd = None  # a stream without a descriptor (pytest's capture, StringIO)
        saved.append((name, stream, fd))
    try:
        yield
    finally:
        for name, stream, fd in saved:
            if getattr(stream, "closed", False) and fd is not None:
                with contextlib.suppress(OSError):  # the descriptor itself closed: keep it
                    stream = open(  # line-buffered, like an interactive sys.stdout
                        fd, "w", buffering=1, closefd=False,
                        encoding=getattr(stream, "encoding", None),
                        errors=getattr(stream, "errors", None),
                    )
            setattr(sys, name, stream)


def _can_time_out() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


def own_traceback(exc: BaseException) -> str:
    """The traceback of ``exc`` without crosscheck's calling frames, innermost
    :data:`MAX_FRAMES` frames."""
    frames = [
        f for f in traceback.extract_tb(exc.__traceback__)
        if str(Path(f.filename).resolve()) not in _OURS
    ]
    lines = traceback.format_list(frames[-MAX_FRAMES:])
    lines += traceback.format_exception_only(type(exc), exc)
    return "Traceback (most recent call last):\n" + "".join(lines).rstrip("\n")


def _snapshot(args: Sequence[Any], names: Sequence[str]) -> list[tuple]:
    out = []
    for a, name in zip(args, names, strict=False):
        if isinstance(a, list):
            copies = [x.copy() if isinstance(x, np.ndarray) else x for x in a]
            out.append((name, a, list(a), copies))
        elif isinstance(a, np.ndarray):
            out.append((name, a, None, a.copy()))
    return out


def _changed(now: np.ndarray, was: np.ndarray) -> str | None:
    if now.shape != was.shape or now.dtype != was.dtype:
        return f"shape {was.shape} {was.dtype} became {now.shape} {now.dtype}"
    differ = ~((now == was) | (np.isnan(now) & np.isnan(was)))
    if not differ.any():
        return None
    idx = tuple(int(i) for i in np.argwhere(differ)[0])
    return (
        f"at index {idx}: was {was[idx].item()!r}, now {now[idx].item()!r}; "
        f"{int(differ.sum())} of {now.size} values changed"
    )


def _mutation(snapshot: list[tuple]) -> str | None:
    """What the call changed in its arguments, or None."""
    for name, obj, items, copies in snapshot:
        if items is None:
            what = _changed(obj, copies)
            if what:
                return f"changed its argument {name} in place ({what})"
            continue
        if len(obj) != len(items):
            return f"changed the length of its argument list {name} from {len(items)} to {len(obj)}"
        for i, (now, was, copy) in enumerate(zip(obj, items, copies, strict=True)):
            if now is not was:
                return (
                    f"replaced {name}[{i}] in the caller's list {name} (e.g. {name}[l] = "
                    f"{name}[l] - lr * grad: the caller's parameters change)"
                )
            what = _changed(now, copy) if isinstance(copy, np.ndarray) else (
                None if now == copy else f"was {copy!r}, now {now!r}"
            )
            if what:
                hint = "; an update step such as w -= lr * grad?" if name in (
                    "weights", "biases") else ""
                return f"changed its argument {name}[{i}] in place ({what}{hint})"
    return None


class _Call(NamedTuple):
    kind: str
    value: Any
    error: str | None
    traceback: str
    random_used: tuple[str, ...]


_MISSING = object()


def _call(fn: Callable[..., Any], args: list[Any], names: list[str], guard: Guard) -> _Call:
    snapshot = _snapshot(args, names)
    timed = bool(guard.timeout) and _can_time_out()
    value: Any = _MISSING
    kind, error, tb = "returned", None, ""
    with (guard.randomness or _DEFAULT_RANDOM).installed() as used, _own_streams():
        previous = signal.getsignal(signal.SIGALRM) if timed else None
        try:
            if timed:
                signal.signal(signal.SIGALRM, _alarm)
                signal.setitimer(signal.ITIMER_REAL, float(guard.timeout))  # type: ignore[arg-type]
            try:
                with _no_hard_exit():
                    value = guard.convention.call(fn, args)
            finally:
                if timed:
                    signal.setitimer(signal.ITIMER_REAL, 0)
        except _Timeout:
            if value is _MISSING:
                kind, error = "timeout", f"did not return within {guard.timeout:g} s"
        except Unsupported as exc:
            kind, error = "unsupported", str(exc) or "no reason given"
        except SystemExit as exc:
            kind, error, tb = "exited", f"called sys.exit({exc.code!r})", own_traceback(exc)
        except _HardExit as exc:
            kind, error, tb = "exited", f"called os._exit({exc.code!r})", own_traceback(exc)
        except Exception as exc:  # the function's own failure is a finding, not a crash
            kind, error, tb = "raised", f"raised {type(exc).__name__}: {exc}", own_traceback(exc)
        finally:
            if timed:
                signal.signal(signal.SIGALRM, previous if previous is not None else signal.SIG_DFL)
    if kind == "returned":
        mutated = _mutation(snapshot)
        if mutated:
            kind, error = "mutated", mutated
    return _Call(kind, value, error, tb, tuple(used))


def run(fn: Callable[..., Any], problem: Problem, guard: Guard | None = None) -> Run:
    """Run ``fn`` on ``problem`` in ``guard.convention`` (default: canonical, no timeout):
    canonical gradients of the summed cost, or what went wrong (see :class:`Run`)."""
    guard = guard or Guard()
    conv = guard.convention
    parts = [problem] if not conv.per_example else [problem.example(p) for p in range(problem.P)]
    total: list[np.ndarray] | None = None
    used: set[str] = set()
    t0 = time.perf_counter()
    for part in parts:
        args, names = conv.arguments(part)
        c = _call(fn, args, names, guard)
        used.update(c.random_used)
        if c.kind != "returned":
            return Run(None, c.kind, c.error, c.traceback, tuple(sorted(used)), _since(t0))
        grads, err = conv.canonical(c.value, part)
        if err is not None:
            return Run(None, "layout", err, "", tuple(sorted(used)), _since(t0))
        total = grads if total is None else [a + b for a, b in zip(total, grads, strict=True)]
    if total is None:  # no examples, one at a time: the empty sum
        total = [np.zeros_like(w) for w in problem.weights]
    err = layout_error(total, problem)
    if err is not None:
        return Run(None, "layout", err, "", tuple(sorted(used)), _since(t0))
    return Run(total, "returned", None, "", tuple(sorted(used)), _since(t0))


def _since(t0: float) -> float:
    return time.perf_counter() - t0
