"""The built-in operations: one registration each, stating everything about it in one place.

Each operation is its forward on floats, with its derivative rule beside it in one line,
written with arithmetic and these operations only, so that it serves floats, Values and
generated code alike (`autodiff.primitives`). Where the derivative has cases (relu's kink,
max's arg-max), the case split is an operation of its own with derivative 0 (`step`, `sign`,
`argmax`, `equal`): recomputed at each point, never frozen.

What else a registration states: ``symbol``, how diagrams show it; ``domain``, where it is
defined and smooth, for testing it (`autodiff.domains`); ``array``, its form on NumPy arrays
where it is not the forward's own formula. The code the compiler writes for an operation is
the expression its forward returns (`autodiff.code.read_code_form`): ``math.tanh(x)`` on
floats, and ``np.tanh(x)`` on arrays, from that one formula.

Non-differentiable points take the lectures' subgradients: relu'(0) = 0, abs'(0) = 0,
leaky_relu at 0 takes the slope of its left side, max and min the first of tied inputs.
Formulas that would overflow for large inputs are written in a stable form.

Adding an operation: its registration here, a one-line method on `autodiff.value.Value` if it
should be one (and its name in the imports at the end of value.py), its oracle in
tests/support.py, and its line in the guide's table of operations (docs/guide/values.md; a test
checks the table against the registry).
"""

from __future__ import annotations

import builtins
import functools
import math
import operator
from collections.abc import Callable, Sequence
from typing import Any

from autodiff.domains import INDEX, WIDE, Domain, Integers, Interval, bounded, positive
from autodiff.errors import DomainError, Undefined
from autodiff.primitives import PRIMITIVES, primitive

builtin = functools.partial(primitive, builtin=True)
"""How the operations below are registered: as a user registers one, their code trusted."""

KINK = Interval(-1e3, 1e3, avoid=(0.0,))
"""Away from 0, where relu, abs and the selectors have their kink."""

# -- arithmetic: the operators of Value ----------------------------------------------------------


@builtin(lambda x, y, out: (1.0, 1.0), symbol="+", domain=Domain((WIDE, WIDE)))
def add(x: float, y: float) -> float:
    """x + y;  ∂/∂x = 1,  ∂/∂y = 1"""
    return x + y


@builtin(lambda x, y, out: (1.0, -1.0), symbol="-", domain=Domain((WIDE, WIDE)))
def sub(x: float, y: float) -> float:
    """x − y;  ∂/∂x = 1,  ∂/∂y = −1"""
    return x - y


@builtin(lambda x, y, out: (y, x), symbol="*", domain=Domain((WIDE, WIDE)))
def mul(x: float, y: float) -> float:
    """x · y;  ∂/∂x = y,  ∂/∂y = x"""
    return x * y


@builtin(
    lambda x, y, out: (1.0 / y, -out / y),
    symbol="/",
    domain=Domain((WIDE, Interval(-1e3, 1e3, avoid=(0.0,), gap=1e-2, guard=positive))),
)
def div(x: float, y: float) -> float:
    """x / y;  ∂/∂x = 1/y,  ∂/∂y = −x/y² = −out/y"""
    if y == 0:
        raise DomainError(f"x / y needs y != 0, got x = {x!r}, y = {y!r}")
    return x / y


@builtin(lambda x, out: -1.0, symbol="-", domain=Domain(WIDE))
def neg(x: float) -> float:
    """−x;  d/dx = −1"""
    return -x


@builtin(lambda x, out: 1.0, domain=Domain(WIDE))
def identity(x: float) -> float:
    """x;  d/dx = 1. A fresh variable standing for an input of a nested transformation."""
    return x


# -- selectors: the case splits of other rules, as operations whose derivative is 0 --------------


@builtin(
    lambda x, out: 0.0,
    array="np.where({x} > 0.0, 1.0, 0.0)",
    domain=Domain(KINK, kinked=True),
)
def step(x: float) -> float:
    """1 for x > 0, else 0: the Heaviside step, 0 at 0;  d/dx = 0"""
    return 1.0 if x > 0.0 else 0.0


@builtin(
    lambda x, out: 0.0,
    array="np.where({x} > 0.0, 1.0, np.where({x} < 0.0, -1.0, 0.0))",
    domain=Domain(KINK, kinked=True),
)
def sign(x: float) -> float:
    """1 for x > 0, −1 for x < 0, 0 at 0;  d/dx = 0"""
    return 1.0 if x > 0.0 else (-1.0 if x < 0.0 else 0.0)


