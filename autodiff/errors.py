"""The one error the engine adds to Python's own: a value outside an operation's domain."""


class DomainError(ValueError):
    """An operation was asked for a value, or a derivative, that does not exist as a real number.

    The message names the operation and the offending value, e.g.
    ``log(x) needs x > 0, got x = -1.0``.
    """
