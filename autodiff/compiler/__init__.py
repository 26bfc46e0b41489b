"""Compiling: a function on numbers, traced once with Values, written out as Python.

``autodiff.compile(f)`` returns a function with f's signature and f's results (floats). Its
first call runs f on Values, hearing everything the engine does (`trace`); the trace is
written as one Python function (`emit`, `assemble`): a statement per node, and for every
gradient f asks for (``value_and_grad``, ``autodiff.gradients``) the backward pass written
out as the chain rule. ``.source`` shows it. This is the lectures' symbol-to-symbol
differentiation: the derivative is a program of its own, which can be read, and which runs
without building a graph.

Never silently wrong:

- derivatives with cases (relu, abs, max, ``**``) are computed by their rules at each call;
- comparisons f makes on Values (``if x > 0:``) are guards: each call checks them, and a
  call where one comes out otherwise runs another trace (a few are kept, see ``.traces``);
- where the compiled code raises, or gives a result that is not finite, the call is run
  again by the eager engine, whose result (or error) it returns.

What the trace cannot see is fixed at the trace: numbers f reads out of Values (``.data``),
and numbers from f's surroundings. Values f captures (a model's parameters) are read at each
call. Results equal the eager engine's exactly, except for the sign of a zero (see the
README on compiling).
"""

from __future__ import annotations

import functools
import inspect
import math
import numbers
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from autodiff.compiler.assemble import build, identifier
from autodiff.compiler.batch import (
    REDUCTIONS,
    arguments_of_sample,
    batch_size,
    flatten,
    numpy,
    sample_by_sample,
)
from autodiff.compiler.emit import GuardFailed, Writer
from autodiff.compiler.trace import Trace, TraceError
from autodiff.compiler.vectorize import ArrayWriter
from autodiff.grad_mode import _recording, listen
from autodiff.value import Value, as_flag, as_float, data_of

__all__ = ["Compiled", "TraceError", "compile"]

TRACES_KEPT = 8
"""Traces kept per structure of the arguments, the most recently used first."""
KEYS_KEPT = 64
"""Structures of the arguments (and values of static ones) kept, the most recent."""
STRIKES = 3
"""Calls whose arguments of one structure could not be traced, before they run eagerly."""

_NUMBER = "number"


def compile(
    f: Callable[..., Any],
    *,
    static_argnums: Sequence[int] = (),
    vectorize: bool = False,
    reduce: str | None = None,
) -> Compiled:
    """f, compiled: see the module docstring.

    f takes numbers (or lists and tuples of them, or NumPy arrays) and returns a number or a
    list or tuple of them; it is called with Values in their place. The arguments at the
    positions ``static_argnums`` are passed as they are, constants of the trace (an int that
    f passes to range(), a string, a function): each value of them gets a trace of its own,
    so they must be hashable.

    ``vectorize``: f is written for one sample, and called with NumPy arrays of a batch of
    them (see `autodiff.compiler.batch`); it returns an array per result, or with
    ``reduce="mean"`` or ``"sum"`` each result averaged or summed over the batch (the
    gradient of a mean loss, for training). Needs NumPy.
    """
    if not callable(f):
        raise TypeError(f"compile needs a function, got {type(f).__name__!r}")
    static = _static_positions(static_argnums)
    if reduce not in REDUCTIONS:
        raise ValueError(f"compile(reduce=...) must be 'mean', 'sum' or None, got {reduce!r}")
    if reduce is not None and not as_flag(vectorize, "compile(vectorize=...)"):
        raise ValueError("compile(reduce=...) reduces over a batch: it needs vectorize=True")
    if as_flag(vectorize, "compile(vectorize=...)"):
        numpy()  # a clear error now, where NumPy is not installed
    return Compiled(f, static, vectorize=vectorize, reduce=reduce)


@dataclass(frozen=True)
class _Program:
    """One trace, compiled: its function of the numbers, its source, and its result's shape."""

    function: Callable[..., Any]
    source: str
    shape: Any
    single: bool


