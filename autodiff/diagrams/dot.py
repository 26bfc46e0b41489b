"""The DOT text of an influence diagram: a box per Value, an edge per input, the derivative on it.

Each box shows the Value's label and the operation that made it (``z = Σw·x+b``), its data and
its grad. Each edge goes from an input to the node that uses it and carries the local
derivative ∂node/∂input, as in the lectures: "the edge carries the derivative". An input used
twice by one operation (x * x) has two edges, one per path.

The text is deterministic: nodes are named n0, n1, ... in breadth-first order from the output
(never by ``id()``), so the same graph always gives the same text. Labels are plain DOT strings,
escaped here, so any user label shows verbatim, with Graphviz or graphviz-pure.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from autodiff.diagrams.paths import influence
from autodiff.value import Value, as_count, data_of

ClusterOf = Callable[[Value], str | None]

_KIND_STYLES: dict[str, dict[str, str]] = {
    "output": {"style": "filled,bold", "fillcolor": "#ffd8a8", "penwidth": "2"},
    "operation": {"style": "filled", "fillcolor": "white"},
    "parameter": {"style": "rounded,filled", "fillcolor": "#b2f2bb"},
    "leaf": {"style": "rounded,filled", "fillcolor": "#a5d8ff"},
}
_RED = "#e03131"
_HIGHLIGHT_NODE = {"color": _RED, "penwidth": "2"}
_HIGHLIGHT_EDGE = {"color": _RED, "fontcolor": _RED, "penwidth": "2"}
_HEADER = (
    "digraph influence {",
    '  node [shape="box" fontname="Helvetica" fontsize="11"]',
    '  edge [fontname="Helvetica" fontsize="9" arrowsize="0.7"]',
)
_MORE = "more"  # the id of the node that stands for what max_nodes leaves out


@dataclass(frozen=True)
class Options:
    """How to draw a diagram; ``autodiff.diagram.draw`` documents each option."""

    params: frozenset[Value] = frozenset()
    show_params: bool = True
    cluster: ClusterOf | None = None
    highlight: Value | None = None
    rankdir: str = "LR"
    show_grad: bool = True
    show_derivatives: bool = True
    number_format: str = ".4g"
    max_nodes: int = 200

    def __post_init__(self) -> None:
        if not isinstance(self.rankdir, str) or self.rankdir not in ("LR", "TB"):
            raise ValueError(f"rankdir must be 'LR' or 'TB', got {self.rankdir!r}")
        try:
            if not isinstance(self.number_format, str):
                raise TypeError
            format(1.5, self.number_format)
        except (TypeError, ValueError):
            raise ValueError(
                f"number_format {self.number_format!r} is not a format for floats; try '.4g'"
            ) from None
        as_count(self.max_nodes, "draw(max_nodes=...)")


@dataclass(frozen=True)
class DotText:
    """A diagram's DOT text, and how many Values and edges it draws.

    Counted as they are drawn, not read back from the text, where a label may hold " -> ";
    the marker that stands for what max_nodes leaves out, and its edges, are not counted.
    """

    source: str
    nodes: int
    edges: int


def dot_source(root: Value, options: Options) -> DotText:
    """The DOT text of the diagram of root's graph."""
    on_path = _highlighted(root, options.highlight)
    shown, cut, hidden = _select(root, options)
    ids = {v: f"n{i}" for i, v in enumerate(shown)}
    layout = {"rankdir": options.rankdir, "ranksep": _rank_separation(shown, ids)}
    lines = [*_HEADER, f"  graph [{_attributes(layout)}]"]
    kinds = [_kind(v, root, options.params) for v in shown]
    nodes = [
        f"{ids[v]} [{_attributes(_node_attributes(v, kind, v in on_path, options))}]"
        for v, kind in zip(shown, kinds)
    ]
    unclustered, clusters = _clusters(shown, nodes, options.cluster)
    lines.extend(f"  {node}" for node in unclustered)
    for number, (name, members) in enumerate(clusters.items()):
        lines.append(f"  subgraph cluster_{number} {{")
        lines.append(f"    graph [{_attributes(_cluster_attributes(name))}]")
        lines.extend(f"    {node}" for node in members)
        lines.append("  }")
    edges = list(_edges(shown, ids, on_path, options))
    lines.extend(f"  {edge}" for edge in edges)
    if cut:
        lines.extend(f"  {line}" for line in _truncation(shown, ids, cut, options.max_nodes))
    caption = _caption(kinds, hidden, options.highlight)
    lines.append(f'  graph [label={quoted(caption)} labelloc="b" fontname="Helvetica"]')
    lines.append("}")
    return DotText("\n".join(lines) + "\n", len(shown), len(edges))


def quoted(text: str) -> str:
    """text as a DOT string that Graphviz shows verbatim, each line of it on a line.

    Quotes and backslashes are escaped (Graphviz reads ``\\N``, ``\\l`` ... as escapes), and
    ampersands (it reads ``&alpha;`` as α); line breaks become ``\\n``, tabs spaces.
    Characters that SVG (XML) or UTF-8 cannot hold (control characters, lone surrogates)
    become U+FFFD.
    """
    lines = ("".join(_visible(ch) for ch in line) for line in text.splitlines())
    return '"' + "\\n".join(lines) + '"'


_ESCAPES = {'"': '\\"', "\\": "\\\\", "&": "&amp;", "\t": " "}


