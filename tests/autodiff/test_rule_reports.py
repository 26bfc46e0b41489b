"""What a user sees when a derivative rule is wrong: the failing input by name and the rule as
a formula (in gradcheck's error and in hypothesis's report), and the cause of a rule's
failure kept, an overflow told apart from a derivative that does not exist."""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import Phase, given, settings

import autodiff as ad
from autodiff import Domain, GradcheckError, Interval, Value, gradcheck, primitive
from autodiff.domains import positive
from autodiff.testing import Expression, Point, arguments, expressions, reals

# The guide's softsign (docs/guide/primitives.md) with the wrong rule it suggests trying:
# the square of the denominator forgotten.


@primitive(
    derivative=lambda x, out: 1 / (1 + abs(x)),
    domain=Domain(Interval(-5, 5, avoid=(0.0,), gap=1e-3)),
    reference=lambda x: x / (1 + math.fabs(x)),
)
def softsign_wrong(x: float) -> float:
    return x / (1 + abs(x))


def report(test: object, examples: int = 100) -> str:
    """The error and hypothesis's notes, as pytest or a console prints them."""
    hunt = settings(database=None, max_examples=examples, phases=[Phase.generate, Phase.shrink])
    with pytest.raises(GradcheckError) as caught:
        hunt(test)()  # type: ignore[operator]
    return "\n".join([str(caught.value), *getattr(caught.value, "__notes__", [])])


def test_the_guide_s_recipe_with_a_wrong_rule_reports_the_input_and_the_rule() -> None:
    @given(arguments(softsign_wrong))
    def test_softsign_rule(point: Point) -> None:
        assert gradcheck(softsign_wrong, *point.inputs, order=2)

    text = report(test_softsign_rule)
    assert text.startswith(
        "∂f/∂x at x = 1.0 (f = softsign_wrong, whose rule reads ∂y/∂x = 1/(1 + |x|)): "
        "analytic 0.5, numeric 0.24999"
    )
    assert "Failing test case: test_softsign_rule(\n    point=Point(x=1.0),\n)" in text


def test_a_failing_random_expression_is_reported_by_its_formula() -> None:
    @given(expressions(n_inputs=2, extra=[softsign_wrong], smooth=True), reals(-2, 2), reals(-2, 2))
    def test_in_graphs(expression: Expression, x: float, y: float) -> None:
        assert gradcheck(expression, x, y)

    text = report(test_in_graphs, examples=2000)  # one operation of ~30 is wrong
    # Shrunk to softsign_wrong(x0) most often; to a small formula around it always.
    shown = re.search(r"expression=Expression\((.*softsign_wrong\(.*)\),\n", text)
    assert shown is not None, text
    assert re.match(r"∂f/∂x[01] at x0 = \S+, x1 = \S+ \(f = (.*)\): analytic", text)
    assert f"(f = {shown.group(1)}): analytic" in text
    assert "Step(" not in text


def test_points_and_expressions_print_their_numbers_by_name() -> None:
    assert repr(Point((0.5,))) == "Point(x=0.5)"
    assert repr(Point((0.5, -2.0))) == "Point(x=0.5, y=-2.0)"
    assert repr(Point((1.0, 2.0, 3.0))) == "Point(xs=[1.0, 2.0, 3.0])"
    assert repr(Point((0.5,), {"slope": 0.1})) == "Point(x=0.5, slope=0.1)"
    step = ad.testing.graphs.Step(ad.PRIMITIVES["div"], (0, 1), (None, positive))
    assert repr(Expression(2, (step,))) == "Expression(div(x0, positive(x1)))"


def test_gradcheck_names_every_argument_and_what_f_is() -> None:
    def f(weight: Value, bias: Value) -> Value:
        product: Value = weight * softsign_wrong(bias)
        return product

    with pytest.raises(GradcheckError, match=r"^∂f/∂bias at weight = 2.0, bias = 1.0 \(f = f\)"):
        gradcheck(f, 2.0, 1.0)
    # A lambda has no name to give: the point only.
    with pytest.raises(GradcheckError, match=r"^∂f/∂x at x = 1.0: analytic 1.0"):
        gradcheck(lambda x: 2 * softsign_wrong(x), 1.0)


# -- causes kept ---------------------------------------------------------------------------------


@primitive(derivative=lambda x, out: ad.exp(x) / (1 + ad.exp(x)) ** 2)
def sigmoid_naive(x: float) -> float:
    """The logistic function, with its derivative written as e^x / (1 + e^x)²: right, and
    overflowing for x > 709."""
    return 1 / (1 + math.exp(-x))


@primitive(derivative=lambda x, out: 1 / (3 * out * out))
def cbrt(x: float) -> float:
    """∛x, whose derivative 1/(3∛x²) has a pole at 0."""
    return math.copysign(abs(x) ** (1 / 3), x)


def test_an_overflow_in_a_rule_is_reported_as_one_with_its_cause() -> None:
    for transform in (ad.grad, lambda f: ad.grad(ad.grad(f))):
        with pytest.raises(OverflowError) as caught:
            transform(sigmoid_naive)(710.0)
        assert str(caught.value) == (
            "sigmoid_naive: the derivative at x = 710.0 is a finite number, but the rule's "
            "formula overflows computing it (exp: the result at x = 710.0 is too large for a "
            "float; write the rule in a stable form, in terms of out, say), and a gradient of "
            "1.0 reached it"
        )
        cause = caught.value.__cause__
        assert isinstance(cause, OverflowError) and "exp: the result at x = 710.0" in str(cause)
        assert isinstance(cause.__cause__, OverflowError)  # math's own, "math range error"
    assert ad.grad(sigmoid_naive)(300.0) == pytest.approx(math.exp(-300.0), rel=1e-9)


def test_a_true_pole_is_undefined_with_its_cause() -> None:
    y = cbrt(Value(0.0))
    (edge,) = y.partials
    assert isinstance(edge, ad.Undefined) and isinstance(edge.cause, ZeroDivisionError)
    with pytest.raises(ad.DomainError) as caught:
        ad.grad(cbrt)(0.0)
    assert str(caught.value) == (
        "cbrt: the derivative at x = 0.0 does not exist as a finite real number (float "
        "division by zero), and a gradient of 1.0 reached it"
    )
    assert isinstance(caught.value.__cause__, ZeroDivisionError)
    assert ad.grad(lambda x: 0 * cbrt(x))(0.0) == 0.0  # no gradient crosses it: no error


def test_a_built_in_pole_keeps_its_cause_too() -> None:
    with pytest.raises(ad.DomainError, match=r"does not exist .*\(float division by zero\)"):
        ad.grad(ad.sqrt)(0.0)


def test_the_kept_cause_holds_the_rule_s_frames_but_not_their_variables() -> None:
    (edge,) = sigmoid_naive(Value(710.0)).partials
    assert isinstance(edge, ad.Undefined) and edge.cause is not None
    frames = []
    tb = edge.cause.__traceback__
    while tb is not None:
        frames.append(tb.tb_frame)
        tb = tb.tb_next
    assert frames and all(not frame.f_locals for frame in frames)
    # From the rule on: not the frame that caught the error, which holds the edge.
    assert frames[0].f_code.co_name == "local_derivatives"
