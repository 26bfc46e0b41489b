"""A graph already built, compiled: the code of its backward pass, as the stepper shows it.

The compiler compiles functions; a graph (a Value and all it depends on) becomes one by being
replayed: a function of the graph's labelled leaves that applies the same operations, node by
node, labels included, and returns the output and its gradient with respect to each of those
leaves. Leaves without a label (the 2 of ``x * 2``) are the numbers they hold. Compiled with
``teach=True`` and run at the graph's own numbers, its code counts the steps of its backward
pass as `autodiff.backward_steps` does on the graph itself, but for an identity of an argument
(which value_and_grad makes of each, to differentiate by): `step_numbers` says how.
"""

from __future__ import annotations

import inspect
from typing import Any

from autodiff.backprop import gradients, topological_order
from autodiff.compiler import Compiled, compile
from autodiff.compiler.python import identifier
from autodiff.value import Value


def compile_graph(root: Value, *, teach: bool = True) -> Compiled:
    """root's graph as a compiled function of its labelled leaves, traced at their numbers:
    its ``.source`` is the code of the forward pass and of root's backward pass."""
    order = topological_order(root)
    leaves = list({p: None for node in order for p in node.parents if _named(p)})
    names: list[str] = []
    for leaf in leaves:  # distinct names, for leaves that share a label
        name, k = identifier(leaf.label) or "x", 2
        while name in names:
            name, k = f"{identifier(leaf.label)}_{k}", k + 1
        names.append(name)

    def replayed(*numbers: Value) -> tuple[Any, ...]:
        made: dict[Value, Any] = dict(zip(leaves, numbers))
        for node in order:
            inputs = [made.get(p, p.data) for p in node.parents]
            out = node.primitive.apply(*inputs)  # type: ignore[union-attr]
            if isinstance(out, Value):  # (of numbers only, a number: no leaf is labelled)
                out.label = node.label
            made[node] = out
        output = made.get(root, root)
        if not isinstance(output, Value):
            return (output,)
        return (output, *gradients(output, list(numbers)))

    kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
    replayed.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter(name, kind) for name in names]
    )
    replayed.__name__ = "backward"
    compiled = compile(replayed, teach=teach)
    compiled(*(leaf.data for leaf in leaves))
    return compiled


def step_numbers(root: Value) -> list[int | None]:
    """For each step of root's backward pass, from the first: the number of its comment in
    the code of `compile_graph`, or None for an identity of a labelled leaf (an argument of
    the code), which the code does not count as a step of its own."""
    numbers: list[int | None] = []
    k = 0
    for node in reversed(topological_order(root)):
        renamed = node.op == "identity" and _named(node.parents[0])
        k += not renamed
        numbers.append(None if renamed else k)
    return numbers


def _named(v: Value) -> bool:
    return v.primitive is None and identifier(v.label) is not None
