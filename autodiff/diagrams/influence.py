"""The influence diagram of a Value's graph, built with the graphviz package.

Each box is a Value (``view="values"``) or, for a network, a unit: the z and y of one neuron
with its parameters folded in (``view="units"``, the lectures' picture; see
`autodiff.diagrams.units`). Each edge goes from an input to the box that uses it and carries
the local derivative ∂node/∂input, as in the lectures: "the edge carries the derivative".
Derivatives are written where they can be read: on edges between sparse nodes, on the paths
``highlight`` asks for, and for a vector operation (softmax) as a table of its Jacobian beside
it; the caption says how many are left out and how to see them.

The text is deterministic: boxes are named n0, n1, ... in breadth-first order from the output
(never by ``id()``); a layer's units are kept in their order by invisible edges, so top to
bottom reads 1, 2, 3, ... with either renderer. Labels are user text: escaped here, so any
label shows verbatim (never read as DOT escapes or HTML).

A `Step` of the backward pass (what `autodiff.widgets`' stepper shows) is drawn on top: the node
passing its gradient in purple, each edge it passes along labelled grad × derivative = what
crossed, and the grads not final yet marked as such. Its box and edges carry the SVG classes
``step`` and ``passed``, for a page to find them.
"""

from __future__ import annotations

import functools
import html
import itertools
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Literal

from graphviz import nohtml

from autodiff.checks import as_count
from autodiff.diagrams.diagram import Diagram
from autodiff.diagrams.paths import breadth_first, influence
from autodiff.diagrams.steps import Step
from autodiff.diagrams.units import Unit, is_parameter, unit_of
from autodiff.formulas import Formula, local_formulas
from autodiff.value import Value, data_of

ClusterOf = Callable[[Value], str | None]
View = Literal["auto", "values", "units"]

MAX_NODES = 500
"""The most boxes a diagram draws: more take seconds to minutes to lay out, and cannot be read."""
SPARSE = 3
"""An edge carries its derivative when its ends have at most this many edges on that side."""
ROOMY = 40
"""At most this many derivatives between a network's layers are labels the layout makes room
for (a 2-4-4-1 MLP's 28 edges; a diagram some 1.6 times as tall); more are written beside their
edges, which keeps a 2-16-16-1 MLP's 288 from making it eight times as tall."""

_KIND_STYLES: dict[str, dict[str, str]] = {
    "output": {"style": "filled,bold", "fillcolor": "#ffd8a8", "penwidth": "2"},
    "operation": {"style": "filled", "fillcolor": "white"},
    "unit": {"style": "rounded,filled", "fillcolor": "#fff3bf"},
    "parameter": {"style": "rounded,filled", "fillcolor": "#b2f2bb"},
    "leaf": {"style": "rounded,filled", "fillcolor": "#a5d8ff"},
}
_RED = "#e03131"
_HIGHLIGHT_NODE = {"color": _RED, "penwidth": "2"}
_HIGHLIGHT_EDGE = {"color": _RED, "fontcolor": _RED, "penwidth": "2"}
_PURPLE = "#7048e8"
_STEP_NODE = {"color": _PURPLE, "penwidth": "3", "fillcolor": "#e5dbff", "class": "step"}
_STEP_EDGE = {"color": _PURPLE, "fontcolor": _PURPLE, "penwidth": "2.5", "class": "passed"}
_FONTS = {False: "Helvetica", True: "Courier"}  # by `Options.steady`
_MORE = "more"  # the id of the node that stands for what max_nodes leaves out


@dataclass(frozen=True)
class Options:
    """How to draw a diagram; ``autodiff.draw`` documents each option."""

    view: View = "auto"
    params: frozenset[Value] = frozenset()
    show_params: bool | None = None
    cluster: ClusterOf | None = None
    highlight: Value | None = None
    rankdir: str = "LR"
    show_grad: bool = True
    show_derivatives: bool | None = None
    show_formulas: bool = False
    number_format: str = ".4g"
    steady: bool = False
    max_nodes: int = 200
    step: Step | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.view, str) or self.view not in ("auto", "values", "units"):
            raise ValueError(f"view must be 'auto', 'values' or 'units', got {self.view!r}")
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
        count = as_count(self.max_nodes, "draw(max_nodes=...)")
        if count > MAX_NODES:
            raise ValueError(
                f"draw(max_nodes={count}): a diagram draws at most {MAX_NODES} boxes; more "
                "take minutes to lay out and cannot be read. Draw a part of the graph (a "
                "Value nearer the inputs), or, for a network, view='units'"
            )

    @property
    def font(self) -> str:
        return _FONTS[self.steady]

    def number(self, x: object) -> str:
        """x as the diagram writes it; steady, padded to the width of the widest number the
        format writes, in a font whose characters are all as wide: the same room for any x."""
        text = format(x, self.number_format)
        return text.rjust(_widest(self.number_format)) if self.steady else text

    def grad(self, v: Value) -> str:
        """v's grad as the diagram writes it: ``?`` where a `Step` says that nothing has
        reached it yet, ``so far`` where more is to come."""
        shown = self.number(data_of(v.grad))
        if self.step is None or v not in self.step.waiting | self.step.partial:
            return shown
        return "?" if v in self.step.waiting else f"{shown} so far"


