"""The test session's jax shares its compilations through the persistent cache that
tests/conftest.py sets up (before anything imports jax), and a function loaded from that
cache gives the same gradients, bit for bit, as the freshly compiled one."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
from required import require_oracle, require_package

from crosscheck.problem import make_problem

_PROBLEM = """
import numpy as np
from crosscheck.problem import make_problem
rng = np.random.default_rng(5)
w = [rng.normal(size=(4, 3)), rng.normal(size=(4, 2))]
X, Y = rng.normal(size=(5, 3)), rng.uniform(0, 1, size=(5, 2))
p = make_problem(w, X, Y, ("tanh", "sigmoid"), "log_likelihood")
"""

_SCRIPT = _PROBLEM + """
import sys
import jax, jax.monitoring
from crosscheck.oracles import jax_grad
events = []
jax.monitoring.register_event_listener(lambda e, **_: events.append(e))
first = jax_grad.gradients(p)
misses = events.count("/jax/compilation_cache/cache_misses")
events.clear()
# forget every compiled function of this process: the next call traces again and looks
# the executable up in the persistent cache
jax.clear_caches()
jax_grad._compiled.cache_clear()
jax_grad._padded_compiled.cache_clear()
second = jax_grad.gradients(p)
print(misses, events.count("/jax/compilation_cache/cache_hits"),
      events.count("/jax/compilation_cache/cache_misses"))
print(" ".join(x.tobytes().hex() for x in first))
print(" ".join(x.tobytes().hex() for x in second))
"""


def test_the_session_uses_the_shared_compilation_cache() -> None:
    jax = require_package("jax")
    expected = os.environ.get("JAX_COMPILATION_CACHE_DIR")
    # set by tests/conftest.py (unless given by hand) before jax was imported
    assert expected is not None
    assert jax.config.jax_compilation_cache_dir == expected
    assert jax.config.jax_persistent_cache_min_compile_time_secs == 0
    # a bounded size: jax then evicts, and locks the directory between processes
    assert jax.config.jax_compilation_cache_max_size > 0


def test_a_cached_compilation_gives_the_same_gradients(tmp_path) -> None:
    """In a fresh process with an empty cache: the first call misses and stores, the
    second (every in-memory cache cleared) only hits and answers the same bits,
    which are also this process's answer to the same problem."""
    require_oracle("jax")
    env = dict(os.environ, JAX_COMPILATION_CACHE_DIR=str(tmp_path / "jax"))
    out = subprocess.run(
        [sys.executable, "-c", _SCRIPT], capture_output=True, text=True, env=env,
        timeout=300, check=True,
    ).stdout.splitlines()
    misses_first, hits_second, misses_second = (int(x) for x in out[0].split())
    assert misses_first >= 1, "the first call did not compile into the empty cache"
    assert hits_second >= 1 and misses_second == 0, (
        f"the second call: {hits_second} cache hits, {misses_second} misses"
    )
    assert any(p.name.endswith("-cache") for p in (tmp_path / "jax").iterdir())
    assert out[1] == out[2]

    from crosscheck.oracles import jax_grad

    scope: dict = {"np": np, "make_problem": make_problem}
    exec(_PROBLEM, scope)
    here = jax_grad.gradients(scope["p"])
    assert out[1] == " ".join(x.tobytes().hex() for x in here)
