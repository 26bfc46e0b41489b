"""What the tests share: an independent oracle for every built-in primitive, the property
tests of the engine as functions, and running a property against a wrong implementation.

The oracle of each primitive is how a user applies it to Values, and the same function written
with mpmath (evaluated at 50 digits and differentiated numerically by ``mpmath.diff``): on
purpose independent of the registry, which it checks. The points come from
``autodiff.testing.arguments``, the strategies the package offers its users.

The properties are functions, so that a test can also run each one against a deliberately
wrong rule and see it fail (tests/autodiff/test_properties_can_fail.py).
"""

from __future__ import annotations

import math
import operator
import shutil
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import mpmath
import pytest
from hypothesis import Phase, assume, given, settings
from hypothesis import strategies as st

import autodiff as ad
from autodiff import PRIMITIVES, Value, grad, topological_order
from autodiff.testing import Expression, Point, arguments, expressions, reals

mpmath.mp.dps = 50

Engine = Callable[[Sequence[Value], Mapping[str, Any]], Value]


@dataclass(frozen=True)
class Oracle:
    engine: Engine  # how a user applies the primitive to Values
    reference: Callable[..., Any]  # mpmath numbers in, mpmath number out; params by keyword


def dot_engine(xs: Sequence[Value], params: Mapping[str, Any]) -> Value:
    n = len(xs) // 2
    z: Value = ad.dot(xs[:n], xs[n : 2 * n], xs[2 * n] if len(xs) % 2 else None)
    return z


def dot_reference(*xs: Any) -> Any:
    n = len(xs) // 2
    total = mpmath.fsum(w * x for w, x in zip(xs[:n], xs[n : 2 * n]))
    return total + xs[2 * n] if len(xs) % 2 else total


def sigmoid(x: Any) -> Any:
    return 1 / (1 + mpmath.exp(-x))


def softplus(x: Any) -> Any:
    return mpmath.log1p(mpmath.exp(x))


def logsumexp(*xs: Any) -> Any:
    return mpmath.log(mpmath.fsum(mpmath.exp(x) for x in xs))


def softmax(*zs: Any, index: int) -> Any:
    return mpmath.exp(zs[index]) / mpmath.fsum(mpmath.exp(z) for z in zs)


def relu(x: Any) -> Any:
    return x if x > 0 else mpmath.mpf(0)


def xlogy(x: Any, y: Any) -> Any:
    return mpmath.mpf(0) if x == 0 else x * mpmath.log(y)


def first_index(xs: Sequence[Any], better: Callable[[Any, Any], bool]) -> Any:
    best = 0
    for i in range(1, len(xs)):
        if better(xs[i], xs[best]):
            best = i
    return mpmath.mpf(best)


