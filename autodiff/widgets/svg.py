"""The boxes of a rendered diagram: where each one is in the SVG, and what it says.

A viewer searches the text of the boxes and centres its view on one, in Python, where it can be
tested. dot and graphviz-pure write the same structure: each box is a ``<g class="node">`` with
its name in ``<title>`` (n0, n1, ... as `autodiff.draw` names them), its shape and its lines of
``<text>``, in the coordinates of the group ``graph0`` (placed by its ``transform``). What the
picture does not say, the diagram does: the labels of the Values a unit's box stands for
(``y1.3``, ``w1.3.1``), which a search finds the box by too.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from xml.etree import ElementTree

_SVG = "{http://www.w3.org/2000/svg}"
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e-?\d+)?")
_TRANSFORM = re.compile(r"(scale|translate)\(([^)]*)\)")

Box = tuple[float, float, float, float]
"""x, y, width, height in the coordinates of the SVG's viewBox."""


@dataclass(frozen=True)
class Node:
    """One box of the diagram: the SVG element's id, the box's name, its lines, where it is,
    and the labels of the Values it stands for."""

    id: str
    name: str
    lines: tuple[str, ...]
    box: Box
    members: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        """The lines on one line, each run of spaces one space."""
        return " ".join(" ".join(self.lines).split())


@dataclass(frozen=True)
class Picture:
    """A rendered diagram: its markup, its viewBox, and its boxes in order."""

    svg: str
    view: Box
    nodes: tuple[Node, ...]

    def search(self, query: str) -> list[Node]:
        """The boxes whose text, or the label of a Value they stand for, holds query as whole
        words ('unit 2.1' is not 'unit 2.10'), or, failing that, as any part of a word ('unit
        2.1' while typing 'unit 2.12'); ignoring case and runs of spaces. None for ''."""
        words = " ".join(query.split()).casefold()
        if not words:
            return []
        whole = re.compile(rf"(?<!\S){re.escape(words)}(?!\S)")
        texts = [(node, " ".join((node.text, *node.members)).casefold()) for node in self.nodes]
        found = [node for node, text in texts if whole.search(text)]
        return found or [node for node, text in texts if words in text]


def read(svg: str | bytes, members: Mapping[str, tuple[str, ...]] | None = None) -> Picture:
    """The viewBox and the boxes of an SVG that dot or graphviz-pure rendered; ``members``:
    the labels each box stands for, by its name (`Diagram.members`)."""
    text = svg.decode("utf-8") if isinstance(svg, bytes) else svg
    root = ElementTree.fromstring(text)
    view = _numbers(root.get("viewBox", ""))
    if len(view) != 4:
        raise ValueError("not a diagram rendered by Graphviz: the SVG has no viewBox")
    graph = root.find(f"{_SVG}g")
    scale, shift = _placement(graph.get("transform", "") if graph is not None else "")
    nodes = []
    for group in root.iter(f"{_SVG}g"):
        if "node" not in group.get("class", "").split():
            continue
        points = [(scale[0] * (x + shift[0]), scale[1] * (y + shift[1])) for x, y in _points(group)]
        xs, ys = [x for x, _ in points], [y for _, y in points]
        box = (min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)) if points else (0, 0, 0, 0)
        lines = tuple(t.text or "" for t in group.iter(f"{_SVG}text"))
        name = group.findtext(f"{_SVG}title") or ""
        found = (members or {}).get(name, ())
        nodes.append(Node(group.get("id", ""), name, lines, box, found))
    return Picture(text, (view[0], view[1], view[2], view[3]), tuple(nodes))


def _numbers(text: str) -> list[float]:
    return [float(n) for n in _NUMBER.findall(text)]


def _placement(transform: str) -> tuple[tuple[float, float], tuple[float, float]]:
    """The scale and the shift of ``scale(...) rotate(0) translate(...)``: a point p is drawn
    at scale · (p + shift)."""
    scale, shift = (1.0, 1.0), (0.0, 0.0)
    for name, arguments in _TRANSFORM.findall(transform):
        numbers = _numbers(arguments) or [0.0]
        pair = (numbers[0], numbers[1] if len(numbers) > 1 else numbers[0])
        if name == "scale":
            scale = pair
        else:
            shift = pair if len(numbers) > 1 else (numbers[0], 0.0)
    return scale, shift


def _points(group: ElementTree.Element) -> list[tuple[float, float]]:
    """The corners of a box's shapes: polygon and path points, ellipses' extremes."""
    points: list[tuple[float, float]] = []
    for element in group.iter():
        tag = element.tag.removeprefix(_SVG)
        if tag in ("polygon", "polyline", "path"):
            numbers = _numbers(element.get("points") or element.get("d") or "")
            points.extend(zip(numbers[::2], numbers[1::2]))
        elif tag == "ellipse":
            cx, cy, rx, ry = (float(element.get(k, "0")) for k in ("cx", "cy", "rx", "ry"))
            points.extend([(cx - rx, cy - ry), (cx + rx, cy + ry)])
    return points
