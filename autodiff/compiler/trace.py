"""A trace: one run of a function on Values, with everything the engine told the tracer.

The graph alone does not say which of its leaves are numbers written in the function (the 2
of ``x * 2``), what was computed under ``no_grad``, which comparisons steered the function's
control flow, or which gradients it asked for. A `Trace` listens (`autodiff.grad_mode.Tracer`)
and keeps those facts in the order they happened, which is an order the code can be written in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from autodiff.backprop import Gradients, chain_rule
from autodiff.grad_mode import Tracer, listening
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


@dataclass(frozen=True)
class Mapped:
    """`autodiff.map`: f on each of the samples. ``steps``: what f did on the first sample,
    which the code repeats for each; ``outputs``: what f gave for each sample; ``made``: the
    nodes each sample's run made (the first's are in steps)."""

    steps: list[Step]
    batches: tuple[Any, ...]
    samples: list[tuple[Any, ...]]
    outputs: list[Any]
    made: list[set[Value]]


Step = Value | Detached | Compared | Request | Mapped


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

    def map(self, f: Callable[..., Any], batches: tuple[Any, ...]) -> list[Any]:
        """f on the first sample heard step by step, as the code will repeat it; on the others
        heard by a trace of their own, which keeps only the nodes each made."""
        samples = list(zip(*batches))
        if not samples:
            return []
        outer = self.steps
        self.steps = []
        try:
            outputs = [f(*samples[0])]
        finally:
            steps, self.steps = self.steps, outer
        made = [{s for s in steps if isinstance(s, Value)}]
        for sample in samples[1:]:
            other = Trace()
            with listening(other):
                outputs.append(f(*sample))
            if other.failure is not None:
                self.failed(other.failure)
            made.append({s for s in other.steps if isinstance(s, Value)})
        self.steps.append(Mapped(steps, batches, samples, outputs, made))
        return outputs

    def failed(self, error: BaseException) -> None:
        if self.failure is None:
            self.failure = error

    def refuse(self, what: str) -> None:
        raise TraceError(
            f"{what} cannot be compiled: it sets .grad, which the compiled function cannot "
            "return; return the gradients instead (autodiff.gradients(out, inputs), or "
            "compile autodiff.value_and_grad(f))"
        )
