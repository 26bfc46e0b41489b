"""What the engine adds to Python's errors: values outside an operation's domain, and edges
whose derivative does not exist."""

from __future__ import annotations


class DomainError(ValueError):
    """An operation was asked for a value, or a derivative, that does not exist as a real number.

    The message names the operation and the offending value, e.g.
    ``log(x) needs x > 0, got x = -1.0``.
    """


class Undefined:
    """The local derivative on an edge where it is not a finite number (√x at x = 0).

    A value, not an exception: making such a node is fine, since √0 is 0. Multiplying it by
    a gradient is where the backward pass decides, in this one place, what happens: a zero
    gradient crossing the edge passes nothing on, and a nonzero one raises DomainError with
    this message. A derivative rule may return one, e.g. ``Undefined("no derivative in y")``.
    """

    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message

    def crossed_by(self, gradient: object) -> DomainError:
        """The error for a nonzero gradient arriving at this edge."""
        return DomainError(f"{self.message}, and a gradient of {_number(gradient)!r} reached it")

    def __rmul__(self, gradient: object) -> float:
        # The chain rule multiplies each gradient by the edge's derivative: here it stops,
        # unless the gradient is zero (a float, or a Value holding 0 after create_graph:
        # asked by its truth, which a compiler tracing the function checks at each call).
        if not gradient:
            return 0.0
        raise self.crossed_by(gradient)

    def __format__(self, spec: str) -> str:
        return "undefined"

    def __repr__(self) -> str:
        return f"Undefined({self.message!r})"


def _number(gradient: object) -> object:
    return getattr(gradient, "data", gradient)  # a Value's number, without importing Value
