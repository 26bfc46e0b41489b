"""Switching graph recording off: `no_grad()`.

The switch is a context variable, so it is private to each thread and each asyncio task.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_recording: ContextVar[bool] = ContextVar("autodiff_recording", default=True)


def is_grad_enabled() -> bool:
    """Whether operations on Values currently record the graph."""
    return _recording.get()


@contextmanager
def no_grad() -> Iterator[None]:
    """Inside this block (or a function decorated with it) operations record no graph.

    Results are plain leaves: their ``data`` is computed, but nothing links them to their inputs,
    so nothing is kept alive for a backward pass. Use it for evaluation and parameter updates.
    """
    token = _recording.set(False)
    try:
        yield
    finally:
        _recording.reset(token)
