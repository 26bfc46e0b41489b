"""The backward-pass stepper: the lecture's walk from the output back, one node at a time.

Built on `autodiff.backward_steps`. Step k shows the diagram after the first k nodes have passed
their gradients on: the k-th in purple, each of its edges labelled grad × derivative = what
crossed, and every grad as far as it is computed (``?`` where nothing has reached it yet, ``so
far`` where more is to come). Buttons step back and forth; play runs through the steps.

Beside the diagram, the same moment twice more: the local derivative of each edge the node
passes along, as its rule's formula (`autodiff.local_formulas`) and its number, and the code of
the backward pass (`compile(..., teach=True)` of the graph), its lines for this step
highlighted: the lectures' symbol-to-number and symbol-to-symbol views of one step.

Going to step k recomputes it: every grad of the graph set to 0, then k steps of the pass. It
costs a partial backward pass per click (microseconds for the graphs a stepper can show; the
drawing costs milliseconds), and the graph's grads then are exactly those of the moment shown,
for anyone who reads them, with no saved copy of every moment to keep in step with the graph.
"""

from __future__ import annotations

import html
import itertools
import os
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import ipywidgets

from autodiff.backprop import BackwardStep, backward_steps, topological_order
from autodiff.checks import as_float, as_positive
from autodiff.compiler.graphs import compile_graph, step_numbers
from autodiff.diagrams import Step, draw
from autodiff.diagrams.diagram import MAX_DPI, MIN_DPI, Diagram
from autodiff.diagrams.steps import Pinned
from autodiff.formulas import local_formulas
from autodiff.value import Value
from autodiff.widgets import animation
from autodiff.widgets.svg import Box, read
from autodiff.widgets.viewer import Viewer, button, rendered

_HIGHLIGHT = "#e5dbff"  # the purple of the node passing its gradient, lighter
AROUND = 6
"""Lines of code the panel shows above and below the step's (the saved page shows them all)."""
_CODE_STYLE = "margin: 0; font-size: 11px; line-height: 1.35; overflow-x: auto"


