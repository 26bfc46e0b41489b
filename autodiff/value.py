"""The Value, one float of a computational graph, and the backward pass over its graph.

A Value made by an operation records the operation, its inputs and the local derivative of its
output with respect to each input, computed when it is made: the edge weights of the lectures'
influence diagram. ``backward()`` orders the graph so that every node comes after the nodes it
feeds, and applies the distributed chain rule from the output back: each node passes
``its grad × edge derivative`` to each input, and an input that feeds several nodes sums what
they pass back. Nothing here recurses, so the depth of a graph is limited only by memory.

The operations (``+``, ``*``, ``tanh``...) are registered in `autodiff.ops`; registering one
attaches its operator or method to Value (`autodiff.primitives`).
"""

from __future__ import annotations

import math
import numbers
import operator
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Union

from autodiff.errors import Undefined
from autodiff.grad_mode import _recording, set_recording, tracer

if TYPE_CHECKING:
    from autodiff.primitives import Primitive

Operand = Union["Value", float, int]
"""What the operators accept on either side: a Value or a real number."""


def as_float(x: object, where: str) -> float:
    """x as a float, or a TypeError that names `where` and the type it got."""
    if type(x) is float:
        return x
    if isinstance(x, numbers.Real):
        try:
            return float(x)
        except OverflowError:
            raise OverflowError(f"{where} got a number too large for a float") from None
    raise TypeError(f"{where} needs a real number, got {type(x).__name__!r}")


def as_flag(x: object, where: str) -> bool:
    """x, if it is True or False; else a TypeError that names `where`."""
    if not isinstance(x, bool):
        raise TypeError(f"{where} needs True or False, got {type(x).__name__!r}")
    return x


def as_count(x: object, where: str) -> int:
    """x as a positive int (an index, not a bool), or an error that names `where`."""
    if isinstance(x, bool):  # True is an int to Python, not a count
        raise TypeError(f"{where} needs an int, got a bool")
    try:
        count = operator.index(x)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(f"{where} needs an int, got {type(x).__name__!r}") from None
    if count < 1:
        raise ValueError(f"{where} needs a positive int, got {count}")
    return count


def as_value(x: object, where: str) -> Value:
    """x, if it is a Value; else a TypeError that names `where` and what it got."""
    if not isinstance(x, Value):
        raise TypeError(f"{where} needs a Value, got {type(x).__name__!r}")
    return x


def as_values(xs: object, where: str) -> list[Value]:
    """xs as a list of Values (from any iterable of them), or a TypeError naming `where`."""
    if isinstance(xs, Value | str | bytes):
        raise TypeError(f"{where} needs an iterable of Values, got a {type(xs).__name__}")
    try:
        values = list(xs)  # type: ignore[call-overload]
    except TypeError:
        raise TypeError(f"{where} needs an iterable of Values, got {type(xs).__name__!r}") from None
    for i, v in enumerate(values):
        if not isinstance(v, Value):
            raise TypeError(f"{where}: item {i} is a {type(v).__name__}, not a Value")
    return values  # type: ignore[no-any-return]  # each checked above


def data_of(x: Value | float) -> float:
    """The number a Value holds, or the number itself (rules and results may be either)."""
    return x.data if isinstance(x, Value) else float(x)