def _visible(ch: str) -> str:
    if ch in _ESCAPES:
        return _ESCAPES[ch]
    code = ord(ch)
    if code < 0x20 or 0xD800 <= code <= 0xDFFF or code in (0xFFFE, 0xFFFF):
        return "\N{REPLACEMENT CHARACTER}"
    return ch


def breadth_first(root: Value) -> list[Value]:
    """root and every Value it depends on, nearest first; parents in their order."""
    order = [root]
    seen = {root}
    for node in order:  # order grows while it is read: it is its own queue
        for parent in node.parents:
            if parent not in seen:
                seen.add(parent)
                order.append(parent)
    return order


def _select(root: Value, options: Options) -> tuple[list[Value], set[Value], int]:
    """The Values to show; those left out for max_nodes; how many parameters are hidden."""
    order = breadth_first(root)
    if options.show_params:
        visible = order
    else:
        visible = [v for v in order if v is root or _kind(v, root, options.params) != "parameter"]
    shown = visible[: options.max_nodes]
    return shown, set(visible[options.max_nodes :]), len(order) - len(visible)


def _kind(v: Value, root: Value, params: frozenset[Value]) -> str:
    if v is root:
        return "output"
    if v.primitive is not None:
        return "operation"
    return "parameter" if v in params else "leaf"


def _highlighted(root: Value, highlight: Value | None) -> frozenset[Value]:
    if highlight is None:
        return frozenset()
    on_path = influence(highlight, root)
    if not on_path:
        raise ValueError("highlight: the output does not depend on that Value")
    return on_path


def _node_attributes(v: Value, kind: str, on_path: bool, options: Options) -> dict[str, str]:
    title = " = ".join(part for part in (v.label, v.op) if part)
    lines = [title] if title else []
    lines.append(f"data {format(v.data, options.number_format)}")
    if options.show_grad:
        lines.append(f"grad {format(data_of(v.grad), options.number_format)}")
    highlight = _HIGHLIGHT_NODE if on_path else {}
    return {"label": "\n".join(lines), **_KIND_STYLES[kind], **highlight}


def _rank_separation(shown: list[Value], ids: Mapping[Value, str]) -> str:
    """Inches between ranks: more where many edges converge on one node, to tell them apart."""
    fan_in = max(sum(parent in ids for parent in v.parents) for v in shown)
    return f"{min(2.0, 0.5 + 0.05 * fan_in):.2f}"


def _clusters(
    shown: list[Value], nodes: list[str], cluster: ClusterOf | None
) -> tuple[list[str], dict[str, list[str]]]:
    """The node statements in no cluster, and those of each cluster, in order of appearance."""
    unclustered: list[str] = []
    clusters: dict[str, list[str]] = {}
    for v, node in zip(shown, nodes):
        name = None if cluster is None else cluster(v)
        if name is None:
            unclustered.append(node)
        elif isinstance(name, str):
            clusters.setdefault(name, []).append(node)
        else:
            raise TypeError(f"cluster() must return a str or None, got {type(name).__name__!r}")
    return unclustered, clusters


def _cluster_attributes(name: str) -> dict[str, str]:
    return {
        "label": name,
        "labelloc": "t",
        "style": "rounded,dashed",
        "color": "#868e96",
        "fontname": "Helvetica",
        "fontsize": "10",
    }


def _edges(
    shown: list[Value], ids: Mapping[Value, str], on_path: frozenset[Value], options: Options
) -> Iterable[str]:
    """An edge from each shown input to its user, with the local derivative ∂user/∂input."""
    for node in shown:
        for parent, derivative in zip(node.parents, node.partials):
            if parent not in ids:
                continue
            attributes = {}
            if options.show_derivatives:
                # An external label takes no room in the layout: many edges between two
                # layers stay compact (a plain label is a node of its own to the layout).
                attributes["xlabel"] = format(derivative, options.number_format)
            if node in on_path and parent in on_path:
                attributes.update(_HIGHLIGHT_EDGE)
            yield f"{ids[parent]} -> {ids[node]} [{_attributes(attributes)}]"


def _truncation(
    shown: list[Value], ids: Mapping[Value, str], cut: set[Value], max_nodes: int
) -> Iterable[str]:
    """A marker node for what max_nodes leaves out, with an edge to each node it feeds."""
    label = f"⋯ {len(cut)} more nodes not shown\n(max_nodes={max_nodes})"
    yield f"{_MORE} [{_attributes({'label': label, 'shape': 'note', 'style': 'dashed'})}]"
    for node in shown:
        if any(parent in cut for parent in node.parents):
            yield f'{_MORE} -> {ids[node]} [style="dashed"]'


def _caption(kinds: list[str], hidden: int, highlight: Value | None) -> str:
    leaves = "blue: other leaves" if "parameter" in kinds else "blue: leaves"
    legend = {"output": "orange: output", "parameter": "green: parameters", "leaf": leaves}
    notes = ["   ".join(text for kind, text in legend.items() if kind in kinds)]
    if hidden:
        notes.append(f"{hidden} parameters not shown")
    if highlight is not None:
        name = highlight.label or "the highlighted Value"
        notes.append(f"red: every path through which {name} influences the output")
    return "\n".join(notes)


def _attributes(attributes: Mapping[str, str]) -> str:
    return " ".join(f"{key}={quoted(value)}" for key, value in attributes.items())
