"""Bad input gets a clear error; numerically hard inputs get finite, correct answers."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest

import autodiff as ad
from autodiff import DomainError, Value, checks


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Value("abc"), "Value(data) needs a real number, got 'str'"),  # type: ignore[arg-type]
        (lambda: Value(None), "Value(data) needs a real number, got 'NoneType'"),  # type: ignore[arg-type]
        (lambda: Value(1j), "got 'complex'"),  # type: ignore[arg-type]
        (lambda: Value(1.0, label=3), "Value(label) needs a str, got 'int'"),  # type: ignore[arg-type]
        (lambda: Value(1.0) + "x", "unsupported operand type(s) for +: 'Value' and 'str'"),  # type: ignore[operator]
        (lambda: ad.xlogy(Value(1.0), "y"), "unsupported operand type(s) for xlogy: 'Value' and"),
        # From either side, the operation names both operands, as Python's own message does.
        (lambda: "x" + Value(1.0), "unsupported operand type(s) for +: 'str' and 'Value'"),  # type: ignore[operator]
        (lambda: Value(1.0) * [1], "unsupported operand type(s) for *: 'Value' and 'list'"),  # type: ignore[operator]
        (lambda: [1] * Value(1.0), "unsupported operand type(s) for *: 'list' and 'Value'"),  # type: ignore[operator]
        (lambda: Value(1.0) ** "2", "unsupported operand type(s) for **: 'Value' and 'str'"),  # type: ignore[operator]
        (lambda: Value(1.0) < "2", "got 'str'"),  # type: ignore[operator]
        (lambda: ad.tanh("x"), "tanh needs a real number, got 'str'"),
        (lambda: ad.sum([Value(1.0), None]), "sum needs a real number, got 'NoneType'"),
        (lambda: ad.dot([Value(1.0)], ["a"]), "dot needs a real number, got 'str'"),
        (lambda: ad.gradients(2.0, []), "gradients(output) needs a Value, got 'float'"),  # type: ignore[arg-type]
        (
            lambda: ad.gradients(Value(1.0) * 2, 3),  # type: ignore[arg-type]
            "gradients(inputs) needs an iterable of Values, got 'int'",
        ),
        (lambda: ad.zero_grad(Value(1.0)), "zero_grad(values) needs an iterable of Values"),  # type: ignore[arg-type]
        (lambda: ad.zero_grad([Value(1.0), 2.0]), "zero_grad(values): item 1 is a float"),  # type: ignore[list-item]
        (lambda: ad.zero_grad("ab"), "zero_grad(values) needs an iterable of Values, got 'str'"),  # type: ignore[arg-type]
    ],
)
def test_wrong_types_raise_type_errors_that_name_them(
    make: Callable[[], object], message: str
) -> None:
    with pytest.raises(TypeError) as error:
        make()
    assert message in str(error.value)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: ad.log(Value(0.0)), "log(x) needs x > 0, got x = 0.0"),
        (lambda: ad.log(Value(-1.0)), "log(x) needs x > 0, got x = -1.0"),
        (lambda: ad.sqrt(Value(-1.0)), "sqrt(x) needs x >= 0, got x = -1.0"),
        (lambda: Value(0.0) ** -1, "x ** y needs y >= 0 when x = 0, got y = -1.0"),
        (lambda: Value(-8.0) ** (1 / 3), "x ** y needs an integer y when x < 0"),
        (lambda: Value(-8.0) ** Value(0.5), "x ** y needs an integer y when x < 0"),
        (lambda: Value(1.0) / 0, "x / y needs y != 0"),
        (lambda: 1 / Value(0.0), "x / y needs y != 0"),
        (lambda: ad.sin(Value(math.inf)), "sin(x) needs a finite x, got x = inf"),
        (lambda: ad.cos(-math.inf), "cos(x) needs a finite x, got x = -inf"),
        (lambda: ad.xlogy(Value(1.0), Value(-1.0)), "xlogy(x, y) needs y > 0 where x != 0"),
        # The same policy for plain numbers.
        (lambda: ad.log(-1.0), "log(x) needs x > 0, got x = -1.0"),
        (lambda: ad.power(0.0, exponent=-2), "x ** y needs y >= 0 when x = 0"),
    ],
)
def test_domain_errors_name_the_operation_and_the_value(
    make: Callable[[], object], message: str
) -> None:
    with pytest.raises(DomainError) as error:
        make()
    assert message in str(error.value)


def test_a_domain_error_is_a_value_error() -> None:
    assert issubclass(DomainError, ValueError)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (ad.sqrt, "sqrt: the derivative at x = 0.0 does not exist as a finite real number"),
        (lambda x: x**0.5, "**0.5: the derivative at x = 0.0 does not exist"),
        (lambda x: (x - 2) ** Value(2.0), "**: the derivative with respect to y at x = -2.0"),
        (lambda x: (-2.0) ** (x + 2), "-2.0 ** y has no derivative with respect to y"),
    ],
)
def test_a_derivative_that_does_not_exist_is_an_error_only_if_a_gradient_needs_it(
    make: Callable[[Value], Value], message: str
) -> None:
    x = Value(0.0)
    y = make(x)  # the value exists: making the node is fine
    (y * 0.0).backward()  # a zero gradient may cross the edge
    with pytest.raises(DomainError) as error:
        y.backward()
    assert message in str(error.value)
    assert "a gradient of 1.0 reached it" in str(error.value)


def test_an_undefined_derivative_shows_on_its_edge() -> None:
    y = ad.sqrt(Value(0.0))
    assert isinstance(y.partials[0], ad.Undefined)
    assert f"{y.partials[0]:.3f}" == "undefined"


def test_the_functional_api_reports_it_too() -> None:
    with pytest.raises(DomainError, match=r"sqrt: the derivative at x = 0\.0"):
        ad.grad(ad.sqrt)(0.0)


def test_overflow_names_the_operation() -> None:
    with pytest.raises(OverflowError, match=r"exp: the result at x = 1000.0 is too large"):
        ad.exp(Value(1000.0))
    with pytest.raises(OverflowError, match=r"\*\*3: the result at x = 1e\+200"):
        Value(1e200) ** 3


def test_empty_inputs_are_refused() -> None:
    for op in (ad.max, ad.min, ad.logsumexp, ad.softmax):
        with pytest.raises(ValueError, match="at least one value"):
            op([])


def test_dot_needs_as_many_weights_as_inputs() -> None:
    with pytest.raises(ValueError, match="dot needs as many weights as inputs, got 1 and 2"):
        ad.dot([Value(1.0)], [1.0, 2.0])


def test_softmax_and_logsumexp_of_infinite_inputs_are_their_limits() -> None:
    inf = math.inf
    assert ad.softmax([inf, 0.0]) == [1.0, 0.0]
    assert ad.softmax([inf, -1.0, inf]) == [0.5, 0.0, 0.5]  # shared by the tied largest
    assert ad.softmax([-inf, 0.0]) == [0.0, 1.0]
    assert [y.data for y in ad.softmax([Value(inf), Value(0.0)])] == [1.0, 0.0]
    assert (ad.logsumexp([inf, 0.0]), ad.logsumexp([-inf, -inf])) == (inf, -inf)
    assert ad.logsumexp([-inf, 0.0]) == 0.0


def value_and_grads(f: Callable[[list[Value]], Value], *xs: float) -> tuple[float, list[float]]:
    inputs = [Value(x) for x in xs]
    out = f(inputs)
    out.backward()
    return out.data, [x.grad for x in inputs]


@pytest.mark.parametrize(
    ("f", "inputs", "value", "gradient"),
    [
        (lambda v: v[0].sigmoid(), [1000.0], 1.0, [0.0]),
        (lambda v: v[0].sigmoid(), [-1000.0], 0.0, [0.0]),
        (lambda v: v[0].tanh(), [1000.0], 1.0, [0.0]),
        (lambda v: v[0].tanh(), [-1000.0], -1.0, [0.0]),
        (lambda v: v[0].softplus(), [1000.0], 1000.0, [1.0]),
        (lambda v: v[0].softplus(), [-1000.0], 0.0, [0.0]),
        (ad.logsumexp, [1000.0, 1000.0], 1000.0 + math.log(2), [0.5, 0.5]),
        (ad.logsumexp, [-1000.0, -1000.0], -1000.0 + math.log(2), [0.5, 0.5]),
        (lambda v: ad.softmax(v)[0], [1000.0, 0.0], 1.0, [0.0, 0.0]),
        (lambda v: ad.softmax(v)[1], [1000.0, 0.0], 0.0, [0.0, 0.0]),
    ],
)
def test_stable_where_a_naive_formula_overflows(
    f: Callable[[list[Value]], Value], inputs: list[float], value: float, gradient: list[float]
) -> None:
    data, grads = value_and_grads(f, *inputs)
    assert math.isfinite(data) and all(math.isfinite(g) for g in grads)
    assert data == pytest.approx(value, rel=1e-15, abs=1e-300)
    assert grads == pytest.approx(gradient, rel=1e-15, abs=1e-300)


# -- the checks at the door, which nn uses too ----------------------------------------------------


@pytest.mark.parametrize(
    ("x", "real", "number"),
    [
        (2.5, True, True),
        (-3, True, True),
        (math.inf, True, False),
        (math.nan, True, False),
        (10**400, True, False),  # an int too large for a float
        (True, False, False),  # a bool is an int to Python, not a number here
        ("1", False, False),
        (1j, False, False),
    ],
)
def test_the_checks_tell_a_real_number_and_a_finite_one(
    x: object, real: bool, number: bool
) -> None:
    assert (checks.is_real(x), checks.is_number(x)) == (real, number)


@pytest.mark.parametrize(
    ("check", "x", "error", "message"),
    [
        (checks.as_positive, 0.0, ValueError, "w needs a positive number, got 0.0"),
        (checks.as_positive, math.inf, ValueError, "w needs a positive number, got inf"),
        (checks.as_nonnegative, -1.0, ValueError, "w needs a number >= 0, got -1.0"),
        (checks.as_nonnegative, "1", ValueError, "w needs a number >= 0, got '1'"),
        (checks.as_finite, math.nan, ValueError, "w needs a finite number, got nan"),
        (checks.as_count, 0, ValueError, "w needs a positive int, got 0"),
        (checks.as_count, True, TypeError, "w needs an int, got a bool"),
        (checks.as_count, 2.0, TypeError, "w needs an int, got 'float'"),
        (checks.as_flag, 1, TypeError, "w needs True or False, got 'int'"),
    ],
)
def test_each_check_names_the_argument_and_what_it_got(
    check: Callable[[object, str], object], x: object, error: type[Exception], message: str
) -> None:
    with pytest.raises(error) as raised:
        check(x, "w")
    assert str(raised.value) == message


def test_a_count_may_have_a_bound_and_a_huge_one_is_shown_short() -> None:
    assert checks.as_count(10**6, "n", most=10**6) == 10**6
    assert (checks.as_nonnegative(0, "w"), checks.as_positive(2, "w")) == (0.0, 2.0)
    with pytest.raises(ValueError, match=r"^n needs a positive int up to 1e\+06, got 1000001$"):
        checks.as_count(10**6 + 1, "n", most=10**6)
    with pytest.raises(ValueError, match=r"got 10000000000000000000\.\.\. \(41 digits\)$"):
        checks.as_count(10**40, "n", most=10**6)
