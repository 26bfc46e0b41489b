"""Primitives: an operation's forward function and its local-derivative rule, registered once;
and what applying one does.

Applied to Values, a primitive computes its forward on their numbers and, at once, its rule:
the local derivative of its output with respect to each input. It records both in a new node,
the edge weights of the influence diagram. The rule has four readers, and is written once:

- floats: the derivatives recorded on each new node;
- Values: derivatives of derivatives (``create_graph``, ``grad(grad(f))``) apply the very same
  rule to Values, building the graph of the derivative;
- code: applied to `autodiff.code.Symbol`s, the rule writes itself out as Python, which is how
  the compiler writes a traced graph's backward pass;
- maths: the same statements printed as a formula, ``∂y/∂x = 1 − y²`` (`autodiff.formulas`),
  for diagrams, Jupyter and the documentation.

So a rule uses arithmetic and the registered operations only, and never branches in Python
on a value: a case split is itself an operation (``step``, ``sign``), recomputed at each point.

Conventions, for an operation with one input, two inputs, or any number of them::

    forward(x) -> out                 rule(x, out) -> ∂out/∂x
    forward(x, y) -> out              rule(x, y, out) -> (∂out/∂x, ∂out/∂y)
    forward(*xs) -> out               rule(xs, out) -> one ∂out/∂x_i per input

Keyword-only parameters of the forward (``slope`` of leaky_relu) are constants, not inputs:
the rule receives them by keyword too, and the node remembers them. Where a derivative does not
exist the rule may fail (1/0) or return an ``Undefined``: the edge keeps an Undefined, and only
a nonzero gradient crossing it is an error.
"""

from __future__ import annotations

import functools
import inspect
import numbers
import typing
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import Any, Protocol

from autodiff.checks import as_finite, as_float
from autodiff.code import BranchOnSymbolError, Names, Program, Symbol, read_code_form
from autodiff.domains import Domain
from autodiff.errors import DomainError, Undefined
from autodiff.grad_mode import RECORDING, tracer
from autodiff.value import Value

Code = str | Callable[..., str | None]
"""A primitive's code form: a format string of {x}, {y} or {xs} and its params, or a function
of the inputs' expressions (a list of str) and its params, returning the expression."""


class Operation(Protocol):
    """What a registration returns: the function that applies an operation (a Value among
    its inputs gives a Value; numbers only, a float), carrying what it applies."""

    primitive: Primitive
    parameters: list[str]  # its constant parameters, which may follow its inputs
    vector: bool  # one output per input (softmax): a list

    def __call__(self, *args: Any, **params: Any) -> Any: ...


_registry: dict[str, Primitive] = {}
PRIMITIVES: Mapping[str, Primitive] = MappingProxyType(_registry)
"""Every registered primitive by name, built-in and user-defined."""
_operations: dict[str, Operation] = {}
OPERATIONS: Mapping[str, Operation] = MappingProxyType(_operations)
"""Every registered operation by name, as it is called: the function a registration made."""
_FAILURES = (ArithmeticError, ValueError)  # a number outside a domain (DomainError included)
_BOUND_KEPT = 256  # distinct parameter sets kept per primitive (x**2, x**0.5, ...)


