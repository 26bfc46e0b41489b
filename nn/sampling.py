"""Splitting data: a reproducible train/test split, and shuffled minibatches."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

from nn.checks import check_count, check_same_length
from nn.rng import Seed, make_rng

S = TypeVar("S")
T = TypeVar("T")


def train_test_split(
    x: Sequence[S], y: Sequence[T], test_fraction: float = 0.2, seed: Seed = None
) -> tuple[list[S], list[S], list[T], list[T]]:
    """(x_train, x_test, y_train, y_test), as scikit-learn orders them: a random
    ``test_fraction`` of the samples (rounded, at least one) held out for testing."""
    check_same_length("train_test_split", x, y)
    if not 0 < test_fraction < 1:
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
    check_same_length("minibatches", x, y)
    check_count("batch_size", batch_size)
    order = list(range(len(x)))
    if shuffle:
        make_rng(seed).shuffle(order)
    return _batches(x, y, order, batch_size)


def _batches(
    x: Sequence[S], y: Sequence[T], order: list[int], batch_size: int
) -> Iterator[tuple[list[S], list[T]]]:
    for start in range(0, len(order), batch_size):
        batch = order[start : start + batch_size]
        yield [x[i] for i in batch], [y[i] for i in batch]
