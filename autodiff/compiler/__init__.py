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
from autodiff.compiler.arguments import (
    NUMBER,
    as_floats,
    as_values,
    flatten,
    is_array,
    output_shape,
    shaped,
)
from autodiff.compiler.batch import REDUCTIONS, numpy
from autodiff.compiler.lower import GuardFailed, Lowering
from autodiff.compiler.python import build
from autodiff.compiler.trace import Batch, Mapped, Trace, TraceError
from autodiff.grad_mode import listening
from autodiff.value import Value

__all__ = ["Compiled", "TraceError", "compile"]

TRACES_KEPT = 8
"""Traces kept per structure of the arguments, the most recently used first."""
KEYS_KEPT = 64
"""Structures of the arguments (and values of static ones) kept, the most recent."""
LARGE = 50_000
"""Nodes in one trace beyond which compile warns: as many statements take seconds to compile."""
STRIKES = 3
"""Calls whose arguments of one structure could not be traced, before they run eagerly."""


def compile(
    f: Callable[..., Any],
    *,
    static_argnums: Sequence[int] = (),
    vectorize: bool = False,
    reduce: str | None = None,
    in_axes: Sequence[int | None] | None = None,
    teach: bool = False,
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
    gradient of a mean loss, for training). Needs NumPy. As in JAX's ``vmap``, ``in_axes``
    says, argument by argument, 0 where it is a batch (a row per sample) and None where it is
    the same for every sample: a number, or an array passed whole, such as a layer's matrix of
    weights, which f sees as lists of Values; by default each array is a batch. With
    ``reduce``, a list of numbers f returns comes back as a NumPy array, and the gradients of
    every number of an argument passed whole, in order, as that argument's array, flattened.

    ``teach``: code written for a class rather than for speed (the same results, bit for bit):
    a statement per node, and every gradient named after its node (``g_q``, ``g_t3``), each
    node's part of the backward pass opened by a comment ``# step k: q passes g_q back``,
    counted as `autodiff.stepper` counts its steps. Not with ``vectorize``.
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
    elif in_axes is not None:
        raise ValueError(
            "compile(in_axes=...) says which arguments are batches: it needs vectorize=True"
        )
    whole = _whole_positions(in_axes)
    if as_flag(teach, "compile(teach=...)") and vectorize:
        raise ValueError("compile(teach=True) writes code for one sample: not with vectorize")
    return Compiled(f, static, vectorize=vectorize, reduce=reduce, whole=whole, teach=teach)


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
        whole: frozenset[int] = frozenset(),
        teach: bool = False,
    ) -> None:
        functools.update_wrapper(self, f)
        self.f = f
        self.teach = teach
        self.name: str = getattr(f, "__name__", "f")
        self.static = static
        self.vectorize, self.reduce = vectorize, reduce
        self.whole = whole  # for a batch: the positions of arguments passed whole (in_axes None)
        # For a batch: the same function for one sample, which a batch falls back on.
        self.single = Compiled(f, static) if vectorize else None
        self.mapped: frozenset[int] = frozenset()  # positions of batches f maps over
        self._names: dict[int, list[str]] = {}
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
        key, numbers, spans = self._key(args, static)
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

    def _key(
        self, args: tuple[Any, ...], static: frozenset[int]
    ) -> tuple[Any, Sequence[float], list[int]]:
        """The structure of the arguments (the key of their traces), their numbers, and where
        each argument's numbers begin (and the last end). A batch that f maps over is keyed
        by the structure of its samples, not their count: its code loops over them."""
        if not static and not self.mapped and all(type(a) is float for a in args):
            return len(args), args, []
        numbers: list[float] = []
        spans: list[int] = []
        names = self.parameter_names(len(args))
        shapes = []
        for i, a in enumerate(args):
            spans.append(len(numbers))
            sample = _sample_shape(a) if i in self.mapped else None
            if sample is not None:
                shapes.append(("map", sample))
            else:
                shapes.append(flatten(a, numbers, i in static, f"{self.name}({names[i]}=...)"))
        spans.append(len(numbers))
        return tuple(shapes), tuple(numbers), spans

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
        if isinstance(key, tuple) and any(shape[0] == "map" for shape in key):
            if not self.mapped <= written.whole:  # f did not map over them this time
                kept[0] = None
        elif written.whole and not self.mapped:
            self.mapped = written.whole  # batches of another size reuse this trace
            self.kept[self._key(args, static)[0]] = kept
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
        self,
        args: tuple[Any, ...],
        static: frozenset[int],
        batched: Sequence[bool] = (),
        rows: frozenset[int] = frozenset(),
    ) -> Written:
        """f traced with args (numbers; for a batch, its first sample's, ``batched`` saying
        which numbers vary by sample, and ``rows`` which arguments are batches passed as one
        array) and written out as a function (for a batch, of the arrays and numbers, and the
        batch size ``_B``)."""
        parameters: dict[Value, str] = {}
        names = self.parameter_names(len(args))
        # Arguments that are one array in the code: passed whole, or a batch of rows.
        passed = rows | {i for i in self.whole if is_array(args[i])}
        trace = Trace()
        call_args = [
            as_values(a, names[i], {} if i in passed else parameters, i in static)
            for i, a in enumerate(args)
        ]
        if not self.vectorize:  # where f reads a list's size, a batch of another size differs
            call_args = [Batch(a, trace) if type(a) is list else a for a in call_args]
        out = self.run(call_args, trace)
        results: list[Any] = []
        if len(trace.steps) > LARGE:
            warnings.warn(
                f"compile: {self.name}'s trace has {len(trace.steps):,} steps, a statement each: "
                "CPython takes seconds to compile them. If it loops over samples, loop with "
                "autodiff.map over them as an argument, and it is written once (see the guide's "
                "page on compiling)",
                UserWarning,
                stacklevel=4,
            )
        batches = {id(b) for step in trace.steps if isinstance(step, Mapped) for b in step.batches}
        whole = passed | {i for i, a in enumerate(call_args) if id(a) in batches}
        arguments = [
            p
            for i, a in enumerate(call_args)
            for p in ([names[i]] if i in whole else _names_in(a, parameters))
        ]
        lowering: Lowering
        if self.vectorize:
            from autodiff.compiler import arrays  # noqa: PLC0415 -- NumPy's

            given = {names[i]: call_args[i] for i in passed}
            shape = arrays.output_shape(out, results, trace, given, self.reduce)
            flags = iter(batched)  # one per number, or per argument that is one array
            per_sample = set()
            for i, a in enumerate(call_args):
                if i in passed:
                    per_sample |= {v for _, v in _indexed(a)} if next(flags) else set()
                elif i not in static:
                    per_sample |= {v for _, v in _indexed(a) if next(flags)}
            lowering = arrays.ArrayLowering(trace, parameters, per_sample, given, self.reduce)
            operands = [lowering.result(r) for r in lowering.write(results)]
            arguments.append("_B")
        else:
            shape = output_shape(out, results)
            lowering = Lowering(trace, parameters, teach=self.teach)
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
        return Written(function, function.__source__, shape, frozenset(whole))  # type: ignore[attr-defined]

    def run(self, call_args: list[Any], trace: Trace) -> Any:
        """f on Values, heard by trace (transformations inside give Values, standing for the
        numbers the code computes)."""
        with listening(trace):
            out = self.f(*call_args)
        if trace.failure is not None:  # f caught it, and went on with what the code cannot know
            raise Untraceable(
                f"an operation raised ({type(trace.failure).__name__}: {trace.failure}), and "
                f"{self.name} went on"
            )
        return out

    def parameter_names(self, n: int) -> list[str]:
        """A name for each argument: its parameter's, or args_<i> for *args."""
        known = self._names.get(n)
        if known is None:
            known = self._names[n] = self._parameter_names(n)
        return known

    def _parameter_names(self, n: int) -> list[str]:
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


