"""A trace: one run of a function on Values, with everything the engine told the tracer.

The graph alone does not say which of its leaves are numbers written in the function (the 2
of ``x * 2``), what was computed under ``no_grad``, which comparisons steered the function's
control flow, or which gradients it asked for. A `Trace` listens (`autodiff.grad_mode.Tracer`)
and keeps those facts in the order they happened, which is an order the code can be written in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from autodiff.backprop import Gradients, chain_rule
from autodiff.grad_mode import Tracer
from autodiff.primitives import Primitive
from autodiff.value import Value, data_of


class TraceError(TypeError):
    """The function does something a compiled function cannot repeat."""


@dataclass(frozen=True)
class Detached:
    """A result computed under no_grad: a leaf of the graph, recomputed by the code."""

    leaf: Value
    op: Primitive
    inputs: tuple[Any, ...]


@dataclass(frozen=True)
class Compared:
    """``value <comparison> other`` was outcome when traced; the code checks it again."""

    value: Value
    comparison: str
    other: object
    outcome: bool


@dataclass(frozen=True)
class Request:
    """The gradients of root (times seed) with respect to some inputs, as numbers: ``found``
    maps each input root depends on to the leaf standing for its gradient."""

    root: Value
    seed: Any
    found: dict[Value, Value]


Step = Value | Detached | Compared | Request


@dataclass
class Trace(Tracer):
    """What a function did, in order (nodes made, detached results, comparisons, gradient
    requests); the leaves it made from numbers; and the first error an operation raised,
    which the function caught (it then went on with a value the code could not compute)."""

    steps: list[Step] = field(default_factory=list)
    constants: set[Value] = field(default_factory=set)
    failure: BaseException | None = None

    def made(self, node: Value) -> Value:
        self.steps.append(node)
        return node

    def detached(self, leaf: Value, op: Primitive, inputs: tuple[Any, ...]) -> Value:
        self.steps.append(Detached(leaf, op, inputs))
        return leaf

    def constant(self, leaf: Value) -> None:
        self.constants.add(leaf)

    def compared(self, value: Value, comparison: str, other: object, outcome: bool) -> None:
        self.steps.append(Compared(value, comparison, other, outcome))

    def gradients(self, root: Value, seed: Any, inputs: list[Value]) -> dict[Value, Any]:
        # The numbers, for the rest of this run of the function; the code computes them anew.
        try:
            grads = chain_rule(root, data_of(seed), Gradients())
        except (ArithmeticError, ValueError) as error:  # DomainError is a ValueError
            self.failed(error)
            raise
        found = {x: Value(grads[x]) for x in inputs if x in grads}
        self.steps.append(Request(root, seed, found))
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
