"""Primitives: an operation's forward function and its local-derivative rule, registered once.

A primitive computes on floats. Applied to Values it records a graph node, together with the
local derivative of its output with respect to each input, given by its rule at once: the edge
weights of the influence diagram. The rule has three readers, and is written once for all:

- floats: the derivatives recorded on each new node. The rule is written out as code once
  (by applying it to `autodiff.code.Symbol`s) and compiled, so that computing it takes no
  more than a hand-written formula would;
- Values: derivatives of derivatives (``create_graph``, ``grad(grad(f))``) apply the very same
  rule to Values, building the graph of the derivative;
- code: the compiler writes a traced graph's backward pass from the same Symbols.

So a rule uses arithmetic and the registered operations only, and never branches in Python
on a value: a case split is itself an operation (``step``, ``sign``), recomputed at each point.

Conventions, for an operation with one input, two inputs, or any number of them::

    forward(x) -> out                 derivative(x, out) -> ∂out/∂x
    forward(x, y) -> out              derivative(x, y, out) -> (∂out/∂x, ∂out/∂y)
    forward(*xs) -> out               derivative(xs, out) -> one ∂out/∂x_i per input

Keyword-only parameters of the forward (``slope`` of leaky_relu) are constants, not inputs:
the rule receives them by keyword too, and the node remembers them. Where a derivative does not
exist the rule may fail (1/0) or return an ``Undefined``: the edge keeps an Undefined, and only
a nonzero gradient crossing it is an error.
"""

from __future__ import annotations

import functools
import inspect
import math
import numbers
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import Any, Protocol, overload

from autodiff.code import Program, Symbol
from autodiff.domains import Domain
from autodiff.errors import DomainError, Undefined
from autodiff.grad_mode import _recording
from autodiff.value import Operand, Value, as_float

_new = object.__new__
Code = str | Callable[..., str]
"""A primitive's code form: a format string of {x}, {y} or {xs} and its params, or a function
of the inputs' expressions (a list of str) and its params, returning the expression."""
_registry: dict[str, Primitive] = {}
PRIMITIVES: Mapping[str, Primitive] = MappingProxyType(_registry)
"""Every registered primitive by name, built-in and user-defined."""
_operations: dict[str, Function] = {}
OPERATIONS: Mapping[str, Function] = MappingProxyType(_operations)
"""Every registered operation by name, as it is called: the Function a registration made."""
_BOUND_CACHE_SIZE = 256  # distinct parameter sets kept per primitive (x**2, x**0.5, ...)
_FAILURES = (ArithmeticError, ValueError)  # a number outside a domain (DomainError included)
# Rules of many inputs are compiled for each number of inputs up to this; above it (a dot of
# every parameter, for an L2 penalty) compiling would cost more than it saves.
_COMPILED_INPUTS = 64


