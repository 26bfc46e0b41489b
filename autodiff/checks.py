"""Checks of arguments where they enter the public API, each an error that names the call
and what it got; inside, the engine trusts what these let through. `nn` uses them too."""

from __future__ import annotations

import math
import numbers
import operator
from typing import TYPE_CHECKING, Any, TypeGuard

if TYPE_CHECKING:
    from autodiff.value import Value


def is_real(x: object) -> TypeGuard[float]:
    """A real number, finite or not (NumPy's count), but not a bool."""
    # a float first: the ABC check costs ten times as much, for each number of a data set
    return type(x) is float or (isinstance(x, numbers.Real) and not isinstance(x, bool))


def is_number(x: object) -> TypeGuard[float]:
    """A finite real number, not a bool."""
    if type(x) is float:
        return math.isfinite(x)
    if not is_real(x):
        return False
    try:
        return math.isfinite(x)
    except OverflowError:  # an int too large for a float
        return False


def as_float(x: object, where: str) -> float:
    """x as a float, or a TypeError that names `where` and the type it got."""
    if type(x) is float:
        return x
    if isinstance(x, numbers.Real):  # a bool is a number to Python, and 1.0 here
        try:
            return float(x)
        except OverflowError:
            raise OverflowError(f"{where} got a number too large for a float") from None
    raise TypeError(f"{where} needs a real number, got {type(x).__name__!r}")


def as_finite(x: object, where: str) -> float:
    """x as a finite float, or an error naming `where`."""
    number = as_float(x, where)
    if not math.isfinite(number):
        raise ValueError(f"{where} needs a finite number, got {x!r}")
    return number


def as_positive(x: object, where: str) -> float:
    """x, a finite number > 0, as a float; else a ValueError naming `where`."""
    if not (is_number(x) and x > 0):
        raise ValueError(f"{where} needs a positive number, got {x!r}")
    return float(x)


def as_nonnegative(x: object, where: str) -> float:
    """x, a finite number >= 0, as a float; else a ValueError naming `where`."""
    if not (is_number(x) and x >= 0):
        raise ValueError(f"{where} needs a number >= 0, got {x!r}")
    return float(x)


def as_flag(x: object, where: str) -> bool:
    """x, if it is True or False; else a TypeError that names `where`."""
    if not isinstance(x, bool):
        raise TypeError(f"{where} needs True or False, got {type(x).__name__!r}")
    return x


def as_count(x: object, where: str, *, most: int | None = None) -> int:
    """x as a positive int (an index: a NumPy integer counts, a bool does not), at most
    `most`; else an error that names `where`."""
    if isinstance(x, bool):  # True is an int to Python, not a count
        raise TypeError(f"{where} needs an int, got a bool")
    try:
        count = operator.index(x)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(f"{where} needs an int, got {type(x).__name__!r}") from None
    if count < 1 or (most is not None and count > most):
        bound = "" if most is None else f" up to {most:.0e}"
        raise ValueError(f"{where} needs a positive int{bound}, got {_shown(count)}")
    return count


def as_value(x: object, where: str) -> Value:
    """x, if it is a Value; else a TypeError that names `where` and what it got."""
    from autodiff.value import Value  # noqa: PLC0415 -- value.py imports this module

    if not isinstance(x, Value):
        raise TypeError(f"{where} needs a Value, got {type(x).__name__!r}")
    return x


def as_values(xs: object, where: str) -> list[Value]:
    """xs as a list of Values (from any iterable of them), or a TypeError naming `where`."""
    from autodiff.value import Value  # noqa: PLC0415 -- value.py imports this module

    try:
        if isinstance(xs, Value | str | bytes):
            raise TypeError
        values: list[Any] = list(xs)  # type: ignore[call-overload]
    except TypeError:  # not iterable (a NumPy array of no dimension neither)
        raise TypeError(f"{where} needs an iterable of Values, got {type(xs).__name__!r}") from None
    for i, v in enumerate(values):
        if not isinstance(v, Value):
            raise TypeError(f"{where}: item {i} is a {type(v).__name__}, not a Value")
    return values


def _shown(n: int) -> str:
    text = repr(n)
    return text if len(text) < 30 else f"{text[:20]}... ({len(text)} digits)"
