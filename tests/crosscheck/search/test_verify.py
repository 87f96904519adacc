"""crosscheck verify: right functions pass, wrong ones fail with a minimal, reproducible
counterexample, bad usage exits 2, and the default search is balanced.

* correct implementations (handprop, the loop-by-loop literal one, a float64-inside one,
  one summing examples in reverse order) pass for several seeds;
* realistic bugs are caught and shrunk to the smallest architecture the bug allows;
* a discrepancy is only declared when a second oracle agrees (a wrong oracle is
  "disputed", never blamed on the candidate);
* the CLI: exit 0/1/2, the reproduction command really reproduces, ``--report`` files;
* the schedule gives every cost, output activation, dtype, regime and hidden activation
  its share, and the measured coverage of a default run has every corner at >= 5 %.
"""

from __future__ import annotations

import importlib
import json
import shlex
import subprocess
import sys
import textwrap
import types
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import crosscheck
import handprop
from crosscheck import cli, mutants, testing
from crosscheck.judge import check_with, oracle_modules
from crosscheck.options import REGIMES
from crosscheck.problem import make_problem
from crosscheck.spec import ACTIVATION_ORDER, COST_ORDER
from handprop.activations import ELEMENTWISE

V = importlib.import_module("crosscheck.search")  # the module (crosscheck.verify is the function)

pytest.importorskip("torch")
pytest.importorskip("mpmath")

FAST = dict(max_examples=40)
"""A short search for the fast profile (about 1-2 s); the slow tests use the default."""

# ----------------------------------------------------------------------------- helpers


def _float64_inside(weights, X, Y, activations, cost):
    """Correct, and more accurate than needed for float32: upcast, compute, cast back."""
    g = handprop.gradients(
        [w.astype(np.float64) for w in weights],
        X.astype(np.float64),
        Y.astype(np.float64),
        activations,
        cost,
    )
    return [x.astype(X.dtype) for x in g]


def _reversed_examples(weights, X, Y, activations, cost):
    """Correct, with every sum over examples taken one example at a time, last first."""
    total = None
    for p in range(X.shape[0] - 1, -1, -1):
        g = handprop.gradients(weights, X[p : p + 1], Y[p : p + 1], activations, cost)
        total = g if total is None else [a + b for a, b in zip(total, g, strict=True)]
    return total


_C = np.sqrt(2.0 / np.pi)


def _sig(z):
    return 1.0 / (1.0 + np.exp(-z))


_VALUE = {
    "sigmoid": _sig,
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0),
    "leaky_relu": lambda z: np.where(z > 0, z, 0.01 * z),
    "identity": lambda z: z,
    "softplus": lambda z: np.logaddexp(0, z),
    "elu": lambda z: np.where(z > 0, z, np.expm1(np.minimum(z, 0))),
    "silu": lambda z: z * _sig(z),
    "gelu": lambda z: 0.5 * z * (1 + np.tanh(_C * (z + 0.044715 * z**3))),
}


def _gelu_prime(z):
    t = np.tanh(_C * (z + 0.044715 * z**3))
    return 0.5 * (1 + t) + 0.5 * z * (1 - t**2) * _C * (1 + 3 * 0.044715 * z**2)


_PRIME = {  # f'(z, a), written the naive textbook way
    "sigmoid": lambda z, a: a * (1 - a),
    "tanh": lambda z, a: 1 - a**2,
    "relu": lambda z, a: (z > 0) * np.ones_like(z),
    "leaky_relu": lambda z, a: np.where(z > 0, 1.0, 0.01) * np.ones_like(z),
    "identity": lambda z, a: np.ones_like(z),
    "softplus": lambda z, a: _sig(z),
    "elu": lambda z, a: np.where(z > 0, np.ones_like(z), a + 1),  # jax's e^z = a + 1
    "silu": lambda z, a: _sig(z) + a * (1 - _sig(z)),
    "gelu": lambda z, a: _gelu_prime(z),
}


