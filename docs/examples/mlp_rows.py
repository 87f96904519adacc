"""A regression MLP as it is often written: weights (in, out) and biases apart, examples
as rows, relu hidden layers, a linear output, loss = 1/2 mean over the batch of
||h - y||^2. Checked with:

    crosscheck verify docs/examples/mlp_rows.py:gradients --layout separate-in-out \
        --reduction mean --activations relu --outputs identity --costs squared_error
"""

import numpy as np


def gradients(weights, biases, X, Y, activations, cost):
    m = X.shape[0]
    zs, hs = [], [X]
    for W, b in zip(weights, biases, strict=True):
        z = hs[-1] @ W + b
        zs.append(z)
        hs.append(np.maximum(z, 0) if len(hs) < len(weights) else z)
    dz = (hs[-1] - Y) / m  # d(1/2 mean ||h - y||^2) / dz, linear output
    dWs, dbs = [], []
    for l in range(len(weights) - 1, -1, -1):
        dWs.insert(0, hs[l].T @ dz)
        dbs.insert(0, dz.sum(axis=0))
        if l > 0:
            dz = (dz @ weights[l].T) * (zs[l - 1] > 0)
    return dWs, dbs
