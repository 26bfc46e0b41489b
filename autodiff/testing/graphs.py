"""Random expression graphs: the engine's function, and a plain-float reference of it.

An expression is a list of steps over its inputs; each step applies a registered operation to
earlier nodes chosen at random, so nodes are shared and inputs reused. An operand goes through
the guard its operation's domain names (`autodiff.domains.positive`, ``bounded``) first, so
that every step is defined; guards are arithmetic only, so they serve Values, floats and other
number types alike.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from autodiff.domains import Guard, Interval
from autodiff.primitives import PRIMITIVES, Primitive
from autodiff.testing.strategies import (
    Operation,
    alternatives,
    domain_of,
    fixed_inputs,
    parameter,
    primitive_of,
)


@dataclass(frozen=True)
class Step:
    op: Primitive  # with its parameters bound
    args: tuple[int, ...]  # earlier nodes; 0 .. n_inputs-1 are the inputs
    guards: tuple[Guard | None, ...]

    def operands(self, nodes: Sequence[Any]) -> list[Any]:
        return [
            x if g is None else g(x) for x, g in zip((nodes[a] for a in self.args), self.guards)
        ]


@dataclass(frozen=True)
class Expression:
    """A random expression: call it on Values (the engine), or ``reference`` it on floats."""

    n_inputs: int
    steps: tuple[Step, ...]

    def __call__(self, *inputs: Any) -> Any:
        """The expression with the engine's operations (on Values, or on floats)."""
        return self._run(lambda step, xs: step.op.apply(*xs), inputs)

    def reference(self, *inputs: float) -> float:
        """The same expression on floats, with each operation's plain-math reference."""
        return float(self._run(lambda step, xs: step.op.reference(*xs), inputs))

    def evaluate(self, functions: Mapping[str, Callable[..., Any]], inputs: Sequence[Any]) -> Any:
        """The expression with other implementations of its operations (mpmath, say): each
        by its name, taking the inputs, and the parameters by keyword."""
        return self._run(lambda step, xs: functions[step.op.name](*xs, **step.op.params), inputs)

    def _run(self, apply: Callable[[Step, list[Any]], Any], inputs: Sequence[Any]) -> Any:
        if len(inputs) != self.n_inputs:
            raise TypeError(f"this expression takes {self.n_inputs} inputs, got {len(inputs)}")
        nodes = list(inputs)
        for step in self.steps:
            nodes.append(apply(step, step.operands(nodes)))
        return nodes[-1]

    def __repr__(self) -> str:
        return f"Expression({self})"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))  # hypothesis shows the formula, not the steps' fields

    def __str__(self) -> str:
        names = [f"x{i}" for i in range(self.n_inputs)]
        for step in self.steps:
            params = "".join(f", {key}={value!r}" for key, value in step.op.params.items())
            args = ", ".join(
                names[a] if g is None else f"{g.__name__}({names[a]})"
                for a, g in zip(step.args, step.guards)
            )
            names.append(f"{step.op.name}({args}{params})")
        return names[-1]


def operations(extra: Iterable[Operation] = (), *, smooth: bool = False) -> list[Primitive]:
    """The built-in primitives, and extra ones of yours (each registered with a domain);
    without those whose derivative jumps, if ``smooth``."""
    builtin = [p for p in PRIMITIVES.values() if p.builtin]
    chosen = [*builtin, *(primitive_of(op) for op in extra)]
    for prim in chosen:
        domain_of(prim)  # a clear error for one registered without a domain
    return [p for p in chosen if not (smooth and domain_of(p).kinked)]


@st.composite
def expressions(
    draw: st.DrawFn,
    n_inputs: int = 2,
    max_steps: int = 6,
    *,
    extra: Iterable[Operation] = (),
    smooth: bool = False,
) -> Expression:
    """Random expressions over ``n_inputs`` inputs, of 1 to ``max_steps`` operations, drawn
    from every built-in operation and those in ``extra`` (your own, registered with a domain
    and a reference); ``smooth`` leaves out those with kinks, for finite differences."""
    ops = sorted(operations(extra, smooth=smooth), key=lambda p: p.name)
    steps = []
    for k in range(draw(st.integers(1, max_steps))):
        prim = draw(st.sampled_from(ops))
        domain = draw(st.sampled_from(alternatives(domain_of(prim))))
        intervals = fixed_inputs(domain, prim.arity)
        if intervals is None:  # an operation of many inputs: 2 or 3 of them here
            assert isinstance(domain.inputs, Interval)
            low, high = domain.count
            intervals = (domain.inputs,) * draw(st.integers(max(low, 2), min(max(high, 2), 3)))
        args = tuple(draw(st.integers(0, n_inputs + k - 1)) for _ in intervals)
        params = {name: draw(parameter(kind, len(args))) for name, kind in domain.params.items()}
        op = prim.bind(params) if params else prim
        steps.append(Step(op, args, tuple(interval.guard for interval in intervals)))
    return Expression(n_inputs, tuple(steps))
