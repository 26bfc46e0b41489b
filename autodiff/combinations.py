"""Operations on many inputs, each ONE node with one edge per input.

These are the lectures' combinations: the affine combination z = Σ w·x + b of a neuron (dot),
the multiplicative combination (prod), the max with its subgradient, and softmax, a vector
activation in which every output depends on every input.
"""

from __future__ import annotations

import builtins
import functools
import math
import operator
from collections.abc import Callable, Iterable, Sequence
from typing import Any, overload

from autodiff.primitives import PRIMITIVES, apply_variadic, primitive
from autodiff.value import Operand, Value, as_float


@primitive(lambda xs, out: (1.0,) * len(xs), name="sum", symbol="Σ")
def _sum(*xs: float) -> float:
    """Σ x_i;  ∂/∂x_i = 1"""
    return builtins.sum(xs, 0.0)  # as repeated +, overflow and inf included


def _dot_derivative(args: Sequence[Any], out: Any) -> tuple[Any, ...]:
    """∂z/∂w_i = x_i,  ∂z/∂x_i = w_i,  ∂z/∂b = 1"""
    n = len(args) // 2
    if len(args) % 2:
        return (*args[n:-1], *args[:n], 1.0)
    return (*args[n:], *args[:n])


@primitive(_dot_derivative, name="dot", symbol="Σw·x+b")
def _dot(*args: float) -> float:
    """z = Σ w_i·x_i + b over the inputs (w_1..w_n, x_1..x_n[, b])"""
    n = len(args) // 2
    # map stops at the shorter sequence, so b (if any) is left out of the products.
    z: float = builtins.sum(map(operator.mul, args[:n], args[n:]), 0.0)
    return z + args[-1] if len(args) % 2 else z


def _prod_derivative(xs: Sequence[Any], out: Any) -> list[Any]:
    """∂/∂x_i Π x_j = Π_{j≠i} x_j, from prefix and suffix products: exact when some x_j = 0"""
    before = [1.0]
    for x in xs[:-1]:
        before.append(before[-1] * x)
    after = [1.0]
    for x in reversed(xs[1:]):
        after.append(after[-1] * x)
    return [b * a for b, a in zip(before, reversed(after))]


@primitive(_prod_derivative, name="prod", symbol="Π")
def _prod(*xs: float) -> float:
    """Π x_i;  ∂/∂x_i = Π_{j≠i} x_j"""
    return math.prod(xs, start=1.0)


def _one_hot(n: int, index: int) -> list[float]:
    hot = [0.0] * n
    hot[index] = 1.0
    return hot


def _first_best(xs: Sequence[Any], better: Callable[[Any, Any], bool]) -> int:
    """The index of the first input that no later one beats (comparisons work on Values too)."""
    best = 0
    for i in range(1, len(xs)):
        if better(xs[i], xs[best]):
            best = i
    return best


def _at_least_one(name: str, xs: Sequence[float]) -> None:
    if not xs:
        raise ValueError(f"{name} needs at least one value")


@primitive(lambda xs, out: _one_hot(len(xs), _first_best(xs, operator.gt)), name="max")
def _max(*xs: float) -> float:
    """max x_i;  subgradient: 1 for the first arg-max, 0 for the rest"""
    _at_least_one("max", xs)
    return builtins.max(xs)


@primitive(lambda xs, out: _one_hot(len(xs), _first_best(xs, operator.lt)), name="min")
def _min(*xs: float) -> float:
    """min x_i;  subgradient: 1 for the first arg-min, 0 for the rest"""
    _at_least_one("min", xs)
    return builtins.min(xs)


@primitive(lambda xs, out: softmax(xs), name="logsumexp")
def _logsumexp(*xs: float) -> float:
    """log Σ e^x_i;  ∂/∂x_i = e^x_i / Σ_j e^x_j, the softmax of the inputs"""
    _at_least_one("logsumexp", xs)
    m = builtins.max(xs)
    if math.isinf(m):
        return m
    # Shifting by the largest input keeps every exponent <= 0: nothing overflows.
    return m + math.log(math.fsum(math.exp(x - m) for x in xs))


@functools.lru_cache(maxsize=8)
def _softmax_floats(zs: tuple[float, ...]) -> tuple[float, ...]:
    # Cached: the n outputs of one softmax, and their rules, all need the same n values.
    m = builtins.max(zs)
    es = [math.exp(z - m) for z in zs]
    total = math.fsum(es)
    return tuple(e / total for e in es)