def _sample_shape(batch: Any) -> Any:
    """The structure every sample of batch has, if they all have one; else None. Numbers
    are floats, checked by type alone: anything else takes the way of `flatten`."""
    if not isinstance(batch, list | tuple) or not batch:
        return None
    try:
        shape = flatten(batch[0], [], False, "")
    except TypeError:
        return None
    return shape if all(_fits(sample, shape) for sample in batch) else None


def _fits(x: Any, shape: Any) -> bool:
    if shape == NUMBER:
        return type(x) is float
    kind, items = shape
    if type(x) is not kind or len(x) != len(items):
        return False
    if all(item == NUMBER for item in items):  # a sample's numbers: the common case, quickly
        return all(type(v) is float for v in x)
    return all(_fits(v, item) for v, item in zip(x, items))


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


def _whole_positions(in_axes: object) -> frozenset[int]:
    """The positions whose in_axes is None."""
    if in_axes is None:
        return frozenset()
    axes = list(in_axes) if isinstance(in_axes, list | tuple) else None
    if axes is None or not all(a is None or (type(a) is int and a == 0) for a in axes):
        raise TypeError(
            "compile(in_axes=...) needs a list or tuple with, for each argument, 0 (a batch) or "
            f"None (the same for every sample), got {in_axes!r}"
        )
    return frozenset(i for i, a in enumerate(axes) if a is None)


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
