"""The diagram viewer: zoom, pan and search, for diagrams bigger than the output area.

A `Viewer` shows a rendered diagram (SVG, from dot or graphviz-pure: the picture `draw` gives)
in a frame of fixed height. The mouse wheel zooms around the pointer and a drag pans, in the
browser (`viewer.js`, an anywidget module: no build step, nothing fetched); the search box, the
buttons and the part of the diagram in view are Python state, so that they can be tested: a
search lists the boxes whose text matches, outlines them and dims the rest, and centres the
view on the first (↓: the next).

Why not graphviz-anywidget, which zooms and searches too: it lays the graph out again in the
browser, with a third version of Graphviz (compiled to WebAssembly), and ships 1.2 MB of
JavaScript (jQuery and Bootstrap included) that a notebook saving its widgets stores once per
diagram; its search runs in the browser, out of reach of a test in Python.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import anywidget
import ipywidgets
import traitlets

from autodiff.widgets.svg import Box, Picture, read

if TYPE_CHECKING:
    from autodiff.diagrams.diagram import Diagram

ZOOM = 1.5
"""How much a button press zooms in or out."""
PIXELS_PER_POINT = 4 / 3
"""An SVG of Graphviz measures in points; a browser shows a point as 4/3 of a CSS pixel."""
DEFAULT_MAX_HEIGHT = 600
"""The tallest a frame gets by default, in CSS pixels: taller diagrams start zoomed out."""

_CSS = """
.autodiff-viewer { overflow: hidden; border: 1px solid #dee2e6; cursor: grab;
  touch-action: none; user-select: none; background: white; }
