"""A small, safe expression language for the command line, evaluated with the engine.

``parse("tanh(x1*w1 + x2*w2 + b)")`` reads the text with Python's ``ast`` module and compiles
it, from an allow-list, into a program of engine operations: numbers, variables, ``+ - * / **``,
unary ``-`` and ``+``, parentheses, and calls of the engine's functions (``FUNCTIONS``).
Nothing else is accepted (attributes, subscripts, other calls, keywords, strings, lambdas,
comprehensions...), and Python never evaluates the text: no eval, no exec.

Everything is bounded: the text's length and its nesting depth are checked (and Python's own
parser limits reported as errors), and numbers are floats from the start, so ``9**9**9**9``
overflows at once instead of computing a huge integer. Errors are ``ExpressionError``:
``InvalidExpressionError`` for text outside the language, ``EvaluationError`` for an expression
that has no value at the given point (``log(-1)``, an overflow).
"""

from __future__ import annotations

import ast
import math
import operator
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from autodiff import ops
from autodiff.primitives import OPERATIONS, Operation
from autodiff.value import Value, data_of

MAX_LENGTH = 10_000
"""The longest expression accepted, in characters."""
MAX_DEPTH = 200
"""The deepest nesting of operations accepted (a sum of many terms: use sum(...))."""

Number = Value | float


class ExpressionError(ValueError):
    """An expression cannot be evaluated; the message says why."""


class InvalidExpressionError(ExpressionError):
    """The text is not an expression of the language, is too large, or names no variable."""


class EvaluationError(ExpressionError):
    """The expression has no value at this point: a domain error (log(-1)) or an overflow."""


FUNCTIONS: Mapping[str, Operation] = {
    name: f for name, f in OPERATIONS.items() if f.primitive.language
}
"""The functions an expression may call: the engine's operations its registrations offer."""


CONSTANTS: Mapping[str, float] = {"pi": math.pi, "e": math.e}
"""The names that stand for numbers, not variables."""


def vector_valued(function: Operation) -> bool:
    """A vector operation (softmax) gives one value per input."""
    return function.vector


def _applied(function: Any, constants: tuple[float, ...]) -> Callable[..., Any]:
    """function, taking its inputs one by one (an operation of many takes a list), with the
    constant parameters given after them (leaky_relu(x, 0.2))."""
    if vector_valued(function):
        return lambda *xs: function(xs)
    if function.primitive.arity is None:  # the inputs one by one: dot(w1, w2, x1, x2, b)
        return function.primitive.apply  # type: ignore[no-any-return]
    return lambda *xs: function(*xs, *constants)


def _power(x: Number, y: Number) -> Number:
    # On two numbers, the engine's pow (math.pow): a float, never an int, and an error where
    # Python's ** would return a complex number. With a Value, x ** n records "**n".
    if isinstance(x, Value) or isinstance(y, Value):
        return x**y
    power: float = ops.pow(x, y)
    return power


_BINARY: dict[type[ast.operator], Callable[[Any, Any], Number]] = {
    ast.Add: ops.add,
    ast.Sub: ops.sub,
    ast.Mult: ops.mul,
    ast.Div: ops.div,
    ast.Pow: _power,
}
_UNARY: dict[type[ast.unaryop], Callable[[Any], Number]] = {
    ast.USub: ops.neg,
    ast.UAdd: operator.pos,
}
LANGUAGE = (
    "numbers, the constants pi and e, variables, + - * / **, parentheses and the functions "
    + ", ".join(FUNCTIONS)
    + " (a parameter after the inputs: leaky_relu(x, 0.2); softmax only as the whole expression)"
)
_REFUSED = {
    ast.Attribute: "the attribute access",
    ast.Subscript: "the subscript",
    ast.Lambda: "the lambda",
    **dict.fromkeys(
        [ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp], "the comprehension"
    ),
    ast.Compare: "the comparison",
    ast.BoolOp: "the logical operation",
    ast.IfExp: "the conditional expression",
    ast.NamedExpr: "the assignment",
    ast.JoinedStr: "the f-string",
    ast.Starred: "the unpacking",
    ast.List: "the list",
    ast.Tuple: "the tuple",
    ast.Set: "the set",
    ast.Dict: "the dict",
}


