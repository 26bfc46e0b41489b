"""`autodiff.map` written as loops: compiling a function over a batch costs what one sample does.

The trace heard f step by step on the first sample only (`trace.Mapped`). Its steps are
written once, inside a loop over the samples::

    for (s0, s1), (s2,) in zip(xs, ts):
        ...                      # f on one sample
        t5.append(t9)            # its output
        t6.append((s0, t3, t7))  # what its backward pass will need

and, for a gradient asked through the map, its backward pass inside a loop back over them,
the last first, as the eager backward pass takes them: the chain rule's walk
(`autodiff.backprop.chain_rule`) over the first sample's nodes, seeded with the gradient that
reached each sample's output, adding into the gradients of what every sample shares (a
model's parameters) as the eager pass adds into them::

    for _i in range(99, -1, -1):
        s0, t3, t7 = t6[_i]
        g12 = g11[_i]
        ...
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from autodiff.backprop import chain_rule, topological_order
from autodiff.code import For, Form, If, Line, Statement, Symbol, Unpack, first_assigned
from autodiff.compiler.trace import Mapped
from autodiff.value import Value

if TYPE_CHECKING:
    from autodiff.compiler.lower import Adjoints, Lowering

LIST = Form("list", "[]")
SUM = Form("sum", "sum({0}, 0.0)")
"""A sum of a map's outputs, all of them in order: as Python's sum adds them (as `ad.sum`)."""
AT_I = Form("item", "{0}[_i]")


def _append(args: Sequence[str]) -> str:
    target, *items = args
    item = items[0] if len(items) == 1 else f"({', '.join(items)},)"
    return f"{target}.append({item})"


APPEND = Form("append", _append)


def _at(i: int) -> Form:
    return Form("item", f"{{0}}[{i}]")


def _zeros(n: int) -> Form:
    return Form("zeros", f"[0.0] * {n}")


class NotALoop(Exception):  # noqa: N818 -- not the caller's error: the call runs eagerly
    """A map the code cannot write as a loop; the function runs eagerly, with a warning."""


@dataclass(eq=False)
class Loop:
    """A map as the backward pass meets it: one node standing for every sample's nodes."""

    step: Mapped
    forward: For
    outputs: list[Symbol]  # a list per output of f: its value for each sample
    saved: Symbol  # a list: what each sample's backward pass needs of its forward
    gradients: dict[int, Symbol] = field(default_factory=dict)  # per output: what reached it
    parents: tuple[Any, ...] = ()  # a map passes its gradients on inside its own loop


def forward(lowering: Lowering, step: Mapped) -> Loop:
    """The loop over the samples; and what each output of every sample is in the code."""
    program = lowering.program
    leaves = [_leaves(out) for out in step.outputs]
    for sample in step.samples:
        lowering.sampled.update(v for v in _leaves(sample) if isinstance(v, Value))
    outputs = [program.apply(LIST, []) for _ in leaves[0]]
    saved = program.apply(LIST, [])
    iterable = _iterable(lowering, step)
    target = ", ".join(_target(lowering, item) for item in step.samples[0])
    loop = program.begin_loop(target, iterable)
    lowering.write_steps(step.steps)
    for out, leaf in zip(outputs, leaves[0]):
        program.call(APPEND, [out, lowering.operand(leaf)])
    program.end_loop()
    for i, each in enumerate(leaves):
        for out, leaf in zip(outputs, each):
            if isinstance(leaf, Value):
                lowering.values[leaf] = program.apply(_at(i), [out])
    return Loop(step, loop, outputs, saved)


def _leaves(out: Any) -> list[Any]:
    if isinstance(out, list | tuple):
        return [leaf for item in out for leaf in _leaves(item)]
    return [out]


def _target(lowering: Lowering, item: Any) -> str:
    """The loop's name for an item of the first sample (a Value, or a list of them)."""
    if isinstance(item, Value):
        name = lowering.program.fresh("s")
        lowering.values[item] = Symbol(lowering.program, name)
        return name
    return "(" + "".join(f"{_target(lowering, inner)}, " for inner in item) + ")"


def _iterable(lowering: Lowering, step: Mapped) -> str:
    """The batches as the loop takes them: arguments given whole, by their names."""
    names = [lowering.whole.get(id(batch)) for batch in step.batches]
    if not all(names):
        raise NotALoop(
            "autodiff.map, compiled, takes as its batches arguments of the compiled function "
            "(lists of samples), not lists made inside it"
        )
    given = [name for name in names if name is not None]
    return given[0] if len(given) == 1 else f"zip({', '.join(given)})"