class Stepper(ipywidgets.VBox):  # type: ignore[misc]  # ipywidgets ships no type hints
    """Step through root's backward pass: buttons to the start (``first``), one step back
    (``back``), on (``next``) and to the end (``last``), a slider, and play, above its diagram;
    beside it, the step's formulas and the code of the pass with the step's lines highlighted.

    ``stepper.step = k`` (or ``go(k)``) shows step k, as the slider does; ``text`` is the line
    above the diagram, ``formulas`` and ``code`` what the panel beside it says, ``lines`` the
    numbers of the code's lines highlighted (from 1). ``options`` are `autodiff.draw`'s
    (``view``, ``params``, ``rankdir``, ...).
    """

    def __init__(self, root: Value, grad: float = 1.0, **options: Any) -> None:
        self.root = root
        self.seed = as_float(grad, "stepper(grad)")
        self.nodes = topological_order(root)
        self.values = [root, *self.nodes, *{p: None for n in self.nodes for p in n.parents}]
        self.options = options
        draw(root, **options)  # refuses a bad option now, not at the first click
        total = len(self.nodes)
        self.pinned = self._pin()
        self.code = compile_graph(root).source if self.nodes else ""
        self.numbers = step_numbers(root)  # each step's in the code
        self.slider = ipywidgets.IntSlider(0, min=0, max=total, description="step")
        self.play = ipywidgets.Play(0, min=0, max=total, interval=1500, description="play")
        ipywidgets.jslink((self.play, "value"), (self.slider, "value"))
        self.first = button("", "the start: only the output has its grad", "fast-backward")
        self.back = button("", "one step back", "step-backward")
        self.next = button("", "the next node passes its grad back", "step-forward")
        self.last = button("", "the end: every grad is final", "fast-forward")
        self.status = ipywidgets.HTML()
        self.formula_panel = ipywidgets.HTMLMath()
        self.code_panel = ipywidgets.HTML()
        self.text = ""
        self.formulas: list[tuple[str, str]] = []  # (LaTeX, plain text), a line each
        self.lines: list[int] = []
        diagram, self.moment = self._draw(0)
        self.viewer = Viewer(diagram)
        self.viewer.layout = ipywidgets.Layout(flex="1 1 auto", min_width="0")
        self._tell()
        controls = ipywidgets.HBox([self.first, self.back, self.next, self.last, self.slider])
        side = ipywidgets.VBox(
            [self.formula_panel, self.code_panel],
            layout=ipywidgets.Layout(flex="0 0 24em", padding="0 0 0 8px"),
        )
        views = ipywidgets.HBox([self.viewer, side])
        super().__init__([controls, self.play, self.status, views])
        self.first.on_click(lambda _: self.go(0))
        self.back.on_click(lambda _: self.go(max(0, self.step - 1)))
        self.next.on_click(lambda _: self.go(min(self.step + 1, self.total)))
        self.last.on_click(lambda _: self.go(self.total))
        self.slider.observe(lambda change: self._show(change["new"]), names="value")

    def __repr__(self) -> str:
        """A line for where widgets cannot show (a notebook read without its widget state)."""
        return f"<backward-pass stepper of {_name(self.root)}: {self.text}>"

    @property
    def step(self) -> int:
        """How many nodes have passed their gradients on, from 0 to `total`; set it to show
        that step (``stepper.step = 2``), as the slider does."""
        return int(self.slider.value)

    @step.setter
    def step(self, k: int) -> None:
        self.go(k)

    @property
    def total(self) -> int:
        """How many steps the pass has: one per node made by an operation."""
        return int(self.slider.max)

    def go(self, k: int) -> Step:
        """Show step k (0: nothing passed yet; `total`: the end), as the slider and the buttons
        do; the moment shown, as `autodiff.draw(step=...)` takes it."""
        if type(k) is not int or not 0 <= k <= self.total:
            raise ValueError(
                f"stepper step {k!r}: a whole number from 0 (nothing passed back yet) to "
                f"{self.total} (every node has passed its gradient on)"
            )
        if k == self.step:
            self._show(k)
        else:
            self.slider.value = k  # its observer shows it
        return self.moment

    def save(self, path: str | os.PathLike[str], *, fps: float = 1.0, dpi: float = 96) -> Path:
        """Save the walk, every step in turn, for a slide; where it was saved.

        ``.gif``: an animated GIF, each step's diagram with its text and formulas below it,
        ``fps`` steps a second (1 by default), rendered at ``dpi`` dots per inch (96 by default:
        a diagram's natural size on a screen; 150 or 200 for a projector). ``.html``: a page
        that needs nothing else: each step's diagram, text, formulas and code, with buttons,
        a slider and play (at ``fps``), as the stepper shows them. The stepper stays at its
        step.
        """
        target = Path(path)
        if target.suffix.lower() not in animation.FORMATS:
            raise ValueError(
                f"stepper.save({os.fspath(path)!r}): name a .gif (an animation) or an .html "
                "file (a page with buttons)"
            )
        rate = as_positive(fps, "stepper.save(fps=...)")
        if not 0.1 <= rate <= 50:
            raise ValueError(f"stepper.save(fps={fps!r}): from 0.1 to 50 steps a second")
        resolution = as_positive(dpi, "stepper.save(dpi=...)")
        if not MIN_DPI <= resolution <= MAX_DPI:
            raise ValueError(
                f"stepper.save(dpi={dpi!r}): from {MIN_DPI} to {MAX_DPI} dots per inch"
            )
        frames = []
        for k in range(self.total + 1):
            diagram, _ = self._draw(k)
            text = [self.text, *(plain for _, plain in self.formulas)]
            frames.append(animation.Frame(diagram, text, _code_html(self.code, self.lines)))
        self._show(self.step)  # the grads and the panel of the step shown, again
        if target.suffix.lower() == ".gif":
            animation.write_gif(target, frames, rate, resolution)
        else:
            animation.write_html(target, frames, rate, f"The backward pass of {_name(self.root)}")
        return target

    def _show(self, k: int) -> None:
        diagram, self.moment = self._draw(k)
        self.viewer.show(diagram)
        self._tell()  # last: once the line has changed, so has the picture

    def _pin(self) -> Pinned:
        """The whole pass, and each box's size: that of its widest text (every grad final
        and marked "so far"), with room for a longer number, so that no box moves."""
        for v in self.values:
            v.grad = 0.0
        passes = {step.node: step for step in backward_steps(self.root, self.seed)}
        widest = Step(partial=frozenset(self.values), pinned=Pinned(passes))
        picture = read(rendered(draw(self.root, step=widest, **self.options)))
        sizes = {node.name: _inches(node.box) for node in picture.nodes}
        return Pinned(passes, sizes)

    def _draw(self, k: int) -> tuple[Diagram, Step]:
        """Recompute step k: the graph's grads, what the text and the panel will say, the
        diagram."""
        for v in self.values:
            v.grad = 0.0
        done = list(itertools.islice(backward_steps(self.root, self.seed), k))
        moment = replace(Step.after(self.root, done), pinned=self.pinned)
        self.text = self._say(done)
        self.formulas = _formulas(done[-1]) if done else []
        self.lines = _lines_of_step(self.code, self.numbers[k - 1] if k else 0)
        return draw(self.root, step=moment, **self.options), moment

    def _tell(self) -> None:
        self.status.value = html.escape(self.text)
        self.formula_panel.value = "<br>".join(latex for latex, _ in self.formulas) or (
            "The seed: the output's gradient with respect to itself."
        )
        self.code_panel.value = _code_html(self.code, self.lines, around=AROUND)

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