.autodiff-viewer.dragging { cursor: grabbing; }
.autodiff-viewer > svg { width: 100%; height: 100%; display: block; }
.autodiff-viewer.searching g.node:not(.match) { opacity: 0.3; }
.autodiff-viewer g.node.match > polygon, .autodiff-viewer g.node.match > path {
  stroke: #f76707; stroke-width: 4px; }
"""


class Canvas(anywidget.AnyWidget):
    """The SVG in a frame, with the part in view (``view``: x, y, width, height in the SVG's
    units) and the ids of the boxes to outline (``matches``); ``height`` in CSS pixels."""

    _esm = Path(__file__).with_name("viewer.js")
    _css = _CSS
    svg = traitlets.Unicode("").tag(sync=True)
    view = traitlets.List(traitlets.Float(), [0.0, 0.0, 1.0, 1.0]).tag(sync=True)
    matches = traitlets.List(traitlets.Unicode()).tag(sync=True)
    height = traitlets.Int(DEFAULT_MAX_HEIGHT).tag(sync=True)


class Viewer(ipywidgets.VBox):  # type: ignore[misc]  # ipywidgets ships no type hints
    """A diagram to zoom, pan and search: a search box and buttons above the picture."""

    def __init__(self, diagram: Diagram, *, height: int | None = None) -> None:
        self.canvas = Canvas()
        self.query = ipywidgets.Text(
            placeholder="search: a label (y1.3), a unit (unit 2.1), a number",
            continuous_update=True,
            layout=ipywidgets.Layout(width="22em"),
        )
        self.searched = ""  # what was last searched for: typed, or asked by `search`
        self.found = ipywidgets.Label()
        self.next = button("↓", "centre on the next box found")
        self.zoom_in = button("+", "zoom in")
        self.zoom_out = button("−", "zoom out")
        self.whole = button("fit", "show the whole diagram")
        tools = [self.query, self.next, self.zoom_in, self.zoom_out, self.whole, self.found]
        super().__init__([ipywidgets.HBox(tools), self.canvas])
        self._height = height
        self.picture = Picture("", (0.0, 0.0, 0.0, 0.0), ())  # until the first is shown
        self.show(diagram)
        self.query.observe(lambda change: self.search(change["new"]), names="value")
        self.next.on_click(lambda _: self.next_match())
        self.zoom_in.on_click(lambda _: self.zoom(ZOOM))
        self.zoom_out.on_click(lambda _: self.zoom(1 / ZOOM))
        self.whole.on_click(lambda _: self.fit())

    def __repr__(self) -> str:
        """A line for where widgets cannot show (a notebook read without its widget state)."""
        return f"<diagram viewer: {len(self.picture.nodes)} boxes; zoom and search in Jupyter>"

    @property
    def view(self) -> Box:
        """The part of the diagram in view: x, y, width, height, in the SVG's units."""
        x, y, w, h = self.canvas.view
        return (x, y, w, h)

    @view.setter
    def view(self, box: Box) -> None:
        self.canvas.view = [float(v) for v in box]

    @property
    def matches(self) -> list[str]:
        """The names (n0, n1, ...) of the boxes the search found, in order."""
        ids = set(self.canvas.matches)
        return [node.name for node in self.picture.nodes if node.id in ids]

    def show(self, diagram: Diagram) -> None:
        """Show another diagram (the same graph with new numbers, say): the view stays where
        it is, unless it showed the whole diagram, which it then goes on doing; the search is
        run again on the new text."""
        fitted = self.canvas.svg == "" or self.view == self.picture.view
        self.picture = read(rendered(diagram), diagram.members)
        self.canvas.svg = self.picture.svg
        natural = round(self.picture.view[3] * PIXELS_PER_POINT) + 2
        self.canvas.height = self._height or min(DEFAULT_MAX_HEIGHT, natural)
        if fitted:
            self.fit()
        self._find(self.searched)

    def search(self, query: str) -> list[str]:
        """Outline the boxes whose text matches query, or that stand for a Value so labelled
        (see `Picture.search`), dim the rest and centre the view on the first; their names.
        Typing in the box searches so; a search from code leaves the box as it is."""
        self.searched = query
        found = self._find(query)
        if found:
            self._centre(found[0])
        return self.matches

    def next_match(self) -> None:
        """Centre the view on the match after the one in the middle of the view."""
        found = self.picture.search(self.searched)
        if found:
            x, y, w, h = self.view
            middle = (x + w / 2, y + h / 2)
            centres = [_middle(node.box) for node in found]
            here = min(range(len(found)), key=lambda i: _distance(centres[i], middle))
            self._centre(found[(here + 1) % len(found)].box)

    def zoom(self, factor: float) -> None:
        """Zoom in (factor > 1) or out around the middle of the view."""
        x, y, w, h = self.view
        cx, cy = x + w / 2, y + h / 2
        w, h = w / factor, h / factor
        self.view = (cx - w / 2, cy - h / 2, w, h)

    def fit(self) -> None:
        """Show the whole diagram."""
        self.view = self.picture.view

    def _find(self, query: str) -> list[Box]:
        found = self.picture.search(query)
        self.canvas.matches = [node.id for node in found]
        if not query.strip():
            self.found.value = ""
        elif not found:
            self.found.value = f"no box says {query.strip()!r}"
        else:
            names = ", ".join(node.lines[0] if node.lines else node.name for node in found[:3])
            more = f" and {len(found) - 3} more" if len(found) > 3 else ""
            self.found.value = f"{len(found)} found: {names}{more}"
        return [node.box for node in found]

    def _centre(self, box: Box) -> None:
        """The view centred on box, no more zoomed out than the diagram's natural size."""
        _, _, w, h = self.view
        natural = self.canvas.height / PIXELS_PER_POINT
        if h > natural:  # the whole of a tall diagram: come close enough to read
            w, h = w * natural / h, natural
        cx, cy = _middle(box)
        self.view = (cx - w / 2, cy - h / 2, w, h)


def rendered(diagram: Diagram) -> str:
    """A diagram's SVG markup, as a viewer shows it (from dot, or graphviz-pure)."""
    svg = diagram.pipe("svg", encoding="utf-8")
    assert isinstance(svg, str)  # an encoding was asked for
    return svg


def button(text: str, tooltip: str, icon: str = "") -> Any:
    """A small button of one symbol (or a Font Awesome icon, which JupyterLab and Jupyter
    Notebook bring, where a font may lack the symbol), which says what it does when pointed at."""
    return ipywidgets.Button(
        description=text, tooltip=tooltip, icon=icon, layout=ipywidgets.Layout(width="3.2em")
    )


def _middle(box: Box) -> tuple[float, float]:
    x, y, w, h = box
    return (x + w / 2, y + h / 2)


def _distance(a: tuple[float, float], b: tuple[float, float]) -> float:
    return (a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2