class Primitive:
    """An operation: its name, forward function on floats and local-derivative rule, and what
    the project's tooling knows of it (see `primitive`)."""

    __slots__ = (
        "_array",
        "_bound",
        "_code",
        "_each",
        "apply",
        "arity",
        "builtin",
        "derivative",
        "display",
        "domain",
        "float_rule",
        "forward",
        "language",
        "name",
        "on_arrays",
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
        code: Code | bool | None = None,
        array: Code | bool | None = None,
        domain: Domain | None = None,
        reference: Callable[..., Any] | None = None,
        language: bool = False,
        builtin: bool = False,
    ) -> None:
        self.name = name
        self.symbol = symbol or name
        self.display = display  # how to show the parameters, e.g. "**{exponent:g}"
        self.forward = forward
        self.derivative = derivative
        self.arity = arity  # 1, 2, or None for any number of inputs
        self.params: Mapping[str, Any] = params or {}
        self._code = code  # None: read off the forward, when first asked; False: none
        # A built-in's array form is code (None: its code form, if it serves arrays; False:
        # none); a user's is a function on NumPy arrays, called by reference (on_arrays).
        self._array = array if builtin else False
        self.on_arrays = array if callable(array) and not builtin else None
        self.domain = domain
        self.reference = reference or forward  # plain-math, for random expressions
        self.language = language  # offered by the command line's expression language
        self.builtin = builtin
        self._bound: dict[Any, Primitive] = {}
        self._each: dict[int, list[Callable[..., Any]] | None] = {}
        # The rule on floats, for a built-in of one or two inputs: written as code from the
        # rule itself when first used (relu's step(x) runs as `1.0 if x > 0.0 else 0.0`).
        self.float_rule: Callable[..., Any] = self._first_float_rule
        # op.apply(*inputs): op applied to Values (a node), numbers (a float) or Symbols.
        self.apply = _applier(self)

    @property
    def code(self) -> Code | None:
        """The forward as a Python expression: a format string of {x}, {y} or {xs}, the params
        and the functions of `autodiff.code.FLOAT_NAMES`; or a function writing it from the
        inputs' expressions (and params). None for a user's primitive (called by reference:
        generated code holds no text a user gave), and for a built-in without one."""
        if self._code is None:
            self._code = (self.builtin and read_code_form(self.forward)) or False
        return None if isinstance(self._code, bool) else self._code

    @property
    def array(self) -> Code | None:
        """The same for NumPy arrays, elementwise (a batch, or a layer's rows): by default the
        code form, which serves arrays too unless it branches (``a if c else b``)."""
        if self._array is None:
            code = self.code
            self._array = code if callable(code) or (code and " if " not in code) else False
        return None if isinstance(self._array, bool) else self._array

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
        try:
            key = tuple(sorted((name, type(value), value) for name, value in params.items()))
            return self._bound[key]
        except KeyError:
            pass
        except TypeError:  # an unhashable parameter: bind it, just do not keep it
            return self._bound_to(params)
        bound = self._bound_to(params)
        if len(self._bound) < _BOUND_KEPT:
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
            display=self.display,
            params=checked,
            code=self.code or False,
            array=(self.array or False)
            if self.builtin
            else (self.on_arrays and functools.partial(self.on_arrays, **checked)),
            domain=self.domain,
            reference=functools.partial(self.reference, **checked),
            language=self.language,
            builtin=self.builtin,
        )

    def local_derivatives(self, inputs: Sequence[Any], out: Any) -> tuple[Any, ...]:
        """The rule at these inputs and output (floats, Values or Symbols): one derivative per
        input, in the rule's calling convention (see the module docstring)."""
        if self.arity == 1:
            result = (self.derivative(inputs[0], out),)
        elif self.arity == 2:
            result = self.derivative(inputs[0], inputs[1], out)
        else:
            result = self.derivative(list(inputs), out)
        return result if self.builtin else _checked_shape(self, result, len(inputs))

    def on_values(self, inputs: Sequence[Value], out: Value) -> tuple[Any, ...]:
        """The rule applied to Values: one derivative per input, each with a graph of its own
        (derivatives of derivatives). Where the rule fails, every edge is Undefined there."""
        try:
            return self.local_derivatives(inputs, out)
        except _FAILURES as error:
            _heard(error)  # a case of the values: a compiler cannot write it as code
            return (self.undefined([x.data for x in inputs], cause=error),) * len(inputs)
        except TypeError as error:
            raise TypeError(
                f"the derivative rule of {self.name} cannot be applied to Values, which "
                f"derivatives of derivatives need ({error}); write it with autodiff's "
                "operations (autodiff.sin, not math.sin)"
            ) from error

    @property
    def rule_code(self) -> str | None:
        """The rule written out as Python by applying it to Symbols (its code reader), as it
        runs on floats for a built-in of one or two inputs; None if it is not code (it
        branches on a value, or calls math)."""
        written = _written(self, self.arity or 2)
        return None if written is None else written.__source__  # type: ignore[attr-defined]

    def _first_float_rule(self, *args: float) -> Any:
        self.float_rule = _written(self, self.arity or 0) or self.derivative
        return self.float_rule(*args)

    def one_by_one(self, data: Sequence[float], out: float, cause: Exception) -> tuple[Any, ...]:
        """The derivatives where the rule raised ``cause``: each computed alone, from the rule
        written as code, so that one that does not exist leaves the others (x ** y at x < 0
        keeps ∂/∂x). A rule that cannot be written as code gives an Undefined for each."""
        if len(data) not in self._each:
            written = [_written(self, len(data), i) for i in range(len(data))]
            self._each[len(data)] = [w for w in written if w is not None] or None
        each = self._each[len(data)]
        if each is None or len(each) != len(data):
            return (self.undefined(data, cause=cause),) * len(data)
        partials: list[Any] = []
        for i, derivative in enumerate(each):
            try:
                partials.append(derivative(*data, out))
            except _FAILURES as error:
                partials.append(self.undefined(data, i, cause=error))
        return tuple(partials)

    def undefined(
        self, data: Sequence[float], which: int | None = None, *, cause: Exception
    ) -> Undefined:
        """An edge's derivative where the rule raised ``cause`` at these inputs (``which``: of
        one input). An overflow is told apart: there the derivative is a finite number, and
        the rule's formula is what fails (exp(x)/(1 + exp(x))² at x = 710); a division by zero
        or a value outside a domain means the derivative itself does not exist (a pole)."""
        respect = ""
        if which is not None:
            respect = f" with respect to {'xy'[which] if len(data) <= 2 else f'input {which}'}"
        if isinstance(cause, OverflowError):
            message = (
                f"{self.label}: the derivative{respect} at {_at(data)} is a finite number, but "
                f"the rule's formula overflows computing it ({cause}; write the rule in a "
                "stable form, in terms of out, say)"
            )
        else:
            message = (
                f"{self.label}: the derivative{respect} at {_at(data)} does not exist as a "
                f"finite real number ({cause})"
            )
        return Undefined(message, cause=_kept(cause))


