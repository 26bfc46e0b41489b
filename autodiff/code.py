"""Writing the engine's operations as Python source: the third reader of every rule.

A Symbol stands for a number in a program being written. Applying an operation to Symbols
(``a * b``, ``autodiff.tanh(a)``) writes one statement, ``t3 = math.tanh(t2)``, and gives the
Symbol of its result. So a derivative rule applied to Symbols writes itself out as code: once
per primitive, to compute its derivatives on floats fast (`autodiff.primitives`), and for whole
graphs when they are compiled.

A built-in operation is written from its code form (``math.tanh({x})``); any other is called by
reference, its function held in the program's namespace. The source holds only names made
here, code forms of the engine's own operations and numbers written with ``repr``: never a
label or any other text a user gave.
"""

from __future__ import annotations

import itertools
import linecache
import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from autodiff.primitives import Primitive

_programs = itertools.count()


class NoArrayFormError(TypeError):
    """An operation met a batch of numbers (a NumPy array) but has no form for arrays."""


class BranchOnSymbolError(TypeError):
    """A rule asked for the truth of a number that is not known while its code is written."""


class Symbol:
    """A number in a program being written: its name there."""

    __slots__ = ("name", "program")

    def __init__(self, program: Program, name: str) -> None:
        self.program = program
        self.name = name

    def __repr__(self) -> str:
        return f"Symbol({self.name})"

    def __bool__(self) -> bool:
        raise BranchOnSymbolError(_NO_BRANCH)

    def _compare(self, other: object) -> bool:
        raise BranchOnSymbolError(_NO_BRANCH)

    __lt__ = __le__ = __gt__ = __ge__ = __eq__ = __ne__ = _compare
    __hash__ = object.__hash__

    def __pos__(self) -> Symbol:
        return self

    if TYPE_CHECKING:  # attached by the registrations in autodiff.ops, as on Value

        def __add__(self, other: object) -> Symbol: ...
        def __radd__(self, other: object) -> Symbol: ...
        def __sub__(self, other: object) -> Symbol: ...
        def __rsub__(self, other: object) -> Symbol: ...
        def __mul__(self, other: object) -> Symbol: ...
        def __rmul__(self, other: object) -> Symbol: ...
        def __truediv__(self, other: object) -> Symbol: ...
        def __rtruediv__(self, other: object) -> Symbol: ...
        def __pow__(self, other: object) -> Symbol: ...
        def __rpow__(self, other: object) -> Symbol: ...
        def __neg__(self) -> Symbol: ...


_NO_BRANCH = (
    "a derivative rule must not branch on a value (if x > 0: ...): its case split is an "
    "operation, such as autodiff.step or autodiff.sign, so that it is recomputed at every point"
)