class Value:
    """One float of a computational graph, and the derivative of a result with respect to it.

    ``data`` is the number; ``grad`` is filled in by ``backward()``. A Value made by an
    operation also records the operation, its inputs and the local derivative of its output
    with respect to each input: ``op``, ``parents`` and ``partials`` show them.

    ``==`` and ``hash`` are identity, so Values can be set members and dict keys;
    ``< <= > >=`` compare ``data``.
    """

    # A graph has one object per node and no reference cycles, so reference counting frees it
    # and the cyclic garbage collector has little to scan. A node with one or two inputs keeps
    # them and their local derivatives in its own slots (_x, _y, _dx, _dy; _y is None for one
    # input); a node with more keeps a tuple of inputs in _x and one of derivatives in _dx.
    # Leaves have _prim None and leave the other four unset.
    __slots__ = ("_dx", "_dy", "_prim", "_x", "_y", "data", "grad", "label")

    data: float
    grad: Any  # a float; a Value after backward(create_graph=True)
    label: str
    _prim: Primitive | None
    _x: Value | tuple[Value, ...]
    _y: Value | None
    _dx: float | Undefined | tuple[float | Undefined, ...]
    _dy: float | Undefined

    def __init__(self, data: float, label: str = "") -> None:
        if not isinstance(label, str):
            raise TypeError(f"Value(label) needs a str, got {type(label).__name__!r}")
        self.data = as_float(data, "Value(data)")
        self.grad = 0.0
        self.label = label
        self._prim = None

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        grad = self.grad
        # After create_graph the grad is a Value: show its number, never recurse into it.
        shown = f"Value(data={grad.data!r})" if isinstance(grad, Value) else repr(grad)
        return f"Value(data={self.data!r}, grad={shown}{label})"

    # -- the graph, read-only ---------------------------------------------------------------

    @property
    def op(self) -> str:
        """The name of the operation that made this Value ('' for a leaf)."""
        return "" if self._prim is None else self._prim.label

    @property
    def primitive(self) -> Primitive | None:
        """The primitive that made this Value, with its parameters (None for a leaf)."""
        return self._prim

    @property
    def parents(self) -> tuple[Value, ...]:
        """The inputs of the operation that made this Value, in order (() for a leaf)."""
        if self._prim is None:
            return ()
        x, y = self._x, self._y
        if y is not None:
            return (x, y)  # type: ignore[return-value]
        return x if type(x) is tuple else (x,)  # type: ignore[return-value]

    @property
    def partials(self) -> tuple[float | Undefined, ...]:
        """∂self/∂parent for each parent, in the same order: the local derivatives.

        Where a derivative does not exist (sqrt at 0) the edge holds an Undefined.
        """
        if self._prim is None:
            return ()
        dx = self._dx
        if self._y is not None:
            return (dx, self._dy)  # type: ignore[return-value]
        return dx if type(dx) is tuple else (dx,)  # type: ignore[return-value]

    def backward(self, grad: float | Value = 1.0, *, create_graph: bool = False) -> None:
        """Fill in ``.grad`` of every Value this one depends on: d self / d that Value.

        Leaves accumulate across calls (clear them with ``zero_grad``); every other node's
        ``.grad`` is recomputed by each call and kept afterwards so it can be displayed.
        With ``create_graph`` each ``.grad`` is a Value with a graph of its own, so it can be
        differentiated again (PyTorch's semantics; see the README on reference cycles).
        """
        backward(self, grad, create_graph=create_graph)

    # -- micrograd's names, which its lecture's code reads and calls --------------------------

    @property
    def _prev(self) -> set[Value]:
        """micrograd's ``_prev``: the set of this Value's inputs (empty for a leaf)."""
        return set(self.parents)

    @property
    def _op(self) -> str:
        """micrograd's ``_op``: the name of the operation that made this Value ('' for a leaf)."""
        return self.op

    def _backward(self) -> None:
        """micrograd's ``_backward()``: pass this Value's grad to its inputs once, accumulating.

        Each input's ``.grad`` grows by grad × the edge's local derivative, as micrograd's
        closure does; call it on each node from the output back (`backward_steps` gives that
        order). Nothing happens for a leaf, or for a gradient of 0.
        """
        _pass_on(self)

    # -- comparisons: by value; equality stays identity ---------------------------------------

    # A compiler tracing a function hears each outcome: a guard, checked again at each call.

    def __lt__(self, other: Operand) -> bool:
        return _guarded(self, "<", other, self.data < _compared(other))

    def __le__(self, other: Operand) -> bool:
        return _guarded(self, "<=", other, self.data <= _compared(other))

    def __gt__(self, other: Operand) -> bool:
        return _guarded(self, ">", other, self.data > _compared(other))

    def __ge__(self, other: Operand) -> bool:
        return _guarded(self, ">=", other, self.data >= _compared(other))

    def __bool__(self) -> bool:
        return _guarded(self, "!=", 0.0, self.data != 0.0)  # as for a float

    def __pos__(self) -> Value:
        return self

    if TYPE_CHECKING:
        # Attached by the registrations in autodiff.ops; stated here for type checkers, and
        # checked against the registry by tests/autodiff/test_registry.py.
        def __add__(self, other: Operand) -> Value: ...
        def __radd__(self, other: Operand) -> Value: ...
        def __sub__(self, other: Operand) -> Value: ...
        def __rsub__(self, other: Operand) -> Value: ...
        def __mul__(self, other: Operand) -> Value: ...
        def __rmul__(self, other: Operand) -> Value: ...
        def __truediv__(self, other: Operand) -> Value: ...
        def __rtruediv__(self, other: Operand) -> Value: ...
        def __pow__(self, other: Operand) -> Value: ...
        def __rpow__(self, other: Operand) -> Value: ...
        def __neg__(self) -> Value: ...
        def __abs__(self) -> Value: ...
        def abs(self) -> Value: ...
        def exp(self) -> Value: ...
        def log(self) -> Value: ...
        def sqrt(self) -> Value: ...
        def tanh(self) -> Value: ...
        def sigmoid(self) -> Value: ...
        def relu(self) -> Value: ...
        def leaky_relu(self, slope: float = ...) -> Value: ...
        def softplus(self) -> Value: ...
        def sin(self) -> Value: ...
        def cos(self) -> Value: ...


