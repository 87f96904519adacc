"""Who hears of every judgement made through crosscheck's API.

:func:`crosscheck.verdict.check_with` (what ``crosscheck verify``,
``assert_gradients_match`` and ``check_gradients`` all end in) calls :func:`notify` with
each result; the pytest plugin :func:`listen` s during a session, so that a user's own
tests appear in ``pytest --crosscheck-report``. With no listener, notifying costs a
list lookup.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["listen", "notify"]

Listener = Callable[[Any, Any, Any], None]
"""``listener(fn, problem, result)``: the candidate function, the
:class:`~crosscheck.problem.Problem` and the :class:`~crosscheck.verdict.CheckResult`."""

_listeners: list[Listener] = []


def listen(listener: Listener) -> Callable[[], None]:
    """Call ``listener(fn, problem, result)`` after every judgement; returns a function
    that stops it."""
    _listeners.append(listener)

    def stop() -> None:
        if listener in _listeners:
            _listeners.remove(listener)

    return stop


def notify(fn: Any, problem: Any, result: Any) -> None:
    """Tell every listener about one judgement (a listener's own error is not the
    candidate's: it propagates to the caller)."""
    for listener in tuple(_listeners):
        listener(fn, problem, result)
