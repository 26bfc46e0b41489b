"""Running a property against a deliberately wrong implementation, to see that it can fail."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import Phase, settings


def fails(prop: Callable[[], None], error: type[BaseException] = AssertionError) -> None:
    """The property, given many examples to find a failure, raises ``error``.

    Hypothesis stops at the first failure, so a property that does fail costs little; any
    failure will do: hypothesis neither shrinks it nor looks for others. No example database,
    so a failure saved by an earlier run cannot stand in for finding one.
    """
    hunt = settings(
        database=None, max_examples=2000, phases=[Phase.generate], report_multiple_bugs=False
    )
    with pytest.raises(error):
        hunt(prop)()
