"""Neural networks built on `autodiff`: neurons, layers, MLPs, losses, optimizers, training.

micrograd's API (``MLP(2, [16, 16, 1])``, ``parameters()``, ``zero_grad()``) runs unchanged.
Each neuron is one affine node z = Σ w·x + b and one activation node y = f(z), labelled
``w{k}.{j}.{i}``, ``b{k}.{j}``, ``z{k}.{j}``, ``y{k}.{j}`` (layer k, neuron j, input i, from 1),
so a network's graph is the lectures' influence diagram; `neuron_of` and `layer_of` group its
nodes for a diagram. `fit` trains with a progress bar; `python -m nn.demo` shows it all.

    >>> import nn
    >>> model = nn.MLP(2, [4, 1], init="xavier", seed=0)
    >>> model.num_parameters()
    17
    >>> model([1.0, -1.0]).label
    'z2.1'
"""

from nn.datasets import (
    load_digits,
    make_circles,
    make_moons,
    make_spirals,
    make_xor,
    minibatches,
    train_test_split,
)
from nn.io import load, save
from nn.losses import (
    Loss,
    bce_loss,
    cross_entropy_loss,
    hinge_loss,
    kl_loss,
    l2_penalty,
    mse_loss,
)
from nn.module import ACTIVATIONS, INITS, MLP, Layer, Module, Neuron, layer_of, neuron_of
from nn.optim import SGD, Adam, Optimizer, linear_decay
from nn.plot import plot_decision_boundary, plot_history
from nn.train import Evaluation, History, classify, evaluate, fit, predict

__all__ = [
    "ACTIVATIONS",
    "INITS",
    "MLP",
    "SGD",
    "Adam",
    "Evaluation",
    "History",
    "Layer",
    "Loss",
    "Module",
    "Neuron",
    "Optimizer",
    "bce_loss",
    "classify",
    "cross_entropy_loss",
    "evaluate",
    "fit",
    "hinge_loss",
    "kl_loss",
    "l2_penalty",
    "layer_of",
    "linear_decay",
    "load",
    "load_digits",
    "make_circles",
    "make_moons",
    "make_spirals",
    "make_xor",
    "minibatches",
    "mse_loss",
    "neuron_of",
    "plot_decision_boundary",
    "plot_history",
    "predict",
    "save",
    "train_test_split",
]