class Compiled:
    """A compiled function: call it as f; ``.source`` is the code of its last trace used,
    ``.traces`` how many times f was traced."""

    def __init__(
        self,
        f: Callable[..., Any],
        static: frozenset[int],
        *,
        vectorize: bool = False,
        reduce: str | None = None,
    ) -> None:
        functools.update_wrapper(self, f)
        self.f = f
        self.name: str = getattr(f, "__name__", "f")
        self.static = static
        self.vectorize, self.reduce = vectorize, reduce
        # For a batch: the same function for one sample, which a batch falls back on.
        self.single = Compiled(f, static) if vectorize else None
        self.traces = 0
        self.source = ""
        self._programs: dict[Any, list[_Program | None]] = {}
        self._strikes: dict[Any, int] = {}
        try:
            self._signature: inspect.Signature | None = inspect.signature(f)
        except (TypeError, ValueError):
            self._signature = None

    def __repr__(self) -> str:
        return f"<compiled {getattr(self.f, '__name__', 'function')}: {self.traces} trace(s)>"

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        static = self.static
        if kwargs:
            args, static = self._positional(args, kwargs)
        if self.vectorize:
            return self._call_batch(args, static)
        key: Any
        if not static and all(type(a) is float for a in args):
            numbers_, key = args, len(args)
        else:
            numbers_list: list[float] = []
            names = self._parameter_names(len(args))
            key = tuple(
                _flatten(a, numbers_list, i in static, f"{self.name}({names[i]}=...)")
                for i, a in enumerate(args)
            )
            numbers_ = tuple(numbers_list)
        programs = self._programs.get(key)
        if programs:
            for program in programs:
                if program is None:  # f could not be traced for arguments like these
                    return self._eagerly(args, static)
                try:
                    out = program.function(*numbers_)
                except GuardFailed:
                    continue
                except Exception:
                    return self._eagerly(args, static)
                return self._result(program, out, args, static)
        return self._trace(args, static, key, numbers_)

    def _result(
        self, program: _Program, out: Any, args: tuple[Any, ...], static: frozenset[int]
    ) -> Any:
        if not math.isfinite(out if program.single else sum(out)):
            return self._eagerly(args, static)  # the eager engine's way with inf and NaN
        self.source = program.source
        return out if program.single else _shaped(program.shape, iter(out))

    # -- tracing -------------------------------------------------------------------------------

    def _trace(
        self, args: tuple[Any, ...], static: frozenset[int], key: Any, numbers_: Sequence[float]
    ) -> Any:
        programs = self._programs.pop(key, [])
        self._programs[key] = programs  # the most recent key last; the oldest go first
        while len(self._programs) > KEYS_KEPT:
            del self._programs[next(iter(self._programs))]
        try:
            program = self._written(args, static)
        except TraceError:
            raise
        except Exception as error:
            result = self._eagerly(args, static)  # f's own error, if eagerly it raises too
            self._struck(key, programs, error)
            return result
        self.traces += 1
        programs.insert(0, program)
        del programs[TRACES_KEPT:]
        if self.traces >= TRACES_KEPT and self.traces & (self.traces - 1) == 0:
            warnings.warn(
                f"compile: {self.name} has been traced {self.traces} times: the outcome "
                "of a comparison on a Value changes from call to call, or the structure of the "
                "arguments does; each trace costs as much as the eager engine and more",
                UserWarning,
                stacklevel=3,
            )
        try:
            out = program.function(*numbers_)
        except Exception:
            return self._eagerly(args, static)
        return self._result(program, out, args, static)

    def _struck(self, key: Any, programs: list[_Program | None], error: Exception) -> None:
        """A call that could not be traced: warned of once; after STRIKES of them, arguments
        like these run eagerly, where no trace kept for them applies."""
        strikes = self._strikes[key] = self._strikes.get(key, 0) + 1
        if strikes == 1:
            warnings.warn(
                f"compile: {self.name} could not be traced ({type(error).__name__}: "
                f"{error}); this call ran eagerly",
                UserWarning,
                stacklevel=4,
            )
        if strikes == STRIKES and None not in programs:
            programs.append(None)

    def _written(
        self, args: tuple[Any, ...], static: frozenset[int], batched: Sequence[bool] = ()
    ) -> _Program:
        """f traced with args (numbers; for a batch, its first sample's, ``batched`` saying
        which numbers are per sample) and written out."""
        parameters: dict[Value, str] = {}
        names = self._parameter_names(len(args))
        call_args = [_as_values(a, names[i], parameters, i in static) for i, a in enumerate(args)]
        trace, out = self._run(call_args)
        results: list[Any] = []
        shape = _output_shape(out, results)
        writer: Writer
        if self.vectorize:
            per_sample = {v for v, b in zip(parameters, batched) if b}
            writer = ArrayWriter(trace, parameters, per_sample, summing=self.reduce is not None)
            writer.program.namespace["np"] = numpy()
            writer.write()
            expressions = [writer.result(r, self.reduce) for r in results]
            parameters_list = [*parameters.values(), "_B"]
        else:
            writer = Writer(trace, parameters)
            writer.write()
            expressions = [writer.program.expression(writer.operand(r)) for r in results]
            parameters_list = list(parameters.values())
        preferred = {}
        for ssa, label in writer.labels.items():
            name = identifier(label)
            if name is not None:
                preferred[ssa] = name
        function, source = build(
            writer.program,
            writer.lines,
            parameters=parameters_list,
            results=expressions,
            single=shape == _NUMBER,
            preferred=preferred,
            name=identifier(self.name) or "compiled",
        )
        return _Program(function, source, shape, shape == _NUMBER)

    def _run(self, call_args: list[Any]) -> tuple[Trace, Any]:
        """f on Values, heard by a trace (transformations inside give Values, standing for
        the numbers the code computes)."""
        trace = Trace()
        recording_token = listen(trace)
        try:
            out = self.f(*call_args)
        finally:
            _recording.reset(recording_token)
        if trace.failure is not None:  # f caught it, and went on with what the code cannot know
            raise Untraceable(
                f"an operation raised ({type(trace.failure).__name__}: {trace.failure}), and "
                f"{self.name} went on"
            )
        return trace, out

    def _parameter_names(self, n: int) -> list[str]:
        """A name for each argument: its parameter's, or args_<i> for *args."""
        names: list[str] = []
        if self._signature is not None:
            for p in self._signature.parameters.values():
                if p.kind is p.VAR_POSITIONAL:
                    names += [f"{p.name}_{i}" for i in range(n - len(names))]
                elif p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
                    names.append(p.name)
        names += [f"arg{i}" for i in range(len(names), n)]
        return names[:n]

    def _positional(
        self, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[tuple[Any, ...], frozenset[int]]:
        """The arguments by position, and the static positions: a default filled in to reach
        a later argument is passed as it is, as a static argument is."""
        if self._signature is None:
            raise TypeError("a compiled function without a signature takes positional arguments")
        bound = self._signature.bind(*args, **kwargs)
        given = set(bound.arguments)
        bound.apply_defaults()
        parameters = list(self._signature.parameters.values())
        keyword_only = [p.name for p in parameters if p.kind is p.KEYWORD_ONLY and p.name in given]
        if keyword_only:
            raise TypeError(
                f"compile: {self.name} takes keyword-only arguments ({', '.join(keyword_only)}), "
                "which a compiled function does not pass"
            )
        positional = [
            p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
        last = max((i for i, p in enumerate(positional) if p.name in given), default=-1)
        values = tuple(bound.arguments[p.name] for p in positional[: last + 1])
        defaults = {i for i, p in enumerate(positional[: last + 1]) if p.name not in given}
        return values, self.static | frozenset(defaults)

    # -- a batch -------------------------------------------------------------------------------

    def _call_batch(self, args: tuple[Any, ...], static: frozenset[int]) -> Any:
        np = numpy()
        leaves: list[Any] = []
        batched: list[bool] = []
        names = self._parameter_names(len(args))
        shapes = [
            _flatten(a, [], True, f"{self.name}({names[i]}=...)")
            if i in static
            else flatten(a, leaves, batched, f"{self.name}({names[i]}=...)", np)
            for i, a in enumerate(args)
        ]
        size = batch_size(leaves, batched)
        key = (tuple(shapes), tuple(batched))
        programs = self._programs.get(key)
        if programs is None:
            first = arguments_of_sample(shapes, leaves, batched, 0)
            try:
                program: _Program | None = self._written(first, static, batched)
            except TraceError:
                raise
            except Exception:  # an operation without an array form, say: sample by sample
                program = None
            self.traces += program is not None
            programs = self._programs[key] = [program]
        program = programs[0]
        if program is not None:
            flag = _Flag()
            with np.errstate(all="call", under="ignore", call=flag):
                try:
                    out = program.function(*leaves, size)
                except Exception:  # GuardFailed for some sample among them
                    flag.raised = True
            # One sum of every result (of arrays, elementwise) is finite only if each is.
            if not flag.raised and np.all(np.isfinite(out if program.single else sum(out, 0.0))):
                self.source = program.source
                return out if program.single else _shaped(program.shape, iter(out))
        assert self.single is not None
        return sample_by_sample(self.single, shapes, leaves, batched, reduce=self.reduce, np=np)

    # -- the eager engine ------------------------------------------------------------------------

    def _eagerly(self, args: tuple[Any, ...], static: frozenset[int]) -> Any:
        """What the eager engine gives: f on fresh Values, its results as floats."""
        values = [_as_values(a, "", {}, i in static) for i, a in enumerate(args)]
        return _as_floats(self.f(*values))


# -- arguments and results ----------------------------------------------------------------------


class Untraceable(Exception):  # noqa: N818 -- not an error of the caller's: the call runs eagerly
    """A trace the compiled code could not repeat (an error caught inside f)."""


class _Flag:
    """Told by NumPy of a floating-point error (overflow, invalid, division by zero)."""

    def __init__(self) -> None:
        self.raised = False

    def __call__(self, kind: str, flag: int) -> None:
        self.raised = True


def _static_positions(static_argnums: object) -> frozenset[int]:
    try:
        positions = [p for p in static_argnums]  # type: ignore[attr-defined]
    except TypeError:
        raise TypeError(
            f"compile(static_argnums=...) needs a sequence of ints, got {static_argnums!r}"
        ) from None
    if not all(isinstance(p, int) and not isinstance(p, bool) and p >= 0 for p in positions):
        raise TypeError(
            f"compile(static_argnums=...) needs non-negative ints, got {static_argnums!r}"
        )
    return frozenset(positions)


def _is_number(x: object) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def _flatten(x: Any, out: list[float], static: bool, where: str) -> Any:
    """x's structure (the key of its traces), its numbers appended to out."""
    if static:
        try:
            return ("static", _static_key(x), _Given(x))
        except TypeError:
            raise TypeError(
                f"{where} is static (static_argnums), so it must be hashable, got "
                f"{type(x).__name__!r}"
            ) from None
    if _is_array(x) and x.ndim == 0:
        x = x.item()
    if _is_number(x):
        out.append(as_float(x, where))
        return _NUMBER
    if isinstance(x, list | tuple) or _is_array(x):
        items = x.tolist() if _is_array(x) else x
        return (type(x), tuple(_flatten(i, out, False, where) for i in items))
    hint = ": pass v.data (it returns numbers too)" if isinstance(x, Value) else ""
    raise TypeError(
        f"{where} needs a number, or a list, tuple or NumPy array of them, got "
        f"{type(x).__name__!r}{hint}; an argument that is a constant goes in static_argnums"
    )


class _Given:
    """A static argument's value, carried in its structure but not part of the key."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Given)

    def __hash__(self) -> int:
        return 0


def _static_key(x: Any) -> Any:
    """A static argument as a key: by its type, and a float by its bits (−0.0 is not 0.0,
    NaN is NaN), through tuples and lists; anything else by equality (so, hashable)."""
    if isinstance(x, float):
        return (float, x.hex())
    if isinstance(x, tuple | list):
        return (type(x), tuple(_static_key(item) for item in x))
    hash(x)
    return (type(x), x)


def _is_array(x: object) -> bool:
    return type(x).__name__ == "ndarray" and hasattr(x, "tolist")


def _as_values(x: Any, name: str, parameters: dict[Value, str], static: bool) -> Any:
    """x with a Value in place of each number (lists for arrays); names them in parameters."""
    if static:
        return x
    if _is_array(x) and x.ndim == 0:
        x = x.item()
    if _is_number(x):
        leaf = Value(float(x))
        parameters[leaf] = _unique(name, parameters)
        return leaf
    items = x.tolist() if _is_array(x) else x
    made = [_as_values(item, f"{name}_{i}", parameters, False) for i, item in enumerate(items)]
    return tuple(made) if isinstance(x, tuple) else made


def _unique(name: str, parameters: dict[Value, str]) -> str:
    taken = set(parameters.values())
    base = identifier(name) or f"arg{len(parameters)}"
    candidate, k = base, 2
    while candidate in taken:
        candidate, k = f"{base}_{k}", k + 1
    return candidate


def _output_shape(out: Any, results: list[Any]) -> Any:
    """out's structure, its numbers (Values or numbers) appended to results."""
    if isinstance(out, Value | bool) or _is_number(out):  # a bool: 1.0 or 0.0, as eagerly
        results.append(float(out) if isinstance(out, bool) else out)
        return _NUMBER
    if isinstance(out, list | tuple):
        return (type(out), tuple(_output_shape(o, results) for o in out))
    raise TraceError(
        "a compiled function returns a number, or a list or tuple of them, got "
        f"{type(out).__name__!r}"
    )


def _shaped(shape: Any, numbers_: Any) -> Any:
    if shape[0] is tuple and all(item == _NUMBER for item in shape[1]):
        return tuple(numbers_)  # the common case: a flat tuple, as the code returns it
    return _rebuilt(shape, numbers_)


def _rebuilt(shape: Any, numbers_: Any) -> Any:
    if shape == _NUMBER:
        return next(numbers_)
    kind, items = shape
    made = [_rebuilt(item, numbers_) for item in items]
    return tuple(made) if kind is tuple else made


def _as_floats(out: Any) -> Any:
    if isinstance(out, list | tuple):
        made = [_as_floats(o) for o in out]
        return tuple(made) if isinstance(out, tuple) else made
    return data_of(out)
