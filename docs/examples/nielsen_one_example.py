"""Michael Nielsen's backprop(x, y) from "Neural Networks and Deep Learning", chapter 2,
as a function: one example at a time as a column x (Q, 1), y (N_L, 1); W (out, in),
b (out, 1); sigmoid units; the quadratic cost 1/2 ||a - y||^2. Checked with:

    crosscheck verify docs/examples/nielsen_one_example.py:backprop --layout separate-out-in \
        --examples-as columns --bias-shape column --per-example \
        --activations sigmoid --costs squared_error
"""

import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_prime(z):
    return sigmoid(z) * (1 - sigmoid(z))


def backprop(weights, biases, x, y, activations, cost):
    nabla_b = [np.zeros(b.shape, dtype=b.dtype) for b in biases]
    nabla_w = [np.zeros(w.shape, dtype=w.dtype) for w in weights]
    activation = x
    acts = [x]
    zs = []
    for b, w in zip(biases, weights, strict=True):
        z = np.dot(w, activation) + b
        zs.append(z)
        activation = sigmoid(z)
        acts.append(activation)
    delta = (acts[-1] - y) * sigmoid_prime(zs[-1])
    nabla_b[-1] = delta
    nabla_w[-1] = np.dot(delta, acts[-2].transpose())
    for l in range(2, len(weights) + 1):
        delta = np.dot(weights[-l + 1].transpose(), delta) * sigmoid_prime(zs[-l])
        nabla_b[-l] = delta
        nabla_w[-l] = np.dot(delta, acts[-l - 1].transpose())
    return nabla_w, nabla_b
