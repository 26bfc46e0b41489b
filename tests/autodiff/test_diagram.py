"""Influence diagrams: the DOT text, its options, escaping, and rendering with and without dot."""

from __future__ import annotations

import base64
import re
import struct
from collections.abc import Callable
from pathlib import Path
from xml.etree import ElementTree

import graphviz
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support import fails, needs_dot, neuron

import autodiff as ad
import nn
from autodiff import Value
from autodiff.diagrams import draw, draw_dot, format_of, influence, rendering
from autodiff.diagrams.diagram import Diagram
from autodiff.diagrams.rendering import RenderingError

NEURON_DOT = r"""digraph influence {
	graph [rankdir=LR ranksep=0.60]
	node [fontname=Helvetica fontsize=11 shape=box]
	edge [arrowsize=0.7 fontname=Helvetica fontsize=9]
	n0 [label="y = tanh\ndata 0.7071\ngrad 1" fillcolor="#ffd8a8" penwidth=2 style="filled,bold"]
	n1 [label="z = +\ndata 0.8814\ngrad 0.5" fillcolor=white style=filled]
	n2 [label="+\ndata -6\ngrad 0.5" fillcolor=white style=filled]
	n3 [label="b\ndata 6.881\ngrad 0.5" fillcolor="#b2f2bb" style="rounded,filled"]
	n4 [label="*\ndata -6\ngrad 0.5" fillcolor=white style=filled]
	n5 [label="*\ndata 0\ngrad 0.5" fillcolor=white style=filled]
	n6 [label="x1\ndata 2\ngrad -1.5" fillcolor="#a5d8ff" style="rounded,filled"]
	n7 [label="w1\ndata -3\ngrad 1" fillcolor="#b2f2bb" style="rounded,filled"]
	n8 [label="x2\ndata 0\ngrad 0.5" fillcolor="#a5d8ff" style="rounded,filled"]
	n9 [label="w2\ndata 1\ngrad 0" fillcolor="#b2f2bb" style="rounded,filled"]
	n1 -> n0 [label=0.5]
	n2 -> n1 [label=1]
	n3 -> n1 [label=1]
	n4 -> n2 [label=1]
	n5 -> n2 [label=1]
	n6 -> n4 [label=-3]
	n7 -> n4 [label=2]
	n8 -> n5 [label=1]
	n9 -> n5 [label=0]
	fontname=Helvetica label="orange: output   green: parameters   blue: other leaves" labelloc=b
}
"""
NASTY_LABELS = [
    "a{b}|c",
    "<x>",
    'say "hi"',
    "back\\slash \\N \\n",
    "two\nlines",
    "é∂∑ 𝑥 ☃",
    "&amp;",
]


def drawn_neuron(**options: object) -> Diagram:
    y, v = neuron()
    y.backward()
    return draw(y, params=[v["w1"], v["w2"], v["b"]], **options)  # type: ignore[arg-type]


def nodes(source: str) -> list[str]:
    return re.findall(r"^\s*(n\d+) \[label", source, re.MULTILINE)


def edges(source: str) -> list[str]:
    """The drawn edges: not the invisible ones that keep a layer in order."""
    return re.findall(r"^\s*(\w+ -> \w+)\b(?! \[style=invis)", source, re.MULTILINE)