@functools.cache
def _widest(number_format: str) -> int:
    """How many characters the widest number this format writes has: any float for 'g' and
    'e' formats (a three-digit exponent), up to a million for 'f' (wider ones take more room)."""
    return max(len(format(x, number_format)) for x in (-8.888888e-188, -888888.888888))


@dataclass
class Box:
    """One box of the diagram: a Value, or a unit with the Values of its neuron."""

    values: list[Value]
    unit: Unit | None = None
    kind: str = "operation"
    id: str = ""
    users: int = 0  # edges drawn out of it and into it, to tell dense layers
    inputs: int = 0


@dataclass
class Layout:
    """What is drawn: the boxes in order, the box of each Value, and what is left out."""

    boxes: list[Box]
    box_of: dict[Value, Box]
    cut: list[Box]
    hidden_params: int
    units: bool
    on_path: frozenset[Value] = field(default_factory=frozenset)


def build(root: Value, options: Options) -> Diagram:
    """The influence diagram of root's graph."""
    order = breadth_first(root)
    on_path = _highlighted(root, options.highlight)
    layout = _layout(root, order, options, on_path)
    shown = set(map(id, layout.boxes))
    edges = list(_edges(layout, shown, options))
    for source, target, *_ in edges:
        source.users += 1
        target.inputs += 1
    graph = Diagram(
        name="influence",
        node_attr={"shape": "box", "fontname": options.font, "fontsize": "11"},
        edge_attr={"fontname": options.font, "fontsize": "9", "arrowsize": "0.7"},
        graph_attr={"rankdir": options.rankdir, "ranksep": _rank_separation(layout)},
        node_count=len(layout.boxes),
        edge_count=len(edges),
        members={box.id: tuple(v.label for v in box.values if v.label) for box in layout.boxes},
    )
    _draw_boxes(graph, layout, options)
    beside = _beside(edges, layout, options)
    unlabelled = _draw_edges(graph, edges, layout, options, beside > 0)
    _keep_units_in_order(graph, layout)
    tables = _draw_jacobians(graph, layout, options)
    if layout.cut:
        _draw_truncation(graph, layout, options.max_nodes)
    caption = _caption(layout, options, unlabelled, len(edges), tables, beside)
    graph.attr(label=escaped(caption), labelloc="b", fontname=options.font)
    return graph


def escaped(text: str) -> str:
    """text as a label Graphviz shows verbatim, each line of it on a line.

    Quotes and backslashes are escaped (Graphviz reads ``\\N``, ``\\l`` ... as escapes), and
    ampersands (it reads ``&alpha;`` as α); line breaks become ``\\n``, tabs spaces; a label
    that looks like ``<html>`` stays text. Characters that SVG (XML) or UTF-8 cannot hold
    (control characters, lone surrogates) become U+FFFD.
    """
    lines = ("".join(_visible(ch) for ch in line) for line in text.splitlines())
    label: str = nohtml("\\n".join(lines))  # a str that graphviz never reads as <html>
    return label


_ESCAPES = {'"': '\\"', "\\": "\\\\", "&": "&amp;", "\t": " "}


def _visible(ch: str) -> str:
    if ch in _ESCAPES:
        return _ESCAPES[ch]
    code = ord(ch)
    if code < 0x20 or 0xD800 <= code <= 0xDFFF or code in (0xFFFE, 0xFFFF):
        return "\N{REPLACEMENT CHARACTER}"
    return ch


# -- which boxes -------------------------------------------------------------------------------


