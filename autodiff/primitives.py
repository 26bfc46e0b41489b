"""Primitives: an operation's forward function and its local-derivative rule, registered once.

A primitive computes on floats. Applied to Values it records a graph node, together with the
local derivative of its output with respect to each input, given by its rule at once: the edge
weights of the influence diagram. The rule is written with operations that work on floats and
Values alike, so the very same rule applied to Values gives derivatives that can themselves be
differentiated (higher order), and no formula is ever written twice.

Conventions, for an operation with one input, two inputs, or any number of them::

    forward(x) -> out                 derivative(x, out) -> ∂out/∂x
    forward(x, y) -> out              derivative(x, y, out) -> (∂out/∂x, ∂out/∂y)
    forward(*xs) -> out               derivative(xs, out) -> one ∂out/∂x_i per input

Keyword-only parameters of the forward (``slope`` of leaky_relu) are constants, not inputs:
the rule receives them by keyword too, and the node remembers them. Where a derivative does not
exist the rule may raise ZeroDivisionError or return an ``UndefinedDerivative``: the edge keeps
it, and only a gradient crossing it is an error.
"""

from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import Any, Protocol, overload

from autodiff.errors import DomainError, UndefinedDerivative
from autodiff.grad_mode import _recording
from autodiff.value import Operand, Value, as_float

_new = object.__new__
_registry: dict[str, Primitive] = {}
PRIMITIVES: Mapping[str, Primitive] = MappingProxyType(_registry)
"""Every registered primitive by name, built-in and user-defined."""
_BOUND_CACHE_SIZE = 256  # distinct parameter sets kept per primitive (x**2, x**0.5, ...)


class Primitive:
    """An operation: its name, its forward function on floats and its local-derivative rule."""

    __slots__ = ("_bound", "arity", "derivative", "display", "forward", "name", "params", "symbol")

    def __init__(
        self,
        name: str,
        forward: Callable[..., float],
        derivative: Callable[..., Any],
        arity: int | None,
        *,
        symbol: str = "",
        params: Mapping[str, Any] | None = None,
        display: str = "",
    ) -> None:
        self.name = name
        self.symbol = symbol or name
        self.forward = forward
        self.derivative = derivative
        self.arity = arity  # 1, 2, or None for any number of inputs
        self.params: Mapping[str, Any] = params or {}
        self.display = display  # how to show the parameters, e.g. "**{exponent:g}"
        self._bound: dict[tuple[tuple[str, Any], ...], Primitive] = {}

    @property
    def label(self) -> str:
        """The name with its parameters, as diagrams show it: ``leaky_relu(0.1)``, ``**2``."""
        if not self.params:
            return self.symbol
        if self.display:
            return self.display.format(**self.params)
        args = ", ".join(f"{key}={value!r}" for key, value in self.params.items())
        return f"{self.symbol}({args})"

    def __repr__(self) -> str:
        return f"<primitive {self.label}>"

    def bind(self, params: Mapping[str, Any]) -> Primitive:
        """This primitive with its constant parameters fixed (and remembered, for display)."""
        key = tuple(params.items())
        try:
            return self._bound[key]
        except KeyError:
            pass
        except TypeError:  # an unhashable parameter: bind it, just do not keep it
            return self._bound_to(params)
        bound = self._bound_to(params)
        if len(self._bound) < _BOUND_CACHE_SIZE:
            self._bound[key] = bound
        return bound

    def _bound_to(self, params: Mapping[str, Any]) -> Primitive:
        checked = _checked_params(self, params)
        return Primitive(
            self.name,
            functools.partial(self.forward, **checked),
            functools.partial(self.derivative, **checked),
            self.arity,
            symbol=self.symbol,
            params=checked,
            display=self.display,
        )

    def local_derivatives(self, inputs: Sequence[Any], output: Any) -> tuple[Any, ...]:
        """The rule at these inputs and output, floats or Values: one derivative per input."""
        if self.arity == 1:
            return (self.derivative(inputs[0], output),)
        if self.arity == 2:
            return tuple(self.derivative(inputs[0], inputs[1], output))
        return tuple(self.derivative(list(inputs), output))


class UnaryFunction(Protocol):
    """A registered operation of one input: a Value gives a Value, a number a float."""

    @overload
    def __call__(self, x: Value, /, **params: Any) -> Value: ...
    @overload
    def __call__(self, x: float, /, **params: Any) -> float: ...


class BinaryFunction(Protocol):
    """A registered operation of two inputs: a Value among them gives a Value."""

    @overload
    def __call__(self, x: Value, y: Operand, /, **params: Any) -> Value: ...
    @overload
    def __call__(self, x: Operand, y: Value, /, **params: Any) -> Value: ...
    @overload
    def __call__(self, x: float, y: float, /, **params: Any) -> float: ...


class _VariadicForward(Protocol):
    def __call__(self, *xs: float) -> float: ...


