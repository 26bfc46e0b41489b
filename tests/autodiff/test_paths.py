"""Paths of influence: every path from x to y, whose products sum to dy/dx."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest
from hypothesis import given
from support import close, fails, neuron, points, run

import autodiff as ad
from autodiff import DomainError, Value
from autodiff.diagrams.paths import InfluencePath, TooManyPathsError, influence, paths
from autodiff.testing import Expression, expressions

Paths = Callable[[Value, Value], list[InfluencePath]]


def test_a_neuron_input_has_one_path_whose_product_is_its_gradient() -> None:
    y, v = neuron()
    y.backward()
    [path] = paths(v["x1"], y)
    assert path.values[0] is v["x1"] and path.values[-1] is y
    assert path.derivatives[0] == -3.0  # ∂(x1·w1)/∂x1 = w1
    assert path.product == pytest.approx(v["x1"].grad)
    assert str(path) == "x1 → * → + → z → y: -3 · 1 · 1 · 0.5 = -1.5"


def test_a_value_used_twice_by_one_operation_has_two_paths() -> None:
    x = Value(3.0, "x")
    square = x * x
    found = paths(x, square)
    assert len(found) == 2
    assert sum(p.product for p in found) == 6.0  # d(x²)/dx = 2x


def test_a_shared_subexpression_multiplies_the_paths() -> None:
    x = Value(0.5, "x")
    a = x.sin() + x.cos()  # two paths from x to a
    y = a * a  # each reaches y twice
    y.backward()
    found = paths(x, y)
    assert len(found) == 4
    assert math.fsum(p.product for p in found) == pytest.approx(x.grad)


def test_a_value_reaches_itself_by_one_empty_path_and_nothing_else_by_none() -> None:
    y, v = neuron()
    [itself] = paths(y, y)
    assert itself.values == (y,) and itself.derivatives == () and itself.product == 1.0
    assert paths(v["x1"], Value(1.0)) == []
    assert paths(y, v["x1"]) == []  # influence goes from inputs to users only


def test_influence_is_the_set_of_values_on_the_paths() -> None:
    y, v = neuron()
    on_paths = influence(v["x1"], y)
    assert {v["x1"], v["z"], y} <= on_paths
    assert v["w2"] not in on_paths and v["b"] not in on_paths
    assert influence(v["b"], v["x1"]) == frozenset()


def test_paths_from_an_interior_value() -> None:
    y, v = neuron()
    [path] = paths(v["z"], y)
    assert path.values == (v["z"], y)


def test_an_undefined_derivative_makes_a_path_undefined() -> None:
    x = Value(0.0, "x")
    root = ad.sqrt(x) * 2
    [path] = paths(x, root)
    with pytest.raises(DomainError):
        _ = path.product
    assert str(path).endswith("= undefined")


def test_a_long_chain_is_walked_without_recursion() -> None:
    x = Value(1.0, "x")
    y = x
    for _ in range(100_000):
        y = y * 1.0
    [path] = paths(x, y)
    assert len(path.values) == 100_001
    assert path.product == 1.0


def test_path_explosion_is_refused_with_a_clear_error() -> None:
    x = Value(1.0, "x")
    y = x
    for _ in range(60):  # 2^60 paths
        y = y + y
    with pytest.raises(TooManyPathsError, match="more than 10000 paths"):
        paths(x, y)
    with pytest.raises(TooManyPathsError, match="more than 3 paths"):
        paths(x, y, limit=3)
    with pytest.raises(TypeError, match="two Values, got 'float', 'Value'"):
        paths(1.0, y)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("limit", "error", "message"),
    [
        (1.5, TypeError, "needs an int, got 'float'"),
        (True, TypeError, "needs an int, got a bool"),
        ("3", TypeError, "needs an int, got 'str'"),
        (0, ValueError, "needs a positive int, got 0"),
        (-1, ValueError, "needs a positive int, got -1"),
    ],
)
def test_the_limit_is_a_positive_int(limit: object, error: type[Exception], message: str) -> None:
    x = Value(1.0)
    with pytest.raises(error, match=message):
        paths(x, x * 2, limit=limit)  # type: ignore[arg-type]


def test_the_limit_counts_paths_exactly() -> None:
    x = Value(1.0)
    y = x + x
    y = y + y  # 4 paths
    assert len(paths(x, y, limit=4)) == 4
    with pytest.raises(TooManyPathsError):
        paths(x, y, limit=3)


def path_sum_is_the_gradient(find_paths: Paths = paths) -> Callable[[], None]:
    """On random graphs: Σ over the paths from each input of their products = backward's grad."""

    @given(expressions(n_inputs=3), points(3))
    def check(expression: Expression, point: list[float]) -> None:
        leaves = [Value(x) for x in point]
        root = run(expression, leaves)
        root.backward()
        for i, leaf in enumerate(leaves):
            total = math.fsum(p.product for p in find_paths(leaf, root))
            assert close(total, leaf.grad), f"x{i} of {expression}: {total} != {leaf.grad}"

    return check


def test_path_sums_equal_backward_on_random_graphs() -> None:
    path_sum_is_the_gradient()()


def paths_through_distinct_parents(x: Value, y: Value) -> list[InfluencePath]:
    """A wrong enumeration: an input used twice by one operation counted once (as a set)."""
    distinct: dict[tuple[int, ...], InfluencePath] = {}
    for path in paths(x, y):
        distinct.setdefault(tuple(map(id, path.values)), path)
    return list(distinct.values())


def test_the_path_sum_property_catches_a_wrong_enumeration() -> None:
    fails(path_sum_is_the_gradient(paths_through_distinct_parents))
