"""Elementary functions, each with its local-derivative rule.

Non-differentiable points take the subgradients of the lectures: relu'(0) = 0, abs'(0) = 0,
and leaky_relu at 0 takes the slope of its left side. Formulas that would overflow for large
inputs are written in a stable form.
"""

from __future__ import annotations

import math
from typing import Any

from autodiff.errors import DomainError
from autodiff.primitives import primitive

LEAKY_SLOPE = 0.01
"""The slope of leaky_relu for x < 0, unless given."""


@primitive(lambda x, out: out)
def exp(x: float) -> float:
    """e^x;  d/dx e^x = e^x"""
    return math.exp(x)


@primitive(lambda x, out: 1 / x)
def log(x: float) -> float:
    """ln x;  d/dx ln x = 1/x"""
    if x <= 0:
        raise DomainError(f"log(x) needs x > 0, got x = {x!r}")
    return math.log(x)


@primitive(lambda x, out: 0.5 / out)
def sqrt(x: float) -> float:
    """√x;  d/dx √x = 1/(2√x), which is infinite at 0"""
    if x < 0:
        raise DomainError(f"sqrt(x) needs x >= 0, got x = {x!r}")
    return math.sqrt(x)


@primitive(lambda x, out: 1 - out * out)
def tanh(x: float) -> float:
    """tanh x;  d/dx tanh x = 1 − tanh² x"""
    return math.tanh(x)


@primitive(lambda x, out: out * (1 - out))
def sigmoid(x: float) -> float:
    """σ(x) = 1/(1 + e^−x);  d/dx σ(x) = σ(x)(1 − σ(x))"""
    # e^−x overflows for x below about −709; the second form only takes e^x of a negative x.
    if x >= 0:
        return 1 / (1 + math.exp(-x))
    e = math.exp(x)
    return e / (1 + e)


@primitive(lambda x, out: 1.0 if x > 0 else 0.0)
def relu(x: float) -> float:
    """max(0, x);  d/dx = 1 for x > 0, else 0 (the subgradient 0 at x = 0)"""
    return 0.0 if x <= 0 else x  # so NaN stays NaN


@primitive(lambda x, out, *, slope: 1.0 if x > 0 else slope, display="leaky_relu({slope:g})")
def leaky_relu(x: float, *, slope: float = LEAKY_SLOPE) -> float:
    """x for x > 0, else slope·x;  d/dx = 1 for x > 0, else slope (the left slope at 0)"""
    return slope * x if x <= 0 else x


@primitive(lambda x, out: sigmoid(x))
def softplus(x: float) -> float:
    """ln(1 + e^x);  d/dx = σ(x)"""
    # ln(1 + e^x) = max(x, 0) + ln(1 + e^−|x|): no overflow for large x, no loss for small.
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


@primitive(lambda x, out: 1.0 if x > 0 else -1.0 if x < 0 else 0.0, name="abs")
def abs_(x: float) -> float:
    """|x|;  d/dx = sign(x), with the subgradient 0 at x = 0"""
    return abs(x)


def _sin_derivative(x: Any, out: Any) -> Any:
    return cos(x)  # cos is defined below; the two rules refer to each other


@primitive(_sin_derivative)
def sin(x: float) -> float:
    """sin x;  d/dx sin x = cos x"""
    _check_finite("sin", x)
    return math.sin(x)


@primitive(lambda x, out: -sin(x))
def cos(x: float) -> float:
    """cos x;  d/dx cos x = −sin x"""
    _check_finite("cos", x)
    return math.cos(x)


def _check_finite(name: str, x: float) -> None:
    if math.isinf(x):
        raise DomainError(f"{name}(x) needs a finite x, got x = {x!r}")
