"""The course's graded exercises (notebooks/11-writing-derivative-rules.ipynb): every solution
passes its checker, and every checker catches the common mistakes, naming them."""

from __future__ import annotations

import importlib.util
import math
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import strategies as st

import autodiff as ad
from autodiff.testing import Mistake, check_rule, reals
from autodiff.testing.exercises import EXERCISES, check, check_operation

ROOT = Path(__file__).resolve().parents[2]
KINDS = {"sign", "chain factor", "x for out", "factor 2", "kink", "unstable"}
"""The common mistakes the issue lists: each exercise's checker must catch those it can make."""


def solutions() -> ModuleType:
    path = ROOT / "notebooks" / "solutions" / "11-writing-derivative-rules.py"
    spec = importlib.util.spec_from_file_location("solutions_11", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SOLUTIONS: dict[str, Callable[..., Any]] = solutions().SOLUTIONS


def scaled(answer: Callable[..., Any], factor: float) -> Callable[..., Any]:
    """answer with every number it gives multiplied by factor."""

    def times(x: Any) -> Any:
        if isinstance(x, list | tuple):
            return type(x)(times(item) for item in x)
        return factor * x

    return lambda *args: times(answer(*args))


def test_there_are_ten_exercises_each_with_a_solution() -> None:
    assert len(EXERCISES) == 9 and set(SOLUTIONS) == set(EXERCISES)  # the tenth: yours
    assert set().union(*({m.kind for m in e.mistakes} for e in EXERCISES.values())) >= KINDS


@pytest.mark.parametrize("name", list(EXERCISES))
def test_each_solution_passes(name: str) -> None:
    grade = check(name, SOLUTIONS[name])
    assert grade.passed, str(grade)
    assert str(grade).startswith(f"✓ {name}: right at ")


@pytest.mark.parametrize(
    ("name", "mistake"),
    [(name, m) for name, e in EXERCISES.items() for m in e.mistakes],
    ids=[f"{name}-{m.kind}" for name, e in EXERCISES.items() for m in e.mistakes],
)
def test_each_checker_catches_its_exercise_s_mistakes_and_names_them(
    name: str, mistake: Mistake
) -> None:
    grade = check(name, mistake.answer)
    assert not grade.passed
    assert grade.hint == mistake.hint, str(grade)
    assert f"hint: {mistake.hint}" in str(grade)
    if mistake.kind == "kink":
        assert grade.only_there  # right at every random input, wrong at a tie


@pytest.mark.parametrize("name", list(EXERCISES))
def test_each_checker_catches_a_sign_error_and_a_factor_of_two(name: str) -> None:
    negated = check(name, scaled(SOLUTIONS[name], -1.0))
    assert not negated.passed and "sign" in negated.hint, str(negated)
    for factor in (2.0, 0.5):
        off = check(name, scaled(SOLUTIONS[name], factor))
        assert not off.passed, str(off)
        assert "factor of 2" in off.hint or "2 is missing" in off.hint, str(off)


def test_a_failing_grade_reads_as_input_expected_got_and_hint() -> None:
    grade = check("tanh", lambda x, out: 1 - x * x)
    assert str(grade) == (
        "✗ tanh is wrong at x = 1, out = 0.761594\n"
        "    expected 0.419974\n"
        "    got      0\n"
        "  hint: the formula is of y = out: use out, not x"
    )
    assert grade.inputs == {"x": 1.0, "out": math.tanh(1.0)}


def test_a_rule_that_raises_is_reported_with_its_error() -> None:
    grade = check("softplus", lambda x, out: math.exp(x) / (1 + math.exp(x)))
    assert not grade.passed and isinstance(grade.got, OverflowError)
    assert "got      OverflowError: math range error" in str(grade)
    grade = check("tanh", lambda x, out: undefined_name)  # type: ignore[name-defined]  # noqa: F821
    assert "got      NameError" in str(grade) and "hint: your code raised NameError" in str(grade)


def test_a_wrong_kink_is_told_apart_from_a_wrong_rule() -> None:
    grade = check("max", lambda xs, out: [1.0 if x == out else 0.0 for x in xs])
    assert "is wrong at xs = [1, 1], out = 1 (and right at every random input: only there)" in (
        str(grade)
    )


def test_check_rule_grades_any_function_against_any_reference() -> None:
    def cube_rule(x: float, out: float) -> float:
        return 3 * x * x

    inputs = reals(-3, 3).map(lambda x: (x,))
    right = check_rule(
        cube_rule, ad.grad(lambda x: x**3), inputs, names=("x",), forward=lambda x: x**3
    )
    assert right.passed
    wrong = check_rule(
        lambda x, out: 3 * out,
        ad.grad(lambda x: x**3),
        inputs,
        names=("x",),
        forward=lambda x: x**3,
    )
    assert not wrong.passed and wrong.inputs["x"] != 0
    with pytest.raises(KeyError, match="no exercise is called 'cube'"):
        check("cube", cube_rule)
    with pytest.raises(TypeError, match=r"check\('tanh', ...\) needs your function"):
        check("tanh", 3)  # type: ignore[arg-type]
    shapes = check_rule(lambda x: (x, x), lambda x: x, st.just((1.0,)), names=("x",), examples=1)
    assert shapes.hint == "give 1 number, in the shape expected above"


def test_check_operation_grades_a_registered_rule_against_finite_differences() -> None:
    domain = ad.Domain(ad.Interval(-5, 5, avoid=(0.0,), gap=1e-3))

    @ad.primitive(derivative=lambda x, out: 1 / (1 + abs(x)), domain=domain)
    def softsign_wrong(x: float) -> float:
        return x / (1 + abs(x))

    grade = check_operation(softsign_wrong)
    assert not grade.passed and grade.name == "the rule of softsign_wrong"
    assert check_operation(solutions().softsign).passed
    with pytest.raises(TypeError, match="check_operation needs an operation of one or two"):
        check_operation(ad.sum)