def _layout(root: Value, order: list[Value], options: Options, on_path: frozenset[Value]) -> Layout:
    """The boxes to draw, highlighted ones first, then nearest the output; at most max_nodes."""
    params = options.params | {v for v in order if is_parameter(v)}
    units = options.view == "units" or (
        options.view == "auto" and any(unit_of(v) for v in order if v.primitive is not None)
    )
    show_params = options.show_params if options.show_params is not None else not units
    box_of: dict[Value, Box] = {}
    boxes: list[Box] = []
    unit_boxes: dict[Unit, Box] = {}
    hidden = 0
    for v in order:
        unit = unit_of(v) if units else None
        if v in params and (unit is not None or not show_params):
            hidden += 1  # folded into its unit (listed there with show_params), or left out
            if unit is None:
                continue
        if unit is not None:
            if unit not in unit_boxes:
                unit_boxes[unit] = Box([], unit, kind="unit")
                boxes.append(unit_boxes[unit])
            unit_boxes[unit].values.append(v)
            box_of[v] = unit_boxes[unit]
            continue
        box = Box([v], kind=_kind(v, params))
        boxes.append(box)
        box_of[v] = box
    box_of[root].kind = "output"
    first = [b for b in boxes if any(v in on_path for v in b.values)]
    rest = [b for b in boxes if not any(v in on_path for v in b.values)]
    ordered = first + rest
    shown = ordered[: options.max_nodes]
    shown.sort(key=boxes.index)  # nearest the output first again, for the names n0, n1, ...
    for number, box in enumerate(shown):
        box.id = f"n{number}"
    return Layout(shown, box_of, ordered[options.max_nodes :], hidden, units, on_path)


def _kind(v: Value, params: set[Value] | frozenset[Value]) -> str:
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


# -- boxes --------------------------------------------------------------------------------------


def _draw_boxes(graph: Diagram, layout: Layout, options: Options) -> None:
    clusters: dict[str, list[Box]] = {}
    for box in layout.boxes:
        name = None if options.cluster is None else options.cluster(box.values[0])
        if name is None:
            _draw_box(graph, box, layout, options)
        elif isinstance(name, str):
            clusters.setdefault(name, []).append(box)
        else:
            raise TypeError(f"cluster() must return a str or None, got {type(name).__name__!r}")
    for number, (name, members) in enumerate(clusters.items()):
        with graph.subgraph(name=f"cluster_{number}") as cluster:
            cluster.attr(
                label=escaped(name),
                labelloc="t",
                style="rounded,dashed",
                color="#868e96",
                fontname=options.font,
                fontsize="10",
            )
            for box in members:
                _draw_box(cluster, box, layout, options)


def _draw_box(graph: Diagram, box: Box, layout: Layout, options: Options) -> None:
    lines = _unit_lines(box, options) if box.unit is not None else _value_lines(box, options)
    style = dict(_KIND_STYLES[box.kind])
    if box.unit is not None and box.kind == "output":
        style["fillcolor"] = _KIND_STYLES["output"]["fillcolor"]
    if any(v in layout.on_path for v in box.values):
        style.update(_HIGHLIGHT_NODE)
    if options.step is not None and options.step.node in box.values:
        style.update(_STEP_NODE)
    pinned = options.step.pinned if options.step is not None else None
    if pinned is not None and box.id in pinned.sizes:  # the same size at every step
        width, height = pinned.sizes[box.id]
        style.update(width=f"{width:.3f}", height=f"{height:.3f}", fixedsize="true")
    graph.node(box.id, escaped("\n".join(lines)), **style)


def _value_lines(box: Box, options: Options) -> list[str]:
    (v,) = box.values
    lines = [title] if (title := _title(v)) else []
    lines.append(f"data {options.number(v.data)}")
    if options.show_grad:
        lines.append(f"grad {options.grad(v)}")
    return lines


def _unit_lines(box: Box, options: Options) -> list[str]:
    """unit 1.3 · relu, then z and y (data and grad), then its parameters if asked for."""
    parameters = [v for v in box.values if v.primitive is None]
    computed = [v for v in box.values if v.primitive is not None]
    activation = next((v for v in computed if v.label.startswith("y")), None)
    name = "linear" if activation is None else _operation(activation, short=True)
    lines = [f"unit {box.unit} · {name}"]
    for v in sorted(computed, key=lambda v: v.label[:1], reverse=True):  # z, then y
        grad = f"  grad {options.grad(v)}" if options.show_grad else ""
        lines.append(f"{v.label[:1]} {options.number(v.data)}{grad}")
    if options.show_params is True:
        lines.extend(f"{p.label} {options.number(p.data)}" for p in parameters)
    return lines