def _naive_numpy(weights, X, Y, activations, cost):
    """Correct, written independently with naive textbook formulas (1 / (1 + e^-z),
    y - h, e^z = a + 1, ...), casting every intermediate back to the input dtype."""
    dt = X.dtype
    a, zs = [X], [X]
    for w, name in zip(weights, activations, strict=True):
        z = a[-1] @ w[1:] + w[0]
        if name == "softmax":
            e = np.exp(z - z.max(axis=1, keepdims=True))
            h = e / e.sum(axis=1, keepdims=True)
        else:
            h = _VALUE[name](z)
        zs.append(z)
        a.append(h.astype(dt))
    h, z = a[-1], zs[-1]
    s = Y.sum(axis=1, keepdims=True)
    d = {
        "log_likelihood": lambda: Y - h,
        "binary_cross_entropy": lambda: h - Y,
        "squared_error": lambda: (h - Y) * _PRIME.get(activations[-1], _PRIME["identity"])(z, h),
        "softmax_log_likelihood": lambda: Y - h * s,
        "softmax_cross_entropy": lambda: h * s - Y,
    }[cost]().astype(dt)
    grads = [None] * len(weights)
    for l in reversed(range(len(weights))):
        g = np.zeros_like(weights[l])
        g[0] = d.sum(axis=0)
        g[1:] = a[l].T @ d
        grads[l] = g
        if l:
            d = ((d @ weights[l][1:].T) * _PRIME[activations[l - 1]](zs[l], a[l])).astype(dt)
    return grads


def _jax_as_candidate(weights, X, Y, activations, cost):
    from crosscheck.oracles import jax_grad

    return jax_grad.gradients(make_problem(weights, X, Y, activations, cost))


def _run_cli(argv, capsys) -> tuple[int, str, str]:
    rc = cli.main(argv)
    out, err = capsys.readouterr()
    return rc, out, err


def _write(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(body))
    return path


# ----------------------------------------------------------------------------- correct code


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_handprop_passes(seed):
    result = crosscheck.verify(handprop.gradients, seed=seed, **FAST)
    assert result.passed, V.format_result(result)
    assert result.examples == FAST["max_examples"]
    assert 0 < result.worst_ratio < 1
    assert result.counterexample is None and result.examples_until_caught is None


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(5))
def test_handprop_passes_the_default_search_for_every_seed(seed):
    result = crosscheck.verify(handprop.gradients, seed=seed)
    assert result.passed, V.format_result(result)
    assert result.examples == V.DEFAULT_MAX_EXAMPLES
    assert result.worst_ratio < 1


CORRECT = [_float64_inside, _reversed_examples, _naive_numpy, mutants.textbook]


@pytest.mark.parametrize("fn", CORRECT, ids=lambda f: f.__name__)
def test_differently_written_correct_functions_pass(fn):
    result = crosscheck.verify(fn, seed=3, **FAST)
    assert result.passed, V.format_result(result)


@pytest.mark.slow
def test_jax_autodiff_as_the_candidate_passes():
    # jax compiles once per architecture (about 0.2 s): a shorter search
    result = crosscheck.verify(_jax_as_candidate, seed=5, max_examples=60)
    assert result.passed, V.format_result(result)


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 7])
@pytest.mark.parametrize("fn", CORRECT, ids=lambda f: f.__name__)
def test_differently_written_correct_functions_pass_the_default_search(fn, seed):
    result = crosscheck.verify(fn, seed=seed)
    assert result.passed, V.format_result(result)


def test_the_literal_transcription_passes_on_small_networks():
    # handprop.literal loops over p, n_l and n_{l+1} in Python: slow, so small sizes.
    result = crosscheck.verify(
        handprop.literal.gradients, max_depth=3, max_width=3, max_p=4, max_q=3, max_examples=30
    )
    assert result.passed, V.format_result(result)


# ----------------------------------------------------------------------------- wrong code

# (mutant, what the minimal counterexample must look like)
MINIMAL = {
    # needs a hidden layer; nothing else
    "missing_hidden_fprime": lambda p: p.depth == 2 and p.sizes == (1, 1, 1) and p.P == 1,
    # needs P >= 2; nothing else
    "bias_gradient_averaged": lambda p: p.sizes == (1, 1) and p.P == 2,
    # needs a square, non-1x1 matrix in the backward pass: w^1 of shape (3, 2)
    "transposed_backward_weights": lambda p: p.sizes == (1, 2, 2) and p.P == 1,
    # needs N_L >= 2
    "output_deltas_summed": lambda p: p.sizes == (1, 2) and p.P == 1,
    # needs a sigmoid at saturation: one unit is enough
    "sigmoid_derivative_clipped": lambda p: p.sizes == (1, 1) and p.dtype == np.float64,
}