ORACLES: dict[str, Oracle] = {
    "step": Oracle(lambda v, p: ad.step(v[0]), lambda x: mpmath.mpf(x > 0)),
    "sign": Oracle(lambda v, p: ad.sign(v[0]), mpmath.sign),
    "equal": Oracle(lambda v, p: ad.equal(v[0], v[1]), lambda x, y: mpmath.mpf(x == y)),
    "argmax": Oracle(lambda v, p: ad.argmax(v), lambda *xs: first_index(xs, operator.gt)),
    "argmin": Oracle(lambda v, p: ad.argmin(v), lambda *xs: first_index(xs, operator.lt)),
    "xlogy": Oracle(lambda v, p: ad.xlogy(v[0], v[1]), xlogy),
    "add": Oracle(lambda v, p: v[0] + v[1], operator.add),
    "sub": Oracle(lambda v, p: v[0] - v[1], operator.sub),
    "mul": Oracle(lambda v, p: v[0] * v[1], operator.mul),
    "div": Oracle(lambda v, p: v[0] / v[1], operator.truediv),
    "neg": Oracle(lambda v, p: -v[0], operator.neg),
    "identity": Oracle(lambda v, p: ad.identity(v[0]), lambda x: x),
    "pow": Oracle(lambda v, p: v[0] ** v[1], operator.pow),
    "power": Oracle(lambda v, p: v[0] ** p["exponent"], lambda x, exponent: x**exponent),
    "exponential": Oracle(lambda v, p: p["base"] ** v[0], lambda y, base: base**y),
    "exp": Oracle(lambda v, p: v[0].exp(), mpmath.exp),
    "log": Oracle(lambda v, p: v[0].log(), mpmath.log),
    "sqrt": Oracle(lambda v, p: v[0].sqrt(), mpmath.sqrt),
    "tanh": Oracle(lambda v, p: v[0].tanh(), mpmath.tanh),
    "sigmoid": Oracle(lambda v, p: v[0].sigmoid(), sigmoid),
    "relu": Oracle(lambda v, p: v[0].relu(), relu),
    "leaky_relu": Oracle(
        lambda v, p: v[0].leaky_relu(p["slope"]), lambda x, slope: x if x > 0 else slope * x
    ),
    "softplus": Oracle(lambda v, p: v[0].softplus(), softplus),
    "abs": Oracle(lambda v, p: abs(v[0]), abs),
    "sin": Oracle(lambda v, p: v[0].sin(), mpmath.sin),
    "cos": Oracle(lambda v, p: v[0].cos(), mpmath.cos),
    "sum": Oracle(lambda v, p: ad.sum(v), lambda *xs: mpmath.fsum(xs)),
    "dot": Oracle(dot_engine, dot_reference),
    "prod": Oracle(lambda v, p: ad.prod(v), lambda *xs: mpmath.fprod(xs)),
    "max": Oracle(lambda v, p: ad.max(v), lambda *xs: max(xs)),
    "min": Oracle(lambda v, p: ad.min(v), lambda *xs: min(xs)),
    "logsumexp": Oracle(lambda v, p: ad.logsumexp(v), logsumexp),
    "softmax": Oracle(lambda v, p: ad.softmax(v)[p["index"]], softmax),
}

# The operations of autodiff.testing's random expressions, in mpmath, with the same guards.
MPMATH_OPS: dict[str, Callable[..., Any]] = {name: o.reference for name, o in ORACLES.items()}
"""The operations of random expressions in mpmath, by name (the expressions apply the guards)."""


def reference_value(oracle: Oracle, point: Point) -> Any:
    return oracle.reference(*map(mpmath.mpf, point.inputs), **_params(point))


def reference_derivative(oracle: Oracle, point: Point, orders: Sequence[int]) -> float:
    """∂^|orders| f / ∂x_0^orders[0] ∂x_1^orders[1] ... at the point, at 50 digits."""
    params = _params(point)
    inputs = [mpmath.mpf(x) for x in point.inputs]
    return float(mpmath.diff(lambda *xs: oracle.reference(*xs, **params), inputs, tuple(orders)))


def reference_partial(oracle: Oracle, point: Point, i: int) -> float:
    """∂f/∂x_i at the point."""
    return reference_derivative(oracle, point, [int(j == i) for j in range(len(point.inputs))])


def _params(point: Point) -> dict[str, Any]:
    return {k: mpmath.mpf(v) if isinstance(v, float) else v for k, v in point.params.items()}


# -- what a test needs of the machine -------------------------------------------------------------

needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None,
    reason="needs Graphviz's dot program (apt install graphviz; CI installs it)",
)
"""For a test of what only Graphviz's dot renders; tests/test_without_dot.py runs the
diagram tests once with dot hidden, so both situations are checked where it is installed."""


# -- graphs --------------------------------------------------------------------------------------


def neuron() -> tuple[Value, dict[str, Value]]:
    """The lectures' neuron y = tanh(x1·w1 + x2·w2 + b), and its Values by label."""
    x1, x2 = Value(2.0, "x1"), Value(0.0, "x2")
    w1, w2 = Value(-3.0, "w1"), Value(1.0, "w2")
    b = Value(6.8813735870195432, "b")
    z = x1 * w1 + x2 * w2 + b
    z.label = "z"
    y = z.tanh()
    y.label = "y"
    return y, {v.label: v for v in (x1, x2, w1, w2, b, z)}


