"""The course's exercises in writing derivative rules and backward passes, each graded by
`check_rule` against the engine's own derivative (notebooks/11-writing-derivative-rules.ipynb).

Each exercise states what to write (its ``task`` and the ``form`` of the function), where it is
checked (random inputs, and chosen ones: a kink, a tie, a large input), and the mistakes it
knows how to name. ``check(name, answer)`` grades an answer: ``check("tanh", rule)``. The
expected values come from the engine (`autodiff.grad`, `autodiff.jacobian`), never from a
formula written here: the solutions are the learner's to find.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from autodiff import ops
from autodiff.primitives import Primitive
from autodiff.testing.checking import Grade, Mistake, check_rule
from autodiff.testing.strategies import arguments, reals
from autodiff.transforms import grad, jacobian


@dataclass(frozen=True)
class Exercise:
    """One exercise: what to write, and how it is graded."""

    name: str
    task: str
    form: str
    names: tuple[str, ...]
    expected: Callable[..., Any]
    inputs: st.SearchStrategy[tuple[Any, ...]]
    forward: Callable[..., float] | None = None
    at: tuple[tuple[Any, ...], ...] = ()
    mistakes: tuple[Mistake, ...] = ()

    def check(self, answer: Callable[..., Any]) -> Grade:
        if not callable(answer):
            raise TypeError(f"check({self.name!r}, ...) needs your function, got {answer!r}")
        return check_rule(
            answer,
            self.expected,
            self.inputs,
            names=self.names,
            name=self.name,
            forward=self.forward,
            at=self.at,
            mistakes=self.mistakes,
        )


def _gradient(f: Callable[..., Any], n: int) -> Callable[..., tuple[float, ...]]:
    """The engine's gradient of f, a function of n numbers."""
    return grad(f, tuple(range(n)))


def _lists(n_low: int, n_high: int, low: float, high: float) -> st.SearchStrategy[list[float]]:
    return st.lists(reals(low, high), min_size=n_low, max_size=n_high)


def _max_gradient(xs: Sequence[float]) -> list[float]:
    return list(_gradient(lambda *v: ops.max(list(v)), len(xs))(*xs))


def _softmax_jacobian(zs: Sequence[float]) -> list[list[float]]:
    rows = jacobian(lambda *v: ops.softmax(list(v)), tuple(range(len(zs))))(*zs)
    return [list(row) for row in rows]


def _neuron(ws: Sequence[Any], xs: Sequence[Any], b: Any) -> Any:
    return ops.tanh(ops.dot(ws, xs, b))


def _neuron_gradient(ws: list[float], xs: list[float], b: float) -> tuple[Any, ...]:
    n = len(ws)
    found = _gradient(lambda *v: _neuron(v[:n], v[n : 2 * n], v[-1]), 2 * n + 1)(*ws, *xs, b)
    return (list(found[:n]), list(found[n : 2 * n]), found[-1])


# A 2-2-1 network is x, t, W1, b1, w2, b2: the exercise's six arguments, passed on as they come.


def _mlp_gradient(*net: Any) -> tuple[Any, ...]:
    """The engine's gradient of the loss (ŷ − t)² with respect to W1, b1, w2 and b2."""
    x, t, w1, b1, w2, b2 = net

    def loss(*p: Any) -> Any:
        hidden = [ops.tanh(ops.dot(p[2 * k : 2 * k + 2], x, p[4 + k])) for k in range(2)]
        return (ops.dot(p[6:8], hidden, p[8]) - t) ** 2

    g = _gradient(loss, 9)(*w1[0], *w1[1], *b1, *w2, b2)
    return ([list(g[0:2]), list(g[2:4])], list(g[4:6]), list(g[6:8]), g[8])


def _mlp_by_hand(*net: Any, factor: float = 2.0, tanh_factor: bool = True) -> tuple[Any, ...]:
    """The backward pass with one of two mistakes made on purpose (the mistakes below)."""
    x, t, w1, b1, w2, b2 = net
    h = [math.tanh(row[0] * x[0] + row[1] * x[1] + b) for row, b in zip(w1, b1)]
    y = w2[0] * h[0] + w2[1] * h[1] + b2
    dy = factor * (y - t)
    dz = [dy * w * ((1 - hi * hi) if tanh_factor else 1.0) for w, hi in zip(w2, h)]
    return ([[d * x[0], d * x[1]] for d in dz], dz, [dy * hi for hi in h], dy)


