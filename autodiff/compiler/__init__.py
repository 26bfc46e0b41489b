"""Compiling: a function on numbers, traced once with Values, written out as Python.

``autodiff.compile(f)`` returns a function with f's signature and f's results (floats). Its
first call runs f on Values, hearing everything the engine does (`trace`); the trace is
written as a program, statements as data (`lower`): a statement per node, and for every
gradient f asks for (``value_and_grad``, ``autodiff.gradients``) the backward pass, written
by the chain rule's own walk; then as one Python function (`python`). ``.source`` shows it.
This is the lectures' symbol-to-symbol differentiation: the derivative is a program of its
own, which can be read, and which runs without building a graph.

Never silently wrong:

- derivatives with cases (relu, abs, max, ``**``) are computed by their rules at each call;
- comparisons f makes on Values (``if x > 0:``) are guards: each call checks them, and a
  call where one comes out otherwise runs another trace (a few are kept, see ``.traces``);
- where the compiled code raises, or gives a result that is not finite, the call is run
  again by the eager engine, whose result (or error) it returns.

What the trace cannot see is fixed at the trace: numbers f reads out of Values (``.data``),
and numbers from f's surroundings. Values f captures (a model's parameters) are read at each
call. Results equal the eager engine's exactly, except for the sign of a zero (see the
guide's page on compiling).
"""

from __future__ import annotations

import functools
import inspect
import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from autodiff.checks import as_flag
from autodiff.code import Symbol
from autodiff.compiler.arguments import NUMBER, as_floats, as_values, flatten, output_shape, shaped
from autodiff.compiler.batch import REDUCTIONS, numpy
from autodiff.compiler.lower import GuardFailed, Lowering
from autodiff.compiler.python import build
from autodiff.compiler.trace import Mapped, Trace, TraceError
from autodiff.grad_mode import listening
from autodiff.value import Value

__all__ = ["Compiled", "TraceError", "compile"]

