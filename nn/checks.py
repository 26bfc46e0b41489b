"""Checks of arguments, each a ValueError that names the argument and what it got."""

from __future__ import annotations

import math
import numbers
import operator
from typing import TypeGuard


def is_number(x: object) -> TypeGuard[float]:
    """A finite real number, not a bool (NumPy's numbers count)."""
    return not isinstance(x, bool) and isinstance(x, numbers.Real) and math.isfinite(x)


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


def check_count(where: str, n: object) -> int:
    """A positive int (a size, a number of epochs), as a Python int.

    Anything that is an integer by `operator.index` counts (a NumPy integer), but not a bool.
    """
    try:
        count = None if isinstance(n, bool) else operator.index(n)  # type: ignore[arg-type]
    except TypeError:
        count = None
    if count is None or count < 1:
        raise ValueError(f"{where} needs a positive int, got {n!r}")
    return count


def check_same_length(what: str, xs: object, ys: object) -> None:
    n, m = len(xs), len(ys)  # type: ignore[arg-type]
    if n != m:
        raise ValueError(f"{what}: {n} samples but {m} targets")