# -- applying a primitive ------------------------------------------------------------------------
# Each primitive carries its own `apply`, a function made for its number of inputs, so that the
# common operations make a node with no more work than needed: these lines run for every
# operation of every graph. (`x * y` runs Value.__mul__, mul's apply, its forward, its rule,
# _node: nothing else.)

_new = object.__new__


def _applier(op: Primitive) -> Callable[..., Any]:  # noqa: PLR0915 -- each arity's applier inline: calls cost time here
    """The function that applies op: to Values, a new node, its derivatives computed at once
    (a number beside them a constant leaf, see `_operand`); to numbers only, a float; to
    Symbols, code (see `_not_all_values`)."""
    builtin = op.builtin  # a built-in rule's result is trusted; a user's is checked

    def apply_unary(x: Any) -> Any:
        if type(x) is not Value:
            if type(x) is float:  # a rule's case split (relu's step(x)), on floats
                try:
                    return op.forward(x)
                except _FAILURES as error:
                    raise _forward_error(op, (x,), error) from error
            if not isinstance(x, Value):
                return _not_all_values(op, (x,))
        a = x.data
        try:
            out = op.forward(a)
        except _FAILURES as error:
            raise _forward_error(op, (a,), error) from error
        if RECORDING.get() is not True:
            return _unrecorded(op, (x,), out)
        try:
            d = op.float_rule(a, out) if builtin else op.local_derivatives((a,), out)[0]
        except _FAILURES as error:
            d = op.undefined((a,), cause=error)
        return _node(out, op, x, None, d, 0.0)

    def apply_binary(x: Any, y: Any) -> Any:
        if type(x) is not Value or type(y) is not Value:
            if type(x) is float and type(y) is float:
                try:
                    return op.forward(x, y)
                except _FAILURES as error:
                    raise _forward_error(op, (x, y), error) from error
            if not (isinstance(x, Value) or isinstance(y, Value)):
                return _not_all_values(op, (x, y))
            inputs = (x, y)  # a number beside a Value (1 - y): a constant leaf
            x, y = _operand(x, op, inputs), _operand(y, op, inputs)
        a, b = x.data, y.data
        try:
            out = op.forward(a, b)
        except _FAILURES as error:
            raise _forward_error(op, (a, b), error) from error
        if RECORDING.get() is not True:
            return _unrecorded(op, (x, y), out)
        try:
            da, db = op.float_rule(a, b, out) if builtin else op.local_derivatives((a, b), out)
        except _FAILURES as error:
            da, db = op.one_by_one((a, b), out, error)
        return _node(out, op, x, y, da, db)

    def apply_many(*xs: Any) -> Any:
        data = [x.data for x in xs if x.__class__ is Value]  # reads and checks in one pass
        if len(data) != len(xs) or not xs:
            if not data and not any(isinstance(x, Value) for x in xs):
                return _not_all_values(op, xs)
            xs = tuple([x if x.__class__ is Value else _operand(x, op, xs) for x in xs])
            data = [x.data for x in xs]
        try:
            out = op.forward(*data)
        except _FAILURES as error:
            raise _forward_error(op, data, error) from error
        if RECORDING.get() is not True:
            return _unrecorded(op, xs, out)
        try:
            partials = (
                tuple(op.derivative(data, out)) if builtin else op.local_derivatives(data, out)
            )
        except _FAILURES as error:
            partials = op.one_by_one(data, out, error)
        return _node(out, op, xs, None, partials, 0.0)

    appliers: dict[int | None, Callable[..., Any]] = {
        1: apply_unary,
        2: apply_binary,
        None: apply_many,
    }
    return appliers[op.arity]


