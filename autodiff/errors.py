"""What the engine adds to Python's errors: values outside an operation's domain."""

from __future__ import annotations


class DomainError(ValueError):
    """An operation was asked for a value, or a derivative, that does not exist as a real number.

    The message names the operation and the offending value, e.g.
    ``log(x) needs x > 0, got x = -1.0``.
    """


class UndefinedDerivative:
    """The local derivative on an edge where it is not a finite number (√x at x = 0).

    Making such a node is fine: √0 is 0. Only a gradient crossing the edge would be infinite
    or undefined, so a backward pass that sends a nonzero gradient across it raises
    DomainError with this message; a zero gradient passes. A rule may return one, e.g.
    ``UndefinedDerivative("x ** y has no derivative in y when x < 0")``.
    """

    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message

    def crossed_by(self, gradient: object) -> DomainError:
        """The error for a gradient arriving at this edge."""
        return DomainError(f"{self.message}, and a gradient of {gradient!r} reached it")

    def __rmul__(self, gradient: object) -> float:
        # The backward pass multiplies each gradient by the edge's derivative: here it stops.
        if type(gradient) is float and gradient == 0.0:
            return 0.0
        raise self.crossed_by(gradient)

    def __format__(self, spec: str) -> str:
        return "undefined"

    def __repr__(self) -> str:
        return f"UndefinedDerivative({self.message!r})"