class Primitive:
    """An operation: its name, forward function on floats and local-derivative rule, and what
    the project's tooling knows of it (see `register`)."""

    __slots__ = (
        "_bound",
        "_declared",
        "arity",
        "array",
        "builtin",
        "code",
        "derivative",
        "display",
        "domain",
        "float_derivative",
        "forward",
        "language",
        "method",
        "name",
        "params",
        "reference",
        "symbol",
    )

    def __init__(
        self,
        name: str,
        forward: Callable[..., float],
        derivative: Callable[..., Any],
        arity: int | None,
        *,
        symbol: str = "",
        display: str = "",
        params: Mapping[str, Any] | None = None,
        code: Code | None = None,
        array: Code | None = None,
        domain: Domain | None = None,
        reference: Callable[..., Any] | None = None,
        language: bool = False,
        method: bool = False,
        builtin: bool = False,
    ) -> None:
        self.name = name
        self.symbol = symbol or name
        self.display = display  # how to show the parameters, e.g. "**{exponent:g}"
        self.forward = forward
        self.derivative = derivative
        self.arity = arity  # 1, 2, or None for any number of inputs
        self.params: Mapping[str, Any] = params or {}
        # The forward as a Python expression of {x}, {y} or {xs} and the params; or a function
        # writing it from the inputs' expressions (and params), for a form that needs their number.
        self.code = code
        self.array = array  # the same for NumPy arrays, elementwise (a batch, or a layer's rows)
        self.domain = domain
        self.reference = reference or forward  # plain-math, for random expressions
        self.language = language  # offered by the command line's expression language
        self.method = method  # a method of Value too
        self.builtin = builtin
        self._bound: dict[tuple[tuple[str, type, Any], ...], Primitive] = {}
        self._declared: tuple[dict[str, inspect.Parameter], dict[str, Any]] | None = None
        # The rule on floats, compiled on first use: rules may name operations defined after.
        self.float_derivative: Callable[..., Any] = self._compile_on_first_use

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

    @property
    def rule_code(self) -> str | None:
        """The rule on floats, as the Python source it is compiled from; None for a rule that
        is called as it is (one that cannot be written as code), and for one of many inputs,
        which is compiled for each number of inputs it meets."""
        if self.float_derivative == self._compile_on_first_use:
            self.float_derivative = _compiled_rule(self)
        return getattr(self.float_derivative, "__source__", None)

    def bind(self, params: Mapping[str, Any]) -> Primitive:
        """This primitive with its constant parameters fixed (and remembered, for display)."""
        key = tuple(sorted((name, type(value), value) for name, value in params.items()))
        try:
            return self._bound[key]
        except KeyError:
            pass
        except TypeError:  # an unhashable parameter: bind it, just do not keep it
            return self._bound_to(params)
        bound = self._bound_to(params)
        if len(self._bound) < _BOUND_CACHE_SIZE:
            self._bound[key] = bound
        else:  # not kept, so not worth compiling its rule: it is called as it is
            bound.float_derivative = _checked_rule(bound)
        return bound

    def _bound_to(self, params: Mapping[str, Any]) -> Primitive:
        checked = _checked_params(self, params)
        return Primitive(
            self.name,
            functools.partial(self.forward, **checked),
            functools.partial(self.derivative, **checked),
            self.arity,
            symbol=self.symbol,
            display=self.display,
            params=checked,
            code=self.code,
            array=self.array,
            domain=self.domain,
            reference=functools.partial(self.reference, **checked),
            language=self.language,
            method=self.method,
            builtin=self.builtin,
        )

    def derivatives_on_values(self, inputs: Sequence[Value], output: Value) -> tuple[Any, ...]:
        """The rule applied to Values: one derivative per input, each with a graph of its own.

        Where the rule fails (sqrt's 0.5/out at 0), every edge is Undefined there, as on floats.
        """
        try:
            result = _call_rule(self.derivative, self.arity, inputs, output)
        except _FAILURES as error:
            _heard(error)  # a case of the values: a compiler cannot write it as code
            return (_undefined(self, [x.data for x in inputs]),) * len(inputs)
        except TypeError as error:
            raise TypeError(
                f"the derivative rule of {self.name} cannot be applied to Values, which "
                f"derivatives of derivatives need ({error}); write it with autodiff's "
                "operations (autodiff.sin, not math.sin)"
            ) from error
        return _checked_shape(self, result, len(inputs))

    def _compile_on_first_use(self, *args: Any) -> Any:
        self.float_derivative = _compiled_rule(self)
        return self.float_derivative(*args)


# -- what a registration returns -------------------------------------------------------------
# A plain function, called like the forward it was made from (a closure: measured twice as fast
# to call as an object's __call__), carrying its ``primitive``, so that nothing needs to look
# an operation up by its name. These Protocols say what it returns, for type checkers.


class Unary(Protocol):
    """A registered operation of one input: a Value gives a Value, a number a float."""

    primitive: Primitive
    parameters: list[str]  # its constant parameters, which may follow the input

    @overload
    def __call__(self, x: Value, /, *params: Any, **named: Any) -> Value: ...
    @overload
    def __call__(self, x: float, /, *params: Any, **named: Any) -> float: ...


class Binary(Protocol):
    """A registered operation of two inputs: a Value among them gives a Value."""

    primitive: Primitive
    parameters: list[str]

    @overload
    def __call__(self, x: Value, y: Operand, /, *params: Any, **named: Any) -> Value: ...
    @overload
    def __call__(self, x: Operand, y: Value, /, *params: Any, **named: Any) -> Value: ...
    @overload
    def __call__(self, x: float, y: float, /, *params: Any, **named: Any) -> float: ...


