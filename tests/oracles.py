"""An independent oracle for every built-in primitive: the same function in mpmath.

For each primitive: how a user applies it to Values, and the same function written with
mpmath (evaluated at 50 digits and differentiated numerically by ``mpmath.diff``). The points
come from ``autodiff.testing.arguments``, the strategies the package offers its users.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import mpmath

import autodiff as ad
from autodiff import Value
from autodiff.testing import Point, bounded, positive

mpmath.mp.dps = 50

Engine = Callable[[Sequence[Value], Mapping[str, Any]], Value]


@dataclass(frozen=True)
class Oracle:
    engine: Engine  # how a user applies the primitive to Values
    reference: Callable[..., Any]  # mpmath numbers in, mpmath number out; params by keyword


def dot_engine(xs: Sequence[Value], params: Mapping[str, Any]) -> Value:
    n = len(xs) // 2
    return ad.dot(xs[:n], xs[n : 2 * n], xs[2 * n] if len(xs) % 2 else None)


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


ORACLES: dict[str, Oracle] = {
    "add": Oracle(lambda v, p: v[0] + v[1], operator.add),
    "sub": Oracle(lambda v, p: v[0] - v[1], operator.sub),
    "mul": Oracle(lambda v, p: v[0] * v[1], operator.mul),
    "div": Oracle(lambda v, p: v[0] / v[1], operator.truediv),
    "neg": Oracle(lambda v, p: -v[0], operator.neg),
    "identity": Oracle(lambda v, p: ad.functional.identity(v[0]), lambda x: x),
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
MPMATH_OPS: dict[str, Callable[..., Any]] = {
    "add": operator.add,
    "sub": operator.sub,
    "mul": operator.mul,
    "div": lambda a, b: a / positive(b),
    "neg": operator.neg,
    "identity": lambda a: a,
    "pow": lambda a, b: positive(a) ** bounded(b),
    "power": lambda a: a**2,
    "exponential": lambda a: 2 ** bounded(a),
    "exp": lambda a: mpmath.exp(bounded(a)),
    "log": lambda a: mpmath.log(positive(a)),
    "sqrt": lambda a: mpmath.sqrt(positive(a)),
    "tanh": mpmath.tanh,
    "sigmoid": sigmoid,
    "softplus": softplus,
    "sin": mpmath.sin,
    "cos": mpmath.cos,
    "relu": relu,
    "leaky_relu": lambda a: a if a > 0 else a / 10,
    "abs": abs,
    "sum": lambda *a: mpmath.fsum(a),
    "prod": lambda *a: mpmath.fprod(a),
    "dot": lambda w1, w2, x1, x2: w1 * x1 + w2 * x2,
    "max": lambda *a: max(a),
    "min": lambda *a: min(a),
    "logsumexp": logsumexp,
    "softmax": lambda *a: softmax(*a, index=0),
}


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