# -- the properties -----------------------------------------------------------------------------

Property = Callable[[], None]
Gradients = Callable[[Value, Sequence[Value]], list[float]]


def close(actual: float, expected: float, rel: float = 1e-8, abs_: float = 1e-10) -> bool:
    return math.isclose(actual, expected, rel_tol=rel, abs_tol=abs_)


def backward_gradients(root: Value, leaves: Sequence[Value]) -> list[float]:
    """d root / d leaf for each leaf, by the engine's backward pass."""
    for leaf in leaves:
        leaf.grad = 0.0
    root.backward()
    return [leaf.grad for leaf in leaves]


@contextmanager
def wrong_rule(name: str, derivative: Callable[..., Any]) -> Iterator[None]:
    """Replace a primitive's derivative rule for the duration of the block."""
    prim = PRIMITIVES[name]
    saved = prim.derivative, dict(prim._bound), dict(prim._each)
    prim.derivative = derivative
    prim.float_rule = prim._first_float_rule  # written as code anew, from the wrong rule
    prim._bound.clear()  # bound copies (x**2, softmax[i]) hold the rule they were made with
    prim._each.clear()  # and the rule, written as code where it fails, is the old one's
    try:
        yield
    finally:
        prim.derivative = saved[0]
        prim.float_rule = prim._first_float_rule
        prim._bound.clear()
        prim._bound.update(saved[1])
        prim._each.clear()
        prim._each.update(saved[2])


# -- each rule against its oracle ------------------------------------------------------------


def rule_matches_oracle(name: str, oracle: Oracle | None = None) -> Property:
    """The value and every first partial derivative of a primitive agree with mpmath."""
    spec = oracle or ORACLES[name]

    @given(arguments(name))
    def check(case: Point) -> None:
        xs = [Value(x) for x in case.inputs]
        out = spec.engine(xs, case.params)
        expected_value = float(reference_value(spec, case))
        assert close(out.data, expected_value), f"{name}{case}: {out.data} != {expected_value}"
        for i, actual in enumerate(backward_gradients(out, xs)):
            expected = reference_partial(spec, case, i)
            assert close(actual, expected), (
                f"∂{name}/∂x{i} at {case}: {actual} != mpmath {expected}"
            )

    return check


def rule_serves_values_too(name: str) -> Property:
    """A rule applied to Values gives, in .data, the floats it recorded on the edges.

    This is what makes one rule serve both the backward pass and derivatives of derivatives.
    """
    spec = ORACLES[name]

    @given(arguments(name))
    def check(point: Point) -> None:
        xs = [Value(x) for x in point.inputs]
        out = spec.engine(xs, point.params)
        assert out.primitive is not None
        on_values = out.primitive.on_values(out.parents, out)
        for recorded, value in zip(out.partials, on_values):
            assert isinstance(recorded, float)  # inside the domain every derivative exists
            number = value.data if isinstance(value, Value) else value
            assert close(number, recorded, rel=1e-12, abs_=1e-15), (
                f"{name} at {point}: {number} != {recorded}"
            )

    return check


def higher_derivative_matches_oracle(name: str, order: int) -> Property:
    """A derivative of the given order of a primitive, to any inputs, agrees with mpmath.

    Each example draws which inputs to differentiate by (∂³/∂x0∂x0∂x2, say) and nests
    ``grad``: the rules applied to Values, the same rules that compute the first derivatives.
    """
    spec = ORACLES[name]

    @given(arguments(name), st.data())
    def check(point: Point, data: st.DataObject) -> None:
        n = len(point.inputs)
        by = data.draw(st.lists(st.integers(0, n - 1), min_size=order, max_size=order))

        def f(*xs: Value) -> Value:
            return spec.engine(list(xs), point.params)

        derivative: Callable[..., Any] = f
        for i in by:
            derivative = grad(derivative, i)
        with warnings.catch_warnings():  # a derivative that is a constant warns; rightly so
            warnings.simplefilter("ignore", UserWarning)
            actual = derivative(*point.inputs)
        expected = reference_derivative(spec, point, [by.count(j) for j in range(n)])
        assert close(actual, expected, rel=1e-7, abs_=1e-9), (
            f"∂^{order}{name}/∂{by} at {point}: {actual} != mpmath {expected}"
        )

    return check


