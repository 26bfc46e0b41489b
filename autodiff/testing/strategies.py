"""Points where a primitive is defined and smooth, drawn from its registered Domain."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

from autodiff.domains import INDEX, Domain, Integers, Interval, Parameter
from autodiff.primitives import PRIMITIVES, Primitive

Operation = str | Callable[..., Any] | Primitive
"""An operation as the strategies take it: the function (``autodiff.tanh``), its primitive, or
its name."""


@dataclass(frozen=True)
class Point:
    """Inputs of a primitive, and its constant parameters (``slope``, ``exponent``...)."""

    inputs: tuple[float, ...]
    params: Mapping[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        """The numbers by name, as the rules name them: ``Point(x=0.5, y=2.0, slope=0.1)``."""
        if len(self.inputs) <= 2:
            named = [f"{name}={x!r}" for name, x in zip("xy", self.inputs)]
        else:
            named = [f"xs={list(self.inputs)!r}"]
        named += [f"{key}={value!r}" for key, value in self.params.items()]
        return f"Point({', '.join(named)})"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        # Hypothesis prints a drawn value with this, where it would otherwise print how it
        # was built (``Point(inputs, {})``, the text of a lambda), not its numbers.
        printer.text(repr(self))


def reals(
    low: float, high: float, *, avoid: Sequence[float] = (), gap: float = 1e-6
) -> st.SearchStrategy[float]:
    """Finite floats in [low, high], more than ``gap`` away from each point of ``avoid``."""
    numbers = st.floats(low, high, allow_nan=False, allow_infinity=False)
    if not avoid:
        return numbers
    return numbers.filter(lambda x: all(abs(x - p) > gap for p in avoid))


def arguments(operation: Operation) -> st.SearchStrategy[Point]:
    """Points inside the domain of a registered operation, away from its kinks and poles.

    ``operation`` is the operation (``autodiff.tanh``), its primitive, or its name. Operations
    of many inputs get as many as their domain says; ``max`` and ``min`` get inputs with no
    ties.
    """
    arity = primitive_of(operation).arity
    return st.one_of([_points(d, arity) for d in alternatives(domain_of(operation))])


def domain_of(operation: Operation) -> Domain:
    """The Domain an operation was registered with; an error if it was given none."""
    prim = primitive_of(operation)
    if prim.domain is None:
        raise ValueError(
            f"{prim.name} was registered without a domain: give primitive(..., domain=...) "
            "so that points can be drawn for it"
        )
    return prim.domain


def primitive_of(operation: Operation) -> Primitive:
    if isinstance(operation, Primitive):
        return operation
    if isinstance(operation, str):
        if operation not in PRIMITIVES:
            raise KeyError(f"no operation is registered as {operation!r}")
        return PRIMITIVES[operation]
    prim = getattr(operation, "primitive", None)
    if not isinstance(prim, Primitive):
        raise TypeError(f"not a registered operation: {operation!r}")
    return prim


def alternatives(domain: Domain) -> list[Domain]:
    return [domain, *domain.alternatives]


def reals_in(interval: Interval) -> st.SearchStrategy[float]:
    return reals(interval.low, interval.high, avoid=interval.avoid, gap=interval.gap)


def fixed_inputs(domain: Domain, arity: int | None) -> tuple[Interval, ...] | None:
    """One Interval per input for an operation of fixed arity; None for one of any number."""
    if isinstance(domain.inputs, tuple):
        return domain.inputs
    return None if arity is None else (domain.inputs,) * arity


def inputs_of(domain: Domain, arity: int | None) -> st.SearchStrategy[tuple[float, ...]]:
    """The inputs of one point of a domain."""
    fixed = fixed_inputs(domain, arity)
    if fixed is not None:
        drawn = st.tuples(*map(reals_in, fixed))
    else:
        assert isinstance(domain.inputs, Interval)
        low, high = domain.count
        drawn = st.lists(reals_in(domain.inputs), min_size=low, max_size=high).map(tuple)
    return drawn.filter(_no_ties) if domain.distinct else drawn


def parameter(kind: Parameter, n_inputs: int) -> st.SearchStrategy[Any]:
    if kind is INDEX:
        return st.integers(0, n_inputs - 1)
    if isinstance(kind, Integers):
        return st.integers(kind.low, kind.high).map(float)
    assert isinstance(kind, Interval)
    return reals_in(kind)


def _points(domain: Domain, arity: int | None) -> st.SearchStrategy[Point]:
    def with_params(inputs: tuple[float, ...]) -> st.SearchStrategy[Point]:
        params = {name: parameter(kind, len(inputs)) for name, kind in domain.params.items()}
        return st.fixed_dictionaries(params).map(lambda ps: Point(inputs, ps))

    return inputs_of(domain, arity).flatmap(with_params)


def _no_ties(xs: tuple[float, ...], gap: float = 1e-6) -> bool:
    ordered = sorted(xs)
    return all(b - a > gap for a, b in itertools.pairwise(ordered))