@builtin(
    lambda x, y, out: (0.0, 0.0),
    array="np.where({x} == {y}, 1.0, 0.0)",
    domain=Domain((WIDE, WIDE), distinct=True, kinked=True),
)
def equal(x: float, y: float) -> float:
    """1 if x = y, else 0;  ∂/∂x = ∂/∂y = 0"""
    return 1.0 if x == y else 0.0


def _zeros(xs: Sequence[Any], out: Any) -> list[float]:
    return [0.0] * len(xs)


_DISTINCT = Domain(WIDE, distinct=True, kinked=True)


@builtin(_zeros, array="np.argmax(np.broadcast_arrays({xs}), axis=0) * 1.0", domain=_DISTINCT)
def argmax(*xs: float) -> float:
    """The index of the first largest input (of the first NaN, if any), as a float;
    ∂/∂x_i = 0"""
    return float(_first_best("argmax", xs, builtins.max))


@builtin(_zeros, array="np.argmin(np.broadcast_arrays({xs}), axis=0) * 1.0", domain=_DISTINCT)
def argmin(*xs: float) -> float:
    """The index of the first smallest input (of the first NaN, if any), as a float;
    ∂/∂x_i = 0"""
    return float(_first_best("argmin", xs, builtins.min))


def _first_best(name: str, xs: Sequence[float], best: Callable[..., int]) -> int:
    # NaN wins, wherever it is, as in NumPy: Python's max and min would depend on its place.
    nan = _first_nan(name, xs)
    return best(range(len(xs)), key=xs.__getitem__) if nan is None else nan


def _first_nan(name: str, xs: Sequence[float]) -> int | None:
    if not xs:
        raise ValueError(f"{name} needs at least one value")
    if not math.isnan(builtins.sum(xs)):  # no NaN among them: the common case, at C speed
        return None
    return next((i for i, x in enumerate(xs) if math.isnan(x)), None)  # or inf − inf


# -- elementary functions ------------------------------------------------------------------------

LEAKY_SLOPE = 0.01
"""The slope of leaky_relu for x < 0, unless given."""


@builtin(lambda x, out: out, language=True, domain=Domain(Interval(-50, 50, guard=bounded)))
def exp(x: float) -> float:
    """e^x;  d/dx e^x = e^x"""
    return math.exp(x)


@builtin(lambda x, out: 1.0 / x, language=True, domain=Domain(Interval(1e-6, 1e6, guard=positive)))
def log(x: float) -> float:
    """ln x;  d/dx ln x = 1/x"""
    if x <= 0:
        raise DomainError(f"log(x) needs x > 0, got x = {x!r}")
    return math.log(x)


@builtin(
    lambda x, out: 0.5 / out, language=True, domain=Domain(Interval(1e-6, 1e6, guard=positive))
)
def sqrt(x: float) -> float:
    """√x;  d/dx √x = 1/(2√x), which is infinite at 0"""
    if x < 0:
        raise DomainError(f"sqrt(x) needs x >= 0, got x = {x!r}")
    return math.sqrt(x)


@builtin(lambda x, out: 1.0 - out * out, language=True, domain=Domain(Interval(-20, 20)))
def tanh(x: float) -> float:
    """tanh x;  d/dx tanh x = 1 − tanh² x"""
    return math.tanh(x)


@builtin(lambda x, out: out * (1.0 - out), language=True, domain=Domain(Interval(-40, 40)))
def sigmoid(x: float) -> float:
    """σ(x) = 1/(1 + e^−x);  d/dx σ(x) = σ(x)(1 − σ(x))"""
    # e^min(x, 0) / (1 + e^−|x|) is 1/(1 + e^−x) for x >= 0 and e^x/(1 + e^x) for x < 0, to
    # the bit: no exponent is ever positive, so nothing overflows.
    return math.exp(builtins.min(x, 0.0)) / (1.0 + math.exp(-builtins.abs(x)))


@builtin(
    lambda x, out: step(x),
    array="np.where({x} <= 0.0, 0.0, {x})",
    language=True,
    domain=Domain(KINK, kinked=True),
)
def relu(x: float) -> float:
    """max(0, x);  d/dx = 1 for x > 0, else 0 (the subgradient 0 at x = 0)"""
    return 0.0 if x <= 0.0 else x  # so NaN stays NaN


@builtin(
    lambda x, out, *, slope: step(x) + slope * (1 - step(x)),
    display="leaky_relu({slope:g})",
    array="np.where({x} <= 0.0, {slope} * {x}, {x})",
    language=True,
    domain=Domain(KINK, params={"slope": Interval(0, 1)}, kinked=True),
)
def leaky_relu(x: float, *, slope: float = LEAKY_SLOPE) -> float:
    """x for x > 0, else slope·x;  d/dx = 1 for x > 0, else slope (the left slope at 0)"""
    return slope * x if x <= 0.0 else x


