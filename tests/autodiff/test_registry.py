"""One place per operation: whatever else knows an operation is derived from its registration,
or checked against it here, for every registered built-in."""

from __future__ import annotations

import ast
import inspect
import math
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support import ORACLES, fails

import autodiff as ad
from autodiff import Value
from autodiff.cli.expression import FUNCTIONS, parse
from autodiff.code import Program
from autodiff.primitives import Primitive, _written
from autodiff.testing import Point, arguments, operations

ROOT = Path(__file__).resolve().parents[2]
BUILTINS = sorted((p for p in ad.PRIMITIVES.values() if p.builtin), key=lambda p: p.name)
NAMES = [p.name for p in BUILTINS]


@pytest.mark.parametrize("prim", BUILTINS, ids=NAMES)
def test_every_builtin_is_exported_under_its_name(prim: Primitive) -> None:
    assert prim.name in ad.__all__
    assert getattr(ad, prim.name).primitive is prim


def test_every_builtin_has_an_oracle_and_every_oracle_a_builtin() -> None:
    assert set(ORACLES) == set(NAMES)


METHODS = [p for p in BUILTINS if callable(vars(Value).get(p.name))]


def test_value_has_micrograd_s_methods_and_more() -> None:
    assert {p.name for p in METHODS} >= {"exp", "log", "tanh", "relu", "sigmoid", "abs"}


@pytest.mark.parametrize("prim", METHODS, ids=[p.name for p in METHODS])
def test_a_method_of_value_applies_its_primitive(prim: Primitive) -> None:
    @settings(max_examples=5)
    @given(arguments(prim))
    def check(point: Point) -> None:
        x = Value(point.inputs[0])
        made = getattr(x, prim.name)(**point.params)
        assert made.primitive is not None and made.primitive.name == prim.name
        assert made.parents == (x,)

    check()


def test_an_operation_shows_its_forward_s_signature_and_its_primitive_its_label() -> None:
    # help(ad.leaky_relu) shows (x, slope=...), not the (*args, **params) that applies it
    assert list(inspect.signature(ad.leaky_relu).parameters) == ["x", "slope"]
    assert list(inspect.signature(ad.tanh).parameters) == ["x"]
    for many in (ad.sum, ad.softmax):  # an operation of many takes them as one iterable
        assert list(inspect.signature(many).parameters) == ["values"]
    assert repr(ad.PRIMITIVES["mul"]) == "<primitive *>"
    assert repr(ad.PRIMITIVES["leaky_relu"].bind({"slope": 0.2})) == "<primitive leaky_relu(0.2)>"


def test_value_s_operators_and_methods_are_written_in_its_class_as_micrograd_s_are() -> None:
    """A reader finds ``__mul__`` in value.py, a method of one line that applies ``mul``:
    nothing is attached to Value from elsewhere."""
    tree = ast.parse((ROOT / "autodiff" / "value.py").read_text(encoding="utf-8"))
    [cls] = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Value"]
    written = {f.name for f in cls.body if isinstance(f, ast.FunctionDef)}
    assert {"__add__", "__mul__", "__pow__", "__neg__", "tanh", "relu", "backward"} <= written
    defined = {name for name, v in vars(Value).items() if callable(v) or isinstance(v, property)}
    assert defined - set(vars(object)) - {"__slots__"} <= written


@pytest.mark.parametrize(
    ("operator", "name"),
    [
        (lambda a, b: a + b, "add"),
        (lambda a, b: a - b, "sub"),
        (lambda a, b: a * b, "mul"),
        (lambda a, b: a / b, "div"),
        (lambda a, b: a**b, "pow"),
    ],
)
def test_each_operator_applies_its_primitive_from_either_side(operator: object, name: str) -> None:
    x, y = Value(2.0), Value(3.0)
    constants = {"pow": ["power", "exponential"]}.get(name, [name, name])  # x ** 3, 2 ** y
    made = [operator(x, y), operator(x, 3.0), operator(2.0, y)]  # type: ignore[operator]
    assert [m.primitive.name for m in made] == [name, *constants]
    assert (-x).primitive.name == "neg" and abs(x).primitive.name == "abs"  # type: ignore[union-attr]


def test_each_operation_lists_the_parameters_it_takes_after_its_inputs() -> None:
    assert (ad.leaky_relu.parameters, ad.power.parameters) == (["slope"], ["exponent"])
    assert ad.tanh.parameters == ad.softmax.parameters == []  # softmax's index is its own


def test_the_expression_language_offers_what_the_registrations_say() -> None:
    assert set(FUNCTIONS) == {p.name for p in BUILTINS if p.language}
    for prim in BUILTINS:
        if prim.language:
            formula = parse(f"{prim.name}(x, x)" if prim.arity is None else f"{prim.name}(x)")
            result = formula.evaluate({"x": Value(0.5)})
            for out in result if isinstance(result, list) else [result]:  # softmax: a list
                assert isinstance(out, Value) and out.primitive is not None
                assert out.primitive.name == prim.name


