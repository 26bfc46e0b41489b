"""An independent oracle for every built-in primitive: the same function in mpmath.

For each primitive: how a user applies it to Values, the same function written with mpmath
(evaluated at 50 digits and differentiated numerically by ``mpmath.diff``), and a strategy
for points inside its domain, away from kinks and poles.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import mpmath
from hypothesis import strategies as st

import autodiff as ad
from autodiff import Value

mpmath.mp.dps = 50


@dataclass(frozen=True)
class Case:
    """A point: the inputs, and the constant parameters of the primitive (if any)."""

    inputs: tuple[float, ...]
    params: Mapping[str, Any] = field(default_factory=dict)


Engine = Callable[[Sequence[Value], Mapping[str, Any]], Value]
Reference = Callable[..., Any]  # mpmath numbers in, mpmath number out; params as keywords


@dataclass(frozen=True)
class Oracle:
    engine: Engine
    reference: Reference
    cases: st.SearchStrategy[Case]


def reals(low: float, high: float) -> st.SearchStrategy[float]:
    return st.floats(low, high, allow_nan=False, allow_infinity=False)


def away_from(
    points: Sequence[float], gap: float, low: float, high: float
) -> st.SearchStrategy[float]:
    return reals(low, high).filter(lambda x: all(abs(x - p) > gap for p in points))


def cases(
    *inputs: st.SearchStrategy[float], **params: st.SearchStrategy[Any]
) -> st.SearchStrategy[Case]:
    return st.builds(
        lambda xs, ps: Case(tuple(xs), ps),
        st.tuples(*inputs),
        st.fixed_dictionaries(params),
    )


def lists_of(
    element: st.SearchStrategy[float], min_size: int = 1, max_size: int = 6
) -> st.SearchStrategy[Case]:
    return st.lists(element, min_size=min_size, max_size=max_size).map(lambda xs: Case(tuple(xs)))


def distinct(values: Sequence[float], gap: float = 1e-6) -> bool:
    ordered = sorted(values)
    return all(b - a > gap for a, b in itertools.pairwise(ordered))


def dot_cases() -> st.SearchStrategy[Case]:
    def build(n: int, bias: bool) -> st.SearchStrategy[Case]:
        size = 2 * n + int(bias)
        return st.lists(reals(-10, 10), min_size=size, max_size=size).map(
            lambda xs: Case(tuple(xs), {"n": n})
        )

    return st.integers(1, 4).flatmap(lambda n: st.booleans().flatmap(lambda bias: build(n, bias)))


def dot_engine(xs: Sequence[Value], params: Mapping[str, Any]) -> Value:
    n = params["n"]
    bias = xs[2 * n] if len(xs) > 2 * n else None
    return ad.dot(xs[:n], xs[n : 2 * n], bias)


def dot_reference(*xs: Any, n: int) -> Any:
    total = mpmath.fsum(w * x for w, x in zip(xs[:n], xs[n : 2 * n]))
    return total + xs[2 * n] if len(xs) > 2 * n else total


def softmax_cases() -> st.SearchStrategy[Case]:
    return st.lists(reals(-20, 20), min_size=1, max_size=5).flatmap(
        lambda zs: st.integers(0, len(zs) - 1).map(lambda i: Case(tuple(zs), {"index": i}))
    )


def softmax_reference(*zs: Any, index: int) -> Any:
    return mpmath.exp(zs[index]) / mpmath.fsum(mpmath.exp(z) for z in zs)


def power_cases() -> st.SearchStrategy[Case]:
    integer = st.integers(-3, 4).map(float)
    fractional = reals(-2.5, 2.5)
    any_x = away_from([0.0], 1e-3, -10, 10)
    positive_x = reals(1e-3, 10)
    return st.one_of(
        cases(any_x, exponent=integer.filter(lambda n: n != 0)),
        cases(positive_x, exponent=fractional),
    )


def sigmoid_reference(x: Any) -> Any:
    return 1 / (1 + mpmath.exp(-x))


ORACLES: dict[str, Oracle] = {
    "add": Oracle(
        lambda v, p: v[0] + v[1], lambda x, y: x + y, cases(reals(-1e3, 1e3), reals(-1e3, 1e3))
    ),
    "sub": Oracle(
        lambda v, p: v[0] - v[1], lambda x, y: x - y, cases(reals(-1e3, 1e3), reals(-1e3, 1e3))
    ),
    "mul": Oracle(
        lambda v, p: v[0] * v[1], lambda x, y: x * y, cases(reals(-1e3, 1e3), reals(-1e3, 1e3))
    ),
    "div": Oracle(
        lambda v, p: v[0] / v[1],
        lambda x, y: x / y,
        cases(reals(-1e3, 1e3), away_from([0.0], 1e-2, -1e3, 1e3)),
    ),
    "neg": Oracle(lambda v, p: -v[0], lambda x: -x, cases(reals(-1e3, 1e3))),
    "pow": Oracle(
        lambda v, p: v[0] ** v[1], lambda x, y: x**y, cases(reals(1e-2, 20), reals(-4, 4))
    ),
    "power": Oracle(
        lambda v, p: v[0] ** p["exponent"],
        lambda x, exponent: x ** mpmath.mpf(exponent),
        power_cases(),
    ),
    "exp": Oracle(lambda v, p: v[0].exp(), mpmath.exp, cases(reals(-50, 50))),
    "log": Oracle(lambda v, p: v[0].log(), mpmath.log, cases(reals(1e-6, 1e6))),
    "sqrt": Oracle(lambda v, p: v[0].sqrt(), mpmath.sqrt, cases(reals(1e-6, 1e6))),
    "tanh": Oracle(lambda v, p: v[0].tanh(), mpmath.tanh, cases(reals(-20, 20))),
    "sigmoid": Oracle(lambda v, p: v[0].sigmoid(), sigmoid_reference, cases(reals(-40, 40))),
    "relu": Oracle(
        lambda v, p: v[0].relu(),
        lambda x: x if x > 0 else mpmath.mpf(0),
        cases(away_from([0.0], 1e-9, -1e3, 1e3)),
    ),
    "leaky_relu": Oracle(
        lambda v, p: v[0].leaky_relu(p["slope"]),
        lambda x, slope: x if x > 0 else slope * x,
        cases(away_from([0.0], 1e-9, -1e3, 1e3), slope=reals(0, 1)),
    ),
    "softplus": Oracle(
        lambda v, p: v[0].softplus(), lambda x: mpmath.log1p(mpmath.exp(x)), cases(reals(-40, 40))
    ),
    "abs": Oracle(lambda v, p: abs(v[0]), abs, cases(away_from([0.0], 1e-9, -1e3, 1e3))),
    "sin": Oracle(lambda v, p: v[0].sin(), mpmath.sin, cases(reals(-100, 100))),
    "cos": Oracle(lambda v, p: v[0].cos(), mpmath.cos, cases(reals(-100, 100))),
    "sum": Oracle(lambda v, p: ad.sum(v), lambda *xs: mpmath.fsum(xs), lists_of(reals(-1e3, 1e3))),
    "dot": Oracle(dot_engine, dot_reference, dot_cases()),
    "prod": Oracle(lambda v, p: ad.prod(v), lambda *xs: mpmath.fprod(xs), lists_of(reals(-3, 3))),
    "max": Oracle(
        lambda v, p: ad.max(v),
        lambda *xs: max(xs),
        lists_of(reals(-1e3, 1e3)).filter(lambda c: distinct(c.inputs)),
    ),
    "min": Oracle(
        lambda v, p: ad.min(v),
        lambda *xs: min(xs),
        lists_of(reals(-1e3, 1e3)).filter(lambda c: distinct(c.inputs)),
    ),
    "logsumexp": Oracle(
        lambda v, p: ad.logsumexp(v),
        lambda *xs: mpmath.log(mpmath.fsum(mpmath.exp(x) for x in xs)),
        lists_of(reals(-50, 50)),
    ),
    "softmax": Oracle(lambda v, p: ad.softmax(v)[p["index"]], softmax_reference, softmax_cases()),
}


def reference_value(oracle: Oracle, case: Case) -> Any:
    return oracle.reference(*map(mpmath.mpf, case.inputs), **_reference_params(case))


def reference_partial(oracle: Oracle, case: Case, i: int) -> float:
    """∂f/∂x_i at the case, by mpmath's numerical differentiation at 50 digits."""
    order = tuple(int(j == i) for j in range(len(case.inputs)))
    params = _reference_params(case)
    point = [mpmath.mpf(x) for x in case.inputs]
    return float(mpmath.diff(lambda *xs: oracle.reference(*xs, **params), point, order))


def _reference_params(case: Case) -> dict[str, Any]:
    return {k: (mpmath.mpf(v) if isinstance(v, float) else v) for k, v in case.params.items()}
