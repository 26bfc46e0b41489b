"""The expression language: what it accepts and computes, what it refuses, and fuzzing.

The fuzz tests compare the parser with a reference written here independently: a recursive
evaluator of Python's own syntax tree on plain floats with ``math``, which knows the
allow-list. Every input must give the reference's value, or the right ExpressionError.
"""

from __future__ import annotations

import ast
import builtins
import math
import warnings
from collections.abc import Callable, Mapping
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import fails

import autodiff.cli.expression as language
from autodiff import Value
from autodiff.cli.expression import (
    MAX_DEPTH,
    EvaluationError,
    ExpressionError,
    InvalidExpressionError,
    evaluate,
    parse,
)

Evaluate = Callable[[str, Mapping[str, Value | float]], Value | float]


def value_of(text: str, **values: float) -> float:
    out = evaluate(text, {name: Value(x, name) for name, x in values.items()})
    return out.data if isinstance(out, Value) else out


def test_the_neuron_of_the_lectures() -> None:
    formula = parse("tanh(x1*w1 + x2*w2 + b)")
    assert formula.variables == ("x1", "w1", "x2", "w2", "b")
    point = {"x1": 2.0, "x2": 0.0, "w1": -3.0, "w2": 1.0, "b": 6.8813735870195432}
    leaves = {name: Value(x, name) for name, x in point.items()}
    y = formula.evaluate(leaves)
    assert isinstance(y, Value)
    y.backward()
    assert y.data == pytest.approx(0.7071, abs=1e-4)
    assert leaves["x1"].grad == pytest.approx(-1.5)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("x**2 * sin(x)", 1.5**2 * math.sin(1.5)),
        ("-x + +x - 2", -2.0),
        ("2 ** -1", 0.5),
        ("(-8) ** 2", 64.0),
        ("max(x, 2, -1) + min(x, 2) + sum(x, x, x) + prod(x, 2)", 2 + 1.5 + 4.5 + 3),
        ("logsumexp(x, x)", 1.5 + math.log(2)),
        ("leaky_relu(-x) + relu(-x) + abs(-x)", -0.015 + 0 + 1.5),
        ("sqrt(x) * exp(log(x)) / softplus(0) + sigmoid(0) + cos(0)", 1.5**1.5 / math.log(2) + 1.5),
        (" 1.5e1 ", 15.0),
    ],
)
def test_values(text: str, expected: float) -> None:
    assert value_of(text, x=1.5) == pytest.approx(expected, rel=1e-12)


def test_operations_on_a_variable_record_the_engines_nodes() -> None:
    x = Value(3.0, "x")
    for text, op in [("x**2", "**2"), ("2**x", "2**"), ("x**x", "**"), ("x*2", "*")]:
        out = evaluate(text, {"x": x})
        assert isinstance(out, Value) and out.op == op, text


def test_numbers_alone_give_a_float() -> None:
    assert evaluate("2 * 3 + exp(0)", {}) == 7.0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x.real", "attribute access"),
        ("x[0]", "subscript"),
        ("__import__('os').system('true')", "only these functions can be called"),
        ("print(x)", "only these functions can be called"),
        ("x(2)", "only these functions can be called"),
        ("max(x, key=x)", "keyword arguments"),
        ("max(*x)", "unpacking"),
        ("lambda: x", "lambda"),
        ("[x for x in y]", "comprehension"),
        ("(z := x)", "assignment"),
        ("x if x else 1", "conditional"),
        ("x < 1", "comparison"),
        ("x and 1", "logical"),
        ("not x", "operator"),
        ("x // 2", "operator"),
        ("x % 2", "operator"),
        ("'text'", "constant"),
        ("True", "constant"),
        ("1j", "constant"),
        ("f'{x}'", "f-string"),
        ("(x, 1)", "tuple"),
        ("exp", "exp is a function"),
        ("sqrt(x, 2)", r"sqrt takes 1 argument\(s\), got 2"),
        ("max()", "at least one argument"),
        ("1e999", "too large"),
        ("1" + "0" * 400, "too large"),
        ("x +", "not an expression"),
        ("", "not an expression"),
        ("x\x00", "not an expression"),
        ("y", "no value given for y"),
    ],
)
def test_refused(text: str, message: str) -> None:
    with pytest.raises(InvalidExpressionError, match=message):
        value_of(text, x=1.5)