def _softmax_derivative(zs: Sequence[Any], out: Any, *, index: int) -> list[Any]:
    """∂y_i/∂z_j = y_i (δ_ij − y_j)"""
    return [out * ((1.0 if j == index else 0.0) - y) for j, y in enumerate(softmax(zs))]


@primitive(_softmax_derivative, name="softmax", display="softmax[{index}]")
def _softmax(*zs: float, index: int) -> float:
    """y_i = e^z_i / Σ_j e^z_j, output number `index` of the softmax of zs"""
    return _softmax_floats(zs)[index]


_SUM, _DOT, _PROD, _MAX, _MIN, _LOGSUMEXP, _SOFTMAX = (
    PRIMITIVES[name] for name in ("sum", "dot", "prod", "max", "min", "logsumexp", "softmax")
)


@overload
def sum(values: Iterable[float]) -> float: ...  # type: ignore[overload-overlap]
@overload
def sum(values: Iterable[Operand]) -> Value: ...
def sum(values: Iterable[Any]) -> Any:
    """Σ values, as one node with one edge (derivative 1) per value."""
    return apply_variadic(_SUM, *values)


@overload
def dot(ws: Sequence[float], xs: Sequence[float], b: float | None = None) -> float: ...  # type: ignore[overload-overlap]
@overload
def dot(ws: Sequence[Operand], xs: Sequence[Operand], b: Operand | None = None) -> Value: ...
def dot(ws: Sequence[Any], xs: Sequence[Any], b: Any = None) -> Any:
    """The affine combination z = Σ w_i·x_i + b of one neuron, as one node.

    Its edges carry ∂z/∂w_i = x_i, ∂z/∂x_i = w_i and ∂z/∂b = 1. Plain numbers are allowed
    anywhere (an input x_i, typically): they become constant leaves.
    """
    if len(ws) != len(xs):
        raise ValueError(f"dot needs as many weights as inputs, got {len(ws)} and {len(xs)}")
    return apply_variadic(_DOT, *ws, *xs) if b is None else apply_variadic(_DOT, *ws, *xs, b)


@overload
def prod(values: Iterable[float]) -> float: ...  # type: ignore[overload-overlap]
@overload
def prod(values: Iterable[Operand]) -> Value: ...
def prod(values: Iterable[Any]) -> Any:
    """Π values, the multiplicative combination, as one node."""
    return apply_variadic(_PROD, *values)


@overload
def max(values: Iterable[float]) -> float: ...  # type: ignore[overload-overlap]
@overload
def max(values: Iterable[Operand]) -> Value: ...
def max(values: Iterable[Any]) -> Any:
    """The largest value; the gradient goes to the first largest, 0 to the others."""
    return apply_variadic(_MAX, *values)


@overload
def min(values: Iterable[float]) -> float: ...  # type: ignore[overload-overlap]
@overload
def min(values: Iterable[Operand]) -> Value: ...
def min(values: Iterable[Any]) -> Any:
    """The smallest value; the gradient goes to the first smallest, 0 to the others."""
    return apply_variadic(_MIN, *values)


@overload
def logsumexp(values: Iterable[float]) -> float: ...  # type: ignore[overload-overlap]
@overload
def logsumexp(values: Iterable[Operand]) -> Value: ...
def logsumexp(values: Iterable[Any]) -> Any:
    """log Σ e^v, computed without overflow."""
    return apply_variadic(_LOGSUMEXP, *values)


@overload
def softmax(values: Iterable[float]) -> list[float]: ...  # type: ignore[overload-overlap]
@overload
def softmax(values: Iterable[Operand]) -> list[Value]: ...
def softmax(values: Iterable[Any]) -> list[Any]:
    """The vector activation y_i = e^z_i / Σ_j e^z_j.

    With Values: one node per output, each with an edge from every input carrying the
    Jacobian entry ∂y_i/∂z_j = y_i (δ_ij − y_j). With numbers only: a list of floats.
    """
    zs = tuple(values)
    _at_least_one("softmax", zs)
    if not builtins.any(isinstance(z, Value) for z in zs):
        return list(_softmax_floats(tuple(as_float(z, "softmax") for z in zs)))
    return [apply_variadic(_SOFTMAX.bind({"index": i}), *zs) for i in range(len(zs))]
