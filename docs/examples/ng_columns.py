"""A classifier in the layout of Andrew Ng's course: W (out, in), b (out, 1), the m
examples as columns, tanh hidden layers, a sigmoid output, cost = mean over the m
examples of the binary cross-entropy. Checked with:

    crosscheck verify docs/examples/ng_columns.py:gradients --layout separate-out-in \
        --examples-as columns --bias-shape column --reduction mean \
        --activations tanh --outputs sigmoid --costs binary_cross_entropy
"""

import numpy as np


def gradients(weights, biases, X, Y, activations, cost):
    m = X.shape[1]
    A = [X]
    for l, (W, b) in enumerate(zip(weights, biases, strict=True)):
        Z = W @ A[-1] + b
        A.append(1 / (1 + np.exp(-Z)) if l == len(weights) - 1 else np.tanh(Z))
    dZ = A[-1] - Y  # sigmoid + cross-entropy
    dWs, dbs = [None] * len(weights), [None] * len(weights)
    for l in range(len(weights) - 1, -1, -1):
        dWs[l] = dZ @ A[l].T / m
        dbs[l] = np.sum(dZ, axis=1, keepdims=True) / m
        if l > 0:
            dZ = (weights[l].T @ dZ) * (1 - A[l] ** 2)
    return dWs, dbs


def gradients_bias_summed(weights, biases, X, Y, activations, cost):
    """The same with db = sum(dZ) (the / m forgotten for the biases only)."""
    dWs, dbs = gradients(weights, biases, X, Y, activations, cost)
    return dWs, [db * X.shape[1] for db in dbs]