class Register(Protocol):
    """What ``primitive(...)`` returns: it turns a forward into the registered operation."""

    @overload
    def __call__(self, forward: _VariadicForward) -> Callable[..., Any]: ...
    @overload
    def __call__(self, forward: Callable[[float], float]) -> UnaryFunction: ...
    @overload
    def __call__(self, forward: Callable[[float, float], float]) -> BinaryFunction: ...
    @overload
    def __call__(self, forward: Callable[..., float]) -> Callable[..., Any]: ...


def primitive(
    derivative: Callable[..., Any], *, name: str = "", symbol: str = "", display: str = ""
) -> Register:
    """Register an operation from its forward function (the decorated one) and its rule.

    The decorated function is replaced by one that takes Values or numbers: with at least one
    Value among its inputs it returns a Value that records the node; with numbers only it
    returns a float. See the module docstring for the signatures. ``symbol`` is how diagrams
    show the operation (default: its name); ``display`` formats it with its parameters
    (default: ``name(key=value)``). Registering a name again replaces the entry in
    ``PRIMITIVES`` (convenient when a notebook cell is run twice)::

        @primitive(derivative=lambda x, out: 3 * x * x)
        def cube(x: float) -> float:
            return x**3
    """

    def register(forward: Callable[..., float]) -> Callable[..., Any]:
        prim = Primitive(
            name or forward.__name__,
            forward,
            derivative,
            _arity(forward),
            symbol=symbol,
            display=display,
        )
        _registry[prim.name] = prim
        apply_op = APPLY[prim.arity]
        defaults = _parameter_defaults(forward)

        def apply(*inputs: Any, **params: Any) -> Any:
            if prim.arity is not None and len(inputs) != prim.arity:
                raise TypeError(f"{prim.name}() takes {prim.arity} input(s), got {len(inputs)}")
            if params or defaults:
                return apply_op(prim.bind({**defaults, **params}), *inputs)
            return apply_op(prim, *inputs)

        functools.update_wrapper(apply, forward)  # its name, docstring and signature
        apply.__name__ = apply.__qualname__ = prim.name
        return apply

    return register


def _arity(forward: Callable[..., float]) -> int | None:
    """How many inputs the forward takes: 1, 2, or None for any number (*xs)."""
    kinds = [p.kind for p in inspect.signature(forward).parameters.values()]
    positional = sum(k in (k.POSITIONAL_ONLY, k.POSITIONAL_OR_KEYWORD) for k in kinds)
    variadic = inspect.Parameter.VAR_POSITIONAL in kinds
    if variadic and not positional:
        return None
    if not variadic and positional in (1, 2):
        return positional
    raise TypeError(
        f"primitive {forward.__name__!r} must take one input (x), two (x, y) or any number (*xs)"
    )


def _parameter_defaults(forward: Callable[..., float]) -> dict[str, Any]:
    return {
        p.name: p.default
        for p in inspect.signature(forward).parameters.values()
        if p.kind is p.KEYWORD_ONLY and p.default is not p.empty
    }