def _title(v: Value) -> str:
    """``label = operation``, each once: 'y = tanh', 'relu', 'loss = −mean', 'x1'."""
    operation = _operation(v)
    if not v.label or v.label == operation:
        return v.label or operation
    return " = ".join(part for part in (v.label, operation) if part)


def _operation(v: Value, *, short: bool = False) -> str:
    """How the operation that made v reads: unary minus as −x, a vector operation's output
    by its place among the outputs, counted from 1."""
    primitive = v.primitive
    if primitive is None:
        return ""
    if "index" in primitive.params:  # one output of a vector operation (softmax)
        if short:
            return primitive.name
        return f"{primitive.name}, output {primitive.params['index'] + 1}"
    if primitive.name == "neg":
        (x,) = v.parents
        return f"−{x.label or x.op or 'x'}"
    return v.op


# -- edges --------------------------------------------------------------------------------------

Edge = tuple[Box, Box, float, bool, "float | None", "Formula | None", "tuple[str, str, str] | None"]
"""from, to, ∂to/∂from, on a highlighted path, what the shown step passed along it (or None),
the rule's formula for ∂to/∂from (where formulas are shown), and the numbers its node's step
writes on it, where the stepper pins the layout (None elsewhere)"""


def _edges(layout: Layout, shown: set[int], options: Options) -> Iterable[Edge]:
    """An edge from each drawn input to its user's box, with the local derivative; none within
    a box, nor within a unit's layer (a vector activation: its Jacobian table shows them)."""
    step = options.step
    for box in layout.boxes:
        for v in box.values:
            passed = step.passed if step is not None and v is step.node else ()
            formulas = local_formulas(v) if options.show_formulas else ()
            for i, (parent, derivative) in enumerate(zip(v.parents, v.partials)):
                source = layout.box_of.get(parent)
                if source is None or source is box or id(source) not in shown:
                    continue
                if box.unit and source.unit and source.unit.layer == box.unit.layer:
                    continue
                on_path = v in layout.on_path and parent in layout.on_path
                crossed = passed[i][1] if passed else None
                formula = formulas[i] if formulas else None
                # room at every step for the step's text, but between a network's layers,
                # which hundreds of labels would spread over pages (there, an xlabel)
                room = None if layout.units else _passing(v, i, options)
                yield source, box, derivative, on_path, crossed, formula, room  # type: ignore[misc]


def _passing(v: Value, i: int, options: Options) -> tuple[str, str, str] | None:
    """What v's step passes along its i-th edge: grad, derivative and what crossed, as its
    label writes them; None without the whole pass at hand (a pinned `Step`)."""
    pinned = options.step.pinned if options.step is not None else None
    if pinned is None or v not in pinned.passes:
        return None
    step = pinned.passes[v]
    crossed = step.passed[i][1] if step.passed else 0.0
    grad, d, sent = (options.number(x) for x in (step.grad, v.partials[i], crossed))
    return grad, d, sent


def _unseen(
    room: tuple[str, str, str], formula: Formula | None, derivative: bool, mine: bool
) -> str:
    """An edge's label where the stepper pins the layout: at every step the text of its own
    step (``mine``), taking the same room, unseen at the others but for the derivative where
    it is shown (and the formula), which stay where they are when the rest appears."""
    grad, d, sent = (html.escape(part) for part in room)
    hidden = "{}" if mine else '<font color="transparent">{}</font>'
    shown = "{}" if derivative or mine else hidden
    line = hidden.format(f"{grad} × ") + shown.format(d) + hidden.format(f" = {sent}")
    if formula is not None:
        line = shown.format(html.escape(formula.text)) + "<br/>" + line
    return f"<{line}>"


def _beside(edges: list[Edge], layout: Layout, options: Options) -> int:
    """How many derivatives are written beside their edges (xlabels, placed after the layout
    where there is space, which may be on a box or another label): between a network's layers,
    where more than ROOMY labels that take room would spread a layer over pages; else 0, every
    label taking room, so that none sits on a box."""
    if not layout.units or options.show_formulas:
        return 0
    count = sum(
        crossed is None and room is None and _labelled(source, target, on_path, options)
        for source, target, _, on_path, crossed, _, room in edges
    )
    return count if count > ROOMY else 0


