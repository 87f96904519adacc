"""The correctness gate: handprop against every oracle, judged by the error budget.

Each gate property draws problems (architecture, activations, cost, weight regime, data,
dtype) with crosscheck's strategies, judges every one within the problem's budget
(computed once per problem, shared by the oracles: :func:`crosscheck.judge.judge_all`;
the peer property draws batches of :data:`PEER_BATCH` problems of one architecture and
judges each batch with one budget pass and one call of torch and of jax:
:func:`crosscheck.judge.judge_batch`),
records each example's worst budget ratio with ``hypothesis.target`` (seen with
``--hypothesis-show-statistics``; the target phase that would climb towards the worst
ratio is off, see :data:`GATE`), and fails with a standalone message and a reproduction.

Coverage is asserted, not hoped for: every property runs at least :data:`GATE_EXAMPLES`
examples, including one explicit problem per (hidden activation, cost) pair at depth 3
(:func:`_pair_problems`), and after its run checks what it *judged* (:class:`Judged`):
every pair at depth >= 2, at least :data:`MIN_PER_ACTIVATION` judged problems per
activation and a share of :data:`MIN_DEEP_SHARE` with a hidden layer. An oracle that
declines a problem is a failure, not a filter: nothing is discarded silently.

Meta-tests check the gate itself: deliberately wrong gradients must be caught.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Sequence

import numpy as np
import pytest
from hypothesis import Phase, example, find, given, settings, target
from hypothesis.errors import NoSuchExample
from required import require_oracle

import handprop
from crosscheck import pytest_plugin, spec, strategies
from crosscheck.budget import budget
from crosscheck.compare import compare
from crosscheck.guard import Guard
from crosscheck.judge import judge, judge_all, judge_batch, reference, run_candidate
from crosscheck.problem import Problem, make_problem
from crosscheck.strategies.data import typical_numbers
from crosscheck.testing import describe_failure

# Problems the mpmath truth can answer quickly (it is a scalar tape in Python).
TRUTH_SIZES = dict(max_depth=3, max_width=4, max_q=4, max_p=6)

PEERS = ("torch", "jax")

PEER_BATCH = strategies.BATCH
"""Problems per drawn example of the peer property: one architecture and set of kinds,
new numbers per member (:func:`crosscheck.strategies.problem_batches`), computed in one
call of each oracle."""

GATE_EXAMPLES = max(500, settings.default.max_examples)
"""Drawn examples per gate property: 500 in the ``ci`` and ``dev`` profiles (their default
of 60 / 30 stays for the other tests), the profile's own number when larger (thorough)."""

MIN_PER_ACTIVATION = 15
"""Judged problems each activation must appear in, per property. The explicit pair
problems give each elementwise one 5; the rest come from the draws: the rarest activation
of a property was judged in 25 problems (relu, finite differences, ci profile) and in
48-67 elsewhere, so a filter or a strategy that drops all or most of one activation's
problems fails (5 or fewer), and random profiles keep a margin."""

MIN_DEEP_SHARE = 0.7
"""The share of judged problems with at least one hidden layer (depth >= 2): 85-95% of
500 derandomised draws."""

ALL_PAIRS = frozenset(itertools.product(spec.ELEMENTWISE, spec.COST_ORDER))
"""(hidden activation, cost): every pair must be judged at depth >= 2."""

SQUARED_ERROR_OUTPUTS = frozenset((a, "squared_error") for a in spec.COSTS["squared_error"].outputs)
"""(output activation, squared_error): every output squared_error allows must be judged."""


# --------------------------------------------------------------------------- coverage


def _pair_problems(dtype: str) -> list[Problem]:
    """One problem per (hidden activation, cost) pair: sizes 3-4-3-2, P = 4, the
    activation at both hidden layers (and as the output of squared_error), typical
    numbers from a generator seeded by the pair's index. Within every gate property's
    sizes (the mpmath truth's included)."""
    out = []
    for i, (act, cost) in enumerate(sorted(ALL_PAIRS)):
        output = act if cost == "squared_error" else spec.COSTS[cost].outputs[0]
        w, X, Y = typical_numbers((3, 4, 3, 2), cost, 4, dtype, np.random.default_rng(i))
        out.append(make_problem(w, X, Y, (act, act, output), cost))
    return out


def _with_pair_examples(dtype: str, *, batched: bool = False) -> Callable:
    """Decorate a ``@given(problem=...)`` function (``@given(problems=...)``, batches, if
    ``batched``: each pair problem a batch of one) with the pair problems as explicit
    examples (Hypothesis runs them first, in every profile)."""

    def decorate(fn: Callable) -> Callable:
        for p in reversed(_pair_problems(dtype)):
            fn = example(problems=(p,))(fn) if batched else example(problem=p)(fn)
        return fn

    return decorate


