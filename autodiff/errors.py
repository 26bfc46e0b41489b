"""What the engine adds to Python's errors: values outside an operation's domain, and edges
whose derivative does not exist."""

from __future__ import annotations

from typing import Any


class DomainError(ValueError):
    """An operation was asked for a value, or a derivative, that does not exist as a real number.

    The message names the operation and the offending value, e.g.
    ``log(x) needs x > 0, got x = -1.0``.
    """


class Undefined:
    """The local derivative on an edge where it is not a finite number (√x at x = 0).

    A value, not an exception: making such a node is fine, since √0 is 0. What a gradient
    carries across the edge is decided here, in one place (`times`): a zero gradient carries
    nothing, a nonzero one raises DomainError with this message. A derivative rule may return
    one, e.g. ``Undefined("no derivative in y")``; where the rule raised, the edge keeps the error
    as ``cause``.
    """

    __slots__ = ("cause", "message")

    def __init__(self, message: str, cause: BaseException | None = None) -> None:
        self.message = message
        self.cause = cause  # the error the rule raised here, if it raised one

    def times(self, gradient: Any) -> float:
        """gradient × this derivative: 0 for a zero gradient, else an error chained to the
        rule's own: an OverflowError where the rule overflowed (the derivative exists, its
        formula failed), a DomainError where the derivative does not exist.

        The truth of a gradient that is a Value is asked of it, which a compiler tracing the
        function hears and checks again at each call.
        """
        if not gradient:
            return 0.0
        number = getattr(gradient, "data", gradient)  # a Value's number, without importing Value
        message = f"{self.message}, and a gradient of {number!r} reached it"
        if isinstance(self.cause, OverflowError):
            raise OverflowError(message) from self.cause
        raise DomainError(message) from self.cause

    # The float loop of backward() multiplies `gradient * derivative`: a float gives way to this.
    __rmul__ = times

    def __format__(self, spec: str) -> str:
        return "undefined"

    def __repr__(self) -> str:
        return f"Undefined({self.message!r})"
