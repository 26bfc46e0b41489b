"""Hypothesis strategies for property-testing derivative rules: the project's, and yours.

- ``reals``: floats in a range, away from given points (kinks, poles).
- ``arguments(operation)``: inputs (and parameters) in the domain a registered operation
  states (``primitive(..., domain=...)``).
- ``expressions()``: random expression graphs over a few inputs, with shared subexpressions
  and reused leaves, using every built-in operation (and any of yours), each with a
  plain-float reference of the same expression.
- ``check_rule(answer, expected, inputs, ...)``: a derivative rule, or a backward pass written
  by hand, graded against the engine: a pass, or the smallest failing input in plain words
  with a hint (`autodiff.testing.exercises`: the course's exercises).

Needs hypothesis (the 'testing' extra). The guide (docs/guide/primitives.md) shows how to
property-test a new primitive with these and ``gradcheck``.
"""

from autodiff.distribution import install_hint

try:
    import hypothesis  # noqa: F401
except ImportError as error:  # pragma: no cover - depends on the environment
    raise ImportError(f"autodiff.testing needs hypothesis: {install_hint('testing')}") from error

from autodiff.domains import bounded, positive
from autodiff.testing.checking import Grade, Mistake, check_rule
from autodiff.testing.graphs import Expression, expressions, operations
from autodiff.testing.strategies import Point, arguments, reals

__all__ = [
    "Expression",
    "Grade",
    "Mistake",
    "Point",
    "arguments",
    "bounded",
    "check_rule",
    "expressions",
    "operations",
    "positive",
    "reals",
]