# -- the documented subgradients at the kinks --------------------------------------------------

KINKS: dict[str, tuple[Callable[[list[Value]], Value], list[float], list[float]]] = {
    # name: (how to apply it, inputs exactly at the kink, the documented partials there)
    "relu": (lambda v: v[0].relu(), [0.0], [0.0]),
    "abs": (lambda v: abs(v[0]), [0.0], [0.0]),
    "leaky_relu": (lambda v: v[0].leaky_relu(0.2), [0.0], [0.2]),
    "max": (ad.max, [1.0, 3.0, 3.0, 2.0], [0.0, 1.0, 0.0, 0.0]),
    "min": (ad.min, [2.0, -1.0, 5.0, -1.0], [0.0, 1.0, 0.0, 0.0]),
}


def subgradient_at_kink(name: str) -> Property:
    """At its kink, a primitive takes the subgradient the guide documents (docs/guide/values.md)."""
    apply, inputs, expected = KINKS[name]

    @given(st.sampled_from([1.0, -1.0]), reals(0.1, 10))
    def check(sign: float, scale: float) -> None:
        # Scaling every input by the same positive number moves nothing off the kink.
        xs = [Value(sign * 0.0 if x == 0 else scale * x) for x in inputs]
        grads = backward_gradients(apply(xs), xs)
        assert grads == expected, f"{name} at {[x.data for x in xs]}: {grads} != {expected}"

    return check


# -- structural properties on random graphs ------------------------------------------------------


def run(expression: Expression, leaves: Sequence[Value]) -> Value:
    """The expression on Values; examples whose intermediate values grow large are discarded."""
    root = expression(*leaves)
    # Big intermediate values make the float rounding error larger than the tolerances.
    assume(all(abs(v.data) < 1e3 for v in topological_order(root)))
    return root  # type: ignore[no-any-return]


def points(n: int) -> st.SearchStrategy[list[float]]:
    return st.lists(reals(-2, 2), min_size=n, max_size=n)


def gradients_at(expression: Expression, point: Sequence[float]) -> list[float]:
    leaves = [Value(x) for x in point]
    return backward_gradients(run(expression, leaves), leaves)


def gradient_matches_mpmath_on_random_graphs() -> Property:
    """The gradient of a random expression graph agrees with mpmath's on the same expression."""

    @given(expressions(n_inputs=3, smooth=True), points(3))
    def check(expression: Expression, point: list[float]) -> None:
        leaves = [Value(x) for x in point]
        grads = backward_gradients(run(expression, leaves), leaves)
        mp_point = [mpmath.mpf(x) for x in point]
        for i, actual in enumerate(grads):
            order = tuple(int(j == i) for j in range(3))
            expected = float(
                mpmath.diff(lambda *xs: expression.evaluate(MPMATH_OPS, xs), mp_point, order)
            )
            assert close(actual, expected, rel=1e-7, abs_=1e-9), (
                f"∂/∂x{i} of {expression}: {actual} != {expected}"
            )

    return check


def linearity() -> Property:
    """∇(a·f + b·g) = a·∇f + b·∇g."""

    @given(expressions(), expressions(), reals(-3, 3), reals(-3, 3), points(2))
    def check(f: Expression, g: Expression, a: float, b: float, point: list[float]) -> None:
        df, dg = gradients_at(f, point), gradients_at(g, point)
        leaves = [Value(x) for x in point]
        combined = backward_gradients(a * run(f, leaves) + b * run(g, leaves), leaves)
        for i in range(2):
            expected = a * df[i] + b * dg[i]
            assert close(combined[i], expected, abs_=1e-8), (
                f"linearity, x{i}: {combined[i]} != {expected}"
            )

    return check


