"""Checking derivatives: the engine's against central finite differences (`gradcheck`); a
rule against a reference derivative in relative error (`derivative_check`); a rule's value at
a kink against the one-sided slopes there (`subgradient_check`)."""

from __future__ import annotations

import inspect
import math
import warnings
from collections.abc import Callable, Sequence
from typing import Any

from autodiff.checks import as_count, as_float, as_nonnegative, as_positive
from autodiff.distribution import install_hint
from autodiff.errors import DomainError
from autodiff.grad_mode import no_grad
from autodiff.primitives import Primitive
from autodiff.transforms import grad, hessian
from autodiff.value import Value


class GradcheckError(AssertionError):
    """A derivative of the engine and its finite-difference estimate disagree: the message
    names the derivative, the point (each argument by name) and both values; ``point`` holds
    the arguments by name, ``analytic`` and ``numeric`` the two values."""

    def __init__(
        self, message: str, point: dict[str, float], analytic: float, numeric: float
    ) -> None:
        super().__init__(message)
        self.point, self.analytic, self.numeric = point, analytic, numeric


def gradcheck(
    f: Callable[..., Any],
    *args: float,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    order: int = 1,
) -> bool:
    """Compare the derivatives of f at args with central finite differences.

    order=1 checks ∂f/∂x_i ≈ (f(x + eps·e_i) − f(x − eps·e_i)) / 2eps for every argument;
    order=2 also checks every second derivative ∂²f/∂x_i∂x_j, built with the derivative rules
    applied to Values (``create_graph``), against the finite differences of the first ones.
    Each pair must satisfy |analytic − numeric| <= atol + rtol·|numeric|.

    Returns True, or raises GradcheckError naming the derivative, the point (each argument
    by name), the analytic value and the numeric one. f takes numbers or Values and returns
    one number. At a kink (relu at 0) the engine's subgradient and the finite difference
    rightly differ: check away from kinks.
    """
    if not callable(f):
        raise TypeError(f"gradcheck needs a function to check, got {type(f).__name__!r}")
    if type(order) is not int or order not in (1, 2):
        raise ValueError(f"gradcheck(order=...) checks order 1 or 2, got {order!r}")
    eps = as_positive(eps, "gradcheck(eps=...)")
    atol, rtol = (
        as_nonnegative(atol, "gradcheck(atol=...)"),
        as_nonnegative(rtol, "gradcheck(rtol=...)"),
    )
    if not args:
        raise TypeError("gradcheck needs the point to check at: gradcheck(f, x, ...)")
    point = [_finite(a, i) for i, a in enumerate(args)]
    names = _argument_names(f, len(point))
    everything = tuple(range(len(point)))
    at = dict(zip(names, point))
    where = f"at {', '.join(f'{name} = {x!r}' for name, x in at.items())}{_naming(f, len(point))}"

    first = _as_tuple(grad(f, everything)(*point))
    for i, name in enumerate(names):
        numeric = _central_difference(lambda p: _value(f, p), point, i, eps)
        _compare(f"∂f/∂{name}", where, at, first[i], numeric, atol, rtol)

    if order == 2:
        # A first derivative that is a constant (f linear) is no cause for a warning here.
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "the output does not depend", UserWarning)
            second = hessian(f, everything)(*point)
            for j, by in enumerate(names):
                column = _central_difference(
                    lambda p: _as_tuple(grad(f, everything)(*p)), point, j, eps
                )
                for i, name in enumerate(names):
                    derivative = f"∂²f/∂{name}∂{by}"
                    _compare(derivative, where, at, second[i][j], column[i], atol, rtol)
    return True


def _finite(x: object, i: int, where: str = "gradcheck") -> float:
    number = as_float(x, f"{where}: argument {i}")
    if not math.isfinite(number):
        raise ValueError(f"{where}: argument {i} is {number}: check at a finite point")
    return number


def _value(f: Callable[..., Any], point: Sequence[float]) -> float:
    with no_grad():
        out = f(*(Value(x) for x in point))
    return out.data if isinstance(out, Value) else as_float(out, "gradcheck: f's result")


def _central_difference(
    g: Callable[[list[float]], Any], point: Sequence[float], i: int, eps: float
) -> Any:
    """(g(x + eps·e_i) − g(x − eps·e_i)) / 2eps, for g returning a number or a tuple of them."""
    up, down = list(point), list(point)
    up[i] += eps
    down[i] -= eps
    try:
        high, low = g(up), g(down)
    except (ArithmeticError, ValueError) as error:
        raise DomainError(
            f"gradcheck: a finite-difference probe, at argument {i} ± eps = "
            f"{down[i]!r} .. {up[i]!r}, leaves f's domain ({error}); check further from the "
            "edge of the domain, or with a smaller eps"
        ) from error
    if isinstance(high, tuple):
        return tuple((h - lo) / (2 * eps) for h, lo in zip(high, low))
    return (high - low) / (2 * eps)


