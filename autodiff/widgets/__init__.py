"""Widgets for Jupyter: step through a backward pass, explore what-ifs, zoom into a diagram.

- ``stepper(root)``: the backward pass of root, one node at a time, back and forth or played,
  with each step's formula and code beside it, and saved as an animation for slides;
- ``explore(f, x=2.0, ...)``: a slider per argument of f; each move runs f, then backward, and
  redraws its diagram;
- ``zoom(diagram)``: a diagram to zoom, pan and search, for one bigger than the output area.

They need ipywidgets and anywidget (the ``notebooks`` extra), imported only when a widget is
made, so that the engine needs nothing beyond the standard library; and a diagram renderer, as
`autodiff.draw` does (Graphviz's dot, or graphviz-pure). They run in JupyterLab and Jupyter
Notebook, and in Python anywhere (as objects whose state can be read and changed).
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from autodiff.checks import as_count
from autodiff.diagrams import draw
from autodiff.distribution import install_hint
from autodiff.value import Value

if TYPE_CHECKING:
    from autodiff.diagrams.diagram import Diagram
    from autodiff.widgets.exploring import Explorer, Range
    from autodiff.widgets.stepping import Stepper
    from autodiff.widgets.viewer import Viewer

__all__ = ["explore", "stepper", "zoom"]

MAX_HEIGHT = 10_000
"""The tallest frame `zoom` makes, in pixels."""


def stepper(root: Value, grad: float = 1.0, **options: Any) -> Stepper:
    """Step through ``root.backward(grad)`` one node at a time, on root's influence diagram.

    Step k shows the graph after k nodes have passed their gradients back: the k-th in purple,
    each of its edges labelled grad × derivative = what crossed, and each grad as far as it
    is computed (``?``: nothing has reached it yet; ``so far``: more is to come). Buttons step
    on, back, to the start and to the end; the slider goes to any step; play runs through
    them; ``stepper.step = k`` goes to step k from code. Beside the diagram, each edge's
    local derivative as its rule's formula with its number, and the code of the pass
    (``compile(..., teach=True)``) with the step's lines highlighted. While you step, the
    graph's grads are those of the step shown (each step is recomputed from grads of 0); at
    the last, those of a fresh ``backward()``. ``stepper.save("backward.gif")`` (or ``.html``)
    saves the walk for a slide. ``options`` are `autodiff.draw`'s (``view``, ``params``, ...).
    """
    if not isinstance(root, Value):
        raise TypeError(f"stepper(root) needs a Value, got {type(root).__name__!r}")
    module: Any = _module("stepping")
    made: Stepper = module.Stepper(root, grad, **options)
    return made


def explore(
    f: Callable[..., Any], /, *, params: Iterable[str] = (), **keywords: Range | Any
) -> Explorer:
    """Sliders for the arguments of f, a function of Values: ``explore(lambda x, w, b:
    (x*w + b).tanh(), x=2.0, w=-3.0, b=6.88)``.

    Each argument named starts at its number, on a slider spanning number ± max(1, |number|),
    or, given a pair (low, high), in its middle. Each move calls f with Values of the sliders'
    numbers (labelled with the arguments' names), runs backward (the grads of the Values it
    reaches, parameters of a model included, from 0), and redraws the diagram, with f's value
    and its derivatives in a line above. ``params`` names the arguments drawn as parameters;
    the other keywords, not f's arguments, are `autodiff.draw`'s options (``view``, ...),
    with ``steady=True`` unless given: the boxes stay where they are as the numbers change.
    """
    arguments, required = _arguments(f)
    inputs = {k: v for k, v in keywords.items() if k in arguments}
    missing = [name for name in required if name not in inputs]
    if missing:
        starts = ", ".join(f"{name}=..." for name in missing)
        raise TypeError(f"explore(): give each argument of f a start, as {starts}")
    drawing = {k: v for k, v in keywords.items() if k not in arguments}
    unknown = drawing.keys() - (draw.__kwdefaults__ or {}).keys()
    if unknown:
        raise TypeError(
            f"explore(): {', '.join(sorted(unknown))} is neither an argument of f "
            f"({', '.join(arguments)}) nor an option of autodiff.draw"
        )
    module: Any = _module("exploring")
    made: Explorer = module.Explorer(f, inputs, params=params, **drawing)
    return made


def zoom(diagram: Diagram | Value, *, height: int | None = None, **options: Any) -> Viewer:
    """A diagram you can zoom (the wheel, + −), pan (drag) and search (the box above it).

    ``diagram`` is one that `autodiff.draw` (or ``draw_dot``) made, or a Value, drawn with
    ``options``. ``height``: the frame's height in pixels (default: the diagram's, at most
    600; a taller diagram starts zoomed out to fit). A search outlines the boxes whose text
    has the words typed (a label, ``unit 2.1``, a number), or that stand for a Value so
    labelled (a unit's box for ``y1.3``, ``z1.3``, ``w1.3.1``), dims the rest and centres on
    the first; ↓ goes to the next.
    """
    if isinstance(diagram, Value):
        diagram = draw(diagram, **options)
    elif options:
        raise TypeError(f"zoom(): options ({', '.join(options)}) are for drawing a Value")
    if not callable(getattr(diagram, "pipe", None)):
        raise TypeError(
            f"zoom() needs a diagram from autodiff.draw, or a Value; got {type(diagram).__name__!r}"
        )
    if height is not None and as_count(height, "zoom(height=...)") > MAX_HEIGHT:
        raise ValueError(f"zoom(height={height}): at most {MAX_HEIGHT} pixels, a few screens")
    module: Any = _module("viewer")
    made: Viewer = module.Viewer(diagram, height=height)
    return made


def _arguments(f: Callable[..., Any]) -> tuple[list[str], list[str]]:
    """The names f takes by keyword, and those of them without a default."""
    try:
        parameters = inspect.signature(f).parameters.values()
    except (TypeError, ValueError):  # not callable, or a builtin that keeps its names to itself
        raise TypeError(
            f"explore(f) needs a Python function of Values (a def or a lambda), got {f!r}"
        ) from None
    named = [p for p in parameters if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    return [p.name for p in named], [p.name for p in named if p.default is p.empty]


def _module(name: str) -> object:
    """One of the modules that make widgets with ipywidgets, imported now."""
    try:
        importlib.import_module("ipywidgets")
        importlib.import_module("anywidget")
    except ImportError:
        raise ImportError(
            f"autodiff's widgets need ipywidgets and anywidget: {install_hint('notebooks')}"
        ) from None
    return importlib.import_module(f"autodiff.widgets.{name}")
