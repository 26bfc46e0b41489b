"""The main job: train a network, print how well it does, and draw it.

    python -m nn.demo [--dataset {moons,digits}] [--epochs N] [--out DIR] [--seed N]
                      [--compile | --vectorize]

moons: micrograd's demo, MLP 2-16-16-1 on 100 two-moons points, SVM hinge loss + 1e-4·L2,
SGD with the learning rate decaying linearly from 1.0 to 0.1; writes the decision boundary,
the loss curve, and two influence diagrams: the lectures' neuron tanh(x1·w1 + x2·w2 + b),
and the trained network on one input, a box per unit.

digits: the lectures' ten-digit task, MLP 64-32-10 with a softmax output and cross-entropy,
SGD with momentum 0.9 on minibatches of 32 (learning rate decaying linearly from 0.1 to
0.005), tested on a held-out fifth of the digits; writes the curves.

--compile trains through the compiled step (`autodiff.compile`), --vectorize through the
step compiled for a batch of NumPy arrays: the same training, faster.
"""

from __future__ import annotations

import argparse
import math
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from autodiff import RenderingError, Value, draw
from nn.checks import Seed
from nn.datasets import load_digits, make_moons, train_test_split
from nn.losses import cross_entropy_loss, hinge_loss
from nn.module import MLP
from nn.optim import SGD, linear_decay
from nn.plot import plot_decision_boundary, plot_history
from nn.train import evaluate, fit

EPOCHS = {"moons": 100, "digits": 10}
BATCH_SIZE = 32  # of the digits


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    epochs = args.epochs or EPOCHS[args.dataset]
    rng = random.Random(args.seed)  # one generator for the data, the weights and the batches
    how = {"compile": args.compile, "vectorize": args.vectorize}
    train = moons if args.dataset == "moons" else digits
    written = train(epochs, out, rng, how)
    for path in written:
        print(f"wrote {path}")
    return 0


def moons(epochs: int, out: Path, rng: random.Random, how: dict[str, bool]) -> list[Path]:
    points, classes = make_moons(100, noise=0.1, seed=rng)
    y = [2 * c - 1 for c in classes]  # the hinge loss wants labels -1 and +1
    model = MLP(2, [16, 16, 1], seed=rng)
    print(model)
    optimizer = SGD(model.parameters(), lr=linear_decay(1.0, 0.1, epochs))
    history = fit(
        model,
        points,
        y,
        loss=hinge_loss,
        optimizer=optimizer,
        epochs=epochs,
        l2=1e-4,
        seed=rng,
        compile=how["compile"],
        vectorize=how["vectorize"],
    )
    loss, accuracy = evaluate(model, points, y, loss=hinge_loss)
    print(f"after {epochs} epochs: hinge loss {loss:.4f}, training accuracy {accuracy:.1%}")
    paths = [out / "moons-decision-boundary.svg", out / "moons-loss.svg"]
    plot_decision_boundary(model, points, y, paths[0])
    plot_history(history, paths[1])
    return paths + influence_diagrams(model, points[0], out)


def influence_diagrams(model: MLP, point: list[float], out: Path) -> list[Path]:
    """The neuron of the README, y = tanh(x1·w1 + x2·w2 + b), and the network on one input."""
    x1, x2 = Value(2.0, "x1"), Value(0.0, "x2")
    weights = [Value(-3.0, "w1"), Value(1.0, "w2"), Value(6.8813735870195432, "b")]
    w1, w2, b = weights
    neuron = (x1 * w1 + x2 * w2 + b).tanh()
    neuron.label = "y"
    neuron.backward()
    score = model(point)
    assert isinstance(score, Value)
    score.backward()
    diagrams = {
        "neuron": draw(neuron, params=weights),
        # One box per unit, its parameters folded in: the lectures' picture of the network.
        "mlp-on-one-input": draw(score),
    }
    return [_save(diagram, out / name) for name, diagram in diagrams.items()]


def _save(diagram: Any, stem: Path) -> Path:
    """As SVG; as DOT text, saying why, where nothing on this machine renders SVG."""
    try:
        written: Path = diagram.write(stem.with_suffix(".svg"))
    except RenderingError as error:
        print(f"{error}\nwriting the DOT text instead")
        written = diagram.write(stem.with_suffix(".dot"))
    return written


def digits(epochs: int, out: Path, rng: random.Random, how: dict[str, bool]) -> list[Path]:
    images, labels = load_digits("ten")
    x_train, x_test, y_train, y_test = train_test_split(images, labels, test_fraction=0.2, seed=rng)
    model, optimizer = digits_network(len(x_train), epochs, rng)
    print(model)
    history = fit(
        model,
        x_train,
        y_train,
        loss=cross_entropy_loss,
        optimizer=optimizer,
        epochs=epochs,
        batch_size=BATCH_SIZE,
        validation=(x_test, y_test),
        seed=rng,
        compile=how["compile"],
        vectorize=how["vectorize"],
    )
    loss, accuracy = evaluate(model, x_test, y_test, loss=cross_entropy_loss)
    print(
        f"after {epochs} epochs: test cross-entropy {loss:.4f}, "
        f"test accuracy {accuracy:.1%} ({len(x_test)} held-out digits)"
    )
    path = out / "digits-loss.svg"
    plot_history(history, path)
    return [path]


def digits_network(n_train: int, epochs: int, seed: Seed) -> tuple[MLP, SGD]:
    """The ten-digit model, and its optimizer for epochs of n_train images in BATCH_SIZE's."""
    model = MLP(64, [32, 10], output="softmax", init="xavier", seed=seed)
    steps = epochs * math.ceil(n_train / BATCH_SIZE)
    optimizer = SGD(model.parameters(), lr=linear_decay(0.1, 0.005, steps), momentum=0.9)
    return model, optimizer


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="autodiff demo", description="Train a small network with nn, and plot it."
    )
    parser.add_argument("--dataset", choices=sorted(EPOCHS), default="moons", help="default: moons")
    parser.add_argument("--epochs", type=positive_int, help="default: 100 for moons, 10 for digits")
    parser.add_argument(
        "--out", default="demo-output", help="folder for the images (default: %(default)s)"
    )
    parser.add_argument("--seed", type=int, default=1337, help="default: %(default)s")
    compiled = parser.add_mutually_exclusive_group()
    compiled.add_argument(
        "--compile", action="store_true", help="train through the compiled step (autodiff.compile)"
    )
    compiled.add_argument(
        "--vectorize", action="store_true", help="train through the step compiled for NumPy arrays"
    )
    return parser


def positive_int(text: str) -> int:
    n = int(text)
    if n < 1:
        raise argparse.ArgumentTypeError(f"needs a positive int, got {n}")
    return n


positive_int.__name__ = "positive int"  # argparse's error: "invalid positive int value: 'x'"


if __name__ == "__main__":
    raise SystemExit(main())
