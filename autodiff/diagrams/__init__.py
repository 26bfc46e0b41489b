"""Influence diagrams of a Value's graph, to look at in Jupyter or save as SVG, PNG, PDF or DOT.

``draw(y)`` shows every Value y depends on, with its label, operation, data and grad, and on
every edge the local derivative it carries: dy/dx is the sum, over the paths from x to y, of
the products of the derivatives along them (``autodiff.paths`` lists those paths).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

from autodiff.diagrams.dot import ClusterOf, DotText, Options, dot_source
from autodiff.diagrams.rendering import RenderingError, render
from autodiff.value import Value, as_flag, as_value, as_values

__all__ = ["Diagram", "RenderingError", "draw", "format_of"]

SUFFIXES = {".svg": "svg", ".png": "png", ".pdf": "pdf", ".dot": "dot", ".gv": "dot"}
"""What ``Diagram.save`` writes, by the file's suffix."""


def draw(
    root: Value,
    *,
    params: Iterable[Value] = (),
    show_params: bool = True,
    cluster: ClusterOf | None = None,
    highlight: Value | None = None,
    rankdir: Literal["LR", "TB"] = "LR",
    show_grad: bool = True,
    show_derivatives: bool = True,
    number_format: str = ".4g",
    max_nodes: int = 200,
) -> Diagram:
    """The influence diagram of root's graph.

    Every Value is a box: its label and operation (``z = Σw·x+b``), its data and its grad (as
    the last ``backward()`` left it). Every edge goes from an input to the Value computed
    from it and carries the local derivative ∂value/∂input. The output (root) is orange;
    leaves are blue, except parameters, green. Which leaves are parameters (weights,
    biases: what training changes) cannot be seen from the graph: pass them as ``params``
    (e.g. ``model.parameters()``); the other leaves are inputs and constants.

    - ``show_params=False`` leaves the parameters out (the caption counts them): a whole
      network's forward pass then fits on a page.
    - ``cluster``: a function from a Value to the name of the box to group it in, or None
      (``nn.layer_of``, ``nn.neuron_of`` group by the labels nn gives its nodes).
    - ``highlight``: a Value whose paths to root are drawn in red.
    - ``rankdir``: 'LR' draws inputs on the left, 'TB' on top.
    - ``show_grad``, ``show_derivatives``: whether boxes show grads, edges derivatives.
    - ``number_format``: how numbers are formatted, as in ``format(x, '.4g')``.
    - ``max_nodes``: at most this many boxes, those nearest the output; a dashed marker
      stands for the rest and says how many there are.
    """
    as_value(root, "draw(root)")
    if cluster is not None and not callable(cluster):
        raise TypeError(f"draw(cluster=...) needs a function or None, got {cluster!r}")
    options = Options(
        params=frozenset(_parameters(params)),
        show_params=as_flag(show_params, "draw(show_params=...)"),
        cluster=cluster,
        highlight=None if highlight is None else as_value(highlight, "draw(highlight=...)"),
        rankdir=rankdir,
        show_grad=as_flag(show_grad, "draw(show_grad=...)"),
        show_derivatives=as_flag(show_derivatives, "draw(show_derivatives=...)"),
        number_format=number_format,
        max_nodes=max_nodes,
    )
    return Diagram(dot_source(root, options))


def _parameters(params: object) -> list[Value]:
    """draw's params: Values, or one Value alone, taken as the one parameter it is."""
    return [params] if isinstance(params, Value) else as_values(params, "draw(params=...)")


class Diagram:
    """An influence diagram: its DOT text (``source``), the number of Values (``nodes``) and
    edges (``edges``) it draws, and renderings of it.

    In Jupyter it displays itself as SVG; where nothing can render SVG it displays what to
    install instead. Rendering uses Graphviz's dot program, or for SVG, without it,
    graphviz-pure (the ``viz`` extra), SVG and PNG.
    """

    def __init__(self, dot: DotText) -> None:
        self.source = dot.source
        self.nodes = dot.nodes
        self.edges = dot.edges
        self._svg: bytes | None = None

    def __repr__(self) -> str:
        return f"<Diagram: {self.nodes} nodes, {self.edges} edges; .source holds its DOT text>"

    def render(self, image_format: str = "svg") -> bytes:
        """The diagram as 'svg', 'png', 'pdf' (or 'dot', its text); RenderingError if no
        renderer is installed, saying which to install."""
        if image_format == "dot":
            return self.source.encode("utf-8")
        if image_format != "svg":
            return render(self.source, image_format)
        if self._svg is None:  # Jupyter asks again on every display
            self._svg = render(self.source, "svg")
        return self._svg

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the diagram to path, in the format its suffix names (.svg .png .pdf .dot)."""
        path = Path(path)
        data = self.render(format_of(path))  # before opening: a failure leaves no empty file
        path.write_bytes(data)
        return path

    def _repr_mimebundle_(self, include: object = None, exclude: object = None) -> dict[str, str]:
        """Jupyter's display: SVG, or, if it cannot be rendered, the reason as text."""
        try:
            svg = self.render("svg").decode("utf-8")
        except RenderingError as error:
            return {"text/plain": f"{error}\n\nThe DOT text is in .source."}
        return {"image/svg+xml": svg, "text/plain": repr(self)}


def format_of(path: str | os.PathLike[str]) -> str:
    """The format a file of this name holds ('svg', 'png', 'pdf', 'dot'), from its suffix."""
    suffix = Path(path).suffix.lower()
    if suffix not in SUFFIXES:
        known = ", ".join(SUFFIXES)
        raise ValueError(f"cannot save {os.fspath(path)!r}: use a name ending in one of {known}")
    return SUFFIXES[suffix]
