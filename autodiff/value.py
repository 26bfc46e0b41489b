"""The Value: one float of a computational graph, with its gradient."""

from __future__ import annotations

import math
import numbers
import operator
from typing import TYPE_CHECKING, Any, Union

if TYPE_CHECKING:
    from autodiff.errors import UndefinedDerivative
    from autodiff.primitives import Primitive

Operand = Union["Value", float, int]
"""What the operators accept on either side: a Value or a real number."""


def as_float(x: object, where: str) -> float:
    """x as a float, or a TypeError that names `where` and the type it got."""
    if type(x) is float:
        return x
    if isinstance(x, numbers.Real):
        try:
            return float(x)
        except OverflowError:
            raise OverflowError(f"{where} got a number too large for a float") from None
    raise TypeError(f"{where} needs a real number, got {type(x).__name__!r}")


def as_count(x: object, where: str) -> int:
    """x as a positive int (an index, not a bool), or an error that names `where`."""
    if isinstance(x, bool):  # True is an int to Python, not a count
        raise TypeError(f"{where} needs an int, got a bool")
    try:
        count = operator.index(x)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(f"{where} needs an int, got {type(x).__name__!r}") from None
    if count < 1:
        raise ValueError(f"{where} needs a positive int, got {count}")
    return count


def data_of(x: Value | float) -> float:
    """The number a Value holds, or the number itself (rules and results may be either)."""
    return x.data if isinstance(x, Value) else float(x)


def finite_float(x: object) -> float | None:
    """x as a float if it is exactly an int or a float, and finite as a float; else None.

    For numbers read from text (an expression, a model file): bools, strings, ints too large
    for a float, inf and nan are not numbers there.
    """
    if type(x) is not float and type(x) is not int:
        return None
    try:
        number = float(x)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


