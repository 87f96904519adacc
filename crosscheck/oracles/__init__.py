"""Independent oracles: each module answers ``gradients(problem) -> list[np.ndarray]``.

Every oracle answers in the canonical layout (``(N_l + 1, N_{l+1})`` per layer, row 0 the
bias) and exposes ``available() -> tuple[bool, str]`` (whether its framework imports, and
why not) so that a missing package is skipped with its reason. No oracle calls handprop.
"""