@pytest.mark.parametrize("name", list(MINIMAL))
def test_mutants_are_caught_with_a_minimal_counterexample(name):
    result = crosscheck.verify(mutants.MUTANTS[name].function)
    assert not result.passed, f"{name} was not caught"
    cx = result.counterexample
    assert MINIMAL[name](cx.problem), f"{name}: not minimal: {cx.problem.describe()}"
    assert result.examples_until_caught == result.examples <= V.DEFAULT_MAX_EXAMPLES
    if cx.kind == "discrepancy":
        assert cx.failing_records(), "a discrepancy without a failing record"
        assert len(cx.outcome.oracles) == 2, "the discrepancy was not confirmed"
    # the counterexample really fails, on its own, with the same verdict
    assert V.check(mutants.MUTANTS[name].function, cx.problem).status == "failed"
    assert V.check(handprop.gradients, cx.problem).status == "passed"


def test_an_error_only_in_float32_is_caught_in_float32():
    result = crosscheck.verify(mutants.float64_result_for_float32, **FAST)
    cx = result.counterexample
    assert cx is not None and cx.kind == "error" and cx.problem.dtype == np.float32
    assert "expected dtype float32" in cx.outcome.error


def test_an_error_only_at_depth_3_is_shrunk_to_depth_3():
    result = crosscheck.verify(mutants.last_hidden_derivative_reused)
    cx = result.counterexample
    assert cx is not None and cx.problem.depth == 3, cx.problem.describe()


def test_exceptions_and_non_finite_outputs_are_failures():
    def raises(weights, X, Y, activations, cost):
        raise RuntimeError("not implemented for " + cost)

    def nan(weights, X, Y, activations, cost):
        g = handprop.gradients(weights, X, Y, activations, cost)
        g[-1][0, 0] = np.nan
        return g

    r1 = crosscheck.verify(raises, **FAST)
    assert (
        not r1.passed and "raised RuntimeError: not implemented" in r1.counterexample.outcome.error
    )
    assert r1.counterexample.problem.sizes == (1, 1) and r1.counterexample.problem.P == 1
    r2 = crosscheck.verify(nan, **FAST)
    assert not r2.passed and "non-finite" in r2.counterexample.outcome.error


def test_restrictions_are_honoured_by_the_search_and_the_reduction():
    def only_tanh_squared_error(weights, X, Y, activations, cost):
        if cost != "squared_error" or set(activations) - {"tanh"} or X.dtype != np.float64:
            raise ValueError(f"unsupported: {activations} {cost} {X.dtype}")
        return mutants.tanh_derivative_one_minus_a(weights, X, Y, activations, cost)

    result = crosscheck.verify(
        only_tanh_squared_error,
        activations="tanh",
        costs=["squared_error"],
        dtypes="float64",
        max_depth=3,
        max_width=4,
        **FAST,
    )
    cx = result.counterexample
    assert cx is not None and cx.kind == "discrepancy", V.format_result(result)
    assert set(cx.problem.activations) == {"tanh"} and cx.problem.cost == "squared_error"
    assert set(result.coverage["cost"]) == {"squared_error"}
    assert set(result.coverage["dtype"]) == {"float64"}


# ----------------------------------------------------------------------------- oracles


def _fake_oracle(name: str, scale: float):
    """A duck-typed oracle module answering handprop's gradients times ``scale``."""
    return types.SimpleNamespace(
        NAME=name,
        KIND="peer",
        available=lambda: (True, ""),
        gradients=lambda p: [g * scale for g in handprop.gradients(*p.args())],
    )


def _problem():
    rng = np.random.default_rng(1)
    return make_problem(
        [rng.uniform(-1, 1, (3, 2)), rng.uniform(-1, 1, (3, 1))],
        rng.uniform(-1, 1, (4, 2)),
        np.array([[0.0], [1.0], [1.0], [0.0]]),
        ["tanh", "sigmoid"],
        "log_likelihood",
    )


