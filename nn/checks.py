"""Checks of nn's own arguments (samples, targets, names), each an error that names the
argument and what it got; and seeds. Numbers, counts, flags and Values are checked by
`autodiff.checks`, as the engine checks them.

Every random choice in nn comes from a private `random.Random`. A seed may be an int (a private
generator seeded with it: the global random state is left alone), a `random.Random` (used as it
is, so one generator can be handed down, from an MLP to its layers and neurons), or None: then
the seed is drawn once from Python's global `random`, so `random.seed(1337)` makes a program
reproducible, as it does with micrograd.
"""

from __future__ import annotations

import numbers
import random
from collections.abc import Iterable
from typing import Any

from autodiff.checks import is_number, is_real


def as_fraction(x: object, where: str) -> float:
    """x, a number in [0, 1) (a momentum, a beta of Adam), as a float."""
    if not (is_number(x) and 0 <= x < 1):
        raise ValueError(f"{where} needs a number in [0, 1), got {x!r}")
    return float(x)


MAX_COUNT = 10**9
"""The largest size or number of epochs taken: more is surely a mistake, that would run for
days rather than fail."""


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
            return list(x)  # type: ignore[call-overload]
        except TypeError:  # a NumPy array of no dimension
            pass
    raise TypeError(f"{what} must be a sequence, got {type(x).__name__!r}")


def check_name(x: object, known: Iterable[str], kind: str, where: str = "") -> str:
    """x, if it is one of the known names of this kind; else a ValueError that lists them."""
    names = list(known)
    if not isinstance(x, str) or x not in names:
        at = f"{where}: " if where else ""
        raise ValueError(f"{at}unknown {kind} {x!r}; choose one of {', '.join(names)}")
    return x
