"""The gate's throughput: examples per second with torch and jax both checking each one,
and where the time goes (:func:`measure`; what is counted: ``docs/performance.md``).

torch and jax are imported lazily (through the oracles), never at import time.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NamedTuple

__all__ = ["STAGES", "Throughput", "gate_throughput", "measure"]

STAGES: tuple[str, ...] = ("handprop", "budget", "torch", "jax", "judge", "draw and other")
"""Where an example's time goes: the candidate, the error budget (once per problem), each
oracle, the judgements, and the rest (Hypothesis drawing the problem, its bookkeeping)."""


class Throughput(NamedTuple):
    """One measurement of the gate's steady-state rate.

    ``examples`` problems were checked by every oracle in ``oracles`` in ``seconds`` of wall
    time (``per_second`` = examples / seconds); ``failures`` counts verdicts beyond the
    budget (0 for a correct handprop); ``stages`` gives the seconds spent in each of
    :data:`STAGES`; ``jax_compiles`` is the number of XLA compilations during the measured run
    and ``jax_compile_seconds`` the time jax spent tracing, lowering and compiling (inside
    the ``jax`` stage; None when jax did not run). ``batch`` is the number of problems per
    drawn example (one architecture, one call of each oracle). ``cpu_seconds`` is the process's CPU
    time over the measured run (``examples / cpu_seconds`` is the rate a machine whose other
    processes leave this one a whole core would see; wall time counts the waiting too).
    """

    examples: int
    seconds: float
    per_second: float
    failures: int
    dtype: str
    oracles: tuple[str, ...]
    warmup_examples: int
    warmup_seconds: float
    stages: dict[str, float]
    jax_compiles: int | None
    jax_compile_seconds: float | None
    cpu_seconds: float | None = None
    batch: int = 1


class _Clock:
    """Accumulates seconds per stage."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = dict.fromkeys(STAGES, 0.0)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] += time.perf_counter() - start


def _run(
    n: int,
    seed: int,
    dtype: str,
    oracle_names: Sequence[str],
    batch: int,
    strategy_kwargs: dict[str, Any],
) -> tuple[int, int, float, float, dict[str, float]]:
    """One Hypothesis run of at most ``n`` drawn examples of ``batch`` problems each;
    (problems judged, failures, seconds, CPU seconds, stages).

    Each example is what the gate's peer property does (tests/test_gate.py): handprop's
    gradients of every member through the guard (one session), then
    :func:`crosscheck.judge.judge_batch`'s steps timed one by one (the batch's budgets, each
    oracle's answers, their comparisons: :func:`crosscheck.judge.judge_references`),
    ``target`` fed each oracle's worst ratio.
    """
    from hypothesis import HealthCheck, Phase, given, settings, target
    from hypothesis import seed as hypothesis_seed

    import handprop
    from crosscheck import strategies
    from crosscheck.budget import budgets
    from crosscheck.guard import Guard
    from crosscheck.judge import judge_references, references, run_candidate

    clock = _Clock()
    counts = {"examples": 0, "failures": 0}

    @hypothesis_seed(seed)
    @settings(
        max_examples=n,
        database=None,
        deadline=None,
        derandomize=False,
        # the gate's phases (tests/test_gate.py: no target phase; ``target`` still records
        # each example's worst ratio), less explicit examples, reuse and shrinking, which a
        # passing run with no database does not reach
        phases=(Phase.generate,),
        suppress_health_check=list(HealthCheck),
    )
    @given(batch=strategies.problem_batches(batch, dtypes=[dtype], **strategy_kwargs))
    def example(batch) -> None:
        problems = batch.problems
        with clock.stage("handprop"), Guard().session():
            runs = [run_candidate(handprop.gradients, p) for p in problems]
        if any(err is not None for _, err in runs):
            counts["failures"] += sum(err is not None for _, err in runs)
            return
        grads = [g for g, _ in runs]
        with clock.stage("budget"):
            bs = budgets(problems)  # once per problem, before any oracle runs
        for name in oracle_names:
            with clock.stage(name):
                refs = references(name, problems, bs)
            with clock.stage("judge"):
                rows = judge_references(grads, [refs], bs)
            worst = max(row[0].ratio for row in rows)
            target(worst, label=f"ratio vs {name}")
            counts["failures"] += sum(not row[0].passed for row in rows)
        counts["examples"] += len(problems)

    start, cpu = time.perf_counter(), time.process_time()
    example()
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    clock.seconds["draw and other"] = seconds - sum(
        v for k, v in clock.seconds.items() if k != "draw and other"
    )
    return counts["examples"], counts["failures"], seconds, cpu, clock.seconds


