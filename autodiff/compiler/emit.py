"""Writing a trace as lines of Python: forward statements, guards, and backward passes.

Each node made in the trace becomes one statement, from its primitive's code form
(`autodiff.code`). Each gradient the function asked for becomes the chain rule written out:
the nodes of its graph in the order the eager backward pass visits them, each passing its
adjoint on, edge by edge, in a block that a zero adjoint skips (as the eager pass skips it)::

    if g7:
        g4 += g7 * (1.0 if t3 > 0.0 else 0.0)

The local derivatives come from each primitive's rule applied to Symbols, so a rule's case
split (relu's step, max's arg-max) is computed at every call, never frozen at the trace.

A node whose adjoint comes from one user only, visited right after it (the depth-first order
puts a node's last input just before it), has its block nested in its user's: its adjoint is
then set once, and skipped with its user's.

Names here are template fields, one per number (``{t3}``) or adjoint (``{a7}``), written
once (adjoints accumulate); `autodiff.compiler.assemble` gives them their final names.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from autodiff.code import Program, Symbol
from autodiff.compiler.trace import Detached, Guard, Request, Trace
from autodiff.primitives import CONSTANT, Primitive, _call_rule, _checked_shape
from autodiff.value import Value

FIELD = re.compile(r"\{([ta]\d+)\}")
"""The names this module makes, as template fields."""

MAX_NESTING = 40
"""How deep blocks nest, at most (CPython's parser allows 100 levels of indentation)."""


@dataclass(slots=True)
class Line:
    """One line of code, a template; ``target`` is the name it assigns or accumulates into,
    ``reads`` every name it mentions."""

    text: str
    target: str | None = None
    depth: int = 0
    reads: list[str] = field(default_factory=list)

    @staticmethod
    def of(text: str, depth: int = 0) -> Line:
        """The line of text, assigning (``{t3} = ...``, ``{a7} += ...``) or not."""
        head = text.split(" ", 1)[0]
        target = head[1:-1] if head.startswith("{") and head.endswith("}") else None
        return Line(text, target, depth, FIELD.findall(text))


Operand = Symbol | float


class Writer:
    """Turns a trace into lines. ``values`` holds what each Value is in the code."""

    def __init__(self, trace: Trace, parameters: dict[Value, str]) -> None:
        self.trace = trace
        self.program = Program(braced=True)
        self.program.namespace["GuardFailed"] = GuardFailed
        self.lines: list[Line] = []
        self.values: dict[Value, Operand] = {
            v: self.program.argument(name) for v, name in parameters.items()
        }
        self.made: set[Value] = set()
        self.labels: dict[str, str] = {}  # name -> the label of the Value it holds

    # -- the steps, in order -------------------------------------------------------------------

    def write(self) -> None:
        for step in self.trace.steps:
            if isinstance(step, Value):
                self.made.add(step)
                self.node(step)
            elif isinstance(step, Detached):
                self.forward(step.leaf, step.op, step.inputs)
            elif isinstance(step, Guard):
                self.guard(step)
            else:
                self.sweep(step)

    def node(self, v: Value) -> None:
        """The statement of a node the trace made."""
        self.forward(v, v._prim, v.parents)  # type: ignore[arg-type]

    def sweep(self, request: Request) -> None:
        """The backward pass the trace asked for, written out."""
        Sweep(self, request).write()

    def operand(self, v: Any) -> Operand:
        """What v is in the code: a name, or a constant's number."""
        if not isinstance(v, Value):
            return float(v)
        known = self.values.get(v)
        if known is not None:
            return known
        if v.label is CONSTANT:
            self.values[v] = v.data
            return v.data
        # A Value from outside the function (a parameter of a model): read at each call.
        symbol = self.assign(f"{self.program.reference(v, 'v')}.data", 0, self.lines)
        self.values[v] = symbol
        self.name_after(symbol, v)
        return symbol

    def assign(self, expression: str, depth: int, lines: list[Line]) -> Symbol:
        name = self.program.fresh("t")
        lines.append(Line.of(f"{name} = {expression}", depth))
        return Symbol(self.program, name)

    def name_after(self, symbol: Operand, v: Value, prefix: str = "") -> None:
        """Let the code name symbol after v: v's label, or the parameter v is."""
        if not isinstance(symbol, Symbol):
            return
        held = self.values.get(v)
        if isinstance(held, Symbol) and not held.name.startswith("{"):
            self.labels[symbol.name[1:-1]] = prefix + held.name  # a parameter of the function
        elif v.label:
            self.labels[symbol.name[1:-1]] = prefix + v.label

    def forward(self, v: Value, op: Primitive, inputs: Sequence[Any]) -> None:
        operands = [self.operand(x) for x in inputs]
        if op.code == "{x}":  # identity: the same number under another name
            self.values[v] = operands[0]
            return
        self.values[v] = self.take(lambda: self.program.apply(op, operands), 0, self.lines)
        self.name_after(self.values[v], v)

    def take(self, write: Any, depth: int, lines: list[Line]) -> Any:
        """Run write, which writes into the Program, moving the lines it wrote into lines."""
        try:
            return write()
        finally:
            lines += [Line.of(text, depth) for text in self.program.lines]
            self.program.lines.clear()

    def guard(self, guard: Guard) -> None:
        value = self.program.expression(self.operand(guard.value))
        other = self.program.expression(self.operand(guard.other))
        # `not (a < b)` rather than `a >= b`, which differ where a or b is NaN.
        held = f"{value} {guard.comparison} {other}"
        self.lines.append(Line.of(f"if not ({held}):" if guard.outcome else f"if {held}:"))
        self.lines.append(Line.of("raise GuardFailed", 1))

    def derivatives(self, node: Value, depth: int, lines: list[Line]) -> list[Operand]:
        """node's local derivatives, written into lines. A rule that is not code is called
        by reference; a node made before the function ran has its recorded derivatives read,
        as the eager pass reads them."""
        prim: Primitive = node._prim  # type: ignore[assignment]
        n = len(node.parents)
        if node not in self.made:
            numbers = self.assign(f"{self.program.reference(node, 'v')}.partials", depth, lines)
            return [Symbol(self.program, f"{numbers.name}[{i}]") for i in range(n)]
        inputs = [self.operand(p) for p in node.parents]
        out = self.operand(node)
        mark = len(lines)
        try:
            rule = self.take(
                lambda: _call_rule(prim.derivative, prim.arity, inputs, out), depth, lines
            )
            return [_as_operand(d) for d in _checked_shape(prim, result=rule, n=n)]
        except Exception:  # not code: a rule calling math.sin, say
            del lines[mark:]
        numbers = self.assign(_rule_call(self.program, prim, inputs, out), depth, lines)
        if prim.arity == 1:
            return [numbers]
        return [Symbol(self.program, f"{numbers.name}[{i}]") for i in range(n)]


class Sweep:
    """One gradient: the chain rule from request.root back to the inputs asked for.

    The nodes are visited in the eager pass's order, from the root back. In that
    (depth-first) order the nodes that only D's adjoint reaches, all of whose users are D or
    among them, come right after D: D's *region*. Their blocks are written inside D's, so
    that where D's adjoint is 0 (a sample inside the hinge's margin, a dead ReLU) none of
    them runs; and an adjoint of the region is set by its first contribution, not first
    zeroed.
    """

    def __init__(self, writer: Writer, request: Request) -> None:
        self.writer = writer
        self.program = writer.program
        self.request = request
        self.wanted = set(request.found)
        self.useful = _leading_to(request.order, self.wanted)
        self.order = request.order[::-1]
        self.position = {node: i for i, node in enumerate(self.order)}
        self.region_end = _regions(self.order, self.position)
        self.adjoints: dict[Value, Operand] = {}
        self.open: list[tuple[int, Block]] = []  # the regions being written: start, block
        self.tested: list[str] = []  # the adjoints their blocks test, innermost last
        self.edges_into: dict[Value, int] = {}
        for node in request.order:
            for p in node.parents:
                self.edges_into[p] = self.edges_into.get(p, 0) + 1

    def write(self) -> None:
        request, writer = self.request, self.writer
        top = Block(None, 0)
        self.adjoints[request.root] = writer.operand(request.seed)
        self.open.append((-1, top))  # the outermost region holds every node
        self.write_range(0, len(self.order), top, 0)
        self.open.pop()
        writer.lines += top.lines()
        for x, leaf in request.found.items():
            writer.values[leaf] = self.adjoints.get(x, 0.0)

    def write_range(self, start: int, end: int, into: Block, depth: int) -> None:
        i = start
        while i < end:
            node, last = self.order[i], self.region_end[i]
            adjoint = self.adjoints.get(node)
            if adjoint is None or (isinstance(adjoint, float) and adjoint == 0.0):
                i = last  # not reached, nor is its region (only it leads there), or a zero seed
                continue
            # A number (the seed), or the very adjoint an enclosing block tested: no test.
            unconditional = isinstance(adjoint, float) or adjoint.name in self.tested
            body = depth if unconditional else depth + 1
            nests = last > i + 1 and (unconditional or body < MAX_NESTING)
            header = None if unconditional else Line.of(f"if {adjoint.name}:", depth)  # type: ignore[union-attr]
            block = Block(header, body)
            self.pass_on(node, adjoint, block, (i, last) if nests else None)
            into.parts.append(block)
            if nests:
                self.open.append((i, block))
                self.tested.append(adjoint.name if isinstance(adjoint, Symbol) else "")
                self.write_range(i + 1, last, block, body)
                self.tested.pop()
                self.open.pop()
                i = last
            else:
                i += 1

    def pass_on(
        self, node: Value, adjoint: Operand, block: Block, region: tuple[int, int] | None
    ) -> None:
        """node's lines in its block: its local derivatives, and its adjoint times each,
        added to its inputs' adjoints."""
        rule: list[Line] = []
        derivatives = self.writer.derivatives(node, block.depth, rule)
        defined = {line.target for line in rule}
        edges = [
            (parent, d)
            for parent, d in zip(node.parents, derivatives)
            # An edge that cannot fail is left out where it leads to no wanted input.
            if parent in self.useful or _can_fail(d, defined)
        ]
        factors = _inlined(rule, [d for _, d in edges], self.program)
        block.parts += rule
        depth, parts = block.depth, block.parts
        reads_adjoint = [adjoint.name[1:-1]] if isinstance(adjoint, Symbol) else []
        # The adjoint as code, and its negation (for a float: math.inf, say, not inf).
        text = self.program.expression(adjoint)
        negated = f"-{text}" if isinstance(adjoint, Symbol) else self.program.literal(-adjoint)
        for (parent, _), factor in zip(edges, factors):
            known = self.adjoints.get(parent)
            if (
                known is None
                and factor == "1.0"
                and self.edges_into[parent] == 1
                and parent not in self.wanted  # read after the sweep: zeroed before it
            ):
                # Its one edge passes the adjoint as it is: the input's adjoint is this one.
                self.adjoints[parent] = adjoint
                continue
            first = known is None
            if isinstance(known, Symbol):
                target = known
            else:
                target = Symbol(self.program, self.program.fresh("a"))
                self.adjoints[parent] = target
                self.writer.name_after(target, parent, "g_")
                assign = (
                    region is not None
                    and region[0] < self.position.get(parent, -1) < region[1]
                    and parent not in self.wanted  # read after the sweep: zeroed before it
                )
                if not assign:  # zeroed in the innermost region that holds the input
                    self.zeros_for(parent).inits.append(Line.of(f"{target.name} = 0.0"))
            line = _accumulate(target.name, (text, negated), factor, first and assign)
            reads = [target.name[1:-1], *_fields(factor), *reads_adjoint]
            parts.append(Line(line, reads[0], depth, reads))

    def zeros_for(self, parent: Value) -> Block:
        # A leaf, or an input asked for: the outermost region.
        position = None if parent in self.wanted else self.position.get(parent)
        for start, block in reversed(self.open):
            if position is not None and start < position < self.region_end[start]:
                return block
        return self.open[0][1]


@dataclass
class Block:
    """A node's block: its ``if`` (none for the seed's), the adjoints it zeroes first, and
    its lines and nested blocks, at ``depth``."""

    header: Line | None
    depth: int
    inits: list[Line] = field(default_factory=list)
    parts: list[Line | Block] = field(default_factory=list)

    def lines(self) -> list[Line]:
        out = [Line(line.text, line.target, self.depth, line.reads) for line in self.inits]
        for part in self.parts:
            out += part.lines() if isinstance(part, Block) else [part]
        if self.header is None or not out:
            return out  # a block with nothing to do is not written
        return [self.header, *out]


def _regions(order: list[Value], position: dict[Value, int]) -> list[int]:
    """For each node of order (from the root back), where its region ends: the nodes after
    it whose users all lie between it and them."""
    first_user = [len(order)] * len(order)
    for i, node in enumerate(order):
        for p in node.parents:
            j = position.get(p)
            if j is not None and first_user[j] > i:
                first_user[j] = i
    end = [0] * len(order)
    for i in range(len(order) - 1, -1, -1):
        j = i + 1
        while j < len(order) and first_user[j] >= i:
            j = end[j]  # j's own region lies after i too: its users come after j
        end[i] = j
    return end


class GuardFailed(Exception):  # noqa: N818 -- a signal to the compiled function's caller
    """A guard of a trace does not hold for these arguments: another trace is needed."""


def _as_operand(d: Any) -> Any:
    return float(d) if type(d) is int else d


def _rule_call(program: Program, prim: Primitive, inputs: list[Operand], out: Operand) -> str:
    rule = f"{program.reference(prim, 'p')}.float_derivative"
    args = [program.expression(x) for x in inputs]
    out_text = program.expression(out)
    if prim.arity is None:
        return f"{rule}([{', '.join(args)}], {out_text})"
    return f"{rule}({', '.join(args)}, {out_text})"


def _accumulate(target: str, adjoint: tuple[str, str], factor: str, assign: bool) -> str:
    """``target += adjoint × d`` (``=`` for the first), exactly as the eager pass computes it;
    adjoint is its code and its negation's."""
    op = "=" if assign else "+="
    text, negated = adjoint
    if factor == "1.0":  # g × 1 = g and g × −1 = −g, exactly
        return f"{target} {op} {text}"
    if factor == "(-1.0)":
        return f"{target} {op} {negated}"
    if text == "1.0":
        return f"{target} {op} {_unwrapped(factor)}"
    return f"{target} {op} {text} * {factor}"


def _unwrapped(expression: str) -> str:
    """The expression without parentheses around the whole of it, if it has them."""
    if not (expression.startswith("(") and expression.endswith(")")):
        return expression
    depth = 0
    for i, character in enumerate(expression):
        depth += {"(": 1, ")": -1}.get(character, 0)
        if depth == 0 and i < len(expression) - 1:
            return expression  # (a) * (b): the first pair closes early
    return expression[1:-1]


def _inlined(rule: list[Line], derivatives: list[Operand], program: Program) -> list[str]:
    """The expression of each derivative; a rule line needed by one of them only, once, is
    put into its expression (in parentheses) and taken out of rule. The lines still needed
    are left in rule; the others are dropped."""
    texts = [program.expression(d) for d in derivatives]
    if not rule:
        return texts
    by_target = {line.target: line for line in rule}
    needed: set[str] = set()
    pending = [name for text in texts for name in FIELD.findall(text)]
    while pending:
        name = pending.pop()
        if name in by_target and name not in needed:
            needed.add(name)
            pending += by_target[name].reads
    uses: dict[str, int] = {}
    for line in rule:
        if line.target in needed:
            for name in line.reads:
                if name != line.target:
                    uses[name] = uses.get(name, 0) + 1
    for text in texts:
        for name in FIELD.findall(text):
            uses[name] = uses.get(name, 0) + 1
    inline = {
        name for name in needed if uses.get(name) == 1 and any(f"{{{name}}}" == t for t in texts)
    }
    for i, text in enumerate(texts):
        name = text[1:-1]
        if name in inline:
            texts[i] = f"({by_target[name].text.split(' = ', 1)[1]})"
    rule[:] = [line for line in rule if line.target in needed and line.target not in inline]
    return texts


def _fields(text: str) -> list[str]:
    """The names in an expression (quickly, for one that is a name)."""
    if text.startswith("{") and text.endswith("}") and text.count("{") == 1:
        return [text[1:-1]]
    return FIELD.findall(text) if "{" in text else []


def _can_fail(d: Any, defined: set[str | None]) -> bool:
    """Whether crossing an edge with this derivative may raise: the derivative is computed
    (1/y may divide by 0), or is not a number (an Undefined)."""
    if isinstance(d, Symbol):
        return any(name in defined for name in FIELD.findall(d.name))
    return not isinstance(d, float)


def _leading_to(order: list[Value], wanted: set[Value]) -> set[Value]:
    """The Values of order (and the wanted ones) from which a wanted Value can be reached."""
    useful = set(wanted)
    for node in order:
        if any(p in useful for p in node.parents):
            useful.add(node)
    return useful
