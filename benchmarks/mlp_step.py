"""micrograd's demo training step, three ways: this engine, plain floats by hand, micrograd.

MLP 2-16-16-1, ReLU hidden, linear output, weights uniform(-1, 1), biases 0; 100 two-moons
points with noise 0.1; loss mean(relu(1 − y·score)) + 1e-4·Σp²; backward; an SGD update.
"""

from __future__ import annotations

import copy
import itertools
import math
import random
import time
from collections.abc import Callable
from typing import Any

import autodiff
from autodiff import Value

SIZES = (2, 16, 16, 1)
ALPHA = 1e-4
LEARNING_RATE = 0.1
Layer = list[tuple[list[float], float]]  # one (weights, bias) per neuron


def two_moons(n: int, noise: float, rng: random.Random) -> tuple[list[list[float]], list[float]]:
    """Two interleaving half circles, labels -1 and +1 (as micrograd's demo uses them)."""
    points, labels = [], []
    for i in range(n):
        t = math.pi * rng.random()
        if i % 2:
            x, y, label = 1 - math.cos(t), 0.5 - math.sin(t), -1.0
        else:
            x, y, label = math.cos(t), math.sin(t), 1.0
        points.append([x + rng.gauss(0, noise), y + rng.gauss(0, noise)])
        labels.append(label)
    return points, labels


class Workload:
    def __init__(self, seed: int = 1337) -> None:
        rng = random.Random(seed)
        self.points, self.labels = two_moons(100, 0.1, rng)
        self.layers: list[Layer] = [
            [([rng.uniform(-1, 1) for _ in range(n_in)], 0.0) for _ in range(n_out)]
            for n_in, n_out in itertools.pairwise(SIZES)
        ]

    # -- this engine, as a user writes it: one dot per neuron ---------------------------------

    def engine_model(self) -> tuple[list[list[tuple[list[Value], Value]]], list[Value]]:
        layers = [[([Value(w) for w in ws], Value(b)) for ws, b in layer] for layer in self.layers]
        params = [p for layer in layers for ws, b in layer for p in (*ws, b)]
        return layers, params

    def engine_step(self) -> Callable[[], float]:
        layers, params = self.engine_model()
        points, labels = self.points, self.labels

        def score(x: list[float]) -> Value:
            h: list[Any] = x
            for layer in layers[:-1]:
                h = [autodiff.dot(ws, h, b).relu() for ws, b in layer]
            ws, b = layers[-1][0]
            score: Value = autodiff.dot(ws, h, b)
            return score

        def step() -> float:
            start = time.perf_counter()
            losses = [(1 - yi * score(xi)).relu() for xi, yi in zip(points, labels)]
            data_loss = autodiff.sum(losses) * (1.0 / len(losses))
            reg_loss = ALPHA * autodiff.sum([p * p for p in params])
            total = data_loss + reg_loss
            autodiff.zero_grad(params)
            total.backward()
            for p in params:
                p.data -= LEARNING_RATE * p.grad
            return time.perf_counter() - start

        self._engine_params = params
        return step

    # -- the floor: plain floats, gradients derived by hand -----------------------------------

    def floor_step(self, careful: bool = True) -> Callable[[], float]:
        """The step by hand. careful: skip what is zero (samples inside the margin, dead
        units, the gradient of the inputs), as anyone writing it by hand would; otherwise
        do all the arithmetic the engine does."""
        layers = copy.deepcopy(self.layers)
        points, labels = self.points, self.labels
        n = len(points)
        last = len(layers) - 1

        def step() -> float:
            start = time.perf_counter()
            grad_w = [[[0.0] * len(ws) for ws, _ in layer] for layer in layers]
            grad_b = [[0.0] * len(layer) for layer in layers]
            for x, label in zip(points, labels):
                acts, zs = [x], []
                for k, layer in enumerate(layers):  # forward: z = Σ w·h + b, h = relu(z)
                    z = [sum([w * h for w, h in zip(ws, acts[-1])]) + b for ws, b in layer]
                    zs.append(z)
                    acts.append(z if k == last else [v if v > 0 else 0.0 for v in z])
                margin = 1 - label * acts[-1][0]
                if careful and margin <= 0:
                    continue  # relu(margin) is flat here: no gradient
                g = [-label / n if margin > 0 else 0.0]  # d loss / d score
                for k in range(last, -1, -1):  # backward, layer by layer
                    if k != last:
                        g = [gi if zi > 0 else 0.0 for gi, zi in zip(g, zs[k])]
                    h_in = acts[k]
                    g_in = [0.0] * len(h_in) if k or not careful else None
                    for j, gj in enumerate(g):
                        if careful and gj == 0.0:
                            continue
                        row = grad_w[k][j]
                        for i, h in enumerate(h_in):
                            row[i] += gj * h
                        grad_b[k][j] += gj
                        if g_in is not None:
                            for i, w in enumerate(layers[k][j][0]):
                                g_in[i] += gj * w
                    g = g_in or []
            for k, layer in enumerate(layers):  # the L2 term and the SGD update
                for j, (ws, b) in enumerate(layer):
                    gw, gb = grad_w[k][j], grad_b[k][j]
                    new_ws = [w - LEARNING_RATE * (gwi + 2 * ALPHA * w) for w, gwi in zip(ws, gw)]
                    layer[j] = (new_ws, b - LEARNING_RATE * (gb + 2 * ALPHA * b))
            return time.perf_counter() - start

        self._floor_layers = layers
        return step

    # -- micrograd's own nn, if installed -----------------------------------------------------

    def micrograd_step(self) -> Callable[[], float]:
        from micrograd.engine import Value as MValue
        from micrograd.nn import MLP

        model = MLP(SIZES[0], list(SIZES[1:]))
        for layer, ours in zip(model.layers, self.layers):
            for neuron, (ws, b) in zip(layer.neurons, ours):
                neuron.w = [MValue(w) for w in ws]
                neuron.b = MValue(b)
        points, labels = self.points, self.labels

        def step() -> float:
            start = time.perf_counter()
            inputs = [list(map(MValue, row)) for row in points]
            scores = list(map(model, inputs))
            losses = [(1 + -yi * si).relu() for yi, si in zip(labels, scores)]
            data_loss = sum(losses) * (1.0 / len(losses))
            reg_loss = ALPHA * sum(p * p for p in model.parameters())
            total = data_loss + reg_loss
            model.zero_grad()
            total.backward()
            for p in model.parameters():
                p.data -= LEARNING_RATE * p.grad
            return time.perf_counter() - start

        return step

    def floor_parameters(self) -> list[float]:
        """The parameters of the last floor step made, in the engine's order."""
        return [p for layer in self._floor_layers for ws, b in layer for p in (*ws, b)]

    def check(self) -> float:
        """Largest parameter difference between the engine and the floor after one step each."""
        self.engine_step()()
        self.floor_step()()
        floor = self.floor_parameters()
        return max(abs(a.data - b) for a, b in zip(self._engine_params, floor))