_COMPILE_EVENTS = (
    "/jax/core/compile/jaxpr_trace_duration",
    "/jax/core/compile/jaxpr_to_mlir_module_duration",
    "/jax/core/compile/backend_compile_duration",
)
_BACKEND_COMPILE = _COMPILE_EVENTS[-1]
_compiles = {"count": 0, "seconds": 0.0, "listening": False}


def _on_event(event: str, duration: float, **_: Any) -> None:
    if event in _COMPILE_EVENTS:
        _compiles["seconds"] += duration
        _compiles["count"] += event == _BACKEND_COMPILE


def _listen_to_jax_compiles() -> None:
    """Count XLA compilations (and time tracing, lowering, compiling) from jax's events."""
    if not _compiles["listening"]:
        import jax.monitoring

        jax.monitoring.register_event_duration_secs_listener(_on_event)
        _compiles["listening"] = True


def measure(
    examples: int = 200,
    *,
    warmup: int = 100,
    dtype: str = "float64",
    oracles: Sequence[str] = ("torch", "jax"),
    seed: int = 0,
    torch_threads: int | None = 1,
    batch: int | None = None,
    **strategy_kwargs: Any,
) -> Throughput:
    """Examples (problems judged) per second of the gate after a warm-up of ``warmup``.

    As in the gate, each drawn example is a batch of ``batch`` problems of one
    architecture (default :data:`crosscheck.strategies.BATCH`), so ``examples`` and
    ``warmup`` are rounded up to whole batches.

    ``oracles`` are the peer oracles that check every example (each must be available:
    ``ImportError`` otherwise). ``torch_threads`` sets torch's intra-op threads for the
    run (1, as tests/conftest.py gives the test processes; restored afterwards; None
    leaves it). ``strategy_kwargs`` go to :func:`crosscheck.strategies.problems` (the gate's
    defaults otherwise). The warm-up uses seed ``seed`` and the measured run ``seed + 1``.
    """
    from crosscheck import oracles as _oracles
    from crosscheck.strategies import BATCH

    batch = BATCH if batch is None else batch
    if examples < 1 or warmup < 0:
        raise ValueError(
            f"examples, warmup: expected examples >= 1 and warmup >= 0, got {examples}, {warmup}"
        )
    if isinstance(batch, bool) or not isinstance(batch, int) or batch < 1:
        raise ValueError(f"batch: expected an integer >= 1 (problems per draw), got {batch!r}")
    for name in oracles:
        mod = _oracles.get(name)
        ok, why = mod.available()
        if not ok:
            raise ImportError(f"oracle {name} unavailable: {why}")
    previous = None
    if torch_threads is not None and "torch" in oracles:
        import torch

        previous = torch.get_num_threads()
        torch.set_num_threads(torch_threads)
    try:
        w_examples, _, w_seconds, _, _ = (
            _run(-(-warmup // batch), seed, dtype, oracles, batch, strategy_kwargs)
            if warmup
            else (0, 0, 0.0, 0.0, {})
        )
        if "jax" in oracles:
            _listen_to_jax_compiles()
        count, compile_seconds = _compiles["count"], _compiles["seconds"]
        n, failures, seconds, cpu, stages = _run(
            -(-examples // batch), seed + 1, dtype, oracles, batch, strategy_kwargs
        )
        count, compile_seconds = _compiles["count"] - count, _compiles["seconds"] - compile_seconds
    finally:
        if previous is not None:
            import torch

            torch.set_num_threads(previous)
    jax_ran = "jax" in oracles
    return Throughput(
        examples=n,
        seconds=seconds,
        per_second=n / seconds if seconds > 0 else float("inf"),
        failures=failures,
        dtype=dtype,
        oracles=tuple(oracles),
        warmup_examples=w_examples,
        warmup_seconds=w_seconds,
        stages=stages,
        jax_compiles=count if jax_ran else None,
        jax_compile_seconds=compile_seconds if jax_ran else None,
        cpu_seconds=cpu,
        batch=batch,
    )


def gate_throughput(examples: int, warmup: int) -> dict[str, Any]:
    """:func:`measure` in float64 with torch and jax, as a dict (for ``benchmarks.json``)."""
    r = measure(examples, warmup=warmup, dtype="float64", oracles=("torch", "jax"))
    return r._asdict() | {"oracles": list(r.oracles)}
