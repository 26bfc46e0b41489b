"""Neurons, layers and multi-layer perceptrons, with micrograd's API.

A neuron is the lectures' affine combination z = Σ_i w_i·x_i + b, ONE `autodiff.dot` node,
followed by its activation y = f(z), one more node; so the graph of a network is the
lectures' influence diagram of z's and y's.

As in micrograd, ``MLP(nin, nouts)`` has ReLU hidden layers and a linear output, weights drawn
from U(−1, 1) and biases 0; calling a model (or a layer) whose last layer has one output
returns a single Value. Unlike micrograd, a hidden layer of width 1 works.

**Labels.** Layer k, neuron j and input i are counted from 1, as in the lectures, and follow
the convention by which a diagram tells a network's units apart (`autodiff.unit_of`):

- the inputs of the network, when given as numbers: ``x{i}`` (the lectures' y0.i);
- parameters: weight ``w{k}.{j}.{i}`` and bias ``b{k}.{j}``;
- pre-activation ``z{k}.{j}`` = Σ_i w{k}.{j}.{i}·y{k-1}.{i} + b{k}.{j};
- activation ``y{k}.{j}`` = f(z{k}.{j}); a linear neuron makes no y node: its output is z.

So `autodiff.draw` draws a network one box per unit, its parameters folded in, without being
told which Values they are; `neuron_of` and `layer_of` group Values for ``cluster=``.

**Activations**, by name: elementwise ones make one node per neuron; softmax, a vector
activation, makes for a whole layer y_j = e^z_j / Σ_i e^z_i, each y_j depending on every z_i;
"linear" is y = z and makes no node at all.

**Initial weights**, by name (biases always start at 0), for a neuron with n_in inputs in a
layer of n_out neurons:

- "xavier" (Glorot, the lectures' scheme): w ~ N(0, σ), σ = sqrt(2 / (n_in + n_out));
- "he" (for ReLU layers): w ~ N(0, σ), σ = sqrt(2 / n_in);
- "uniform" (micrograd's): w ~ U(−1, 1).
"""

from __future__ import annotations

import math
import numbers
import random
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence

import autodiff as ad
from autodiff import Operand, Value
from autodiff.checks import as_count, as_value
from nn.checks import MAX_COUNT, Seed, check_name, make_rng

# -- labels ------------------------------------------------------------------------------------


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


def neuron_of(value: Value) -> str | None:
    """'layer k, neuron j' for a parameter, z or y of that neuron; None for any other node."""
    unit = ad.unit_of(as_value(value, "neuron_of(value)"))
    return None if unit is None else f"layer {unit.layer}, neuron {unit.neuron}"


def layer_of(value: Value) -> str | None:
    """'layer k' for a parameter, z or y of a neuron of that layer; None for any other node."""
    unit = ad.unit_of(as_value(value, "layer_of(value)"))
    return None if unit is None else f"layer {unit.layer}"


# -- activations ---------------------------------------------------------------------------------

ELEMENTWISE: dict[str, Callable[[Value], Value]] = {
    "relu": Value.relu,  # max(0, z)
    "leaky_relu": Value.leaky_relu,  # z for z > 0, else 0.01·z
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,  # 1 / (1 + e^−z)
}
ACTIVATIONS = (*ELEMENTWISE, "linear", "softmax")
"""Every activation name a layer accepts."""


def check_activation(name: object, where: str = "") -> str:
    """name, if it is a known activation; else a ValueError that lists the known ones."""
    return check_name(name, ACTIVATIONS, "activation", where)


def activate(name: str, zs: list[Value]) -> list[Value]:
    """The activations of a layer's pre-activations zs."""
    if name == "linear":
        return zs
    if name == "softmax":
        return ad.softmax(zs)
    f = ELEMENTWISE[name]
    return [f(z) for z in zs]


# -- initial weights -----------------------------------------------------------------------------

WeightInit = Callable[[random.Random, int, int], float]
"""(rng, n_in, n_out) -> one weight."""


