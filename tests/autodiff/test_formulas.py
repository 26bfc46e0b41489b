"""The rules written as formulas (`autodiff.formulas`): read off the rule itself, never a
second hand-written text, in plain Unicode and in LaTeX, for built-in and user primitives."""

from __future__ import annotations

import math
import subprocess
import sys

import pytest

import autodiff as ad
from autodiff import Value, primitive
from autodiff.formulas import formulas


def texts(node: Value) -> list[str]:
    return [f.text for f in ad.local_formulas(node)]


X, Y = Value(0.3), Value(1.7)

BUILT_IN = [
    (ad.tanh(X), ["∂y/∂x = 1 − y²"]),
    (ad.sigmoid(X), ["∂y/∂x = y(1 − y)"]),
    (ad.relu(X), ["∂y/∂x = [x > 0]"]),
    (ad.exp(X), ["∂y/∂x = y"]),
    (ad.log(Y), ["∂y/∂x = 1/x"]),
    (ad.sqrt(Y), ["∂y/∂x = 0.5/y"]),
    (ad.sin(X), ["∂y/∂x = cos(x)"]),
    (ad.cos(X), ["∂y/∂x = −sin(x)"]),
    (abs(X), ["∂y/∂x = sign(x)"]),
    (ad.softplus(X), ["∂y/∂x = σ(x)"]),
    (X**3, ["∂y/∂x = 3x²"]),
    (X**-1, ["∂y/∂x = −x⁻²"]),
    (2**X, ["∂y/∂x = 0.6931y"]),
    (ad.leaky_relu(X, 0.1), ["∂y/∂x = [x > 0] + 0.1(1 − [x > 0])"]),
    (X * Y, ["∂z/∂x = y", "∂z/∂y = x"]),
    (X / Y, ["∂z/∂x = 1/y", "∂z/∂y = −z/y"]),
    (X - Y, ["∂z/∂x = 1", "∂z/∂y = −1"]),
    (Y**X, ["∂z/∂x = y·x^(y − 1)", "∂z/∂y = z·log(x)"]),
    (
        ad.max([X, Y, X]),
        [f"∂y/∂x{s} = [argmax(x₀, x₁, x₂) = {i}]" for i, s in enumerate("₀₁₂")],
    ),
    (ad.sum([X, Y, X]), ["∂y/∂x₀ = 1", "∂y/∂x₁ = 1", "∂y/∂x₂ = 1"]),
]


@pytest.mark.parametrize(("node", "expected"), BUILT_IN, ids=lambda x: getattr(x, "op", ""))
def test_each_built_in_rule_reads_as_its_formula(node: Value, expected: list[str]) -> None:
    assert texts(node) == expected


def test_latex_is_written_from_the_same_rule() -> None:
    (tanh,) = ad.local_formulas(ad.tanh(X))
    assert tanh.latex == r"\frac{\partial y}{\partial x} = 1 - y^{2}"
    assert tanh._repr_latex_() == f"${tanh.latex}$"  # what Jupyter shows
    assert (tanh.output, tanh.input, tanh.expression, str(tanh)) == ("y", "x", "1 − y²", tanh.text)
    dz_dy = ad.local_formulas(X / Y)[1]
    assert dz_dy.latex == r"\frac{\partial z}{\partial y} = \frac{-z}{y}"
    sigmoid = ad.local_formulas(ad.sigmoid(X))[0]
    assert sigmoid.latex == r"\frac{\partial y}{\partial x} = y \left(1 - y\right)"


def test_every_built_in_operation_has_a_formula_for_each_input() -> None:
    for name, prim in ad.PRIMITIVES.items():
        if not prim.builtin:
            continue
        bound = prim.bind({"index": 0}) if name == "softmax" else prim
        if name in ("power", "exponential", "leaky_relu"):
            continue  # bound by a parameter: covered above
        n = prim.arity or 3
        made = formulas(bound, n)
        assert len(made) == n, name
        for formula in made:
            assert formula.text.startswith("∂") and "=" in formula.text, (name, formula)
            assert "Symbol" not in formula.text and "t0" not in formula.text, (name, formula)


def test_a_users_rule_is_read_the_same_way() -> None:
    @primitive(derivative=lambda x, out: 1 / (1 + x * x))
    def atan(x: float) -> float:
        return math.atan(x)

    @primitive(derivative=lambda x, y, out: (x / out, y / out))
    def hypot(x: float, y: float) -> float:
        return math.hypot(x, y)

    assert texts(atan(X)) == ["∂y/∂x = 1/(1 + x²)"]
    assert texts(hypot(X, Y)) == ["∂z/∂x = x/z", "∂z/∂y = y/z"]

    # A user's operation inside another rule is written by its name.
    @primitive(derivative=lambda x, out: 2 * atan(x) / (1 + x * x))
    def atan_squared(x: float) -> float:
        return math.atan(x) ** 2

    assert texts(atan_squared(X)) == ["∂y/∂x = 2atan(x)/(1 + x²)"]
    assert ad.local_formulas(atan_squared(X))[0].latex == (
        r"\frac{\partial y}{\partial x} = \frac{2 \operatorname{atan}\left(x\right)}{1 + x^{2}}"
    )


def test_a_wrong_rule_shows_as_the_wrong_formula() -> None:
    # The formula is the rule, not a description of the operation: a sign error shows.
    @primitive(derivative=lambda x, out: 1.0 + out * out)
    def bad_tanh(x: float) -> float:
        return math.tanh(x)

    assert texts(bad_tanh(X)) == ["∂y/∂x = 1 + y²"]


def test_a_rule_that_is_not_arithmetic_is_named_as_a_derivative() -> None:
    @primitive(derivative=lambda x, out: math.cos(x))
    def my_sin(x: float) -> float:
        return math.sin(x)

    @primitive(derivative=lambda x, y, out: (1.0 if x > y else 0.0, 1.0 if y >= x else 0.0))
    def my_max(x: float, y: float) -> float:
        return max(x, y)

    assert texts(my_sin(X)) == ["∂y/∂x = my_sin′(x)"]
    assert texts(my_max(X, Y)) == ["∂z/∂x = ∂my_max/∂x(x, y)", "∂z/∂y = ∂my_max/∂y(x, y)"]
    assert ad.local_formulas(my_sin(X))[0].latex.endswith(r"\operatorname{my\_sin}'(x)")


def test_an_undefined_derivative_says_so() -> None:
    # (−2) ** y: a negative base has no derivative in y, and the rule returns an Undefined.
    assert texts((-2.0) ** Value(2.0)) == ["∂y/∂x = undefined"]


def test_a_leaf_has_no_formulas_and_only_a_value_is_asked() -> None:
    assert ad.local_formulas(Value(1.0)) == ()
    with pytest.raises(TypeError, match=r"local_formulas\(node\) needs a Value, got 'float'"):
        ad.local_formulas(1.0)  # type: ignore[arg-type]


def test_import_autodiff_leaves_the_formulas_until_asked() -> None:
    script = "import sys, autodiff\nprint('autodiff.formulas' in sys.modules)"
    output = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert output.stdout.strip() == "False"
