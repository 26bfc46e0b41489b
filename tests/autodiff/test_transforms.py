"""grad, value_and_grad, jacobian, hessian, hvp: JAX-style function transformations."""

from __future__ import annotations

import math
import warnings

import pytest
from hypothesis import given
from support import close, points, run

import autodiff as ad
from autodiff import Value, grad, hessian, hvp, jacobian, no_grad, value_and_grad
from autodiff.testing import Expression, expressions, reals


def f(x: Value, y: Value) -> Value:
    # ad.sin, not y.sin(): an argument that is not differentiated stays what it was (a float)
    sine: Value = ad.sin(y)
    return x * sine + x**2


def flat(rows: object) -> list[float]:
    return [x for row in rows for x in row]  # type: ignore[attr-defined]


def test_grad_of_one_argument_returns_a_float() -> None:
    assert grad(lambda x: x**3)(2.0) == 12.0
    assert type(grad(lambda x: x**3)(2.0)) is float


def test_argnums_chooses_what_to_differentiate() -> None:
    x, y = 1.5, 0.5
    assert grad(f)(x, y) == pytest.approx(math.sin(y) + 2 * x)
    assert grad(f, 1)(x, y) == pytest.approx(x * math.cos(y))
    assert grad(f, (0, 1))(x, y) == pytest.approx((math.sin(y) + 2 * x, x * math.cos(y)))
    assert grad(f, (1, 0))(x, y) == pytest.approx((x * math.cos(y), math.sin(y) + 2 * x))


def test_value_and_grad() -> None:
    value, gradient = value_and_grad(f, (0, 1))(1.5, 0.5)
    assert value == pytest.approx(1.5 * math.sin(0.5) + 2.25)
    assert gradient == pytest.approx((math.sin(0.5) + 3.0, 1.5 * math.cos(0.5)))


def test_arguments_that_are_not_differentiated_pass_through() -> None:
    def scaled(x: Value, scale: str) -> Value:
        return x * len(scale)

    assert grad(scaled)(2.0, "abc") == 3.0


def test_grad_takes_values_too_and_leaves_every_grad_untouched() -> None:
    w = Value(3.0)  # a Value the function closes over
    x = Value(2.0)
    assert grad(lambda v: v * w)(x) == 3.0
    assert (x.grad, w.grad) == (0.0, 0.0)


def test_gradients_start_from_zero_whatever_the_grads_hold() -> None:
    x = Value(3.0)
    y = x * x
    y.backward()  # x.grad 6, y.grad 1: left there, and not counted again below
    assert ad.gradients(y * x, [x, y]) == [27.0, 3.0]  # d(x³)/dx = 3x², d(y·x)/dy = x
    assert (x.grad, y.grad) == (6.0, 1.0)
    assert ad.gradients(y, [x], grad=Value(2.0)) == [12.0]  # a seed that is a Value: its number


def test_jacobian_of_several_outputs() -> None:
    rows = jacobian(lambda x, y: [x * y, x + y, ad.tanh(x)], (0, 1))(1.0, 2.0)
    assert isinstance(rows, list)
    assert flat(rows) == pytest.approx([2.0, 1.0, 1.0, 1.0, 1 - math.tanh(1.0) ** 2, 0.0])
    assert jacobian(lambda x: (x, 2 * x))(3.0) == (1.0, 2.0)  # a tuple of outputs: a tuple
    assert jacobian(lambda x: x**2)(3.0) == 6.0  # one output: its gradient


def test_hessian() -> None:
    x, y = 1.5, 0.5
    h = hessian(f, (0, 1))(x, y)
    assert isinstance(h, tuple)
    assert flat(h) == pytest.approx([2.0, math.cos(y), math.cos(y), -x * math.sin(y)])
    assert hessian(lambda v: v**3)(2.0) == 12.0


def test_hvp_is_the_hessian_times_a_vector() -> None:
    x, y, v = 1.5, 0.5, (1.0, -2.0)
    h = hessian(f, (0, 1))(x, y)
    expected = tuple(h[i][0] * v[0] + h[i][1] * v[1] for i in range(2))
    assert hvp(f, (0, 1))(x, y, vector=v) == pytest.approx(expected)
    assert hvp(lambda t: t**3)(2.0, vector=3.0) == 36.0


