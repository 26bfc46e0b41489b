"""The units of a network, read from the labels of its Values: which diagram box each belongs to.

A diagram of a network's graph draws one box per unit (neuron), as the lectures do, only if it
can tell the units apart. It reads them from a naming convention, stated here and followed by
`nn`, which labels the Values it makes so (layer k, neuron j, input i, each counted from 1):

- ``w{k}.{j}.{i}`` and ``b{k}.{j}``: the parameters (weights, bias) of neuron j of layer k;
- ``z{k}.{j}``: its pre-activation, Σ_i w·y + b; ``y{k}.{j}``: its activation, f(z).

Any Value so labelled belongs to unit (k, j); a leaf labelled as a weight or a bias is a
parameter. The convention is the whole interface: autodiff never imports nn, and a network
built by hand with the same labels is drawn the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from autodiff.checks import as_value
from autodiff.value import Value

_LABEL = re.compile(r"w(\d+)\.(\d+)\.\d+|([bzy])(\d+)\.(\d+)")


@dataclass(frozen=True, order=True)
class Unit:
    """Neuron ``neuron`` of layer ``layer``, both counted from 1."""

    layer: int
    neuron: int

    def __str__(self) -> str:
        return f"{self.layer}.{self.neuron}"


def unit_of(value: Value) -> Unit | None:
    """The unit a Value belongs to by its label (see the module docstring), or None."""
    found = _LABEL.fullmatch(as_value(value, "unit_of(value)").label)
    if found is None:
        return None
    layer, neuron = found.group(1, 2) if found.group(1) else found.group(4, 5)
    return Unit(int(layer), int(neuron))


def is_parameter(value: Value) -> bool:
    """Whether a Value is a leaf labelled as a unit's weight or bias."""
    return value.primitive is None and value.label[:1] in "wb" and unit_of(value) is not None
