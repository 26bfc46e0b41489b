"""Writing the engine's operations as Python source: the third reader of every rule.

A `Symbol` stands for a number in a program being written. Applying an operation to Symbols
(``a * b``, ``autodiff.tanh(a)``) records one statement, ``t3 = math.tanh(t2)``, as data (its
target, its operation, its arguments), and gives the Symbol of its result. So a derivative
rule applied to Symbols writes itself out as code, and the compiler writes whole graphs so.

A `Program` holds the statements; `Program.source` prints them as Python. A built-in
operation is printed from its code form (``math.tanh({x})``); any other is called by
reference, its function held in the program's namespace under the operation's name where that
is an identifier (``_atan0``). The source holds only those names, names made here, code forms
of the engine's own operations and numbers written with ``repr``: never a label or any other
text a user gave, so running it (`Program.function`) runs no user text.
"""

from __future__ import annotations

import ast
import inspect
import itertools
import keyword
import linecache
import math
import textwrap
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from autodiff.value import Value

if TYPE_CHECKING:
    from autodiff.primitives import Primitive

_programs = itertools.count()


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

    # The same arithmetic as Value's: each operator applies an operation, which, given a
    # Symbol, writes a statement instead of computing a number.
    __add__, __radd__ = Value.__add__, Value.__radd__
    __sub__, __rsub__ = Value.__sub__, Value.__rsub__
    __mul__, __rmul__ = Value.__mul__, Value.__rmul__
    __truediv__, __rtruediv__ = Value.__truediv__, Value.__rtruediv__
    __pow__, __rpow__ = Value.__pow__, Value.__rpow__
    __neg__, __pos__, __abs__ = Value.__neg__, Value.__pos__, Value.__abs__

    def __bool__(self) -> bool:
        raise BranchOnSymbolError(_NO_BRANCH)

    def _compare(self, other: object) -> bool:
        raise BranchOnSymbolError(_NO_BRANCH)

    __lt__ = __le__ = __gt__ = __ge__ = __eq__ = __ne__ = _compare
    __hash__ = object.__hash__


_NO_BRANCH = (
    "a derivative rule must not branch on a value (if x > 0: ...): its case split is an "
    "operation, such as autodiff.step or autodiff.sign, so that it is recomputed at every point"
)

Operand = Symbol | float
"""What a statement takes: a Symbol, or a constant number."""


@dataclass(frozen=True)
class Form:
    """A piece of code that is not an operation of the engine (reading a captured Value's
    number, an item of a tuple...): its code, a format string of its arguments {0}, {1}...,
    or a function writing it from them."""

    name: str
    code: str | Callable[[Sequence[str]], str]
    pure: bool = True  # it cannot raise: unused, it may be left out

    def written(self, args: Sequence[str]) -> str:
        return self.code(args) if callable(self.code) else self.code.format(*args)


@dataclass(slots=True)
class Statement:
    """``target = op(*args)``; with ``accumulate``, ``target += args[0]`` (op None), or
    ``target[index] += args[0]`` into one item of an array."""

    target: str
    op: Primitive | Form | None
    args: tuple[Operand, ...]
    accumulate: bool = False
    index: tuple[int, ...] = ()


@dataclass(slots=True)
class If:
    """A block that runs where ``test`` (a name) is nonzero: a node's share of the backward
    pass, skipped where its gradient is 0, as the eager pass skips it."""

    test: str
    body: list[Line] = field(default_factory=list)


@dataclass(slots=True)
class For:
    """A loop: ``for target in iterable:``, both written by the compiler from its own names
    (``for x, t in zip(xs, ts):``, ``for _i in range(_n - 1, -1, -1):``)."""

    target: str
    iterable: str
    body: list[Line] = field(default_factory=list)
    reads: tuple[str, ...] = ()  # the program's names the iterable reads (a count of samples)


@dataclass(slots=True)
class Unpack:
    """``a, b, c = source[_i]``: the numbers of one sample, saved in a list by a loop before."""

    targets: list[str]
    source: Symbol