def xavier(rng: random.Random, n_in: int, n_out: int) -> float:
    """w ~ N(0, sqrt(2 / (n_in + n_out)))"""
    return rng.gauss(0.0, math.sqrt(2.0 / (n_in + n_out)))


def he(rng: random.Random, n_in: int, n_out: int) -> float:
    """w ~ N(0, sqrt(2 / n_in))"""
    return rng.gauss(0.0, math.sqrt(2.0 / n_in))


def uniform(rng: random.Random, n_in: int, n_out: int) -> float:
    """w ~ U(−1, 1)"""
    return rng.uniform(-1.0, 1.0)


INITS: dict[str, WeightInit] = {"xavier": xavier, "he": he, "uniform": uniform}
"""Every initialisation a layer accepts, by name."""


def weight_init(name: object) -> WeightInit:
    """The scheme called name; a ValueError that lists the known ones for any other name."""
    return INITS[check_name(name, INITS, "init")]


# -- modules ---------------------------------------------------------------------------------------

Inputs = Sequence[Operand] | Operand
"""One sample: a sequence of numbers or Values, or a lone one for a layer with one input."""


class Module:
    """Something with parameters: `parameters()`, `named_parameters()`, `zero_grad()`."""

    def named_own_parameters(self) -> list[tuple[str, Value]]:
        """(name, parameter) of the parameters held directly, not by a submodule."""
        return []

    def named_children(self) -> list[tuple[str, Module]]:
        """(name, submodule) of the direct submodules."""
        return []

    def parameters(self) -> list[Value]:
        """Every parameter once, in a fixed order: this module's own, then each child's.

        A parameter held in two places (a tied weight) is listed once, where first found, as
        in PyTorch: an optimizer then updates it once per step, and L2 counts it once.
        """
        return [p for _, p in self.named_parameters()]

    def named_parameters(self) -> list[tuple[str, Value]]:
        """(dotted name, parameter) in the order of `parameters()`, a tied one by its first name.

        Names are attribute paths with 0-based list indices, as in PyTorch:
        "layers.0.neurons.3.w.1" is ``model.layers[0].neurons[3].w[1]``, whose node label
        (1-based, as in the lectures) is "w1.4.2".
        """
        first: dict[int, tuple[str, Value]] = {}
        for name, p in self._named_parameters_with_repeats():
            first.setdefault(id(p), (name, p))
        return list(first.values())

    def _named_parameters_with_repeats(self) -> list[tuple[str, Value]]:
        named = self.named_own_parameters()
        for prefix, child in self.named_children():
            named += [(f"{prefix}.{name}", p) for name, p in child._named_parameters_with_repeats()]
        return named

    def num_parameters(self) -> int:
        return len(self.parameters())

    def zero_grad(self) -> None:
        """Set every parameter's gradient to 0, before a backward pass accumulates anew."""
        ad.zero_grad(self.parameters())


