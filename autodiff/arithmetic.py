"""Arithmetic primitives: the operators of Value, each with its local-derivative rule.

Each rule is stated once, beside its forward, and written so that it works on floats (the
numbers recorded on the graph's edges) and on Values (derivatives of derivatives).
"""

from __future__ import annotations

import math
from typing import Any

from autodiff.errors import DomainError, UndefinedDerivative
from autodiff.primitives import primitive
from autodiff.value import data_of

# Rules whose derivatives are constants return the same float objects every time,
# so those edges allocate nothing.
_ONE_ONE = (1.0, 1.0)
_ONE_MINUS_ONE = (1.0, -1.0)


@primitive(lambda x, y, out: _ONE_ONE, symbol="+")
def add(x: float, y: float) -> float:
    """x + y;  ∂/∂x = 1,  ∂/∂y = 1"""
    return x + y


@primitive(lambda x, y, out: _ONE_MINUS_ONE, symbol="-")
def sub(x: float, y: float) -> float:
    """x − y;  ∂/∂x = 1,  ∂/∂y = −1"""
    return x - y


@primitive(lambda x, y, out: (y, x), symbol="*")
def mul(x: float, y: float) -> float:
    """x · y;  ∂/∂x = y,  ∂/∂y = x"""
    return x * y


@primitive(lambda x, y, out: (1 / y, -out / y), symbol="/")
def div(x: float, y: float) -> float:
    """x / y;  ∂/∂x = 1/y,  ∂/∂y = −x/y² = −out/y"""
    if y == 0:
        raise DomainError(f"x / y needs y != 0, got x = {x!r}, y = {y!r}")
    return x / y


@primitive(lambda x, out: -1.0, symbol="-")
def neg(x: float) -> float:
    """−x;  d/dx = −1"""
    return -x


def _check_power(x: float, y: float) -> None:
    if x == 0 and y < 0:
        raise DomainError(f"x ** y needs y >= 0 when x = 0, got y = {y!r}")
    if x < 0 and not float(y).is_integer():
        raise DomainError(
            "x ** y needs an integer y when x < 0 (the result is not real), "
            f"got x = {x!r}, y = {y!r}"
        )


def _power_derivative(x: Any, out: Any, *, exponent: float) -> Any:
    """d/dx x^n = n·x^(n−1)  (0 for n = 0, where x^0 is the constant 1)"""
    if exponent == 0:
        return 0.0
    return exponent * x ** (exponent - 1)


@primitive(_power_derivative, symbol="**", display="**{exponent:g}")
def power(x: float, *, exponent: float) -> float:
    """x ** n for a constant n;  d/dx = n·x^(n−1)"""
    _check_power(x, exponent)
    return math.pow(x, exponent)


def _pow_derivative(x: Any, y: Any, out: Any) -> tuple[Any, Any]:
    """∂/∂x x^y = y·x^(y−1);  ∂/∂y x^y = x^y·log x, which tends to 0 as x → 0⁺ for y > 0"""
    dx = y * x ** (y - 1)
    if x > 0:
        return dx, out * log(x)
    if x < 0:  # y is an integer (the forward saw to it): x^y is real, log x is not
        return dx, UndefinedDerivative(
            f"x ** y has no derivative with respect to y at x = {data_of(x)!r} < 0 (log x is not "
            "real); use x ** n with a number n for a constant exponent"
        )
    return dx, 0.0


def _exponential_derivative(y: Any, out: Any, *, base: float) -> Any:
    """d/dy b^y = b^y·log b"""
    if base > 0:
        return out * math.log(base)
    if base == 0 and y > 0:
        return 0.0  # 0^y is 0 for every y > 0
    return UndefinedDerivative(
        f"{base!r} ** y has no derivative with respect to y at y = {data_of(y)!r}"
    )


@primitive(_exponential_derivative, symbol="**", display="{base:g}**")
def exponential(y: float, *, base: float) -> float:
    """b ** y for a constant base b;  d/dy = b^y·log b"""
    _check_power(base, y)
    return math.pow(base, y)


@primitive(_pow_derivative, symbol="**")
def pow(x: float, y: float) -> float:
    """x ** y with both inputs variables;  ∂/∂x = y·x^(y−1),  ∂/∂y = x^y·log x"""
    _check_power(x, y)
    return math.pow(x, y)


# log is a function primitive; the exponent's derivative above uses it.
from autodiff.functions import log  # noqa: E402