def _members(batch: strategies.Batch) -> tuple[Problem, ...]:
    return batch.problems


class Judged:
    """What one gate property judged: problems whose every verdict was a judgement (an
    oracle answered and the values were compared) and passed."""

    def __init__(self) -> None:
        self.problems = 0
        self.deep = 0
        self.per_activation: Counter[str] = Counter()
        self.pairs: set[tuple[str, str]] = set()
        self.outputs: set[tuple[str, str]] = set()

    def add(self, problem: Problem) -> None:
        self.problems += 1
        self.per_activation.update(set(problem.activations))
        self.outputs.add((problem.activations[-1], problem.cost))
        if problem.depth >= 2:
            self.deep += 1
            self.pairs.update((a, problem.cost) for a in problem.activations[:-1])

    def assert_covered(self, what: str) -> None:
        __tracebackhide__ = True
        assert self.problems >= GATE_EXAMPLES, (
            f"{what}: judged {self.problems} problems, expected at least {GATE_EXAMPLES}"
        )
        missing = sorted(ALL_PAIRS - self.pairs)
        assert not missing, (
            f"{what}: (hidden activation, cost) never judged at depth >= 2: {missing}"
        )
        outputs = sorted(SQUARED_ERROR_OUTPUTS - self.outputs)
        assert not outputs, f"{what}: squared_error outputs never judged: {outputs}"
        low = {
            a: self.per_activation[a]
            for a in spec.ACTIVATION_ORDER
            if self.per_activation[a] < MIN_PER_ACTIVATION
        }
        assert not low, (
            f"{what}: activations judged in fewer than {MIN_PER_ACTIVATION} problems: {low} "
            f"(of {self.problems} judged; a filter or the strategy drops them?)"
        )
        assert self.deep >= MIN_DEEP_SHARE * self.problems, (
            f"{what}: only {self.deep} of {self.problems} judged problems have a hidden layer"
        )


# --------------------------------------------------------------------------- the gate


def _check(
    candidate_name: str,
    grads: Sequence[np.ndarray],
    problem: Problem,
    oracle_names: Sequence[str],
    judged: Judged,
) -> None:
    """Judge ``grads`` against every oracle within the problem's one budget; fail on any
    discrepancy, and on an oracle that did not judge (no silent skip)."""
    __tracebackhide__ = True
    verdicts = judge_all(grads, problem, oracle_names)
    for verdict in verdicts:
        target(verdict.ratio, label=f"budget ratio vs {verdict.oracle}")
    _assert_verdicts(candidate_name, problem, verdicts)
    judged.add(problem)


def _assert_verdicts(candidate_name: str, problem: Problem, verdicts: Sequence) -> None:
    """Record each verdict (for --crosscheck-report), then fail on an oracle that did not
    judge and on a discrepancy, with the problem's standalone message."""
    __tracebackhide__ = True
    for verdict in verdicts:
        pytest_plugin.record(candidate_name, verdict.oracle, problem, verdict)
    for verdict in verdicts:
        assert verdict.skipped is None, (
            f"{verdict.oracle} did not judge {problem.describe()}: {verdict.skipped}"
        )
        if not verdict.passed:
            raise AssertionError(
                describe_failure(
                    verdict.comparison,
                    problem,
                    candidate_name=candidate_name,
                    reference_name=verdict.oracle,
                )
            )


def _handprop(problem: Problem):
    grads, err = run_candidate(handprop.gradients, problem)
    assert err is None, f"handprop.gradients failed on {problem.describe()}: {err}"
    return grads


def _check_batch(
    problems: Sequence[Problem],
    oracle_names: Sequence[str],
    judged: Judged,
    fn: Callable = handprop.gradients,
    candidate_name: str = "handprop.gradients",
) -> None:
    """:func:`_check` of ``fn`` on every member of a batch (one family), judged by
    :func:`crosscheck.judge.judge_batch`: one budget pass and one call of each oracle for
    the batch. A failure names the first failing member alone (its reproduction)."""
    __tracebackhide__ = True
    grads = []
    with Guard().session():  # the function's global generators installed once
        for p in problems:
            g, err = run_candidate(fn, p)
            assert err is None, f"{candidate_name} failed on {p.describe()}: {err}"
            grads.append(g)
    rows = judge_batch(grads, problems, oracle_names)
    worst = dict.fromkeys(oracle_names, 0.0)
    for problem, verdicts in zip(problems, rows, strict=True):
        for verdict in verdicts:
            worst[verdict.oracle] = max(worst[verdict.oracle], verdict.ratio)
        _assert_verdicts(candidate_name, problem, verdicts)
        judged.add(problem)
    for name, ratio in worst.items():
        target(ratio, label=f"budget ratio vs {name}")