class Variadic(Protocol):
    """A registered operation of any number of inputs, given as one iterable (as to sum)."""

    primitive: Primitive
    parameters: list[str]

    @overload
    def __call__(self, values: Iterable[float], /, *params: Any, **named: Any) -> float: ...
    @overload
    def __call__(self, values: Iterable[Operand], /, *params: Any, **named: Any) -> Value: ...


Function = Unary | Binary | Variadic
"""What a registration returns, by the number of inputs of its operation."""
_NOT_ITERABLES = (Value, numbers.Number, str)  # an operation of many inputs takes none alone


def _operation(prim: Primitive, forward: Callable[..., float]) -> Any:
    """The function that applies prim: to Values, a node; to numbers only, a float."""
    keywords = _keyword_parameters(forward)
    names = [p.name for p in keywords]
    defaults = {p.name: p.default for p in keywords if p.default is not p.empty}
    n = 1 if prim.arity is None else prim.arity

    def bound(extra: tuple[Any, ...], params: dict[str, Any]) -> Primitive:
        """prim with its parameters: by keyword, by position after the inputs
        (``leaky_relu(x, 0.2)``), or their defaults; one without a default is required."""
        if len(extra) > len(names):
            raise TypeError(_wrong_count(prim, names, n + len(extra)))
        return prim.bind({**defaults, **dict(zip(names, extra)), **params})

    if prim.arity == 1:

        def operation(x: Any, /, *extra: Any, **params: Any) -> Any:
            return apply_unary(bound(extra, params) if extra or params or keywords else prim, x)

    elif prim.arity == 2:

        def operation(x: Any, y: Any, /, *extra: Any, **params: Any) -> Any:  # type: ignore[misc]
            op = bound(extra, params) if extra or params or keywords else prim
            made = apply_binary(op, x, y)
            if made is NotImplemented:
                kinds = f"{type(x).__name__!r} and {type(y).__name__!r}"
                raise TypeError(f"unsupported operand type(s) for {op.symbol}: {kinds}")
            return made

    else:

        def operation(values: Any, /, *extra: Any, **params: Any) -> Any:
            kind = type(values)
            if kind is not list and kind is not tuple:
                values = as_inputs(prim, values)
            op = bound(extra, params) if extra or params or keywords else prim
            return apply_variadic(op, *values)

    operation.__name__ = operation.__qualname__ = prim.name
    operation.__doc__, operation.__module__ = forward.__doc__, forward.__module__
    operation.__wrapped__ = forward  # type: ignore[attr-defined]  # its signature, for help()
    operation.primitive = prim  # type: ignore[attr-defined]
    operation.parameters = names  # type: ignore[attr-defined]
    return operation


def as_inputs(prim: Primitive, values: object) -> tuple[Any, ...]:
    """The inputs of an operation of many, from any iterable of them (a NumPy array too)."""
    if values.__class__ is list or values.__class__ is tuple:  # most calls: skip the ABC check
        return tuple(values)
    try:
        if isinstance(values, _NOT_ITERABLES):
            raise TypeError
        return tuple(values)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(
            f"{prim.name}() takes one iterable of numbers or Values, as sum does: "
            f"{prim.name}([a, b]); got {type(values).__name__!r}"
        ) from None


def _wrong_count(prim: Primitive, names: list[str], got: int) -> str:
    if prim.arity is None:
        return f"{prim.name}() takes one iterable of inputs, as sum does: {prim.name}([a, b])"
    most = f" and at most {len(names)} parameter(s)" if names else ""
    return f"{prim.name}() takes {prim.arity} input(s){most}, got {got}"


# -- registering -----------------------------------------------------------------------------

_BINARY_OPERATORS = {"+": "add", "-": "sub", "*": "mul", "/": "truediv"}
_UNARY_OPERATORS = {"-": "neg", "abs": "abs"}