@builtin(lambda x, out: sigmoid(x), language=True, domain=Domain(Interval(-40, 40)))
def softplus(x: float) -> float:
    """ln(1 + e^x);  d/dx = σ(x)"""
    # = max(x, 0) + ln(1 + e^−|x|): no overflow for large x, no loss for small.
    return builtins.max(x, 0.0) + math.log1p(math.exp(-builtins.abs(x)))


@builtin(
    lambda x, out: sign(x),
    name="abs",
    symbol="abs",
    language=True,
    domain=Domain(KINK, kinked=True),
)
def abs_(x: float) -> float:
    """|x|;  d/dx = sign(x), with the subgradient 0 at x = 0"""
    return builtins.abs(x)


abs = abs_


def _sin_derivative(x: Any, out: Any) -> Any:
    return cos(x)  # cos is registered below: the two rules refer to each other


@builtin(_sin_derivative, language=True, domain=Domain(Interval(-100, 100)))
def sin(x: float) -> float:
    """sin x;  d/dx sin x = cos x"""
    _check_finite("sin", x)
    return math.sin(x)


@builtin(lambda x, out: -sin(x), language=True, domain=Domain(Interval(-100, 100)))
def cos(x: float) -> float:
    """cos x;  d/dx cos x = −sin x"""
    _check_finite("cos", x)
    return math.cos(x)


def _check_finite(name: str, x: float) -> None:
    if math.isinf(x):
        raise DomainError(f"{name}(x) needs a finite x, got x = {x!r}")


# -- x·log y, and powers: x ** y of two variables, x ** n and b ** y with a constant -------------


@builtin(
    lambda x, y, out: (log(y), x / y),
    code="0.0 if {x} == 0.0 else {x} * {log}({y})",
    array="{x} * np.log(np.where({x} == 0.0, 1.0, {y}))",
    domain=Domain((WIDE, Interval(1e-6, 1e3, guard=positive))),
)
def xlogy(x: float, y: float) -> float:
    """x·log y, and 0 where x = 0 (for any y);  ∂/∂x = log y,  ∂/∂y = x/y"""
    if x == 0:
        return 0.0
    if y <= 0:
        raise DomainError(f"xlogy(x, y) needs y > 0 where x != 0, got x = {x!r}, y = {y!r}")
    return x * math.log(y)


def _check_power(x: float, y: float) -> None:
    if x == 0 and y < 0:
        raise DomainError(f"x ** y needs y >= 0 when x = 0, got y = {y!r}")
    if x < 0 and not float(y).is_integer():
        raise DomainError(
            "x ** y needs an integer y when x < 0 (the result is not real), "
            f"got x = {x!r}, y = {y!r}"
        )


# The powers have no code form (code=False), but x ** n for an integral n: math.pow differs
# from their domain checks at ±inf and NaN, and Python's ** gives a complex number for a
# negative base. Their array forms may: NumPy flags where a value is not real, and the compiler
# then runs those samples one by one.


@builtin(
    lambda x, y, out: (y * x ** (y - 1), xlogy(out, x)),
    symbol="**",
    code=False,
    array="np.power({x}, {y})",
    domain=Domain((Interval(1e-2, 20, guard=positive), Interval(-4, 4, guard=bounded))),
)
def pow(x: float, y: float) -> float:
    """x ** y with both inputs variables;  ∂/∂x = y·x^(y−1),  ∂/∂y = x^y·log x"""
    _check_power(x, y)
    return math.pow(x, y)


def _power_code(args: list[str], *, exponent: str) -> str | None:
    """x ** n for an integral n (written as an int, ``e ** 2``: Python computes it as the
    forward does, on the float n); None (called by reference) for another, where ** would
    give a complex number below 0."""
    n = float(exponent.strip("()"))
    return f"{args[0]} ** {int(n)}" if n.is_integer() else None


def _power_derivative(x: Any, out: Any, *, exponent: float) -> Any:
    """d/dx x^n = n·x^(n−1)  (0 for n = 0, where x^0 is the constant 1)"""
    if exponent == 0:  # a constant parameter, not a value: the same at every point
        return 0.0
    return exponent * x ** (exponent - 1)


_NONZERO = Interval(-10, 10, avoid=(0.0,), gap=1e-3, guard=positive)