GATE = settings(
    max_examples=GATE_EXAMPLES,
    # No target phase: with it, the peer property at 500 examples did not finish in 400 s
    # on the loaded test machine (90 s without); not understood yet. ``target`` still
    # records each example's worst ratio (--hypothesis-show-statistics).
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
)


def test_handprop_matches_peers() -> None:
    """handprop against torch and jax, both judging every problem (float32 and float64):
    each example is a batch of :data:`PEER_BATCH` problems of one architecture (the pair
    problems come first, one per example)."""
    for name in PEERS:
        require_oracle(name)
    judged = Judged()

    @GATE
    @_with_pair_examples("float64", batched=True)
    @given(problems=strategies.problem_batches(PEER_BATCH).map(_members))
    def gate(problems: tuple[Problem, ...]) -> None:
        _check_batch(problems, PEERS, judged)

    gate()
    judged.assert_covered("handprop vs torch and jax")
    assert judged.problems >= PEER_BATCH * GATE_EXAMPLES, (
        f"judged {judged.problems} problems, expected {PEER_BATCH} per drawn example"
    )


def test_handprop_matches_truth() -> None:
    require_oracle("mpmath")
    judged = Judged()

    @GATE
    @_with_pair_examples("float64")
    @given(problem=strategies.problems(**TRUTH_SIZES))
    def gate(problem: Problem) -> None:
        _check("handprop.gradients", _handprop(problem), problem, ("mpmath",), judged)

    gate()
    judged.assert_covered("handprop vs mpmath")


def test_handprop_matches_finite_differences() -> None:
    require_oracle("finite_differences")
    judged = Judged()

    @GATE
    @_with_pair_examples("float64")
    @given(problem=strategies.problems(dtypes=["float64"], max_depth=3, max_width=5, max_p=8))
    def gate(problem: Problem) -> None:
        _check("handprop.gradients", _handprop(problem), problem, ("finite_differences",), judged)

    gate()
    judged.assert_covered("handprop vs finite differences")


@pytest.mark.parametrize("framework", ["torch", "jax"])
def test_framework_float32_matches_truth(framework: str) -> None:
    """torch and jax in float32, judged against float64 truth with float32's u."""
    mod = require_oracle(framework)
    require_oracle("mpmath")
    judged = Judged()

    @GATE
    @_with_pair_examples("float32")
    @given(problem=strategies.problems(dtypes=["float32"], **TRUTH_SIZES))
    def gate(problem: Problem) -> None:
        _check(f"{framework} (float32)", mod.gradients(problem), problem, ("mpmath",), judged)

    gate()
    judged.assert_covered(f"{framework} float32 vs mpmath")


def test_gate_accepts_handprop_against_itself_with_rounding() -> None:
    """The literal loop-by-loop implementation, a different summation order, passes
    (near a relu kink too: the budget takes the derivative there as uncertain)."""
    judged = Judged()

    @GATE
    @_with_pair_examples("float64")
    @given(problem=strategies.problems(max_width=6, max_q=6, max_p=6))
    def gate(problem: Problem) -> None:
        ref_grads = _handprop(problem)
        lit, err = run_candidate(handprop.literal.gradients, problem)
        assert err is None, err
        comparison = compare(lit, ref_grads, budget(problem))
        target(comparison.max_ratio, label="budget ratio vs handprop")
        assert comparison.passed, describe_failure(
            comparison, problem, candidate_name="handprop.literal", reference_name="handprop"
        )
        judged.add(problem)

    gate()
    judged.assert_covered("handprop.literal vs handprop")


# --------------------------------------------------------------------------- meta-tests
# The gate must reject wrong gradients. Each "wrong" function below is a realistic bug;
# Hypothesis must find a problem on which the gate's judgement fails.


def _scaled(weights, X, Y, activations, cost):
    return [g * (1.0 + 1e-6) for g in handprop.gradients(weights, X, Y, activations, cost)]


def _bias_averaged(weights, X, Y, activations, cost):
    grads = handprop.gradients(weights, X, Y, activations, cost)
    for g in grads:
        g[0] /= X.shape[0]
    return grads


def _last_example_dropped(weights, X, Y, activations, cost):
    if X.shape[0] == 1:
        return [np.zeros_like(w) for w in weights]
    return handprop.gradients(weights, X[:-1], Y[:-1], activations, cost)