def _bce(z: Any, t: float) -> Any:
    """Binary cross-entropy of σ(z) against t, as −[t log σ(z) + (1 − t) log(1 − σ(z))]
    simplifies: softplus(z) − t·z, finite for any z."""
    return ops.softplus(z) - t * z


def _softmax(zs: Sequence[float]) -> list[float]:
    return list(ops.softmax(list(zs)))


def _naive_jacobian(zs: Sequence[float]) -> list[list[float]]:
    es = [math.exp(z) for z in zs]  # overflows for z > 709: the mistake
    ys = [e / sum(es) for e in es]
    return [[yi * ((i == j) - yj) for j, yj in enumerate(ys)] for i, yi in enumerate(ys)]


def _neuron_scaled(
    ws: Sequence[float],
    xs: Sequence[float],
    b: float,
    local: Callable[[float, float], float],
    *,
    swap: bool = False,
) -> tuple[Any, ...]:
    z = sum(w * x for w, x in zip(ws, xs)) + b
    d = local(z, math.tanh(z))
    by_w, by_x = (
        ([d * w for w in ws], [d * x for x in xs])
        if swap
        else (
            [d * x for x in xs],
            [d * w for w in ws],
        )
    )
    return by_w, by_x, d


ONE = reals(-20, 20).map(lambda x: (x,))
WIDE = reals(-1000, 1000).map(lambda x: (x,))
DIVISOR = st.tuples(reals(-10, 10), st.one_of(reals(-10, -0.1), reals(0.1, 10)))
UNTIED = _lists(2, 5, -10, 10).filter(lambda xs: len(set(xs)) == len(xs)).map(lambda xs: (xs,))


@st.composite
def _neurons(draw: st.DrawFn) -> tuple[list[float], list[float], float]:
    n = draw(st.integers(1, 4))
    return draw(_lists(n, n, -3, 3)), draw(_lists(n, n, -3, 3)), draw(reals(-3, 3))


@st.composite
def _networks(draw: st.DrawFn) -> tuple[Any, ...]:
    two = _lists(2, 2, -2, 2)
    return (
        draw(two),
        draw(reals(-2, 2)),
        [draw(two), draw(two)],
        draw(two),
        draw(two),
        draw(reals(-2, 2)),
    )


