"""``fit(vectorize=True)``: training with the parameters as NumPy arrays.

The step is compiled for one sample and run over the batch as matrices (`autodiff.compile`
with ``vectorize=True``), each layer's weights W and biases b passed whole, so its code is the
lectures' vector form of a layer, Z = W·X + b. While fit runs, the parameters live in one flat
vector, each layer's W and b views of it; the optimizer's update is its rule (`nn.optim`)
applied to the whole vector, L2 added as 2·l2·p. The model's Values are written back at the
end of each epoch (before the validation data and the live view read them) and when fit
returns or stops.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import autodiff as ad
from autodiff import Value
from nn.module import MLP
from nn.optim import Optimizer

SampleLoss = Callable[[list[Value], list[Value]], tuple[Value, Any]]
"""A sample's loss, and whether the model classed it right, from its inputs and target."""


class ArrayStep:
    """One training step on arrays (see the module docstring), called with the positions of
    a batch's samples in the training data (x, y)."""

    def __init__(
        self,
        model: MLP,
        optimizer: Optimizer,
        *,
        l2: float,
        x: Sequence[Any],
        y: Sequence[Any],
        compiled: ad.Compiled,
    ) -> None:
        import numpy as np  # noqa: PLC0415 -- NumPy is optional: compiled said so if missing

        self.np, self.compiled, self.optimizer, self.l2 = np, compiled, optimizer, l2
        # Layer by layer, its weights row by row, then its biases: each W and b a contiguous
        # piece of the flat vector, as matrix products run fastest on.
        self.parameters = [
            p
            for layer in model.layers
            for p in [*(w for n in layer.neurons for w in n.w), *(n.b for n in layer.neurons)]
        ]
        position = {id(p): i for i, p in enumerate(self.parameters)}
        if len(position) != len(self.parameters):
            raise ValueError(
                "fit(vectorize=True) keeps each layer's weights as a matrix: this model shares "
                "a parameter between neurons (a tied weight); train it without vectorize"
            )
        chosen = [position.get(id(p)) for p in optimizer.parameters]
        if None in chosen:
            raise ValueError(
                "fit(vectorize=True) updates the model's parameters as arrays: the optimizer "
                "holds other Values too (build it with model.parameters())"
            )
        everything = chosen == list(range(len(self.parameters)))
        self.chosen: Any = slice(None) if everything else np.array(chosen)
        self.flat = np.array([p.data for p in self.parameters])
        self.grad = np.zeros_like(self.flat)
        self.arrays: list[Any] = []  # W1, b1, W2, b2, ...: views of flat
        start = 0
        for layer in model.layers:
            n_out, n_in = len(layer.neurons), layer.nin
            self.arrays.append(self.flat[start : start + n_out * n_in].reshape(n_out, n_in))
            self.arrays.append(self.flat[start + n_out * n_in : start + n_out * (n_in + 1)])
            start += n_out * (n_in + 1)
        self.state = {name: np.array(values) for name, values in optimizer.state().items()}
        self.x, self.y = np.array(x, dtype=float), np.array(y, dtype=float)
        self.everything = list(range(len(x)))  # a batch of all the samples, in order

    @property
    def compiles(self) -> bool:
        """Whether the next call traces and compiles first."""
        return self.compiled.traces == 0

    def __call__(self, batch: list[int]) -> tuple[float, int]:
        np, optimizer = self.np, self.optimizer
        x, y = (self.x, self.y) if batch == self.everything else (self.x[batch], self.y[batch])
        loss, accuracy, *grads = self.compiled(x, y, *self.arrays)
        grad = np.concatenate(grads)  # each array's gradient, flattened: in flat's order
        if self.l2:
            grad += 2 * self.l2 * self.flat
        lr = optimizer.learning_rate()
        chosen = self.chosen
        with np.errstate(over="ignore", invalid="ignore"):  # found below, and named
            updated, *state = optimizer.rule(lr, np)(
                self.flat[chosen], grad[chosen], *self.state.values()
            )
        if not math.isfinite(updated.sum()):  # nothing changed yet: the step is not done
            i = int(np.flatnonzero(~np.isfinite(updated))[0])
            raise optimizer.not_finite(i, float(updated[i]), float(grad[chosen][i]), lr)
        self.flat[chosen] = updated
        self.state = dict(zip(self.state, state))
        self.grad = grad
        optimizer.steps += 1
        return loss, round(accuracy * len(batch))

    def write_back(self) -> None:
        """The model's Values (numbers and last gradients) and the optimizer's state, as the
        arrays have them."""
        for p, data, grad in zip(self.parameters, self.flat.tolist(), self.grad.tolist()):
            p.data, p.grad = data, grad
        for name, values in self.optimizer.state().items():
            values[:] = self.state[name].tolist()


def array_function(model: MLP, sample_loss: SampleLoss) -> ad.Compiled:
    """The step's arithmetic for one sample, of its inputs, target and the layers' arrays
    (W1, b1, W2, b2, ...), compiled to run on a batch: the mean loss, the fraction classed
    right, and the gradient of each array, flattened."""

    def sample(x: list[Value], t: list[Value], *arrays: Any) -> tuple[Any, ...]:
        with _computing_with(model, arrays):
            loss, correct = sample_loss(x, t)
        each = [[v for row in a for v in row] if isinstance(a[0], list) else a for a in arrays]
        grads = ad.gradients(loss, [v for values in each for v in values])
        pieces, start = [], 0
        for values in each:
            pieces.append(grads[start : start + len(values)])
            start += len(values)
        return (loss, correct, *pieces)

    in_axes = (0, 0, *[None] * (2 * len(model.layers)))
    return ad.compile(sample, vectorize=True, reduce="mean", in_axes=in_axes)


@contextmanager
def _computing_with(model: MLP, arrays: Sequence[Any]) -> Iterator[None]:
    """The model's neurons with these weights and biases (lists of Values standing for the
    arrays while the step is traced), and their own again after."""
    neurons = [neuron for layer in model.layers for neuron in layer.neurons]
    own = [(neuron.w, neuron.b) for neuron in neurons]
    try:
        for layer, w, b in zip(model.layers, arrays[::2], arrays[1::2]):
            for neuron, row, bias in zip(layer.neurons, w, b):
                neuron.w, neuron.b = row, bias
        yield
    finally:
        for neuron, (w, b) in zip(neurons, own):
            neuron.w, neuron.b = w, b