@dataclass(frozen=True)
class Call:
    """A step of a program: apply a function to the last ``arity`` results."""

    function: Callable[..., Any]
    arity: int
    vector: bool = False  # gives a list of values, one per input (softmax)


Step = float | str | Call  # push a number; push a variable's value; apply a function


@dataclass(frozen=True)
class Formula:
    """A parsed expression: its variables, in order of appearance, and its program."""

    text: str
    variables: tuple[str, ...]
    program: tuple[Step, ...]  # postfix: every operation after its operands

    def evaluate(self, values: Mapping[str, Number]) -> Any:
        """The expression's value, a Value if any variable is one (its graph recorded); a list
        of them for an expression that is one vector-valued operation (softmax).

        Raises InvalidExpressionError if a variable has no value, EvaluationError if the
        expression has none at this point, or it is not finite.
        """
        missing = [name for name in self.variables if name not in values]
        if missing:
            raise InvalidExpressionError(f"no value given for {', '.join(missing)}")
        stack: list[Any] = []
        try:
            for step in self.program:
                if isinstance(step, float):
                    stack.append(step)
                elif isinstance(step, str):
                    stack.append(values[step])
                else:
                    arguments = stack[len(stack) - step.arity :]
                    del stack[len(stack) - step.arity :]
                    stack.append(step.function(*arguments))
        except (ArithmeticError, ValueError) as error:  # DomainError is a ValueError
            raise EvaluationError(str(error)) from None
        result = stack.pop()
        for number in map(data_of, result if isinstance(result, list) else [result]):
            if not math.isfinite(number):
                raise EvaluationError(f"the value is {number}: a float overflowed along the way")
        return result


def parse(text: str) -> Formula:
    """The Formula of text, or InvalidExpressionError saying what is wrong with it."""
    if len(text) > MAX_LENGTH:
        raise InvalidExpressionError(
            f"the expression is {len(text)} characters long; at most {MAX_LENGTH} are accepted"
        )
    source = text.strip()  # so that " -x" may start with a space, not a command-line option
    try:
        with warnings.catch_warnings():  # "1if x else 2" warns, once per literal, on stderr
            warnings.simplefilter("ignore")
            tree = ast.parse(source, mode="eval")
    except SyntaxError as error:  # null bytes too, from Python 3.12 on
        raise InvalidExpressionError(f"not an expression: {error.msg}") from None
    except ValueError as error:  # null bytes, before Python 3.12
        raise InvalidExpressionError(f"not an expression: {error}") from None
    except (RecursionError, MemoryError):
        raise InvalidExpressionError(_too_deep()) from None
    program = _compile(tree.body, source)
    variables = dict.fromkeys(step for step in program if isinstance(step, str))
    return Formula(text, tuple(variables), program)


def evaluate(text: str, values: Mapping[str, Number]) -> Any:
    """parse(text).evaluate(values)."""
    return parse(text).evaluate(values)


def _compile(body: ast.expr, text: str) -> tuple[Step, ...]:
    """The postfix program of an expression's tree, checked node by node.

    Walks the tree with its own stack, visiting each node before its operands, last operand
    first; the reverse of that order lists every operation after its operands.
    """
    steps: list[Step] = []
    pending: list[tuple[ast.expr, int]] = [(body, 1)]
    while pending:
        node, depth = pending.pop()
        if depth > MAX_DEPTH:
            raise InvalidExpressionError(_too_deep())
        step, operands = _step(node, text)
        if isinstance(step, Call) and step.vector and node is not body:
            raise InvalidExpressionError(
                f"{_snippet(text, node)} has one value per input, so it can only be the whole "
                "expression"
            )
        steps.append(step)
        pending.extend((operand, _depth(node, operand, depth)) for operand in operands)
    return tuple(reversed(steps))


def _depth(node: ast.expr, operand: ast.expr, depth: int) -> int:
    """An operand's nesting depth: one more than its node's, but a chain a + b + c + ... (or
    of -, *, /) counts as flat: Python nests it to the left."""
    chained = (
        isinstance(node, ast.BinOp)
        and operand is node.left
        and isinstance(operand, ast.BinOp)
        and type(operand.op) is type(node.op)
    )
    return depth if chained else depth + 1


