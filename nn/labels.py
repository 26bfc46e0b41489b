"""The labels of a network's nodes, and the clusters a diagram groups them into.

Layer k, neuron j and input i are counted from 1, as in the lectures:

- the inputs of the network, when given as numbers: ``x{i}`` (the lectures' y0.i);
- parameters: weight ``w{k}.{j}.{i}`` and bias ``b{k}.{j}``;
- pre-activation ``z{k}.{j}`` = Σ_i w{k}.{j}.{i}·y{k-1}.{i} + b{k}.{j};
- activation ``y{k}.{j}`` = f(z{k}.{j}); a linear neuron makes no y node: its output is z.

A diagram renderer takes `neuron_of` or `layer_of` as its ``cluster=`` function.
"""

from __future__ import annotations

import re

from autodiff import Value

_LABEL = re.compile(r"(?:w(\d+)\.(\d+)\.\d+|[bzy](\d+)\.(\d+))")


def input_label(index: int) -> str:
    return f"x{index}"


def weight_label(layer: int, neuron: int, index: int) -> str:
    return f"w{layer}.{neuron}.{index}"


def bias_label(layer: int, neuron: int) -> str:
    return f"b{layer}.{neuron}"


def pre_activation_label(layer: int, neuron: int) -> str:
    return f"z{layer}.{neuron}"


def activation_label(layer: int, neuron: int) -> str:
    return f"y{layer}.{neuron}"


def _position(value: Value) -> tuple[str, str] | None:
    """(layer, neuron) of a node labelled by a network, else None."""
    found = _LABEL.fullmatch(value.label)
    if found is None:
        return None
    layer, neuron = found.group(1, 2) if found.group(1) else found.group(3, 4)
    return layer, neuron


def neuron_of(value: Value) -> str | None:
    """'layer k, neuron j' for a parameter, z or y of that neuron; None for any other node."""
    position = _position(value)
    return None if position is None else f"layer {position[0]}, neuron {position[1]}"


def layer_of(value: Value) -> str | None:
    """'layer k' for a parameter, z or y of a neuron of that layer; None for any other node."""
    position = _position(value)
    return None if position is None else f"layer {position[0]}"