def _finite(g: Any) -> bool:
    """Whether g is a finite number (a guard, for a Value while a function is traced)."""
    if isinstance(g, Value):
        return _guarded(g, "finite", None, math.isfinite(g.data))
    return math.isfinite(g)


def _guarded(value: Value, comparison: str, other: object, outcome: bool) -> bool:
    state = _recording.get()
    if state is not True and state is not False:
        state.tracer.compared(value, comparison, other, outcome)
    return outcome


def _compared(other: object) -> float:
    if isinstance(other, Value):
        return other.data
    return as_float(other, "comparison with a Value")


# -- the backward pass -------------------------------------------------------------------------

# Marks, on the search stack, that every input of the node just below has been placed.
_INPUTS_DONE = object()


def topological_order(root: Value) -> list[Value]:
    """The nodes made by operations that root depends on (root too), inputs before users.

    A depth-first search with its own stack, visiting each node's inputs in their order, so
    nodes come in the order a program made them (an MLP's z1.1, y1.1, z1.2, ...) and the
    backward pass walks them in reverse. Leaves are left out: they pass nothing back.
    """
    as_value(root, "topological_order(root)")
    order: list[Value] = []
    seen: set[Value] = set()  # expanded nodes; a node pushed twice before that is expanded once
    stack: list[Any] = [root] if root._prim is not None else []
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
            # Pushed last input first, so the first is popped, and placed, first.
            for p in (y, x) if y is not None else reversed(x) if type(x) is tuple else (x,):
                if p._prim is not None and p not in seen:
                    push(p)
    return order


def propagate(root: Value, seed: Any, *, create_graph: bool = False) -> dict[Value, Any]:
    """d root / d node for every node root depends on, by the distributed chain rule.

    The policy, stated once for every mode of the backward pass:

    - a gradient that is the float 0 passes nothing on: its node's edges are skipped (its
      inputs still count as reached);
    - a gradient crossing an edge is multiplied by the edge's derivative; an Undefined one
      stops it there, raising unless the gradient is zero (see `Undefined`).

    Without create_graph the derivatives recorded on the edges (floats) are used. With it,
    each node's rule is applied again, to Values, so the gradients carry graphs of their own;
    that pass records even inside ``no_grad()``: a derivative graph was asked for.
    """
    grads: dict[Value, Any] = {root: seed}
    token = set_recording(True) if create_graph else None
    try:
        for node in reversed(topological_order(root)):
            g = grads.get(node)
            if g is None:
                continue  # no path from root reaches this node
            parents = node.parents
            if type(g) is float and g == 0.0:
                for parent in parents:
                    grads.setdefault(parent, 0.0)
                continue
            partials = (
                node._prim.derivatives_on_values(parents, node)  # type: ignore[union-attr]
                if create_graph
                else node.partials
            )
            for parent, d in zip(parents, partials):
                # Exact without multiplying (so, with Values, without a node): g·1 = g, and
                # g·0 = 0 for a finite g; an infinite one gives NaN, as in `backward`.
                if type(d) is float and (d == 1.0 or (d == 0.0 and _finite(g))):
                    contribution = g if d == 1.0 else 0.0
                else:
                    contribution = g * d
                previous = grads.get(parent)
                grads[parent] = contribution if previous is None else previous + contribution
    finally:
        if token is not None:
            _recording.reset(token)
    return grads


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
        _store(root, propagate(root, seed, create_graph=True))
        return
    seed = as_float(grad, "backward(grad)")
    # The same walk as `propagate`, specialised for floats: gradients go straight into the
    # .grad slots instead of a dict (measured on a 200k-node graph: 190 ms against 540 ms).
    order = topological_order(root)
    for node in order:
        node.grad = 0.0
    root.grad += seed
    for node in reversed(order):
        g = node.grad
        if g == 0.0:
            continue  # passes nothing on: `propagate`'s policy, and a dead ReLU's edges skipped
        x, y = node._x, node._y
        if y is not None:
            x.grad += g * node._dx  # type: ignore[union-attr]
            y.grad += g * node._dy
        elif type(x) is tuple:
            for p, d in zip(x, node._dx):  # type: ignore[arg-type]
                p.grad += g * d
        else:
            x.grad += g * node._dx  # type: ignore[union-attr]