def test_transformations_compose() -> None:
    def cube(x: Value) -> Value:
        return x**3

    assert grad(grad(cube))(2.0) == 12.0
    assert grad(grad(grad(cube)))(2.0) == 6.0
    assert grad(lambda x: grad(cube)(x) * x)(2.0) == 36.0  # d/dx 3x³ = 9x²


def test_nested_transformations_do_not_confuse_their_variables() -> None:
    # d/dx [x · d/dy (x·y)] = d/dx x² = 2x
    assert grad(lambda x: x * grad(lambda y: x * y)(3.0))(2.0) == 4.0
    # d/dx [d/dy (x·y) at y = x] = d/dx x = 1, not d/dx 2x
    assert grad(lambda x: grad(lambda y: x * y)(x))(2.0) == 1.0


@given(expressions(smooth=True), points(2))
def test_hessian_is_the_jacobian_of_the_gradient(
    expression: Expression, point: list[float]
) -> None:
    run(expression, [Value(x) for x in point])  # discards examples with large values
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # a constant gradient warns
        h = hessian(expression, (0, 1))(*point)
        j = jacobian(grad(expression, (0, 1)), (0, 1))(*point)
    assert h == j


@given(expressions(smooth=True), points(2), reals(-2, 2), reals(-2, 2))
def test_hvp_agrees_with_the_hessian(
    expression: Expression, point: list[float], a: float, b: float
) -> None:
    run(expression, [Value(x) for x in point])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        h = hessian(expression, (0, 1))(*point)
        product = hvp(expression, (0, 1))(*point, vector=(a, b))
    for i in range(2):
        assert close(product[i], h[i][0] * a + h[i][1] * b, abs_=1e-8)


def test_grad_works_inside_no_grad_and_respects_no_grad_inside_f() -> None:
    with no_grad():
        assert grad(lambda x: x**2)(3.0) == 6.0

    def half_constant(x: Value) -> Value:
        with no_grad():
            frozen = x * x  # a constant, as far as the derivative is concerned
        return frozen + x * x

    assert grad(half_constant)(3.0) == 6.0


def test_grad_of_a_deep_function() -> None:
    def deep(x: Value) -> Value:
        y = x
        for _ in range(100_000):
            y = y * 1.00001
        return y

    assert grad(deep)(1.0) == pytest.approx(1.00001**100_000)


def test_a_non_scalar_result_is_refused() -> None:
    with pytest.raises(TypeError, match=r"grad needs f to return one number .* got 'list'"):
        grad(lambda x: [x, x])(1.0)


@pytest.mark.parametrize(
    ("argnums", "error", "message"),
    [
        (2, ValueError, "argnums 2 is out of range: the function was called with 2 argument"),
        ((0, 0), ValueError, "argnums must not repeat a position"),
        ("0", TypeError, "argnums must be an int or a non-empty tuple of ints"),
        ((), TypeError, "argnums must be an int or a non-empty tuple of ints"),
    ],
)
def test_bad_argnums_are_refused(argnums: object, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        grad(f, argnums)(1.0, 2.0)  # type: ignore[arg-type]


def test_a_non_number_argument_to_differentiate_is_refused() -> None:
    with pytest.raises(TypeError, match=r"grad\(argnums=0\) needs a real number, got 'str'"):
        grad(lambda x: x)("1")


def test_an_output_that_does_not_depend_on_the_input_gives_zero_with_a_warning() -> None:
    with pytest.warns(UserWarning, match="does not depend on the argument"):
        assert grad(lambda x: 3.0)(1.0) == 0.0
    outside = Value(2.0)
    with pytest.warns(UserWarning, match="does not depend on the argument"):
        assert grad(lambda x: outside * 2)(1.0) == 0.0


def test_a_partial_dependence_does_not_warn() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert grad(lambda x, y: x * 2, (0, 1))(1.0, 2.0) == (2.0, 0.0)
        assert grad(ad.relu)(0.0) == 0.0  # depends on x; its derivative is just 0 there