def _compare(  # noqa: PLR0917 -- private, and each argument is needed in the message
    what: str,
    where: str,
    at: dict[str, float],
    analytic: float,
    numeric: float,
    atol: float,
    rtol: float,
) -> None:
    if math.isnan(analytic) or math.isnan(numeric):
        raise GradcheckError(
            f"{what} {where}: analytic {analytic!r}, numeric {numeric!r}: not a number",
            at,
            analytic,
            numeric,
        )
    tolerance = atol + rtol * abs(numeric)
    if not abs(analytic - numeric) <= tolerance:
        raise GradcheckError(
            f"{what} {where}: analytic {analytic!r}, numeric {numeric!r} "
            f"(they differ by {abs(analytic - numeric):.3g}, more than {tolerance:.3g})",
            at,
            analytic,
            numeric,
        )


def _naming(f: Callable[..., Any], n: int) -> str:
    """What f is, where it can be told: an operation with its rule as a formula, `` (f = atan,
    whose rule reads ∂y/∂x = 1/(1 + x²))``; an object that prints as its formula (a random
    expression), `` (f = atan(x0))``; a function by its name; nothing for a lambda."""
    name = getattr(f, "__name__", "")
    prim = getattr(f, "primitive", None)
    if isinstance(prim, Primitive) and (prim.arity or n) == n:
        # Loaded here, not with the engine: `import autodiff` leaves the formulas until asked.
        from autodiff.formulas import formulas  # noqa: PLC0415

        rule = "; ".join(formula.text for formula in formulas(prim, n))
        return f" (f = {prim.label}, whose rule reads {rule})"
    if isinstance(name, str) and name.isidentifier():
        return f" (f = {name})"
    if not inspect.isroutine(f) and any("__str__" in vars(c) for c in type(f).__mro__[:-1]):
        return f" (f = {f})"
    return ""