def test_a_discrepancy_needs_a_second_oracle_to_agree():
    p = _problem()
    wrong_judge = _fake_oracle("wrong", 1.0 + 1e-6)
    mpmath = oracle_modules(["mpmath"])
    disputed = check_with(handprop.gradients, p, [wrong_judge], mpmath)
    assert disputed.status == "disputed" and disputed.passed
    assert disputed.oracles == ("wrong", "mpmath")
    confirmed = check_with(mutants.mean_reduced_cost, p, [wrong_judge], mpmath)
    assert confirmed.status == "failed" and confirmed.oracles == ("wrong", "mpmath")
    unconfirmed = check_with(mutants.mean_reduced_cost, p, [wrong_judge], [])
    assert unconfirmed.status == "failed" and "not confirmed" in unconfirmed.note
    assert V.check(handprop.gradients, p).status == "passed"


def test_check_summary_names_the_failing_elements():
    out = V.check(mutants.bias_gradient_averaged, _problem())
    text = out.summary()
    assert out.status == "failed" and "bias row 0" in text and "torch" in text


# ----------------------------------------------------------------------------- schedule


def test_the_schedule_is_balanced():
    outputs, hidden = V._space(None, None)
    n = V.DEFAULT_MAX_EXAMPLES
    strata = V.schedule(
        n,
        outputs=outputs,
        hidden=hidden,
        dtypes=("float64", "float32"),
        regimes=tuple(V.WEIGHT_REGIMES),
    )
    assert len(strata) == n

    def count(key):
        out: dict = {}
        for s in strata:
            out[key(s)] = out.get(key(s), 0) + 1
        return out

    costs = count(lambda s: s.cost)
    assert set(costs) == set(COST_ORDER) and min(costs.values()) >= 0.1 * n
    se_outputs = count(lambda s: s.output if s.cost == "squared_error" else None)
    se_outputs.pop(None)
    assert set(se_outputs) == set(ELEMENTWISE)
    assert max(se_outputs.values()) - min(se_outputs.values()) <= 1
    for c in COST_ORDER:  # each cost in both dtypes, evenly
        by_dtype = count(lambda s, c=c: s.dtype if s.cost == c else None)
        by_dtype.pop(None)
        assert abs(by_dtype["float32"] - by_dtype["float64"]) <= 1, (c, by_dtype)
    assert set(count(lambda s: s.regime)) == set(V.WEIGHT_REGIMES)
    feats = count(lambda s: s.featured)
    assert set(feats) == set(ELEMENTWISE) and max(feats.values()) - min(feats.values()) <= 1


def test_the_schedule_follows_restrictions_and_seeds():
    outputs, hidden = V._space(("relu", "sigmoid"), ("log_likelihood", "squared_error"))
    assert outputs == {"log_likelihood": ("sigmoid",), "squared_error": ("sigmoid", "relu")}
    assert hidden == ("sigmoid", "relu")
    a = V.schedule(20, outputs=outputs, hidden=hidden, dtypes=("float32",), regimes=REGIMES)
    b = V.schedule(20, outputs=outputs, hidden=hidden, dtypes=("float32",), regimes=REGIMES, seed=1)
    assert {s.dtype for s in a} == {"float32"} and {s.featured for s in a} == set(hidden)
    assert a != b
    with pytest.raises(ValueError, match="costs"):
        V._space(("relu",), ("log_likelihood",))


@pytest.mark.slow
def test_a_default_search_gives_every_corner_a_fair_share():
    result = crosscheck.verify(handprop.gradients, seed=0)
    n = result.examples
    cov = result.coverage
    corners = {
        "depth": [str(d) for d in range(1, 6)],
        "dtype": ["float32", "float64"],
        "cost": list(COST_ORDER),
        "output activation": list(ACTIVATION_ORDER),
        "hidden activation (present)": list(ELEMENTWISE),
        "regime": list(V.WEIGHT_REGIMES),
        "x kind": ["typical", "zeros", "repeated", "large"],
        "y kind": ["binary", "soft", "typical", "large", "one_hot"],
    }
    for factor, levels in corners.items():
        for level in levels:
            share = cov[factor].get(level, 0) / n
            assert share >= 0.045, f"{factor} = {level}: {share:.1%} of {n} examples"


# ----------------------------------------------------------------------------- CLI


def test_cli_passes_handprop(capsys):
    rc, out, _ = _run_cli(["verify", "handprop:gradients", "--max-examples", "20"], capsys)
    assert rc == 0, out
    assert "PASSED: 20 examples" in out and "worst budget ratio" in out