def test_pythons_syntax_warnings_are_not_shown() -> None:
    with warnings.catch_warnings(record=True) as shown:
        warnings.simplefilter("always")
        with pytest.raises(InvalidExpressionError, match="conditional expression"):
            parse("1if x else 2")  # "invalid decimal literal", Python warns
    assert shown == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("log(-1)", "log"),
        ("x / 0", "y != 0"),
        ("(-8) ** (1/3)", "integer"),
        ("9**9**9**9**9", "too large"),
        ("exp(1000)", "too large"),
        ("x * 1e308 * 10", "inf"),
        ("1e308 * 10 - 1e308 * 10", "nan"),
    ],
)
def test_no_value(text: str, message: str) -> None:
    with pytest.raises(EvaluationError, match=message):
        value_of(text, x=1.5)


@pytest.mark.parametrize(
    "text",
    [
        "x" * 1_000_000,
        "(" * 100_000 + "x" + ")" * 100_000,
        "(" * 300 + "x" + ")" * 300,  # Python's parser stops at 200 parentheses
        "-" * 5_000 + "x",  # Python's parser runs out of recursion
        "x" + "**x" * 3_000,  # ... or of memory
        "-" * (MAX_DEPTH + 1) + "x",
        "x" + "**x" * (MAX_DEPTH + 1),  # a power chain nests to the right: it is deep
    ],
)
def test_huge_or_deep_expressions_are_refused(text: str) -> None:
    with pytest.raises(InvalidExpressionError, match=r"long|nested|not an expression"):
        parse(text)


def test_long_sums_fit_in_sum() -> None:
    terms = ", ".join(["x"] * 1000)
    assert value_of(f"sum({terms})", x=1.0) == 1000.0


# -- the reference: Python's syntax tree evaluated on floats, independently of the engine ---


class RefusedError(Exception):
    """The reference refuses the text: outside the language."""


class NoValueError(Exception):
    """The expression has no finite value at the point."""


def _sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x)) if x >= 0 else math.exp(x) / (1 + math.exp(x))


def _logsumexp(*xs: float) -> float:
    m = builtins.max(xs)
    return m if math.isinf(m) else m + math.log(math.fsum(math.exp(x - m) for x in xs))


def _power(x: float, y: float) -> float:
    if (x == 0 and y < 0) or (x < 0 and not y.is_integer()):
        raise NoValueError
    return math.pow(x, y)


def _divide(x: float, y: float) -> float:
    if y == 0:
        raise NoValueError
    return x / y


def _positive_log(x: float) -> float:
    if x <= 0:
        raise NoValueError
    return math.log(x)


REFERENCE_UNARY: dict[str, Callable[[float], float]] = {
    "exp": math.exp,
    "log": _positive_log,
    "sqrt": math.sqrt,
    "tanh": math.tanh,
    "sigmoid": _sigmoid,
    "relu": lambda x: 0.0 if x <= 0 else x,
    "leaky_relu": lambda x: 0.01 * x if x <= 0 else x,
    "softplus": lambda x: max(x, 0.0) + math.log1p(math.exp(-abs(x))),
    "abs": abs,
    "sin": math.sin,
    "cos": math.cos,
}
REFERENCE_MANY: dict[str, Callable[..., float]] = {
    "sum": lambda *xs: builtins.sum(xs, 0.0),
    "prod": lambda *xs: math.prod(xs, start=1.0),
    "max": lambda *xs: builtins.max(xs),
    "min": lambda *xs: builtins.min(xs),
    "logsumexp": _logsumexp,
}
REFERENCE_CONSTANTS = {"pi": math.pi, "e": math.e}
REFERENCE_BINARY: dict[type[ast.operator], Callable[[float, float], float]] = {
    ast.Add: lambda x, y: x + y,
    ast.Sub: lambda x, y: x - y,
    ast.Mult: lambda x, y: x * y,
    ast.Div: _divide,
    ast.Pow: _power,
}