def _draw_edges(
    graph: Diagram, edges: list[Edge], layout: Layout, options: Options, beside: bool
) -> int:
    """Draw the edges (derivatives beside them, or taking room: `_beside`); how many carry no
    derivative, to stay readable."""
    unlabelled = 0
    for source, target, derivative, on_path, crossed, formula, room in edges:
        attributes = dict(_HIGHLIGHT_EDGE) if on_path else {}
        if room is not None:  # pinned: the same room at every step
            mine = crossed is not None
            labelled = _labelled(source, target, on_path, options)
            attributes["label"] = _unseen(room, formula, labelled, mine)
            if mine:
                attributes.update(_STEP_EDGE)
            hidden = options.show_derivatives is None and not _vector_output(target.values[0])
            unlabelled += not (labelled or mine) and hidden
        elif crossed is not None:  # grad × derivative = what crossed: the chain rule, once
            grad = options.number(data_of(options.step.node.grad))  # type: ignore[union-attr]
            numbers = (grad, options.number(derivative), options.number(crossed))
            passed = "{} × {} = {}".format(*numbers)
            # label, not xlabel: the layout makes room for it, so it overlaps nothing; but
            # where the stepper pins a network's layout, taking no room keeps it pinned
            shown = passed if formula is None else f"{formula.text}\n{passed}"
            pinned = layout.units and options.step.pinned is not None  # type: ignore[union-attr]
            attributes.update(_STEP_EDGE, **{"xlabel" if pinned else "label": escaped(shown)})
        elif _labelled(source, target, on_path, options):
            # A plain label, which the layout makes room for, so it never sits on a box; where
            # there are too many for that, beside the edge (`_beside`)
            number = options.number(derivative)
            text = number if formula is None else escaped(f"{formula.text} = {number}")
            attributes["xlabel" if beside else "label"] = text
        elif options.show_derivatives is None and not _vector_output(target.values[0]):
            unlabelled += 1  # (a vector operation's are in its Jacobian table)
        graph.edge(source.id, target.id, **attributes)
    return unlabelled


def _labelled(source: Box, target: Box, on_path: bool, options: Options) -> bool:
    if options.show_derivatives is not None:
        return options.show_derivatives
    if _vector_output(target.values[0]) and target.unit is None:
        return False  # its Jacobian table shows them
    return on_path or (source.users <= SPARSE and target.inputs <= SPARSE)


def _vector_output(v: Value) -> bool:
    return v.primitive is not None and "index" in v.primitive.params


def _draw_jacobians(graph: Diagram, layout: Layout, options: Options) -> int:
    """A table of ∂y_i/∂z_j beside each vector operation (softmax); how many tables."""
    groups: dict[tuple[str, tuple[Value, ...]], list[Value]] = defaultdict(list)
    for box in layout.boxes:
        for v in box.values:
            if _vector_output(v):
                groups[(v.primitive.name, v.parents)].append(v)  # type: ignore[union-attr]
    for number, ((name, inputs), outputs) in enumerate(groups.items()):
        outputs.sort(key=lambda v: v.primitive.params["index"])  # type: ignore[union-attr]
        table = _jacobian_table(name, inputs, outputs, options)
        graph.node(f"jacobian{number}", table, shape="plaintext", fontsize="9")
        boxes = [layout.box_of[y] for y in outputs]
        graph.edge(f"jacobian{number}", boxes[0].id, style="dotted", arrowhead="none")
        if boxes[0].unit is None:  # a layer's units are kept in order already
            _in_order(graph, boxes)
    return len(groups)


def _jacobian_table(
    name: str, inputs: tuple[Value, ...], outputs: list[Value], options: Options
) -> str:
    """An HTML-like label: a row per output y_i, a column per input z_j, ∂y_i/∂z_j in each."""

    def cell(text: str, bold: bool = False) -> str:
        text = html.escape(text)
        return f"<td>{'<b>' + text + '</b>' if bold else text}</td>"

    header = cell(f"{name}: ∂y_i/∂z_j", bold=True) + "".join(
        cell(z.label or f"input {j}", bold=True) for j, z in enumerate(inputs, 1)
    )
    rows = [f"<tr>{header}</tr>"]
    for y in outputs:
        number = y.primitive.params["index"] + 1  # type: ignore[union-attr]
        entries = "".join(cell(options.number(d)) for d in y.partials)
        rows.append(f"<tr>{cell(y.label or f'output {number}', bold=True)}{entries}</tr>")
    table = '<table border="0" cellborder="1" cellspacing="0" cellpadding="3">'
    return f"<{table}{''.join(rows)}</table>>"


