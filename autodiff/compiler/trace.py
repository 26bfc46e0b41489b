"""A trace: one run of a function on Values, with everything the engine told the tracer.

The graph alone does not say which of its leaves are constants written in the function
(``x * 2``), which Values it captured from outside (a model's parameters, read afresh at
each call), what was computed under ``no_grad``, which comparisons steered its control flow,
or which gradients it asked for. A `Trace` listens (`autodiff.grad_mode.Tracer`) and keeps
those facts in the order they happened, which is an order the code can be written in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from autodiff.grad_mode import Tracer
from autodiff.primitives import Primitive
from autodiff.value import Value, data_of, propagate, topological_order


class TraceError(TypeError):
    """The function does something a compiled function cannot repeat."""


@dataclass(frozen=True)
class Detached:
    """A result computed under no_grad: a leaf of the graph, recomputed by the code."""

    leaf: Value
    op: Primitive
    inputs: tuple[Any, ...]


@dataclass(frozen=True)
class Guard:
    """``value <comparison> other`` was outcome when traced; the code checks it again."""

    value: Value
    comparison: str
    other: object
    outcome: bool


@dataclass(frozen=True)
class Request:
    """The gradients of root (times seed) with respect to inputs, as numbers (no graph asked
    for: eagerly floats; where a function asks for a graph, it is traced as any graph is).

    ``order`` is root's graph, inputs before users, as the eager backward pass walks it;
    ``found`` maps each input root depends on to the leaf that stands for its gradient.
    """

    root: Value
    seed: Any
    order: list[Value]
    found: dict[Value, Value]


@dataclass
class Trace(Tracer):
    """What a function did, in order: nodes made, detached results, guards and requests;
    and the first error an operation raised, which the function caught (it then went on
    with a value the code could not compute)."""

    steps: list[Value | Detached | Guard | Request] = field(default_factory=list)
    failure: BaseException | None = None

    def made(self, node: Value) -> Value:
        self.steps.append(node)
        return node

    def detached(self, leaf: Value, op: Primitive, inputs: tuple[Any, ...]) -> Value:
        self.steps.append(Detached(leaf, op, inputs))
        return leaf

    def compared(self, value: Value, comparison: str, other: object, outcome: bool) -> None:
        self.steps.append(Guard(value, comparison, other, outcome))

    def gradients(self, root: Value, seed: Any, inputs: list[Value]) -> dict[Value, Any]:
        order = topological_order(root)
        # The numbers, for the rest of this run of the function; the code computes them anew.
        try:
            grads = propagate(root, data_of(seed), create_graph=False)
        except (ArithmeticError, ValueError) as error:  # DomainError is a ValueError
            self.failed(error)
            raise
        found = {x: Value(grads[x]) for x in inputs if x in grads}
        self.steps.append(Request(root, seed, order, found))
        return found

    def failed(self, error: BaseException) -> None:
        if self.failure is None:
            self.failure = error

    def refuse(self, what: str) -> None:
        raise TraceError(
            f"{what} cannot be compiled: it sets .grad, which the compiled function cannot "
            "return; return the gradients instead (autodiff.gradients(out, inputs), or "
            "compile autodiff.value_and_grad(f))"
        )