@dataclass(slots=True)
class Guard:
    """``left <comparison> right`` was ``outcome`` when the program was traced: checked again
    where the program runs, raising ``GuardFailed`` where it does not hold."""

    left: Operand
    comparison: str
    right: Operand
    outcome: bool


Line = Statement | If | For | Unpack | Guard
"""What a program's body holds. A Statement with no target is a call made for its effect
(``saved.append(...)``)."""


class Names(dict[str, str]):
    """The final names of a program's names, for printing it; and ``inline``, the expressions
    written in place of names used once."""

    def __init__(self) -> None:
        super().__init__()
        self.inline: dict[str, str] = {}

    def bare(self, x: Operand, text: str) -> str:
        """An operand's text where it is a whole right-hand side: no parentheses needed."""
        return self.inline[x.name] if isinstance(x, Symbol) and x.name in self.inline else text


class Program:
    """The statements of a function being written, as data, and the namespace they run in.

    ``lines`` is the body; statements go to ``block``: the body of the loop being written
    (`begin_loop`), or ``lines``, or the body of an `If` opened there (`open_if`). ``arrays``:
    the names that hold NumPy arrays, when writing for a batch; an operation on any of them
    is printed in its array form.
    """

    def __init__(self) -> None:
        self.lines: list[Line] = []
        self.block = self.lines
        self.loops: list[list[Line]] = [self.lines]  # the bodies blocks open in, innermost last
        self.hoisted = 0  # how many statements `hoist` put first
        self.namespace: dict[str, Any] = {"math": math}
        self.arrays: set[str] = set()
        self._names = itertools.count()
        self._references: dict[int, str] = {}

    def argument(self, name: str) -> Symbol:
        """A parameter of the function: a Symbol with that (identifier) name."""
        if not name.isidentifier():
            raise ValueError(f"not a name for generated code: {name!r}")
        return Symbol(self, name)

    def fresh(self, prefix: str = "t") -> str:
        return f"{prefix}{next(self._names)}"

    def reference(self, thing: object, prefix: str = "f") -> str:
        """A name in the namespace that refers to thing (a function, a constant object)."""
        key = id(thing)
        if key not in self._references:
            name = f"_{prefix}{len(self._references)}"
            self._references[key] = name
            self.namespace[name] = thing
        return self._references[key]

    # -- writing -------------------------------------------------------------------------------

    def apply(self, op: Primitive | Form, inputs: Sequence[Any], prefix: str = "t") -> Symbol:
        """Write ``t = op(inputs)`` into the open block, and give t's Symbol; but x ** 1 is
        x, exactly: its Symbol, and nothing written (power's rule at n = 2 reads ``2.0 * x``)."""
        if not isinstance(op, Form) and op.builtin and op.name == "power":
            (x,) = inputs
            if op.params["exponent"] == 1 and isinstance(x, Symbol):
                return x
        name = self.fresh(prefix)
        self.block.append(Statement(name, op, tuple(_operand(x) for x in inputs)))
        if (
            self.arrays
            and not isinstance(op, Form)
            and any(isinstance(x, Symbol) and x.name in self.arrays for x in inputs)
        ):
            self.arrays.add(name)  # an operation on a batch, elementwise: a batch too
        return Symbol(self, name)

    def hoist(self, op: Form, inputs: Sequence[Any]) -> Symbol:
        """Write ``t = op(inputs)`` first of all, out of any block or loop: for what is the
        same throughout a call (a number read from a Value the function captured)."""
        name = self.fresh()
        self.lines.insert(self.hoisted, Statement(name, op, tuple(_operand(x) for x in inputs)))
        self.hoisted += 1
        return Symbol(self, name)

    def accumulate(self, target: str, value: Operand, index: tuple[int, ...] = ()) -> None:
        """Write ``target += value`` (``target[index] += value``: into one item)."""
        self.block.append(Statement(target, None, (value,), accumulate=True, index=index))

    def open_if(self, test: Symbol) -> None:
        """Write the next statements, up to `close`, inside ``if test:`` (the block just
        written, if it tests the same)."""
        self.close()
        outer = self.loops[-1]
        last = outer[-1] if outer else None
        if not (isinstance(last, If) and last.test == test.name):
            last = If(test.name)
            outer.append(last)
        self.block = last.body

    def close(self) -> None:
        """Write the next statements in the body the last block opened in again."""
        self.block = self.loops[-1]

    def begin_loop(self, target: str, iterable: str, reads: tuple[str, ...] = ()) -> For:
        """Write the next statements, up to `end_loop`, inside ``for target in iterable:``
        (which reads the names ``reads``)."""
        self.close()
        loop = For(target, iterable, reads=reads)
        self.block.append(loop)
        self.loops.append(loop.body)
        self.block = loop.body
        return loop

    def end_loop(self) -> None:
        self.loops.pop()
        self.close()

    def call(self, form: Form, inputs: Sequence[Any]) -> None:
        """Write a call made for its effect, ``saved.append(...)``."""
        self.block.append(Statement("", form, tuple(_operand(x) for x in inputs)))

    # -- printing ------------------------------------------------------------------------------

    def literal(self, x: object) -> str:
        """A number as source that reads back as exactly that number; any other constant by
        reference."""
        if type(x) is float or type(x) is int:
            if type(x) is float and not math.isfinite(x):
                text = "math.nan" if math.isnan(x) else ("math.inf" if x > 0 else "-math.inf")
            else:
                text = repr(x)
            # A negative number in parentheses, so that no code form reads it differently
            # (-2.0 ** 2 is -4.0 in Python).
            return f"({text})" if text.startswith("-") else text
        return self.reference(x, "c")  # any other constant: by reference, never as text

    def text(self, x: Operand, names: Names | None = None, op: object = None) -> str:
        """An operand as source: a name (renamed by names), an expression written in its
        place (in parentheses, unless it is a whole argument of op's call, math.tanh(...)),
        or a literal."""
        if not isinstance(x, Symbol):
            return self.literal(x)
        if names is None:
            return x.name
        if x.name in names.inline:
            expression = names.inline[x.name]
            return expression if _a_whole_argument(op) else f"({expression})"
        return names.get(x.name, x.name)

    def _called(self, op: Primitive, batched: bool, args: Sequence[str]) -> str:
        """A call of op's function by reference: its forward, or on a batch a user's array
        function, under op's name where that is an identifier."""
        function = op.on_arrays if batched else op.forward
        if function is None:
            how = (
                ""
                if op.builtin
                else ": register it with primitive(..., array=<its forward on NumPy arrays>), "
                "as array=np.arctan for an atan"
            )
            raise NoArrayFormError(f"{op.name} has no form for NumPy arrays{how}")
        name = op.name if op.name.isidentifier() and not keyword.iskeyword(op.name) else "f"
        return f"{self.reference(function, name)}({', '.join(args)})"

    def expression(self, statement: Statement, args: Sequence[str]) -> str:
        """The right-hand side of a statement, from its arguments' source."""
        op = statement.op
        if op is None:
            return args[0]
        if isinstance(op, Form):
            return op.written(args)
        batched = any(isinstance(x, Symbol) and x.name in self.arrays for x in statement.args)
        # Only the engine's own operations are written from their forms: a user's runs by
        # reference (its forward, or on a batch the array function it gave), under its name
        # where that is an identifier. Generated code holds no other text a user gave.
        form = (op.array if batched else op.code) if op.builtin else None
        if form is None:
            return self._called(op, batched, args)
        fields = {name: self.literal(value) for name, value in op.params.items()}
        fields.update(ARRAY_NAMES if batched else FLOAT_NAMES)
        if callable(form):  # a form that depends on the inputs, or on the parameters
            written = form(list(args), **{name: fields[name] for name in op.params})
            if written is not None:
                return written
            return self._called(op, False, args)
        if op.arity is None:
            fields["xs"] = ", ".join(args)
        else:
            fields.update(zip("xy", args))
        return form.format(**fields)

    def source(
        self, lines: Iterable[Line], names: Names | None = None, depth: int = 1
    ) -> list[str]:
        """The lines as indented Python, each name renamed by names."""
        out: list[str] = []
        pad = "    " * depth
        for line in lines:
            if isinstance(line, If):
                out.append(f"{pad}if {names.get(line.test, line.test) if names else line.test}:")
                out += self.source(line.body, names, depth + 1)
            elif isinstance(line, For):
                out.append(f"{pad}for {line.target} in {line.iterable}:")
                out += self.source(line.body, names, depth + 1)
            elif isinstance(line, Unpack):
                targets = [names.get(t, t) if names else t for t in line.targets]
                source = self.text(line.source, names)
                out.append(f"{pad}{', '.join(targets)}, = {source}[_i]")
            elif isinstance(line, Guard):
                left, right = self.text(line.left, names), self.text(line.right, names)
                held = f"{left} {line.comparison} {right}"
                # `not (a < b)` rather than `a >= b`, which differ where a or b is NaN.
                out.append(f"{pad}if not ({held}):" if line.outcome else f"{pad}if {held}:")
                out.append(f"{pad}    raise GuardFailed")
            else:
                target = names.get(line.target, line.target) if names else line.target
                args = [self.text(x, names, line.op) for x in line.args]
                if line.op is None and names is not None:  # the whole right-hand side
                    args = [names.bare(line.args[0], args[0])]
                expression = self.expression(line, args)
                if not line.target:  # a call made for its effect
                    out.append(f"{pad}{expression}")
                elif line.index:
                    out.append(f"{pad}{target}[{', '.join(map(str, line.index))}] += {expression}")
                elif line.accumulate and line.target in self.arrays:
                    # A new array, not `+=`: that would change in place an array another
                    # name may hold (g = t7 before).
                    out.append(f"{pad}{target} = {target} + {expression}")
                else:
                    sign = "+=" if line.accumulate else "="
                    out.append(f"{pad}{target} {sign} {expression}")
        return out

    def inlined(self, names: Names, results: Sequence[Any]) -> list[Line]:
        """The lines, each number that is used once, by a later statement of the same block,
        written into that statement's expression (``g4 += g7 * (1.0 - t3 * t3)``), up to
        DEPTH numbers deep: its expression goes into names.inline, its own statement is left
        out."""
        uses: Counter[str] = Counter(r.name for r in results if isinstance(r, Symbol))
        _count(self.lines, uses)
        inlined: set[str] = set()
        left = _inline_block(self, self.lines, uses, names, inlined)
        for r in results:  # a number used by a result alone: written where the result is
            if isinstance(r, Symbol) and r.name in left:
                used = left.pop(r.name)
                names.inline[r.name] = self.expression(
                    used, [self.text(x, names) for x in used.args]
                )
                inlined.add(r.name)
        return _without(self.lines, inlined)

    def function(
        self, name: str, parameters: Sequence[str], body: Sequence[str]
    ) -> Callable[..., Any]:
        """A function of these parameters running body (lines of source, indented), compiled.

        Its source is registered with linecache, so a traceback shows the generated line.
        """
        source = f"def {name}({', '.join(parameters)}):\n" + "".join(f"{line}\n" for line in body)
        filename = f"<autodiff generated {next(_programs)}: {name}>"
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        exec(compile(source, filename, "exec"), self.namespace)  # our own source: see the docstring
        function: Callable[..., Any] = self.namespace.pop(name)
        function.__source__ = source  # type: ignore[attr-defined]
        return function