class Program:
    """The statements of a function being written, and the namespace they run in.

    ``braced``: the names it makes are written ``{t3}``, fields of a template, for a
    compiler that chooses their final names once it knows how long each is needed.
    """

    def __init__(self, *, braced: bool = False) -> None:
        self.braced = braced
        # Names that hold NumPy arrays (a batch of numbers, or a layer's rows of them), when
        # writing for a batch; an operation on any of them is written in its array form.
        self.arrays: set[str] | None = None
        self.lines: list[str] = []
        self.namespace: dict[str, Any] = {"math": math}
        self._names = itertools.count()
        self._references: dict[int, str] = {}
        self._uses: dict[str, list[str]] = {}  # each statement's name: the names it reads

    def argument(self, name: str) -> Symbol:
        """A parameter of the function: a Symbol with that (identifier) name."""
        if not name.isidentifier():
            raise ValueError(f"not a name for generated code: {name!r}")
        return Symbol(self, name)

    def fresh(self, prefix: str = "t") -> str:
        name = f"{prefix}{next(self._names)}"
        return f"{{{name}}}" if self.braced else name

    def reference(self, thing: object, prefix: str = "f") -> str:
        """A name in the namespace that refers to thing (a function, a constant object)."""
        key = id(thing)
        if key not in self._references:
            name = f"_{prefix}{len(self._references)}"
            self._references[key] = name
            self.namespace[name] = thing
        return self._references[key]

    def expression(self, x: Any) -> str:
        """The source of an operand: a Symbol's name, or a number as a literal."""
        if isinstance(x, Symbol):
            return x.name
        return self.literal(x)

    def literal(self, x: object) -> str:
        """A float or int as source that reads back as exactly that number; any other
        constant by reference."""
        if type(x) is float or type(x) is int:
            if type(x) is float and not math.isfinite(x):
                text = "math.nan" if math.isnan(x) else ("math.inf" if x > 0 else "-math.inf")
            else:
                text = repr(x)
            # A negative number in parentheses, so that no code form reads it differently
            # (-2.0 ** 2 is -4.0 in Python).
            return f"({text})" if text.startswith("-") else text
        return self.reference(x, "c")  # any other constant: by reference, never as text

    def apply(self, op: Primitive, inputs: Sequence[Any]) -> Symbol:
        """Write ``t = op(inputs)``: the op's code form if it has one, else a call of its
        forward function by reference."""
        args = [self.expression(x) for x in inputs]
        name = self.fresh()
        arrays = self.arrays
        batched = arrays is not None and any(
            isinstance(x, Symbol) and x.name in arrays for x in inputs
        )
        self.lines.append(f"{name} = {self.call(op, args, batched=batched)}")
        if batched:
            arrays.add(name)  # type: ignore[union-attr]
        self._uses[name] = [x.name for x in inputs if isinstance(x, Symbol)]
        return Symbol(self, name)

    def statements_for(self, results: Sequence[Any]) -> list[str]:
        """The statements that results need, in the order they were written."""
        needed, pending = set(), [x.name for x in results if isinstance(x, Symbol)]
        while pending:
            name = pending.pop()
            if name in self._uses and name not in needed:
                needed.add(name)
                pending.extend(self._uses[name])
        return [line for line in self.lines if line.split(" = ", 1)[0] in needed]

    def call(self, op: Primitive, args: Sequence[str], *, batched: bool = False) -> str:
        """The expression of op applied to these argument expressions (names or literals);
        ``batched``: some of them are NumPy arrays."""
        # Only the engine's own operations are written from their forms (a user's runs by
        # reference): generated code holds no text a user gave.
        form = (op.array if batched else op.code) if op.builtin else None
        if batched and form is None:
            raise NoArrayFormError(f"{op.name} has no form for NumPy arrays")
        if form is None:
            prefix = op.name if op.builtin else "f"
            return f"{self.reference(op.forward, prefix)}({', '.join(args)})"
        fields = {name: self.literal(value) for name, value in op.params.items()}
        if callable(form):  # a form that depends on the number of inputs
            return form(list(args), **fields)
        if op.arity is None:
            fields["xs"] = ", ".join(args)
        else:
            fields.update(zip("xy", args))
        return form.format(**fields)

    def function(
        self,
        name: str,
        parameters: Sequence[str],
        result: str | None,
        body: Sequence[str] | None = None,
    ) -> Callable[..., Any]:
        """A function of these parameters running body (by default the statements written so
        far) and returning result (None: body returns), compiled.

        Its source is registered with linecache, so a traceback shows the generated line.
        """
        body = [*(self.lines if body is None else body)]
        if result is not None:
            body.append(f"return {result}")
        source = f"def {name}({', '.join(parameters)}):\n" + "".join(f"    {s}\n" for s in body)
        filename = f"<autodiff generated {next(_programs)}: {name}>"
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        exec(compile(source, filename, "exec"), self.namespace)  # our own source: see the docstring
        function: Callable[..., Any] = self.namespace.pop(name)
        function.__source__ = source  # type: ignore[attr-defined]
        return function
