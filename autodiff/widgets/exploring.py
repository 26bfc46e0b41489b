"""The what-if explorer: a slider per input, and the diagram redrawn as one moves.

The expression is a Python function of Values, ``f(x=..., w=..., b=...)``, so moving a slider
can run it again: a new graph from the new numbers, its backward pass, its diagram (values,
grads and the derivatives on the edges all change). Replaying a recorded graph instead would
miss whatever the function decides from its numbers (a branch, a max).
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import ipywidgets

from autodiff.backprop import topological_order
from autodiff.checks import as_float
from autodiff.diagrams import draw
from autodiff.diagrams.diagram import Diagram
from autodiff.value import Value
from autodiff.widgets.viewer import Viewer

Range = float | tuple[float, float]
"""A slider's start: a number (the slider spans it ± max(1, |number|)), or a pair (low, high),
starting in the middle."""


class Explorer(ipywidgets.VBox):  # type: ignore[misc]  # ipywidgets ships no type hints
    """Sliders for f's arguments, the value and derivatives of f, and its diagram.

    ``params`` names the arguments to draw as parameters; ``options`` are `autodiff.draw`'s,
    ``steady`` by default: a move changes the numbers, not where the boxes are.
    """

    def __init__(
        self,
        f: Callable[..., Any],
        inputs: Mapping[str, Range],
        *,
        params: Iterable[str] = (),
        **options: Any,
    ) -> None:
        if not inputs:
            raise ValueError("explore() needs a start for each argument of f, as x=2.0")
        self.f = f
        self.params = _names(params, inputs)
        self.options = {"steady": True, **options}
        self.sliders = {name: _slider(name, start) for name, start in inputs.items()}
        self.readout = ipywidgets.HTML()
        self.text = ""
        self.failed = False  # whether text says why f could not be run
        self.output: Value | None = None
        diagram = self._run()  # a mistake in f or in an option raises now
        assert diagram is not None
        self.viewer = Viewer(diagram)
        self._tell()
        super().__init__([ipywidgets.VBox(list(self.sliders.values())), self.readout, self.viewer])
        for slider in self.sliders.values():
            slider.observe(lambda _: self.update(), names="value")

    def __repr__(self) -> str:
        """A line for where widgets cannot show (a notebook read without its widget state)."""
        return f"<what-if explorer: {self.text}>"

    @property
    def inputs(self) -> dict[str, float]:
        """Each argument's number, as its slider says."""
        return {name: float(slider.value) for name, slider in self.sliders.items()}

    def set(self, **numbers: float) -> None:
        """Move sliders, as a hand would (each move redraws)."""
        for name, number in numbers.items():
            if name not in self.sliders:
                raise ValueError(f"no slider is called {name!r}: {', '.join(self.sliders)}")
            self.sliders[name].value = as_float(number, f"set({name})")

    def update(self) -> None:
        """Run f on the sliders' numbers, then backward, and redraw; at a point where f has no
        value or no derivative (log of a negative number), say why and keep the last diagram."""
        diagram = self._run()
        if diagram is not None:
            self.viewer.show(diagram)
        self._tell()  # last: once the line has changed, so has the picture

    def _run(self) -> Diagram | None:
        """f and its backward pass at the sliders' numbers, and its diagram; None where f has
        no value or derivative there (``text`` then says why; at the start, it raises)."""
        values = {name: Value(number, name) for name, number in self.inputs.items()}
        try:
            output = self.f(**values)
            if not isinstance(output, Value):
                raise TypeError(f"f must return a Value, got {type(output).__name__!r}")
            for node in topological_order(output):
                for parent in node.parents:  # the model's parameters too: from 0, not summed
                    parent.grad = 0.0
            output.backward()
        except (ArithmeticError, ValueError) as error:
            if self.output is None:
                raise
            self.text, self.failed = f"{_point(self.inputs)}: {error}", True
            return None
        params = [values[name] for name in self.params]
        diagram = draw(output, params=params, **self.options)
        self.output = output
        name = output.label or "f"
        grads = ", ".join(f"∂{name}/∂{n} = {v.grad:.4g}" for n, v in values.items())
        self.text, self.failed = f"{name} = {output.data:.4g}; {grads}", False
        return diagram

    def _tell(self) -> None:
        colour = "#c92a2a" if self.failed else "inherit"
        self.readout.value = f'<span style="color: {colour}">{html.escape(self.text)}</span>'


def _slider(name: str, start: Range) -> Any:
    if isinstance(start, tuple):
        if len(start) != 2:
            raise ValueError(f"explore({name}=...): a range is a pair (low, high), got {start!r}")
        low, high = (as_float(x, f"explore({name}=...)") for x in start)
        value = (low + high) / 2
    else:
        value = as_float(start, f"explore({name}=...)")
        spread = max(1.0, abs(value))
        low, high = value - spread, value + spread
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise ValueError(f"explore({name}=...) needs finite numbers, low < high; got {start!r}")
    return ipywidgets.FloatSlider(
        value,
        min=low,
        max=high,
        step=(high - low) / 200,
        description=name,
        readout_format=".4g",
        continuous_update=True,
    )


def _names(params: Iterable[str], inputs: Mapping[str, Range]) -> list[str]:
    if isinstance(params, str):
        params = [params]
    names = list(params)
    for name in names:
        if name not in inputs:
            raise ValueError(f"explore(params=...): {name!r} is not one of f's arguments")
    return names


def _point(inputs: Mapping[str, float]) -> str:
    return "at " + ", ".join(f"{name} = {number:.4g}" for name, number in inputs.items())