DEPTH = 2
"""How many numbers deep an expression may be written into another."""


def _count(lines: list[Line], uses: Counter[str]) -> None:
    for line in lines:
        if isinstance(line, If):
            uses[line.test] += 1
            _count(line.body, uses)
        elif isinstance(line, For):
            inside: Counter[str] = Counter()
            _count(line.body, inside)
            defined = {s.target for s in line.body if isinstance(s, Statement)}
            for name, n in inside.items():  # what the loop reads from before it, it rereads
                uses[name] += n if name in defined else 2 * n
            for name in line.reads:
                uses[name] += 2  # read by the loop's head: never inlined
        elif isinstance(line, Guard):
            uses.update(x.name for x in (line.left, line.right) if isinstance(x, Symbol))
        elif isinstance(line, Unpack):
            uses[line.source.name] += 2  # read in a loop: never inlined
        else:
            uses.update(x.name for x in line.args if isinstance(x, Symbol))
            if line.accumulate:
                uses[line.target] += 1  # += reads its target


def _inline_block(
    program: Program, lines: list[Line], uses: Counter[str], names: Names, inlined: set[str]
) -> dict[str, Statement]:
    """Inline into the statements of this block; what may still be, used later, is left."""
    depth: dict[str, int] = {}
    candidates: dict[str, Statement] = {}  # defined in this block, used once, not yet used
    for line in lines:
        if isinstance(line, If | For):
            _inline_block(program, line.body, uses, names, inlined)
            continue
        if isinstance(line, Guard | Unpack):
            continue
        reads = [x.name for x in line.args if isinstance(x, Symbol)]
        nests = 0 if line.op is None else 1  # a whole right-hand side nests nothing
        deep = nests
        for r in reads:
            if r in candidates and depth[r] + nests <= DEPTH:
                used = candidates.pop(r)
                names.inline[r] = program.expression(
                    used, [program.text(x, names) for x in used.args]
                )
                inlined.add(r)
                deep = max(deep, depth[r] + nests)
        writes_itself = isinstance(line.op, Form) or line.accumulate or line.op is None
        writes_itself = writes_itself or not line.target
        if uses[line.target] == 1 and line.target not in names and not writes_itself:
            candidates[line.target] = line
            depth[line.target] = deep
    return candidates


