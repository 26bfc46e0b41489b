"""Where each built-in primitive is defined and smooth: strategies for its inputs."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st


@dataclass(frozen=True)
class Point:
    """Inputs of a primitive, and its constant parameters (``slope``, ``exponent``...)."""

    inputs: tuple[float, ...]
    params: Mapping[str, Any] = field(default_factory=dict)


def reals(
    low: float, high: float, *, avoid: Sequence[float] = (), gap: float = 1e-6
) -> st.SearchStrategy[float]:
    """Finite floats in [low, high], more than ``gap`` away from each point of ``avoid``."""
    numbers = st.floats(low, high, allow_nan=False, allow_infinity=False)
    if not avoid:
        return numbers
    return numbers.filter(lambda x: all(abs(x - p) > gap for p in avoid))


def arguments(name: str) -> st.SearchStrategy[Point]:
    """Points inside the domain of the built-in primitive ``name``, away from kinks and poles.

    Variadic primitives get 1 to 6 inputs; ``dot`` gets (w_1..w_n, x_1..x_n) and sometimes a
    bias b after them; ``max``/``min`` get inputs with no ties.
    """
    try:
        return _DOMAINS[name]()
    except KeyError:
        raise KeyError(f"no domain is known for {name!r}; known: {sorted(_DOMAINS)}") from None


def _fixed(
    *inputs: st.SearchStrategy[float], **params: st.SearchStrategy[Any]
) -> Callable[[], st.SearchStrategy[Point]]:
    return lambda: st.builds(
        lambda xs, ps: Point(tuple(xs), ps), st.tuples(*inputs), st.fixed_dictionaries(params)
    )


def _many(
    element: st.SearchStrategy[float], keep: Callable[[tuple[float, ...]], bool] = lambda xs: True
) -> Callable[[], st.SearchStrategy[Point]]:
    return lambda: st.lists(element, min_size=1, max_size=6).map(tuple).filter(keep).map(Point)


def _no_ties(xs: tuple[float, ...], gap: float = 1e-6) -> bool:
    ordered = sorted(xs)
    return all(b - a > gap for a, b in itertools.pairwise(ordered))


def _dot() -> st.SearchStrategy[Point]:
    def sized(n: int, bias: bool) -> st.SearchStrategy[Point]:
        size = 2 * n + bias
        return st.lists(reals(-10, 10), min_size=size, max_size=size).map(
            lambda xs: Point(tuple(xs))
        )

    return st.tuples(st.integers(1, 4), st.booleans()).flatmap(lambda nb: sized(*nb))


def _softmax() -> st.SearchStrategy[Point]:
    return st.lists(reals(-20, 20), min_size=1, max_size=5).flatmap(
        lambda zs: st.integers(0, len(zs) - 1).map(lambda i: Point(tuple(zs), {"index": i}))
    )


def _power() -> st.SearchStrategy[Point]:
    integer = st.integers(-3, 4).map(float)
    return st.one_of(
        _fixed(reals(-10, 10, avoid=[0.0], gap=1e-3), exponent=integer)(),
        _fixed(reals(1e-3, 10), exponent=reals(-2.5, 2.5))(),  # non-integer powers of x > 0
    )


WIDE = reals(-1e3, 1e3)
_DOMAINS: dict[str, Callable[[], st.SearchStrategy[Point]]] = {
    "add": _fixed(WIDE, WIDE),
    "sub": _fixed(WIDE, WIDE),
    "mul": _fixed(WIDE, WIDE),
    "div": _fixed(WIDE, reals(-1e3, 1e3, avoid=[0.0], gap=1e-2)),
    "neg": _fixed(WIDE),
    "identity": _fixed(WIDE),
    "pow": _fixed(reals(1e-2, 20), reals(-4, 4)),
    "power": _power,
    "exponential": _fixed(reals(-20, 20), base=reals(1e-2, 10)),
    "exp": _fixed(reals(-50, 50)),
    "log": _fixed(reals(1e-6, 1e6)),
    "sqrt": _fixed(reals(1e-6, 1e6)),
    "tanh": _fixed(reals(-20, 20)),
    "sigmoid": _fixed(reals(-40, 40)),
    "relu": _fixed(reals(-1e3, 1e3, avoid=[0.0], gap=1e-9)),
    "leaky_relu": _fixed(reals(-1e3, 1e3, avoid=[0.0], gap=1e-9), slope=reals(0, 1)),
    "softplus": _fixed(reals(-40, 40)),
    "abs": _fixed(reals(-1e3, 1e3, avoid=[0.0], gap=1e-9)),
    "sin": _fixed(reals(-100, 100)),
    "cos": _fixed(reals(-100, 100)),
    "sum": _many(WIDE),
    "dot": _dot,
    "prod": _many(reals(-3, 3)),
    "max": _many(WIDE, _no_ties),
    "min": _many(WIDE, _no_ties),
    "logsumexp": _many(reals(-50, 50)),
    "softmax": _softmax,
}
