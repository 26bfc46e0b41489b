"""From a trace to a program: a statement per node, a guard per comparison, and for each
gradient the function asked for, its backward pass, written by the chain rule's own walk
(`autodiff.backprop.chain_rule`) over Symbols: the walk that computes gradients on floats,
given a store (`Adjoints`) that writes code instead::

    if g7:                          # a zero gradient passes nothing on
        g4 += g7 * (1.0 - t3 * t3)  # tanh's rule, 1 − out², written as code

The local derivatives come from each primitive's rule applied to Symbols, so a rule's case
split (relu's step, max's arg-max) is computed at every call, never frozen at the trace.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from autodiff.backprop import Gradients, chain_rule, topological_order
from autodiff.code import (
    For,
    Form,
    Guard,
    If,
    Line,
    Operand,
    Program,
    Statement,
    Symbol,
    Unpack,
    first_assigned,
)
from autodiff.compiler import loops
from autodiff.compiler.trace import Compared, Detached, Mapped, Request, Trace
from autodiff.errors import Undefined
from autodiff.primitives import Primitive
from autodiff.value import Value

READ = Form("read", "{0}.data")
"""A Value from outside the function (a model's parameter): its number, read at each call."""
RECORDED = Form("recorded", "{0}.partials")
"""The derivatives of a node made before the function ran, as the eager pass reads them."""
CROSSED = Form("crossed", "{0}.times({1})", pure=False)
"""A gradient crossing an edge whose derivative is undefined (see `autodiff.Undefined`)."""


def rule_call(args: Sequence[str]) -> str:
    """A rule that is not code (it calls math.sin, or branches), called on the numbers."""
    prim, *inputs, out = args
    return f"{prim}.local_derivatives(({', '.join(inputs)},), {out})"


RULE = Form("rule", rule_call, pure=False)


def item(i: int) -> Form:
    return Form("item", f"{{0}}[{i}]")


SEED = Form("seed", "{0}")
"""The gradient a backward pass starts from, named after its root (``g_y = 1.0``)."""


def step_note(k: int) -> Form:
    """The comment that opens step k of a backward pass, as the stepper counts them."""
    return Form("note", lambda args: f"# step {k}: {args[0]} passes {args[1]} back", pure=False)


class GuardFailed(Exception):  # noqa: N818 -- a signal to the compiled function's caller
    """A guard of a trace does not hold for these arguments: another trace is needed."""


class Lowering:
    """Writes a trace as a Program. ``values`` says what each Value is in the code: a Symbol,
    or a constant's number; ``labels``, what a name of the program may be called after.

    ``teach``: the code a class reads beside the stepper, at some cost in speed: every node's
    gradient is a name of its own, ``g_`` and the node's (a label, else its ``t`` name, so
    ``g_t3``), never another's; the seed is one too; each node's part of a backward pass opens
    with a comment, ``# step k: ...``, counted as `autodiff.backward_steps` counts them."""

    def __init__(self, trace: Trace, parameters: dict[Value, str], *, teach: bool = False) -> None:
        self.trace = trace
        self.teach = teach
        self.program = Program()
        self.program.namespace["GuardFailed"] = GuardFailed
        self.values: dict[Value, Operand] = {
            v: self.program.argument(name) for v, name in parameters.items()
        }
        self.arguments = set(self.values.values())
        self.made = _made(trace.steps)
        self.labels: dict[str, str] = {name: name for name in parameters.values()}
        # Derivatives known only when the code runs (a rule called, or recorded before the
        # function ran): numbers, or an Undefined.
        self.opaque: set[str] = set()
        self.whole: dict[int, str] = {}  # arguments given whole (a batch), by id: their names
        self.loops: list[loops.Loop] = []  # each autodiff.map, written as a loop
        self.sampled: set[Value] = set()  # the Values of the maps' samples
        self.sums: dict[Value, tuple[loops.Loop, int]] = {}  # sums of a map's output, each one
        self.counted = False  # whether the code holds one statement per sample

    def write(self, results: Sequence[Any]) -> list[Operand]:
        """Write the trace; what each of results is in the code. What results do not need,
        and cannot fail, is left out."""
        self.write_steps(self.trace.steps)
        operands = [self.operand(r) for r in results]
        _prune(self.program.lines, {x.name for x in operands if isinstance(x, Symbol)})
        if self.loops:
            loops.guard_count(self)
        return operands

    def write_steps(self, steps: Sequence[Any]) -> None:
        for step in steps:
            if isinstance(step, Value):
                self.forward(step, step.primitive, step.parents)  # type: ignore[arg-type]
            elif isinstance(step, Detached):
                self.forward(step.leaf, step.op, step.inputs)
            elif isinstance(step, Compared):
                self.guard(step)
            elif isinstance(step, Mapped):
                self.loops.append(loops.forward(self, step))
            else:
                self.backward(step)

    def operand(self, v: Any) -> Operand:
        """What v is in the code: a name, or a constant's number."""
        if not isinstance(v, Value):
            return float(v)
        known = self.values.get(v)
        if known is not None:
            return known
        if v in self.trace.constants:
            self.values[v] = v.data
            return v.data
        symbol = self.program.hoist(READ, [v])  # v itself by reference: read once a call
        self.values[v] = symbol
        self.name_after(symbol, v)
        return symbol

    def name_after(self, symbol: Operand, v: Value, prefix: str = "") -> None:
        """Let the code name symbol after v: v's label, or the parameter v stands for."""
        held = self.values.get(v)
        named = isinstance(held, Symbol) and (self.teach or held.name in self.labels)
        label = v.label or (held.name if named else "")  # type: ignore[union-attr]
        if isinstance(symbol, Symbol) and label:
            self.labels.setdefault(symbol.name, prefix + self.labels.get(label, label))

    def forward(self, v: Value, op: Primitive, inputs: Sequence[Any]) -> None:
        if op.builtin and op.name == "sum" and self.loops:
            whole = loops.whole_output(self, inputs)
            if whole is not None:  # a map's outputs, every one in order: its list
                loop, k = whole
                self.values[v] = self.program.apply(loops.SUM, [loop.outputs[k]])
                self.name_after(self.values[v], v)
                self.sums[v] = whole
                return
        operands = [self.operand(x) for x in inputs]
        if op.builtin and op.name == "identity":  # the same number under another name
            self.values[v] = operands[0]
            return
        ones = [i for i, x in enumerate(operands) if type(x) is float and x == 1.0]
        if op.builtin and op.name == "mul" and ones:  # 1·x is x, exactly
            self.values[v] = operands[1 - ones[0]]
            return
        self.values[v] = self.program.apply(op, operands)
        self.name_after(self.values[v], v)

    def guard(self, step: Compared) -> None:
        left, right = self.operand(step.value), self.operand(step.other)
        self.program.block.append(Guard(left, step.comparison, right, step.outcome))

    def backward(self, request: Request) -> Adjoints:
        """The chain rule from request.root back, written as code; each gradient asked for
        is then its accumulator (0.0 where the root does not depend on it)."""
        order = self.order(request)
        grads = self.adjoints(request, order)
        grads.wanted = set(request.found)
        self.program.close()
        body = self.program.block  # the function's, or a loop's
        start = len(body)
        seed = self.operand(request.seed)
        if self.teach and not self.loops:
            grads.seed = seed = self.program.apply(SEED, [seed])
            self.name_after(seed, request.root, "g_")
        chain_rule(request.root, seed, grads, grads.local, order)
        self.program.close()
        sweep = body[start:]
        body[start:] = [*first_assigned(grads.zeroed, sweep), *sweep]
        for x, leaf in request.found.items():
            self.values[leaf] = grads.get(x, 0.0)
        return grads

    def order(self, request: Request) -> list[Any]:
        """The nodes the backward pass walks, inputs before users (a map's, as one)."""
        order = topological_order(request.root)
        return loops.grouped(order, loops.loops_of(self)) if self.loops else order

    def adjoints_in_loop(self, edges: Counter[Any], outer: Adjoints, mine: set[Value]) -> Adjoints:
        """The store of a backward pass inside a map's loop (see `InLoop`)."""
        return InLoop(self, edges, outer, mine)

    def adjoints(self, request: Request, order: list[Any]) -> Adjoints:
        """The walk's store for this backward pass."""
        edges: Counter[Any] = Counter()
        for node in order:
            edges.update(node.parents)
        return Adjoints(self, edges)

    def local(self, node: Value) -> list[Any]:
        """node's local derivatives, written as code: its rule applied to Symbols, or called
        on the numbers where it is not code; a node made before the function ran has its
        recorded derivatives read, as the eager pass reads them."""
        n = len(node.parents)
        if node not in self.made:
            recorded = self.program.apply(RECORDED, [node])
            return self._items(recorded, n)
        prim: Primitive = node.primitive  # type: ignore[assignment]
        inputs = [self.operand(p) for p in node.parents]
        out = self.operand(node)
        block = self.program.block
        mark = len(block)
        try:
            return list(prim.local_derivatives(inputs, out))
        except Exception:  # not code: a rule calling math.sin, say
            del block[mark:]
        return self._items(self.program.apply(RULE, [prim, *inputs, out]), n)

    def _items(self, numbers: Symbol, n: int) -> list[Any]:
        items = [self.program.apply(item(i), [numbers]) for i in range(n)]
        self.opaque.update(s.name for s in items)
        return items


def _made(steps: Sequence[Any]) -> set[Value]:
    """The nodes the function made, those of the first sample of each map among them."""
    made: set[Value] = set()
    for step in steps:
        if isinstance(step, Value):
            made.add(step)
        elif isinstance(step, Mapped):
            made |= _made(step.steps)
    return made


class Adjoints(Gradients):
    """The walk's store for code: a node's gradient is an accumulator, zeroed before the walk
    and added to (``g4 += ...``) by the blocks of the nodes it feeds; a gradient that may be
    zero opens a block that runs only where it is not (``if g7:``). A node fed by one edge,
    which passes a gradient on unchanged (a sum's), takes that gradient's name instead."""

    def __init__(self, lowering: Lowering, edges: Counter[Any]) -> None:
        super().__init__()
        self.lowering = lowering
        self.program = lowering.program
        self.outputs = loops.outputs_of(lowering) if lowering.loops else {}
        self.wanted: set[Value] = set()
        self.edges = edges  # how many edges feed each node of the walk
        self.zeroed: list[Statement] = []  # `g4 = 0.0`, one per accumulator
        self.added: set[Value] = set()  # the nodes that have one (the root has its seed)
        self.whole: set[str] = set()  # names of whole gradients: accumulators, the seed
        self.seed: Operand | None = None  # the seed's name, when teaching
        self.steps = 0  # the nodes visited so far, when teaching

    def visit(self, node: Value) -> None:
        if not self.lowering.teach or self.lowering.loops:
            return
        made_by: Primitive = node.primitive  # type: ignore[assignment]
        (first, *_) = node.parents
        held = self.lowering.values.get(first) if first.primitive is None else None
        if made_by.builtin and made_by.name == "identity" and held in self.lowering.arguments:
            return  # an argument under a new name (value_and_grad's): not a step of f's
        self.steps += 1
        self.program.close()
        self.program.call(step_note(self.steps), [self.lowering.operand(node), self[node]])

    def local(self, node: Any) -> list[Any]:
        if isinstance(node, loops.Loop):  # it passes its gradients on in its own loop
            loops.backward(self.lowering, node, self)
            return []
        summed = self.lowering.sums.get(node)
        if summed is not None and loops.spread(self, *summed, self[node]):
            return []  # its gradient reached each of the map's outputs it sums, as one list
        return self.lowering.local(node)

    def passes(self, g: Any) -> bool:
        if not isinstance(g, Symbol) or g is self.seed:
            self.program.close()
            return isinstance(g, loops.Loop) or super().passes(g)
        self.program.open_if(g)
        return True

    def reach(self, node: Value) -> None:
        self.accumulator(node)

    def across(self, g: Any, d: Any) -> Any:
        if (
            type(g) is float
            and g == 1.0
            and not (isinstance(d, Symbol) and d.name in self.lowering.opaque)
        ):
            return d  # 1·d is d, exactly (an Undefined, known when the code runs, is not)
        if type(d) is Undefined:
            return self.program.apply(CROSSED, [d, g])
        return super().across(g, d)  # g * d: a statement, for a Symbol among them

    def add(self, node: Value, contribution: Any) -> None:
        at = self.outputs.get(node)
        if at is not None:  # an output of a map's sample: into its list
            loops.reach(self, *at, contribution)
            return
        whole = isinstance(contribution, Symbol) and contribution.name in self.whole
        constant = type(contribution) is float  # a number known as the code is written
        alone = self.edges[node] == 1 and node not in self and not self.lowering.teach
        if alone and (whole or constant):
            self[node] = contribution  # its only gradient, as it is: the same name, or number
            if whole and node in self.wanted:  # one asked for: the name the reader looks for
                self.lowering.name_after(contribution, node, "g_")
            return
        self.program.accumulate(self.accumulator(node).name, contribution)

    def __setitem__(self, node: Value, g: Any) -> None:
        if isinstance(g, Symbol) and (not self or node in self.added or g.name in self.whole):
            self.whole.add(g.name)  # the seed (set first), an accumulator, or an alias
        super().__setitem__(node, g)

    def accumulator(self, node: Value) -> Symbol:
        adjoint = self.get(node)
        if node in self.added:
            return adjoint  # type: ignore[return-value]
        name = self.program.fresh("g")
        self.zeroed.append(Statement(name, None, (0.0,)))
        self.added.add(node)
        self[node] = symbol = Symbol(self.program, name)
        self.lowering.name_after(symbol, node, "g_")
        return symbol


class InLoop(Adjoints):
    """The store of a backward pass inside a map's loop: the gradients of a sample's own
    nodes are the loop's, zeroed at each sample; what every sample shares (a parameter)
    adds into its gradient outside the loop, never taking another's name (it changes with
    each sample)."""

    def __init__(
        self, lowering: Lowering, edges: Counter[Any], outer: Adjoints, mine: set[Value]
    ) -> None:
        super().__init__(lowering, edges)
        self.outer, self.mine = outer, mine

    def reach(self, node: Value) -> None:
        (self if node in self.mine else self.outer).accumulator(node)

    def add(self, node: Value, contribution: Any) -> None:
        if node in self.mine:
            super().add(node, contribution)
        elif node in self.lowering.sampled:
            if node in self.outer.wanted:
                raise loops.NotALoop("a gradient with respect to a sample of autodiff.map")
        else:
            self.program.accumulate(self.outer.accumulator(node).name, contribution)


NEVER_FAIL = frozenset({"add", "sub", "mul", "neg"})
"""Built-in operations that never raise on floats: unused, they may be left out. Any other may
raise where the eager engine would (an overflow in exp, 1/0), so it is kept."""


def _prune(lines: list[Line], needed: set[str]) -> None:
    """Leave out the statements whose results nothing needs and which cannot fail (a gradient
    no one asked for, of a constant or of a data input), and blocks left empty. One pass back
    from the end finds them all: a line is kept only if a kept line after it reads it."""
    live = set(needed)
    _mark(lines, live)
    _sweep(lines, live)


def _mark(lines: list[Line], live: set[str]) -> bool:
    """Add to live what the kept lines read; whether any line here is kept."""
    kept = False
    for line in reversed(lines):  # a name is read after it is set: mark from the end
        if isinstance(line, If):
            if _mark(line.body, live):
                live.add(line.test)
                kept = True
        elif isinstance(line, For):
            live.update(line.reads)
            kept |= _mark(line.body, live) | _mark(line.body, live)  # twice: it repeats
        elif isinstance(line, Unpack):
            live.add(line.source.name)
            kept = True
        elif isinstance(line, Guard) or line.target in live or not _removable(line):
            if isinstance(line, Guard):
                live.update(x.name for x in (line.left, line.right) if isinstance(x, Symbol))
            else:
                live.update(x.name for x in line.args if isinstance(x, Symbol))
            kept = True
    return kept


def _sweep(lines: list[Line], live: set[str]) -> None:
    """Remove what is not live. Blocks left side by side that test the same gradient become
    one."""
    kept: list[Line] = []
    for line in lines:
        if isinstance(line, If):
            _sweep(line.body, live)
            last = kept[-1] if kept else None
            if isinstance(last, If) and last.test == line.test:
                last.body += line.body
            elif line.body:
                kept.append(line)
        elif isinstance(line, For):
            _sweep(line.body, live)
            kept.append(line)
        elif isinstance(line, Unpack | Guard) or line.target in live or not _removable(line):
            kept.append(line)
    lines[:] = kept


def _removable(line: Statement) -> bool:
    if not line.target:
        return False  # a call made for its effect (an append)
    op = line.op
    if op is None or isinstance(op, Form):
        return op is None or op.pure
    if op.builtin and op.name == "div":  # by a nonzero constant: it cannot raise either
        divisor = line.args[1]
        return type(divisor) is float and divisor != 0.0
    return op.builtin and op.name in NEVER_FAIL
