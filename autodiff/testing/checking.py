"""Grading a derivative rule, or a backward pass written by hand, against the engine.

`check_rule` draws inputs with hypothesis, calls the answer and the expected function (the
engine's own derivative, typically: ``autodiff.grad(autodiff.tanh)``) on each, and gives a
`Grade`: a pass, or the smallest failing input hypothesis found, in plain words (the input by
name, what was expected, what the answer gave) and a hint naming the likely mistake. Random
points come first; chosen points (``at``: a kink, a tie, a large input) after them, so that an
answer right everywhere but there is told so.

A hint is the first that fits, at the failing input: a known mistake of the exercise that gives
exactly what the answer gave (``Mistake``); an error or a number that is not finite (an
unstable formula); the expected value with its sign flipped; twice or half of it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

EXAMPLES = 200
"""How many random inputs a check tries: about a second for a rule of a few operations."""


@dataclass(frozen=True)
class Mistake:
    """A known wrong answer, and the hint to give where an answer agrees with it."""

    kind: str  # "sign", "chain factor", "x for out", "factor 2", "kink", "unstable", ...
    answer: Callable[..., Any]
    hint: str


@dataclass(frozen=True)
class Grade:
    """The outcome of a check: ``passed``, and where it failed, the input (by name), what was
    expected and what the answer gave, and a hint. Prints as a short report."""

    name: str
    passed: bool
    tried: int
    inputs: dict[str, Any] = field(default_factory=dict)
    expected: Any = None
    got: Any = None
    hint: str = ""
    only_there: bool = False  # wrong at a chosen point only, right at every random one

    def __str__(self) -> str:
        if self.passed:
            return f"✓ {self.name}: right at {self.tried} inputs"
        where = ", ".join(f"{key} = {_shown(value)}" for key, value in self.inputs.items())
        only = " (and right at every random input: only there)" if self.only_there else ""
        lines = [
            f"✗ {self.name} is wrong at {where}{only}",
            f"    expected {_shown(self.expected)}",
            f"    got      {_shown(self.got)}",
        ]
        if self.hint:
            lines.append(f"  hint: {self.hint}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(str(self))  # Jupyter and hypothesis show the report


class _AnswerError(AssertionError):
    """The answer is wrong at this input (hypothesis shrinks it, then re-raises it)."""


def check_rule(
    answer: Callable[..., Any],
    expected: Callable[..., Any],
    inputs: st.SearchStrategy[tuple[Any, ...]],
    *,
    names: Sequence[str],
    name: str = "the answer",
    forward: Callable[..., float] | None = None,
    at: Sequence[tuple[Any, ...]] = (),
    mistakes: Sequence[Mistake] = (),
    rtol: float = 1e-6,
    atol: float = 1e-9,
    examples: int = EXAMPLES,
) -> Grade:
    """Grade ``answer`` against ``expected`` on inputs drawn from ``inputs`` (tuples of the
    arguments, named ``names``), then at the chosen points ``at``.

    With ``forward``, the answer is a derivative rule: it is called with the inputs and the
    forward's output, ``answer(x, out)`` (``answer(x, y, out)``, ``answer(xs, out)``), as the
    engine calls a rule, while ``expected`` gets the inputs only. Results may be numbers or
    (nested) sequences of them; they agree where every number is within
    ``atol + rtol·|expected|``. ``mistakes`` give the hints.
    """

    def wrong_at(args: tuple[Any, ...]) -> bool:
        got = _outcome(answer, args, forward)
        return isinstance(got, BaseException) or not _agree(got, expected(*args), rtol, atol)

    hypothesis = settings(
        max_examples=examples,
        database=None,  # a learner's earlier attempt must not stand in for this one
        derandomize=True,  # the same inputs at each run: the same report for the same answer
        deadline=None,
        phases=[Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
    )

    @hypothesis
    @given(inputs)
    def every(args: tuple[Any, ...]) -> None:
        if wrong_at(args):
            raise _AnswerError(args)

    failing: list[tuple[Any, ...]] = []  # more inputs where the answer is wrong, for the hint

    @settings(hypothesis, max_examples=_WITNESSES * 4, phases=[Phase.generate])
    @given(inputs)
    def witnesses(args: tuple[Any, ...]) -> None:
        if len(failing) < _WITNESSES and wrong_at(args):
            failing.append(args)

    def graded(args: tuple[Any, ...], only_there: bool) -> Grade:
        """The Grade of a failure at args, the input to show (hypothesis's smallest)."""
        shown = dict(zip(names, args))
        if forward is not None:
            shown["out"] = forward(*args)
        got, want = _outcome(answer, args, forward), expected(*args)
        witnesses()
        hint = _hint(answer, expected, forward, [args, *failing], mistakes, (rtol, atol))
        return Grade(name, False, 0, shown, want, got, hint, only_there)

    try:
        every()
    except _AnswerError as found:
        return graded(found.args[0], only_there=False)
    for args in at:
        if wrong_at(tuple(args)):
            return graded(tuple(args), only_there=True)
    return Grade(name, True, examples + len(at))


_WITNESSES = 8
"""How many failing inputs, beside the one shown, a hint must fit: at the smallest alone
(x = 0, x = 1, y = −1), different mistakes often give the same numbers."""


def _outcome(
    answer: Callable[..., Any], args: tuple[Any, ...], forward: Callable[..., float] | None
) -> Any:
    """The answer's result, or the error it raised (an overflow is a result too, here)."""
    try:
        return answer(*args) if forward is None else answer(*args, forward(*args))
    except Exception as error:  # whatever a learner's code raises is reported, as it is
        return error


def _numbers(x: Any) -> list[float] | None:
    """x's numbers in order, however nested (None if it holds something else)."""
    if isinstance(x, bool):
        return None
    if isinstance(x, int | float):
        return [float(x)]
    if hasattr(x, "data") and isinstance(x.data, float):  # a Value
        return [x.data]
    if isinstance(x, list | tuple):
        found: list[float] = []
        for item in x:
            inner = _numbers(item)
            if inner is None:
                return None
            found += inner
        return found
    return None


def _agree(got: Any, want: Any, rtol: float, atol: float) -> bool:
    a, b = _numbers(got), _numbers(want)
    if a is None or b is None or len(a) != len(b):
        return False
    return all(abs(x - y) <= atol + rtol * abs(y) for x, y in zip(a, b))


def _hint(  # noqa: PLR0917 -- private: what is known of the failure
    answer: Callable[..., Any],
    expected: Callable[..., Any],
    forward: Callable[..., float] | None,
    points: Sequence[tuple[Any, ...]],
    mistakes: Sequence[Mistake],
    tolerance: tuple[float, float],
) -> str:
    """The first hint that fits at every failing input (the first of them is the one shown)."""
    for mistake in mistakes:
        if all(_same(answer, mistake.answer, p, forward, tolerance) for p in points):
            return mistake.hint
    outcomes = [(_outcome(answer, p, forward), expected(*p)) for p in points]
    got = outcomes[0][0]
    failed = [g for g, _ in outcomes if _fails(g)]
    if failed:
        return (
            f"your formula fails here ({_shown(failed[0])}), though the answer is a finite "
            "number: rewrite it so that nothing overflows (no exponent that can be large and "
            "positive; in terms of out, say)"
        )
    if isinstance(got, BaseException):
        return f"your code raised {_shown(got)}"
    count = len(_numbers(outcomes[0][1]) or [])
    if len(_numbers(got) or []) != count:
        return f"give {count} number{'s' * (count != 1)}, in the shape expected above"
    for factor, words in ((-1.0, "the sign is wrong"), (2.0, "twice"), (0.5, "half")):
        if all(_agree(g, _scaled(w, factor), *tolerance) for g, w in outcomes):
            return words if factor < 0 else f"off by a factor of 2: yours is {words} the answer"
    return "compare each factor of your formula with the chain rule, one edge at a time"


def _fails(got: Any) -> bool:
    """An overflow, a math domain error or a number that is not finite: a formula unstable
    where the answer is a finite number."""
    if isinstance(got, ArithmeticError | ValueError):
        return True
    numbers = _numbers(got)
    return numbers is not None and not all(map(math.isfinite, numbers))


def _scaled(x: Any, factor: float) -> list[float]:
    return [factor * number for number in _numbers(x) or []]


def _same(
    answer: Callable[..., Any],
    mistake: Callable[..., Any],
    args: tuple[Any, ...],
    forward: Callable[..., float] | None,
    tolerance: tuple[float, float],
) -> bool:
    """Whether the answer gives what the mistake gives at args (or fails as it does)."""
    got, theirs = _outcome(answer, args, forward), _outcome(mistake, args, forward)
    if isinstance(got, BaseException) or isinstance(theirs, BaseException):
        return type(got) is type(theirs)
    return _agree(got, theirs, *tolerance)


def _shown(x: Any) -> str:
    if isinstance(x, BaseException):
        return f"{type(x).__name__}: {x}"
    if isinstance(x, float):
        return f"{x:.6g}"
    if isinstance(x, list | tuple):
        inner = ", ".join(_shown(item) for item in x)
        return f"[{inner}]" if isinstance(x, list) else f"({inner}{',' * (len(x) == 1)})"
    return repr(x)
