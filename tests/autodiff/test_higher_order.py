"""Derivatives of derivatives: the same rules, applied to Values."""

from __future__ import annotations

import gc
import math

import pytest
from support import ORACLES, higher_derivative_matches_oracle

import autodiff as ad
from autodiff import Value, grad, no_grad


@pytest.mark.parametrize("order", [2, 3])
@pytest.mark.parametrize("name", sorted(ORACLES))
def test_higher_derivatives_match_mpmath(name: str, order: int) -> None:
    higher_derivative_matches_oracle(name, order)()


def test_closed_forms() -> None:
    t = math.tanh(0.3)
    assert grad(grad(ad.tanh))(0.3) == pytest.approx(-2 * t * (1 - t * t))
    assert grad(grad(grad(lambda x: x**3)))(5.0) == pytest.approx(6.0)
    s = 1 / (1 + math.exp(-0.4))
    assert grad(grad(ad.sigmoid))(0.4) == pytest.approx(s * (1 - s) * (1 - 2 * s))
    assert grad(grad(ad.log))(2.0) == pytest.approx(-0.25)
    assert grad(grad(grad(ad.sin)))(1.0) == pytest.approx(-math.cos(1.0))


def test_create_graph_makes_each_grad_a_value_that_differentiates_again() -> None:
    x = Value(0.5)
    y = x.tanh() * x**2
    y.backward(create_graph=True)
    first = x.grad
    assert isinstance(first, Value)
    t = math.tanh(0.5)
    assert first.data == pytest.approx((1 - t * t) * 0.25 + t * 1.0)
    x.grad = 0.0
    first.backward()
    second = -2 * t * (1 - t * t) * 0.25 + 2 * (1 - t * t) * 2 * 0.5 + 2 * t
    assert x.grad == pytest.approx(second)


def test_create_graph_leaves_accumulate_and_interior_nodes_are_recomputed() -> None:
    x = Value(2.0)
    h = x * x
    y = h * 3
    y.backward(create_graph=True)
    y.backward(create_graph=True)
    assert x.grad.data == 24.0  # 12 per call
    assert h.grad.data == 3.0  # recomputed, not doubled
    assert isinstance(h.grad, Value) and isinstance(y.grad, Value)


def test_create_graph_on_a_deep_graph() -> None:
    x = Value(0.1)
    y = x
    for _ in range(100_000):
        y = y * 1.00001
    z = y * y  # z = c²x², c = 1.00001^100000: dz/dx = 2c²x, d²z/dx² = 2c²
    z.backward(create_graph=True)
    c2 = 1.00001**200_000
    first = x.grad
    assert isinstance(first, Value) and first.data == pytest.approx(2 * c2 * 0.1)
    ad.zero_grad([x])
    first.backward()  # through the 100k-deep graph of the first derivative
    assert x.grad == pytest.approx(2 * c2)
    del y, z, first
    gc.collect()


def test_create_graph_records_even_inside_no_grad() -> None:
    x = Value(3.0)
    y = x**3
    with no_grad():
        y.backward(create_graph=True)
    assert x.grad.data == 27.0
    assert x.grad.parents != ()


def test_a_seed_value_with_create_graph() -> None:
    x, w = Value(2.0), Value(5.0)
    (x * x).backward(grad=w, create_graph=True)  # a vector-Jacobian product with a graph
    assert x.grad.data == 20.0
    (dw,) = ad.gradients(x.grad, [w])
    assert dw == 4.0


def test_gradients_leaves_every_grad_untouched() -> None:
    x, y = Value(2.0), Value(3.0)
    z = x * y + x
    assert ad.gradients(z, [x, y]) == [4.0, 2.0]
    assert (x.grad, y.grad, z.grad) == (0.0, 0.0, 0.0)
    unrelated = Value(1.0)
    assert ad.gradients(z, [unrelated]) == [0.0]
