"""nn's training speed, printed as a table; nothing is asserted.

    python benchmarks/nn_training.py [--quick]

1. micrograd's demo step (MLP 2-16-16-1 on 100 two-moons points, hinge loss + 1e-4·L2,
   backward, an SGD update) written with nn as a user writes it, next to the same step on
   the engine by hand and the hand-written floors of benchmarks/mlp_step.py (careful: skipping
   what is zero; plain: all the arithmetic), in the same run: repeats interleaved, best of each.
2. The lectures' ten-digit task as `python -m nn.demo --dataset digits` runs it: MLP 64-32-10,
   softmax output with cross-entropy, minibatches of 32, SGD with momentum 0.9 and a learning
   rate decaying linearly from 0.1 to 0.005: seconds per epoch, and the accuracy on a
   held-out fifth of the digits after the last epoch.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import mlp_step
from timing import best_of, ratio, row

import nn
from nn import demo

# -- 1. micrograd's demo step ------------------------------------------------------------------


def nn_model(workload: mlp_step.Workload) -> nn.MLP:
    """MLP(2, [16, 16, 1]) holding the workload's initial weights."""
    model = nn.MLP(mlp_step.SIZES[0], list(mlp_step.SIZES[1:]))
    for layer, weights in zip(model.layers, workload.layers):
        for neuron, (ws, b) in zip(layer.neurons, weights):
            for w, value in zip(neuron.w, ws):
                w.data = value
            neuron.b.data = b
    return model


def nn_step(model: nn.MLP, workload: mlp_step.Workload) -> Callable[[], float]:
    """The step as a user writes it with nn."""
    optimizer = nn.SGD(model.parameters(), lr=mlp_step.LEARNING_RATE)
    points, labels = workload.points, workload.labels

    def step() -> float:
        start = time.perf_counter()
        scores = [model(x) for x in points]
        loss = nn.hinge_loss(scores, labels) + nn.l2_penalty(model.parameters(), mlp_step.ALPHA)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return time.perf_counter() - start

    return step


def demo_step(repeats: int) -> None:
    workload = mlp_step.Workload()
    steps = [
        nn_step(nn_model(workload), workload),
        workload.engine_step(),
        workload.floor_step(careful=True),
        workload.floor_step(careful=False),
    ]
    ours, engine, careful, plain = best_of(repeats, *steps)
    name = "1. micrograd demo step, ms"
    row(
        name,
        f"nn {1e3 * ours:.1f}",
        f"floor, careful {1e3 * careful:.1f}",
        ratio(ours, careful),
    )
    row(name, f"nn {1e3 * ours:.1f}", f"floor, plain {1e3 * plain:.1f}", ratio(ours, plain))
    row(name, f"nn {1e3 * ours:.1f}", f"engine by hand {1e3 * engine:.1f}", ratio(ours, engine))
    print(f"\n(parameters after one step each, nn vs floor: {same_step(workload):.1e} apart)\n")


def same_step(workload: mlp_step.Workload) -> float:
    """The largest difference between nn's parameters and the floor's after one step each."""
    model = nn_model(workload)
    nn_step(model, workload)()
    workload.floor_step()()
    return max(abs(p.data - q) for p, q in zip(model.parameters(), workload.floor_parameters()))


# -- 2. the ten digits --------------------------------------------------------------------------


def digits(epochs: int, seed: int = 0) -> None:
    images, labels = nn.load_digits("ten")
    x_train, x_test, y_train, y_test = nn.train_test_split(images, labels, 0.2, seed=seed)
    model, optimizer = demo.digits_network(len(x_train), epochs, seed)
    seconds = []
    for epoch in range(epochs):
        start = time.perf_counter()
        nn.fit(
            model,
            x_train,
            y_train,
            loss=nn.cross_entropy_loss,
            optimizer=optimizer,
            epochs=1,
            batch_size=demo.BATCH_SIZE,
            seed=seed + epoch,
            progress=False,
        )
        seconds.append(time.perf_counter() - start)
    _, accuracy = nn.evaluate(model, x_test, y_test, loss=nn.cross_entropy_loss)
    best, median = min(seconds), statistics.median(seconds)
    row(f"2. digits epoch, {len(x_train)} images, s", f"{best:.2f} (median {median:.2f})", "", "")
    row(
        f"2. digits test accuracy, {len(x_test)} held out",
        f"{accuracy:.1%} after {epochs} epochs",
        "",
        "",
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats and epochs")
    args = parser.parse_args(argv)
    print(f"Python {sys.version.split()[0]}\n")
    row("workload", "nn", "reference", "ratio")
    row("---", "---", "---", "---")
    demo_step(repeats=5 if args.quick else 20)
    digits(epochs=3 if args.quick else 10)


if __name__ == "__main__":
    main()