@builtin(
    _power_derivative,
    symbol="**",
    display="**{exponent:g}",
    code=_power_code,
    array="np.power({x}, {exponent})",
    domain=Domain(
        _NONZERO,
        params={"exponent": Integers(-3, 4)},
        alternatives=(
            Domain(Interval(1e-3, 10, guard=positive), params={"exponent": Interval(-2.5, 2.5)}),
        ),
    ),
)
def power(x: float, *, exponent: float) -> float:
    """x ** n for a constant n;  d/dx = n·x^(n−1)"""
    _check_power(x, exponent)
    return math.pow(x, exponent)


def _exponential_derivative(y: Any, out: Any, *, base: float) -> Any:
    """d/dy b^y = b^y·log b; 0 for b = 0 (0^y is 0 for every y > 0); none for b < 0, where
    b^y is defined at integers only. The cases are of the constant b, never of y."""
    if base > 0:
        return out * math.log(base)
    if base == 0:
        return 0.0
    return Undefined(f"{base!r} ** y has no derivative with respect to y (a negative base)")


@builtin(
    _exponential_derivative,
    symbol="**",
    display="{base:g}**",
    code=False,
    array="np.power({base}, {x})",
    domain=Domain(Interval(-20, 20, guard=bounded), params={"base": Interval(1e-2, 10)}),
)
def exponential(y: float, *, base: float) -> float:
    """b ** y for a constant base b;  d/dy = b^y·log b"""
    _check_power(base, y)
    return math.pow(base, y)


# -- operations on many inputs: each ONE node with one edge per input ----------------------------
# The lectures' combinations: the affine combination z = Σ w·x + b of a neuron (dot), the
# multiplicative one (prod), the max with its subgradient, and softmax, a vector activation in
# which every output depends on every input.


@builtin(lambda xs, out: (1.0,) * len(xs), symbol="Σ", language=True, domain=Domain(WIDE))
def sum(*xs: float) -> float:
    """Σ x_i, as one node with one edge (derivative 1) per value;  ∂/∂x_i = 1"""
    return builtins.sum(xs, 0.0)  # as repeated +, overflow and inf included


def _dot_inputs(ws: Sequence[Any], xs: Sequence[Any], b: Any = None) -> tuple[Any, ...]:
    """The affine combination z = Σ w_i·x_i + b of one neuron, as one node.

    Its edges carry ∂z/∂w_i = x_i, ∂z/∂x_i = w_i and ∂z/∂b = 1. Plain numbers are allowed
    anywhere (an input x_i, typically): they become constant leaves.
    """
    # A list is used as it is: every neuron of a network calls dot.
    ws = ws if ws.__class__ is list else _sequence(ws)
    xs = xs if xs.__class__ is list else _sequence(xs)
    if len(ws) != len(xs):
        raise ValueError(f"dot needs as many weights as inputs, got {len(ws)} and {len(xs)}")
    return (*ws, *xs) if b is None else (*ws, *xs, b)


def _dot_code(args: list[str]) -> str:
    """sum((w_1 * x_1, ...), 0.0) + b: the forward's arithmetic, in the same order."""
    n = len(args) // 2
    products = ", ".join(f"{w} * {x}" for w, x in zip(args[:n], args[n:]))  # b left out
    z = f"sum(({products},), 0.0)" if n else "0.0"
    return f"{z} + {args[-1]}" if len(args) % 2 else z


def _dot_derivative(args: Sequence[Any], out: Any) -> tuple[Any, ...]:
    """∂z/∂w_i = x_i,  ∂z/∂x_i = w_i,  ∂z/∂b = 1"""
    n = len(args) // 2
    if len(args) % 2:
        return (*args[n:-1], *args[:n], 1.0)
    return (*args[n:], *args[:n])


@builtin(
    _dot_derivative,
    symbol="Σw·x+b",
    code=_dot_code,
    array=_dot_code,
    inputs=_dot_inputs,
    language=True,
    domain=Domain(Interval(-10, 10), count=(2, 9)),
)
def dot(*args: float) -> float:
    """z = Σ w_i·x_i + b over the inputs (w_1..w_n, x_1..x_n[, b])"""
    n = len(args) // 2
    # map stops at the shorter sequence, so b (if any) is left out of the products.
    z: float = builtins.sum(map(operator.mul, args[:n], args[n:]), 0.0)
    return z + args[-1] if len(args) % 2 else z


def _sequence(values: Any) -> list[Any]:
    try:
        return list(values)
    except TypeError:
        raise TypeError(
            f"dot takes two sequences (weights, inputs) and a bias, got {type(values).__name__!r}"
        ) from None


def _prod_derivative(xs: Sequence[Any], out: Any) -> list[Any]:
    """∂/∂x_i Π x_j = Π_{j≠i} x_j, from prefix and suffix products: exact when some x_j = 0"""
    before = [1.0]
    for x in xs[:-1]:
        before.append(before[-1] * x)
    after = [1.0]
    for x in reversed(xs[1:]):
        after.append(after[-1] * x)
    return [b * a for b, a in zip(before, reversed(after))]


