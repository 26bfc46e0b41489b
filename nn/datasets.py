"""Data: 2-D toy problems made in pure Python, the 8×8 handwritten digits, a reproducible
train/test split and shuffled minibatches.

Each toy generator returns (x, y): n points [x1, x2] and their classes, 0 or 1, in a random
order; ``noise`` is the standard deviation of Gaussian noise added to each coordinate, and
``seed`` follows `nn.checks.make_rng` (None: drawn from Python's global random).
"""

from __future__ import annotations

import csv
import gzip
import importlib.resources
import io
import math
from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

from autodiff.checks import as_count, as_flag, as_nonnegative, as_positive, is_number
from nn.checks import MAX_COUNT, Seed, as_list, check_name, check_same_length, make_rng

Dataset = tuple[list[list[float]], list[int]]
Shape = Callable[[float, int], tuple[float, float]]
"""(t in [0, 1], class) -> a point of that class's curve."""


def make_moons(n: int = 100, noise: float = 0.1, seed: Seed = None) -> Dataset:
    """Two interleaving half circles: class 0 the upper one, class 1 the lower."""

    def moon(t: float, label: int) -> tuple[float, float]:
        angle = math.pi * t
        if label == 0:
            return math.cos(angle), math.sin(angle)
        return 1 - math.cos(angle), 0.5 - math.sin(angle)

    return _sample(moon, n, noise, seed)


def make_circles(
    n: int = 100, noise: float = 0.05, factor: float = 0.5, seed: Seed = None
) -> Dataset:
    """Two concentric circles: class 0 of radius 1, class 1 of radius ``factor`` < 1."""
    as_positive(factor, "make_circles(factor)")

    def circle(t: float, label: int) -> tuple[float, float]:
        radius = factor if label else 1.0
        return radius * math.cos(2 * math.pi * t), radius * math.sin(2 * math.pi * t)

    return _sample(circle, n, noise, seed, closed=True)


def make_spirals(
    n: int = 100, noise: float = 0.05, turns: float = 1.0, seed: Seed = None
) -> Dataset:
    """Two interleaved spirals, angle = 2π·turns·t (+ π for class 1), t in [0, 1], radius
    growing linearly to 1 from 1/(1 + 4·turns): not from 0, where the two classes would meet,
    but so that their starts are as far apart as their arms are along a radius."""
    as_positive(turns, "make_spirals(turns)")

    def spiral(t: float, label: int) -> tuple[float, float]:
        angle = 2 * math.pi * turns * t + math.pi * label
        radius = (1 + 4 * turns * t) / (1 + 4 * turns)
        return radius * math.cos(angle), radius * math.sin(angle)

    return _sample(spiral, n, noise, seed)


def make_xor(n: int = 100, noise: float = 0.2, seed: Seed = None) -> Dataset:
    """XOR: clouds around the corners (±1, ±1); class 1 where the two signs differ."""

    def corner(t: float, label: int) -> tuple[float, float]:
        x = 1.0 if t < 0.5 else -1.0  # half of each class on either side
        return x, -x if label else x

    return _sample(corner, n, noise, seed)


def _sample(shape: Shape, n: int, noise: float, seed: Seed, *, closed: bool = False) -> Dataset:
    """n points, alternately of class 0 and 1, at evenly spaced t, with noise, shuffled.

    t runs from 0 to 1; on a ``closed`` curve it stops short of 1, which is the point t = 0
    again (as scikit-learn's make_circles leaves out the endpoint).
    """
    as_count(n, "n", most=MAX_COUNT)
    as_nonnegative(noise, "noise")
    rng = make_rng(seed)
    half = (n + 1) // 2
    points = []
    for i in range(n):
        label = i % 2
        count = half if label == 0 else n - half
        steps = count if closed else max(count - 1, 1)
        x1, x2 = shape((i // 2) / steps, label)
        points.append(([x1 + rng.gauss(0, noise), x2 + rng.gauss(0, noise)], label))
    rng.shuffle(points)
    return [x for x, _ in points], [label for _, label in points]


DIGITS_TASKS = ("ten", "two")


def load_digits(task: str = "ten") -> Dataset:
    """The 1797 8×8 digits of nn/data/digits.csv.gz: 64 pixels scaled to [0, 1], row by row.

    ``task`` picks the targets, the lectures' two problems: "ten", the digit 0..9 (for a
    softmax output); "two", 1 for a 2 and 0 for any other digit (for a sigmoid output).
    """
    check_name(task, DIGITS_TASKS, "digits task")
    resource = importlib.resources.files("nn") / "data" / "digits.csv.gz"
    with resource.open("rb") as compressed, gzip.open(compressed) as raw:
        rows = list(csv.reader(io.TextIOWrapper(raw, encoding="ascii")))
    images = [[int(pixel) / 16 for pixel in row[:64]] for row in rows]
    digits = [int(row[64]) for row in rows]
    return images, digits if task == "ten" else [int(d == 2) for d in digits]


# -- splitting ----------------------------------------------------------------------------------

S = TypeVar("S")
T = TypeVar("T")


def train_test_split(
    x: Sequence[S], y: Sequence[T], test_fraction: float = 0.2, seed: Seed = None
) -> tuple[list[S], list[S], list[T], list[T]]:
    """(x_train, x_test, y_train, y_test), as scikit-learn orders them: a random
    ``test_fraction`` of the samples (rounded, at least one) held out for testing."""
    x, y = as_list(x, "train_test_split: the samples"), as_list(y, "train_test_split: the targets")
    check_same_length("train_test_split", x, y)
    if not (is_number(test_fraction) and 0 < test_fraction < 1):
        raise ValueError(f"test_fraction needs a number in (0, 1), got {test_fraction!r}")
    if len(x) < 2:
        raise ValueError(f"train_test_split needs at least 2 samples, got {len(x)}")
    order = list(range(len(x)))
    make_rng(seed).shuffle(order)
    n_test = min(max(1, round(test_fraction * len(x))), len(x) - 1)
    train, test = order[n_test:], order[:n_test]
    return [x[i] for i in train], [x[i] for i in test], [y[i] for i in train], [y[i] for i in test]


def minibatches(
    x: Sequence[S], y: Sequence[T], batch_size: int, *, shuffle: bool = True, seed: Seed = None
) -> Iterator[tuple[list[S], list[T]]]:
    """(x_batch, y_batch) of batch_size samples (the last may be smaller), covering every
    sample once; in a random order if ``shuffle``."""
    x, y = as_list(x, "minibatches: the samples"), as_list(y, "minibatches: the targets")
    check_same_length("minibatches", x, y)
    as_count(batch_size, "batch_size", most=MAX_COUNT)
    order = list(range(len(x)))
    if as_flag(shuffle, "minibatches(shuffle)"):
        make_rng(seed).shuffle(order)
    return _batches(x, y, order, batch_size)


def _batches(
    x: Sequence[S], y: Sequence[T], order: list[int], batch_size: int
) -> Iterator[tuple[list[S], list[T]]]:
    for start in range(0, len(order), batch_size):
        batch = order[start : start + batch_size]
        yield [x[i] for i in batch], [y[i] for i in batch]
