"""A compiled function's arguments and results: their structure (the key of their traces),
their numbers in order, and Values in their place for tracing.

An argument is a number, a list, tuple or NumPy array of them (nested), or, at a position of
``static_argnums``, any hashable constant of the trace. A result is a number or a list or
tuple of them.
"""

from __future__ import annotations

from typing import Any

from autodiff.checks import as_float, is_real
from autodiff.compiler.trace import TraceError
from autodiff.value import Value, data_of

NUMBER = "number"


def flatten(x: Any, out: list[float], static: bool, where: str) -> Any:
    """x's structure (the key of its traces), its numbers appended to out."""
    if static:
        try:
            return ("static", static_key(x), Given(x))
        except TypeError:
            raise TypeError(
                f"{where} is static (static_argnums), so it must be hashable, got "
                f"{type(x).__name__!r}"
            ) from None
    if is_array(x) and x.ndim == 0:
        x = x.item()
    if is_real(x):
        out.append(as_float(x, where))
        return NUMBER
    if isinstance(x, list | tuple) or is_array(x):
        items = x.tolist() if is_array(x) else x
        return (type(x), tuple(flatten(i, out, False, where) for i in items))
    hint = ": pass v.data (it returns numbers too)" if isinstance(x, Value) else ""
    raise TypeError(
        f"{where} needs a number, or a list, tuple or NumPy array of them, got "
        f"{type(x).__name__!r}{hint}; an argument that is a constant goes in static_argnums"
    )


class Given:
    """A static argument's value, carried in its structure but not part of the key."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Given)

    def __hash__(self) -> int:
        return 0


def static_key(x: Any) -> Any:
    """A static argument as a key: by its type, and a float by its bits (−0.0 is not 0.0,
    NaN is NaN), through tuples and lists; anything else by equality (so, hashable)."""
    if isinstance(x, float):
        return (float, x.hex())
    if isinstance(x, tuple | list):
        return (type(x), tuple(static_key(item) for item in x))
    hash(x)
    return (type(x), x)


def is_array(x: object) -> bool:
    return type(x).__name__ == "ndarray" and hasattr(x, "tolist")


def as_values(x: Any, name: str, parameters: dict[Value, str], static: bool) -> Any:
    """x with a Value in place of each number (lists for arrays); names them in parameters."""
    if static:
        return x
    if is_array(x) and x.ndim == 0:
        x = x.item()
    if is_real(x):
        leaf = Value(float(x))
        parameters[leaf] = _unique(name, parameters)
        return leaf
    items = x.tolist() if is_array(x) else x
    made = [as_values(item, f"{name}_{i}", parameters, False) for i, item in enumerate(items)]
    return tuple(made) if isinstance(x, tuple) else made


def _unique(name: str, parameters: dict[Value, str]) -> str:
    from autodiff.compiler.python import identifier  # noqa: PLC0415 -- a sibling, for names

    taken = set(parameters.values())
    base = identifier(name) or f"arg{len(parameters)}"
    candidate, k = base, 2
    while candidate in taken:
        candidate, k = f"{base}_{k}", k + 1
    return candidate


def output_shape(out: Any, results: list[Any]) -> Any:
    """out's structure, its numbers (Values or numbers) appended to results."""
    if isinstance(out, Value | bool) or is_real(out):  # a bool: 1.0 or 0.0, as eagerly
        results.append(float(out) if isinstance(out, bool) else out)
        return NUMBER
    if isinstance(out, list | tuple):
        return (type(out), tuple(output_shape(o, results) for o in out))
    raise TraceError(
        "a compiled function returns a number, or a list or tuple of them, got "
        f"{type(out).__name__!r}"
    )


def shaped(shape: Any, numbers: Any) -> Any:
    """The numbers (an iterator), in the structure shape says."""
    if shape == NUMBER:
        return next(numbers)
    kind, items = shape
    made = [shaped(item, numbers) for item in items]
    return tuple(made) if kind is tuple else made


def as_floats(out: Any) -> Any:
    """A result of f on Values, with each Value's number in its place."""
    if isinstance(out, list | tuple):
        made = [as_floats(o) for o in out]
        return tuple(made) if isinstance(out, tuple) else made
    return data_of(out)
