"""gradcheck: the engine's derivatives against central finite differences; derivative_check
and subgradient_check, for what finite differences cannot see."""

from __future__ import annotations

import math
import sys
import warnings
from collections.abc import Callable
from typing import Any

import mpmath
import pytest
from hypothesis import given
from support import fails, points, run

import autodiff as ad
from autodiff import GradcheckError, Value, gradcheck, primitive
from autodiff.testing import Expression, expressions, reals


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


# -- beyond finite differences: a reference derivative, and subgradients at kinks ---------------


def _atan_reference(x: Any) -> Any:
    return mpmath.atan(x) if isinstance(x, mpmath.mpf) else math.atan(x)


@primitive(derivative=lambda x, out: 1 - x * x / (1 + x * x), reference=_atan_reference)
def atan_cancelling(x: float) -> float:
    """atan, whose rule 1 − x²/(1 + x²) is right on paper and 0 in floats above x = 1e8."""
    return math.atan(x)


@primitive(derivative=lambda x, out: 1 / (1 + x * x), reference=_atan_reference)
def atan(x: float) -> float:
    return math.atan(x)


def test_a_rule_wrong_in_relative_terms_passes_gradcheck_and_fails_derivative_check() -> None:
    assert gradcheck(atan_cancelling, 1e8)  # the absolute tolerance cannot see 1e-16 vs 0
    with pytest.raises(GradcheckError) as error:
        ad.derivative_check(atan_cancelling, 1e8)
    assert str(error.value) == (
        "∂atan_cancelling/∂x at x = 100000000.0 (f = atan_cancelling, whose rule reads "
        "∂y/∂x = 1 − x²/(1 + x²)): the rule gives 0.0, the reference 9.999999999999999e-17 "
        "(a relative error of 1, more than 1e-09)"
    )
    with pytest.raises(GradcheckError, match="the reference 1e-16"):  # a derivative given
        ad.derivative_check(atan_cancelling, 1e8, derivative=lambda x: 1 / (1 + x * x))


def derivative_check_holds(operation: Any) -> Callable[[], None]:
    """The rule agrees with mpmath's derivative of the reference at any scale, in relative
    error."""

    @given(reals(-1e12, 1e12))
    def check(x: float) -> None:
        assert ad.derivative_check(operation, x)

    return check


def test_a_right_rule_passes_derivative_check_at_any_scale() -> None:
    derivative_check_holds(atan)()


def test_the_derivative_check_property_can_fail() -> None:
    fails(derivative_check_holds(atan_cancelling))


def test_derivative_check_checks_each_input_of_two() -> None:
    @primitive(
        derivative=lambda x, y, out: (x / out, x / out),  # ∂/∂y wrong: x for y
        reference=mpmath.hypot,
    )
    def hypot_wrong(x: float, y: float) -> float:
        return math.hypot(x, y)

    with pytest.raises(GradcheckError, match=r"^∂hypot_wrong/∂y at x = 3.0, y = 4.0"):
        ad.derivative_check(hypot_wrong, 3.0, 4.0)
    assert ad.derivative_check(hypot_wrong, 3.0, 3.0)  # where x = y, it happens to be right


def test_derivative_check_says_what_it_cannot_do() -> None:
    with pytest.raises(TypeError, match="the reference of tanh computes in floats"):
        ad.derivative_check(ad.tanh, 1.0)
    assert ad.derivative_check(ad.tanh, 1.0, derivative=lambda x: 1 - math.tanh(x) ** 2)
    with pytest.raises(TypeError, match="derivative_check needs an operation"):
        ad.derivative_check(math.atan, 1.0)
    with pytest.raises(TypeError, match="derivative_check: atan takes 1 input"):
        ad.derivative_check(atan, 1.0, 2.0)


def test_derivative_check_without_mpmath_asks_for_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "mpmath", None)
    with pytest.raises(ImportError, match="computes the reference derivative with mpmath"):
        ad.derivative_check(atan, 1.0)
    assert ad.derivative_check(atan, 1.0, derivative=lambda x: 0.5)


@pytest.mark.parametrize(
    ("operation", "point"),
    [
        (ad.relu, (0.0,)),
        (ad.abs, (0.0,)),
        (ad.leaky_relu.primitive.bind({"slope": 0.1}), (0.0,)),
        (ad.max, (1.0, 1.0)),
        (ad.max, (2.0, 2.0, 0.0)),
        (ad.min, (2.0, 2.0, 3.0)),
        (ad.max, (1.0, 2.0)),  # away from a kink, the derivative is the one subgradient
    ],
)
def test_the_built_in_subgradients_are_valid_at_their_kinks(
    operation: Any, point: tuple[float, ...]
) -> None:
    assert ad.subgradient_check(operation, *point)


def test_a_rule_wrong_only_at_a_kink_passes_gradcheck_and_fails_subgradient_check() -> None:
    @primitive(derivative=lambda x, out: ad.step(x) + 2 * ad.equal(x, 0.0))
    def relu_wrong_at_0(x: float) -> float:
        return max(x, 0.0)

    @primitive(derivative=lambda xs, out: [ad.equal(x, out) for x in xs])
    def max_both(*xs: float) -> float:
        return max(xs)

    assert gradcheck(relu_wrong_at_0, 0.5) and gradcheck(relu_wrong_at_0, -0.5)
    with pytest.raises(GradcheckError) as error:
        ad.subgradient_check(relu_wrong_at_0, 0.0)
    assert str(error.value) == (
        "relu_wrong_at_0 at x = 0.0: along x, the rule gives a slope of 2.0, outside [0, 1], "
        "the one-sided slopes there: not a subgradient"
    )
    assert ad.subgradient_check(max_both, 1.0, 2.0)  # right where there is no tie
    with pytest.raises(
        GradcheckError, match=r"along all inputs at once, the rule gives a slope of 2\.0"
    ):
        ad.subgradient_check(max_both, 1.0, 1.0)