def _checked_params(prim: Primitive, params: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters, each a constant of the type the forward declares for it."""
    declared = {
        p.name: p
        for p in inspect.signature(prim.forward).parameters.values()
        if p.kind is p.KEYWORD_ONLY
    }
    unknown = set(params) - set(declared)
    if unknown:
        raise TypeError(f"{prim.name} has no parameter {', '.join(sorted(unknown))}")
    missing = [name for name, p in declared.items() if name not in params and p.default is p.empty]
    if missing:
        raise TypeError(f"{prim.name} needs the parameter {', '.join(missing)}")
    hints = typing.get_type_hints(prim.forward)
    checked = dict(params)
    for key, value in params.items():
        if isinstance(value, Value):
            raise TypeError(f"{prim.name}({key}=...) is a constant: pass a number, not a Value")
        if hints.get(key) is float:
            checked[key] = as_float(value, f"{prim.name}({key}=...)")
        elif hints.get(key) is int and (not isinstance(value, int) or isinstance(value, bool)):
            raise TypeError(f"{prim.name}({key}=...) needs an int, got {type(value).__name__!r}")
    return checked


# -- applying a primitive ---------------------------------------------------------------------
# One function per arity, so the common operations make a node with no more work than needed:
# these lines run for every operation of every graph.


@overload
def apply_unary(op: Primitive, x: Value) -> Value: ...
@overload
def apply_unary(op: Primitive, x: float) -> float: ...
def apply_unary(op: Primitive, x: Any) -> Any:
    """op(x): a node if x is a Value, a float if x is a number."""
    if type(x) is not Value and not isinstance(x, Value):
        return _on_numbers(op, as_float(x, op.name))
    a = x.data
    try:
        out = op.forward(a)
    except ArithmeticError as error:
        raise _forward_error(op, (a,), error) from error
    if not _recording.get():
        return _leaf(out)
    try:
        da = op.derivative(a, out)
    except ArithmeticError:
        da = _undefined(op, (a,))
    return _node(out, op, x, None, da, 0.0)


@overload
def apply_binary(op: Primitive, x: Value, y: Operand) -> Value: ...
@overload
def apply_binary(op: Primitive, x: Operand, y: Value) -> Value: ...
@overload
def apply_binary(op: Primitive, x: float, y: float) -> float: ...
def apply_binary(op: Primitive, x: Any, y: Any) -> Any:
    """op(x, y): a node if either is a Value, a float if both are numbers."""
    if type(x) is not Value or type(y) is not Value:
        x, y = _binary_operands(op, x, y)
        if type(x) is float:
            return _on_numbers(op, x, y)
    a, b = x.data, y.data
    try:
        out = op.forward(a, b)
    except ArithmeticError as error:
        raise _forward_error(op, (a, b), error) from error
    if not _recording.get():
        return _leaf(out)
    try:
        da, db = op.derivative(a, b, out)
    except ArithmeticError:
        da = db = _undefined(op, (a, b))
    return _node(out, op, x, y, da, db)


def apply_variadic(op: Primitive, *xs: Any) -> Any:
    """op(*xs): a node if any input is a Value, a float if all are numbers (or there are none)."""
    data = [x.data for x in xs if x.__class__ is Value]  # reads and checks in one pass
    if len(data) != len(xs) or not xs:
        if not data and not any(isinstance(x, Value) for x in xs):
            return _on_numbers(op, *[as_float(x, op.name) for x in xs])
        xs = tuple([x if x.__class__ is Value else _as_value(x, op.name) for x in xs])
        data = [x.data for x in xs]
    try:
        out = op.forward(*data)
    except ArithmeticError as error:
        raise _forward_error(op, tuple(data), error) from error
    if not _recording.get():
        return _leaf(out)
    try:
        partials = tuple(op.derivative(data, out))
    except ArithmeticError:
        partials = (_undefined(op, tuple(data)),) * len(xs)
    return _node(out, op, xs, None, partials, 0.0)


APPLY: dict[int | None, Callable[..., Any]] = {
    1: apply_unary,
    2: apply_binary,
    None: apply_variadic,
}


def _on_numbers(op: Primitive, *inputs: float) -> float:
    """op on plain numbers: a float, no graph."""
    try:
        return op.forward(*inputs)
    except ArithmeticError as error:
        raise _forward_error(op, inputs, error) from error


def _node(out: float, op: Primitive, x: Any, y: Value | None, dx: Any, dy: Any) -> Value:  # noqa: PLR0917 -- called for every operation: keywords cost time
    """A new node: its value, its operation, its inputs and their local derivatives.

    One or two inputs are kept inline (y is None for one); more are a tuple in x, with a
    tuple of derivatives in dx (see Value's slots).
    """
    node = _new(Value)
    node.data = out
    node.grad = 0.0
    node.label = ""
    node._op = op
    node._x = x
    node._y = y
    node._dx = dx
    node._dy = dy
    return node


def _leaf(out: float) -> Value:
    node = _new(Value)
    node.data = out
    node.grad = 0.0
    node.label = ""
    node._op = None
    return node


def _binary_operands(op: Primitive, x: object, y: object) -> tuple[Any, Any]:
    """Both as Values if either is one, both as floats if neither is, else a TypeError."""
    try:
        if isinstance(x, Value) or isinstance(y, Value):
            return _as_value(x, op.name), _as_value(y, op.name)
        return as_float(x, op.name), as_float(y, op.name)
    except TypeError:
        raise TypeError(
            f"unsupported operand type(s) for {op.symbol}: "
            f"{type(x).__name__!r} and {type(y).__name__!r}"
        ) from None


def _as_value(x: object, where: str) -> Value:
    """x itself if it is a Value, else a constant leaf holding the number x."""
    if type(x) is float:
        return _leaf(x)
    if isinstance(x, Value):
        return x
    return _leaf(as_float(x, where))


def _at(inputs: tuple[float, ...]) -> str:
    if len(inputs) <= 2:
        return ", ".join(f"{name} = {x!r}" for name, x in zip("xy", inputs))
    return f"inputs {list(inputs)!r}"


def _forward_error(op: Primitive, inputs: tuple[float, ...], error: Exception) -> Exception:
    """A float error inside a primitive's forward, restated with the primitive's name."""
    if isinstance(error, OverflowError):
        return OverflowError(f"{op.label}: the result at {_at(inputs)} is too large for a float")
    return DomainError(f"{op.label} is not defined at {_at(inputs)} ({error})")


def _undefined(op: Primitive, inputs: tuple[float, ...]) -> UndefinedDerivative:
    return UndefinedDerivative(
        f"{op.label}: the derivative at {_at(inputs)} is not a finite number"
    )
