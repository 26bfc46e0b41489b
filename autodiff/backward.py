"""The backward pass: the distributed chain rule, from the output back to every input.

Every node already carries the local derivative of its output with respect to each input (its
edge weights). Going through the nodes so that each one comes after every node it feeds,
each node passes ``its grad × edge weight`` on to each input; an input fed into several nodes
sums what they pass back, which is the distributed chain rule. Nothing here recurses, so the
depth of a graph is limited only by memory.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from autodiff.value import Value, as_float

# Marks, on the search stack, that every input of the node just below has been placed.
_INPUTS_DONE = object()


def topological_order(root: Value) -> list[Value]:
    """The nodes made by operations that root depends on (root too), inputs before users.

    A depth-first search with its own stack. Leaves are left out: they pass nothing back.
    """
    order: list[Value] = []
    seen: set[Value] = set()  # expanded nodes; a node pushed twice before that is expanded once
    stack: list[Any] = [root] if root._op is not None else []
    push = stack.append
    while stack:
        node = stack.pop()
        if node is _INPUTS_DONE:
            order.append(stack.pop())
        elif node not in seen:
            seen.add(node)
            push(node)
            push(_INPUTS_DONE)
            x, y = node._x, node._y
            for p in (x, y) if y is not None else x if type(x) is tuple else (x,):
                if p._op is not None and p not in seen:
                    push(p)
    return order


def backward(root: Value, grad: float = 1.0) -> None:
    """Set ``.grad`` of every Value that root depends on to d root / d that Value.

    Leaves accumulate (``+=``) across calls, as in PyTorch; every other node's ``.grad`` is
    reset and recomputed, so repeated calls never count a path twice.
    """
    seed = as_float(grad, "backward(grad)")
    order = topological_order(root)
    for node in order:
        node.grad = 0.0
    root.grad += seed
    for node in reversed(order):
        g = node.grad
        if g == 0.0:
            # Nothing to pass on (a dead ReLU, a sample inside the margin): skip its edges.
            # Only an infinite or NaN local derivative would have made 0 × it differ from 0.
            continue
        x, y = node._x, node._y
        if y is not None:
            x.grad += g * node._dx  # type: ignore[union-attr,operator]
            y.grad += g * node._dy
        elif type(x) is tuple:
            for p, d in zip(x, node._dx):  # type: ignore[arg-type]
                p.grad += g * d
        else:
            x.grad += g * node._dx  # type: ignore[union-attr,operator]


def zero_grad(values: Iterable[Value]) -> None:
    """Set ``.grad`` to 0 for each of these Values, before accumulating anew."""
    for v in values:
        v.grad = 0.0