def reference(text: str, point: Mapping[str, float]) -> float:
    """The value of text at point; RefusedError outside the language, NoValueError if none."""
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        raise RefusedError from None
    check(tree.body, point)
    try:
        result = value(tree.body, point)
    except (ValueError, ArithmeticError):
        raise NoValueError from None
    if not math.isfinite(result):
        raise NoValueError
    return result


def finite_number(constant: object) -> bool:
    try:
        return type(constant) in (int, float) and math.isfinite(float(constant))  # type: ignore[arg-type]
    except OverflowError:  # an int too large for a float
        return False


def check(node: ast.expr, point: Mapping[str, float]) -> None:
    """RefusedError unless every node of the tree is in the language."""
    if isinstance(node, ast.Constant):
        if not finite_number(node.value):
            raise RefusedError
    elif isinstance(node, ast.Name):
        if node.id not in point and node.id not in REFERENCE_CONSTANTS:
            raise RefusedError
    elif isinstance(node, ast.BinOp) and type(node.op) in REFERENCE_BINARY:
        check(node.left, point)
        check(node.right, point)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        check(node.operand, point)
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
        name, count = node.func.id, len(node.args)
        if not ((name in REFERENCE_UNARY and count == 1) or (name in REFERENCE_MANY and count)):
            raise RefusedError
        for argument in node.args:
            check(argument, point)
    else:
        raise RefusedError


def value(node: ast.expr, point: Mapping[str, float]) -> float:
    if isinstance(node, ast.Constant):
        return float(node.value)  # type: ignore[arg-type]  # check() saw a real number
    if isinstance(node, ast.Name):
        return point[node.id] if node.id in point else REFERENCE_CONSTANTS[node.id]
    if isinstance(node, ast.BinOp):
        return REFERENCE_BINARY[type(node.op)](value(node.left, point), value(node.right, point))
    if isinstance(node, ast.UnaryOp):
        operand = value(node.operand, point)
        return -operand if isinstance(node.op, ast.USub) else operand
    assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    arguments = [value(argument, point) for argument in node.args]
    function = REFERENCE_UNARY.get(node.func.id) or REFERENCE_MANY[node.func.id]
    return function(*arguments)


def agrees_with_reference(text: str, point: Mapping[str, float], implementation: Evaluate) -> None:
    """The implementation gives the reference's value, or refuses what it refuses, or finds no
    value where it finds none; never any other exception."""
    try:
        expected: float | type[Exception] = reference(text, point)
    except RefusedError:
        expected = InvalidExpressionError
    except NoValueError:
        expected = EvaluationError
    try:
        out = implementation(text, {name: Value(x, name) for name, x in point.items()})
    except ExpressionError as error:
        assert type(error) is expected, f"{text!r}: {error!r}, expected {expected}"
        return
    except Exception as error:  # any other exception is what the property rules out
        raise AssertionError(f"{text!r} raised {error!r}, not an ExpressionError") from error
    actual = out.data if isinstance(out, Value) else out
    assert isinstance(expected, float), f"{text!r} gave {actual}, expected {expected}"
    assert math.isclose(actual, expected, rel_tol=1e-12), f"{text!r}: {actual} != {expected}"


points = st.fixed_dictionaries({name: st.floats(-3, 3) for name in ("x", "y")})


def text_fuzz(implementation: Evaluate) -> Callable[[], None]:
    """Random strings, biased towards the characters of expressions."""
    characters = st.one_of(st.sampled_from(list("xy0123456789.e+-*/()*, ")), st.characters())
    texts = st.one_of(st.text(characters, max_size=30), st.text(max_size=30))

    @given(texts, points)
    def check_text(text: str, point: dict[str, float]) -> None:
        agrees_with_reference(text, point, implementation)

    return check_text


def test_random_strings_give_a_value_or_a_clear_error() -> None:
    text_fuzz(evaluate)()


