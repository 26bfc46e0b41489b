"""Where a primitive is defined and smooth: a fact its registration states, for testing it.

`autodiff.testing` turns a Domain into hypothesis strategies (``arguments(name)``) and into the
guards of random expressions (``expressions()``); the engine itself never reads it, and this
module needs nothing beyond the standard library. Its public names (`Domain`, `Interval`,
`Integers`, the guards `positive` and `bounded`) are also ``autodiff``'s: the guide's page on
adding a primitive explains each, with a two-input example (hypot) that needs a guard.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

Guard = Callable[[Any], Any]
"""A map from any number into an interval, written with arithmetic only, so that it serves
Values, floats and mpmath numbers alike."""


def positive(x: Any) -> Any:
    """x² + 1/2: any number mapped into [1/2, ∞), for log, sqrt, a divisor or a base."""
    return x * x + 0.5


def bounded(x: Any) -> Any:
    """4x / (1 + x²): any number mapped into [−2, 2], so exp and powers stay finite."""
    return 4 * x / (1 + x * x)


@dataclass(frozen=True)
class Interval:
    """Inputs drawn from [low, high], more than ``gap`` away from each point of ``avoid``
    (kinks, poles). In random expressions, an operand computed by earlier steps goes through
    ``guard`` first (None: the operation is defined for every number)."""

    low: float
    high: float
    avoid: tuple[float, ...] = ()
    gap: float = 1e-9
    guard: Guard | None = None


@dataclass(frozen=True)
class Integers:
    """A parameter drawn from the integers low..high, as a float (an exponent, say)."""

    low: int
    high: int


class _Index:
    """A parameter that is an index of the inputs (softmax's output number)."""

    def __repr__(self) -> str:
        return "INDEX"


INDEX = _Index()

Parameter = Interval | Integers | _Index


@dataclass(frozen=True)
class Domain:
    """Where a primitive is defined and smooth.

    ``inputs``: one Interval per input, or, for a primitive of any number of inputs, one for
    all of them, of which there are ``count`` (low, high); ``distinct`` keeps them apart (no
    ties, for max). ``params``: how to draw each constant parameter. ``kinked``: the
    derivative jumps somewhere (relu at 0), so finite differences do not check it there.
    ``alternatives``: further domains a point may come from instead (x ** n: any x for an
    integer n, only x > 0 for other n).
    """

    inputs: Interval | tuple[Interval, ...]
    params: Mapping[str, Parameter] = field(default_factory=dict)
    count: tuple[int, int] = (1, 6)
    distinct: bool = False
    kinked: bool = False
    alternatives: tuple[Domain, ...] = ()


WIDE = Interval(-1e3, 1e3)
"""Any moderately sized number: for operations defined everywhere."""
