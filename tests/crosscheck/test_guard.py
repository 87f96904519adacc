"""The guarded call (crosscheck.guard): every way a function under test misbehaves is a
message, never a crash of crosscheck: an exception with the function's own traceback,
``sys.exit``, ``Unsupported``, a timeout, an argument changed in place (named); the
global random generators are the function's own, kept from call to call; Ctrl-C
propagates."""

from __future__ import annotations

import random
import sys

import numpy as np
import pytest

import crosscheck
import handprop
from crosscheck.conventions import convention
from crosscheck.guard import GlobalRandom, Guard, run
from crosscheck.problem import make_problem


def _problem(dtype=np.float64):
    rng = np.random.default_rng(0)
    return make_problem(
        [rng.uniform(-1, 1, (3, 4)).astype(dtype), rng.uniform(-1, 1, (5, 2)).astype(dtype)],
        rng.uniform(-1, 1, (4, 2)).astype(dtype),
        rng.uniform(0, 1, (4, 2)).astype(dtype),
        ["tanh", "sigmoid"],
        "squared_error",
    )


def _helper_that_raises(X):
    raise ValueError(f"cannot handle {X.shape}")


def test_a_correct_function_returns_canonical_gradients():
    r = run(handprop.gradients, _problem())
    assert r.kind == "returned" and r.error is None and len(r.grads) == 2


def test_an_exception_keeps_the_functions_own_traceback():
    def raises(weights, X, Y, activations, cost):
        return _helper_that_raises(X)

    r = run(raises, _problem())
    assert r.kind == "raised" and r.error == "raised ValueError: cannot handle (4, 2)"
    assert "in raises" in r.traceback and "in _helper_that_raises" in r.traceback
    assert "crosscheck/guard.py" not in r.traceback
    assert "crosscheck/conventions.py" not in r.traceback
    assert r.traceback.endswith("ValueError: cannot handle (4, 2)")


def test_sys_exit_inside_the_function_is_a_finding_not_an_exit():
    def exits(weights, X, Y, activations, cost):
        sys.exit(3)

    r = run(exits, _problem())
    assert r.kind == "exited" and r.error == "called sys.exit(3)" and "in exits" in r.traceback


def test_unsupported_carries_its_reason():
    def declines(weights, X, Y, activations, cost):
        raise crosscheck.Unsupported("only sigmoid hidden layers")

    r = run(declines, _problem())
    assert r.kind == "unsupported" and r.error == "only sigmoid hidden layers"


def test_a_call_that_does_not_return_times_out():
    def hangs(weights, X, Y, activations, cost):
        while True:
            try:
                pass
            except Exception:  # the timeout is not an Exception: it is not swallowed
                pass

    r = run(hangs, _problem(), Guard(timeout=0.2))
    assert r.kind == "timeout" and "did not return within 0.2 s" in r.error
    assert run(handprop.gradients, _problem(), Guard(timeout=5)).kind == "returned"


def test_keyboard_interrupt_propagates():
    def interrupted(weights, X, Y, activations, cost):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run(interrupted, _problem(), Guard(timeout=5))


def test_an_argument_changed_in_place_is_named():
    def sgd(weights, X, Y, activations, cost):
        g = handprop.gradients(weights, X, Y, activations, cost)
        weights[1] -= 0.1 * g[1]
        return g

    r = run(sgd, _problem())
    assert r.kind == "mutated" and r.error.startswith("changed its argument weights[1] in place")
    assert "w -= lr * grad" in r.error

    def replaces(weights, X, Y, activations, cost):
        g = handprop.gradients(weights, X, Y, activations, cost)
        weights[0] = weights[0] - g[0]
        return g

    assert "replaced weights[0] in the caller's list" in run(replaces, _problem()).error

    def scales_x(weights, X, Y, activations, cost):
        X *= 2
        return handprop.gradients(weights, X / 2, Y, activations, cost)

    assert run(scales_x, _problem()).error.startswith("changed its argument X in place")

    def pops(weights, X, Y, activations, cost):
        g = handprop.gradients(weights, X, Y, activations, cost)
        activations.pop()
        return g

    assert "length of its argument list activations" in run(pops, _problem()).error


def test_a_separate_layouts_biases_are_named():
    conv = convention(layout="separate-in-out")

    def bias_step(weights, biases, X, Y, activations, cost):
        biases[0] += 1.0
        return [np.zeros_like(w) for w in weights], [np.zeros_like(b) for b in biases]

    r = run(bias_step, _problem(), Guard(conv))
    assert r.kind == "mutated" and "biases[0]" in r.error


def test_the_global_random_generators_are_the_functions_own():
    draws = []

    def draws_numbers(weights, X, Y, activations, cost):
        draws.append((random.random(), np.random.random()))  # noqa: NPY002
        return handprop.gradients(weights, X, Y, activations, cost)

    guard = Guard(randomness=GlobalRandom(5))
    outer_py, outer_np = random.getstate(), np.random.get_state()  # noqa: NPY002
    for _ in range(2):
        random.seed(0)  # as Hypothesis does before every example
        np.random.seed(0)  # noqa: NPY002
        r = run(draws_numbers, _problem(), guard)
        assert r.random_used == ("numpy.random", "random")
    assert draws[0] != draws[1]  # the function's state went on; the reseeding did not reach it
    again = []
    guard2 = Guard(randomness=GlobalRandom(5))
    for _ in range(2):
        run(lambda *a: again.append((random.random(), np.random.random())) or  # noqa: NPY002
            handprop.gradients(*a), _problem(), guard2)
    assert again == draws  # the same seed, the same numbers
    random.seed(0)  # the caller's state is restored after each call
    np.random.seed(0)  # noqa: NPY002
    before = (random.getstate(), np.random.get_state()[2])  # noqa: NPY002
    run(draws_numbers, _problem(), guard)
    assert (random.getstate(), np.random.get_state()[2]) == before  # noqa: NPY002
    random.setstate(outer_py)
    np.random.set_state(outer_np)  # noqa: NPY002
    assert run(handprop.gradients, _problem(), guard).random_used == ()