def _node(out: float, op: Primitive, x: Any, y: Value | None, dx: Any, dy: Any) -> Value:  # noqa: PLR0917 -- called for every operation: keywords cost time
    """A new node: its value, its operation, its inputs and their local derivatives (see
    Value's slots: one or two inputs inline, more as tuples in x and dx)."""
    node = _new(Value)
    node.data = out
    node.grad = 0.0
    node.label = ""
    node._primitive = op
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
    node._primitive = None
    return node


def _unrecorded(op: Primitive, inputs: tuple[Value, ...], out: float) -> Value:
    """op's result where recording is off (a leaf), or where a compiler's tracer listens."""
    state = RECORDING.get()
    if state is False:
        return _leaf(out)
    if not state:  # off, while a function is traced: a leaf, which the tracer can compute
        return state.tracer.detached(_leaf(out), op, inputs)  # type: ignore[no-any-return]
    token = RECORDING.set(True)  # the node made exactly as where no tracer listens
    try:
        node = op.apply(*inputs)
    finally:
        RECORDING.reset(token)
    return state.tracer.made(node)  # type: ignore[union-attr, no-any-return]


def _not_all_values(op: Primitive, inputs: Sequence[Any]) -> Any:
    """op on inputs none of which is a Value: code if a Symbol is among them, else a float."""
    for x in inputs:
        if isinstance(x, Symbol):
            return x.program.apply(op, inputs)
    numbers_ = [as_float(x, op.name) for x in inputs]
    try:
        return op.forward(*numbers_)
    except _FAILURES as error:
        raise _forward_error(op, numbers_, error) from error


def _operand(x: object, op: Primitive, inputs: Sequence[Any]) -> Value:
    """An input of op beside Values: itself if a Value; a number as a constant leaf (the 2
    of x * 2). The common cases, a Value, a float or an int, are tested first: this runs for
    every number a user's code mixes with Values (micrograd's 1 - y * score, per sample)."""
    if type(x) is Value:
        return x
    if type(x) is not float and type(x) is not int:
        if isinstance(x, Value):
            return x
        if op.arity == 2 and not isinstance(x, numbers.Real):
            kinds = " and ".join(repr(type(x).__name__) for x in inputs)
            raise TypeError(f"unsupported operand type(s) for {op.symbol}: {kinds}")
    leaf = _leaf(x if type(x) is float else as_float(x, op.name))
    listening = tracer()
    if listening is not None:
        listening.constant(leaf)
    return leaf


def _at(inputs: Sequence[float]) -> str:
    if len(inputs) <= 2:
        return ", ".join(f"{name} = {x!r}" for name, x in zip("xy", inputs))
    return f"inputs {list(inputs)!r}"


def _heard(error: BaseException) -> None:
    """Tell a listening tracer of a failure (the function being traced may catch it)."""
    listening = tracer()
    if listening is not None:
        listening.failed(error)


