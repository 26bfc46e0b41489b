"""The Value: one float of a computational graph, and the derivative of a result with respect
to it.

How to read the engine, in this order:

1. this file: a Value holds ``data``; its operators (``__mul__``...) and methods (``tanh``...)
   each apply an operation;
2. `autodiff/ops.py`: every operation, its forward on floats and its derivative rule side by
   side, one registration each (``mul``: forward ``x * y``, rule ``(y, x)``);
3. `autodiff/primitives.py`: what applying an operation does: it computes the forward, and the
   rule at once, and records a node with its inputs (``parents``) and their local derivatives
   (``partials``), the edge weights of the lectures' influence diagram;
4. `autodiff/backprop.py`: ``backward()`` orders the graph so that every node comes after its
   inputs, then walks it from the output back, each node passing ``grad × edge derivative`` to
   each input: the distributed chain rule.

Nothing here recurses, so the depth of a graph is limited only by memory.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Union

from autodiff.checks import as_float, is_real
from autodiff.grad_mode import tracer

if TYPE_CHECKING:
    from autodiff.errors import Undefined
    from autodiff.primitives import Primitive

Operand = Union["Value", float, int]
"""What the operators accept on either side: a Value or a real number."""


class Value:
    """One float of a computational graph, and the derivative of a result with respect to it.

    ``data`` is the number; ``grad`` is filled in by ``backward()``. A Value made by an
    operation also records it (``primitive``; ``op`` is its name), its inputs (``parents``)
    and the local derivative of this Value with respect to each (``partials``).

    ``==`` and ``hash`` are identity, so Values can be set members and dict keys;
    ``< <= > >=`` compare ``data``.
    """

    # One object per node, with no reference cycles: reference counting frees a graph, and
    # the cyclic garbage collector has little to scan (measured: a tuple of inputs and one of
    # derivatives per node cost 20-30% more time to build a graph). So a node keeps its one
    # or two inputs in _x and _y and their derivatives in _dx and _dy (_y None for one input);
    # more inputs are a tuple in _x, with a tuple of derivatives in _dx. A leaf has primitive
    # None and the other four unset. `parents` and `partials` read them.
    __slots__ = ("_dx", "_dy", "_primitive", "_x", "_y", "data", "grad", "label")

    data: float
    grad: Any  # a float; a Value after backward(create_graph=True)
    label: str
    _primitive: Primitive | None  # None for a leaf
    _x: Value | tuple[Value, ...]
    _y: Value | None
    _dx: float | Undefined | tuple[float | Undefined, ...]
    _dy: float | Undefined

    def __init__(self, data: float, label: str = "") -> None:
        if not isinstance(label, str):
            raise TypeError(f"Value(label) needs a str, got {type(label).__name__!r}")
        self.data = as_float(data, "Value(data)")
        self.grad = 0.0
        self.label = label
        self._primitive = None

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        grad = self.grad
        # After create_graph the grad is a Value: show its number, never recurse into it.
        shown = f"Value(data={grad.data!r})" if isinstance(grad, Value) else repr(grad)
        return f"Value(data={self.data!r}, grad={shown}{label})"

    # -- the graph, read-only ----------------------------------------------------------------

    @property
    def primitive(self) -> Primitive | None:
        """The primitive that made this Value, with its parameters (None for a leaf)."""
        return self._primitive

    @property
    def op(self) -> str:
        """The name of the operation that made this Value ('' for a leaf)."""
        return "" if self._primitive is None else self._primitive.label

    @property
    def parents(self) -> tuple[Value, ...]:
        """The inputs of the operation that made this Value, in order (() for a leaf)."""
        if self._primitive is None:
            return ()
        if self._y is not None:
            return (self._x, self._y)  # type: ignore[return-value]
        return self._x if type(self._x) is tuple else (self._x,)  # type: ignore[return-value]

    @property
    def partials(self) -> tuple[float | Undefined, ...]:
        """∂self/∂parent for each parent, in the same order: the local derivatives, the
        weights of the edges. Where a derivative does not exist (√x at 0) the edge holds an
        Undefined."""
        if self._primitive is None:
            return ()
        if self._y is not None:
            return (self._dx, self._dy)  # type: ignore[return-value]
        return self._dx if type(self._dx) is tuple else (self._dx,)  # type: ignore[return-value]

    # -- arithmetic: each operator applies an operation of autodiff/ops.py -------------------

    def __add__(self, other: Operand) -> Value:
        return add(self, other)

    def __radd__(self, other: Operand) -> Value:
        return add(other, self)

    def __sub__(self, other: Operand) -> Value:
        return sub(self, other)

    def __rsub__(self, other: Operand) -> Value:
        return sub(other, self)

    def __mul__(self, other: Operand) -> Value:
        return mul(self, other)

    def __rmul__(self, other: Operand) -> Value:
        return mul(other, self)

    def __truediv__(self, other: Operand) -> Value:
        return div(self, other)

    def __rtruediv__(self, other: Operand) -> Value:
        return div(other, self)

    def __pow__(self, other: Operand) -> Value:
        # x ** n with a constant n is one operation (its rule n·x^(n−1)); x ** y of two
        # Values another (with ∂/∂y = x^y·log x as well).
        return power(self, exponent=other) if is_real(other) else pow(self, other)

    def __rpow__(self, other: Operand) -> Value:
        return exponential(self, base=other)  # b ** y with a constant base b

    def __neg__(self) -> Value:
        return neg(self)

    def __pos__(self) -> Value:
        return self

    def __abs__(self) -> Value:
        return abs_(self)

    # -- functions, as methods (micrograd's tanh, relu, exp and more) --------------------------

    def exp(self) -> Value:
        return exp(self)

    def log(self) -> Value:
        return log(self)

    def sqrt(self) -> Value:
        return sqrt(self)

    def tanh(self) -> Value:
        return tanh(self)

    def sigmoid(self) -> Value:
        return sigmoid(self)

    def relu(self) -> Value:
        return relu(self)

    def leaky_relu(self, slope: float | None = None) -> Value:
        """leaky_relu of this Value, with its slope for x < 0 (default `autodiff.LEAKY_SLOPE`)."""
        return leaky_relu(self) if slope is None else leaky_relu(self, slope=slope)

    def softplus(self) -> Value:
        return softplus(self)

    def sin(self) -> Value:
        return sin(self)

    def cos(self) -> Value:
        return cos(self)

    def abs(self) -> Value:
        return abs_(self)

    # -- comparisons: of data; equality stays identity ------------------------------------------

    def __lt__(self, other: Operand) -> bool:
        return _compared(self, "<", other, self.data < _number(other))

    def __le__(self, other: Operand) -> bool:
        return _compared(self, "<=", other, self.data <= _number(other))

    def __gt__(self, other: Operand) -> bool:
        return _compared(self, ">", other, self.data > _number(other))

    def __ge__(self, other: Operand) -> bool:
        return _compared(self, ">=", other, self.data >= _number(other))

    def __bool__(self) -> bool:
        return _compared(self, "!=", 0.0, self.data != 0.0)  # as for a float

    # -- the backward pass ---------------------------------------------------------------------

    def backward(self, grad: float | Value = 1.0, *, create_graph: bool = False) -> None:
        """Fill in ``.grad`` of every Value this one depends on: d self / d that Value.

        Leaves accumulate across calls (clear them with ``zero_grad``); every other node's
        ``.grad`` is recomputed by each call and kept afterwards so it can be displayed.
        With ``create_graph`` each ``.grad`` is a Value with a graph of its own, so it can be
        differentiated again (PyTorch's semantics).
        """
        backward(self, grad, create_graph=create_graph)

    # -- micrograd's names, which its lecture's code reads and calls ----------------------------

    @property
    def _prev(self) -> set[Value]:
        """micrograd's ``_prev``: the set of this Value's inputs (empty for a leaf)."""
        return set(self.parents)

    @property
    def _op(self) -> str:
        """micrograd's ``_op``: the name of the operation that made this Value ('' for a leaf)."""
        return self.op

    def _backward(self) -> None:
        """micrograd's ``_backward()``: pass this Value's grad to its inputs once, accumulating
        (one step of `backward`; `backward_steps` gives the order to call it in)."""
        if self._primitive is not None:  # a leaf has no inputs
            pass_on((self,))


def data_of(x: Value | float) -> float:
    """The number a Value holds, or the number itself (a gradient or a result may be either)."""
    return x.data if isinstance(x, Value) else float(x)


def _number(other: object) -> float:
    return other.data if isinstance(other, Value) else as_float(other, "comparison with a Value")


def _compared(value: Value, comparison: str, other: object, outcome: bool) -> bool:
    """The outcome of a comparison; a compiler tracing a function checks it at each call."""
    listening = tracer()
    if listening is not None:
        listening.compared(value, comparison, other, outcome)
    return outcome


# The operations need Value, so they come last. (`abs_` and `pow`: the names of ops.py, which
# shadow Python's builtins there and here.)
from autodiff.backprop import backward, pass_on  # noqa: E402
from autodiff.ops import (  # noqa: E402
    abs_,
    add,
    cos,
    div,
    exp,
    exponential,
    leaky_relu,
    log,
    mul,
    neg,
    pow,
    power,
    relu,
    sigmoid,
    sin,
    softplus,
    sqrt,
    sub,
    tanh,
)