def test_a_session_installs_the_generators_once_and_still_records_each_run():
    """Guard.session (a problem's state checks: several runs in a row): the same numbers
    as separate runs, each run's own record of what it drew, the caller's state back
    afterwards."""

    def draws_numpy(weights, X, Y, activations, cost):
        draws.append(np.random.random())  # noqa: NPY002
        return handprop.gradients(weights, X, Y, activations, cost)

    draws: list[float] = []
    apart = Guard(randomness=GlobalRandom(7))
    separate = [run(f, _problem(), apart).random_used
                for f in (draws_numpy, handprop.gradients, draws_numpy)]
    expected, draws = draws, []
    outer = np.random.get_state()  # noqa: NPY002
    guard = Guard(randomness=GlobalRandom(7))
    with guard.session() as used:
        together = [run(f, _problem(), guard).random_used
                    for f in (draws_numpy, handprop.gradients, draws_numpy)]
    assert together == separate == [("numpy.random",), (), ("numpy.random",)]
    assert draws == expected and used == ["numpy.random"]
    assert np.array_equal(np.random.get_state()[1], outer[1])  # noqa: NPY002
    with guard.session() as used:  # the function's state went on from the last session
        run(draws_numpy, _problem(), guard)
    assert draws[-1] != draws[0]


def test_one_example_at_a_time_is_summed_and_each_call_checked():
    calls = []
    conv = convention(per_example=True)

    def one(weights, X, Y, activations, cost):
        calls.append(X.shape)
        return handprop.gradients(weights, X, Y, activations, cost)

    p = _problem()
    r = run(one, p, Guard(conv))
    assert calls == [(1, 2)] * 4 and r.kind == "returned"
    whole = handprop.gradients(*p.args())
    assert all(np.allclose(a, b, rtol=1e-13, atol=1e-16) for a, b in zip(r.grads, whole,
                                                                        strict=True))


_HARD_EXITS = """
import json, multiprocessing, os, sys
import numpy as np
import handprop
from crosscheck.guard import run
from crosscheck.problem import make_problem

rng = np.random.default_rng(0)
problem = make_problem([rng.uniform(-1, 1, (3, 4)), rng.uniform(-1, 1, (5, 2))],
                       rng.uniform(-1, 1, (4, 2)), rng.uniform(0, 1, (4, 2)),
                       ["tanh", "sigmoid"], "squared_error")


def exits_hard(weights, X, Y, activations, cost):
    os._exit(0)


def forks(weights, X, Y, activations, cost):
    p = multiprocessing.get_context("fork").Process(target=int)
    p.start()
    p.join(60)
    if p.exitcode != 0:
        raise RuntimeError(f"the forked child ended with {p.exitcode}")
    return handprop.gradients(weights, X, Y, activations, cost)


real = os._exit
hard = run(exits_hard, problem)
forked = run(forks, problem)
print(json.dumps([hard.kind, hard.error, "in exits_hard" in hard.traceback, os._exit is real,
                  forked.kind, forked.error]))
"""


def test_os_exit_inside_the_function_is_a_finding_and_forked_children_still_exit():
    """``os._exit(0)`` would end the run at once with status 0, a verdict of pass; and
    multiprocessing's forked children end with os._exit, which must still end them (not
    raise into a copy of crosscheck's stack). In a fresh process: were the guard to let
    the exit through, that process (not the test run) would end, printing nothing; and
    fork is safe there (no JAX threads)."""
    import json
    import os
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root)}
    r = subprocess.run([sys.executable, "-c", _HARD_EXITS], capture_output=True, text=True,
                       timeout=300, env=env, cwd=root)
    assert r.returncode == 0 and r.stdout.strip(), (r.returncode, r.stdout, r.stderr)
    lines = r.stdout.strip().splitlines()
    assert len(lines) == 1, lines  # a child that did not exit ran on and printed too
    got = json.loads(lines[0])
    assert got == ["exited", "called os._exit(0)", True, True, "returned", None], got


def test_the_standard_streams_survive_a_function_that_replaces_or_closes_them(capfd):
    """crosscheck prints its verdict after the calls: a function that swaps sys.stdout
    for its own log, or closes sys.stderr, gets them back (reopened on their descriptor)."""
    import io
    import os

    fds = os.dup(1), os.dup(2)  # real descriptors, kept open by close(), like sys.stdout's
    out, err = (open(fd, "w", closefd=False) for fd in fds)
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = out, err
    try:
        def rude(weights, X, Y, activations, cost):
            sys.stdout = io.StringIO()
            sys.stderr.close()
            return handprop.gradients(weights, X, Y, activations, cost)

        r = run(rude, _problem())
        assert r.kind == "returned"
        assert sys.stdout is out and not sys.stderr.closed
        print("still printed", file=sys.stderr, flush=True)
    finally:
        restored_err = sys.stderr
        sys.stdout, sys.stderr = saved
        out.close()
        restored_err.close()
        for fd in fds:
            os.close(fd)
    assert "still printed" in capfd.readouterr().err