def _without(lines: list[Line], inlined: set[str]) -> list[Line]:
    """The lines but the statements inlined, and the blocks left with nothing to do."""
    kept: list[Line] = []
    for line in lines:
        if isinstance(line, If):
            body = _without(line.body, inlined)
            if body:
                kept.append(If(line.test, body))
        elif isinstance(line, For):
            kept.append(For(line.target, line.iterable, _without(line.body, inlined), line.reads))
        elif not (isinstance(line, Statement) and line.target in inlined):
            kept.append(line)
    return kept


def first_assigned(zeroed: list[Statement], sweep: list[Line]) -> Iterator[Statement]:
    """The zeroing of each accumulator, but for one whose first mention in the sweep adds to
    it outside any block: that first ``g4 += c`` becomes ``g4 = c`` (as the eager walk keeps a
    first gradient as it is). So too for an array of zeros (a matrix's gradient) that first
    takes another array, if it is never added to item by item (which would change, in place,
    the array it took)."""
    by_item = {line.target for line in _walk(sweep) if isinstance(line, Statement) and line.index}
    pending = {
        s.target: s
        for s in zeroed
        if s.op is None or (s.op.name == "zeros" and s.target not in by_item)
    }
    kept = [s for s in zeroed if s.target not in pending]
    mentioned: set[str] = set()
    for line in sweep:
        first = isinstance(line, Statement) and line.accumulate and line.target not in mentioned
        if first and not line.index and line.target in pending:  # type: ignore[union-attr]
            zero = pending[line.target]  # type: ignore[union-attr]
            if zero.op is None or isinstance(line.args[0], Symbol):  # type: ignore[union-attr]
                del pending[line.target]  # type: ignore[union-attr]
                line.accumulate = False  # type: ignore[union-attr]
        mentioned.update(_names(line))
    yield from kept
    yield from pending.values()