def _refused_while_traced(what: str) -> None:
    listening = tracer()
    if listening is not None:
        listening.refuse(what)


def gradients_of(
    root: Value, seed: Any, inputs: Sequence[Value], *, create_graph: bool
) -> dict[Value, Any]:
    """d root / d input for each of inputs that root depends on (see `propagate`).

    Without create_graph the gradients are numbers, and so is the seed. While a function is
    traced for compiling, the tracer answers for them, with Values that stand for numbers
    the compiled code computes; a graph of gradients is traced as any graph is.
    """
    if not create_graph:
        listening = tracer()
        if listening is not None:  # the seed may be a Value: the code computes its number
            return listening.gradients(root, seed, list(inputs))
        seed = data_of(seed)
    try:
        grads = propagate(root, seed, create_graph=create_graph)
    except (ArithmeticError, ValueError) as error:  # heard by a tracer: f may catch it
        listening = tracer()
        if listening is not None:
            listening.failed(error)
        raise
    return {x: grads[x] for x in inputs if x in grads}


def _store(root: Value, grads: dict[Value, Any]) -> None:
    """Gradients with graphs into .grad: interior nodes recomputed, leaves accumulating."""
    for node in topological_order(root):
        node.grad = _as_value(grads.get(node, 0.0))
    for node, g in grads.items():
        if node._prim is None:
            old = node.grad
            node.grad = _as_value(g) if type(old) is float and old == 0.0 else old + g


def _as_value(g: Any) -> Value:
    return g if isinstance(g, Value) else Value(g)


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
    as_value(output, "gradients(output)")
    inputs = as_values(inputs, "gradients(inputs)")
    seed = grad if isinstance(grad, Value) else as_float(grad, "gradients(grad)")
    graph = as_flag(create_graph, "gradients(create_graph)")
    found = gradients_of(output, seed, inputs, create_graph=graph)
    return [found.get(x, 0.0) for x in inputs]


def zero_grad(values: Iterable[Value]) -> None:
    """Set ``.grad`` to 0 for each of these Values, before accumulating anew."""
    for v in as_values(values, "zero_grad(values)"):
        v.grad = 0.0


# -- the backward pass one node at a time ---------------------------------------------------------
#
# A learner follows the chain rule node by node (the lecture's `o._backward(); n._backward()`),
# and a stepper widget shows it: `backward_steps` is `backward` as a generator, leaving the
# engine's hot paths (making nodes, `backward`) as they are.


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
    pass nothing on, and receive their gradients in the ``passed`` of the nodes they feed. A
    node whose gradient is 0 passes nothing, and an undefined derivative raises `DomainError`
    only when a nonzero gradient crosses it (see `propagate`). Gradients are floats
    (``create_graph`` is `backward`'s).
    """
    seed = as_float(grad, "backward_steps(grad)")
    _refused_while_traced("backward_steps()")
    order = topological_order(root)
    for node in order:
        node.grad = 0.0
    root.grad += seed
    return _steps(order)


def _steps(order: list[Value]) -> Iterator[BackwardStep]:
    for node in reversed(order):
        yield BackwardStep(node, node.grad, _pass_on(node))


def _pass_on(node: Value) -> tuple[tuple[Value, float], ...]:
    """Add node's grad × each edge's derivative to its inputs' grads; what crossed each edge."""
    g = node.grad
    if type(g) is float and g == 0.0:
        return ()  # `propagate`'s policy: a zero gradient passes nothing on
    passed = tuple((parent, g * d) for parent, d in zip(node.parents, node.partials))
    for parent, contribution in passed:
        parent.grad += contribution
    return passed