EXERCISES: dict[str, Exercise] = {
    e.name: e
    for e in [
        Exercise(
            "tanh",
            "the derivative rule of y = tanh x, in terms of the output",
            "rule(x, out) -> ∂out/∂x",
            ("x",),
            grad(ops.tanh),
            ONE,
            math.tanh,
            at=((0.0,), (20.0,)),
            mistakes=(
                Mistake(
                    "x for out",
                    lambda x, out: 1 - x * x,
                    "the formula is of y = out: use out, not x",
                ),
                Mistake(
                    "sign", lambda x, out: out * out - 1, "the sign is wrong: tanh is increasing"
                ),
                Mistake(
                    "chain factor",
                    lambda x, out: 1 - out,
                    "tanh² is a square: 1 − out is missing a factor out",
                ),
            ),
        ),
        Exercise(
            "sigmoid",
            "the derivative rule of y = σ(x) = 1/(1 + e^−x), in terms of the output",
            "rule(x, out) -> ∂out/∂x",
            ("x",),
            grad(ops.sigmoid),
            WIDE,
            ops.sigmoid,
            at=((0.0,), (1000.0,), (-1000.0,)),
            mistakes=(
                Mistake(
                    "x for out",
                    lambda x, out: x * (1 - x),
                    "the formula is of y = out: use out, not x",
                ),
                Mistake(
                    "unstable",
                    lambda x, out: math.exp(x) / (1 + math.exp(x)) ** 2,
                    "e^x and its square overflow for large x: write the rule with out",
                ),
                Mistake(
                    "chain factor", lambda x, out: 1 - out, "σ′ = σ(1 − σ): a factor out is missing"
                ),
            ),
        ),
        Exercise(
            "divide",
            "both partial derivatives of z = x / y",
            "rule(x, y, out) -> (∂out/∂x, ∂out/∂y)",
            ("x", "y"),
            _gradient(lambda x, y: x / y, 2),
            DIVISOR,
            lambda x, y: x / y,
            mistakes=(
                Mistake(
                    "sign",
                    lambda x, y, out: (1 / y, out / y),
                    "∂/∂y of x·y⁻¹ is x·(−1)·y⁻²: the sign",
                ),
                Mistake(
                    "x for out",
                    lambda x, y, out: (1 / y, -x / y),
                    "−x/y² is −out/y: with out, not x",
                ),
                Mistake(
                    "chain factor",
                    lambda x, y, out: (1 / y, -x),
                    "∂/∂y of y⁻¹ is −y⁻²: a factor 1/y² is missing",
                ),
            ),
        ),
        Exercise(
            "softplus",
            "the derivative rule of y = softplus x = log(1 + e^x), stable for any x",
            "rule(x, out) -> ∂out/∂x",
            ("x",),
            grad(ops.softplus),
            WIDE,
            ops.softplus,
            at=((1000.0,), (-1000.0,)),
            mistakes=(
                Mistake(
                    "unstable",
                    lambda x, out: math.exp(x) / (1 + math.exp(x)),
                    "e^x overflows for x > 709: divide through by e^x, or use out "
                    "(e^−out = 1 − σ(x))",
                ),
                Mistake(
                    "chain factor",
                    lambda x, out: 1 / (1 + math.exp(x)),
                    "d/dx log u = u′/u: the u′ = e^x of u = 1 + e^x is missing",
                ),
                Mistake(
                    "sign",
                    lambda x, out: -1 / (1 + math.exp(-x)),
                    "the sign is wrong: softplus is increasing",
                ),
            ),
        ),
        Exercise(
            "max",
            "the subgradient of y = max(x₀, x₁, ...): one number per input",
            "rule(xs, out) -> [∂out/∂x_i, ...]",
            ("xs",),
            _max_gradient,
            UNTIED,
            max,
            at=(([1.0, 1.0],), ([2.0, 2.0, 0.0],), ([0.0, 3.0, 3.0],)),
            mistakes=(
                Mistake(
                    "kink",
                    lambda xs, out: [1.0 if x == out else 0.0 for x in xs],
                    "at a tie give the whole 1 to the first largest input, as the lectures "
                    "do: a subgradient's entries add up to 1",
                ),
                Mistake(
                    "x for out",
                    lambda xs, out: [x if x == out else 0.0 for x in xs],
                    "the derivative of the largest input is 1, not its value",
                ),
            ),
        ),
        Exercise(
            "softmax",
            "the Jacobian of y = softmax(z): row i holds ∂y_i/∂z_j, stable for large z",
            "jacobian(zs) -> [[∂y_0/∂z_0, ∂y_0/∂z_1, ...], ...]",
            ("zs",),
            _softmax_jacobian,
            _lists(1, 4, -10, 10).map(lambda zs: (zs,)),
            at=(([1000.0, 0.0],), ([-1000.0, 0.0, 1000.0],)),
            mistakes=(
                Mistake(
                    "unstable",
                    _naive_jacobian,
                    "e^z overflows for z > 709: subtract max(z) from every z first",
                ),
                Mistake(
                    "chain factor",
                    lambda zs: [[-yi * yj for yj in _softmax(zs)] for yi in _softmax(zs)],
                    "∂y_i/∂z_i has a term of its own: y_i(δ_ij − y_j)",
                ),
                Mistake(
                    "sign",
                    lambda zs: [
                        [yi * (yj - (i == j)) for j, yj in enumerate(_softmax(zs))]
                        for i, yi in enumerate(_softmax(zs))
                    ],
                    "the sign is wrong: y_i grows with z_i",
                ),
            ),
        ),
        Exercise(
            "neuron",
            "the gradient of one neuron's output y = tanh(Σ w_i·x_i + b) by hand",
            "neuron_backward(ws, xs, b) -> (∂y/∂ws, ∂y/∂xs, ∂y/∂b)",
            ("ws", "xs", "b"),
            _neuron_gradient,
            _neurons(),
            mistakes=(
                Mistake(
                    "chain factor",
                    lambda ws, xs, b: (list(xs), list(ws), 1.0),
                    "every path goes through the tanh: multiply by its local derivative 1 − y²",
                ),
                Mistake(
                    "x for out",
                    lambda ws, xs, b: _neuron_scaled(ws, xs, b, lambda z, y: 1 - z * z),
                    "the tanh's local derivative is 1 − y² with y = tanh z, not 1 − z²",
                ),
                Mistake(
                    "swapped",
                    lambda ws, xs, b: _neuron_scaled(ws, xs, b, lambda z, y: 1 - y * y, swap=True),
                    "∂z/∂w_i is x_i, and ∂z/∂x_i is w_i",
                ),
            ),
        ),
        Exercise(
            "mlp",
            "the gradient of the loss (ŷ − t)² of a 2-2-1 network (tanh hidden units, "
            "linear output) by hand",
            "mlp_backward(x, t, W1, b1, w2, b2) -> (∂L/∂W1, ∂L/∂b1, ∂L/∂w2, ∂L/∂b2)",
            ("x", "t", "W1", "b1", "w2", "b2"),
            _mlp_gradient,
            _networks(),
            mistakes=(
                Mistake(
                    "factor 2",
                    lambda *a: _mlp_by_hand(*a, factor=1.0),
                    "d/dŷ (ŷ − t)² = 2(ŷ − t): the 2 is missing",
                ),
                Mistake(
                    "chain factor",
                    lambda *a: _mlp_by_hand(*a, tanh_factor=False),
                    "a hidden unit's gradient passes through its tanh: multiply by 1 − h²",
                ),
                Mistake(
                    "sign",
                    lambda *a: _mlp_by_hand(*a, factor=-2.0),
                    "the sign: ∂L/∂ŷ = 2(ŷ − t), not 2(t − ŷ)",
                ),
            ),
        ),
        Exercise(
            "cross-entropy",
            "∂L/∂z for ŷ = σ(z) and L = −[t log ŷ + (1 − t) log(1 − ŷ)], stable for any z",
            "bce_backward(z, t) -> ∂L/∂z",
            ("z", "t"),
            grad(_bce),
            st.tuples(reals(-1000, 1000), reals(0, 1)),
            at=((1000.0, 0.0), (-1000.0, 1.0)),
            mistakes=(
                Mistake("sign", lambda z, t: t - ops.sigmoid(z), "∂L/∂z = ŷ − t: the sign"),
                Mistake(
                    "chain factor",
                    lambda z, t: ops.sigmoid(z) * (1 - ops.sigmoid(z)),
                    "σ′ = ŷ(1 − ŷ) is one factor; ∂L/∂ŷ is the other, and their product simplifies",
                ),
                Mistake(
                    "unstable",
                    lambda z, t: 1 / (1 + math.exp(-z)) - t,
                    "e^−z overflows for z < −709: use a stable σ (autodiff.sigmoid)",
                ),
            ),
        ),
    ]
}
"""The graded exercises by name, in the notebook's order (the tenth is yours: `check_operation`)."""


