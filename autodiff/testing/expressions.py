"""Random expression graphs: the engine's function, and a plain-float reference of it.

An expression is a list of steps over its inputs; each step applies an operation to earlier
nodes chosen at random, so nodes are shared and inputs reused. Operations with a restricted
domain get their arguments through a guard (``positive``, ``bounded``), written with
arithmetic only so that it serves Values, floats and other number types alike.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

import autodiff as ad
from autodiff.functional import identity


def positive(x: Any) -> Any:
    """x² + 1/2: any number mapped into [1/2, ∞), for log, sqrt, a divisor or a base."""
    return x * x + 0.5


def bounded(x: Any) -> Any:
    """4x / (1 + x²): any number mapped into [−2, 2], so exp and powers stay finite."""
    return 4 * x / (1 + x * x)


@dataclass(frozen=True)
class Op:
    """An operation for random expressions: on Values, and on floats with ``math``."""

    arity: int | None  # None: 2 or 3 inputs
    engine: Callable[..., Any]
    reference: Callable[..., float]
    kinked: bool = False  # has points where the derivative jumps (relu at 0)


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1 / (1 + math.exp(-x))
    return math.exp(x) / (1 + math.exp(x))


def _softplus(x: float) -> float:
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


def _softmax(zs: Sequence[float]) -> list[float]:
    m = max(zs)
    es = [math.exp(z - m) for z in zs]
    return [e / math.fsum(es) for e in es]


OPS: dict[str, Op] = {
    "add": Op(2, operator.add, operator.add),
    "sub": Op(2, operator.sub, operator.sub),
    "mul": Op(2, operator.mul, operator.mul),
    "div": Op(2, lambda a, b: a / positive(b), lambda a, b: a / positive(b)),
    "neg": Op(1, operator.neg, operator.neg),
    "identity": Op(1, identity, lambda a: a),
    "pow": Op(2, lambda a, b: positive(a) ** bounded(b), lambda a, b: positive(a) ** bounded(b)),
    "power": Op(1, lambda a: a**2, lambda a: a**2),
    "exponential": Op(1, lambda a: 2 ** bounded(a), lambda a: 2 ** bounded(a)),
    "exp": Op(1, lambda a: ad.exp(bounded(a)), lambda a: math.exp(bounded(a))),
    "log": Op(1, lambda a: ad.log(positive(a)), lambda a: math.log(positive(a))),
    "sqrt": Op(1, lambda a: ad.sqrt(positive(a)), lambda a: math.sqrt(positive(a))),
    "tanh": Op(1, ad.tanh, math.tanh),
    "sigmoid": Op(1, ad.sigmoid, _sigmoid),
    "softplus": Op(1, ad.softplus, _softplus),
    "sin": Op(1, ad.sin, math.sin),
    "cos": Op(1, ad.cos, math.cos),
    "relu": Op(1, ad.relu, lambda a: max(a, 0.0), kinked=True),
    "leaky_relu": Op(
        1, lambda a: ad.leaky_relu(a, slope=0.1), lambda a: a if a > 0 else 0.1 * a, kinked=True
    ),
    "abs": Op(1, ad.abs, abs, kinked=True),
    "sum": Op(None, lambda *a: ad.sum(a), lambda *a: math.fsum(a)),
    "prod": Op(None, lambda *a: ad.prod(a), lambda *a: math.prod(a)),
    "dot": Op(
        4,
        lambda w1, w2, x1, x2: ad.dot([w1, w2], [x1, x2]),
        lambda w1, w2, x1, x2: w1 * x1 + w2 * x2,
    ),
    "max": Op(None, lambda *a: ad.max(a), lambda *a: max(a), kinked=True),
    "min": Op(None, lambda *a: ad.min(a), lambda *a: min(a), kinked=True),
    "logsumexp": Op(
        None,
        lambda *a: ad.logsumexp(a),
        lambda *a: max(a) + math.log(math.fsum(math.exp(x - max(a)) for x in a)),
    ),
    "softmax": Op(None, lambda *a: ad.softmax(a)[0], lambda *a: _softmax(a)[0]),
}
"""Every built-in primitive, as an operation of random expressions (softmax: its first output)."""


@dataclass(frozen=True)
class Step:
    op: str
    args: tuple[int, ...]  # earlier nodes; 0 .. n_inputs-1 are the inputs


@dataclass(frozen=True)
class Expression:
    """A random expression: call it on Values (the engine), or ``reference`` it on floats."""

    n_inputs: int
    steps: tuple[Step, ...]
    ops: Mapping[str, Op]

    def __call__(self, *inputs: Any) -> Any:
        """The expression with the engine's operations (on Values, or on floats)."""
        return self.evaluate({name: op.engine for name, op in self.ops.items()}, inputs)

    def reference(self, *inputs: float) -> float:
        """The same expression on floats, with ``math``: independent of the engine."""
        return float(self.evaluate({name: op.reference for name, op in self.ops.items()}, inputs))

    def evaluate(self, functions: Mapping[str, Callable[..., Any]], inputs: Sequence[Any]) -> Any:
        """The expression with other implementations of its operations (mpmath, say)."""
        if len(inputs) != self.n_inputs:
            raise TypeError(f"this expression takes {self.n_inputs} inputs, got {len(inputs)}")
        nodes = list(inputs)
        for step in self.steps:
            nodes.append(functions[step.op](*(nodes[a] for a in step.args)))
        return nodes[-1]

    def __str__(self) -> str:
        names = [f"x{i}" for i in range(self.n_inputs)]
        lines: list[str] = []
        for step in self.steps:
            lines.append(f"v{len(lines)} = {step.op}({', '.join(names[a] for a in step.args)})")
            names.append(f"v{len(lines) - 1}")
        return "; ".join(lines)


@st.composite
def expressions(
    draw: st.DrawFn,
    n_inputs: int = 2,
    max_steps: int = 6,
    *,
    extra: Mapping[str, Op] | None = None,
    smooth: bool = False,
) -> Expression:
    """Random expressions over ``n_inputs`` inputs, of 1 to ``max_steps`` operations.

    ``extra`` adds operations of your own (``Op(1, cube, lambda x: x**3)``); ``smooth``
    leaves out those with kinks, for comparisons with finite differences.
    """
    ops = {**OPS, **(extra or {})}
    names = sorted(name for name, op in ops.items() if not (smooth and op.kinked))
    steps = []
    for k in range(draw(st.integers(1, max_steps))):
        name = draw(st.sampled_from(names))
        arity = ops[name].arity or draw(st.integers(2, 3))
        earlier = st.integers(0, n_inputs + k - 1)
        steps.append(Step(name, tuple(draw(earlier) for _ in range(arity))))
    return Expression(n_inputs, tuple(steps), ops)
