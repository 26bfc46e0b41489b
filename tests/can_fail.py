"""Running a property against a deliberately wrong implementation, to see that it can fail."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import Phase, settings


def fails(prop: Callable[[], None], error: type[BaseException] = AssertionError) -> None:
    """The property, given many examples to find a failure, raises ``error``.

    Any failure will do: hypothesis neither shrinks it nor looks for others.
    """
    hunt = settings(
        database=None, max_examples=1000, phases=[Phase.generate], report_multiple_bugs=False
    )
    with pytest.raises(error):
        hunt(prop)()