TRACES_KEPT = 8
"""Traces kept per structure of the arguments, the most recently used first."""
KEYS_KEPT = 64
"""Structures of the arguments (and values of static ones) kept, the most recent."""
STRIKES = 3
"""Calls whose arguments of one structure could not be traced, before they run eagerly."""


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
class Written:
    """One trace, compiled: its function of the numbers (and of the arguments at the
    positions ``whole``, as they were given: the batches of `autodiff.map`), its source, and
    its result's shape."""

    function: Callable[..., Any]
    source: str
    shape: Any
    whole: frozenset[int] = frozenset()

    def call(self, args: tuple[Any, ...], numbers: Sequence[float], spans: list[int]) -> Any:
        if not self.whole:
            return self.function(*numbers)
        given: list[Any] = []
        for i, arg in enumerate(args):
            if i in self.whole:
                given.append(arg)
            else:
                given.extend(numbers[spans[i] : spans[i + 1]])
        return self.function(*given)

    @property
    def single(self) -> bool:
        return bool(self.shape == NUMBER)


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
        self.kept: dict[Any, list[Written | None]] = {}  # traces by structure of the arguments
        self._strikes: dict[Any, int] = {}
        try:
            self._signature: inspect.Signature | None = inspect.signature(f)
        except (TypeError, ValueError):
            self._signature = None

    def __repr__(self) -> str:
        return f"<compiled {self.name}: {self.traces} trace(s)>"

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        static = self.static
        if kwargs:
            args, static = self._positional(args, kwargs)
        if self.vectorize:
            from autodiff.compiler.batch import call_batch  # noqa: PLC0415 -- NumPy's, when asked

            return call_batch(self, args, static)
        key: Any
        spans: list[int] = []  # where each argument's numbers begin, and the last end
        if not static and all(type(a) is float for a in args):
            numbers, key = args, len(args)
        else:
            numbers_list: list[float] = []
            names = self.parameter_names(len(args))
            shapes = []
            for i, a in enumerate(args):
                spans.append(len(numbers_list))
                where = f"{self.name}({names[i]}=...)"
                shapes.append(flatten(a, numbers_list, i in static, where))
            spans.append(len(numbers_list))
            key, numbers = tuple(shapes), tuple(numbers_list)
        for written in self.kept.get(key, ()):
            if written is None:  # f could not be traced for arguments like these
                return self.eagerly(args, static)
            try:
                out = written.call(args, numbers, spans)
            except GuardFailed:
                continue
            except Exception:
                return self.eagerly(args, static)
            return self._result(written, out, args, static)
        return self._trace(args, static, key, numbers, spans)

    def _result(
        self, written: Written, out: Any, args: tuple[Any, ...], static: frozenset[int]
    ) -> Any:
        if not math.isfinite(out if written.single else sum(out)):
            return self.eagerly(args, static)  # the eager engine's way with inf and NaN
        self.source = written.source
        return out if written.single else shaped(written.shape, iter(out))

    # -- tracing -------------------------------------------------------------------------------

    def _trace(
        self,
        args: tuple[Any, ...],
        static: frozenset[int],
        key: Any,
        numbers: Sequence[float],
        spans: list[int],
    ) -> Any:
        kept = self.kept.pop(key, [])
        self.kept[key] = kept  # the most recent key last; the oldest go first
        while len(self.kept) > KEYS_KEPT:
            del self.kept[next(iter(self.kept))]
        try:
            written = self.write(args, static)
        except TraceError:
            raise
        except Exception as error:
            result = self.eagerly(args, static)  # f's own error, if eagerly it raises too
            self._struck(key, kept, error)
            return result
        self.traces += 1
        kept.insert(0, written)
        del kept[TRACES_KEPT:]
        if self.traces >= TRACES_KEPT and self.traces & (self.traces - 1) == 0:
            warnings.warn(
                f"compile: {self.name} has been traced {self.traces} times: the outcome "
                "of a comparison on a Value changes from call to call, or the structure of the "
                "arguments does; each trace costs as much as the eager engine and more",
                UserWarning,
                stacklevel=3,
            )
        try:
            out = written.call(args, numbers, spans)
        except Exception:
            return self.eagerly(args, static)
        return self._result(written, out, args, static)

    def _struck(self, key: Any, kept: list[Written | None], error: Exception) -> None:
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
        if strikes == STRIKES and None not in kept:
            kept.append(None)

    def write(
        self, args: tuple[Any, ...], static: frozenset[int], batched: Sequence[bool] = ()
    ) -> Written:
        """f traced with args (numbers; for a batch, its first sample's, ``batched`` saying
        which numbers vary by sample) and written out as a function (for a batch, of the
        arrays and numbers, and the batch size ``_B``)."""
        parameters: dict[Value, str] = {}
        names = self.parameter_names(len(args))
        call_args = [as_values(a, names[i], parameters, i in static) for i, a in enumerate(args)]
        trace, out = self.run(call_args)
        results: list[Any] = []
        shape = output_shape(out, results)
        batches = {id(b) for step in trace.steps if isinstance(step, Mapped) for b in step.batches}
        whole = frozenset(i for i, a in enumerate(call_args) if id(a) in batches)
        arguments = [
            p
            for i, a in enumerate(call_args)
            for p in ([names[i]] if i in whole else _names_in(a, parameters))
        ]
        lowering: Lowering
        if self.vectorize:
            from autodiff.compiler.arrays import ArrayLowering  # noqa: PLC0415 -- NumPy's

            per_sample = {v for v, b in zip(parameters, batched) if b}
            lowering = ArrayLowering(trace, parameters, per_sample, {}, self.reduce)
            operands = [lowering.result(r) for r in lowering.write(results)]
            arguments.append("_B")
        else:
            lowering = Lowering(trace, parameters)
            for i in whole:
                lowering.whole[id(call_args[i])] = names[i]
                for index, leaf in _indexed(call_args[i]):
                    lowering.values[leaf] = Symbol(lowering.program, names[i] + index)
            operands = lowering.write(results)
        function = build(
            lowering.program,
            arguments,
            operands,
            single=shape == NUMBER,
            labels=lowering.labels,
            name=self.name,
        )
        return Written(function, function.__source__, shape, whole)  # type: ignore[attr-defined]

    def run(self, call_args: list[Any]) -> tuple[Trace, Any]:
        """f on Values, heard by a trace (transformations inside give Values, standing for
        the numbers the code computes)."""
        trace = Trace()
        with listening(trace):
            out = self.f(*call_args)
        if trace.failure is not None:  # f caught it, and went on with what the code cannot know
            raise Untraceable(
                f"an operation raised ({type(trace.failure).__name__}: {trace.failure}), and "
                f"{self.name} went on"
            )
        return trace, out

    def parameter_names(self, n: int) -> list[str]:
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

    def eagerly(self, args: tuple[Any, ...], static: frozenset[int]) -> Any:
        """What the eager engine gives: f on fresh Values, its results as floats."""
        values = [as_values(a, "", {}, i in static) for i, a in enumerate(args)]
        return as_floats(self.f(*values))


def _names_in(arg: Any, parameters: dict[Value, str]) -> list[str]:
    """The names of an argument's numbers, as parameters of the code, in order."""
    return (
        [parameters[leaf] for _, leaf in _indexed(arg)]
        if not isinstance(arg, Value)
        else [parameters[arg]]
    )


def _indexed(arg: Any, index: str = "") -> list[tuple[str, Value]]:
    """An argument's Values, each with where it is in it (``[3][1]``)."""
    if isinstance(arg, Value):
        return [(index, arg)]
    if isinstance(arg, list | tuple):
        return [found for i, item in enumerate(arg) for found in _indexed(item, f"{index}[{i}]")]
    return []  # a static argument: no numbers


class Untraceable(Exception):  # noqa: N818 -- not an error of the caller's: the call runs eagerly
    """A trace the compiled code could not repeat (an error caught inside f)."""


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