def test_every_builtin_joins_random_expressions() -> None:
    assert {p.name for p in operations()} == set(NAMES)


@pytest.mark.parametrize("prim", BUILTINS, ids=NAMES)
def test_every_builtin_gives_points_in_its_domain_and_a_rule_written_as_code(
    prim: Primitive,
) -> None:
    """At each point its domain gives, a built-in computes (it raises outside its domain),
    and applied to Symbols its rule writes itself out as code, as its rule on floats is: no
    built-in rule branches on a value, as the compiler needs."""

    @settings(max_examples=10)
    @given(arguments(prim))
    def check(point: Point) -> None:
        op = prim.bind(point.params) if point.params else prim
        op.apply(*(Value(x) for x in point.inputs))
        assert _written(op, len(point.inputs)) is not None
        program = Program()
        inputs = [program.argument(f"x{i}") for i in range(len(point.inputs))]
        out = op.apply(*inputs)
        derivatives = op.local_derivatives(inputs, out)
        assert len(derivatives) == len(inputs)
        assert program.lines, "nothing was written"

    check()


def test_registering_a_builtin_name_again_is_refused() -> None:
    with pytest.raises(ValueError, match="'tanh': it is a built-in operation"):

        @ad.primitive(derivative=lambda x, out: 0.0, name="tanh")
        def flat(x: float) -> float:
            return 0.0

    assert Value(0.5).tanh().primitive is ad.tanh.primitive  # nothing changed, anywhere


def test_a_new_builtin_is_picked_up_by_the_language_and_strategies() -> None:
    """Adding a built-in is one registration: the expression language and the test strategies
    pick it up (exports: `ops.__all__`, checked above for every built-in; a method of Value,
    if it should be one, is its one line in value.py)."""
    script = textwrap.dedent(
        """
        import math
        from autodiff import Value
        from autodiff.domains import Domain, Interval
        from autodiff.primitives import primitive

        @primitive(lambda x, out: 3 * x * x, builtin=True, language=True,
                   domain=Domain(Interval(-2, 2)))
        def cube(x: float) -> float:
            return x**3

        from autodiff.cli.expression import FUNCTIONS
        from hypothesis import find
        from autodiff.testing import arguments, operations
        assert cube(Value(2.0)).partials == (12.0,)
        assert "cube" in FUNCTIONS
        assert "cube" in {p.name for p in operations()}
        assert -2 <= find(arguments("cube"), lambda point: True).inputs[0] <= 2
        print("picked up")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert done.stdout.strip() == "picked up", done.stderr


SPECIAL = [
    0.0,
    -0.0,
    1.0,
    -1.0,
    0.5,
    -2.5,
    3.0,
    1e-300,
    -1e300,
    710.0,
    math.inf,
    -math.inf,
    math.nan,
]


def code_form_disagrees(prim: Primitive, inputs: tuple[float, ...]) -> str | None:
    """Where a code form gives a number, its forward must give the same one (or raise too:
    compiled code reruns eagerly on an error). Where they differ, how."""
    program = Program()
    names = [f"x{i}" for i in range(len(inputs))]
    result = program.apply(prim, [program.argument(name) for name in names])
    code = program.function(
        "form", names, [*program.source(program.lines), f"    return {result.name}"]
    )
    try:
        written = code(*inputs)
    except (ArithmeticError, ValueError):
        return None
    try:
        forward = prim.forward(*inputs)
    except (ArithmeticError, ValueError) as error:
        return f"{prim.label}{inputs}: the code form gives {written!r}, the forward raises {error}"
    if math.isnan(written) and math.isnan(forward):
        return None
    same = written == forward and math.copysign(1, written) == math.copysign(1, forward)
    return None if same else f"{prim.label}{inputs}: code form {written!r}, forward {forward!r}"


CODED = [p for p in BUILTINS if p.code is not None]


def code_forms_agree_with_forwards(prim: Primitive) -> Callable[[], None]:
    n = prim.arity or 3

    @given(
        st.lists(st.sampled_from(SPECIAL) | st.floats(), min_size=n, max_size=n),
        arguments(prim),
    )
    def check(inputs: list[float], point: Point) -> None:
        op = prim.bind(point.params) if point.params else prim
        for case in (tuple(inputs), point.inputs):
            problem = code_form_disagrees(op, case)
            assert problem is None, problem

    return check


@pytest.mark.parametrize("prim", CODED, ids=[p.name for p in CODED])
def test_every_code_form_computes_what_its_forward_does(prim: Primitive) -> None:
    settings(max_examples=60)(code_forms_agree_with_forwards(prim))()


def test_the_code_form_property_catches_a_wrong_form() -> None:
    tanh = ad.tanh.primitive
    saved = tanh.code
    tanh._code = "math.sinh({x})"
    try:
        fails(code_forms_agree_with_forwards(tanh))
    finally:
        tanh._code = saved
