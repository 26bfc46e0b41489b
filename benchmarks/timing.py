"""What both benchmark scripts need: timing runs fairly, and printing a table."""

from __future__ import annotations

from collections.abc import Callable


def best_of(repeats: int, *runs: Callable[[], float]) -> list[float]:
    """The best time of each run, repeated in turn so that all see the same machine state."""
    times = [[run() for run in runs] for _ in range(repeats)]
    return [min(column) for column in zip(*times)]


def row(*cells: str) -> None:
    """A row of a Markdown table."""
    print("| " + " | ".join(cells) + " |")


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x"
