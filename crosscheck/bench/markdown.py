"""``benchmarks.md``: the tables of a bench report, and the verdict on each target."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from crosscheck.bench.cases import TARGETS

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
        "handprop is faster; beside each, its range over the rounds (each round's block "
        "medians divided). jax runs `jax.jit(jax.grad(...))` compiled ahead, with x64 "
        "enabled once for the process as its users run it (float32 arrays keep float32: "
        "the program is checked to be the one compiled with x64 off). "
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
            f"{r['ratios']['handprop/torch']:.2f}{_range(r, 'handprop/torch')} | "
            f"{r['ratios']['handprop/jax']:.2f}{_range(r, 'handprop/jax')} | "
            f"{r['gflops']['handprop']:.1f} | "
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
            f"{gate['examples']} float64 problems drawn by Hypothesis in batches of "
            f"{gate.get('batch', 1)} (one architecture and its kinds per draw, new numbers "
            f"per problem, as in the gate's peer property), each checked by "
            f"{' and '.join(gate['oracles'])} against handprop through the error budget, "
            f"after {gate['warmup_examples']} warm-up problems (torch on one thread, as in "
            f"the test processes): **{gate['per_second']:.0f} examples/s** "
            f"({gate['seconds']:.2f} s, {gate['failures']} failures). Per "
            f"problem: {stages}. jax compiled {gate['jax_compiles']} functions during the "
            f"measured run ({gate['jax_compile_seconds']:.2f} s).",
        ]
    lines += _verify_and_startup(report)
    lines += ["", "## Targets (issue 14)", "", "| target | measured | met |", "|---|---|---|"]
    lines += [f"| {name} | {measured} | {'yes' if ok else '**no**'} |"
              for name, measured, ok in target_verdicts(report)]
    lines += ["", f"Total benchmark time: {report['seconds']:.0f} s.", ""]
    return "\n".join(lines)


def _range(r: dict[str, Any], key: str) -> str:
    """`` (lo-hi)``: a ratio's range across the timing rounds, where measured."""
    sp = r.get("ratio_spread", {}).get(key)
    return f" ({sp['min']:.2f}-{sp['max']:.2f})" if sp else ""


def _verify_and_startup(report: dict[str, Any]) -> list[str]:
    """The sections on verify against gradcheck and on process start, where measured."""
    lines: list[str] = []
    vg = report.get("verify_vs_gradcheck")
    if vg and "ratio" in vg:
        v, g, r = (vg[k] for k in ("verify_seconds_per_problem",
                                   "gradcheck_seconds_per_problem", "ratio"))
        lines += [
            "",
            "## verify against torch.autograd.gradcheck",
            "",
            f"`crosscheck.verify(handprop.gradients, dtypes=['float64'])` (its defaults "
            f"otherwise: every check it makes), and `torch.autograd.gradcheck` with its "
            f"defaults on the very problems verify judged, through a custom "
            f"`torch.autograd.Function` (forward `handprop.cost`, backward "
            f"`handprop.gradients`), torch on {vg.get('gradcheck_torch_threads', '?')} "
            f"thread(s) for both (what verify's search gives torch at these sizes); "
            f"{vg['rounds']} rounds, {vg['problems']} problems in all, "
            f"in one process: verify **{_ms(v['median'])}** per judged problem "
            f"({_ms(v['min'])}-{_ms(v['max'])}), gradcheck {_ms(g['median'])} "
            f"({_ms(g['min'])}-{_ms(g['max'])}); verify / gradcheck **{r['median']:.2f}** "
            f"(rounds {r['min']:.2f}-{r['max']:.2f}). gradcheck's own tolerances failed "
            f"{vg['gradcheck_failures']} of the {vg['problems']} correct gradients.",
        ]
    elif vg:
        lines += ["", "## verify against torch.autograd.gradcheck", "", f"n/a: {vg['error']}"]
    start = report.get("startup")
    if start:
        lines += [
            "",
            "## Process start",
            "",
            f"`{start['command']}` in a fresh process, median of {start['runs']} runs after "
            f"one untimed: **{start['median']:.2f} s** ({start['min']:.2f}-{start['max']:.2f}"
            f" s); the interpreter alone (`python -c pass`) {start['python_alone']:.2f} s.",
        ]
    return lines


def _spread(r: dict[str, Any], key: str) -> str:
    """`` (rounds lo-hi)``: the ratio's range across the timing rounds, where measured."""
    sp = r.get("ratio_spread", {}).get(key)
    return f" (rounds {sp['min']:.2f}-{sp['max']:.2f})" if sp else ""


def target_verdicts(report: dict[str, Any]) -> list[tuple[str, str, bool]]:
    """(target, what was measured, met?) for each of :data:`TARGETS` the report covers.

    A ratio target is judged on the ratio of the medians over the whole run; the range of
    the same ratio round by round is shown beside it."""
    limits = {**TARGETS, **report.get("targets", {})}
    rows = report["cases"]
    out = []

    def worst(key: str, cases: Sequence[str]) -> dict[str, Any] | None:
        # "medium-tanh-relu" is a medium shape
        picked = [r for r in rows if r["case"].split("-")[0] in cases]
        return max(picked, key=lambda r: r["ratios"][key]) if picked else None

    for label, key, cases, limit in (
        ("handprop/jax <= {} at tiny (full validation; jax with x64 enabled once)",
         "handprop/jax", ("tiny",), limits["handprop/jax tiny"]),
        ("handprop/jax <= {} from small up", "handprop/jax", ("small", "medium", "large"),
         limits["handprop/jax small and up"]),
        ("handprop/torch <= {} at tiny, small", "handprop/torch", ("tiny", "small"),
         limits["handprop/torch tiny, small"]),
        ("handprop/torch <= {} at medium, large", "handprop/torch", ("medium", "large"),
         limits["handprop/torch medium, large"]),
    ):
        w = worst(key, cases)
        if w:
            ratio = w["ratios"][key]
            out.append((label.format(limit),
                        f"worst {ratio:.2f} ({w['case']} {w['dtype']}){_spread(w, key)}",
                        ratio <= limit))
    large = [r for r in rows if r["case"] == "large" and "efficiency" in r]
    if large:
        e = min(large, key=lambda r: r["efficiency"])
        limit = limits["large efficiency"]
        out.append((f"large: >= {limit:.0%} of numpy matmul GFLOP/s (same products)",
                    f"lowest {e['efficiency']:.0%} ({e['dtype']})", e["efficiency"] >= limit))
    vg = report.get("verify_vs_gradcheck")
    if vg and "ratio" in vg:
        limit = limits["verify/gradcheck per problem"]
        r = vg["ratio"]
        out.append((f"verify <= {limit}x torch.autograd.gradcheck per problem (float64)",
                    f"{r['median']:.2f} (rounds {r['min']:.2f}-{r['max']:.2f})",
                    r["median"] <= limit))
    start = report.get("startup")
    if start:
        limit = limits["verify --help seconds"]
        out.append((f"`crosscheck verify --help` starts in <= {limit} s",
                    f"{start['median']:.2f} s (runs {start['min']:.2f}-{start['max']:.2f})",
                    start["median"] <= limit))
    gate = report.get("gate")
    if gate:
        limit = limits["gate examples/s"]
        out.append((f"gate >= {limit:.0f} examples/s (float64, torch and jax checking)",
                    f"{gate['per_second']:.0f} examples/s", gate["per_second"] >= limit))
    return out


def _load(load: Any) -> str:
    return "n/a" if not load else ", ".join(f"{x:.2f}" for x in load)