def svg_texts(svg: bytes | str) -> list[str]:
    """The text of every <text> element of an SVG (which must be well-formed XML)."""
    root = ElementTree.fromstring(svg)
    return [t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text")]


def test_the_neuron_diagram_is_exactly_this_text() -> None:
    assert drawn_neuron().source == NEURON_DOT


def test_the_same_graph_built_twice_gives_the_same_text() -> None:
    assert drawn_neuron().source == drawn_neuron(max_nodes=200).source


def test_each_value_is_one_node_with_an_edge_per_input() -> None:
    x = Value(3.0, "x")
    y = x * x + ad.sqrt(x * 0.0)  # x twice among the inputs of *; sqrt'(0) is undefined
    source = draw(y).source
    assert edges(source).count("n3 -> n1") == 2  # x → x*x, one edge per path
    assert " [label=undefined]" in source
    assert 'label="x\\ndata 3\\ngrad 0"' in source


def test_a_vector_activation_has_an_edge_from_every_input_to_every_output() -> None:
    zs = [Value(float(i), f"z{i}") for i in range(3)]
    total = ad.sum(ad.softmax(zs))
    source = draw(total).source
    assert len([e for e in edges(source) if not e.startswith("jacobian")]) == 3 + 3 * 3
    assert len(re.findall(r"-> n\d+ \[label=", source)) == 3  # the Jacobian's nine: in its table


def test_the_softmax_jacobian_is_a_table_beside_its_outputs() -> None:
    zs = [Value(1.0, "z1"), Value(2.0, "z2"), Value(0.5, "z3")]
    ys = ad.softmax(zs)
    for i, y in enumerate(ys, 1):
        y.label = f"y{i}"
    diagram = draw(ad.sum(ys))
    texts = svg_texts(diagram.pipe("svg"))
    for i, y in enumerate(ys):
        for j in range(3):
            assert format(y.partials[j], ".4g") in texts  # each ∂y_i/∂z_j, in a cell
        assert f"y{i + 1} = softmax, output {i + 1}" in texts  # labels and places agree
    # Outputs top to bottom in their order, with either renderer.
    heights = [_y_of(diagram.pipe("svg"), f"y{i} = softmax, output {i}") for i in (1, 2, 3)]
    assert heights == sorted(heights)


def _y_of(svg: bytes | str, text: str) -> float:
    root = ElementTree.fromstring(svg)
    for t in root.iter("{http://www.w3.org/2000/svg}text"):
        if t.text == text:
            return float(t.attrib["y"])
    raise AssertionError(f"{text!r} is not in the picture")


def test_labels_say_each_thing_once_and_count_from_one() -> None:
    z = Value(1.0, "z")
    top = ad.max([z, Value(2.0)])
    top.label = "max"
    loss = -top
    loss.label = "loss"
    texts = svg_texts(draw(loss).pipe("svg"))
    assert "max" in texts and "max = max" not in texts
    assert "loss = −max" in texts


def test_grads_made_with_create_graph_show_as_numbers() -> None:
    x = Value(2.0, "x")
    y = x**3
    y.backward(create_graph=True)
    assert "grad 12" in draw(y).source


def test_options_change_direction_grads_derivatives_and_numbers() -> None:
    assert "rankdir=TB" in drawn_neuron(rankdir="TB").source
    assert "grad" not in drawn_neuron(show_grad=False).source
    assert "xlabel" not in drawn_neuron(show_derivatives=False).source
    assert "data 6.88137\\n" in drawn_neuron(number_format=".5f").source


def test_show_formulas_writes_each_rule_beside_its_number() -> None:
    source = drawn_neuron(show_formulas=True).source
    assert 'n1 -> n0 [label="∂y/∂x = 1 − y² = 0.5"]' in source
    assert 'n6 -> n4 [label="∂z/∂x = y = -3"]' in source  # x1 is the first input of x1·w1
    assert 'n7 -> n4 [label="∂z/∂y = x = 2"]' in source
    assert "∂" not in drawn_neuron().source  # by default, numbers only
    assert "∂" not in drawn_neuron(show_formulas=True, show_derivatives=False).source


@pytest.mark.parametrize(
    ("option", "error"),
    [
        ({"rankdir": "RL"}, ValueError),
        ({"number_format": "d"}, ValueError),
        ({"number_format": "zz"}, ValueError),
        ({"max_nodes": 0}, ValueError),
        ({"max_nodes": 2.5}, TypeError),
        ({"max_nodes": 501}, ValueError),
        ({"view": "layers"}, ValueError),
        ({"cluster": lambda v: 3}, TypeError),
        ({"show_formulas": "yes"}, TypeError),
        ({"steady": 1}, TypeError),
    ],
)
def test_invalid_options_are_refused(option: dict[str, object], error: type[Exception]) -> None:
    with pytest.raises(error):
        drawn_neuron(**option)


def test_only_a_value_can_be_drawn() -> None:
    with pytest.raises(TypeError, match=r"draw\(root\) needs a Value, got 'float'"):
        draw(1.0)  # type: ignore[arg-type]


def test_hidden_parameters_are_counted_in_the_caption() -> None:
    source = drawn_neuron(show_params=False).source
    assert len(nodes(source)) == 7
    assert "3 parameters not shown" in source
    assert "green" not in source


def test_highlight_draws_the_paths_from_a_value_in_red() -> None:
    y, v = neuron()
    y.backward()
    source = draw(y, highlight=v["x1"]).source
    red_edges = re.findall(r"(n\d+ -> n\d+) \[[^]]*color=\"#e03131\"", source)
    assert red_edges == ["n1 -> n0", "n2 -> n1", "n4 -> n2", "n6 -> n4"]
    assert "every path through which x1 influences the output" in source
    with pytest.raises(ValueError, match="does not depend"):
        draw(v["x1"], highlight=v["w2"])


def mlp_forward_pass() -> tuple[Value, list[Value]]:
    """A real nn MLP's output on one input, after backward, and its parameters."""
    model = nn.MLP(2, [16, 16, 1], seed=0)
    out = model([0.5, -0.2])
    assert isinstance(out, Value)  # one output neuron
    out.backward()
    return out, model.parameters()


CLUSTER = re.compile(r'subgraph cluster_\d+ \{\n[^\n]*label="([^"]*)"[^\n]*\n(.*?)\n\t\}', re.S)


def cluster_sizes(source: str) -> dict[str, int]:
    """How many nodes each cluster of the DOT text holds, by its name."""
    return {name: len(nodes(members)) for name, members in CLUSTER.findall(source)}


# 2 inputs; a z and a y for each of 16 + 16 hidden neurons; the linear output's z.
MLP_NODES = 2 + 2 * (16 + 16) + 1
LAYERS = {"layer 1": 32, "layer 2": 32, "layer 3": 1}
NEURONS = {
    **{f"layer {k}, neuron {j}": 2 for k in (1, 2) for j in range(1, 17)},
    "layer 3, neuron 1": 1,
}


@pytest.mark.parametrize(
    ("cluster", "sizes"), [(nn.layer_of, LAYERS), (nn.neuron_of, NEURONS)], ids=["layer", "neuron"]
)
def test_a_whole_mlp_forward_pass_renders_in_clusters(
    cluster: Callable[[Value], str | None], sizes: dict[str, int]
) -> None:
    out, _ = mlp_forward_pass()
    diagram = draw(out, view="values", show_params=False, cluster=cluster)  # params recognised
    assert diagram.node_count == len(nodes(diagram.source)) == MLP_NODES
    assert cluster_sizes(diagram.source) == sizes
    assert "337 parameters not shown" in diagram.source
    texts = svg_texts(diagram.pipe("svg"))
    assert {*sizes, "z3.1 = Σw·x+b"} <= set(texts)


def test_a_network_is_drawn_one_box_per_unit_without_being_told_its_parameters() -> None:
    out, _ = mlp_forward_pass()
    diagram = draw(out)
    assert diagram.node_count == 2 + 16 + 16 + 1  # inputs and units
    assert diagram.edge_count == 2 * 16 + 16 * 16 + 16
    assert "337 parameters folded into their units" in diagram.source
    assert "edge derivatives hidden: show_derivatives=True shows them" in diagram.source
    texts = svg_texts(diagram.pipe("svg"))
    assert "unit 1.1 · relu" in texts and "unit 3.1 · linear" in texts


def _size_in_points(svg: bytes | str) -> tuple[float, float]:
    root = ElementTree.fromstring(svg)
    return float(root.attrib["width"].removesuffix("pt")), float(
        root.attrib["height"].removesuffix("pt")
    )


def test_the_unit_view_of_a_2_16_16_1_mlp_fits_a_notebook() -> None:
    """At most ~1000 px wide (a notebook's width) and two 1080 px screens tall, at 96 dpi."""
    out, _ = mlp_forward_pass()
    width, height = _size_in_points(draw(out).pipe("svg"))
    assert width * 96 / 72 <= 1000 and height * 96 / 72 <= 2 * 1080


def test_a_layer_s_units_run_from_1_at_the_top() -> None:
    out, _ = mlp_forward_pass()
    svg = draw(out).pipe("svg")
    heights = [_y_of(svg, f"unit 2.{j} · relu") for j in range(1, 17)]
    assert heights == sorted(heights)


def test_highlight_survives_truncation_and_labels_its_paths() -> None:
    out, params = mlp_forward_pass()
    weight = params[0]  # w1.1.1, far from the output
    diagram = draw(out, view="values", highlight=weight, max_nodes=40)
    assert diagram.node_count == 40
    assert f'label="{weight.label}\\ndata' in diagram.source  # kept, though farthest away
    assert "more Values not shown" in diagram.source
    units = draw(out, highlight=weight).source
    assert "red: every path through which w1.1.1 influences the output" in units
    assert units.count('color="#e03131" fontcolor="#e03131"') == 16 + 16  # 1.1 → layer 2 → 3.1


def test_a_large_graph_is_cut_with_a_visible_marker() -> None:
    out, _ = mlp_forward_pass()
    diagram = draw(out, view="values", max_nodes=50)
    assert diagram.node_count == len(nodes(diagram.source)) == 50
    assert f"⋯ {MLP_NODES + 337 - 50} more Values not shown\\n(max_nodes=50" in diagram.source
    marker_edges = [edge for edge in edges(diagram.source) if edge.startswith("more -> ")]
    assert marker_edges  # and repr counts the drawn edges only
    assert diagram.edge_count == len(edges(diagram.source)) - len(marker_edges)
    assert "n0 [" in diagram.source  # the output is kept: the nearest nodes are


def test_repr_counts_what_is_drawn_whatever_the_labels_say() -> None:
    diagram = draw(Value(1.0, "a -> b -> c") * 2)
    assert repr(diagram) == "<Diagram: 3 nodes, 2 edges; .source holds its DOT text>"


def test_a_very_deep_chain_is_cut_at_once_without_recursion() -> None:
    x = Value(0.5, "x")
    y = x
    for _ in range(100_000):
        y = -y
    diagram = draw(y)
    assert diagram.node_count == 200
    assert "⋯ 99801 more Values not shown" in diagram.source
    with pytest.raises(ValueError, match="at most 500 boxes"):
        draw(y, max_nodes=100_001)


def test_cluster_names_and_labels_are_escaped() -> None:
    leaves = [Value(float(i), label) for i, label in enumerate(NASTY_LABELS)]
    root = ad.sum(leaves)
    root.label = "\x00\ud800\tz"
    diagram = draw(root, cluster=lambda v: v.label if v.primitive is None else None)
    texts = svg_texts(diagram.pipe("svg"))  # dot accepts it, and the SVG is well-formed XML
    for label in NASTY_LABELS:
        for line in label.splitlines():
            assert texts.count(line) == 2  # in the node, and as its cluster's name
    assert "\N{REPLACEMENT CHARACTER}\N{REPLACEMENT CHARACTER} z = Σ" in texts


LINE_BREAKS = set("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
SURROGATES = set(map(chr, range(0xD800, 0xE000)))  # UTF-8 cannot hold one alone
NOT_XML = {*map(chr, range(0x20)), *SURROGATES, "\ufffe", "\uffff"} - LINE_BREAKS - {"\t"}


def visible(label: str) -> str:
    """What SVG can show of a label, whitespace aside: characters XML cannot hold are U+FFFD."""
    shown = "".join("\ufffd" if ch in NOT_XML else ch for ch in label if ch not in LINE_BREAKS)
    return "".join(shown.split())


def shown_verbatim(escape: Callable[[str], str]) -> Callable[[], None]:
    """Any label renders with dot and shows all its visible characters, in order."""
    special = st.sampled_from(list('{}|<>"\\\n\t&;N'))
    labels = st.text(st.one_of(special, st.characters()), max_size=12)

    @given(labels)
    def check(label: str) -> None:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(influence, "escaped", escape)
            diagram = draw(Value(1.0, label), show_grad=False)
        try:
            texts = svg_texts(diagram.pipe("svg"))
        except (
            RenderingError,
            graphviz.CalledProcessError,
            ElementTree.ParseError,
            UnicodeEncodeError,  # a lone surrogate, which UTF-8 cannot hold, passed to dot
        ) as error:
            raise AssertionError(f"{label!r} does not render: {error}") from None
        assert "".join("".join(texts).split()) == "orange:output" + visible(label) + "data1"

    return check


def test_any_label_renders_verbatim() -> None:
    settings(max_examples=10)(shown_verbatim(influence.escaped))()  # dot takes 0.05 s


def test_the_escaping_property_catches_a_naive_escape() -> None:
    fails(shown_verbatim(lambda text: text.replace('"', '\\"')))


@pytest.mark.parametrize(
    "suffix",
    [
        ".svg",
        ".png",  # with dot, or without it with graphviz-pure
        pytest.param(".pdf", marks=needs_dot),
        ".dot",
        ".GV",
    ],
)
def test_write_writes_the_format_its_suffix_names(tmp_path: Path, suffix: str) -> None:
    path = drawn_neuron().write(tmp_path / f"g{suffix}")
    magic = {".svg": b"<?xml", ".png": b"\x89PNG", ".pdf": b"%PDF", ".dot": b"digraph"}
    assert path.read_bytes().startswith(magic.get(suffix, b"digraph"))


def test_a_png_for_a_slide_is_written_at_the_dots_per_inch_asked_for(tmp_path: Path) -> None:
    def pixels(path: Path) -> tuple[int, int]:
        width, height = struct.unpack(">II", path.read_bytes()[16:24])
        return width, height

    screen = pixels(drawn_neuron().write(tmp_path / "screen.png"))
    slide = pixels(drawn_neuron().write(tmp_path / "slide.png", dpi=192))
    assert slide == pytest.approx((2 * screen[0], 2 * screen[1]), abs=4)  # Graphviz's 96, doubled
    with pytest.raises(ValueError, match=r"write\(dpi=1000\): from 20 to 600 dots per inch"):
        drawn_neuron().write(tmp_path / "huge.png", dpi=1000)
    assert not (tmp_path / "huge.png").exists()


def test_an_unknown_suffix_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"use a name ending in one of \.svg"):
        drawn_neuron().write(tmp_path / "g.jpg")
    assert not (tmp_path / "g.jpg").exists()
    assert format_of("G.PNG") == "png"


def test_draw_gives_a_graphviz_digraph_that_jupyter_displays() -> None:
    diagram = drawn_neuron()
    assert isinstance(diagram, graphviz.Digraph)
    bundle = diagram._repr_mimebundle_()
    assert bundle["image/svg+xml"].lstrip().startswith("<?xml")
    # the same picture, shrunk to the output's width where it is wider (JupyterLab's SVG is not)
    html = re.fullmatch(r'<img src="data:image/svg\+xml;base64,(\S+)" (.*)>', bundle["text/html"])
    assert html is not None and 'style="max-width: 100%; height: auto"' in html[2]
    assert base64.b64decode(html[1]).decode() == bundle["image/svg+xml"]
    diagram.attr(bgcolor="lightyellow")  # graphviz's own API restyles it
    assert "bgcolor=lightyellow" in diagram.source
    copied = diagram.copy()
    assert isinstance(copied, Diagram) and repr(copied) == repr(diagram)


def test_render_writes_the_source_and_the_image_as_graphviz_does(tmp_path: Path) -> None:
    rendered = drawn_neuron().render(outfile=tmp_path / "neuron.png", cleanup=True)
    assert Path(rendered).read_bytes().startswith(b"\x89PNG")
    assert not (tmp_path / "neuron.gv").exists()


def test_draw_dot_is_the_lecture_s_record_picture() -> None:
    y, _ = neuron()
    y.backward()
    picture = draw_dot(y)
    assert isinstance(picture, graphviz.Digraph)
    assert 'n0 [label="{ y | data 0.7071 | grad 1.0000 }" shape=record]' in picture.source
    assert "n0op [label=tanh]" in picture.source
    assert "x1" in svg_texts(picture.pipe("svg"))


@needs_dot
def test_a_dot_failure_is_reported() -> None:
    broken = Diagram()
    broken.body.append("{")  # not DOT
    with pytest.raises(graphviz.CalledProcessError):
        broken.pipe("png")


def without_dot(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "")


def without_pure(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rendering, "find_pure", lambda: None)


def test_without_dot_svg_and_png_render_with_graphviz_pure(monkeypatch: pytest.MonkeyPatch) -> None:
    if rendering.find_pure() is None:
        pytest.skip("needs graphviz-pure, the viz extra (make test installs it)")
    without_dot(monkeypatch)
    assert "y = tanh" in svg_texts(drawn_neuron().pipe("svg"))
    png = drawn_neuron().pipe("png")
    assert isinstance(png, bytes) and png.startswith(b"\x89PNG")
    with pytest.raises(RenderingError, match=r"PDF needs Graphviz's programs: sudo apt install"):
        drawn_neuron().pipe("pdf")
    with pytest.raises(RenderingError, match=r"graphviz-pure is installed"):
        drawn_neuron().pipe("pdf")  # and does not ask for it again


def test_with_nothing_to_render_the_error_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    without_dot(monkeypatch)
    without_pure(monkeypatch)
    diagram = drawn_neuron()
    with pytest.raises(RenderingError) as error:
        diagram.write(tmp_path / "g.svg")
    assert "apt install graphviz" in str(error.value)
    assert 'pip install "influence-autodiff[viz]"' in str(error.value)
    assert not (tmp_path / "g.svg").exists()
    bundle = diagram._repr_mimebundle_()
    assert set(bundle) == {"text/plain"} and "apt install graphviz" in bundle["text/plain"]
    assert diagram.write(tmp_path / "g.dot").read_text() == diagram.source


# -- edge labels never sit on a box ----------------------------------------------------------------

_SVG_NS = "{http://www.w3.org/2000/svg}"


def labels_on_boxes(svg: bytes | str) -> list[tuple[str, str]]:
    """Each edge label (a line of its text) whose extent meets a box, with that box's name.

    Both in dot's own coordinates: a box's extent from its shapes' points, a line's from its
    anchor, its length (Helvetica's digits are 0.556 em wide) and its font's ascent and descent.
    """
    root = ElementTree.fromstring(svg)
    boxes, lines = [], []
    for group in root.iter(f"{_SVG_NS}g"):
        kind = group.get("class")
        if kind == "node":
            numbers = [
                float(n)
                for shape in group
                if shape.tag in (f"{_SVG_NS}polygon", f"{_SVG_NS}path")
                for n in re.findall(r"-?\d+(?:\.\d+)?", shape.get("points") or shape.get("d") or "")
            ]
            xs, ys = numbers[0::2], numbers[1::2]
            boxes.append(
                (min(xs), min(ys), max(xs), max(ys), group.findtext(f"{_SVG_NS}title", ""))
            )
        elif kind == "edge":
            for text in group.iter(f"{_SVG_NS}text"):
                size, words = float(text.get("font-size", "14")), text.text or ""
                width, x = 0.556 * size * len(words), float(text.get("x", "0"))
                left = {"middle": x - width / 2, "end": x - width}.get(
                    text.get("text-anchor", ""), x
                )
                y = float(text.get("y", "0"))
                lines.append((left, y - 0.75 * size, left + width, y + 0.2 * size, words))
    return [
        (line[4], box[4])
        for line in lines
        for box in boxes
        if line[0] < box[2] and line[2] > box[0] and line[1] < box[3] and line[3] > box[1]
    ]


def _network(highlight: bool = False, show_derivatives: bool | None = None) -> Diagram:
    """A 2-4-4-1 MLP's diagram, units and all; highlight: x1's paths to the output, with
    their derivatives."""
    x1 = Value(0.5, "x1")
    out = nn.MLP(2, [4, 4, 1], seed=0)([x1, Value(-1.0, "x2")])
    assert isinstance(out, Value)
    out.backward()
    return draw(out, highlight=x1 if highlight else None, show_derivatives=show_derivatives)


@needs_dot
@pytest.mark.parametrize(
    "picture",
    [
        pytest.param(lambda: draw(neuron()[0], show_derivatives=True), id="expression-every-label"),
        pytest.param(_network, id="network"),
        pytest.param(lambda: _network(highlight=True), id="network-highlighted"),
        pytest.param(lambda: _network(show_derivatives=True), id="network-every-label"),
    ],
)
def test_no_edge_label_sits_on_a_box(picture: Callable[[], Diagram]) -> None:
    assert labels_on_boxes(picture().pipe(format="svg")) == []


@needs_dot
def test_the_label_check_sees_labels_on_boxes() -> None:
    # Every derivative between two dense layers: more labels than there is room for beside
    # their edges (the guide says so); here some land on boxes, and the check must say so.
    out = nn.MLP(3, [8, 8, 1], seed=0)([0.3, -0.2, 0.5])
    assert isinstance(out, Value)
    diagram = draw(out, show_derivatives=True)
    assert labels_on_boxes(diagram.pipe(format="svg")) != []
    assert "96 edge derivatives written beside their edges" in diagram.source  # and it says so