@builtin(_prod_derivative, symbol="Π", language=True, domain=Domain(Interval(-3, 3)))
def prod(*xs: float) -> float:
    """Π x_i, the multiplicative combination, as one node;  ∂/∂x_i = Π_{j≠i} x_j"""
    return math.prod(xs, start=1.0)


def _one_hot(k: Any, n: int) -> list[Any]:
    """[k = i] for i = 0..n−1: the indicator of the index k, recomputed wherever k moves."""
    return [equal(k, float(i)) for i in range(n)]


@builtin(
    lambda xs, out: _one_hot(argmax(xs), len(xs)),
    array="np.maximum.reduce(np.broadcast_arrays({xs}))",
    language=True,
    domain=Domain(WIDE, distinct=True, kinked=True),
)
def max(*xs: float) -> float:
    """The largest value (NaN if any is);  subgradient: 1 for the first largest, 0 for the
    others"""
    nan = _first_nan("max", xs)
    return builtins.max(xs) if nan is None else xs[nan]


@builtin(
    lambda xs, out: _one_hot(argmin(xs), len(xs)),
    array="np.minimum.reduce(np.broadcast_arrays({xs}))",
    language=True,
    domain=Domain(WIDE, distinct=True, kinked=True),
)
def min(*xs: float) -> float:
    """The smallest value (NaN if any is);  subgradient: 1 for the first smallest, 0 for the
    others"""
    nan = _first_nan("min", xs)
    return builtins.min(xs) if nan is None else xs[nan]


def _logsumexp_derivative(xs: Sequence[Any], out: Any) -> Any:
    return softmax(xs)  # softmax is registered below


@builtin(
    _logsumexp_derivative,
    array="np.logaddexp.reduce(np.broadcast_arrays({xs}), axis=0)",
    language=True,
    domain=Domain(Interval(-50, 50, guard=bounded)),
)
def logsumexp(*xs: float) -> float:
    """log Σ e^x_i, without overflow;  ∂/∂x_i = e^x_i / Σ_j e^x_j, the softmax of the inputs"""
    m = xs[_first_best("logsumexp", xs, builtins.max)]
    if not math.isfinite(m):
        return m
    # Shifting by the largest input keeps every exponent <= 0: nothing overflows.
    return m + math.log(math.fsum(math.exp(x - m) for x in xs))


@functools.lru_cache(maxsize=8)
def _softmax_floats(zs: tuple[float, ...]) -> tuple[float, ...]:
    # Cached: the n outputs of one softmax, and their rules, all need the same n values.
    m = zs[_first_best("softmax", zs, builtins.max)]
    if math.isinf(m):  # the limit: shared by the largest inputs, equal to each other
        tops = [1.0 if z == m else 0.0 for z in zs]
        return tuple(t / math.fsum(tops) for t in tops)
    es = [math.exp(z - m) for z in zs]  # NaN, if any input is
    total = math.fsum(es)
    return tuple(e / total for e in es)


def _softmax_array(args: list[str], *, index: str) -> str:
    """Output `index` of the softmax of a batch, shifted by the largest input as the forward."""
    shifted = "_z - _z.max(0)"
    stacked = f"np.array(np.broadcast_arrays({', '.join(args)}))"
    return f"(lambda _z: np.exp({shifted})[{index}] / np.exp({shifted}).sum(0))({stacked})"


def _softmax_derivative(zs: Sequence[Any], out: Any, *, index: int) -> list[Any]:
    """∂y_i/∂z_j = y_i (δ_ij − y_j)"""
    return [out * ((1.0 if j == index else 0.0) - y) for j, y in enumerate(softmax(zs))]


@builtin(
    _softmax_derivative,
    display="softmax[{index}]",
    array=_softmax_array,
    vector=True,
    language=True,
    domain=Domain(Interval(-20, 20, guard=bounded), params={"index": INDEX}, count=(1, 5)),
)
def softmax(*zs: float, index: int) -> float:
    """The vector activation y_i = e^z_i / Σ_j e^z_j, one node per output.

    With Values: each output y_i has an edge from every input carrying the Jacobian entry
    ∂y_i/∂z_j = y_i (δ_ij − y_j). With numbers only: a list of floats.
    """
    return _softmax_floats(zs)[index]


# What `from autodiff.ops import *` gives: every operation registered above, by its name.
__all__ = ["LEAKY_SLOPE", *sorted(PRIMITIVES)]  # noqa: PLE0604 -- the registry holds names