def product_rule() -> Property:
    """∇(f·g) = ∇f·g + f·∇g."""

    @given(expressions(), expressions(), points(2))
    def check(f: Expression, g: Expression, point: list[float]) -> None:
        df, dg = gradients_at(f, point), gradients_at(g, point)
        f_value = run(f, [Value(x) for x in point]).data
        g_value = run(g, [Value(x) for x in point]).data
        leaves = [Value(x) for x in point]
        product = backward_gradients(run(f, leaves) * run(g, leaves), leaves)
        for i in range(2):
            expected = df[i] * g_value + f_value * dg[i]
            assert close(product[i], expected, abs_=1e-8), (
                f"product rule, x{i}: {product[i]} != {expected}"
            )

    return check


# Unary primitives and their derivatives written with mpmath, independently of the engine.
OUTER: dict[str, tuple[Callable[[Value], Value], Callable[[Any], Any]]] = {
    "tanh": (lambda v: v.tanh(), lambda x: 1 - mpmath.tanh(x) ** 2),
    "sin": (lambda v: v.sin(), mpmath.cos),
    "sigmoid": (lambda v: v.sigmoid(), lambda x: mpmath.exp(-x) / (1 + mpmath.exp(-x)) ** 2),
    "softplus": (lambda v: v.softplus(), lambda x: 1 / (1 + mpmath.exp(-x))),
}


def chain_rule() -> Property:
    """∇h(f) = h'(f)·∇f, with h' from mpmath and ∇f from the engine."""

    @given(st.sampled_from(sorted(OUTER)), expressions(), points(2))
    def check(outer: str, f: Expression, point: list[float]) -> None:
        h, h_prime = OUTER[outer]
        df = gradients_at(f, point)
        f_value = run(f, [Value(x) for x in point]).data
        leaves = [Value(x) for x in point]
        composed = backward_gradients(h(run(f, leaves)), leaves)
        slope = float(h_prime(mpmath.mpf(f_value)))
        for i in range(2):
            expected = slope * df[i]
            assert close(composed[i], expected, abs_=1e-8), (
                f"chain rule {outer}, x{i}: {composed[i]} != {expected}"
            )

    return check


def path_sum(root: Value, leaf: Value) -> float:
    """Σ over every path from leaf to root of the product of the edge derivatives along it."""
    total = 0.0
    stack: list[tuple[Value, float]] = [(root, 1.0)]
    while stack:
        node, product = stack.pop()
        if node is leaf:
            total += product
            continue
        stack.extend((parent, product * d) for parent, d in zip(node.parents, node.partials))
    return total


def distributed_chain_rule(gradients: Gradients = backward_gradients) -> Property:
    """d root / d x = the sum over all paths from x to root of the products of edge derivatives.

    On small random graphs with shared subexpressions and reused leaves: the lectures'
    influence diagram, checked path by path against the backward pass.
    """

    @given(expressions(n_inputs=3), points(3))
    def check(expression: Expression, point: list[float]) -> None:
        leaves = [Value(x) for x in point]
        root = run(expression, leaves)
        grads = gradients(root, leaves)
        for i, leaf in enumerate(leaves):
            expected = path_sum(root, leaf)
            assert close(grads[i], expected), (
                f"x{i} of {expression}: backward {grads[i]} != paths {expected}"
            )

    return check


# -- seeing a property fail -----------------------------------------------------------------------


def fails(prop: Callable[[], None], error: type[BaseException] = AssertionError) -> None:
    """The property, given many examples to find a failure, raises ``error``.

    Hypothesis stops at the first failure, so a property that does fail costs little; any
    failure will do: hypothesis neither shrinks it nor looks for others. No example database,
    so a failure saved by an earlier run cannot stand in for finding one.
    """
    hunt = settings(
        database=None, max_examples=2000, phases=[Phase.generate], report_multiple_bugs=False
    )
    with pytest.raises(error):
        hunt(prop)()