def register(
    forward: Callable[..., float],
    derivative: Callable[..., Any],
    *,
    name: str = "",
    symbol: str = "",
    display: str = "",
    domain: Domain | None = None,
    reference: Callable[..., Any] | None = None,
    builtin: bool = False,
    code: Code | None = None,
    array: Code | bool = False,
    operator: str = "",
    method: bool = False,
    language: bool = False,
) -> Function:
    """Register an operation: every fact about it, stated in this one call.

    ``name`` (default: the forward's), ``symbol`` and ``display``: how diagrams show it.
    ``domain`` and ``reference``: for testing it (`autodiff.domains`; the reference, a plain
    float function of the same inputs, defaults to the forward). The built-in operations also
    state ``code``, the forward as an expression for generated code, the ``operator`` of Value
    it defines, whether it is a ``method`` of Value, and whether the command line's
    expression ``language`` offers it; and ``array``, its form for NumPy arrays, elementwise
    (True: the code form serves arrays too), for compiling over a batch.
    """
    _check_registration(forward, derivative, name, symbol, display, domain, reference)
    arity = _arity(forward)
    prim = Primitive(
        name or forward.__name__,
        forward if builtin else _checked_forward(forward, name or forward.__name__),
        derivative,
        arity,
        symbol=symbol or operator,  # an operator shows as itself: +, *, abs
        display=display,
        code=code,
        array=code if array is True else (array or None),
        domain=domain,
        reference=reference,
        language=language,
        method=method,
        builtin=builtin,
    )
    previous = _registry.get(prim.name)
    if previous is not None and previous.builtin:
        raise ValueError(
            f"cannot register {prim.name!r}: it is a built-in operation of autodiff, used by "
            "Value's methods and operators and by other rules; choose another name"
        )
    function: Function = _operation(prim, forward)
    _registry[prim.name], _operations[prim.name] = prim, function
    if operator:
        _attach_operator(prim, operator)
    if method:
        setattr(Value, prim.name, _method(function))
    return function


class _ManyInputs(Protocol):
    def __call__(self, *xs: float) -> float: ...


class Registration(Protocol):
    """What ``primitive(...)`` returns: it turns a forward into the registered operation."""

    @overload
    def __call__(self, forward: _ManyInputs) -> Variadic: ...  # type: ignore[overload-overlap]
    @overload
    def __call__(self, forward: Callable[[float], float]) -> Unary: ...
    @overload
    def __call__(self, forward: Callable[[float, float], float]) -> Binary: ...
    @overload
    def __call__(self, forward: Callable[..., float]) -> Any: ...  # keyword parameters


def primitive(
    derivative: Callable[..., Any],
    *,
    name: str = "",
    symbol: str = "",
    display: str = "",
    domain: Domain | None = None,
    reference: Callable[..., Any] | None = None,
) -> Registration:
    """Register an operation from its forward function (the decorated one) and its rule.

    The decorated function is replaced by one that takes Values or numbers: with at least one
    Value among its inputs it returns a Value that records the node; with numbers only it
    returns a float. An operation of any number of inputs (``def f(*xs)``) is called with one
    iterable of them, as ``sum`` is. See the module docstring for the rule's conventions;
    ``symbol`` is how diagrams show the operation (default: its name), ``display`` formats it
    with its parameters (default: ``name(key=value)``); ``domain`` and ``reference`` let
    `autodiff.testing` draw points for it and put it into random expressions. Registering a
    name again replaces your earlier registration (a notebook cell run twice); a built-in
    name is refused::

        @primitive(derivative=lambda x, out: 3 * x * x)
        def cube(x: float) -> float:
            return x**3
    """

    def decorate(forward: Callable[..., float]) -> Function:
        return register(
            forward,
            derivative,
            name=name,
            symbol=symbol,
            display=display,
            domain=domain,
            reference=reference,
        )

    return decorate  # type: ignore[return-value]


def _attach_operator(prim: Primitive, symbol: str) -> None:
    """Value's (and Symbol's) operator for prim: ``__add__`` and ``__radd__`` for "+"."""
    if prim.arity == 2:
        dunder = _BINARY_OPERATORS[symbol]

        # apply_binary returns NotImplemented for an operand it does not take, so that Python
        # tries the other operand's reflected operator (Undefined's, say).
        def forward_operator(self: Any, other: Any) -> Any:
            return apply_binary(prim, self, other)

        def reflected_operator(self: Any, other: Any) -> Any:
            return apply_binary(prim, other, self)

        for number_type in (Value, Symbol):
            setattr(number_type, f"__{dunder}__", forward_operator)
            setattr(number_type, f"__r{dunder}__", reflected_operator)
    else:

        def unary_operator(self: Any) -> Any:
            return apply_unary(prim, self)

        for number_type in (Value, Symbol):
            setattr(number_type, f"__{_UNARY_OPERATORS[symbol]}__", unary_operator)


