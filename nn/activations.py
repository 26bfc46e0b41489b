"""Activations y = f(z), by name: elementwise ones, and softmax, a vector activation.

An elementwise activation makes one node per neuron. softmax makes, for a whole layer,
y_j = e^z_j / Σ_i e^z_i: each y_j depends on every z_i of the layer. "linear" is y = z and
makes no node at all.
"""

from __future__ import annotations

from collections.abc import Callable

import autodiff as ad
from autodiff import Value

ELEMENTWISE: dict[str, Callable[[Value], Value]] = {
    "relu": Value.relu,  # max(0, z)
    "leaky_relu": Value.leaky_relu,  # z for z > 0, else 0.01·z
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,  # 1 / (1 + e^−z)
}
ACTIVATIONS = (*ELEMENTWISE, "linear", "softmax")
"""Every activation name a layer accepts."""


def check_activation(name: object) -> str:
    """name, if it is a known activation; else a ValueError that lists the known ones."""
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; choose one of {', '.join(ACTIVATIONS)}")
    return name


def activate(name: str, zs: list[Value]) -> list[Value]:
    """The activations of a layer's pre-activations zs."""
    if name == "linear":
        return zs
    if name == "softmax":
        return ad.softmax(zs)
    f = ELEMENTWISE[name]
    return [f(z) for z in zs]