class Value:
    """One float of a computational graph, and the derivative of a result with respect to it.

    ``data`` is the number; ``grad`` is filled in by ``backward()``. A Value made by an
    operation also records the operation, its inputs and the local derivative of its output
    with respect to each input, computed when it is made: the edge weights of the lectures'
    influence diagram. ``op``, ``parents`` and ``partials`` show them.

    ``==`` and ``hash`` are identity, so Values can be set members and dict keys;
    ``< <= > >=`` compare ``data``.
    """

    # A graph has one object per node and no reference cycles, so reference counting frees it
    # and the cyclic garbage collector has little to scan. A node with one or two inputs keeps
    # them and their local derivatives in its own slots (_x, _y, _dx, _dy; _y is None for one
    # input); a node with more keeps a tuple of inputs in _x and one of derivatives in _dx.
    # Leaves have _op None and leave the other four unset.
    __slots__ = ("_dx", "_dy", "_op", "_x", "_y", "data", "grad", "label")

    data: float
    grad: Any  # a float; a Value after backward(create_graph=True)
    label: str
    _op: Primitive | None
    _x: Value | tuple[Value, ...]
    _y: Value | None
    _dx: float | UndefinedDerivative | tuple[float | UndefinedDerivative, ...]
    _dy: float | UndefinedDerivative

    def __init__(self, data: float, label: str = "") -> None:
        if not isinstance(label, str):
            raise TypeError(f"Value(label) needs a str, got {type(label).__name__!r}")
        self.data = as_float(data, "Value(data)")
        self.grad = 0.0
        self.label = label
        self._op = None

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        grad = self.grad
        # After create_graph the grad is a Value: show its number, never recurse into it.
        shown = f"Value(data={grad.data!r})" if isinstance(grad, Value) else repr(grad)
        return f"Value(data={self.data!r}, grad={shown}{label})"

    # -- the graph, read-only ---------------------------------------------------------------

    @property
    def op(self) -> str:
        """The name of the operation that made this Value ('' for a leaf)."""
        return "" if self._op is None else self._op.label

    @property
    def primitive(self) -> Primitive | None:
        """The primitive that made this Value, with its parameters (None for a leaf)."""
        return self._op

    @property
    def parents(self) -> tuple[Value, ...]:
        """The inputs of the operation that made this Value, in order (() for a leaf)."""
        if self._op is None:
            return ()
        x, y = self._x, self._y
        if y is not None:
            return (x, y)  # type: ignore[return-value]
        return x if type(x) is tuple else (x,)  # type: ignore[return-value]

    @property
    def partials(self) -> tuple[float | UndefinedDerivative, ...]:
        """∂self/∂parent for each parent, in the same order: the local derivatives.

        Where a derivative does not exist (sqrt at 0) the edge holds an UndefinedDerivative.
        """
        if self._op is None:
            return ()
        dx = self._dx
        if self._y is not None:
            return (dx, self._dy)  # type: ignore[return-value]
        return dx if type(dx) is tuple else (dx,)  # type: ignore[return-value]

    def backward(self, grad: float | Value = 1.0, *, create_graph: bool = False) -> None:
        """Fill in ``.grad`` of every Value this one depends on: d self / d that Value.

        Leaves accumulate across calls (clear them with ``zero_grad``); every other node's
        ``.grad`` is recomputed by each call and kept afterwards so it can be displayed.
        With ``create_graph`` each ``.grad`` is a Value with a graph of its own, so it can be
        differentiated again (PyTorch's semantics; see the README on reference cycles).
        """
        backward(self, grad, create_graph=create_graph)

    # -- comparisons: by value; equality stays identity ---------------------------------------

    def __lt__(self, other: Operand) -> bool:
        return self.data < _compared(other)

    def __le__(self, other: Operand) -> bool:
        return self.data <= _compared(other)

    def __gt__(self, other: Operand) -> bool:
        return self.data > _compared(other)

    def __ge__(self, other: Operand) -> bool:
        return self.data >= _compared(other)

    def __bool__(self) -> bool:
        # As for floats, so a derivative rule branches the same way on Values and on floats.
        return self.data != 0.0

    # -- arithmetic: each operator is a registered primitive ----------------------------------

    def __add__(self, other: Operand) -> Value:
        return apply_binary(_ADD, self, other)

    def __radd__(self, other: Operand) -> Value:
        return apply_binary(_ADD, other, self)

    def __sub__(self, other: Operand) -> Value:
        return apply_binary(_SUB, self, other)

    def __rsub__(self, other: Operand) -> Value:
        return apply_binary(_SUB, other, self)

    def __mul__(self, other: Operand) -> Value:
        return apply_binary(_MUL, self, other)

    def __rmul__(self, other: Operand) -> Value:
        return apply_binary(_MUL, other, self)

    def __truediv__(self, other: Operand) -> Value:
        return apply_binary(_DIV, self, other)

    def __rtruediv__(self, other: Operand) -> Value:
        return apply_binary(_DIV, other, self)

    def __pow__(self, other: Operand) -> Value:
        if isinstance(other, Value):
            return apply_binary(_POW, self, other)
        return apply_unary(_POWER.bind({"exponent": as_float(other, "Value ** exponent")}), self)

    def __rpow__(self, other: Operand) -> Value:
        return apply_unary(_EXPONENTIAL.bind({"base": as_float(other, "number ** Value")}), self)

    def __neg__(self) -> Value:
        return apply_unary(_NEG, self)

    def __pos__(self) -> Value:
        return self

    def __abs__(self) -> Value:
        return apply_unary(_ABS, self)

    # -- elementary functions as methods, micrograd style ------------------------------------

    def exp(self) -> Value:
        return apply_unary(_EXP, self)

    def log(self) -> Value:
        return apply_unary(_LOG, self)

    def sqrt(self) -> Value:
        return apply_unary(_SQRT, self)

    def tanh(self) -> Value:
        return apply_unary(_TANH, self)

    def sigmoid(self) -> Value:
        return apply_unary(_SIGMOID, self)

    def relu(self) -> Value:
        return apply_unary(_RELU, self)

    def leaky_relu(self, slope: float | None = None) -> Value:
        """x for x > 0, else slope·x; the slope defaults to ``autodiff.functions.LEAKY_SLOPE``."""
        return apply_unary(
            _LEAKY_RELU.bind({"slope": LEAKY_SLOPE if slope is None else slope}), self
        )

    def abs(self) -> Value:
        return apply_unary(_ABS, self)

    def softplus(self) -> Value:
        return apply_unary(_SOFTPLUS, self)

    def sin(self) -> Value:
        return apply_unary(_SIN, self)

    def cos(self) -> Value:
        return apply_unary(_COS, self)


def _compared(other: object) -> float:
    if isinstance(other, Value):
        return other.data
    return as_float(other, "comparison with a Value")


# The operators above apply primitives, which are built on Value: they are registered after it.
from autodiff import arithmetic, functions  # noqa: E402, F401 -- they register the primitives
from autodiff.backprop import backward  # noqa: E402
from autodiff.functions import LEAKY_SLOPE  # noqa: E402
from autodiff.primitives import PRIMITIVES, apply_binary, apply_unary  # noqa: E402

(_ADD, _SUB, _MUL, _DIV, _POW, _POWER, _EXPONENTIAL, _NEG, _ABS) = (
    PRIMITIVES[name]
    for name in ("add", "sub", "mul", "div", "pow", "power", "exponential", "neg", "abs")
)
(_EXP, _LOG, _SQRT, _TANH, _SIGMOID, _RELU, _LEAKY_RELU, _SOFTPLUS, _SIN, _COS) = (
    PRIMITIVES[name]
    for name in (
        "exp",
        "log",
        "sqrt",
        "tanh",
        "sigmoid",
        "relu",
        "leaky_relu",
        "softplus",
        "sin",
        "cos",
    )
)
