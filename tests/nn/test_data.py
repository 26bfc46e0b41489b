"""Data sets, the train/test split and minibatches."""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Callable, Iterator, Sequence

import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import fails

import nn

GENERATORS = [nn.make_moons, nn.make_circles, nn.make_spirals, nn.make_xor]


@pytest.mark.parametrize("make", GENERATORS)
def test_a_toy_set_has_n_points_in_two_balanced_classes(
    make: Callable[..., nn.datasets.Dataset],
) -> None:
    x, y = make(101, seed=0)
    assert len(x) == len(y) == 101
    assert all(len(point) == 2 and all(math.isfinite(c) for c in point) for point in x)
    assert Counter(y) == {0: 51, 1: 50}
    assert y[:20] != sorted(y[:20])  # shuffled


@pytest.mark.parametrize("make", GENERATORS)
def test_a_seed_reproduces_a_toy_set_without_touching_the_global_state(
    make: Callable[..., nn.datasets.Dataset],
) -> None:
    state = random.getstate()
    assert make(50, seed=3) == make(50, seed=3) != make(50, seed=4)
    assert random.getstate() == state


def test_without_noise_the_points_lie_on_their_curves() -> None:
    x, y = nn.make_moons(40, noise=0.0, seed=0)
    for (a, b), label in zip(x, y):
        center = (1.0, 0.5) if label else (0.0, 0.0)
        assert math.hypot(a - center[0], b - center[1]) == pytest.approx(1.0)
        assert (b <= 0.5 + 1e-12) if label else (b >= -1e-12)
    x, y = nn.make_circles(40, noise=0.0, factor=0.3, seed=0)
    assert all(math.hypot(*p) == pytest.approx(0.3 if c else 1.0) for p, c in zip(x, y))
    x, y = nn.make_xor(40, noise=0.0, seed=0)
    assert all(abs(a) == abs(b) == 1 and (a * b < 0) == bool(c) for (a, b), c in zip(x, y))
    x, y = nn.make_spirals(40, noise=0.0, seed=0)
    assert max(math.hypot(*p) for p in x) == pytest.approx(1.0)


@pytest.mark.parametrize("make", GENERATORS)
def test_without_noise_no_point_repeats_and_the_classes_stay_apart(
    make: Callable[..., nn.datasets.Dataset],
) -> None:
    x, y = make(60, noise=0.0, seed=0)
    classes = [[p for p, c in zip(x, y) if c == label] for label in (0, 1)]
    if make is not nn.make_xor:  # whose points are its four corners
        assert min(math.dist(p, q) for i, p in enumerate(x) for q in x[:i]) > 1e-6
    assert min(math.dist(p, q) for p in classes[0] for q in classes[1]) > 0.1


@pytest.mark.parametrize("turns", [0.5, 1.0, 3.0])
def test_spirals_start_on_either_side_of_the_origin_as_far_apart_as_their_arms(
    turns: float,
) -> None:
    x, y = nn.make_spirals(200, noise=0.0, turns=turns, seed=0)
    start = 1 / (1 + 4 * turns)  # the arms, along a radius, are (1 − start)/(2·turns) apart
    assert 2 * start == pytest.approx((1 - start) / (2 * turns))
    inner = sorted(zip(x, y), key=lambda point: math.hypot(*point[0]))[:2]
    (first, _), (second, _) = sorted(inner, key=lambda point: point[1])  # class 0, class 1
    assert [*first, *second] == pytest.approx([start, 0.0, -start, 0.0])


def test_the_digits_are_1797_images_of_64_pixels_in_zero_one() -> None:
    images, digits = nn.load_digits()
    assert len(images) == len(digits) == 1797
    assert {len(image) for image in images} == {64}
    pixels = {p for image in images for p in image}
    assert min(pixels) == 0.0 and max(pixels) == 1.0
    assert pixels <= {k / 16 for k in range(17)}
    assert set(digits) == set(range(10))
    assert all(170 <= count <= 185 for count in Counter(digits).values())


def test_the_two_or_not_two_task_marks_the_twos() -> None:
    images, digits = nn.load_digits("ten")
    same_images, is_two = nn.load_digits("two")
    assert same_images == images
    assert is_two == [int(d == 2) for d in digits]
    with pytest.raises(ValueError, match="unknown digits task 'three'; choose one of ten, two"):
        nn.load_digits("three")


def test_train_test_split_is_a_reproducible_partition() -> None:
    x, y = list(range(100)), [10 * i for i in range(100)]
    x_train, x_test, y_train, y_test = nn.train_test_split(x, y, test_fraction=0.25, seed=1)
    assert (len(x_train), len(x_test)) == (75, 25)
    assert sorted(x_train + x_test) == x
    assert y_train == [10 * i for i in x_train] and y_test == [10 * i for i in x_test]
    assert nn.train_test_split(x, y, 0.25, seed=1) == (x_train, x_test, y_train, y_test)
    assert nn.train_test_split(x, y, 0.25, seed=2) != (x_train, x_test, y_train, y_test)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: nn.train_test_split([1, 2], [1], seed=0), "2 samples but 1 targets"),
        (
            lambda: nn.train_test_split([1, 2], [1, 2], 1.0, seed=0),
            r"test_fraction needs .* \(0, 1\)",
        ),
        (lambda: nn.train_test_split([1], [1], seed=0), "at least 2 samples"),
        (
            lambda: nn.minibatches([1, 2], [1, 2], 0),
            "batch_size needs a positive int up to 1e\\+09, got 0",
        ),
        (lambda: nn.make_moons(0), "n needs a positive int"),
        (lambda: nn.make_moons(10, noise=-0.1), "noise needs a number >= 0"),
    ],
)
def test_bad_input_gets_a_clear_error(call: Callable[[], object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()


# -- minibatches: a property, and a wrong implementation it catches ------------------------

Batcher = Callable[..., Iterator[tuple[list[int], list[int]]]]


def batches_cover_every_sample_once(minibatches: Batcher) -> Callable[[], None]:
    @given(st.integers(1, 120), st.integers(1, 50), st.integers(0, 2**32))
    def prop(n: int, batch_size: int, seed: int) -> None:
        x, y = list(range(n)), [-i for i in range(n)]
        batches = list(minibatches(x, y, batch_size, seed=seed))
        assert sorted(i for xb, _ in batches for i in xb) == x
        assert all(yb == [-i for i in xb] for xb, yb in batches)
        assert all(len(xb) == batch_size for xb, _ in batches[:-1])
        assert 0 < len(batches[-1][0]) <= batch_size

    return prop


def full_batches_only(
    x: Sequence[int], y: Sequence[int], batch_size: int, *, seed: int
) -> Iterator[tuple[list[int], list[int]]]:
    """Wrong: drops the last, partial batch."""
    for xb, yb in nn.minibatches(x, y, batch_size, seed=seed):
        if len(xb) == batch_size:
            yield xb, yb


def test_minibatches_cover_every_sample_once() -> None:
    batches_cover_every_sample_once(nn.minibatches)()


def test_the_minibatch_property_catches_a_dropped_last_batch() -> None:
    fails(batches_cover_every_sample_once(full_batches_only))


def test_minibatches_shuffle_reproducibly_or_keep_the_order() -> None:
    x = list(range(10))
    first = [xb for xb, _ in nn.minibatches(x, x, 4, seed=5)]
    assert first == [xb for xb, _ in nn.minibatches(x, x, 4, seed=5)]
    assert first != [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    unshuffled = [xb for xb, _ in nn.minibatches(x, x, 4, shuffle=False)]
    assert unshuffled == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