def is_operand(x: object) -> bool:
    """Whether an operator of Value takes x: a Value, a Symbol or a real number."""
    kind = type(x)
    return (
        kind is float
        or kind is Value
        or kind is int
        or isinstance(x, Value | Symbol | numbers.Real)
    )


def _method(function: Any) -> Callable[..., Value]:
    """Value.<name>(params), micrograd style: the operation, applied to the Value."""
    prim = function.primitive

    if not function.parameters:

        def method(self: Value) -> Value:
            made: Value = apply_unary(prim, self)
            return made

    else:

        def method(self: Value, *params: Any, **named: Any) -> Value:  # type: ignore[misc]
            made: Value = function(self, *params, **named)
            return made

    method.__name__ = method.__qualname__ = prim.name
    method.__doc__ = function.__doc__
    return method


def _check_registration(  # noqa: PLR0917 -- register's own arguments, checked in one place
    forward: object,
    derivative: object,
    name: object,
    symbol: object,
    display: object,
    domain: object,
    reference: object,
) -> None:
    for argument, value in (("forward", forward), ("derivative", derivative)):
        if not callable(value):
            raise TypeError(f"primitive: the {argument} must be a function, got {value!r}")
    for argument, value in (("name", name), ("symbol", symbol), ("display", display)):
        if not isinstance(value, str):
            raise TypeError(f"primitive({argument}=...) needs a str, got {type(value).__name__!r}")
    if domain is not None and not isinstance(domain, Domain):
        raise TypeError(f"primitive(domain=...) needs an autodiff.Domain, got {domain!r}")
    if reference is not None and not callable(reference):
        raise TypeError(f"primitive(reference=...) needs a function, got {reference!r}")


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


def _keyword_parameters(forward: Callable[..., float]) -> list[inspect.Parameter]:
    """The constant parameters of a forward: its keyword-only ones."""
    parameters = inspect.signature(forward).parameters.values()
    return [p for p in parameters if p.kind is p.KEYWORD_ONLY]


