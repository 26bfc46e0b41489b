"""The micrograd lecture's own code runs on our Value and gives the lecture's numbers.

tests/autodiff/micrograd_lecture/ holds the code cells of both halves of the lecture's
notebooks, as written there (see its LICENSE). Each half is run twice, cell by cell in one
namespace as Jupyter runs them: once as it is, with the lecture's own ``class Value``, and once
with that class definition replaced by ``from autodiff import Value``. Every cell must end the
same way in both runs: the same error (or none), the same printed numbers, the same value of
its last expression (a Value's data and grad, a list of them, the boxes of a ``draw_dot``
diagram), and the same data and grad in every Value the notebook has named so far, including
those its first half sets by hand and those its manual ``_backward()`` calls accumulate.
"""

from __future__ import annotations

import ast
import contextlib
import io
import math
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from autodiff import Value

LECTURE = Path(__file__).parent / "micrograd_lecture"
OURS = "from autodiff import Value"
NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e-?\d+)?")


def cells(half: str) -> list[str]:
    """The code cells of one half of the lecture, in order."""
    text = (LECTURE / f"{half}.txt").read_text(encoding="utf-8")
    return [cell.strip("\n") for cell in re.split(r"^# %%$", text, flags=re.M)[1:]]


def with_our_value(cell: str) -> str:
    """The cell with its ``class Value`` definition, if any, replaced by an import of ours."""
    lines = cell.splitlines()
    for statement in ast.parse(without_magics(cell)).body:
        if isinstance(statement, ast.ClassDef) and statement.name == "Value":
            start, end = statement.lineno - 1, statement.end_lineno or statement.lineno
            return "\n".join([*lines[:start], OURS, *lines[end:]])
    return cell


def without_magics(cell: str) -> str:
    """IPython's ``%matplotlib inline`` and the like are not Python: blank them out."""
    return "\n".join("" if line.startswith("%") else line for line in cell.splitlines())


@dataclass
class Outcome:
    """How one cell ended: its error, what it printed, its last expression, the named Values."""

    error: str | None
    printed: list[Any]
    result: Any
    values: dict[str, tuple[float, float]]


def run(cell_sources: list[str]) -> list[Outcome]:
    """Run the cells in one namespace, as a notebook does, and summarise each one's outcome."""
    random.seed(1337)  # the second half draws its network's weights from `random`
    namespace: dict[str, Any] = {"__name__": "lecture"}
    outcomes = []
    for source in cell_sources:
        printed = io.StringIO()
        error, result = None, None
        tree = ast.parse(without_magics(source))
        last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
        assert last is None or isinstance(last, ast.Expr)
        try:
            with contextlib.redirect_stdout(printed):
                exec(compile(tree, "<cell>", "exec"), namespace)  # the lecture's code, from tests/
                if last is not None:
                    result = eval(compile(ast.Expression(last.value), "<cell>", "eval"), namespace)
        except Exception as exception:  # a failing cell is an outcome, to compare
            error = type(exception).__name__
        outcomes.append(
            Outcome(error, _printed(printed.getvalue()), summary(result), _values(namespace))
        )
    return outcomes


def summary(x: Any) -> Any:
    """What of a cell's result both classes must agree on."""
    if hasattr(x, "data") and hasattr(x, "grad"):
        return ("Value", x.data, x.grad)
    if isinstance(x, list):  # in the order of a set's, for a topological order: as a multiset
        return sorted(summary(item) for item in x)
    if type(x).__name__ == "Digraph":  # draw_dot's picture: its labelled boxes
        boxes = re.findall(r'label="\{ ([^|]*\S) \| data (\S+) \| grad (\S+) \}"', x.source)
        return sorted(boxes)
    if isinstance(x, int | float):
        return float(x)
    return type(x).__name__


def _printed(text: str) -> list[Any]:
    return [float(word) if NUMBER.fullmatch(word) else word for word in text.split()]


def _values(namespace: dict[str, Any]) -> dict[str, tuple[float, float]]:
    value_class = namespace.get("Value")
    return {
        name: (v.data, v.grad)
        for name, v in namespace.items()
        if value_class is not None and isinstance(v, value_class)
    }


def same(a: Any, b: Any) -> bool:
    """Equal, floats within rounding (our tanh and powers are computed in other ways)."""
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return bool(a == b)


def differences(half: str) -> list[str]:
    """Where running the half on our Value ends otherwise than on the lecture's own class."""
    sources = cells(half)
    theirs, ours = run(sources), run([with_our_value(cell) for cell in sources])
    found = []
    for number, (source, a, b) in enumerate(zip(sources, theirs, ours), 1):
        for field in ("error", "printed", "result", "values"):
            if not same(getattr(a, field), getattr(b, field)):
                first_line = source.splitlines()[0] if source else ""
                found.append(
                    f"cell {number} ({first_line!r}): {field} {getattr(b, field)!r}, "
                    f"the lecture's class gives {getattr(a, field)!r}"
                )
    return found


@pytest.mark.parametrize("half", ["first_half", "second_half"])
def test_the_lecture_runs_on_our_value_with_its_own_numbers(half: str) -> None:
    assert differences(half) == []


def test_the_lecture_runs_every_cell_of_both_halves() -> None:
    """The comparison covers the lecture: every cell but those needing PyTorch ran."""
    for half in ("first_half", "second_half"):
        outcomes = run([with_our_value(cell) for cell in cells(half)])
        failed = [(n, o.error) for n, o in enumerate(outcomes, 1) if o.error is not None]
        assert all("torch" in cells(half)[n - 1] for n, _ in failed), failed


def test_the_manual_backward_pass_gives_the_lecture_s_gradients() -> None:
    """The first half's o.grad = 1; o._backward(); n._backward(); ... node by node."""
    outcomes = run([with_our_value(cell) for cell in cells("first_half")])
    names = [cell.splitlines()[0] for cell in cells("first_half")]
    after_backward = outcomes[names.index("o.backward()")].values
    assert [round(after_backward[name][1], 4) for name in ("x1", "w1", "x2", "w2", "b")] == [
        -1.5,
        1.0,
        0.5,
        0.0,
        0.5,
    ]
    # Then by hand, as the lecture does again: each _backward() accumulates, as micrograd's.
    after_manual = outcomes[names.index("x2w2._backward()")].values
    assert after_manual["n"][1] == pytest.approx(1.0)  # 0.5 from backward(), 0.5 more by hand
    assert after_manual["x1w1"][1] == pytest.approx(2.0)  # 0.5, then 1.5 passed on from n


def wrong_backward(self: Value) -> None:
    """The lecture video's own slip: = instead of +=, overwriting what an input had."""
    for parent, derivative in zip(self.parents, self.partials):
        parent.grad = self.grad * derivative


def test_the_comparison_catches_a_backward_that_does_not_accumulate(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    wrong: Callable[[Value], None] = wrong_backward
    monkeypatch.setattr(Value, "_backward", wrong)
    assert any("values" in difference for difference in differences("first_half"))