def _walk(lines: list[Line]) -> Iterator[Line]:
    for line in lines:
        yield line
        if isinstance(line, If | For):
            yield from _walk(line.body)


def _names(line: Line) -> Iterator[str]:
    """The names a line reads or sets, in blocks too."""
    if isinstance(line, If | For):
        if isinstance(line, If):
            yield line.test
        for inner in line.body:
            yield from _names(inner)
    elif isinstance(line, Unpack):
        yield from line.targets
    elif isinstance(line, Guard):
        yield from (x.name for x in (line.left, line.right) if isinstance(x, Symbol))
    else:
        yield line.target
        yield from (x.name for x in line.args if isinstance(x, Symbol))


def _a_whole_argument(op: object) -> bool:
    """Whether op's code form takes its one input as a whole argument of a call, so that an
    expression there needs no parentheses: {tanh}({x}), not {x} * 2."""
    code = getattr(op, "code", None)  # a primitive's, read off its forward when first asked
    return (
        isinstance(code, str) and code.count("{x}") == 1 and "({x})" in code and "{y}" not in code
    )


class NoArrayFormError(TypeError):
    """An operation met a batch of numbers (a NumPy array) but has no form for arrays."""


def _operand(x: Any) -> Operand:
    return float(x) if type(x) is int else x