def check(name: str, answer: Callable[..., Any]) -> Grade:
    """Grade your answer to the exercise called name (`EXERCISES`)."""
    if name not in EXERCISES:
        raise KeyError(f"no exercise is called {name!r}; they are {', '.join(EXERCISES)}")
    return EXERCISES[name].check(answer)


def check_operation(operation: Any) -> Grade:
    """Grade the rule of an operation you registered (with a ``domain``): its derivatives, by
    the engine, against central finite differences of its forward, at points of its domain."""
    prim = getattr(operation, "primitive", None)
    if not isinstance(prim, Primitive) or prim.arity is None:
        raise TypeError(
            "check_operation needs an operation of one or two inputs made with "
            f"autodiff.primitive, got {operation!r}"
        )
    n = prim.arity
    names = ("x", "y")[:n]
    engine = _gradient(operation, n)

    def by_differences(*args: float) -> tuple[float, ...]:
        found = []
        for i in range(n):
            eps = 1e-6 * max(1.0, abs(args[i]))
            up, down = list(args), list(args)
            up[i] += eps
            down[i] -= eps
            found.append((prim.forward(*up) - prim.forward(*down)) / (2 * eps))
        return tuple(found)

    return check_rule(
        engine,
        by_differences,
        arguments(operation).map(lambda point: point.inputs),
        names=names,
        name=f"the rule of {prim.name}",
        rtol=1e-4,
        atol=1e-6,
    )