def _forward_error(op: Primitive, inputs: Sequence[float], error: Exception) -> Exception:
    """An error inside a primitive's forward, restated with the primitive's name."""
    _heard(error)
    if isinstance(error, DomainError) or not inputs:
        return error  # names the operation and the value already, or there is no value
    if isinstance(error, OverflowError):
        return OverflowError(f"{op.label}: the result at {_at(inputs)} is too large for a float")
    return DomainError(f"{op.label} is not defined at {_at(inputs)} ({error})")


def _kept(error: Exception) -> Exception:
    """error, to keep as the cause of an edge's failure: its traceback from the rule on (not
    the frame that caught it, which holds the edge: no reference cycle), the rule's
    variables let go."""
    caught = error.__traceback__
    if caught is not None:
        import traceback  # noqa: PLC0415 -- only on this error path: import autodiff stays lean

        traceback.clear_frames(caught.tb_next)
        error.__traceback__ = caught.tb_next
    return error


_FORMS = {
    1: ("rule(x, out)", "∂out/∂x"),
    2: ("rule(x, y, out)", "(∂out/∂x, ∂out/∂y)"),
    None: ("rule(xs, out)", "a list of ∂out/∂x_i, one per input"),
}
"""A rule's form for a forward of one input, two, or any number, and what it returns."""


def _form(arity: int | None, keywords: Sequence[str] = ()) -> str:
    call, returns = _FORMS[arity]
    if keywords:
        call = f"{call[:-1]}, *, {', '.join(keywords)})"
    return f"{call} -> {returns}"


def _checked_shape(prim: Primitive, result: Any, n: int) -> tuple[Any, ...]:
    """A user's rule's result as one derivative per input, or a TypeError naming the
    primitive, what the rule returned and the form it must have."""
    many = isinstance(result, tuple | list)
    if prim.arity == 1:
        result = result[0]
        many = isinstance(result, tuple | list)
    counted = len(result) if many else 1
    if counted != n or (prim.arity == 1 and many):
        got = f"{counted} value{'s' * (counted != 1)}" if many else f"one ({_shown(result)})"
        inputs = "one input" if n == 1 else f"{n} inputs"
        raise TypeError(
            f"the derivative rule of {prim.name} returned {got}, but {prim.name} has "
            f"{inputs}: a rule is {_form(prim.arity)}"
        )
    derivatives = (result,) if prim.arity == 1 else tuple(result)
    bad = [d for d in derivatives if not _is_derivative(d)]
    if bad:
        raise TypeError(
            f"the derivative rule of {prim.name} returned {_shown(bad[0])}, not a number: "
            f"a rule is {_form(prim.arity)}"
        )
    return derivatives


def _shown(x: object) -> str:
    """A rule's result as a user knows it (a Symbol is the rule being written as code)."""
    return "an expression" if isinstance(x, Symbol) else repr(x)


def _is_derivative(d: object) -> bool:
    return type(d) is not bool and isinstance(d, numbers.Real | Value | Symbol | Undefined)


def _written(prim: Primitive, n: int, which: int | None = None) -> Callable[..., Any] | None:
    """prim's rule for n inputs as a compiled function of the inputs and the output, written
    from the rule applied to Symbols: returning the derivatives as the rule does, or only the
    one ``which``; None if the rule cannot be written as code (it branches, or calls math)."""
    program = Program()
    parameters = (["x", "y"] if n <= 2 else [f"x{i}" for i in range(n)])[:n]
    inputs = [program.argument(name) for name in parameters]
    try:
        derivatives = prim.local_derivatives(inputs, program.argument("out"))
    except (BranchOnSymbolError, TypeError, *_FAILURES):
        return None
    results = derivatives if which is None else [derivatives[which]]
    needed: set[str] = set()
    for d in results:
        needed |= _needed(program, d)
    program.lines = [s for s in program.lines if s.target in needed]  # type: ignore[union-attr]
    names = Names()
    body = program.source(program.inlined(names, results), names)
    texts = [names.bare(d, program.text(d, names)) for d in results]
    returned = texts[0] if n == 1 or which is not None else f"({', '.join(texts)},)"
    return program.function("rule", [*parameters, "out"], [*body, f"    return {returned}"])