def _checked_params(prim: Primitive, params: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters, each a constant of the type the forward declares for it."""
    if prim._declared is None:  # once per primitive: binding is on the path of x ** k
        forward = inspect.unwrap(prim.forward)
        keywords = {p.name: p for p in _keyword_parameters(forward)}
        prim._declared = keywords, typing.get_type_hints(forward)
    declared, hints = prim._declared
    unknown = set(params) - set(declared)
    if unknown:
        raise TypeError(f"{prim.name} has no parameter {', '.join(sorted(unknown))}")
    missing = [name for name, p in declared.items() if name not in params and p.default is p.empty]
    if missing:
        raise TypeError(f"{prim.name} needs the parameter {', '.join(missing)}")
    checked = dict(params)
    for key, value in params.items():
        if isinstance(value, Value):
            raise TypeError(f"{prim.name}({key}=...) is a constant: pass a number, not a Value")
        if hints.get(key) is float:
            checked[key] = as_float(value, f"{prim.name}({key}=...)")
            if not math.isfinite(checked[key]):
                raise ValueError(f"{prim.name}({key}=...) needs a finite number, got {value!r}")
        elif hints.get(key) is int and (not isinstance(value, int) or isinstance(value, bool)):
            raise TypeError(f"{prim.name}({key}=...) needs an int, got {type(value).__name__!r}")
    return checked


def _checked_forward(forward: Callable[..., Any], name: str) -> Callable[..., float]:
    """A user's forward, whose result is made a float, or refused if it is not a real number."""

    @functools.wraps(forward)
    def checked(*inputs: float, **params: Any) -> float:
        out = forward(*inputs, **params)
        if type(out) is float:
            return out
        if type(out) is not bool and isinstance(out, numbers.Real):
            return float(out)
        if isinstance(out, numbers.Complex):
            raise DomainError(f"{name}: the result at {_at(inputs)} is {out!r}, not a real number")
        raise TypeError(f"the forward of {name} must return a real number, got {out!r}")

    return checked


# -- the rule on floats and on Values ---------------------------------------------------------


def _call_rule(rule: Callable[..., Any], arity: int | None, inputs: Sequence[Any], out: Any) -> Any:
    if arity == 1:
        return rule(inputs[0], out)
    if arity == 2:
        return rule(inputs[0], inputs[1], out)
    return rule(list(inputs), out)


def _checked_shape(prim: Primitive, result: Any, n: int) -> tuple[Any, ...]:
    """The rule's result as one derivative per input, or a TypeError naming the primitive."""
    if prim.arity == 1:
        if not _is_derivative(result):
            raise TypeError(
                f"the derivative rule of {prim.name} must return one derivative (a number), "
                f"got {result!r}"
            )
        return (result,)
    if not isinstance(result, tuple | list) or len(result) != n:
        got = f"{len(result)} values" if isinstance(result, tuple | list) else repr(result)
        raise TypeError(
            f"the derivative rule of {prim.name} must return {n} derivatives, one per input, "
            f"got {got}"
        )
    bad = [d for d in result if not _is_derivative(d)]
    if bad:
        raise TypeError(f"the derivative rule of {prim.name} returned {bad[0]!r}, not a number")
    return tuple(result)


def _is_derivative(d: object) -> bool:
    return type(d) is not bool and isinstance(d, numbers.Real | Value | Symbol | Undefined)


def _compiled_rule(prim: Primitive) -> Callable[..., Any]:
    """The rule on floats, written out as code from Symbols and compiled (see the module
    docstring); for an operation of many inputs, once for each number of inputs it meets.
    A rule that cannot be written so (one calling math.sin, say) is called as it is. Either
    way a rule returning the wrong number of derivatives is refused at its first use."""
    if prim.arity is not None:
        return _written_rule(prim, prim.arity) or _checked_rule(prim)
    rules: dict[int, Callable[..., Any]] = {}

    # A built-in's rule is trusted (the tests check its every derivative): unchecked, it runs
    # at the speed of the old hand-written rules, for a dot of an L2 penalty every step.
    called_as_it_is = prim.derivative if prim.builtin else _checked_rule(prim)

    def by_number_of_inputs(xs: list[float], out: float) -> Any:
        rule = rules.get(len(xs))
        if rule is None:
            if len(xs) > _COMPILED_INPUTS:
                return called_as_it_is(xs, out)
            written = _written_rule(prim, len(xs))
            if written is None:  # not code: called as it is, for any number of inputs
                prim.float_derivative = called_as_it_is
                return called_as_it_is(xs, out)
            rule = rules[len(xs)] = written
        return rule(xs, out)

    by_number_of_inputs.rules = rules  # type: ignore[attr-defined]
    return by_number_of_inputs


def _written_rule(prim: Primitive, n: int) -> Callable[..., Any] | None:
    """The rule applied to n input Symbols, as a compiled function of the n inputs and the
    output; None if the rule cannot be written as code.

    Each derivative that can fail (1/y at y = 0) is computed in its own try block, so that
    the others still hold where it does not exist: ``x ** y`` at x < 0 keeps ∂/∂x.
    """
    program = Program()
    inputs = ["x", "y"][:n] if prim.arity is not None else [f"x{i}" for i in range(n)]
    symbols = [program.argument(name) for name in [*inputs, "out"]]
    try:
        result = _call_rule(prim.derivative, prim.arity, symbols[:-1], symbols[-1])
    except Exception:
        return None
    derivatives = [_as_float_literal(d) for d in _checked_shape(prim, result, n)]
    if prim.arity == 1:  # apply_unary's own try covers the one derivative
        return program.function("derivative", ["x", "out"], program.expression(derivatives[0]))
    program.namespace.update(_FAILURES=_FAILURES, _undefined=functools.partial(_undefined, prim))
    if prim.arity is None:  # called with the list of inputs, unpacked here (measured: faster)
        names, at, body = ["xs", "out"], "xs", [f"{', '.join(inputs)}, = xs"]
    else:
        names, at, body = [*inputs, "out"], f"({', '.join(inputs)},)", []
    needs = [program.statements_for([d]) for d in derivatives]
    shared = [line for line in program.lines if sum(line in need for need in needs) > 1]
    if shared:  # statements several derivatives need: if one fails, none exists
        undefined = ", ".join(f"_undefined({at})" for _ in derivatives)
        body += ["try:", *_indented(shared), "except _FAILURES:", f"    return ({undefined},)"]
    results = []
    for i, (d, need) in enumerate(zip(derivatives, needs)):
        own = [line for line in need if line not in shared]
        if not own:
            results.append(program.expression(d))
            continue
        name = program.fresh("d")
        body += ["try:", *_indented(own), f"    {name} = {program.expression(d)}"]
        body += ["except _FAILURES:", f"    {name} = _undefined({at}, {i})"]
        results.append(name)
    return program.function("derivative", names, f"({', '.join(results)},)", body)


def _indented(lines: list[str]) -> list[str]:
    return [f"    {line}" for line in lines]


def _as_float_literal(d: Any) -> Any:
    return float(d) if type(d) is int else d


def _checked_rule(prim: Primitive) -> Callable[..., Any]:
    """The rule itself, on floats, its results checked: for rules not compiled to code."""
    rule, arity = prim.derivative, prim.arity
    if arity == 1:

        def unary(x: float, out: float) -> Any:
            return _checked_shape(prim, rule(x, out), 1)[0]

        return unary
    if arity == 2:

        def binary(x: float, y: float, out: float) -> Any:
            return _checked_shape(prim, rule(x, y, out), 2)

        return binary

    def variadic(xs: list[float], out: float) -> Any:
        return _checked_shape(prim, rule(xs, out), len(xs))

    return variadic


# -- applying a primitive ---------------------------------------------------------------------
# One function per arity, so the common operations make a node with no more work than needed:
# these lines run for every operation of every graph.


def apply_unary(op: Primitive, x: Any) -> Any:
    """op(x): a node if x is a Value, a float if x is a number, a Symbol if x is one."""
    if type(x) is not Value and not isinstance(x, Value):
        return _not_on_values(op, (x,))
    a = x.data
    try:
        out = op.forward(a)
    except _FAILURES as error:
        raise _forward_error(op, (a,), error) from error
    if _recording.get() is not True:
        return _off_the_fast_path(op, (x,), out)
    try:
        da = op.float_derivative(a, out)
    except _FAILURES:
        da = _undefined(op, (a,))
    return _node(out, op, x, None, da, 0.0)


def apply_binary(op: Primitive, x: Any, y: Any) -> Any:
    """op(x, y): a node if either is a Value, a float if both are numbers (NotImplemented if
    one is a Value and the other not a number)."""
    if type(x) is not Value or type(y) is not Value:
        if not (isinstance(x, Value) or isinstance(y, Value)):
            return _not_on_values(op, (x, y))
        x, y = _operand(x, op), _operand(y, op)
        if x is None or y is None:
            return NotImplemented
    a, b = x.data, y.data
    try:
        out = op.forward(a, b)
    except _FAILURES as error:
        raise _forward_error(op, (a, b), error) from error
    if _recording.get() is not True:
        return _off_the_fast_path(op, (x, y), out)
    try:
        da, db = op.float_derivative(a, b, out)
    except _FAILURES:
        da = db = _undefined(op, (a, b))
    return _node(out, op, x, y, da, db)


def apply_variadic(op: Primitive, *xs: Any) -> Any:
    """op(*xs): a node if any input is a Value, a float if all are numbers (or there are none)."""
    data = [x.data for x in xs if x.__class__ is Value]  # reads and checks in one pass
    if len(data) != len(xs) or not xs:
        if not data and not any(isinstance(x, Value) for x in xs):
            return _not_on_values(op, xs)
        xs = tuple([x if x.__class__ is Value else _as_value(x, op) for x in xs])
        data = [x.data for x in xs]
    try:
        out = op.forward(*data)
    except _FAILURES as error:
        raise _forward_error(op, tuple(data), error) from error
    if _recording.get() is not True:
        return _off_the_fast_path(op, xs, out)
    try:
        partials = tuple(op.float_derivative(data, out))
    except _FAILURES:
        partials = (_undefined(op, tuple(data)),) * len(xs)
    return _node(out, op, xs, None, partials, 0.0)


APPLY: Mapping[int | None, Callable[..., Any]] = {
    1: apply_unary,
    2: apply_binary,
    None: apply_variadic,
}
"""The function that applies a primitive of each arity."""


def _not_on_values(op: Primitive, inputs: Sequence[Any]) -> Any:
    """op on inputs none of which is a Value: code if any is a Symbol, else a float."""
    for x in inputs:
        if isinstance(x, Symbol):
            return x.program.apply(op, inputs)
    numbers_ = [as_float(x, op.name) for x in inputs]
    try:
        return op.forward(*numbers_)
    except _FAILURES as error:
        raise _forward_error(op, tuple(numbers_), error) from error


def _node(out: float, op: Primitive, x: Any, y: Value | None, dx: Any, dy: Any) -> Value:  # noqa: PLR0917 -- called for every operation: keywords cost time
    """A new node: its value, its operation, its inputs and their local derivatives.

    One or two inputs are kept inline (y is None for one); more are a tuple in x, with a
    tuple of derivatives in dx (see Value's slots).
    """
    node = _new(Value)
    node.data = out
    node.grad = 0.0
    node.label = ""
    node._prim = op
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
    node._prim = None
    return node


def _off_the_fast_path(op: Primitive, inputs: tuple[Value, ...], out: float) -> Value:
    """op's result where recording is off (a leaf), or where a compiler's tracer listens."""
    state = _recording.get()
    if isinstance(state, bool):  # False: True takes the fast path
        return _leaf(out)
    if not state:  # off, while a function is traced: a leaf that the tracer can compute
        return state.tracer.detached(_leaf(out), op, inputs)  # type: ignore[no-any-return]
    token = _recording.set(True)  # the node made exactly as where no tracer listens
    try:
        node = APPLY[op.arity](op, *inputs)
    finally:
        _recording.reset(token)
    return state.tracer.made(node)  # type: ignore[no-any-return]


class _ConstantLabel(str):
    """The label of a leaf made from a number operand (the 2 of x * 2): empty, as any
    unlabelled leaf's, and recognisable by identity (a compiler writes it as a number)."""

    __slots__ = ()


CONSTANT = _ConstantLabel()


def _constant(x: float) -> Value:
    node = _new(Value)
    node.data = x
    node.grad = 0.0
    node.label = CONSTANT
    node._prim = None
    return node


def _operand(x: object, op: Primitive) -> Value | None:
    """x itself if it is a Value, a constant leaf if it is a number, else None."""
    if type(x) is float:
        return _constant(x)
    if isinstance(x, Value):
        return x
    if isinstance(x, numbers.Real):
        return _constant(as_float(x, op.name))  # an int too large for a float: named
    return None


def _as_value(x: object, op: Primitive) -> Value:
    """x itself if it is a Value, else a constant leaf holding the number x."""
    if type(x) is float:
        return _constant(x)
    if isinstance(x, Value):
        return x
    return _constant(as_float(x, op.name))


def _at(inputs: Sequence[float]) -> str:
    if len(inputs) <= 2:
        return ", ".join(f"{name} = {x!r}" for name, x in zip("xy", inputs))
    return f"inputs {list(inputs)!r}"


def _heard(error: BaseException) -> None:
    """Tell a listening tracer of a failure (the function being traced may catch it)."""
    state = _recording.get()
    if state is not True and state is not False:
        state.tracer.failed(error)


def _forward_error(op: Primitive, inputs: Sequence[float], error: Exception) -> Exception:
    """An error inside a primitive's forward, restated with the primitive's name."""
    _heard(error)
    if isinstance(error, DomainError) or not inputs:
        return error  # names the operation and the value already, or there is no value
    if isinstance(error, OverflowError):
        return OverflowError(f"{op.label}: the result at {_at(inputs)} is too large for a float")
    return DomainError(f"{op.label} is not defined at {_at(inputs)} ({error})")


def _undefined(op: Primitive, inputs: Sequence[float], which: int | None = None) -> Undefined:
    """An edge's derivative that does not exist at these inputs (``which``: of one input)."""
    respect = ""
    if which is not None:
        respect = f" with respect to {'xy'[which] if len(inputs) <= 2 else f'input {which}'}"
    return Undefined(
        f"{op.label}: the derivative{respect} at {_at(inputs)} does not exist as a finite "
        "real number"
    )
