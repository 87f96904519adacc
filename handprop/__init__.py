"""handprop: the seed's backpropagation equations, implemented by hand in NumPy.

Public API (canonical layout: ``weights[l]`` of shape ``(N_l + 1, N_{l+1})``, row 0 the
bias; ``X`` ``(P, Q)``; ``Y`` ``(P, N_L)``; ``activations`` one name per layer 1..L):

* :func:`init_weights` - seeded random weights;
* :func:`forward` - seed eq. 1, the z and a of every layer;
* :func:`cost` - C, seed eq. 2 (eq. 12 for the log-likelihood);
* :func:`gradients` - dC/dw^l by backpropagation, seed eq. 7-10;
* :mod:`handprop.literal` - eq. 9 transcribed loop by loop;
* :mod:`handprop.special_cases` - eq. 11, 13, 14 and 15.

handprop never imports torch or jax.
"""

from handprop import activations, costs, literal, special_cases
from handprop.activations import ACTIVATIONS
from handprop.backprop import ForwardPass, cost, forward, gradients
from handprop.costs import COSTS
from handprop.network import init_weights, layer_sizes, validate
from handprop.train import train

__all__ = [
    "ACTIVATIONS",
    "COSTS",
    "ForwardPass",
    "activations",
    "cost",
    "costs",
    "forward",
    "gradients",
    "init_weights",
    "layer_sizes",
    "literal",
    "special_cases",
    "train",
    "validate",
]

__version__ = "0.1.0"
