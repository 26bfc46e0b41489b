"""Registering a primitive: a forward function and its derivative rule, stated once."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

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
    m = mean([a, b, c])
    assert (m.data, m.partials) == (3.0, (1 / 3, 1 / 3, 1 / 3))
    z = x_cos_y(a, b)
    assert z.partials == pytest.approx((math.cos(2.0), -math.sin(2.0)))
    e = exp_scaled(a, k=2.0)
    assert e.op == "e^2x"
    assert e.partials == pytest.approx((2 * math.exp(2.0),))
    assert e.primitive is not None and e.primitive.params == {"k": 2.0}


def test_a_parameter_that_is_a_list_is_bound_and_shown() -> None:
    @primitive(lambda x, out, *, coeffs: sum(i * c * x ** (i - 1) for i, c in enumerate(coeffs)))
    def poly(x: float, *, coeffs: list[float]) -> float:
        return sum(c * x**i for i, c in enumerate(coeffs))

    for _ in range(2):  # a list cannot key the cache of bound primitives: bound each time
        y = poly(Value(2.0), coeffs=[1.0, 2.0, 3.0])
        assert (y.data, y.partials, y.op) == (17.0, (14.0,), "poly(coeffs=[1.0, 2.0, 3.0])")


def test_a_binary_operation_takes_its_parameter_by_position_or_by_name() -> None:
    @primitive(lambda x, y, out, *, k: (k * y, k * x))
    def scaled_product(x: float, y: float, *, k: float = 1.0) -> float:
        return k * x * y

    a, b = Value(2.0), Value(3.0)
    assert scaled_product(a, b, 2.0).data == scaled_product(a, b, k=2.0).data == 12.0
    too_many = r"^scaled_product\(\) takes 2 input\(s\) and at most 1 parameter\(s\), got 4$"
    with pytest.raises(TypeError, match=too_many):
        scaled_product(a, b, 2.0, 3.0)
    with pytest.raises(TypeError, match=r"^scaled_product\(\) takes 2 input\(s\), got 1$"):
        scaled_product(a)


def test_a_parameter_is_checked_against_the_type_its_forward_declares() -> None:
    @primitive(lambda x, out, *, n: n * x ** (n - 1))
    def int_power(x: float, *, n: int) -> float:
        return float(x**n)

    assert int_power(Value(2.0), n=3).data == 8.0
    with pytest.raises(TypeError, match=r"^int_power\(n=\.\.\.\) needs an int, got 'float'$"):
        int_power(Value(2.0), n=1.5)


def test_a_rule_of_one_or_two_inputs_is_written_as_code_in_its_own_names() -> None:
    assert ad.mul.primitive.rule_code == "def rule(x, y, out):\n    return (y, x,)\n"
    assert cube.primitive.rule_code == "def rule(x, out):\n    return (3.0 * x) * x\n"


def test_the_rule_serves_values_too() -> None:
    x = Value(2.0)
    out = cube(x)
    (d,) = cube.primitive.on_values([x], out)
    assert isinstance(d, Value) and d.data == 12.0  # a derivative with a graph of its own


def test_a_primitive_must_take_one_two_or_any_number_of_inputs() -> None:
    with pytest.raises(TypeError, match="must take one input"):

        @primitive(derivative=lambda x, y, z, out: (1, 1, 1))
        def three(x: float, y: float, z: float) -> float:
            return x + y + z

    with pytest.raises(TypeError, match="must take one input"):  # one, and then any number

        @primitive(derivative=lambda xs, out: [1.0] * len(xs))
        def first_and_more(x: float, *more: float) -> float:
            return x + sum(more)

    with pytest.raises(TypeError, match="must take one input"):  # none

        @primitive(derivative=lambda out: 0.0)
        def nothing() -> float:
            return 1.0


def test_a_forward_of_many_inputs_that_fails_on_values_names_itself_and_the_inputs() -> None:
    @primitive(lambda xs, out: [out * out / (len(xs) * x * x) for x in xs])
    def harmonic(*xs: float) -> float:
        return len(xs) / sum(1.0 / x for x in xs)

    assert harmonic([Value(1.0), Value(2.0), Value(4.0)]).data == 12 / 7
    expected = (
        r"^harmonic is not defined at inputs \[1\.0, 2\.0, 0\.0\] \(float division by zero\)$"
    )
    with pytest.raises(ad.DomainError, match=expected):
        harmonic([Value(1.0), Value(2.0), Value(0.0)])


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


def test_a_rule_with_the_wrong_number_of_derivatives_is_named_at_first_use() -> None:
    @primitive(derivative=lambda xs, out: [1.0])
    def three(*xs: float) -> float:
        return sum(xs)

    @primitive(derivative=lambda x, out: (1.0, 2.0))
    def unary_giving_two(x: float) -> float:
        return x

    @primitive(derivative=lambda x, out: (2.0,))
    def unary_giving_a_tuple(x: float) -> float:
        return 2.0 * x

    @primitive(derivative=lambda x, y, out: 1.0)
    def binary_giving_one(x: float, y: float) -> float:
        return x + y

    a, b, c = Value(1.0), Value(2.0), Value(3.0)
    with pytest.raises(TypeError) as three_error:
        three([a, b, c])
    assert str(three_error.value) == (
        "the derivative rule of three returned 1 value, but three has 3 inputs: a rule is "
        "rule(xs, out) -> a list of ∂out/∂x_i, one per input"
    )
    with pytest.raises(TypeError) as unary_error:
        unary_giving_two(a)
    assert str(unary_error.value) == (
        "the derivative rule of unary_giving_two returned 2 values, but unary_giving_two has "
        "one input: a rule is rule(x, out) -> ∂out/∂x"
    )
    with pytest.raises(TypeError) as tuple_error:  # one derivative, but in a tuple
        unary_giving_a_tuple(a)
    assert str(tuple_error.value) == (
        "the derivative rule of unary_giving_a_tuple returned 1 value, but unary_giving_a_tuple "
        "has one input: a rule is rule(x, out) -> ∂out/∂x"
    )
    with pytest.raises(TypeError) as binary_error:
        binary_giving_one(a, b)
    assert str(binary_error.value) == (
        "the derivative rule of binary_giving_one returned one (1.0), but binary_giving_one "
        "has 2 inputs: a rule is rule(x, y, out) -> (∂out/∂x, ∂out/∂y)"
    )
    # The same words where the rule is read as code or as a formula (it is then given
    # Symbols, which the user never wrote): compiling, and derivatives of derivatives.
    attempts: list[Callable[[], object]] = [
        lambda: ad.compile(binary_giving_one)(1.0, 2.0),
        lambda: ad.grad(ad.grad(lambda x, y: binary_giving_one(x * x, y)))(1.0, 2.0),
    ]
    for attempt in attempts:
        with pytest.raises(TypeError, match=r"binary_giving_one returned one \((1.0|an expr)"):
            attempt()


def test_a_rule_that_cannot_take_its_arguments_is_refused_at_registration() -> None:
    def atan(x: float) -> float:
        return x

    def scaled(x: float, *, k: float = 2.0) -> float:
        return k * x

    with pytest.raises(TypeError) as missing_out:
        primitive(derivative=lambda x: 1 / (1 + x * x))(atan)
    assert str(missing_out.value) == (
        "primitive 'atan': its derivative rule must be rule(x, out) -> ∂out/∂x, a function of "
        "the input and the output; <lambda>(x) cannot be called so (too many positional "
        "arguments)"
    )
    with pytest.raises(TypeError, match=r"must be rule\(x, y, out\) -> \(∂out/∂x, ∂out/∂y\)"):
        primitive(derivative=lambda x, out: (1.0, 1.0))(lambda x, y: x + y)
    with pytest.raises(TypeError, match=r"must be rule\(xs, out\) -> a list of ∂out/∂x_i"):
        primitive(derivative=lambda x, y, out: [1.0])(lambda *xs: sum(xs))
    with pytest.raises(TypeError, match=r"rule\(x, out, \*, k\).*unexpected keyword.*'k'"):
        primitive(derivative=lambda x, out: 2.0)(scaled)
    # Forms that can take the arguments are accepted: defaults, *args, **params.
    primitive(derivative=lambda x, out, *, k: k)(scaled)
    primitive(derivative=lambda *args, **params: params["k"])(scaled)
    primitive(derivative=lambda x, out=None: 1.0)(atan)


def test_a_rule_giving_something_else_than_a_number_is_named_at_first_use() -> None:
    @primitive(derivative=lambda x, y, out: (1.0, "one"))
    def wordy(x: float, y: float) -> float:
        return x + y

    with pytest.raises(
        TypeError,
        match=r"the derivative rule of wordy returned 'one', not a number: a rule is "
        r"rule\(x, y, out\)",
    ):
        wordy(Value(1.0), Value(2.0))


def unregistered(x: float) -> float:
    return x


@pytest.mark.parametrize(
    ("register", "message"),
    [
        (lambda: primitive(derivative=3)(unregistered), "the derivative must be a function, got 3"),  # type: ignore[arg-type]
        (lambda: primitive(derivative=lambda x, out: 1.0)(2.0), "the forward must be a function"),  # type: ignore[arg-type]
        (
            lambda: primitive(lambda x, out: 1.0, name=1)(unregistered),  # type: ignore[arg-type]
            r"primitive\(name=...\) needs a str",
        ),
        (
            lambda: primitive(lambda x, out: 1.0, display=None)(unregistered),  # type: ignore[arg-type]
            r"primitive\(display=...\) needs a str",
        ),
        (
            lambda: primitive(lambda x, out: 1.0, domain=(0, 1))(unregistered),  # type: ignore[arg-type]
            r"primitive\(domain=...\) needs an autodiff.Domain",
        ),
        (
            lambda: primitive(lambda x, out: 1.0, reference="x")(unregistered),  # type: ignore[arg-type]
            r"primitive\(reference=...\) needs a function",
        ),
    ],
)
def test_a_registration_with_a_wrong_argument_is_refused_naming_it(
    register: Any, message: str
) -> None:
    with pytest.raises(TypeError, match=message):
        register()
    assert "unregistered" not in ad.PRIMITIVES


def test_a_forward_must_give_a_real_number() -> None:
    @primitive(derivative=lambda x, out: 0.5 / out)
    def root(x: float) -> float:
        return x**0.5  # type: ignore[no-any-return]  # complex for x < 0

    @primitive(derivative=lambda x, out: 0.0)
    def count(x: float) -> float:
        return 3  # an int

    with pytest.raises(
        ad.DomainError, match=r"root: the result at x = -4.0 is .*not a real number"
    ):
        root(Value(-4.0))
    made = count(Value(1.0))
    assert type(made.data) is float and made.data == 3.0


def test_a_forward_raising_a_plain_value_error_is_a_domain_error_naming_the_primitive() -> None:
    @primitive(derivative=lambda x, out: 1 / x)
    def plain_log(x: float) -> float:
        return math.log(x)

    with pytest.raises(ad.DomainError, match=r"plain_log is not defined at x = -1.0"):
        plain_log(Value(-1.0))
    with pytest.raises(ad.DomainError, match=r"plain_log is not defined at x = -1.0"):
        plain_log(-1.0)


def test_a_rule_written_with_math_works_on_floats_and_says_why_not_at_order_two() -> None:
    @primitive(derivative=lambda x, out: math.cos(x))
    def my_sin(x: float) -> float:
        return math.sin(x)

    assert ad.grad(my_sin)(0.5) == pytest.approx(math.cos(0.5))
    with pytest.raises(
        TypeError, match=r"rule of my_sin cannot be applied to Values.*autodiff\.sin"
    ):
        ad.grad(ad.grad(my_sin))(0.5)


def test_a_rule_that_branches_on_a_value_is_still_right_on_floats() -> None:
    # Written with a Python branch, it cannot be compiled to code: it is called as it is.
    @primitive(derivative=lambda x, out: 2.0 if x > 0 else 0.5)
    def bent(x: float) -> float:
        return 2 * x if x > 0 else x / 2

    assert bent(Value(1.0)).partials == (2.0,)
    assert bent(Value(-1.0)).partials == (0.5,)


def test_an_undefined_derivative_crossed_by_a_zero_gradient_gives_zero_in_every_mode() -> None:
    """The issue's example: relu(x − 1)·√x at 0; √'s derivative there is undefined, but the
    gradient reaching it, relu(−1) = 0, is zero."""

    def f(x: Value) -> Value:
        return (x - 1).relu() * x.sqrt()

    x = Value(0.0)
    f(x).backward()
    assert x.grad == 0.0
    x = Value(0.0)
    f(x).backward(create_graph=True)
    assert x.grad.data == 0.0
    assert ad.grad(f)(0.0) == 0.0
    assert ad.grad(ad.grad(f))(0.0) == 0.0
    assert ad.gradients(f(x), [x], create_graph=True)[0].data == 0.0


@pytest.mark.parametrize(
    "rule",
    [
        lambda x, y, out: (1.0, 0.0) if x != y else (0.5, 0.5),
        lambda x, y, out: (0.5, 0.5) if x == y else (1.0, 0.0),
    ],
)
def test_a_rule_that_branches_on_equality_takes_its_branch_at_each_point(rule: Any) -> None:
    @primitive(derivative=rule)
    def bigger(x: float, y: float) -> float:
        return max(x, y)

    assert bigger(Value(1.0), Value(1.0)).partials == (0.5, 0.5)
    assert bigger(Value(2.0), Value(1.0)).partials == (1.0, 0.0)


def test_where_one_derivative_of_a_node_does_not_exist_the_others_still_do() -> None:
    x, n = Value(-2.0), Value(3.0)
    made = x**n  # ∂/∂x = 3x² = 12; ∂/∂n = x^n·log x has no real value for x < 0
    assert made.partials[0] == 12.0
    assert isinstance(made.partials[1], ad.Undefined)
    assert "with respect to y" in made.partials[1].message


def test_every_mode_multiplies_an_infinite_gradient_by_a_zero_derivative_alike() -> None:
    def f(x: Value) -> Value:
        return x.relu() * math.inf  # relu'(-1) = 0 meets the gradient inf: NaN, as IEEE says

    x = Value(-1.0)
    f(x).backward()
    assert math.isnan(x.grad)
    x = Value(-1.0)
    assert math.isnan(ad.gradients(f(x), [x])[0])
    assert math.isnan(ad.gradients(f(x), [x], create_graph=True)[0].data)


def test_constant_parameters_must_be_finite() -> None:
    with pytest.raises(ValueError, match=r"leaky_relu\(slope=...\) needs a finite number"):
        Value(1.0).leaky_relu(math.nan)
    with pytest.raises(ValueError, match=r"power\(exponent=...\) needs a finite number"):
        Value(2.0) ** math.inf


@primitive(derivative=lambda x, y, out: (math.log(x), 1.0))
def xlogx_plus(x: float, y: float) -> float:
    """x·log x − x + y, with 0·log 0 = 0;  ∂/∂x = log x, undefined at 0,  ∂/∂y = 1"""
    return (x * math.log(x) if x > 0 else 0.0) - x + y


@primitive(derivative=lambda xs, out: [math.log(x) for x in xs])
def sum_xlogx(*xs: float) -> float:
    """Σ x_i·log x_i − x_i, with 0·log 0 = 0;  ∂/∂x_i = log x_i, undefined at 0"""
    return sum((x * math.log(x) if x > 0 else 0.0) - x for x in xs)


@pytest.mark.parametrize(
    ("make", "name"),
    [
        (xlogx_plus, "xlogx_plus"),
        (lambda x, y: sum_xlogx([y, x, y]), "sum_xlogx"),
    ],
)
def test_a_user_rule_undefined_at_a_point_raises_only_when_a_nonzero_gradient_crosses_it(
    make: Any, name: str
) -> None:
    """A user's rule written with math.log fails at 0 (a ValueError of math): the node's
    edges are then undefined there, and the policy of the built-ins holds."""
    x, y = Value(0.0), Value(2.0)
    out = make(x, y)  # the value exists: making the node is fine
    assert all(isinstance(d, ad.Undefined) for d in out.partials)
    (out * 0.0).backward()  # a zero gradient may cross the edge
    assert (x.grad, y.grad) == (0.0, 0.0)
    assert ad.gradients(out * 0.0, [x, y]) == [0.0, 0.0]
    assert [step.passed for step in ad.backward_steps(out, 0.0)] == [()]
    for nonzero in (
        out.backward,
        lambda: ad.gradients(out, [x]),
        lambda: list(ad.backward_steps(out)),
        lambda: ad.grad(make)(0.0, 2.0),
    ):
        with pytest.raises(ad.DomainError, match=rf"{name}: the derivative at .* does not exist"):
            nonzero()
    assert ad.grad(make)(math.e, 2.0) == pytest.approx(1.0)  # where it holds, log e


def test_the_derivative_of_the_zeroth_power_at_zero() -> None:
    """x^0 is the constant 1, even at 0, where n·x^(n−1) would divide by zero."""
    x = Value(0.0)
    (x**0).backward()
    assert x.grad == 0.0
    assert ad.grad(lambda v: v**0)(0.0) == 0.0
    x = Value(0.0)
    (x**0).backward(create_graph=True)
    assert x.grad.data == 0.0


def test_the_derivatives_of_a_constant_base_power_at_zero() -> None:
    assert ad.grad(lambda y: 0.0**y)(2.0) == 0.0  # 0^y is 0 for every y > 0
    with pytest.warns(UserWarning, match="does not depend"):  # and so is its derivative
        assert ad.grad(ad.grad(lambda y: 0.0**y))(2.0) == 0.0