def _argument_names(f: Callable[..., Any], n: int) -> list[str]:
    """The names of f's first n parameters where it has them (x, y), else x0, x1, ..."""
    try:
        parameters = list(inspect.signature(f).parameters.values())
    except (TypeError, ValueError):
        parameters = []
    named = [p.name for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return named[:n] if len(named) >= n else [f"x{i}" for i in range(n)]


def _as_tuple(x: Any) -> tuple[Any, ...]:
    return x if isinstance(x, tuple) else (x,)


# -- beyond finite differences -------------------------------------------------------------------


def derivative_check(
    operation: Any,
    *args: float,
    derivative: Callable[..., Any] | None = None,
    rtol: float = 1e-9,
    digits: int = 40,
) -> bool:
    """Compare an operation's rule at args with a reference derivative, in relative error.

    The reference is ``derivative(*args)`` where given (the true derivative: a number, or one
    per input); else the derivative of the operation's registered ``reference``, computed by
    mpmath at ``digits`` significant digits (mpmath must be installed, and the reference must
    compute in mpmath's numbers: mpmath.atan, or arithmetic, not math.atan). Each must satisfy
    |rule − reference| <= rtol·|reference|. Unlike finite differences, this sees a rule wrong
    by 100% where the derivative is tiny: atan′ written as 1 − x²/(1 + x²) is 0 above x = 1e8,
    where the true 1/(1 + x²) is 1e-16. Returns True, or raises GradcheckError.
    """
    prim = _primitive_of(operation, "derivative_check")
    point = [_finite(a, i, "derivative_check") for i, a in enumerate(args)]
    if prim.arity is not None and len(point) != prim.arity:
        raise TypeError(
            f"derivative_check: {prim.name} takes {prim.arity} input(s), got {len(point)}"
        )
    rtol = as_nonnegative(rtol, "derivative_check(rtol=...)")
    digits = as_count(digits, "derivative_check(digits=...)")
    if derivative is not None and not callable(derivative):
        raise TypeError(
            f"derivative_check(derivative=...) needs a function of the inputs, got {derivative!r}"
        )
    rule = prim.apply(*(Value(x) for x in point)).partials
    expected = _as_tuple(
        derivative(*point) if derivative is not None else _high_precision(prim, point, digits)
    )
    if len(expected) != len(rule):
        raise TypeError(
            f"derivative_check: the reference gives {len(expected)} derivative(s), {prim.name} "
            f"has {len(rule)} input(s)"
        )
    names = [f"x{i}" for i in range(len(point))] if len(point) > 2 else ["x", "y"][: len(point)]
    at = dict(zip(names, point))
    where = (
        f"at {', '.join(f'{n} = {x!r}' for n, x in at.items())}{_naming(prim.apply, len(point))}"
    )
    for name, got, exact in zip(names, rule, expected):
        want = float(exact)
        if not (isinstance(got, float) and abs(got - want) <= rtol * abs(want)):
            relative = abs(got - want) / abs(want) if isinstance(got, float) and want else math.inf
            raise GradcheckError(
                f"∂{prim.name}/∂{name} {where}: the rule gives {got!r}, the reference "
                f"{want!r} (a relative error of {relative:.3g}, more than {rtol:.3g})",
                at,
                got if isinstance(got, float) else math.nan,
                want,
            )
    return True


def _high_precision(prim: Primitive, point: Sequence[float], digits: int) -> tuple[Any, ...]:
    """The derivatives of prim's reference at point, by mpmath at this many digits."""
    try:
        import mpmath  # noqa: PLC0415 -- optional: only this check needs it
    except ImportError:
        raise ImportError(
            "derivative_check computes the reference derivative with mpmath: "
            f"{install_hint('dev')}, or pass derivative=<the true derivative>"
        ) from None
    with mpmath.workdps(digits):
        at = [mpmath.mpf(x) for x in point]
        if not isinstance(prim.reference(*at), mpmath.mpf):
            raise TypeError(
                f"derivative_check: the reference of {prim.name} computes in floats, so it "
                "cannot be differentiated at high precision: register a reference written "
                "with mpmath's functions or arithmetic (mpmath.atan, not math.atan), or pass "
                "derivative=<the true derivative>"
            )
        if len(at) == 1:
            return (mpmath.diff(prim.reference, at[0]),)
        return tuple(
            mpmath.diff(prim.reference, at, tuple(int(i == j) for j in range(len(at))))
            for i in range(len(at))
        )


def subgradient_check(operation: Any, *args: float, h: float = 1e-7, atol: float = 1e-6) -> bool:
    """At a kink, check that the rule's value is a valid subgradient there.

    Along each input's axis, and along (1, 1, ...) when there are several inputs, the rule's
    derivative in that direction must lie between the one-sided slopes of the forward,
    (f(x) − f(x − h·v))/h and (f(x + h·v) − f(x))/h, within ``atol``: relu′(0) may be anything
    in [0, 1]; max's at a tie must give 1 in all, shared among the tied inputs. Finite
    differences say nothing at a kink; this checks what the rule gives there. Returns True, or
    raises GradcheckError naming the direction and the interval.
    """
    prim = _primitive_of(operation, "subgradient_check")
    point = [_finite(a, i, "subgradient_check") for i, a in enumerate(args)]
    h, atol = as_positive(h, "subgradient_check(h=...)"), as_nonnegative(atol, "atol")
    rule = prim.apply(*(Value(x) for x in point)).partials
    n = len(point)
    directions = [[float(i == j) for j in range(n)] for i in range(n)]
    if n > 1:
        directions.append([1.0] * n)
    names = [f"x{i}" for i in range(n)] if n > 2 else ["x", "y"][:n]
    at = dict(zip(names, point))
    for v in directions:
        here = prim.forward(*point)
        left = (here - prim.forward(*(x - h * d for x, d in zip(point, v)))) / h
        right = (prim.forward(*(x + h * d for x, d in zip(point, v))) - here) / h
        low, high = sorted((left, right))
        given = sum(float(d) * c for d, c in zip(rule, v))  # an Undefined is not a subgradient
        if not low - atol <= given <= high + atol:
            along = names[v.index(1.0)] if sum(v) == 1 else "all inputs at once"
            raise GradcheckError(
                f"{prim.name} at {', '.join(f'{k} = {x!r}' for k, x in at.items())}: along "
                f"{along}, the rule gives a slope of {given!r}, outside [{low:.6g}, "
                f"{high:.6g}], the one-sided slopes there: not a subgradient",
                at,
                given,
                (low + high) / 2,
            )
    return True


def _primitive_of(operation: Any, where: str) -> Primitive:
    prim = operation if isinstance(operation, Primitive) else getattr(operation, "primitive", None)
    if not isinstance(prim, Primitive):
        raise TypeError(f"{where} needs an operation (autodiff.relu, or yours), got {operation!r}")
    return prim
