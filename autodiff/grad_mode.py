"""Whether operations record the graph (`no_grad`), and the engine's one hook for a compiler.

The switch is a context variable, so it is private to each thread and each asyncio task. It
holds True or False; or, while `autodiff.compile` traces a function, a `Listening`: true or
false as recording is on or off, carrying the `Tracer` that hears what the graph alone does
not show. The engine tells a tracer, where one listens, of exactly these events (the methods
of `Tracer`); nothing else connects the engine to the compiler.
"""

from __future__ import annotations

import functools
import inspect
from abc import ABC, abstractmethod
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from types import TracebackType
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class Tracer(ABC):
    """What the engine tells a compiler tracing a function (`autodiff.compiler.trace.Trace`);
    a hook that returns something returns what the engine goes on with."""

    @abstractmethod
    def made(self, node: Any) -> Any:
        """An operation made a node."""

    @abstractmethod
    def detached(self, leaf: Any, op: Any, inputs: tuple[Any, ...]) -> Any:
        """An operation ran under no_grad: its result is a leaf, yet a function of inputs."""

    @abstractmethod
    def constant(self, leaf: Any) -> None:
        """An operation met a plain number among Values and made it this constant leaf."""

    @abstractmethod
    def compared(self, value: Any, comparison: str, other: object, outcome: bool) -> None:
        """Python asked a Value for a truth: ``value <comparison> other`` was outcome."""

    @abstractmethod
    def gradients(self, root: Any, seed: Any, inputs: list[Any]) -> dict[Any, Any]:
        """d root / d input, numbers (no graph asked for), for the inputs root depends on."""

    @abstractmethod
    def map(self, f: Callable[..., Any], batches: tuple[Any, ...]) -> list[Any]:
        """`autodiff.map` was called: f on each sample of the batches, which a compiler writes
        once."""

    @abstractmethod
    def failed(self, error: BaseException) -> None:
        """An operation or a backward pass raised (which the function may catch)."""

    @abstractmethod
    def refuse(self, what: str) -> None:
        """Something that cannot be traced was asked for (backward(), which sets .grad)."""


class Listening:
    """The state of recording while a tracer listens: true if recording is on."""

    __slots__ = ("on", "tracer")

    def __init__(self, tracer: Tracer, on: bool) -> None:
        self.tracer, self.on = tracer, on

    def __bool__(self) -> bool:
        return self.on


RECORDING: ContextVar[bool | Listening] = ContextVar("autodiff_recording", default=True)
"""True, False, or a Listening: read by every operation (``is not True`` is its fast test)."""


def is_grad_enabled() -> bool:
    """Whether operations on Values currently record the graph."""
    return bool(RECORDING.get())


def tracer() -> Tracer | None:
    """The tracer listening in this thread or task, if a function is being traced."""
    state = RECORDING.get()
    return None if state is True or state is False else state.tracer


def set_recording(on: bool) -> Token[bool | Listening]:
    """Switch recording on or off, still telling a listening tracer; reset with the token."""
    state = RECORDING.get()
    if state is True or state is False:
        return RECORDING.set(on)
    return RECORDING.set(Listening(state.tracer, on))


@contextmanager
def recording(on: bool) -> Iterator[None]:
    """Recording on or off inside the block (a listening tracer still hears everything)."""
    token = set_recording(on)
    try:
        yield
    finally:
        RECORDING.reset(token)


@contextmanager
def listening(tracer: Tracer) -> Iterator[None]:
    """Let tracer hear the engine inside the block, recording on."""
    token = RECORDING.set(Listening(tracer, True))
    try:
        yield
    finally:
        RECORDING.reset(token)


class no_grad:  # noqa: N801 -- named like torch.no_grad, and used like a function
    """Inside this block, or in a function decorated with it, operations record no graph.

    Results are plain leaves: their ``data`` is computed, but nothing links them to their
    inputs, so nothing is kept alive for a backward pass. Use it for evaluation and for
    parameter updates. As a decorator it also covers async functions (while they run) and
    generators (while each step runs, not while they are suspended).
    """

    def __init__(self) -> None:
        self._tokens: list[Token[bool | Listening]] = []

    def __enter__(self) -> None:
        self._tokens.append(set_recording(False))

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        RECORDING.reset(self._tokens.pop())

    def __call__(self, func: F) -> F:
        if inspect.iscoroutinefunction(func):

            async def run_async(*args: Any, **kwargs: Any) -> Any:
                with no_grad():
                    return await func(*args, **kwargs)

            return functools.wraps(func)(run_async)  # type: ignore[return-value]
        if inspect.isgeneratorfunction(func):

            def run_generator(*args: Any, **kwargs: Any) -> Any:
                return (yield from _each_step_without_grad(func(*args, **kwargs)))

            return functools.wraps(func)(run_generator)  # type: ignore[return-value]

        def run(*args: Any, **kwargs: Any) -> Any:
            with no_grad():
                return func(*args, **kwargs)

        return functools.wraps(func)(run)  # type: ignore[return-value]


def _each_step_without_grad(steps: Generator[Any, Any, Any]) -> Generator[Any, Any, Any]:
    """Run a generator with recording off during each of its steps, and on in between."""
    sent: Any = None
    thrown: BaseException | None = None
    while True:
        with no_grad():
            try:
                item = steps.send(sent) if thrown is None else steps.throw(thrown)
            except StopIteration as stop:
                return stop.value
        sent, thrown = None, None
        try:
            sent = yield item
        except GeneratorExit:
            steps.close()
            raise
        except BaseException as error:  # passed on to the generator, as yield from does
            thrown = error