def test_cli_failure_prints_a_counterexample_and_a_reproduction(capsys, tmp_path):
    target = "crosscheck.mutants:bias_gradient_averaged"
    argv = ["verify", target, "--max-examples", "30", "--report", str(tmp_path)]
    rc, out, _ = _run_cli(argv, capsys)
    assert rc == 1, out
    for needle in (
        "FAILED after",
        "minimal counterexample: sizes=1-1",
        "P=2",
        "first differing element: layer 0 (bias row 0), index (0, 0): got",
        "budget ratio",
        "oracles that agree it is wrong: torch",
        "problem = make_problem(",
        f"fn = load_target('{target}')",
        f"crosscheck verify {target} --seed 0 --max-examples 30",
    ):
        assert needle in out, f"{needle!r} missing from:\n{out}"
    record = json.loads((tmp_path / "verify.json").read_text())
    assert record["passed"] is False and record["counterexample"]["P"] == 2
    assert record["command"] == f"crosscheck verify {target} --seed 0 --max-examples 30"
    assert "minimal counterexample" in (tmp_path / "verify.md").read_text()
    # the printed snippet rebuilds the problem and shows the failure
    snippet = out.split("reproduce this problem in Python:\n", 1)[1].split("rerun the search")[0]
    namespace: dict = {}
    exec(textwrap.dedent(snippet), namespace)
    assert namespace["problem"].P == 2
    assert V.check(namespace["fn"], namespace["problem"]).status == "failed"
    assert V.check(handprop.gradients, namespace["problem"]).status == "passed"


def test_the_reproduction_command_reproduces_in_process(capsys):
    argv = ["verify", "crosscheck.mutants:transposed_backward_weights", "--seed", "3"]
    rc1, out1, _ = _run_cli(argv, capsys)
    command = out1.strip().splitlines()[-1].strip()
    assert command.startswith("crosscheck verify ") and "--seed 3" in command
    rc2, out2, _ = _run_cli(shlex.split(command)[1:], capsys)
    assert rc1 == rc2 == 1 and out1 == out2


@pytest.mark.slow
def test_the_reproduction_command_reproduces_in_a_new_process(tmp_path):
    bug = _write(
        tmp_path,
        "mybackprop.py",
        """
        import handprop

        def gradients(weights, X, Y, activations, cost):
            g = handprop.gradients(weights, X, Y, activations, cost)
            if len(weights) >= 2:
                g[0] = 2 * g[0]  # the first layer's gradient doubled
            return g
        """,
    )
    run = [sys.executable, "-m", "crosscheck", "verify", f"{bug}:gradients", "--seed", "7"]
    first = subprocess.run(run, capture_output=True, text=True, cwd=tmp_path, check=False)
    assert first.returncode == 1, first.stdout + first.stderr
    command = first.stdout.strip().splitlines()[-1].strip()
    again = [sys.executable, "-m", "crosscheck", *shlex.split(command)[1:]]
    second = subprocess.run(again, capture_output=True, text=True, cwd=tmp_path, check=False)
    assert second.returncode == 1 and second.stdout == first.stdout


def test_file_and_module_targets(tmp_path, capsys):
    _write(tmp_path, "helper_mod.py", "import handprop\nGRADIENTS = handprop.gradients\n")
    path = _write(
        tmp_path,
        "my_grads.py",
        """
        from helper_mod import GRADIENTS  # a sibling import: the file's directory is on path

        def gradients(weights, X, Y, activations, cost):
            return GRADIENTS(weights, X, Y, activations, cost)

        class Net:
            @staticmethod
            def grads(weights, X, Y, activations, cost):
                return GRADIENTS(weights, X, Y, activations, cost)
        """,
    )
    for target in (f"{path}:gradients", f"{path}:Net.grads", "handprop.backprop:gradients"):
        rc, out, err = _run_cli(["verify", target, "--max-examples", "5"], capsys)
        assert rc == 0, out + err
    assert str(tmp_path) not in sys.path
    assert V.load_target(f"{path}:gradients")(*_problem().args())[0].shape == (3, 2)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["nope.py:gradients"], "no such file"),
        (["handprop"], "expected 'path/to/file.py:function'"),
        (["no_such_package_xyz:gradients"], "cannot import module"),
        (["handprop:no_such_function"], "has no attribute 'no_such_function'"),
        (["handprop:__version__"], "not a callable"),
        (["handprop:gradients", "--activations", "relu,swish"], "'swish' unknown"),
        (["handprop:gradients", "--costs", "hinge"], "'hinge' unknown"),
        (["handprop:gradients", "--dtypes", "float16"], "float32 and/or float64"),
        (["handprop:gradients", "--max-examples", "0"], "max_examples"),
        (["handprop:gradients", "--max-depth", "0"], "max_depth"),
        (
            ["handprop:gradients", "--activations", "sigmoid", "--costs", "softmax_cross_entropy"],
            "no cost",
        ),
    ],
)
def test_usage_errors_exit_2(argv, message, capsys):
    rc, out, err = _run_cli(["verify", *argv], capsys)
    assert rc == 2, out + err
    assert message in err, err


