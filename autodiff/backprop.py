"""The backward pass: the distributed chain rule, from the output back to every input.

Every node already carries the local derivative of its output with respect to each input (its
edge weights). Going through the nodes so that each one comes after every node it feeds,
each node passes ``its grad × edge weight`` on to each input; an input fed into several nodes
sums what they pass back, which is the distributed chain rule. Nothing here recurses, so the
depth of a graph is limited only by memory.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from autodiff.errors import UndefinedDerivative
from autodiff.grad_mode import _recording
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


def backward(root: Value, grad: float | Value = 1.0, *, create_graph: bool = False) -> None:
    """Set ``.grad`` of every Value that root depends on to d root / d that Value.

    Leaves accumulate (``+=``) across calls, as in PyTorch; every other node's ``.grad`` is
    reset and recomputed, so repeated calls never count a path twice. With ``create_graph``
    each ``.grad`` is a Value with a graph of its own, which can be differentiated again.
    """
    if create_graph:
        _backward_with_graph(root, grad)
        return
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
            x.grad += g * node._dx  # type: ignore[union-attr]
            y.grad += g * node._dy
        elif type(x) is tuple:
            for p, d in zip(x, node._dx):  # type: ignore[arg-type]
                p.grad += g * d
        else:
            x.grad += g * node._dx  # type: ignore[union-attr]


def gradients(
    output: Value,
    inputs: Sequence[Value],
    grad: float | Value = 1.0,
    *,
    create_graph: bool = False,
) -> list[Any]:
    """d output / d input for each input (0.0 where output does not depend on it).

    No ``.grad`` is read or written, like ``torch.autograd.grad``. With ``create_graph`` the
    results are Values whose graphs can be differentiated again.
    """
    found = gradient_map(output, grad, create_graph=create_graph)
    return [found.get(x, 0.0) for x in inputs]


def gradient_map(root: Value, seed: float | Value, *, create_graph: bool) -> dict[Value, Any]:
    """d root / d node for every node root depends on, by the distributed chain rule.

    Without create_graph the edges' recorded local derivatives (floats) are used. With it,
    each node's rule is applied again, to Values this time: the very rule that computed the
    recorded floats, so the results carry graphs of their own. That pass records even inside
    ``no_grad()``: a derivative graph was asked for.
    """
    grads: dict[Value, Any] = {root: seed if isinstance(seed, Value) else as_float(seed, "seed")}
    token = _recording.set(True) if create_graph else None
    try:
        for node in reversed(topological_order(root)):
            g = grads.get(node)
            if g is None:
                continue  # no path from root reaches this node
            parents = node.parents
            if type(g) is float and g == 0.0:  # it passes on nothing; its inputs are reached
                for parent in parents:
                    grads.setdefault(parent, 0.0)
                continue
            partials = (
                node._op.local_derivatives(parents, node)  # type: ignore[union-attr]
                if create_graph
                else node.partials
            )
            for parent, d in zip(parents, partials):
                if type(d) is float:
                    if d == 0.0:  # a constant 0: nothing to add, at any order; but reached
                        grads.setdefault(parent, 0.0)
                        continue
                    contribution = g if d == 1.0 else g * d
                elif type(d) is UndefinedDerivative:
                    raise d.crossed_by(g)
                else:
                    contribution = g * d
                previous = grads.get(parent)
                grads[parent] = contribution if previous is None else previous + contribution
    finally:
        if token is not None:
            _recording.reset(token)
    return grads


def _backward_with_graph(root: Value, seed: float | Value) -> None:
    grads = gradient_map(root, seed, create_graph=True)
    for node in topological_order(root):
        node.grad = _as_value(grads.get(node, 0.0))
    for node, g in grads.items():
        if node._op is None:  # leaves accumulate, here too
            old = node.grad
            node.grad = _as_value(g) if type(old) is float and old == 0.0 else old + g


def _as_value(g: Any) -> Value:
    return g if isinstance(g, Value) else Value(g)


def zero_grad(values: Iterable[Value]) -> None:
    """Set ``.grad`` to 0 for each of these Values, before accumulating anew."""
    for v in values:
        v.grad = 0.0
