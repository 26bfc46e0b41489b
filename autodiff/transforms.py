"""Function transformations, as in JAX and HIPS autograd: grad, value_and_grad, jacobian,
hessian and hvp.

``grad(f)`` is a new function that returns the derivative of ``f``. Called directly it takes
and returns numbers (floats); no ``.grad`` of any Value is read or written. Called while
another transformation is evaluating its function, as in ``grad(grad(f))`` or
``grad(lambda x: grad(f)(x) * x)``, it builds the graph of its result and returns Values, so
the outer one can differentiate it: transformations compose to any order.

Evaluating ``f`` records a graph even inside ``no_grad()``: a derivative was asked for. A
``no_grad()`` block inside ``f`` is respected: what it computes counts as a constant.
"""

from __future__ import annotations

import functools
import sys
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from autodiff.backprop import gradients_of
from autodiff.checks import as_float, is_real
from autodiff.grad_mode import RECORDING, set_recording, tracer
from autodiff.ops import identity
from autodiff.value import Value, data_of

Argnums = int | tuple[int, ...]

# How many transformations are evaluating their function right now, in this thread or task.
_depth: ContextVar[int] = ContextVar("autodiff_transformations", default=0)


def value_and_grad(f: Callable[..., Any], argnums: Argnums = 0) -> Callable[..., Any]:
    """A function returning ``(f(*args), gradient of f with respect to args[argnums])``.

    ``f`` returns one number (a Value or a float). With an int ``argnums`` the gradient is one
    number; with a tuple, a tuple of them.
    """
    positions, single = _checked(f, argnums, "value_and_grad")

    def evaluate(*args: Any) -> tuple[Any, Any]:
        with _tracing() as (nested, traced):
            call_args, variables = _variables(args, positions, nested or traced, "grad")
            out = f(*call_args)
            _check_scalar(out, "grad")
            grads = _gradients(out, variables, nested)
        if not (nested or traced):
            out, grads = data_of(out), [data_of(g) for g in grads]
        return out, grads[0] if single else tuple(grads)

    return _wrapping(evaluate, f, "value and gradient", argnums)


def grad(f: Callable[..., Any], argnums: Argnums = 0) -> Callable[..., Any]:
    """The gradient of f with respect to its argument(s) ``argnums``, as a function.

    >>> from autodiff import grad
    >>> grad(lambda x: x ** 3)(2.0)
    12.0
    >>> grad(grad(lambda x: x ** 3))(2.0)
    12.0
    """

    _checked(f, argnums, "grad")

    def gradient(*args: Any) -> Any:
        return value_and_grad(f, argnums)(*args)[1]

    return _wrapping(gradient, f, "gradient", argnums)


def jacobian(f: Callable[..., Any], argnums: Argnums = 0) -> Callable[..., Any]:
    """The Jacobian of f, which returns one number or a list (or tuple) of them.

    For several outputs: one row per output (a list or a tuple, as f returned them), each the
    gradient of that output with respect to ``argnums``: one number, or a tuple for a tuple of
    argnums. For one output: its gradient, as ``grad`` gives it.
    """
    positions, single = _checked(f, argnums, "jacobian")

    def evaluate(*args: Any) -> Any:
        with _tracing() as (nested, traced):
            call_args, variables = _variables(args, positions, nested or traced, "jacobian")
            outs = f(*call_args)
            several = isinstance(outs, (list, tuple))
            rows = [_gradients(out, variables, nested) for out in (outs if several else [outs])]
        if not (nested or traced):
            rows = [[data_of(g) for g in row] for row in rows]
        shaped = [row[0] if single else tuple(row) for row in rows]
        if not several:
            return shaped[0]
        return tuple(shaped) if isinstance(outs, tuple) else shaped

    return _wrapping(evaluate, f, "Jacobian", argnums)


def hessian(f: Callable[..., Any], argnums: Argnums = 0) -> Callable[..., Any]:
    """The matrix of second derivatives of f: ``jacobian(grad(f, argnums), argnums)``.

    One number for an int ``argnums``; a tuple of rows for a tuple.
    """
    return jacobian(grad(f, argnums), argnums)


def hvp(f: Callable[..., Any], argnums: Argnums = 0) -> Callable[..., Any]:
    """The Hessian of f times a vector, without forming the Hessian: ``hvp(f)(*args, vector=v)``.

    The gradient of ``∇f · v``: two backward passes, however many arguments f has. ``vector``
    is a number for an int ``argnums``, a sequence as long as the tuple otherwise.
    """
    positions, single = _checked(f, argnums, "hvp")

    def product(*args: Any, vector: Any) -> Any:
        directions = _directions(vector, len(positions), single)

        def along_vector(*inner: Any) -> Any:
            gradient = grad(f, argnums)(*inner)
            parts = [gradient] if single else list(gradient)
            return sum(g * v for g, v in zip(parts, directions))

        return grad(along_vector, argnums)(*args)

    return product


def map(f: Callable[..., Any], *batches: Iterable[Any]) -> list[Any]:
    """``[f(*sample) for sample in zip(*batches)]``: f on each sample of a batch, as a list.

    To the eager engine, exactly that loop. To `autodiff.compile`, the loop itself: f is traced
    on one sample and written once, as a loop over the samples, and its backward pass as a loop
    back over them, in the order the eager backward pass takes; so compiling a function over a
    batch costs what its one sample does, whatever the batch's size. A loss over a batch::

        losses = ad.map(lambda x, t: (1 - t * model(x)).relu(), xs, ts)
        loss = ad.sum(losses) * (1.0 / len(losses))
    """
    if not callable(f):
        raise TypeError(f"map needs a function to apply, got {type(f).__name__!r}")
    for i, batch in enumerate(batches):
        try:
            if isinstance(batch, str | bytes | Value):
                raise TypeError
            iter(batch)
        except TypeError:  # not iterable (a NumPy array of no dimension neither)
            raise TypeError(
                f"map(batch {i}) needs a sequence of samples, one each, got "
                f"{type(batch).__name__!r}"
            ) from None
    listening = tracer()
    if listening is None:
        return [f(*sample) for sample in zip(*batches)]
    return listening.map(f, batches)