class Neuron(Module):
    """y = f(z), z = Σ_i w_i·x_i + b: with micrograd's ``nonlin``, f is ReLU, else linear.

    ``activation`` names f instead (see the module docstring; softmax belongs to a Layer);
    ``init`` names the weight scheme (see the module docstring), which draws from ``seed``
    (see `nn.checks.make_rng`)
    and uses ``fan_out``, the width of the layer; ``position`` = (layer, neuron) numbers the
    labels of its nodes, from 1.
    """

    def __init__(
        self,
        nin: int,
        nonlin: bool = True,
        *,
        activation: str | None = None,
        init: str = "uniform",
        seed: Seed = None,
        fan_out: int = 1,
        position: tuple[int, int] = (1, 1),
    ) -> None:
        nin = as_count(nin, "Neuron(nin)", most=MAX_COUNT)
        self.activation = _activation(nonlin, activation)
        if self.activation not in (*ELEMENTWISE, "linear"):
            raise ValueError(f"{self.activation} is the activation of a whole Layer, not a Neuron")
        draw, rng = weight_init(init), make_rng(seed)
        k, j = position
        self.w = [Value(draw(rng, nin, fan_out), weight_label(k, j, i + 1)) for i in range(nin)]
        self.b = Value(0.0, bias_label(k, j))
        self._z_label, self._y_label = pre_activation_label(k, j), activation_label(k, j)

    @property
    def nonlin(self) -> bool:
        return self.activation != "linear"

    def __call__(self, x: Inputs) -> Value:
        (y,) = _activated(self.activation, [self.pre_activation(x)], [self._y_label])
        return y

    def pre_activation(self, x: Inputs) -> Value:
        """z = Σ_i w_i·x_i + b."""
        return self.combine(lift(x, len(self.w), "Neuron"))

    def combine(self, xs: list[Value]) -> Value:
        """z = Σ_i w_i·x_i + b, as one node, of inputs already checked and made Values."""
        z = ad.dot(self.w, xs, self.b)
        z.label = self._z_label
        return z

    def named_own_parameters(self) -> list[tuple[str, Value]]:
        return [*((f"w.{i}", w) for i, w in enumerate(self.w)), ("b", self.b)]

    def __repr__(self) -> str:
        return f"Neuron({len(self.w)}, {self.activation})"


class Block(Module, ABC):
    """A module that maps one sample to a list of outputs, `forward`; calling it gives them."""

    def __call__(self, x: Inputs) -> Value | list[Value]:
        """The outputs; a single Value if there is one, as in micrograd."""
        return single_or_list(self.forward(x))

    @abstractmethod
    def forward(self, x: Inputs) -> list[Value]:
        """The outputs, as a list even for one."""


class Layer(Block):
    """nout neurons with nin inputs each, and one activation for all of them.

    With micrograd's ``nonlin`` the activation is ReLU, else linear; ``activation`` names it
    instead, softmax included. ``init`` and ``seed`` as for a Neuron; ``position`` numbers the
    layer in the labels, from 1.
    """

    def __init__(
        self,
        nin: int,
        nout: int,
        nonlin: bool = True,
        *,
        activation: str | None = None,
        init: str = "uniform",
        seed: Seed = None,
        position: int = 1,
    ) -> None:
        nin, nout = (
            as_count(nin, "Layer(nin)", most=MAX_COUNT),
            as_count(nout, "Layer(nout)", most=MAX_COUNT),
        )
        self.nin, self.position = nin, position
        self.activation = _activation(nonlin, activation)
        # A vector activation acts on the whole layer: its neurons only make the z's.
        per_neuron = self.activation if self.activation in ELEMENTWISE else "linear"
        rng = make_rng(seed)
        self.neurons = [
            Neuron(
                nin,
                activation=per_neuron,
                init=init,
                seed=rng,
                fan_out=nout,
                position=(position, j),
            )
            for j in range(1, nout + 1)
        ]
        self._y_labels = [activation_label(position, j) for j in range(1, nout + 1)]

    def forward(self, x: Inputs) -> list[Value]:
        """The activations y_j = f(z)_j, as a list even for one neuron."""
        return _activated(self.activation, self.pre_activations(x), self._y_labels)

    def pre_activations(self, x: Inputs) -> list[Value]:
        """z_j = Σ_i w_ji·x_i + b_j for each neuron j."""
        xs = lift(x, self.nin, f"layer {self.position}")  # once for all the neurons
        return [neuron.combine(xs) for neuron in self.neurons]

    def named_children(self) -> list[tuple[str, Module]]:
        return [(f"neurons.{j}", neuron) for j, neuron in enumerate(self.neurons)]

    def __repr__(self) -> str:
        return f"Layer({self.nin} -> {len(self.neurons)}, {self.activation})"


