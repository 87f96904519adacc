"""``benchmarks.md``: the tables of a bench report, and the verdict on each target."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["render_markdown", "target_verdicts"]


def _ms(seconds: float) -> str:
    if seconds != seconds:  # NaN: not measured
        return "n/a"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} µs"
    if seconds < 1.0:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.3f} s"


def _bytes(n: Any) -> str:
    if not isinstance(n, (int, float)):
        return "n/a"
    if abs(n) < 1024 * 1024:
        return f"{n / 1024:.0f} KiB"
    return f"{n / 1024 / 1024:.1f} MiB"


def render_markdown(report: dict[str, Any]) -> str:
    """``benchmarks.md``: the tables of :func:`run`'s report."""
    env = report["environment"]
    blas = "; ".join(
        f"{b['internal_api']}"
        + (f" {b['version']}" if b.get("version") else "")
        + (f" kernel {b['architecture']}" if b.get("architecture") else "")
        + f" ({b['num_threads']} threads)"
        for b in env["numpy_blas"]
    )
    openblas = env["openblas_env"] or "OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset"
    load = env.get("load_average")
    load_before = env.get("load_average_before")
    lines = [
        "# Benchmarks: handprop against torch autograd and jax.jit(jax.grad)",
        "",
        "Written by `crosscheck bench` (`make bench`). Median time of one gradient call "
        "(cost + dC/dw for every layer) after warm-up; 10 rounds go over all cases, and in "
        "each the implementations take turns in short blocks of calls. Ratios below 1 mean "
        "handprop is faster. "
        "GFLOP/s count the matrix products only; *efficiency* is numpy's own time for "
        "exactly handprop's products divided by handprop's time (1 = no overhead beyond "
        "BLAS).",
        "",
        f"- CPU: {env['cpu']} ({env['cpus']} CPUs); Python {env['python']}, numpy "
        f"{env['numpy']}, torch {env['torch']} ({env['torch_blas']}), jax {env['jax']}",
        f"- numpy BLAS: {blas}",
        f"- OpenBLAS environment: {openblas}",
        "- threads: "
        + ", ".join(f"{k} {v}" for k, v in report["threads"].items())
        + " (handprop's elementwise threads: blocks of large arrays only)",
        f"- load average (1, 5, 15 min) before: {_load(load_before)}, after: {_load(load)}",
        "- numpy matmul peak: "
        + ", ".join(
            f"{dt} {p['gflops']:.1f} GFLOP/s (n = {p['n']})" for dt, p in report["peak"].items()
        ),
        "",
        "| case | dtype | handprop | torch | jax | numpy matmul | validation | "
        "handprop/torch | handprop/jax | GFLOP/s handprop | efficiency | vs peak |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in report["cases"]:
        t = {k: v["median"] for k, v in r["timings"].items()}
        lines.append(
            f"| {r['case']} {'-'.join(map(str, r['sizes']))} P={r['P']} | {r['dtype']} | "
            f"{_ms(t['handprop'])} | {_ms(t['torch'])} | {_ms(t['jax'])} | "
            f"{_ms(t['numpy matmul'])} | {_ms(t.get('validation', float('nan')))} | "
            f"{r['ratios']['handprop/torch']:.2f} | "
            f"{r['ratios']['handprop/jax']:.2f} | {r['gflops']['handprop']:.1f} | "
            f"{r.get('efficiency', float('nan')):.0%} | "
            f"{r.get('efficiency_vs_peak', float('nan')):.0%} |"
        )
    slower = [r for r in report["cases"] if r["ratios"].get("handprop/jax", 0) > 1 and "floor" in r]
    if slower:
        lines += [
            "",
            "*validation* is handprop's input checks alone. Where jax is faster, the floor "
            "under handprop (its validation and its matrix products, nothing else) against "
            "jax's whole compiled call:",
            "",
        ]
        lines += [
            f"- {r['case']} {r['dtype']}: floor {_ms(r['floor'])} "
            f"({r['floor'] / r['timings']['jax']['median']:.2f} x jax), handprop "
            f"{_ms(r['timings']['handprop']['median'])}, jax "
            f"{_ms(r['timings']['jax']['median'])}"
            for r in slower
        ]
    if any("memory" in r for r in report["cases"]):
        lines += [
            "",
            "## Peak memory of one gradient call",
            "",
            "Extra resident memory one call needs beyond its inputs, each measured in a fresh "
            "process (`VmHWM - VmRSS` after resetting the high-water mark, after a warm-up "
            "on the tiny shape); *tracemalloc* is the peak of NumPy's own allocations in "
            "handprop; *XLA plan* is jax's compiled temporaries + outputs.",
            "",
            "| case | dtype | handprop | handprop (tracemalloc) | torch | jax | jax (XLA plan) |",
            "|---|---|---|---|---|---|---|",
        ]
        for r in report["cases"]:
            m = r.get("memory")
            if not m:
                continue
            lines.append(
                f"| {r['case']} | {r['dtype']} | {_bytes(m['handprop'].get('peak_bytes'))} | "
                f"{_bytes(m['handprop'].get('tracemalloc_bytes'))} | "
                f"{_bytes(m['torch'].get('peak_bytes'))} | {_bytes(m['jax'].get('peak_bytes'))} "
                f"| {_bytes(m['jax'].get('xla_temp_bytes'))} |"
            )
    gate = report.get("gate")
    if gate:
        stages = ", ".join(
            f"{k} {v / gate['examples'] * 1e3:.2f} ms" for k, v in gate["stages"].items()
        )
        lines += [
            "",
            "## The gate's throughput",
            "",
            f"{gate['examples']} float64 examples drawn by Hypothesis, each checked by "
            f"{' and '.join(gate['oracles'])} against handprop through the error budget, "
            f"after {gate['warmup_examples']} warm-up examples (torch on one thread, as in "
            f"the test processes): **{gate['per_second']:.0f} examples/s** "
            f"({gate['seconds']:.2f} s, {gate['failures']} failures). Per "
            f"example: {stages}. jax compiled {gate['jax_compiles']} functions during the "
            f"measured run ({gate['jax_compile_seconds']:.2f} s).",
        ]
    lines += ["", "## Targets (issue 6)", "", "| target | measured | met |", "|---|---|---|"]
    lines += [f"| {name} | {measured} | {'yes' if ok else '**no**'} |"
              for name, measured, ok in target_verdicts(report)]
    lines += ["", f"Total benchmark time: {report['seconds']:.0f} s.", ""]
    return "\n".join(lines)


def target_verdicts(report: dict[str, Any]) -> list[tuple[str, str, bool]]:
    """(target, what was measured, met?) for each of :data:`TARGETS` the report covers."""
    rows = report["cases"]
    out = []

    def worst(key: str, cases: Sequence[str]) -> tuple[str, float] | None:
        picked = [(f"{r['case']} {r['dtype']}", r["ratios"][key]) for r in rows
                  if r["case"].split("-")[0] in cases]  # "medium-tanh-relu" is a medium shape
        return max(picked, key=lambda x: x[1]) if picked else None

    everywhere = worst("handprop/jax", [r["case"] for r in rows])
    if everywhere:
        out.append(("handprop/jax <= 1.0 at every shape and dtype",
                    f"worst {everywhere[1]:.2f} ({everywhere[0]})", everywhere[1] <= 1.0))
    for label, cases, limit in (("tiny, small", ("tiny", "small"), 0.25),
                                ("medium, large", ("medium", "large"), 0.9)):
        w = worst("handprop/torch", cases)
        if w:
            out.append((f"handprop/torch <= {limit} at {label}", f"worst {w[1]:.2f} ({w[0]})",
                        w[1] <= limit))
    large = [r for r in rows if r["case"] == "large" and "efficiency" in r]
    if large:
        e = min(large, key=lambda r: r["efficiency"])
        out.append(("large: >= 85% of numpy matmul GFLOP/s (same products)",
                    f"lowest {e['efficiency']:.0%} ({e['dtype']})", e["efficiency"] >= 0.85))
    gate = report.get("gate")
    if gate:
        out.append(("gate >= 100 examples/s (float64, torch and jax checking)",
                    f"{gate['per_second']:.0f} examples/s", gate["per_second"] >= 100))
    return out


def _load(load: Any) -> str:
    return "n/a" if not load else ", ".join(f"{x:.2f}" for x in load)
