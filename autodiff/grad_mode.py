"""Switching graph recording off: `no_grad()`.

The switch is a context variable, so it is private to each thread and each asyncio task.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Generator
from contextvars import ContextVar, Token
from types import TracebackType
from typing import Any, TypeVar

_recording: ContextVar[bool] = ContextVar("autodiff_recording", default=True)
F = TypeVar("F", bound=Callable[..., Any])


def is_grad_enabled() -> bool:
    """Whether operations on Values currently record the graph."""
    return _recording.get()


class no_grad:  # noqa: N801 -- named like torch.no_grad, and used like a function
    """Inside this block, or in a function decorated with it, operations record no graph.

    Results are plain leaves: their ``data`` is computed, but nothing links them to their
    inputs, so nothing is kept alive for a backward pass. Use it for evaluation and for
    parameter updates. As a decorator it also covers async functions (while they run) and
    generators (while each step runs, not while they are suspended).
    """

    def __init__(self) -> None:
        self._tokens: list[Token[bool]] = []

    def __enter__(self) -> None:
        self._tokens.append(_recording.set(False))

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        _recording.reset(self._tokens.pop())

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