def _needed(program: Program, result: object) -> set[str]:
    """The targets of the statements result needs (a rule's lines are all statements)."""
    uses = {s.target: s.args for s in program.lines}  # type: ignore[union-attr]
    needed: set[str] = set()
    pending = [result.name] if isinstance(result, Symbol) else []
    while pending:
        name = pending.pop()
        if name in uses and name not in needed:
            needed.add(name)
            pending += [x.name for x in uses[name] if isinstance(x, Symbol)]
    return needed


# -- registering ---------------------------------------------------------------------------------


def primitive(
    derivative: Callable[..., Any],
    *,
    name: str = "",
    symbol: str = "",
    display: str = "",
    domain: Domain | None = None,
    reference: Callable[..., Any] | None = None,
    code: Code | bool | None = None,
    array: Code | bool | None = None,
    language: bool = False,
    inputs: Callable[..., Sequence[Any]] | None = None,
    vector: bool = False,
    builtin: bool = False,
) -> Callable[[Callable[..., float]], Operation]:
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

    ``array``: the forward on NumPy arrays, elementwise (``np.arctan`` for an atan), which
    ``compile(..., vectorize=True)`` calls on a whole batch; without it, a batch through the
    operation runs sample by sample, with a warning.

    The built-in operations (`autodiff.ops`) may state more: ``code``, the forward as an
    expression for generated code where it cannot be read off the forward (False: none), and
    ``array`` as code, for NumPy arrays elementwise where the code form does not serve; whether
    the command line's expression ``language`` offers it;
    ``inputs``, how the operation's arguments become its inputs (dot's weights, inputs and
    bias); ``vector``, an operation with one output per input (softmax), one node each.
    """
    _check_registration(derivative, {"name": name, "symbol": symbol, "display": display})
    if domain is not None and not isinstance(domain, Domain):
        raise TypeError(f"primitive(domain=...) needs an autodiff.Domain, got {domain!r}")
    if reference is not None and not callable(reference):
        raise TypeError(f"primitive(reference=...) needs a function, got {reference!r}")
    if not builtin and array is not None and not callable(array):
        raise TypeError(
            "primitive(array=...) needs the forward as a function on NumPy arrays, elementwise "
            f"(np.arctan for atan), got {array!r}"
        )

    def register(forward: Callable[..., float]) -> Operation:
        if not callable(forward):
            raise TypeError(f"primitive: the forward must be a function, got {forward!r}")
        called = name or forward.__name__
        if not builtin:  # ours are tested; checking 33 rules would slow import autodiff
            _check_rule(derivative, forward, called)
        prim = Primitive(
            called,
            forward if builtin else _checked_forward(forward, called),
            derivative,
            _arity(forward),
            symbol=symbol,
            display=display,
            code=code,
            array=array,
            domain=domain,
            reference=reference,
            language=language,
            builtin=builtin,
        )
        previous = _registry.get(called)
        if previous is not None and previous.builtin:
            raise ValueError(
                f"cannot register {called!r}: it is a built-in operation of autodiff, used by "
                "Value's methods and operators and by other rules; choose another name"
            )
        operation = _operation(prim, forward, inputs, vector)
        _registry[called], _operations[called] = prim, operation
        return operation

    return register


def _operation(
    prim: Primitive,
    forward: Callable[..., float],
    inputs: Callable[..., Sequence[Any]] | None,
    vector: bool,
) -> Operation:
    """The function that applies prim: to Values, a node; to numbers only, a float."""
    keywords = _keyword_parameters(forward)
    names = [p.name for p in keywords if not (vector and p.name == "index")]
    defaults = {p.name: p.default for p in keywords if p.default is not p.empty}

    def bound(args: tuple[Any, ...], n: int, params: dict[str, Any]) -> Primitive:
        """prim with its parameters: by keyword, by position after its n inputs
        (``leaky_relu(x, 0.2)``), or their defaults; one without a default is required."""
        extra = args[n:]
        if len(extra) > len(names):
            most = f" and at most {len(names)} parameter(s)" if names else ""
            raise TypeError(f"{prim.name}() takes {n} input(s){most}, got {len(args)}")
        return prim.bind({**defaults, **dict(zip(names, extra)), **params})

    operation: Callable[..., Any]
    if vector:  # one node per output: output i is the primitive with index i

        def operation(values: Any, /) -> Any:
            xs = _inputs_of(prim, values)
            if not xs:
                raise ValueError(f"{prim.name} needs at least one value")
            return [prim.bind({"index": i}).apply(*xs) for i in range(len(xs))]

    elif inputs is not None:  # the inputs, from the operation's own arguments

        def operation(*args: Any) -> Any:
            return prim.apply(*inputs(*args))

        operation.__signature__ = inspect.signature(inputs)  # type: ignore[attr-defined]
    elif prim.arity is None:

        def operation(values: Any, /) -> Any:
            return prim.apply(*_inputs_of(prim, values))

    elif keywords:

        def operation(*args: Any, **params: Any) -> Any:
            n = prim.arity or 1
            if len(args) < n:
                raise TypeError(f"{prim.name}() takes {n} input(s), got {len(args)}")
            return bound(args, n, params).apply(*args[:n])

    else:  # the common case: the primitive's own apply, with nothing in between
        operation = prim.apply

    operation.__name__ = operation.__qualname__ = prim.name
    operation.__doc__, operation.__module__ = forward.__doc__, forward.__module__
    if inputs is None and not vector and prim.arity is not None:  # it takes forward's arguments
        operation.__wrapped__ = forward  # type: ignore[attr-defined]  # its signature, for help()
    operation.primitive = prim  # type: ignore[attr-defined]
    operation.parameters = names  # type: ignore[attr-defined]
    operation.vector = vector  # type: ignore[attr-defined]
    return operation  # type: ignore[return-value]


_NOT_ITERABLES = (
    Value,
    numbers.Number,
    str,
    Symbol,
)  # an operation of many inputs takes none alone


def _inputs_of(prim: Primitive, values: object) -> tuple[Any, ...]:
    """The inputs of an operation of many, from any iterable of them (a NumPy array too)."""
    if values.__class__ is list or values.__class__ is tuple:  # most calls: skip the ABC check
        return tuple(values)
    try:
        if isinstance(values, _NOT_ITERABLES):
            raise TypeError
        return tuple(values)  # type: ignore[arg-type]
    except TypeError:  # not iterable (a NumPy array of no dimension neither)
        raise TypeError(
            f"{prim.name}() takes one iterable of numbers or Values, as sum does: "
            f"{prim.name}([a, b]); got {type(values).__name__!r}"
        ) from None


def _check_registration(derivative: object, texts: dict[str, object]) -> None:
    if not callable(derivative):
        raise TypeError(f"primitive: the derivative must be a function, got {derivative!r}")
    for argument, value in texts.items():
        if not isinstance(value, str):
            raise TypeError(f"primitive({argument}=...) needs a str, got {type(value).__name__!r}")


def _check_rule(derivative: Callable[..., Any], forward: Callable[..., float], name: str) -> None:
    """The rule can be called as the forward's form says (`_FORMS`), with the forward's
    constant parameters by keyword: else a TypeError now, naming the form, rather than at the
    rule's first use."""
    try:
        signature = inspect.signature(derivative)
    except (TypeError, ValueError):  # a function of C without one: it is called as it is
        return
    arity = _arity(forward)
    keywords = [p.name for p in _keyword_parameters(forward)]
    try:
        signature.bind(*[None] * (3 if arity == 2 else 2), **dict.fromkeys(keywords))
    except TypeError as error:
        rule = getattr(derivative, "__name__", "the rule")
        raise TypeError(
            f"primitive {name!r}: its derivative rule must be {_form(arity, keywords)}, a "
            f"function of the {'inputs' if arity != 1 else 'input'} and the output"
            f"{' and the constant parameters' if keywords else ''}; {rule}{signature} "
            f"cannot be called so ({error})"
        ) from None


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


@functools.cache
def _declared(forward: Callable[..., float]) -> tuple[dict[str, inspect.Parameter], dict[str, Any]]:
    """A forward's constant parameters by name, and its type hints (both read through the
    wrapper a user's forward gets: functools.wraps keeps its signature and annotations)."""
    return {p.name: p for p in _keyword_parameters(forward)}, typing.get_type_hints(forward)


def _checked_params(prim: Primitive, params: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters, each a constant of the type the forward declares for it."""
    declared, hints = _declared(prim.forward)
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
            checked[key] = as_finite(value, f"{prim.name}({key}=...)")
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