def whole_output(lowering: Lowering, values: Sequence[Any]) -> Symbol | None:
    """The list of a map's output that values are, every sample's in order, if they are."""
    for loop in lowering.loops:
        for k, out in enumerate(loop.outputs):
            each = [_leaves(sample)[k] for sample in loop.step.outputs]
            if len(each) == len(values) and all(a is b for a, b in zip(each, values)):
                return out
    return None


def loops_of(lowering: Lowering) -> dict[Value, Loop]:
    """Each node a map's samples made, and the loop that stands for it."""
    found: dict[Value, Loop] = {}
    for loop in lowering.loops:
        for made in loop.step.made:
            found.update(dict.fromkeys(made, loop))
    return found


def grouped(order: list[Any], loops: dict[Value, Loop]) -> list[Any]:
    """The backward pass's nodes, each map's in the place of its last one."""
    out: list[Any] = []
    position: dict[int, int] = {}
    for node in order:
        loop = loops.get(node)
        if loop is None:
            out.append(node)
            continue
        if id(loop) in position:
            out[position[id(loop)]] = None
        position[id(loop)] = len(out)
        out.append(loop)
    return [node for node in out if node is not None]


def outputs_of(lowering: Lowering) -> dict[Value, tuple[Loop, int, int]]:
    """Each output Value of a map's samples: its loop, which output of f it is, which sample."""
    found: dict[Value, tuple[Loop, int, int]] = {}
    for loop in lowering.loops:
        for i, out in enumerate(loop.step.outputs):
            for k, leaf in enumerate(_leaves(out)):
                if isinstance(leaf, Value):
                    found[leaf] = (loop, k, i)
    return found


def reach(outer: Adjoints, loop: Loop, k: int, i: int, contribution: Any) -> None:
    """A gradient reaching output k of sample i: into that output's list."""
    gradients = loop.gradients.get(k)
    if gradients is None:
        gradients = loop.gradients[k] = outer.program.apply(_zeros(len(loop.step.samples)), [])
        outer.zeroed.append(outer.program.block.pop())  # type: ignore[arg-type]
        dict.__setitem__(outer, loop, gradients)
    outer.program.accumulate(gradients.name, contribution, (i,))


def backward(lowering: Lowering, loop: Loop, outer: Adjoints) -> None:
    """The loop back over the samples, the last first: for each, the chain rule's walk over
    the first sample's nodes, seeded with what reached its output."""
    program = lowering.program
    step = loop.step
    if len(loop.gradients) != 1:
        raise NotALoop("a gradient through autodiff.map, compiled, reaches one output of f")
    [(k, gradients)] = loop.gradients.items()
    root = _leaves(step.outputs[0])[k]
    mine = step.made[0]
    order = [node for node in topological_order(root) if node in mine]
    restore = Unpack([], loop.saved)
    body = program.begin_loop("_i", f"range({len(step.samples) - 1}, -1, -1)")
    program.block.append(restore)
    seed = program.apply(AT_I, [gradients])
    edges: Counter[Any] = Counter()
    for node in order:
        edges.update(node.parents)
    inner = lowering.adjoints_in_loop(edges, outer, mine)
    chain_rule(root, seed, inner, inner.local, order)
    program.close()
    body.body[1:] = [*first_assigned(inner.zeroed, body.body[1:]), *body.body[1:]]
    program.end_loop()
    needed = sorted(_read(body.body) & _defined(loop.forward), key=_ordinal)
    restore.targets = needed
    if needed:
        items = tuple(Symbol(program, name) for name in needed)
        loop.forward.body.append(Statement("", APPEND, (loop.saved, *items)))
    else:
        body.body.remove(restore)


def _ordinal(name: str) -> tuple[str, int]:
    head = name.rstrip("0123456789")
    return head, int(name[len(head) :] or 0)


def _defined(loop: For) -> set[str]:
    """The names a loop's body sets, and its target's."""
    found = {name.strip("() ") for name in loop.target.split(",") if name.strip("() ")}
    for line in _walk(loop.body):
        if isinstance(line, Statement) and line.target:
            found.add(line.target)
    return found


def _read(lines: list[Line]) -> set[str]:
    found: set[str] = set()
    for line in _walk(lines):
        if isinstance(line, If):
            found.add(line.test)
        elif isinstance(line, Statement):
            found.update(x.name for x in line.args if isinstance(x, Symbol))
    return found


def _walk(lines: list[Line]) -> list[Line]:
    out: list[Line] = []
    for line in lines:
        out.append(line)
        if isinstance(line, If | For):
            out += _walk(line.body)
    return out
