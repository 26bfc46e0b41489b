"""The Value: construction, operators, comparisons, and what it shows of the graph."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest

import autodiff as ad
from autodiff import Value


def grads(root: Value, *leaves: Value) -> list[float]:
    root.backward()
    return [leaf.grad for leaf in leaves]


def test_a_value_holds_a_float_a_gradient_and_a_label() -> None:
    v = Value(3, "v")
    assert (v.data, v.grad, v.label) == (3.0, 0.0, "v")
    assert type(v.data) is float
    assert Value(Fraction(1, 4)).data == 0.25  # type: ignore[arg-type]  # any numbers.Real
    assert Value(True).data == 1.0


def test_repr_shows_data_grad_and_label() -> None:
    assert repr(Value(2.0)) == "Value(data=2.0, grad=0.0)"
    assert repr(Value(2.0, "a")) == "Value(data=2.0, grad=0.0, label='a')"


def test_repr_of_a_value_holding_a_value_as_its_grad_does_not_recurse() -> None:
    v = Value(2.0)
    v.grad = v
    assert repr(v) == "Value(data=2.0, grad=Value(data=2.0))"


def test_a_leaf_shows_no_operation() -> None:
    v = Value(1.0)
    assert (v.op, v.parents, v.partials, v.primitive) == ("", (), (), None)


def test_a_node_shows_its_operation_inputs_and_local_derivatives() -> None:
    a, b = Value(2.0), Value(-3.0)
    c = a * b
    assert c.op == "*"
    assert c.parents == (a, b)
    assert c.partials == (-3.0, 2.0)
    assert c.primitive is ad.PRIMITIVES["mul"]
    s = ad.sum([a, b, c])
    assert s.parents == (a, b, c)
    assert s.partials == (1.0, 1.0, 1.0)


def test_the_graph_is_read_only() -> None:
    c = Value(1.0) + Value(2.0)
    for name in ("op", "parents", "partials", "primitive"):
        with pytest.raises(AttributeError):
            setattr(c, name, None)


@pytest.mark.parametrize(
    ("expression", "value", "derivative"),
    [
        (lambda v: v + 2, 5.0, 1.0),
        (lambda v: 2 + v, 5.0, 1.0),
        (lambda v: v - 2, 1.0, 1.0),
        (lambda v: 2 - v, -1.0, -1.0),
        (lambda v: v * 2, 6.0, 2.0),
        (lambda v: 2 * v, 6.0, 2.0),
        (lambda v: v / 2, 1.5, 0.5),
        (lambda v: 2 / v, 2 / 3, -2 / 9),
        (lambda v: v**2, 9.0, 6.0),
        (lambda v: 2**v, 8.0, 8 * math.log(2)),
        (lambda v: v ** Value(2.0), 9.0, 6.0),
        (lambda v: Value(2.0) ** v, 8.0, 8 * math.log(2)),
        (lambda v: -v, -3.0, -1.0),
        (lambda v: +v, 3.0, 1.0),
        (abs, 3.0, 1.0),
    ],
)
def test_operators_take_numbers_on_either_side(expression, value, derivative) -> None:  # type: ignore[no-untyped-def]
    x = Value(3.0)
    y = expression(x)
    assert isinstance(y, Value)
    assert math.isclose(y.data, value)
    assert math.isclose(grads(y, x)[0], derivative)


def test_value_to_a_value_power_differentiates_both() -> None:
    x, y = Value(2.0), Value(3.0)
    z = x**y
    assert z.data == 8.0
    assert grads(z, x, y) == pytest.approx([12.0, 8 * math.log(2)])


def test_in_place_operators_rebind_as_in_micrograd() -> None:
    a = Value(1.0)
    original = a
    a += 1
    a *= 3
    a -= 1
    a /= 5
    assert original.data == 1.0 and a is not original
    assert a.data == pytest.approx(1.0)
    assert grads(a, original) == pytest.approx([0.6])


def test_comparisons_compare_data_and_return_bool() -> None:
    a, b = Value(1.0), Value(2.0)
    assert (a < b, a <= b, a > b, a >= b) == (True, True, False, False)
    assert (a < 1.5, 2 > a, a >= 1, 0 <= a) == (True, True, True, True)  # noqa: SIM300 -- reflected
    assert (a < 1.0, a <= 1.0, a > 1.0, a >= 1.0) == (False, True, False, True)  # at a tie


def test_equality_and_hash_are_identity() -> None:
    a, b = Value(1.0), Value(1.0)
    assert a == a and a != b  # noqa: PLR0124 -- identity is the point
    assert len({a, b, a}) == 2
    assert {a: "a", b: "b"}[b] == "b"


def test_truth_follows_the_float() -> None:
    assert not Value(0.0) and Value(-2.0)


@pytest.mark.parametrize(
    "name",
    [
        "exp",
        "log",
        "sqrt",
        "tanh",
        "sigmoid",
        "relu",
        "leaky_relu",
        "softplus",
        "abs",
        "sin",
        "cos",
    ],
)
def test_each_function_is_a_method_and_a_package_function(name: str) -> None:
    x1, x2 = Value(0.7), Value(0.7)
    by_method = getattr(x1, name)()
    by_function = getattr(ad, name)(x2)
    assert (by_method.data, by_method.partials, by_method.op) == (
        by_function.data,
        by_function.partials,
        by_function.op,
    )


def test_abs_and_leaky_relu_as_functions() -> None:
    assert ad.abs(Value(-2.0)).data == 2.0
    assert Value(-2.0).abs().data == 2.0
    assert ad.leaky_relu(Value(-2.0), slope=0.1).data == pytest.approx(-0.2)
    assert ad.leaky_relu(Value(-2.0)).data == pytest.approx(-0.02)
    assert ad.leaky_relu(Value(-2.0), 0.1).data == pytest.approx(-0.2)  # as the method takes it
    assert Value(-2.0).leaky_relu().data == pytest.approx(-0.02)
    assert Value(-2.0).leaky_relu().partials == (ad.LEAKY_SLOPE,)


def test_a_number_to_a_value_power() -> None:
    y = Value(3.0)
    z = 2**y
    assert (z.data, z.op) == (8.0, "2**")
    assert z.parents == (y,)  # the constant base is a parameter, not an input
    assert z.partials == pytest.approx((8 * math.log(2),))
    assert (0 ** Value(0.5)).partials == (0.0,)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (ad.exp, TypeError, "exp() missing 1 required positional argument"),
        (
            lambda: ad.leaky_relu(Value(1.0), 0.1, 0.2),
            TypeError,
            "leaky_relu() takes 1 input(s) and at most 1 parameter(s), got 3",
        ),
        (
            lambda: ad.leaky_relu(Value(1.0), slope="a"),
            TypeError,
            "leaky_relu(slope=...) needs a real number",
        ),
        (
            lambda: Value(1.0).leaky_relu(Value(0.1)),  # type: ignore[arg-type]
            TypeError,
            "is a constant: pass a number, not a Value",
        ),
        (
            lambda: ad.tanh(Value(1.0), slope=1.0),
            TypeError,
            "tanh() got an unexpected keyword argument 'slope'",
        ),
        (
            lambda: ad.power(Value(1.0)),
            TypeError,
            "power needs the parameter exponent",
        ),
        (
            lambda: ad.power(Value(1.0), exponent="2"),
            TypeError,
            "power(exponent=...) needs a real number",
        ),
        (lambda: Value(10**400), OverflowError, "Value(data) got a number too large for a float"),
    ],
)
def test_wrong_calls_and_parameters_are_named(call, error, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(error) as raised:
        call()
    assert message in str(raised.value)


def test_empty_inputs_give_the_empty_sum_and_product() -> None:
    assert (ad.sum([]), ad.prod([]), ad.dot([], [])) == (0.0, 1.0, 0.0)
    assert all(type(x) is float for x in (ad.sum([]), ad.prod([]), ad.dot([], [])))


def test_sum_adds_as_plus_does() -> None:
    assert math.isnan(ad.sum([Value(math.inf), Value(-math.inf)]).data)
    assert ad.sum([Value(1e308), Value(1e308)]).data == math.inf


def test_nan_stays_nan_and_the_sign_of_zero_is_dropped_by_abs() -> None:
    assert math.isnan(Value(math.nan).relu().data)
    assert math.isnan(Value(math.nan).leaky_relu().data)
    assert math.copysign(1.0, abs(Value(-0.0)).data) == 1.0


def test_a_nan_wins_argmax_and_argmin_wherever_it_is_as_in_numpy() -> None:
    # Python's max and min would keep or skip a NaN by its place: 3.0 here
    assert ad.argmax([1.0, math.nan, 3.0]) == ad.argmin([1.0, math.nan, 0.0]) == 1.0
    assert math.isnan(ad.max([Value(1.0), Value(math.nan), Value(3.0)]).data)


def test_functions_of_numbers_return_floats() -> None:
    assert ad.xlogy(0.0, -1.0) == 0.0  # 0·log y is 0 for every y
    assert ad.tanh(0.5) == math.tanh(0.5)
    assert ad.exp(1) == math.e
    assert ad.sum([1, 2, 3]) == 6.0
    assert ad.dot([1.0, 2.0], [3.0, 4.0], 0.5) == 11.5
    assert ad.softmax([0.0, 0.0]) == [0.5, 0.5]


def test_dot_is_one_node_with_an_edge_per_input() -> None:
    w1, w2, x1, b = Value(2.0), Value(-1.0), Value(3.0), Value(0.5)
    z = ad.dot([w1, w2], [x1, 4.0], b)  # a plain float among the inputs
    assert z.data == 2 * 3 - 4 + 0.5
    assert len(z.parents) == 5
    assert z.partials == (3.0, 4.0, 2.0, -1.0, 1.0)  # x_i for w_i, w_i for x_i, 1 for b
    assert grads(z, w1, w2, x1, b) == [3.0, 4.0, 2.0, 1.0]


def test_an_operation_of_many_inputs_takes_any_iterable_and_names_what_is_not_one() -> None:
    xs = [Value(1.0), Value(2.0), Value(4.0)]
    assert ad.sum(x for x in xs).parents == tuple(xs)
    assert ad.prod(iter(xs)).data == 8.0
    for wrong in (Value(1.0), 3.0, "ab"):
        with pytest.raises(TypeError, match=r"max\(\) takes one iterable .* as sum does"):
            ad.max(wrong)


def test_dot_takes_sequences_and_names_what_is_not_one() -> None:
    w, x = Value(2.0), Value(3.0)
    z = ad.dot((w, -1.0), (x, 4.0), 0.5)
    assert (z.data, z.parents[0], z.parents[2]) == (2.5, w, x)
    with pytest.raises(TypeError, match=r"dot takes two sequences .* got 'Value'"):
        ad.dot(w, [x])
    with pytest.raises(TypeError, match=r"dot takes two sequences .* got 'float'"):
        ad.dot([w], 3.0)


def test_prod_is_exact_when_some_inputs_are_zero() -> None:
    xs = [Value(2.0), Value(0.0), Value(5.0), Value(0.0)]
    assert ad.prod(xs).partials == (0.0, 0.0, 0.0, 0.0)
    ys = [Value(2.0), Value(0.0), Value(5.0)]
    assert ad.prod(ys).partials == (0.0, 10.0, 0.0)


def test_softmax_is_a_vector_activation_with_the_full_jacobian() -> None:
    zs = [Value(1.0), Value(2.0), Value(0.5)]
    ys = ad.softmax(zs)
    assert sum(y.data for y in ys) == pytest.approx(1.0)
    for i, y in enumerate(ys):
        assert y.parents == tuple(zs)  # every input influences every output
        expected = [y.data * ((i == j) - ys[j].data) for j in range(3)]
        assert y.partials == pytest.approx(expected)
        assert y.op == f"softmax[{i}]"