class MLP(Block):
    """Layers of sizes nin → nouts[0] → ... → nouts[-1].

    As in micrograd, hidden layers are ReLU and the output linear; ``activation`` and
    ``output`` name them instead (see the module docstring). ``init`` and ``seed`` as for a Layer;
    every layer draws from the one generator.
    """

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        *,
        activation: str = "relu",
        output: str = "linear",
        init: str = "uniform",
        seed: Seed = None,
    ) -> None:
        sizes = [as_count(nin, "MLP(nin)", most=MAX_COUNT), *_layer_sizes(nouts)]
        # Both, even where no layer uses one (no hidden layer): a typo is never ignored.
        check_activation(activation, "MLP(activation)")
        check_activation(output, "MLP(output)")
        rng = make_rng(seed)
        n_layers = len(sizes) - 1
        self.layers = [
            Layer(
                sizes[k],
                sizes[k + 1],
                activation=output if k == n_layers - 1 else activation,
                init=init,
                seed=rng,
                position=k + 1,
            )
            for k in range(n_layers)
        ]

    @property
    def output_activation(self) -> str:
        return self.layers[-1].activation

    @property
    def nin(self) -> int:
        """The number of inputs."""
        return self.layers[0].nin

    @property
    def nout(self) -> int:
        """The number of outputs."""
        return len(self.layers[-1].neurons)

    def forward(self, x: Inputs) -> list[Value]:
        """The outputs, as a list even for one."""
        h = self.layers[0].forward(x)
        for layer in self.layers[1:]:
            h = layer.forward(h)
        return h

    def logits(self, x: Inputs) -> list[Value]:
        """The output layer's pre-activations z, before its activation (a list)."""
        h: Inputs = x
        for layer in self.layers[:-1]:
            h = layer.forward(h)
        return self.layers[-1].pre_activations(h)

    def named_children(self) -> list[tuple[str, Module]]:
        return [(f"layers.{k}", layer) for k, layer in enumerate(self.layers)]

    def __repr__(self) -> str:
        sizes = [self.nin, *(len(layer.neurons) for layer in self.layers)]
        lines = [f"MLP({' -> '.join(map(str, sizes))}, {self.num_parameters()} parameters)"]
        lines += [f"  ({name}) {layer!r}" for name, layer in self.named_children()]
        return "\n".join(lines)


def lift(x: Inputs, n: int, where: str) -> list[Value]:
    """The n inputs of one sample as Values (numbers become constant leaves), or a clear error."""
    xs = check_inputs(x, n, where)
    return [v if isinstance(v, Value) else Value(v, input_label(i)) for i, v in enumerate(xs, 1)]


def check_inputs(x: Inputs, n: int, where: str) -> list[Operand]:
    """The n inputs of one sample as a list, or a clear error."""
    if isinstance(x, Value | numbers.Real):
        x = [x]
    try:
        xs = list(x)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(f"{where} takes a sequence of numbers, got {type(x).__name__!r}") from None
    if len(xs) != n:
        raise ValueError(f"{where} takes {n} input{'s' * (n != 1)}, got {len(xs)}")
    return xs


def _layer_sizes(nouts: object) -> list[int]:
    """nouts as a list of sizes, or a clear error."""
    try:  # not `not nouts`: a NumPy array has no truth value
        sizes = [] if isinstance(nouts, str) else list(nouts)  # type: ignore[call-overload]
    except TypeError:  # a lone number
        sizes = []
    if not sizes:
        raise ValueError(f"MLP(nouts) needs a list of layer sizes, got {nouts!r}")
    return [as_count(n, "MLP(nouts)", most=MAX_COUNT) for n in sizes]


def single_or_list(ys: list[Value]) -> Value | list[Value]:
    return ys[0] if len(ys) == 1 else ys


def _activated(name: str, zs: list[Value], labels: Iterable[str]) -> list[Value]:
    ys = activate(name, zs)
    if ys is not zs:  # "linear" makes no node: y is z, and keeps the label z
        for y, label in zip(ys, labels):
            y.label = label
    return ys


def _activation(nonlin: bool, activation: str | None) -> str:
    if activation is None:
        return "relu" if nonlin else "linear"
    name = check_activation(activation)
    if not nonlin and name != "linear":
        raise ValueError(f"nonlin=False contradicts activation={name!r}")
    return name
