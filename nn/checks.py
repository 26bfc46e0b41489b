"""Checks of arguments, each a ValueError that names the argument and what it got."""

from __future__ import annotations

import math
import numbers


def _is_number(x: object) -> bool:
    return not isinstance(x, bool) and isinstance(x, numbers.Real) and math.isfinite(x)


def check_positive(where: str, x: object) -> None:
    if not (_is_number(x) and x > 0):  # type: ignore[operator]
        raise ValueError(f"{where} needs a positive number, got {x!r}")


def check_nonnegative(where: str, x: object) -> None:
    if not (_is_number(x) and x >= 0):  # type: ignore[operator]
        raise ValueError(f"{where} needs a number >= 0, got {x!r}")


def check_fraction(where: str, x: object) -> None:
    """0 <= x < 1."""
    if not (_is_number(x) and 0 <= x < 1):  # type: ignore[operator]
        raise ValueError(f"{where} needs a number in [0, 1), got {x!r}")


def check_count(where: str, n: object) -> None:
    """A positive int (a size, a number of epochs)."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"{where} needs a positive int, got {n!r}")


def check_same_length(what: str, xs: object, ys: object) -> None:
    n, m = len(xs), len(ys)  # type: ignore[arg-type]
    if n != m:
        raise ValueError(f"{what}: {n} samples but {m} targets")
