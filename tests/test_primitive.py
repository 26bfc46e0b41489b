"""Registering a primitive: a forward function and its derivative rule, stated once."""

from __future__ import annotations

import math

import pytest

import autodiff as ad
from autodiff import Value, primitive


@primitive(derivative=lambda x, out: 3 * x * x)
def cube(x: float) -> float:
    """x³;  d/dx x³ = 3x²"""
    return x**3


@primitive(derivative=lambda xs, out: [1 / len(xs)] * len(xs))
def mean(*xs: float) -> float:
    return sum(xs) / len(xs)


@primitive(derivative=lambda x, y, out: (ad.cos(y), -x * ad.sin(y)))
def x_cos_y(x: float, y: float) -> float:
    return x * math.cos(y)


@primitive(derivative=lambda x, out, *, k: k * out, display="e^{k:g}x")
def exp_scaled(x: float, *, k: float) -> float:
    return math.exp(k * x)


def test_a_user_primitive_records_its_node_and_edge() -> None:
    x = Value(2.0)
    y = cube(x)
    assert (y.data, y.op, y.parents, y.partials) == (8.0, "cube", (x,), (12.0,))
    y.backward()
    assert x.grad == 12.0
    assert ad.PRIMITIVES["cube"].derivative(2.0, 8.0) == 12.0
    assert cube.__doc__ == "x³;  d/dx x³ = 3x²"


def test_a_user_primitive_on_numbers_returns_a_float() -> None:
    assert cube(3) == 27.0


def test_user_primitives_with_two_or_many_inputs_or_parameters() -> None:
    a, b, c = Value(1.0), Value(2.0), Value(6.0)
    m = mean(a, b, c)
    assert (m.data, m.partials) == (3.0, (1 / 3, 1 / 3, 1 / 3))
    z = x_cos_y(a, b)
    assert z.partials == pytest.approx((math.cos(2.0), -math.sin(2.0)))
    e = exp_scaled(a, k=2.0)
    assert e.op == "e^2x"
    assert e.partials == pytest.approx((2 * math.exp(2.0),))
    assert e.primitive is not None and e.primitive.params == {"k": 2.0}


def test_the_rule_serves_values_too() -> None:
    x = Value(2.0)
    out = cube(x)
    (d,) = ad.PRIMITIVES["cube"].local_derivatives([x], out)
    assert isinstance(d, Value) and d.data == 12.0  # a derivative with a graph of its own


def test_a_primitive_must_take_one_two_or_any_number_of_inputs() -> None:
    with pytest.raises(TypeError, match="must take one input"):

        @primitive(derivative=lambda x, y, z, out: (1, 1, 1))
        def three(x: float, y: float, z: float) -> float:
            return x + y + z


def test_registering_a_name_again_replaces_the_entry() -> None:
    @primitive(derivative=lambda x, out: 1.0, name="again")
    def first(x: float) -> float:
        return x

    @primitive(derivative=lambda x, out: 2.0, name="again")
    def second(x: float) -> float:
        return 2 * x

    assert ad.PRIMITIVES["again"].forward.__name__ == "second"
    assert second(Value(1.0)).partials == (2.0,)
    assert first(Value(1.0)).partials == (1.0,)  # what was made with the first stays as it was