def _wrong_derivative(weights, X, Y, activations, cost):
    """The hidden layers' derivative taken as 1 - a (tanh's written without the square)."""
    fp = handprop.forward(weights, X, activations)
    delta = handprop.costs.COSTS[cost].delta(
        fp.z[-1],
        fp.a[-1],
        Y,
        handprop.ACTIVATIONS[activations[-1]].derivative if activations[-1] != "softmax" else None,
    )
    grads = []
    for l in range(len(weights) - 1, -1, -1):
        g = np.empty_like(weights[l])
        g[0] = delta.sum(axis=0)
        g[1:] = fp.a[l].T @ delta
        grads.append(g)
        if l > 0:
            delta = (delta @ weights[l][1:].T) * (1.0 - fp.a[l])
    return grads[::-1]


WRONG = {
    "every entry scaled by 1 + 1e-6": _scaled,
    "bias gradients averaged over P": _bias_averaged,
    "last example dropped": _last_example_dropped,
    "hidden derivative 1 - a": _wrong_derivative,
}


def _caught(fn, problem: Problem, oracle_name: str) -> bool:
    grads, err = run_candidate(fn, problem)
    if err is not None:
        return True
    b = budget(problem)
    verdict = judge(grads, reference(oracle_name, problem, b), b)
    return verdict.skipped is None and not verdict.passed


def test_a_failing_batch_reports_its_failing_member_alone() -> None:
    """The batched gate's counterexample is one problem: the member that failed, with its
    own reproduction, not the batch (the members share their description)."""
    require_oracle("torch")
    rng = np.random.default_rng(3)
    batch = []
    for _ in range(4):
        w, X, Y = typical_numbers((2, 3, 1), "log_likelihood", 3, "float64", rng)
        batch.append(make_problem(w, X, Y, ("tanh", "sigmoid"), "log_likelihood"))
    bad_X = batch[2].X

    def wrong_on_member_2(weights, X, Y, activations, cost):
        grads = handprop.gradients(weights, X, Y, activations, cost)
        if np.array_equal(X, bad_X):
            grads[0][1:] *= 1.0 + 1e-6
        return grads

    with pytest.raises(AssertionError) as caught:
        _check_batch(batch, ("torch",), Judged(), wrong_on_member_2, "wrong")
    message = str(caught.value)
    code = [line.strip() for line in message.splitlines()]  # the reproduction, indented
    assert all(line.strip() in code for line in batch[2].to_code().splitlines())
    for i in (0, 1, 3):
        assert not all(line.strip() in code for line in batch[i].to_code().splitlines())
    assert "layer 0 (weight rows)" in message


@pytest.mark.parametrize("bug", list(WRONG))
def test_gate_rejects_wrong_gradients(bug: str) -> None:
    require_oracle("torch")
    strategy = strategies.problems(dtypes=["float64"])
    try:
        found = find(
            strategy,
            lambda p: _caught(WRONG[bug], p, "torch"),
            # the first problem that catches the bug is enough: no shrinking
            settings=settings(
                max_examples=200, database=None, derandomize=True, phases=[Phase.generate]
            ),
        )
    except NoSuchExample:  # pragma: no cover - the failure this test exists for
        pytest.fail(f"the gate let '{bug}' through in 200 float64 examples")
    # The catch is the bug's, not a gate that rejects everything: on the very problem
    # that caught it, handprop passes.
    assert not _caught(handprop.gradients, found, "torch"), (
        f"the gate also rejects handprop on {found.describe()}"
    )


def _caught_in_batch(fn, problems: Sequence[Problem]) -> bool:
    """Whether the batched judgement (torch and jax, one call each) fails ``fn`` on some
    member of the batch."""
    grads = []
    for p in problems:
        g, err = run_candidate(fn, p)
        if err is not None:
            return True
        grads.append(g)
    return any(
        v.skipped is None and not v.passed
        for row in judge_batch(grads, problems, PEERS)
        for v in row
    )


@pytest.mark.parametrize("bug", list(WRONG))
def test_the_batched_gate_rejects_wrong_gradients(bug: str) -> None:
    """The peer property's batched judgement catches each realistic bug too, and passes
    handprop on the very batch that caught it."""
    for name in PEERS:
        require_oracle(name)
    try:
        found = find(
            strategies.problem_batches(4, dtypes=["float64"]).map(_members),
            lambda ps: _caught_in_batch(WRONG[bug], ps),
            settings=settings(
                max_examples=60, database=None, derandomize=True, phases=[Phase.generate]
            ),
        )
    except NoSuchExample:  # pragma: no cover - the failure this test exists for
        pytest.fail(f"the batched gate let '{bug}' through in 60 batches of 4")
    assert not _caught_in_batch(handprop.gradients, found)
