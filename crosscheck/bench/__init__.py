"""``crosscheck bench``: handprop's gradient timed against torch autograd and
``jax.jit(jax.grad)``, and the gate's throughput (what is measured: ``docs/performance.md``).

* :mod:`.cases`: the shapes, their arrays and FLOPs, the targets, the timed calls;
* :mod:`.timing`: interleaved timing rounds, numpy's peak, thread settings;
* :mod:`.memory`: the peak memory of one call, probed in a fresh process;
* :mod:`.throughput`: the gate's examples per second;
* :mod:`.suite`: the whole run (:func:`run`), as the report ``benchmarks.json`` holds;
* :mod:`.markdown`, :mod:`.plot`, :mod:`.files`: ``benchmarks.{md,png}`` and writing them.

torch, jax, matplotlib and threadpoolctl are imported inside functions only.
"""

from crosscheck.bench.cases import CASES, DTYPES, QUICK_CASES, BenchCase
from crosscheck.bench.files import write_reports
from crosscheck.bench.markdown import render_markdown
from crosscheck.bench.suite import run

__all__ = ["CASES", "DTYPES", "QUICK_CASES", "BenchCase", "render_markdown", "run", "write_reports"]
