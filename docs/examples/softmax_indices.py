"""A softmax classifier's backward pass in the style of Stanford's CS231n two-layer net,
as a function: weights (in, out) and biases apart, integer class labels y of shape (P,),
the mean cross-entropy, and the loss returned with the gradients. Checked with:

    crosscheck verify docs/examples/softmax_indices.py:loss_and_grads \
        --layout separate-in-out --reduction mean --labels-as indices --returns loss-first \
        --activations relu --outputs softmax --costs softmax_cross_entropy

``loss_and_grads_no_max`` forgets to subtract the row maximum before the exponential
(the "numeric stability trick"): right on small scores, inf/inf = nan on large ones.
"""

import numpy as np


def loss_and_grads(weights, biases, X, y, activations, cost, shift=True):
    hs = [X]
    for W, b in zip(weights[:-1], biases[:-1], strict=True):
        hs.append(np.maximum(0, hs[-1] @ W + b))
    scores = hs[-1] @ weights[-1] + biases[-1]
    if shift:
        scores = scores - scores.max(axis=1, keepdims=True)
    exp = np.exp(scores)
    probs = exp / exp.sum(axis=1, keepdims=True)
    m = X.shape[0]
    loss = -np.log(probs[np.arange(m), y]).sum() / m
    dscores = probs.copy()
    dscores[np.arange(m), y] -= 1
    dscores /= m
    dWs, dbs = [], []
    for l in range(len(weights) - 1, -1, -1):
        dWs.insert(0, hs[l].T @ dscores)
        dbs.insert(0, dscores.sum(axis=0))
        if l > 0:
            dscores = (dscores @ weights[l].T) * (hs[l] > 0)
    return loss, dWs, dbs


def loss_and_grads_no_max(weights, biases, X, y, activations, cost):
    with np.errstate(over="ignore", invalid="ignore"):
        return loss_and_grads(weights, biases, X, y, activations, cost, shift=False)
