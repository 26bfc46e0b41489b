"""``draw_dot(root)``: the micrograd lecture's picture of a graph, as a `graphviz.Digraph`.

The lecture draws each Value as a record box ``label | data | grad`` with a small node for the
operation that made it, edges carrying nothing. This is that picture for our Values, drawn
deterministically (boxes named in breadth-first order, not by ``id()``), and it renders where
Graphviz's dot is not installed, as every `Diagram` does. `autodiff.draw` is the influence
diagram, with the local derivatives on the edges.
"""

from __future__ import annotations

from autodiff.checks import as_value
from autodiff.diagrams.diagram import Diagram
from autodiff.diagrams.influence import escaped
from autodiff.diagrams.paths import breadth_first
from autodiff.value import Value, data_of

_RECORD_SPECIAL = str.maketrans({ch: f"\\{ch}" for ch in "{}|<>"})


def draw_dot(root: Value, rankdir: str = "LR") -> Diagram:
    """micrograd's ``draw_dot``: a record box per Value (label | data | grad, as ``%.4f``), an
    oval per operation; ``format='svg'`` and ``rankdir`` as in the lecture."""
    as_value(root, "draw_dot(root)")
    if not isinstance(rankdir, str) or rankdir not in ("LR", "TB"):
        raise ValueError(f"rankdir must be 'LR' or 'TB', got {rankdir!r}")
    nodes = breadth_first(root)
    ids = {v: f"n{i}" for i, v in enumerate(nodes)}
    edges = 0
    dot = Diagram(format="svg", graph_attr={"rankdir": rankdir}, node_count=len(nodes))
    for v in nodes:
        fields = (_field(v.label), f"data {v.data:.4f}", f"grad {data_of(v.grad):.4f}")
        dot.node(ids[v], "{ " + " | ".join(fields) + " }", shape="record")
        if v.op:
            dot.node(ids[v] + "op", escaped(v.op))
            dot.edge(ids[v] + "op", ids[v])
            for parent in v.parents:
                dot.edge(ids[parent], ids[v] + "op")
                edges += 1
    dot.edge_count = edges
    return dot


def _field(label: str) -> str:
    """A label as one field of a record: its special characters escaped as well."""
    return escaped(label).translate(_RECORD_SPECIAL) or " "
