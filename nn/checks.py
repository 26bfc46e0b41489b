"""Checks of arguments, each an error that names the argument and what it got; and seeds.

Every random choice in nn comes from a private `random.Random`. A seed may be an int (a private
generator seeded with it: the global random state is left alone), a `random.Random` (used as it
is, so one generator can be handed down, from an MLP to its layers and neurons), or None: then
the seed is drawn once from Python's global `random`, so `random.seed(1337)` makes a program
reproducible, as it does with micrograd.
"""

from __future__ import annotations

import math
import numbers
import operator
import random
from collections.abc import Iterable
from typing import Any, TypeGuard

from autodiff import Value


def is_number(x: object) -> TypeGuard[float]:
    """A finite real number, not a bool (NumPy's numbers count)."""
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        return False
    try:
        return math.isfinite(x)
    except OverflowError:  # an int too large for a float
        return False


def check_positive(where: str, x: object) -> None:
    if not (is_number(x) and x > 0):
        raise ValueError(f"{where} needs a positive number, got {x!r}")


def check_nonnegative(where: str, x: object) -> None:
    if not (is_number(x) and x >= 0):
        raise ValueError(f"{where} needs a number >= 0, got {x!r}")


def check_fraction(where: str, x: object) -> None:
    """0 <= x < 1."""
    if not (is_number(x) and 0 <= x < 1):
        raise ValueError(f"{where} needs a number in [0, 1), got {x!r}")


MAX_COUNT = 10**9
"""The largest size or number of epochs taken: more is surely a mistake, that would run for
days rather than fail."""


def check_count(where: str, n: object) -> int:
    """A positive int (a size, a number of epochs) up to MAX_COUNT, as a Python int.

    Anything that is an integer by `operator.index` counts (a NumPy integer), but not a bool.
    """
    try:
        count = None if isinstance(n, bool) else operator.index(n)  # type: ignore[arg-type]
    except TypeError:
        count = None
    if count is None or not 1 <= count <= MAX_COUNT:
        shown = repr(n) if len(repr(n)) < 30 else f"{repr(n)[:20]}... ({len(repr(n))} digits)"
        raise ValueError(f"{where} needs a positive int up to {MAX_COUNT:.0e}, got {shown}")
    return count


def check_same_length(what: str, xs: object, ys: object) -> None:
    n, m = len(xs), len(ys)  # type: ignore[arg-type]
    if n != m:
        raise ValueError(f"{what}: {n} samples but {m} targets")


Seed = int | random.Random | None


def make_rng(seed: Seed) -> random.Random:
    """The generator that `seed` stands for (see the module docstring)."""
    check_seed(seed)
    if isinstance(seed, random.Random):
        return seed
    if seed is None:
        return random.Random(random.getrandbits(64))
    return random.Random(seed)


def check_seed(seed: object) -> None:
    """A TypeError unless seed is a `Seed`: for a seed checked before it is used, if ever."""
    if not (seed is None or isinstance(seed, random.Random | int)) or isinstance(seed, bool):
        raise TypeError(
            f"seed must be an int, a random.Random or None, got {type(seed).__name__!r}"
        )


def check_samples(x: object, n_inputs: int, where: str) -> list[list[float]]:
    """The samples x (a sequence of them: lists, tuples, NumPy rows; a lone number for a model
    with one input) as lists of floats, each checked to be n_inputs finite numbers."""
    rows = as_list(x, f"{where}: the samples")
    checked = []
    for i, sample in enumerate(rows):
        if is_real(sample) and n_inputs == 1:
            values = [sample]
        else:
            values = as_list(sample, f"{where}: sample {i}")
        if len(values) != n_inputs:
            raise ValueError(
                f"{where}: sample {i} has {len(values)} input(s); the model takes {n_inputs}"
            )
        for j, value in enumerate(values):
            if not is_number(value):
                got = repr(float(value)) if is_real(value) else type(value).__name__
                raise ValueError(
                    f"{where}: sample {i}, input {j} is {got}: inputs must be finite numbers"
                )
        checked.append([float(value) for value in values])
    return checked


def plain_targets(y: object, where: str) -> list[Any]:
    """The targets y as a list, NumPy numbers made Python's (a class stays an int)."""
    return [_plain(t) for t in as_list(y, f"{where}: the targets")]


def _plain(t: object) -> object:
    if type(t) is not bool and isinstance(t, numbers.Integral):
        return int(t)
    if type(t) is not bool and isinstance(t, numbers.Real):
        return float(t)
    if isinstance(t, str | bytes) or not hasattr(t, "__iter__"):
        return t  # for the loss to refuse, by name
    return [_plain(v) for v in t]


def as_list(x: object, what: str) -> list[Any]:
    """x as a list, if it is a sequence (a NumPy array is one); else a TypeError about what."""
    if not isinstance(x, str | bytes | dict) and hasattr(x, "__len__"):
        try:
            return list(x)  # type: ignore[call-overload, no-any-return]
        except TypeError:  # a NumPy array of no dimension
            pass
    raise TypeError(f"{what} must be a sequence, got {type(x).__name__!r}")


def check_values(x: object, what: str) -> list[Value]:
    """x as a list of Values (a model's parameters, a sample's outputs), or a TypeError."""
    values = as_list(x, what)
    for i, v in enumerate(values):
        if not isinstance(v, Value):
            raise TypeError(f"{what}: item {i} is a {type(v).__name__}, not a Value")
    return values


def check_value(x: object, what: str) -> Value:
    if not isinstance(x, Value):
        raise TypeError(f"{what} must be a Value, got {type(x).__name__!r}")
    return x


def check_flag(where: str, x: object) -> bool:
    if not isinstance(x, bool):
        raise TypeError(f"{where} needs True or False, got {type(x).__name__!r}")
    return x


def check_name(x: object, known: Iterable[str], kind: str, where: str = "") -> str:
    """x, if it is one of the known names of this kind; else a ValueError that lists them."""
    names = list(known)
    if not isinstance(x, str) or x not in names:
        at = f"{where}: " if where else ""
        raise ValueError(f"{at}unknown {kind} {x!r}; choose one of {', '.join(names)}")
    return x


def is_real(x: object) -> bool:
    """A real number, finite or not, but not a bool."""
    return isinstance(x, numbers.Real) and not isinstance(x, bool)