def test_a_file_that_fails_to_import_exits_2(tmp_path, capsys):
    bad = _write(tmp_path, "broken.py", "import numpy\nraise RuntimeError('boom at import')\n")
    rc, _, err = _run_cli(["verify", f"{bad}:gradients"], capsys)
    assert rc == 2 and "RuntimeError: boom at import" in err
    syntax = _write(tmp_path, "syntax.py", "def f(:\n")
    rc, _, err = _run_cli(["verify", f"{syntax}:f"], capsys)
    assert rc == 2 and "SyntaxError" in err


def test_argparse_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["verify", "handprop:gradients", "--oracle", "tensorflow"])
    assert info.value.code == 2


def test_the_commands_do_not_import_the_frameworks():
    code = (
        "import sys, crosscheck, crosscheck.search, crosscheck.mutants, crosscheck.testing; "
        "print(sorted(m for m in ('torch', 'jax', 'hypothesis', 'matplotlib') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout


# ----------------------------------------------------------------------------- pytest helper


def test_assert_gradients_match_passes_and_returns_the_result():
    result = testing.assert_gradients_match(handprop.gradients, max_examples=10, seed=5)
    assert result.passed and result.examples == 10


def test_assert_gradients_match_raises_a_standalone_message():
    with pytest.raises(AssertionError) as info:
        testing.assert_gradients_match(mutants.mean_reduced_cost, **FAST)
    message = str(info.value)
    for needle in (
        "FAILED after",
        "minimal counterexample:",
        "first differing element: layer 0",
        "expected",
        "oracles that agree it is wrong",
        "problem = make_problem(",
        "print(check(fn, problem).summary())",
        "crosscheck.verify(fn, seed=0, max_examples=40)",
    ):
        assert needle in message, f"{needle!r} missing from:\n{message}"


def test_another_judging_oracle_can_be_chosen():
    result = crosscheck.verify(handprop.gradients, oracle="mpmath", max_examples=10)
    assert result.passed and result.oracle == "mpmath"
    assert result.confirming[0] == "torch" and "mpmath" not in result.confirming
    caught = crosscheck.verify(mutants.dropped_example, oracle="jax", max_examples=10)
    assert not caught.passed and caught.counterexample.outcome.oracles[0] == "jax"


def test_bad_api_options_raise_value_error():
    for kwargs in (
        dict(activations=["relu", "nope"]),
        dict(costs="hinge"),
        dict(dtypes=["int8"]),
        dict(max_examples=0),
        dict(seed=-1),
        dict(oracle="nope"),
    ):
        with pytest.raises(ValueError):
            crosscheck.verify(handprop.gradients, **kwargs)
    with pytest.raises(ValueError, match="fn"):
        crosscheck.verify("not a function")


# ----------------------------------------------------------------------------- strategies


@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_the_saturation_option_sets_the_saturating_bias_scale(data):
    from crosscheck.strategies import BIAS_FACTOR, problems

    level = data.draw(st.sampled_from([25.0, V.DEEP_SATURATION]), label="level")
    p = data.draw(problems(regimes=("saturating",), saturation=level), label="problem")
    for w in p.weights:  # biases of magnitude in [0.25, 1] * BIAS_FACTOR * level
        b = np.abs(w[0].astype(np.float64))
        slack = 1 + 4 * float(np.finfo(p.dtype).eps)
        assert b.min() * slack >= 0.25 * BIAS_FACTOR * level, (level, w[0])
        assert b.max() <= BIAS_FACTOR * level * slack, (level, w[0])


@pytest.mark.parametrize("bad", [0.0, -1.0, float("nan"), float("inf"), "25", True])
def test_a_bad_saturation_is_a_value_error(bad):
    from crosscheck.strategies import problems

    with pytest.raises(ValueError, match="saturation"):
        problems(saturation=bad)