def _inches(box: Box) -> tuple[float, float]:
    """A box's size in inches, from its size in points, with room for a longer number."""
    _, _, width, height = box
    return width / 72 + 0.2, height / 72


def _formulas(step: BackwardStep) -> list[tuple[str, str]]:
    """For each edge of the node passing: the rule's formula, the names it uses, and the
    number, in LaTeX (for the panel) and in plain text."""
    node = step.node
    formulas = local_formulas(node)
    inputs = [f.input for f in formulas]
    output = formulas[0].output if formulas else "y"
    named = zip([*inputs, output], [*node.parents, node])
    where = ", ".join(f"{symbol} is {_name(v)}" for symbol, v in named if _name(v) != symbol)
    made = []
    for formula, parent, d in zip(formulas, node.parents, node.partials):
        number = f"{d:.4g}" if isinstance(d, float) else str(d)
        value = "" if formula.expression == number else f" = {number}"  # not "∂z/∂x = 1 = 1"
        to = f"<small>(to {html.escape(_name(parent))})</small>"
        plain = f"{formula.text}{value} (to {_name(parent)})"
        made.append((f"$${formula.latex}{value}$$ {to}", plain))
    if made and where:
        made.append((f"<small>where {html.escape(where)}</small>", f"where {where}"))
    return made


def _lines_of_step(code: str, k: int | None) -> list[int]:
    """The numbers (from 1) of the lines of code that perform step k: from its comment to the
    next step's, or to the return; at step 0, the seed's line; none for a step the code has
    no comment for (None)."""
    lines = code.splitlines()
    if k is None:
        return []
    if k == 0:
        first = next((i for i, line in enumerate(lines) if "# step 1:" in line), 0)
        return [first] if first else []  # the line above step 1's: the seed, g_y = 1.0
    start = next((i for i, line in enumerate(lines) if f"# step {k}:" in line), None)
    if start is None:
        return []
    end = start + 1
    while end < len(lines) and not lines[end].strip().startswith(("# step ", "return ")):
        end += 1
    return list(range(start + 1, end + 1))


def _code_html(code: str, highlighted: Sequence[int], around: int | None = None) -> str:
    """The code as a block of HTML, the highlighted lines on a purple ground; with ``around``,
    only the first line, those within that many of the highlighted ones, and the last."""
    marked = set(highlighted)
    lines = code.splitlines()
    shown = set(range(1, len(lines) + 1))
    if around is not None and marked:
        near = range(min(marked) - around, max(marked) + around + 1)
        shown = {1, len(lines), *(n for n in near if 1 <= n <= len(lines))}
    rows = []
    for number, line in enumerate(lines, 1):
        if number not in shown:
            if number - 1 in shown:
                rows.append("    ⋮")
            continue
        text = html.escape(line) or " "
        if number in marked:
            text = f'<span class="step-line" style="background: {_HIGHLIGHT}">{text}</span>'
        rows.append(text)
    return f'<pre class="autodiff-code" style="{_CODE_STYLE}">' + "\n".join(rows) + "</pre>"


def _name(v: Value) -> str:
    """How the text calls a Value: its label, else its operation and what it computes
    ("the * node (x1·w1)"), else its number."""
    if v.label:
        return v.label
    return f"the {v.op} node ({_expression(v)[0]})" if v.op else f"the leaf {v.data:.4g}"


_INFIX = {"+": (" + ", 1), "-": (" − ", 1), "*": ("·", 2), "/": (" / ", 2)}
_ATOM = 3  # how tightly a label, a number or a call binds


def _expression(v: Value, depth: int = 2) -> tuple[str, int]:
    """What v computes, from its inputs' labels (or numbers), at most depth operations deep
    (… beyond); how tightly it binds (+ less than ·), for the parentheses of the one using it."""
    parts = [_operand(p, depth - 1) for p in v.parents]
    symbol = v.primitive.symbol  # type: ignore[union-attr]  # v is made by an operation
    if symbol in _INFIX and len(parts) == 2:
        joint, binds = _INFIX[symbol]
        (left, a), (right, b) = parts
        right_binds = b > binds or (b == binds and symbol in "+*")  # x − (y − z)
        left = left if a >= binds else f"({left})"
        right = right if right_binds else f"({right})"
        return f"{left}{joint}{right}", binds
    if v.op.startswith("**"):  # x ** 2, drawn **2
        text, binds = parts[0]
        return (text if binds == _ATOM else f"({text})") + v.op, _ATOM
    return f"{v.op}({', '.join(text for text, _ in parts)})", _ATOM


def _operand(v: Value, depth: int) -> tuple[str, int]:
    """An input as an expression names it: its label, its number, or what it computes."""
    if v.label:
        return v.label, _ATOM
    if v.primitive is None:
        return f"{v.data:.4g}", _ATOM
    return ("…", _ATOM) if depth == 0 else _expression(v, depth)
