"""gradcheck: the engine's derivatives against central finite differences."""

from __future__ import annotations

import math
import warnings
from typing import Any

import pytest
from hypothesis import given
from support import points, run

import autodiff as ad
from autodiff import GradcheckError, Value, gradcheck, primitive
from autodiff.testing import Expression, expressions


def plain(x: Any) -> float:
    """A rule's input as a float: using it cuts the derivative off from the graph."""
    return x.data if isinstance(x, Value) else float(x)


@primitive(derivative=lambda x, out: 3 * x * x)
def cube(x: float) -> float:
    return x**3


@primitive(derivative=lambda x, out: 2 * x * x, name="cube_wrong_first")
def cube_wrong_first(x: float) -> float:
    return x**3


@primitive(derivative=lambda x, out: 3 * plain(x) ** 2, name="cube_wrong_second")
def cube_wrong_second(x: float) -> float:
    """Right first derivative, computed on .data: its own derivative is lost (0, not 6x)."""
    return x**3


def test_a_right_rule_passes_to_second_order() -> None:
    assert gradcheck(cube, 1.5, order=2) is True
    assert gradcheck(lambda x, y: (x * y).tanh() + x**3 / y, 0.7, 1.3, order=2) is True


def test_a_wrong_first_order_rule_is_caught_with_both_values_named() -> None:
    with pytest.raises(GradcheckError) as error:
        gradcheck(cube_wrong_first, 1.5)
    message = str(error.value)
    assert message.startswith(
        "∂f/∂x at x = 1.5 (f = cube_wrong_first, whose rule reads ∂y/∂x = 2x·x): analytic 4.5, "
        "numeric 6.7"
    )
    assert (error.value.point, error.value.analytic) == ({"x": 1.5}, 4.5)
    assert error.value.numeric == pytest.approx(6.75)


def test_a_wrong_second_order_rule_passes_order_1_and_is_caught_by_order_2() -> None:
    assert gradcheck(cube_wrong_second, 1.5) is True
    with pytest.raises(
        GradcheckError,
        match=r"∂²f/∂x∂x at x = 1.5 \(f = cube_wrong_second, "
        r"whose rule reads ∂y/∂x = cube_wrong_second′\(x\)\): analytic 0.0, numeric 8.99",
    ):
        gradcheck(cube_wrong_second, 1.5, order=2)


def test_order_two_of_a_linear_function_passes_without_a_warning() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # its first derivative is a constant: no cause to warn
        assert gradcheck(lambda x: 2 * x, 1.0, order=2)


def test_the_argument_is_named_by_the_function_s_parameters() -> None:
    def f(weight: Value, bias: Value) -> Value:
        cubed: Value = cube_wrong_first(bias)
        return weight * bias + cubed

    with pytest.raises(GradcheckError, match="∂f/∂bias"):
        gradcheck(f, 1.0, 2.0)


def test_tolerances_are_parameters() -> None:
    assert gradcheck(cube_wrong_first, 1.5, atol=3.0) is True
    with pytest.raises(GradcheckError):
        gradcheck(cube, 1.5, eps=1e-2, atol=0.0, rtol=1e-9)


def test_order_must_be_1_or_2() -> None:
    with pytest.raises(ValueError, match="order 1 or 2"):
        gradcheck(cube, 1.0, order=3)


@given(expressions(smooth=True), points(2))
def test_gradcheck_passes_on_random_smooth_expressions(
    expression: Expression, point: list[float]
) -> None:
    run(expression, [Value(x) for x in point])  # discards examples with large values
    scale = max(1.0, abs(expression.reference(*point)))
    assert gradcheck(expression, *point, atol=1e-5 * scale)


def test_at_a_kink_the_subgradient_differs_from_the_finite_difference() -> None:
    with pytest.raises(GradcheckError):
        gradcheck(ad.relu, 0.0)
    assert math.isclose(gradcheck(ad.relu, 0.5), True)


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"eps": 0.0}, r"gradcheck\(eps=...\) needs a positive number, got 0.0"),
        ({"eps": True}, r"gradcheck\(eps=...\) needs a positive number, got True"),
        ({"eps": math.inf}, r"gradcheck\(eps=...\) needs a positive number, got inf"),
        ({"atol": -1.0}, r"gradcheck\(atol=...\) needs a number >= 0, got -1.0"),
        ({"rtol": math.nan}, r"gradcheck\(rtol=...\) needs a number >= 0, got nan"),
    ],
)
def test_a_step_or_tolerance_that_is_no_such_number_is_refused(
    given: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        gradcheck(cube, 1.5, **given)