# -- order, truncation, caption ----------------------------------------------------------------


def _keep_units_in_order(graph: Diagram, layout: Layout) -> None:
    """Each layer's units top to bottom 1, 2, 3, ...: one rank, chained by invisible edges
    (dot and graphviz-pure otherwise order a rank each their own way)."""
    layers: dict[int, list[Box]] = defaultdict(list)
    for box in layout.boxes:
        if box.unit is not None:
            layers[box.unit.layer].append(box)
    for layer in sorted(layers):
        _in_order(graph, sorted(layers[layer], key=lambda b: b.unit))  # type: ignore[arg-type, return-value]


def _in_order(graph: Diagram, boxes: list[Box]) -> None:
    """The boxes on one rank, top to bottom (or left to right) in this order."""
    with graph.subgraph() as rank:
        rank.attr(rank="same")
        for box in boxes:
            rank.node(box.id)
        for upper, lower in itertools.pairwise(boxes):
            rank.edge(upper.id, lower.id, style="invis")


def _rank_separation(layout: Layout) -> str:
    """Inches between ranks: more where many edges converge on one Value, to tell them apart;
    between the layers of units, whose dense edges carry no labels, less: to fit a page."""
    if layout.units:
        return "0.9"
    fan_in = max(len(box.values[0].parents) for box in layout.boxes)
    return f"{min(2.0, 0.5 + 0.05 * fan_in):.2f}"


def _draw_truncation(graph: Diagram, layout: Layout, max_nodes: int) -> None:
    """A marker node for what max_nodes leaves out, with an edge to each box it feeds."""
    count = sum(len(box.values) for box in layout.cut)
    label = f"⋯ {count} more Values not shown\n(max_nodes={max_nodes}, at most {MAX_NODES})"
    graph.node(_MORE, escaped(label), shape="note", style="dashed")
    cut = {id(box) for box in layout.cut}
    fed = {
        box.id
        for box in layout.boxes
        for v in box.values
        for p in v.parents
        if p in layout.box_of and id(layout.box_of[p]) in cut
    }
    for target in sorted(fed, key=lambda name: int(name[1:])):
        graph.edge(_MORE, target, style="dashed")


def _caption(  # noqa: PLR0917 -- what the caption says, each from where it is counted
    layout: Layout, options: Options, unlabelled: int, edges: int, tables: int, beside: int
) -> str:
    kinds = {box.kind for box in layout.boxes}
    leaves = "blue: other leaves" if "parameter" in kinds else "blue: leaves"
    legend = {
        "output": "orange: output",
        "unit": "yellow: a unit, z = Σw·y + b and y = f(z)",
        "parameter": "green: parameters",
        "leaf": leaves,
    }
    notes = ["   ".join(text for kind, text in legend.items() if kind in kinds)]
    if layout.units and layout.hidden_params:
        listed = "listed in" if options.show_params else "folded into"
        notes.append(
            f"{layout.hidden_params} parameters {listed} their units"
            + ("" if options.show_params else " (show_params=True lists them)")
        )
    elif layout.hidden_params:
        notes.append(f"{layout.hidden_params} parameters not shown")
    if unlabelled:
        which = "" if unlabelled == edges else f" on {unlabelled} of {edges} edges (dense layers)"
        notes.append(
            f"edge derivatives hidden{which}: show_derivatives=True shows them,\n"
            "highlight=<a Value> those on its paths"
        )
    if beside:
        notes.append(
            f"{beside} edge derivatives written beside their edges, too many to make room for:"
            "\nsome may cover a box or each other (highlight a Value nearer the output: fewer)"
        )
    if tables:
        notes.append("the table: the derivatives on the edges into a vector operation's outputs")
    if options.highlight is not None:
        name = options.highlight.label or "the highlighted Value"
        notes.append(f"red: every path through which {name} influences the output")
    if options.step is not None:
        notes.append(
            "purple: the node passing its grad now; on each of its edges grad × derivative = "
            "what crosses\ngrad ?: nothing has reached it yet; so far: more is to come"
        )
    if layout.cut:
        notes.append(
            f"{len(layout.boxes)} boxes drawn, the rest cut: draw a Value nearer the inputs, "
            f"raise max_nodes (at most {MAX_NODES})"
            + ("" if layout.units else ", or view='units' for a network")
        )
    return "\n".join(notes)
