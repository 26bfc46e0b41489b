"""The backward-pass stepper: the lecture's walk from the output back, one node at a time.

Built on `autodiff.backward_steps`. Step k shows the diagram after the first k nodes have passed
their gradients on: the k-th in purple, each of its edges labelled grad × derivative = what
crossed, and every grad as far as it is computed (``?`` where nothing has reached it yet, ``so
far`` where more is to come). Buttons step back and forth; play runs through the steps.

Going to step k recomputes it: every grad of the graph set to 0, then k steps of the pass. It
costs a partial backward pass per click (microseconds for the graphs a stepper can show; the
drawing costs milliseconds), and the graph's grads then are exactly those of the moment shown,
for anyone who reads them, with no saved copy of every moment to keep in step with the graph.
"""

from __future__ import annotations

import html
import itertools
from collections.abc import Sequence
from typing import Any

import ipywidgets

from autodiff.backprop import BackwardStep, backward_steps, topological_order
from autodiff.checks import as_float
from autodiff.diagrams import Step, draw
from autodiff.diagrams.diagram import Diagram
from autodiff.value import Value
from autodiff.widgets.viewer import Viewer, button


class Stepper(ipywidgets.VBox):  # type: ignore[misc]  # ipywidgets ships no type hints
    """Step through root's backward pass: buttons to the start, back, on and to the end, a
    slider, and play, above its diagram.

    ``options`` are `autodiff.draw`'s (``view``, ``params``, ``rankdir``, ...).
    """

    def __init__(self, root: Value, grad: float = 1.0, **options: Any) -> None:
        self.root = root
        self.seed = as_float(grad, "stepper(grad)")
        nodes = topological_order(root)
        self.values = [root, *nodes, *{p: None for node in nodes for p in node.parents}]
        self.options = options
        draw(root, **options)  # refuses a bad option now, not at the first click
        total = len(nodes)
        self.slider = ipywidgets.IntSlider(0, min=0, max=total, description="step")
        self.play = ipywidgets.Play(0, min=0, max=total, interval=1500, description="play")
        ipywidgets.jslink((self.play, "value"), (self.slider, "value"))
        self.first = button("", "the start: only the output has its grad", "fast-backward")
        self.back = button("", "one step back", "step-backward")
        self.next = button("", "the next node passes its grad back", "step-forward")
        self.last = button("", "the end: every grad is final", "fast-forward")
        self.status = ipywidgets.HTML()
        self.text = ""
        self.viewer = Viewer(self._draw(0)[0])
        self._tell()
        controls = ipywidgets.HBox([self.first, self.back, self.next, self.last, self.slider])
        super().__init__([controls, self.play, self.status, self.viewer])
        self.first.on_click(lambda _: self._to(0))
        self.back.on_click(lambda _: self._to(self.step - 1))
        self.next.on_click(lambda _: self._to(self.step + 1))
        self.last.on_click(lambda _: self._to(total))
        self.slider.observe(lambda change: self.go(change["new"]), names="value")

    def __repr__(self) -> str:
        """A line for where widgets cannot show (a notebook read without its widget state)."""
        return f"<backward-pass stepper of {_name(self.root)}: {self.text}>"

    @property
    def step(self) -> int:
        """How many nodes have passed their gradients on, from 0 to `total`."""
        return int(self.slider.value)

    @property
    def total(self) -> int:
        """How many steps the pass has: one per node made by an operation."""
        return int(self.slider.max)

    def go(self, k: int) -> Step:
        """Show step k (0: nothing passed yet); what it shows."""
        diagram, moment = self._draw(k)
        self.viewer.show(diagram)
        self._tell()  # last: once the line has changed, so has the picture
        return moment

    def _draw(self, k: int) -> tuple[Diagram, Step]:
        """Recompute step k: the graph's grads, what the status line will say, the diagram."""
        for v in self.values:
            v.grad = 0.0
        done = list(itertools.islice(backward_steps(self.root, self.seed), k))
        moment = Step.after(self.root, done)
        self.text = self._say(done)
        return draw(self.root, step=moment, **self.options), moment

    def _tell(self) -> None:
        self.status.value = html.escape(self.text)

    def _to(self, k: int) -> None:
        self.slider.value = max(0, min(k, self.total))  # the slider's observer shows it

    def _say(self, done: Sequence[BackwardStep]) -> str:
        k, total = len(done), self.total
        where = f"Step {k} of {total}: "
        if k == 0:
            seed = f"{self.seed:.4g}"
            return where + (
                f"The output {_name(self.root)} starts with grad {seed}, the seed; "
                "nothing has been passed back yet."
            )
        last = done[-1]
        grad = f"{last.grad:.4g}"
        if last.passed:
            parts = [
                f"to {_name(parent)}: {grad} × {d:.4g} = {g:.4g}"
                for (parent, g), d in zip(last.passed, last.node.partials)
            ]
            said = f"{_name(last.node)} passes its grad {grad} back, " + "; ".join(parts) + "."
        else:
            said = f"{_name(last.node)} has grad 0: it passes nothing back."
        if k == total:
            said += " Done: every grad is final, as backward() leaves them."
        return where + said


def _name(v: Value) -> str:
    """How the status line calls a Value: its label, else its operation, else its number."""
    if v.label:
        return v.label
    return f"the {v.op} node" if v.op else f"the leaf {v.data:.4g}"