# -- a built-in's code form, read off its forward ------------------------------------------------

FLOAT_NAMES = {
    **{f: f"math.{f}" for f in ("exp", "log", "log1p", "sqrt", "tanh", "sin", "cos")},
    "minimum": "min",
    "maximum": "max",
    "abs": "abs",
}
"""The functions a code form may call, as Python writes them on floats..."""
ARRAY_NAMES = {name: f"np.{name}" for name in FLOAT_NAMES}
"""...and as NumPy writes them on arrays, elementwise."""
_RENAMED = {"min": "minimum", "max": "maximum", "abs": "abs"}


def read_code_form(forward: Callable[..., Any]) -> str | None:
    """The expression a built-in forward returns, as a code form: its inputs and parameters
    become fields ({x}, {slope}), the functions it calls (``math.exp``, ``min``) fields of
    FLOAT_NAMES and ARRAY_NAMES (``{exp}``, ``{minimum}``), so that one formula serves floats,
    code and arrays. Statements before the ``return`` may only check (``if ...: raise``, a
    call); any other forward has no code form (None), and is called by reference."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(forward)))
    except (OSError, TypeError, SyntaxError):
        return None
    function = tree.body[0]
    if not isinstance(function, ast.FunctionDef):
        return None
    *checks, last = function.body
    if not isinstance(last, ast.Return) or last.value is None:
        return None
    for statement in checks:
        if isinstance(statement, ast.Expr):
            continue  # a docstring, or a call that checks
        raises = isinstance(statement, ast.If) and not statement.orelse
        if not (raises and all(isinstance(s, ast.Raise) for s in statement.body)):  # type: ignore[attr-defined]
            return None
    arguments = function.args
    inputs = [a.arg for a in arguments.posonlyargs + arguments.args]
    names = dict(zip(inputs, ("x", "y"))) | {a.arg: a.arg for a in arguments.kwonlyargs}
    if arguments.vararg is not None:
        names[arguments.vararg.arg] = "xs"
    return _Fields(names, many=arguments.vararg is not None).read(last.value)


class _Fields(ast.NodeTransformer):
    """Rewrites an expression's names into the fields of a code form."""

    def __init__(self, names: dict[str, str], many: bool) -> None:
        self.names, self.many, self.ok = names, many, True

    def read(self, expression: ast.expr) -> str | None:
        text = ast.unparse(self.visit(expression))
        return text if self.ok else None

    def visit_Name(self, node: ast.Name) -> ast.AST:
        field = self.names.get(node.id)
        if field is None:
            self.ok = False  # a name the code would not know
            return node
        return ast.Name(f"({{{field}}},)" if field == "xs" else f"{{{field}}}")

    def visit_Call(self, node: ast.Call) -> ast.AST:
        function = node.func
        called = None
        if isinstance(function, ast.Attribute) and isinstance(function.value, ast.Name):
            module, name = function.value.id, function.attr
            if module == "math" and name in FLOAT_NAMES:
                called = name
            elif module == "builtins":
                called = _RENAMED.get(name, name) if name in _RENAMED else None
                if called is None:
                    node.func = ast.Name(name)  # builtins.sum: the same on floats and arrays
                    node.args = [self.visit(a) for a in node.args]
                    node.keywords = [self.visit(k) for k in node.keywords]
                    return node
            elif module == "math":
                node.args = [self.visit(a) for a in node.args]
                node.keywords = [self.visit(k) for k in node.keywords]
                return node  # math.prod: Python's, on floats and arrays alike
        elif isinstance(function, ast.Name) and function.id in _RENAMED:
            called = _RENAMED[function.id]
        if called is None:
            self.ok = False
            return node
        node.func = ast.Name(f"{{{called}}}")
        node.args = [self.visit(a) for a in node.args]
        node.keywords = [self.visit(k) for k in node.keywords]
        return node