def parse_leaking_python_errors(text: str, values: Mapping[str, Value | float]) -> Any:
    """A wrong parser: Python's SyntaxError escapes instead of an InvalidExpressionError."""
    ast.parse(text.strip(), mode="eval")
    return evaluate(text, values)


def test_the_string_fuzzer_catches_a_leaking_exception() -> None:
    fails(text_fuzz(parse_leaking_python_errors))


# Each kind of construct is drawn as often as the others, however many templates it has.
ALLOWED = st.one_of(
    st.sampled_from([f"({{}} {op} {{}})" for op in ("+", "-", "*", "/", "**")]),
    st.sampled_from(["(-{})", "(+{})"]),
    st.sampled_from([f"{name}({{}})" for name in REFERENCE_UNARY]),
    st.sampled_from(
        [f"{name}({', '.join(['{}'] * n)})" for name in REFERENCE_MANY for n in (1, 2, 3)]
    ),
)
FORBIDDEN = st.sampled_from(
    [
        *(f"({{}} {op} {{}})" for op in ("//", "%", "@", "<<", "&", "<", "==", "and")),
        *("(~{})", "(not {})", "({}).real", "({})[{}]", "(lambda: {})", "[{} for _ in x]"),
        *("({} if {} else {})", "max(x, key={})", "max(*[{}])", "sqrt({}, {})", "x({})"),
        *("print({})", "__import__({})", "open({})", "eval({})"),
    ]
)
ATOMS = st.one_of(
    st.sampled_from(["x", "y"]), st.floats(-10, 10).map(repr), st.integers(0, 20).map(str)
)
FORBIDDEN_ATOMS = st.sampled_from(
    ["z", "'s'", "True", "None", "1j", "exp", "1e999", "...", "f'{x}'", "(x, y)"]
)


@st.composite
def expression_texts(draw: st.DrawFn, depth: int = 4, refused: bool | None = None) -> str:
    """Random expressions in Python's syntax: half of them in the language, the other half with
    exactly one construct outside it, so that each refusal is tested on its own (a second one
    would hide a parser that lets the first through)."""
    if refused is None:
        refused = draw(st.booleans())
    if depth > 0 and draw(st.integers(0, 2)) > 0:
        template = draw(ALLOWED)
        outside = draw(st.integers(0, template.count("{}") - 1)) if refused else None
        return _filled(draw, template, depth, outside)
    if not refused:
        return draw(ATOMS)
    if draw(st.booleans()):
        return draw(FORBIDDEN_ATOMS)
    return _filled(draw, draw(FORBIDDEN), depth, None)


def _filled(draw: st.DrawFn, template: str, depth: int, outside: int | None) -> str:
    """The template's holes filled with shallower expressions in the language, except the one
    at index ``outside``, which holds a construct outside it."""
    return template.format(
        *(
            draw(expression_texts(max(depth - 1, 0), refused=i == outside))
            for i in range(template.count("{}"))
        )
    )


def tree_fuzz(implementation: Evaluate) -> Callable[[], None]:
    @given(expression_texts(), points)
    def check_tree(text: str, point: dict[str, float]) -> None:
        agrees_with_reference(text, point, implementation)

    return check_tree


def test_random_expression_trees_give_the_reference_value_or_a_clear_error() -> None:
    tree_fuzz(evaluate)()


def test_the_tree_fuzzer_catches_misplaced_operators(monkeypatch: pytest.MonkeyPatch) -> None:
    operations = list(language._BINARY.values())
    shifted = dict(zip(language._BINARY, operations[1:] + operations[:1]))  # + computes -, ...
    monkeypatch.setattr(language, "_BINARY", shifted)
    fails(tree_fuzz(evaluate))


def test_the_tree_fuzzer_catches_a_constant_that_is_not_a_number(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def any_constant(value: object, text: str, node: ast.expr) -> float:
        return float(value)  # type: ignore[arg-type]  # True is 1.0; None, 's', 1j raise

    monkeypatch.setattr(language, "_number", any_constant)
    fails(tree_fuzz(evaluate))
