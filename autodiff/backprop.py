"""The backward pass: the distributed chain rule over a graph of Values.

`topological_order` lists the nodes so that each comes after its inputs. `chain_rule` walks
them from the output back; each node passes its gradient times each edge's local derivative
to that edge's input, and an input fed by several nodes sums what they pass. The policy,
stated here once for every reader of the walk:

- a gradient that is zero passes nothing on: its node's edges are skipped (the inputs still
  count as reached), as for a ReLU that is off;
- a gradient crossing an edge is multiplied by the edge's derivative; an undefined derivative
  (`autodiff.Undefined`) stops it there, raising unless the gradient is zero.

The walk has three readers, as a derivative rule has: floats (`gradients`), Values, which
build the graph of the derivative itself (``create_graph``), and Symbols, which write the
backward pass as code (`autodiff.compiler`). Each is a `Gradients` store: where gradients
are kept, how they add up, and what "zero" is. `backward()`, the common case, is the same
walk on floats kept in each Value's ``.grad``, written out as one loop, `pass_on`:
measured 2.8× faster on a 200k-node graph than the walk with a store; `gradients()` on floats
(and a compiler's trace) runs that loop too, lending each ``.grad`` and giving it back.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from autodiff.checks import as_flag, as_float, as_value, as_values
from autodiff.errors import Undefined
from autodiff.grad_mode import recording, tracer
from autodiff.value import Value

_INPUTS_DONE = object()  # marks, on the search stack, that the node below has its inputs placed


def topological_order(root: Value) -> list[Value]:
    """The nodes made by operations that root depends on (root too), inputs before users.

    A depth-first search with its own stack, visiting each node's inputs in their order, so
    nodes come in the order a program made them (an MLP's z1.1, y1.1, z1.2, ...) and the
    backward pass walks them in reverse. Leaves are left out: they pass nothing back.
    """
    as_value(root, "topological_order(root)")
    order: list[Value] = []
    seen: set[Value] = set()  # expanded nodes; a node pushed twice before that is expanded once
    stack: list[Any] = [root] if root._primitive is not None else []
    push = stack.append
    while stack:
        node = stack.pop()
        if node is _INPUTS_DONE:
            order.append(stack.pop())
        elif node not in seen:
            seen.add(node)
            push(node)
            push(_INPUTS_DONE)
            x, y = node._x, node._y  # its inputs, read from the slots (see Value)
            # Pushed last input first, so the first is popped, and placed, first.
            for p in (y, x) if y is not None else reversed(x) if type(x) is tuple else (x,):
                if p._primitive is not None and p not in seen:
                    push(p)
    return order


class Gradients(dict[Any, Any]):
    """Gradients by node, as floats or as Values (``create_graph``): the store of the walk.

    A store says what a zero gradient is (`passes`), how a gradient crosses an edge
    (`across`), and how the gradients reaching a node add up (`add`). The compiler's store
    writes code instead (`autodiff.compiler`).
    """

    def visit(self, node: Value) -> None:
        """The walk is at node, whose gradient is final: its turn to pass it on (nothing to
        do here; the compiler's store, for teaching, writes a comment saying so)."""

    def passes(self, g: Any) -> bool:
        """Whether g passes anything on: a zero float does not; a Value always does (its
        graph is kept, whatever its number)."""
        return not (type(g) is float and g == 0.0)

    def reach(self, node: Value) -> None:
        """node is reached by a zero gradient: its gradient is 0, not missing."""
        self.setdefault(node, 0.0)

    def across(self, g: Any, d: Any) -> Any:
        """What g carries across an edge whose derivative is d."""
        if type(d) is float and d == 1.0:
            return g  # g·1 is g, exactly: and, for a Value, no node
        if type(d) is float and d == -1.0:
            return -g  # g·(−1) is −g, exactly
        if type(d) is float and d == 0.0 and type(g) is float and math.isfinite(g):
            return 0.0  # g·0 is 0, as backward() gives it: not −0.0 for a negative g
        if type(d) is Undefined:
            return d.times(g)
        return g * d

    def add(self, node: Value, contribution: Any) -> None:
        """A gradient reaching node; several add up, from 0 as backward() adds them to a
        ``.grad`` (so an underflowed −0.0 that comes first is 0.0, as 0.0 + −0.0 is)."""
        previous = self.get(node)
        if previous is not None:
            self[node] = previous + contribution
        else:  # a Value is kept as it is: 0 + it would be one more node
            self[node] = 0.0 + contribution if type(contribution) is float else contribution


def chain_rule(
    root: Any,
    seed: Any,
    grads: Gradients,
    local: Callable[[Any], Sequence[Any]] = lambda node: node.partials,
    order: Sequence[Any] | None = None,
) -> Gradients:
    """d root / d node for every node root depends on, by the distributed chain rule, into
    grads (see the module docstring). ``local(node)`` gives a node's local derivatives: by
    default those recorded on its edges; applied again to Values for a graph of them.
    ``order``: the nodes, inputs before users (by default root's graph, topologically
    ordered); any node with ``parents`` will do (the compiler's layers of a network)."""
    grads[root] = seed
    for node in reversed(topological_order(root) if order is None else order):
        g = grads.get(node)
        if g is None:
            continue  # no path from root reaches this node
        grads.visit(node)
        if not grads.passes(g):
            for parent in node.parents:
                grads.reach(parent)
            continue
        for parent, d in zip(node.parents, local(node)):
            grads.add(parent, grads.across(g, d))
    return grads


def rules_on_values(node: Value) -> tuple[Any, ...]:
    """node's local derivatives as Values: its rule applied again, to its inputs and itself."""
    return node.primitive.on_values(node.parents, node)  # type: ignore[union-attr]


# -- backward(): the walk on floats, in each Value's .grad --------------------------------------


def pass_on(nodes: Iterable[Value]) -> None:
    """Each node in turn adds its grad × each edge's derivative to that input's grad: the
    steps of the walk, for nodes an operation made (a leaf has no inputs). One loop for the
    whole pass, not a call per node: a call per node cost 1.5% of the eager demo step.

    A zero gradient passes nothing on; an undefined derivative raises unless the gradient is
    zero (``g * d`` lands in `Undefined.times`).
    """
    for node in nodes:
        g = node.grad
        if g != 0.0:
            x, y = node._x, node._y  # its inputs and their derivatives, from the slots (see Value)
            if y is not None:
                x.grad += g * node._dx  # type: ignore[union-attr]
                y.grad += g * node._dy
            elif type(x) is tuple:
                for p, d in zip(x, node._dx):  # type: ignore[arg-type]
                    p.grad += g * d
            else:
                x.grad += g * node._dx  # type: ignore[union-attr]


def backward(root: Value, grad: float | Value = 1.0, *, create_graph: bool = False) -> None:
    """Set ``.grad`` of every Value that root depends on to d root / d that Value.

    Leaves accumulate (``+=``) across calls, as in PyTorch; every other node's ``.grad`` is
    reset and recomputed, so repeated calls never count a path twice. With ``create_graph``
    each ``.grad`` is a Value with a graph of its own, which can be differentiated again.
    """
    as_value(root, "backward(root)")
    _refused_while_traced("backward()")
    if as_flag(create_graph, "backward(create_graph=...)"):
        seed = grad if isinstance(grad, Value) else as_float(grad, "backward(grad)")
        with recording(True):  # a derivative graph was asked for, even inside no_grad()
            grads = chain_rule(root, seed, Gradients(), rules_on_values)
        _store(root, grads)
        return
    pass_on(reversed(_started(root, as_float(grad, "backward(grad)"))))


def _started(root: Value, seed: float) -> list[Value]:
    """root's graph, its interior .grads reset and root's seeded (leaves' accumulate)."""
    order = topological_order(root)
    for node in order:
        node.grad = 0.0
    root.grad += seed
    return order


def _store(root: Value, grads: Gradients) -> None:
    """Gradients with graphs into .grad: interior nodes recomputed, leaves accumulating."""
    for node in topological_order(root):
        node.grad = _as_value(grads[node])  # the walk reaches every node of root's graph
    for node, g in grads.items():
        if node.primitive is None:
            old = node.grad
            node.grad = _as_value(g) if type(old) is float and old == 0.0 else old + g


def _as_value(g: Any) -> Value:
    return g if isinstance(g, Value) else Value(g)


def _refused_while_traced(what: str) -> None:
    listening = tracer()
    if listening is not None:
        listening.refuse(what)


def gradients(
    output: Value,
    inputs: Iterable[Value],
    grad: float | Value = 1.0,
    *,
    create_graph: bool = False,
) -> list[Any]:
    """d output / d input for each input (0.0 where output does not depend on it).

    No ``.grad`` is read or written, like ``torch.autograd.grad``. With ``create_graph`` the
    results are Values whose graphs can be differentiated again.
    """
    as_value(output, "gradients(output)")
    inputs = as_values(inputs, "gradients(inputs)")
    seed = grad if isinstance(grad, Value) else as_float(grad, "gradients(grad)")
    found = gradients_of(
        output, seed, inputs, create_graph=as_flag(create_graph, "gradients(create_graph)")
    )
    return [found.get(x, 0.0) for x in inputs]


def gradients_of(
    root: Value, seed: Any, inputs: Sequence[Value], *, create_graph: bool
) -> dict[Value, Any]:
    """d root / d input for each of inputs that root depends on, unchecked (for the
    transformations). While a function is traced for compiling, and no graph is asked for,
    the tracer answers, with Values standing for numbers the compiled code computes."""
    if not create_graph:
        listening = tracer()
        if listening is not None:  # the seed may be a Value: the code computes its number
            return listening.gradients(root, seed, list(inputs))
        return gradients_on_floats(root, seed.data if isinstance(seed, Value) else seed, inputs)
    # A failure on the way is an operation's, which a listening tracer hears (f may catch it).
    with recording(True):  # a derivative graph was asked for, even inside no_grad()
        grads = chain_rule(root, seed, Gradients(), rules_on_values)
    return {x: grads[x] for x in inputs if x in grads}


def gradients_on_floats(root: Value, seed: float, inputs: Iterable[Value]) -> dict[Value, float]:
    """d root / d input for each of inputs that root reaches, by backward()'s own loop on
    floats (`pass_on`), each ``.grad`` it uses lent and given back as it was."""
    if root._primitive is None:  # a leaf: its own gradient only
        return {x: seed for x in inputs if x is root}
    order = topological_order(root)
    leaves = {p for node in order for p in node.parents if p._primitive is None}
    lent = [*order, *leaves]
    kept = [v.grad for v in lent]
    try:
        for v in lent:
            v.grad = 0.0
        root.grad = seed
        pass_on(reversed(order))
        reached = set(lent)
        return {x: x.grad for x in inputs if x in reached}
    finally:
        for v, g in zip(lent, kept):
            v.grad = g


def zero_grad(values: Iterable[Value]) -> None:
    """Set ``.grad`` to 0 for each of these Values, before accumulating anew."""
    for v in as_values(values, "zero_grad(values)"):
        v.grad = 0.0


# -- the backward pass one node at a time ---------------------------------------------------------
# A learner follows the chain rule node by node (the lecture's `o._backward(); n._backward()`),
# and a stepper widget shows it: `backward_steps` is `backward` as a generator.


@dataclass(frozen=True)
class BackwardStep:
    """One step of the backward pass: ``node`` passed its gradient ``grad`` on to its inputs.

    ``passed`` lists, for each edge of node in the order of ``node.parents``, the input and
    what crossed the edge to it: grad × the edge's local derivative, added to that input's
    ``.grad``. A node whose gradient is 0 passes nothing: ``passed`` is then empty.
    """

    node: Value
    grad: float
    passed: tuple[tuple[Value, float], ...]


def backward_steps(root: Value, grad: float = 1.0) -> Iterator[BackwardStep]:
    """``root.backward(grad)`` one node at a time: yields each node as it passes its gradient on.

    The same walk as `backward`, with the same result once exhausted: nodes in reverse
    topological order (each after every node it feeds), root first. The call itself starts
    the pass, so that the moment before the first step can be shown: every ``.grad`` it
    reaches is reset, except leaves', which accumulate, and root's is seeded with grad. At
    each yield the ``.grad`` of the nodes already passed is final. Leaves are not yielded: they
    pass nothing on, and receive their gradients in the ``passed`` of the nodes they feed.
    Gradients are floats (``create_graph`` is `backward`'s).
    """
    as_value(root, "backward_steps(root)")
    seed = as_float(grad, "backward_steps(grad)")
    _refused_while_traced("backward_steps()")
    return _steps(_started(root, seed))


def _steps(order: list[Value]) -> Iterator[BackwardStep]:
    for node in reversed(order):
        g = node.grad
        pass_on((node,))
        # What pass_on added to each input's grad (nothing, for a zero gradient).
        crossed = zip(node.parents, node.partials)
        yield BackwardStep(node, g, tuple((p, g * d) for p, d in crossed) if g != 0.0 else ())
