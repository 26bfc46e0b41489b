"""Random expression graphs for property tests, replayable on Values and in mpmath.

A program is a list of steps over its inputs; each step applies an operation to earlier
nodes, chosen at random, so nodes are shared and leaves reused. The last step is the output.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import mpmath
from hypothesis import assume
from hypothesis import strategies as st

import autodiff as ad
from autodiff import Value, topological_order


@dataclass(frozen=True)
class Step:
    op: str
    args: tuple[int, ...]  # indices of earlier nodes; 0 .. n_inputs-1 are the inputs


@dataclass(frozen=True)
class Program:
    n_inputs: int
    steps: tuple[Step, ...]

    def __str__(self) -> str:
        names = [f"x{i}" for i in range(self.n_inputs)]
        lines = []
        for k, step in enumerate(self.steps):
            name = f"v{k}"
            lines.append(f"{name} = {step.op}({', '.join(names[a] for a in step.args)})")
            names.append(name)
        return "; ".join(lines)


# name: (number of inputs, or None for 2 to 3; on Values; in mpmath)
OPS: dict[str, tuple[int | None, Callable[..., Any], Callable[..., Any]]] = {
    "add": (2, lambda a, b: a + b, lambda a, b: a + b),
    "sub": (2, lambda a, b: a - b, lambda a, b: a - b),
    "mul": (2, lambda a, b: a * b, lambda a, b: a * b),
    "neg": (1, lambda a: -a, lambda a: -a),
    "square": (1, lambda a: a**2, lambda a: a**2),
    "tanh": (1, lambda a: a.tanh(), mpmath.tanh),
    "sin": (1, lambda a: a.sin(), mpmath.sin),
    "cos": (1, lambda a: a.cos(), mpmath.cos),
    "sigmoid": (1, lambda a: a.sigmoid(), lambda a: 1 / (1 + mpmath.exp(-a))),
    "softplus": (1, lambda a: a.softplus(), lambda a: mpmath.log1p(mpmath.exp(a))),
    "sum": (None, lambda *a: ad.sum(a), lambda *a: mpmath.fsum(a)),
    "prod": (None, lambda *a: ad.prod(a), lambda *a: mpmath.fprod(a)),
    "logsumexp": (
        None,
        lambda *a: ad.logsumexp(a),
        lambda *a: mpmath.log(mpmath.fsum(map(mpmath.exp, a))),
    ),
    "softmax0": (
        None,
        lambda *a: ad.softmax(a)[0],
        lambda *a: mpmath.exp(a[0]) / mpmath.fsum(map(mpmath.exp, a)),
    ),
    "dot": (4, lambda *a: ad.dot(a[:2], a[2:]), lambda *a: a[0] * a[2] + a[1] * a[3]),
    # Kinks: for properties that do not compare with mpmath's numerical derivatives.
    "relu": (1, lambda a: a.relu(), lambda a: max(a, 0)),
    "abs": (1, abs, abs),
    "max": (None, lambda *a: ad.max(a), lambda *a: max(a)),
}
KINKED = ("relu", "abs", "max")
SMOOTH = tuple(name for name in OPS if name not in KINKED)


@st.composite
def programs(
    draw: st.DrawFn, n_inputs: int = 3, max_steps: int = 6, ops: Sequence[str] = tuple(OPS)
) -> Program:
    steps = []
    for k in range(draw(st.integers(1, max_steps))):
        op = draw(st.sampled_from(ops))
        arity = OPS[op][0] or draw(st.integers(2, 3))
        nodes = n_inputs + k
        steps.append(Step(op, tuple(draw(st.integers(0, nodes - 1)) for _ in range(arity))))
    return Program(n_inputs, tuple(steps))


def smooth_programs(n_inputs: int = 3) -> st.SearchStrategy[Program]:
    return programs(n_inputs=n_inputs, ops=SMOOTH)


def run_values(program: Program, inputs: Sequence[Value]) -> Value:
    """The program on Values; examples whose intermediate values grow large are discarded."""
    nodes = list(inputs)
    for step in program.steps:
        nodes.append(OPS[step.op][1](*(nodes[a] for a in step.args)))
    root = nodes[-1]
    # Big intermediate values make the float rounding error larger than the tolerances.
    assume(all(abs(v.data) < 1e3 for v in topological_order(root)))
    return root


def run_mpmath(program: Program, inputs: Sequence[Any]) -> Any:
    nodes = list(inputs)
    for step in program.steps:
        nodes.append(OPS[step.op][2](*(nodes[a] for a in step.args)))
    return nodes[-1]