def _step(node: ast.expr, text: str) -> tuple[Step, list[ast.expr]]:
    """The step for one node of the tree, and the nodes of its operands, or the refusal."""
    if isinstance(node, ast.Constant):
        return _number(node.value, text, node), []
    if isinstance(node, ast.Name):
        if node.id in FUNCTIONS:
            raise InvalidExpressionError(f"{node.id} is a function: call it, as in {node.id}(x)")
        if node.id in CONSTANTS:
            return CONSTANTS[node.id], []
        return node.id, []
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        return Call(_BINARY[type(node.op)], 2), [node.left, node.right]
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return Call(_UNARY[type(node.op)], 1), [node.operand]
    if isinstance(node, ast.Call):
        function, inputs, constants = _function(node, text)
        call = Call(_applied(function, constants), len(inputs), vector_valued(function))
        return call, inputs
    if isinstance(node, ast.BinOp | ast.UnaryOp):
        raise _not_allowed("the operator in", text, node)
    raise _not_allowed(_REFUSED.get(type(node), type(node).__name__), text, node)


def _number(value: object, text: str, node: ast.expr) -> float:
    if type(value) not in (int, float):  # not bool, complex, str, bytes, None, ...
        raise _not_allowed("the constant", text, node)
    number = finite_float(value)
    if number is None:
        raise InvalidExpressionError(f"the number {_snippet(text, node)} is too large for a float")
    return number


def _function(node: ast.Call, text: str) -> tuple[Operation, list[ast.expr], tuple[float, ...]]:
    """The function a call names, its inputs, and the numbers given for its parameters."""
    if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
        raise InvalidExpressionError(
            f"only these functions can be called: {', '.join(FUNCTIONS)}; "
            f"not {_snippet(text, node.func)}"
        )
    if node.keywords:
        raise InvalidExpressionError(f"keyword arguments are not allowed: {_snippet(text, node)}")
    name, count = node.func.id, len(node.args)
    function = FUNCTIONS[name]
    arity = function.primitive.arity
    if arity is None:
        if count == 0:
            raise InvalidExpressionError(
                f"{name} takes at least one argument: {_snippet(text, node)}"
            )
        return function, node.args, ()
    most = arity + len(function.parameters)
    if not arity <= count <= most:
        wanted = f"{arity} argument(s)" + (
            f", then up to {most - arity} number(s) for {', '.join(function.parameters)}"
            if most > arity
            else ""
        )
        raise InvalidExpressionError(f"{name} takes {wanted}, got {count}: {_snippet(text, node)}")
    constants = tuple(_constant(arg, text) for arg in node.args[arity:])
    return function, node.args[:arity], constants


def _constant(node: ast.expr, text: str) -> float:
    """A parameter given as a number (its sign included), not computed from variables."""
    sign = 1.0
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        sign, node = (-1.0 if isinstance(node.op, ast.USub) else 1.0), node.operand
    if isinstance(node, ast.Constant):
        return sign * _number(node.value, text, node)
    if isinstance(node, ast.Name) and node.id in CONSTANTS:
        return sign * CONSTANTS[node.id]
    raise InvalidExpressionError(
        f"a parameter must be a number, not computed: {_snippet(text, node)}"
    )


def finite_float(x: object) -> float | None:
    """x as a float if it is exactly an int or a float, and finite as a float; else None.

    Bools, ints too large for a float, inf and nan are not numbers of the language.
    """
    if type(x) is not float and type(x) is not int:
        return None
    try:
        number = float(x)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def _not_allowed(what: str, text: str, node: ast.AST) -> InvalidExpressionError:
    return InvalidExpressionError(
        f"not allowed: {what} {_snippet(text, node)}; an expression may use {LANGUAGE}"
    )


def _snippet(text: str, node: ast.AST) -> str:
    source = ast.get_source_segment(text, node) or type(node).__name__
    return repr(source if len(source) <= 40 else source[:37] + "...")


def _too_deep() -> str:
    return (
        f"the expression is nested too deeply (at most {MAX_DEPTH} levels); "
        "for a long sum or product use sum(a, b, ...) or prod(a, b, ...)"
    )
