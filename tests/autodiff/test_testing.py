"""autodiff.testing: the strategies the package offers for property tests."""

from __future__ import annotations

import math

import pytest
from hypothesis import find, given, settings
from hypothesis import strategies as st
from support import ORACLES

import autodiff as ad
from autodiff import Value
from autodiff.domains import Domain, Integers, Interval
from autodiff.testing import Expression, Point, arguments, expressions, operations, reals

BUILTINS = [p for p in ad.PRIMITIVES.values() if p.builtin]


@given(reals(-1, 1, avoid=[0.0, 0.5], gap=0.1))
def test_reals_stay_in_range_and_away_from_the_points_to_avoid(x: float) -> None:
    assert -1 <= x <= 1 and abs(x) > 0.1 and abs(x - 0.5) > 0.1


@pytest.mark.parametrize("name", sorted(ORACLES))
def test_every_point_is_inside_the_primitive_s_domain(name: str) -> None:
    @given(arguments(name))
    def check(point: Point) -> None:
        xs = [Value(x) for x in point.inputs]
        out = ORACLES[name].engine(xs, point.params)  # would raise outside the domain
        out.backward()
        assert all(math.isfinite(x.grad) for x in xs)

    check()


def test_an_unknown_operation_or_one_without_a_domain_is_refused() -> None:
    with pytest.raises(KeyError, match="no operation is registered as 'nope'"):
        arguments("nope")

    @ad.primitive(derivative=lambda x, out: 1.0)
    def undomained(x: float) -> float:
        return x

    with pytest.raises(ValueError, match="undomained was registered without a domain"):
        arguments(undomained)


def test_every_builtin_primitive_is_an_operation_of_random_expressions() -> None:
    assert {p.name for p in operations()} == {p.name for p in BUILTINS}


@given(expressions(n_inputs=3), st.lists(reals(-2, 2), min_size=3, max_size=3))
def test_an_expression_on_values_equals_its_reference_on_floats(
    expression: Expression, point: list[float]
) -> None:
    engine = expression(*(Value(x) for x in point))
    value = engine.data if isinstance(engine, Value) else engine
    assert math.isclose(value, expression.reference(*point), rel_tol=1e-9, abs_tol=1e-12)


# The built-ins whose derivative jumps (at 0, or where inputs tie): stated here, to check the
# registrations' `kinked`, which decides what smooth expressions leave out.
KINKED = {"relu", "leaky_relu", "abs", "max", "min", "step", "sign", "equal", "argmax", "argmin"}


def test_smooth_operations_are_the_built_ins_whose_derivative_never_jumps() -> None:
    assert {p.name for p in operations(smooth=True)} == {p.name for p in BUILTINS} - KINKED


@given(expressions(n_inputs=1, smooth=True))
def test_smooth_expressions_leave_out_kinks(expression: Expression) -> None:
    assert not any(step.op.name in KINKED for step in expression.steps)


@pytest.mark.parametrize("name", sorted(ORACLES))
def test_every_domain_gives_more_than_one_point(name: str) -> None:
    """A domain shrunk to one point (an interval from 20 to 20) would test its operation
    there alone: each input and each parameter takes several values."""
    drawn: list[Point] = []

    @settings(database=None, max_examples=20)
    @given(arguments(name))
    def draw(point: Point) -> None:
        drawn.append(point)

    draw()
    shortest = min(len(point.inputs) for point in drawn)
    for i in range(shortest):
        assert len({point.inputs[i] for point in drawn}) > 1, f"input {i}"
    for key in drawn[0].params:
        assert len({point.params[key] for point in drawn}) > 1, key


@pytest.mark.parametrize("name", sorted(ORACLES))
def test_every_interval_of_a_domain_and_its_alternatives_is_wider_than_a_point(name: str) -> None:
    """What the test above cannot see where a domain has alternatives (x ** n: any x for an
    integer n, positive x for any n): each of them, shrunk to a point, the others drawing."""
    domain = ad.PRIMITIVES[name].domain
    assert domain is not None
    for each in (domain, *domain.alternatives):
        inputs = each.inputs if isinstance(each.inputs, tuple) else (each.inputs,)
        for span in (*inputs, *each.params.values()):
            if isinstance(span, Interval | Integers):
                assert span.low < span.high, (name, span)


def test_extra_operations_join_the_expressions() -> None:
    @ad.primitive(
        derivative=lambda x, out: 2.0,
        domain=Domain(Interval(-5, 5)),
        reference=lambda a: 2 * a,
    )
    def double(x: float) -> float:
        return x + x

    drawn = expressions(n_inputs=1, max_steps=3, extra=[double])
    # A search, not a sample: find raises NoSuchExample if no expression ever uses "double".
    found = find(
        drawn,
        lambda e: any(step.op.name == "double" for step in e.steps),
        settings=settings(database=None, max_examples=2000),
    )
    assert math.isclose(found(Value(1.5)).data, found.reference(1.5), rel_tol=1e-12)
