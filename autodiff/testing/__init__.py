"""Hypothesis strategies for property-testing derivative rules: the project's, and yours.

- ``reals``: floats in a range, away from given points (kinks, poles).
- ``arguments(name)``: inputs (and parameters) in the domain of a built-in primitive.
- ``expressions()``: random expression graphs over a few inputs, with shared subexpressions
  and reused leaves, using every primitive (and any you add), each with a plain-float
  reference of the same expression written with ``math``.

Needs hypothesis (``pip install hypothesis``; the project's ``dev`` extra has it). The
README shows how to property-test a new primitive with these and ``gradcheck``.
"""

try:
    import hypothesis  # noqa: F401
except ImportError as error:  # pragma: no cover - depends on the environment
    raise ImportError(
        "autodiff.testing needs hypothesis: pip install hypothesis (the 'testing' extra)"
    ) from error

from autodiff.testing.domains import Point, arguments, reals
from autodiff.testing.expressions import OPS, Expression, Op, bounded, expressions, positive

__all__ = [
    "OPS",
    "Expression",
    "Op",
    "Point",
    "arguments",
    "bounded",
    "expressions",
    "positive",
    "reals",
]