# -- the machinery ----------------------------------------------------------------------------


def _wrapping(
    transformed: Callable[..., Any], f: Callable[..., Any], what: str, argnums: Argnums
) -> Callable[..., Any]:
    """transformed, with f's name and signature (as JAX's transformations have them), so that
    help() and a compiled function's code show f's parameters."""
    functools.update_wrapper(transformed, f)
    transformed.__doc__ = (
        f"The {what} of {getattr(f, '__name__', 'f')} with respect to argument(s) {argnums}."
    )
    return transformed


def _directions(vector: Any, n: int, single: bool) -> list[float]:
    """hvp's vector, as n numbers: one number for an int argnums, n for a tuple of n."""
    if single:
        if isinstance(vector, Value) or not is_real(vector):
            raise TypeError(
                "hvp(vector=...) needs a number, one per differentiated argument (argnums is "
                f"an int), got {type(vector).__name__!r}"
            )
        return [as_float(vector, "hvp(vector=...)")]
    try:
        directions = list(vector)
    except TypeError:
        raise TypeError(
            f"hvp(vector=...) needs a sequence of {n} numbers, one per position of argnums, "
            f"got {type(vector).__name__!r}"
        ) from None
    if len(directions) != n:
        raise ValueError(f"hvp(vector=...) needs {n} numbers, got {len(directions)}")
    return [as_float(v, "hvp(vector=...)") for v in directions]


@contextmanager
def _tracing() -> Iterator[tuple[bool, bool]]:
    """Evaluate a transformation's function: record the graph; say whether we are nested in
    another, and whether a compiler traces us (then results stay Values, standing for the
    numbers the compiled code computes)."""
    depth = _depth.get()
    depth_token, recording_token = _depth.set(depth + 1), set_recording(True)
    try:
        yield depth > 0, tracer() is not None
    finally:
        RECORDING.reset(recording_token)
        _depth.reset(depth_token)


def _checked(f: object, argnums: Argnums, name: str) -> tuple[tuple[int, ...], bool]:
    """(the argument positions, whether argnums was a single int), once f is checked to be a
    function."""
    if not callable(f):
        raise TypeError(f"{name} needs a function to differentiate, got {type(f).__name__!r}")
    return _positions(argnums)


def _positions(argnums: Argnums) -> tuple[tuple[int, ...], bool]:
    """(the argument positions, whether argnums was a single int)."""
    if isinstance(argnums, int) and not isinstance(argnums, bool):
        return (argnums,), True
    if (
        isinstance(argnums, tuple)
        and argnums
        and all(isinstance(i, int) and not isinstance(i, bool) for i in argnums)
    ):
        if len(set(argnums)) != len(argnums):
            raise ValueError(f"argnums must not repeat a position, got {argnums}")
        return argnums, False
    raise TypeError(f"argnums must be an int or a non-empty tuple of ints, got {argnums!r}")


def _variables(
    args: Sequence[Any], positions: tuple[int, ...], nested: bool, name: str
) -> tuple[list[Any], list[Value]]:
    """The arguments, with a fresh variable at each differentiated position."""
    call_args = list(args)
    variables = []
    for i in positions:
        if not 0 <= i < len(args):
            raise ValueError(
                f"argnums {i} is out of range: the function was called with {len(args)} argument(s)"
            )
        arg = args[i]
        if isinstance(arg, Value) and nested:
            # A new node standing for this input: the inner derivative counts only the paths
            # through it, not other uses of the outer variable (no perturbation confusion);
            # the outer transformation still sees how it depends on that variable.
            variable = identity(arg)
        else:
            number = arg.data if isinstance(arg, Value) else arg
            variable = Value(as_float(number, f"{name}(argnums={i})"))
        call_args[i] = variable
        variables.append(variable)
    return call_args, variables


def _check_scalar(out: Any, name: str) -> None:
    if isinstance(out, Value):
        return
    try:
        as_float(out, name)
    except TypeError:
        raise TypeError(
            f"{name} needs f to return one number (a Value or a float), got "
            f"{type(out).__name__!r}; for several outputs use jacobian"
        ) from None


def _gradients(out: Any, variables: list[Value], nested: bool) -> list[Any]:
    """d out / d variable for each variable; zeros, with a warning, if out depends on none."""
    _check_scalar(out, "jacobian")
    found = gradients_of(out, 1.0, variables, create_graph=nested) if isinstance(out, Value) else {}
    if not any(v in found for v in variables):
        warnings.warn(
            "the output does not depend on the argument(s) being differentiated: "
            "their gradient is 0",
            UserWarning,
            stacklevel=_first_caller_outside_autodiff(),
        )
    return [found.get(v, 0.0) for v in variables]


def _first_caller_outside_autodiff() -> int:
    """The stack level of the user's code that called into the package, for warnings."""
    frame, level = sys._getframe(1), 1
    while frame.f_back is not None and frame.f_globals["__name__"].startswith("autodiff."):
        frame, level = frame.f_back, level + 1
    return level
