"""The widgets' logic, in Python: the stepper's state after each step, the explorer's after each
slider move, the viewer's after each search and zoom. (tests/test_browser.py clicks them in a
real browser.)"""

from __future__ import annotations

import itertools
import math
import re
import sys
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, reject, settings
from hypothesis import strategies as st
from support import fails, neuron

import autodiff as ad
import nn
from autodiff import Value
from autodiff.compiler import lower
from autodiff.compiler.graphs import compile_graph, step_numbers
from autodiff.diagrams.steps import Pinned
from autodiff.testing import Expression, expressions, reals
from autodiff.widgets import svg as svg_module
from autodiff.widgets.stepping import Stepper
from autodiff.widgets.viewer import Viewer, rendered


def every_value(root: Value) -> list[Value]:
    nodes = ad.topological_order(root)
    return list({root: None, **{v: None for n in nodes for v in (n, *n.parents)}})


def grads_after(root: Value, k: int) -> dict[Value, float]:
    """Each grad after k steps of a fresh backward pass (leaves from 0)."""
    values = every_value(root)
    ad.zero_grad(values)
    list(itertools.islice(ad.backward_steps(root), k))
    return {v: v.grad for v in values}


def step_class(stepper: Stepper) -> list[str]:
    """The names of the boxes the diagram marks as the one passing its gradient."""
    picture = svg_module.read(stepper.viewer.canvas.svg)
    marked = {g.get("id") for g in _groups(stepper.viewer.canvas.svg, "step")}
    return [node.name for node in picture.nodes if node.id in marked]


def _groups(svg: str, css_class: str) -> list[Any]:
    from xml.etree import ElementTree  # noqa: PLC0415 -- only these helpers parse SVG

    groups = ElementTree.fromstring(svg).iter("{http://www.w3.org/2000/svg}g")
    return [g for g in groups if css_class in g.get("class", "").split()]


# -- the stepper ---------------------------------------------------------------------------------


def test_the_stepper_walks_the_neuron_one_node_at_a_time() -> None:
    y, v = neuron()
    stepper = ad.stepper(y)
    assert (stepper.step, stepper.total) == (0, 5)
    assert stepper.text.startswith("Step 0 of 5: The output y starts with grad 1")
    assert step_class(stepper) == [] and "grad ?" in stepper.viewer.canvas.svg
    assert (y.grad, v["z"].grad, v["x1"].grad) == (1.0, 0.0, 0.0)
    stepper.next.click()
    assert stepper.step == 1 and step_class(stepper) == ["n0"]
    assert stepper.text == "Step 1 of 5: y passes its grad 1 back, to z: 1 × 0.5 = 0.5."
    stepper.next.click()
    assert step_class(stepper) == ["n1"]  # z
    assert "to b: 0.5 × 1 = 0.5" in stepper.text
    assert len(_groups(stepper.viewer.canvas.svg, "passed")) == 2
    assert v["b"].grad == pytest.approx(0.5) and v["x1"].grad == 0.0
    stepper.last.click()
    assert stepper.step == 5 and stepper.text.endswith(
        "every grad is final, as backward() leaves them."
    )
    assert (v["x1"].grad, v["w1"].grad) == pytest.approx((-1.5, 1.0))
    stepper.next.click()  # at the end already
    assert stepper.step == 5
    stepper.back.click()
    assert stepper.step == 4 and v["x1"].grad == 0.0 and v["x2"].grad == pytest.approx(0.5)
    stepper.first.click()
    stepper.back.click()  # at the start already
    assert stepper.step == 0 and v["b"].grad == 0.0


def test_the_slider_and_play_go_to_a_step_too() -> None:
    y, v = neuron()
    stepper = ad.stepper(y)
    stepper.slider.value = 3
    assert step_class(stepper) == ["n2"] and stepper.text.startswith("Step 3 of 5: the + node")
    assert grads_after(y, 3)[v["x1"]] == v["x1"].grad
    assert (stepper.play.min, stepper.play.max) == (0, 5)


def test_the_step_is_set_as_the_slider_sets_it_and_checked_at_the_door() -> None:
    y, v = neuron()
    stepper = ad.stepper(y)
    stepper.step = 3
    assert stepper.slider.value == 3 and step_class(stepper) == ["n2"]
    assert grads_after(y, 3)[v["x1"]] == v["x1"].grad
    assert stepper.go(5).node is stepper.nodes[0] and stepper.step == 5  # the first made
    for wrong in (6, -1, 2.0, True, "2"):
        with pytest.raises(ValueError, match=r"stepper step .*: a whole number from 0 .* to 5"):
            stepper.step = wrong  # type: ignore[assignment]
    assert stepper.step == 5


def places(stepper: Stepper) -> list[list[svg_module.Box]]:
    """Where each box is, at each step."""
    found = []
    for k in range(stepper.total + 1):
        stepper.step = k
        found.append([node.box for node in svg_module.read(stepper.viewer.canvas.svg).nodes])
    return found


@pytest.mark.parametrize("network", [False, True])
def test_the_boxes_stay_put_from_step_to_step(
    network: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if network:
        out = nn.MLP(2, [2, 1], seed=0)([0.5, -1.0])
        assert isinstance(out, Value)
    else:
        out, _ = neuron()
    steady = places(ad.stepper(out, view="values"))
    assert shift(steady) <= 1.0  # in points (the purple edge's arrow is a point longer)
    monkeypatch.setattr(Stepper, "_pin", lambda self: Pinned())  # each step laid out anew
    assert shift(places(ad.stepper(out, view="values"))) > 20


def test_a_network_s_units_keep_their_places_and_its_diagram_its_size() -> None:
    out = nn.MLP(2, [16, 16, 1], seed=0)([0.5, 0.2])
    assert isinstance(out, Value)
    stepper = ad.stepper(out)
    steps = []
    for k in (0, 1, 20, 65):  # the output's step, a hidden unit's, the last
        stepper.step = k
        steps.append(svg_module.read(stepper.viewer.canvas.svg))
    relative = [[(x - p.nodes[0].box[0], y - p.nodes[0].box[1], w, h) for x, y, w, h in
                 (n.box for n in p.nodes)] for p in steps]  # fmt: skip
    assert shift(relative) < 0.05  # a label at the side may widen the whole, not move a box
    plain = svg_module.read(rendered(ad.draw(out)))
    assert all(p.view[3] <= 1.1 * plain.view[3] for p in steps)  # no labels spread the layers


def shift(places: list[list[svg_module.Box]]) -> float:
    """How far any corner of any box moves from the first step, in points."""
    return max(
        abs(a - b)
        for boxes in places
        for box, first in zip(boxes, places[0])
        for a, b in zip(box, first)
    )


def test_unlabelled_nodes_are_named_by_what_they_compute() -> None:
    y, _ = neuron()
    stepper = ad.stepper(y)
    stepper.step = 3
    assert stepper.text == (
        "Step 3 of 5: the + node (x1·w1 + x2·w2) passes its grad 0.5 back, to the * node "
        "(x1·w1): 0.5 × 1 = 0.5; to the * node (x2·w2): 0.5 × 1 = 0.5."
    )
    x = Value(1.0, "x")
    stepper = ad.stepper((x - (x - 2 * x)) / (x * x + 1) ** 2)
    assert "The output the / node ((x − …) / …**2) starts" in stepper.text  # two deep


def test_beside_the_diagram_each_step_s_formula_and_its_lines_of_code() -> None:
    y, _ = neuron()
    stepper = ad.stepper(y)
    code = stepper.code.splitlines()
    assert code[0] == "def backward(x1, w1, x2, w2, b):"
    assert [code[i - 1].strip() for i in stepper.lines] == ["g_y = 1.0"]  # the seed
    stepper.step = 1
    assert [text for _, text in stepper.formulas] == [
        "∂y/∂x = 1 − y² = 0.5 (to z)",
        "where x is z",
    ]
    assert r"\frac{\partial y}{\partial x} = 1 - y^{2} = 0.5" in stepper.formula_panel.value
    shown = [code[i - 1].strip() for i in stepper.lines]
    assert shown[0] == "# step 1: y passes g_y back" and shown[-1].startswith("g_z = g_y * t")
    stepper.step = 5
    assert [text for _, text in stepper.formulas] == [
        "∂z/∂x = y = -3 (to x1)",
        "∂z/∂y = x = 2 (to w1)",
        "where x is x1, y is w1, z is the * node (x1·w1)",
    ]
    assert [code[i - 1].strip() for i in stepper.lines] == [
        "# step 5: t0 passes g_t0 back",
        "if g_t0:",
        "g_x1 += g_t0 * w1",
        "g_w1 += g_t0 * x1",
    ]
    panel = stepper.code_panel.value
    assert panel.count('class="step-line"') == 4 and "g_x1 += g_t0 * w1</span>" in panel
    shown = panel.splitlines()  # the first line, the step's with six around, the last
    assert shown[0].endswith("def backward(x1, w1, x2, w2, b):") and shown[1] == "    ⋮"
    assert len(shown) == 1 + 1 + 6 + 4 + 1 and "return (y," in shown[-1]


def code_computes_what_the_stepper_shows() -> Callable[[], None]:
    """The code beside the stepper numbers its steps as the stepper does, and computes the
    output and its gradients as the eager engine does, bit for bit."""

    @given(expressions(n_inputs=2, smooth=True), reals(-2, 2), reals(-2, 2))
    def check(expression: Expression, x: float, y: float) -> None:
        code_of_the_steps(expression, x, y)

    return check


def test_the_code_beside_the_stepper_computes_what_it_shows() -> None:
    settings(max_examples=30, deadline=None)(code_computes_what_the_stepper_shows())()


def test_the_code_property_catches_steps_counted_from_0(monkeypatch: pytest.MonkeyPatch) -> None:
    original = lower.step_note
    monkeypatch.setattr(lower, "step_note", lambda k: original(k - 1))
    fails(code_computes_what_the_stepper_shows())


def code_of_the_steps(expression: Expression, x: float, y: float) -> None:
    leaves = [Value(x, "x"), Value(y, "y")]
    out = expression(*leaves)
    if out in leaves:
        return  # no graph: nothing to step through
    compiled = compile_graph(out)
    nodes = ad.topological_order(out)
    # A comment per step, in order, the stepper's steps found by step_numbers
    numbers = [int(n) for n in re.findall(r"# step (\d+):", compiled.source)]
    assert numbers == list(range(1, len(numbers) + 1))
    comments = re.findall(r"# step \d+: (\w+) passes", compiled.source)
    for node, k in zip(reversed(nodes), step_numbers(out)):
        renamed = node.op == "identity" and node.parents[0] in leaves
        assert (k is None) == renamed
        assert k is None or node.label in ("", comments[k - 1])
    used = list({p: None for node in nodes for p in node.parents if p in leaves})  # in order
    expected = (out.data, *ad.gradients(out, used))
    assert compiled(*(leaf.data for leaf in used)) == expected  # bit for bit


Clicks = list[str]


def stepping_shows_step_k(make: Callable[[Value], Stepper]) -> Callable[[], None]:
    """However the buttons were pressed, the graph's grads are those of a fresh backward pass
    after `step` steps, and the diagram marks the step-th node."""

    @given(
        expressions(n_inputs=2, smooth=True),
        reals(-2, 2),
        reals(-2, 2),
        st.lists(st.sampled_from(["first", "back", "next", "last"]), max_size=6),
    )
    def check(expression: Expression, x: float, y: float, clicks: Clicks) -> None:
        out = expression(Value(x, "x"), Value(y, "y"))
        stepper = make(out)
        for click in clicks:
            getattr(stepper, click).click()
            shown = {v: v.grad for v in every_value(out)}
            assert shown == grads_after(out, stepper.step)
            for v in every_value(out):  # as the stepper left them
                v.grad = shown[v]

    return check


def test_the_stepper_shows_step_k_however_it_got_there() -> None:
    settings(max_examples=25)(stepping_shows_step_k(ad.stepper))()  # each step renders


def test_the_stepping_property_catches_leaves_left_accumulating() -> None:
    def leaves_kept(root: Value) -> Stepper:
        stepper = ad.stepper(root)
        stepper.values = [root, *ad.topological_order(root)]  # wrong: leaves not reset
        return stepper

    fails(stepping_shows_step_k(leaves_kept))


def test_a_small_network_steps_unit_by_unit() -> None:
    model = nn.MLP(2, [2, 1], seed=0)
    out = model([0.5, -1.0])
    assert isinstance(out, Value)
    stepper = ad.stepper(out)
    assert stepper.total == 5  # z2.1 (a linear output: no y), y1.2, z1.2, y1.1, z1.1
    stepper.next.click()
    assert "z2.1 passes its grad 1 back, to w2.1.1: 1 × 0 = 0; to w2.1.2" in stepper.text
    stepper.next.click()
    assert "y1.2 passes its grad" in stepper.text and step_class(stepper) == ["n2"]
    assert "unit 2.1" in svg_module.read(stepper.viewer.canvas.svg).nodes[0].text
    values = ad.stepper(out, view="values")
    assert len(svg_module.read(values.viewer.canvas.svg).nodes) > 10


def test_the_stepper_refuses_what_it_cannot_step() -> None:
    y, _ = neuron()
    with pytest.raises(TypeError, match=r"stepper\(root\) needs a Value"):
        ad.stepper("y")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="view must be"):
        ad.stepper(y, view="boxes")
    with pytest.raises(TypeError, match=r"stepper\(grad\)"):
        ad.stepper(y, grad="1")  # type: ignore[arg-type]


# -- the explorer ---------------------------------------------------------------------------------


def tanh_neuron(x: Value, w: Value, b: Value) -> Value:
    return (x * w + b).tanh()


def test_a_slider_move_reruns_forward_and_backward_and_redraws() -> None:
    explorer = ad.explore(tanh_neuron, x=2.0, w=-3.0, b=6.8813735870195432, params=["w", "b"])
    assert explorer.text == "f = 0.7071; ∂f/∂x = -1.5, ∂f/∂w = 1, ∂f/∂b = 0.5"
    before = explorer.viewer.canvas.svg
    assert "#b2f2bb" in before  # w and b drawn as parameters
    explorer.set(w=-2.0)
    y = math.tanh(2.0 * -2.0 + 6.8813735870195432)
    assert explorer.text.startswith(f"f = {y:.4g}; ∂f/∂x = {-2.0 * (1 - y * y):.4g}")
    assert any(f"data {y:.4g}" in node.text for node in explorer.viewer.picture.nodes)
    assert explorer.sliders["w"].value == -2.0 and explorer.inputs["w"] == -2.0
    assert explorer.output is not None and explorer.output.data == pytest.approx(y)


@pytest.mark.parametrize("steady", [True, False])
def test_a_slider_move_changes_the_numbers_not_where_the_boxes_are(steady: bool) -> None:
    explorer = ad.explore(neuron_of, x1=2.0, x2=0.0, w1=-3.0, w2=1.0, b=6.88, steady=steady)
    moves = [{"x2": 0.00123}, {"w1": -1.234}, {"b": -6.88}, {"x1": 3.999}, {"w2": 1e-5}]
    places = [[node.box for node in explorer.viewer.picture.nodes]]
    for move in moves:
        explorer.set(**move)
        places.append([node.box for node in explorer.viewer.picture.nodes])
    if steady:  # (the default)
        assert shift(places) == 0 and "Courier" in explorer.viewer.canvas.svg
    else:  # as numbers change width, so do their boxes and labels, and the layout moves
        assert shift(places) > 20


def neuron_of(x1: Value, x2: Value, w1: Value, w2: Value, b: Value) -> Value:
    return (x1 * w1 + x2 * w2 + b).tanh()


def boxes_stay_put(steady: bool) -> Callable[[], None]:
    """Diagrams of any expression at any two points have their boxes in the same places."""

    @given(expressions(n_inputs=2), *[st.floats(allow_nan=False, allow_infinity=False)] * 4)
    def check(expression: Expression, x: float, y: float, u: float, v: float) -> None:
        places = []
        for point in ((x, y), (u, v)):
            try:
                out = expression(Value(point[0]), Value(point[1]))
                out.backward()
            except (ArithmeticError, ValueError):
                reject()  # a point outside the expression's domain (exp(1e300))
            picture = svg_module.read(rendered(ad.draw(out, steady=steady)))
            places.append([node.box for node in picture.nodes])
        assert shift(places) == 0

    return check


def test_steady_diagrams_of_a_graph_have_their_boxes_in_the_same_places() -> None:
    settings(max_examples=15, deadline=None)(boxes_stay_put(steady=True))()


def test_the_steady_property_catches_numbers_that_take_the_room_they_need() -> None:
    fails(boxes_stay_put(steady=False))


def test_each_slider_spans_its_start_or_the_range_given() -> None:
    explorer = ad.explore(tanh_neuron, x=2.0, w=(-1.0, 3.0), b=0.0)
    x, w, b = (explorer.sliders[n] for n in "xwb")
    assert (x.min, x.value, x.max) == (0.0, 2.0, 4.0)
    assert (w.min, w.value, w.max) == (-1.0, 1.0, 3.0)
    assert (b.min, b.max) == (-1.0, 1.0)
    assert repr(explorer).startswith("<what-if explorer: f = ")


def log(x: Value) -> Value:
    return x.log()


def test_a_point_without_a_value_is_said_and_the_last_diagram_kept() -> None:
    explorer = ad.explore(log, x=(-1.0, 3.0))
    shown = explorer.viewer.canvas.svg
    explorer.set(x=-0.5)
    assert explorer.text.startswith("at x = -0.5: log") and explorer.viewer.canvas.svg == shown
    assert "color: #c92a2a" in explorer.readout.value
    explorer.set(x=2.0)
    assert explorer.text == "f = 0.6931; ∂f/∂x = 0.5"


def test_a_model_s_parameters_are_differentiated_afresh_at_each_move() -> None:
    model = nn.MLP(2, [3, 1], seed=0)
    explorer = ad.explore(lambda x1, x2: model([x1, x2]), x1=0.5, x2=0.2, view="values")
    w = model.parameters()[0]
    explorer.set(x1=1.0)
    explorer.set(x1=0.5)
    first = w.grad
    out = model([0.5, 0.2])
    assert isinstance(out, Value)
    model.zero_grad()
    out.backward()
    assert first == w.grad  # not the sum over the moves


def test_the_explorer_refuses_what_it_cannot_explore() -> None:
    with pytest.raises(TypeError, match="give each argument of f a start, as b="):
        ad.explore(tanh_neuron, x=1.0, w=1.0)
    with pytest.raises(TypeError, match="q is neither an argument of f"):
        ad.explore(tanh_neuron, x=1.0, w=1.0, b=0.0, q=2.0)
    with pytest.raises(TypeError, match="needs a Python function of Values"):
        ad.explore(3.0, x=1.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="a range is a pair"):
        ad.explore(tanh_neuron, x=(0.0, 1.0, 2.0), w=1.0, b=0.0)
    with pytest.raises(ValueError, match="low < high"):
        ad.explore(tanh_neuron, x=(1.0, 0.0), w=1.0, b=0.0)
    with pytest.raises(ValueError, match="'c' is not one of f's arguments"):
        ad.explore(tanh_neuron, x=1.0, w=1.0, b=0.0, params=["c"])
    with pytest.raises(TypeError, match="f must return a Value"):
        ad.explore(lambda x: 2.0, x=1.0)
    explorer = ad.explore(tanh_neuron, x=1.0, w=1.0, b=0.0)
    with pytest.raises(ValueError, match="no slider is called 'v'"):
        explorer.set(v=1.0)


# -- the viewer: zoom, pan, search ----------------------------------------------------------------


def mlp_viewer() -> Viewer:
    model = nn.MLP(2, [16, 16, 1], seed=0)
    out = model([0.5, 0.2])
    assert isinstance(out, Value)
    out.backward()
    return ad.zoom(out)


def test_a_search_outlines_the_boxes_found_and_centres_on_the_first() -> None:
    viewer = mlp_viewer()
    whole = viewer.view
    assert viewer.canvas.height == 600 and whole == viewer.picture.view  # tall: zoomed out
    assert viewer.search("unit 2.1") == ["n1"]  # not unit 2.10 ... 2.16
    assert viewer.query.value == ""  # a search from code leaves the box to the hand
    (found,) = [n for n in viewer.picture.nodes if n.name == "n1"]
    x, y, w, h = viewer.view
    bx, by, bw, bh = found.box
    assert (x + w / 2, y + h / 2) == pytest.approx((bx + bw / 2, by + bh / 2))
    assert h == pytest.approx(600 * 3 / 4)  # close enough to read: its natural size
    assert viewer.found.value == "1 found: unit 2.1 · relu"
    assert viewer.canvas.matches == [found.id]


def test_a_unit_s_box_is_found_by_the_labels_of_its_values() -> None:
    viewer = mlp_viewer()
    unit = viewer.search("unit 1.3")
    assert len(unit) == 1
    for label in ("y1.3", "z1.3", "w1.3.1", "b1.3", "Y1.3"):
        assert viewer.search(label) == unit, label
    assert viewer.found.value == "1 found: unit 1.3 · relu"
    assert len(viewer.search("w1.3")) == 1  # a part of w1.3.1, w1.3.2: unit 1.3's
    assert viewer.search("y1.30") == []


def test_typing_searches_and_the_arrow_goes_to_the_next_match() -> None:
    viewer = mlp_viewer()
    viewer.query.value = "UNIT  1."
    assert len(viewer.matches) == 16 and viewer.found.value.endswith("and 13 more")
    first = viewer.view
    viewer.next.click()
    assert viewer.view[1] > first[1] and viewer.view[2:] == first[2:]  # the next one down
    viewer.query.value = "unit 9"
    assert viewer.matches == [] and viewer.found.value == "no box says 'unit 9'"
    viewer.query.value = ""
    assert viewer.found.value == ""


def test_the_buttons_zoom_about_the_middle_and_fit_shows_it_all() -> None:
    viewer = mlp_viewer()
    x, y, w, h = viewer.view
    viewer.zoom_in.click()
    assert viewer.view == pytest.approx((x + w / 6, y + h / 6, w / 1.5, h / 1.5))
    viewer.zoom_out.click()
    assert viewer.view == pytest.approx((x, y, w, h))
    viewer.zoom_in.click()
    viewer.whole.click()
    assert viewer.view == viewer.picture.view


def test_a_new_rendering_keeps_a_zoomed_view_and_a_fitted_one_fitting() -> None:
    y, _ = neuron()
    explorer = ad.explore(tanh_neuron, x=2.0, w=-3.0, b=6.88)
    viewer = explorer.viewer
    explorer.set(w=-1.0)
    assert viewer.view == viewer.picture.view
    viewer.zoom(2.0)
    zoomed = viewer.view
    explorer.set(w=-2.0)
    assert viewer.view == zoomed
    assert repr(viewer) == "<diagram viewer: 6 boxes; zoom and search in Jupyter>"
    assert ad.zoom(ad.draw(y), height=300).canvas.height == 300


def test_zoom_refuses_what_it_cannot_show() -> None:
    y, _ = neuron()
    with pytest.raises(TypeError, match=r"needs a diagram from autodiff\.draw, or a Value"):
        ad.zoom("digraph {}")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"options \(view\) are for drawing a Value"):
        ad.zoom(ad.draw(y), view="values")
    with pytest.raises(ValueError, match=r"zoom\(height=...\) needs a positive int"):
        ad.zoom(y, height=0)


@pytest.mark.parametrize("renderer", ["dot", "graphviz-pure"])
def test_the_boxes_are_read_from_either_renderer(
    renderer: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if renderer == "graphviz-pure":
        monkeypatch.setattr(ad.diagrams.diagram, "find_dot", lambda: None)
    elif ad.diagrams.rendering.find_dot() is None:
        pytest.skip("needs Graphviz's dot program (apt install graphviz; CI installs it)")
    y, _ = neuron()
    y.backward()
    picture = svg_module.read(ad.draw(y).pipe("svg"))
    assert [n.name for n in picture.nodes] == [f"n{i}" for i in range(10)]
    x, y0, w, h = picture.view
    for node in picture.nodes:
        bx, by, bw, bh = node.box
        assert x <= bx and bx + bw <= x + w and y0 <= by and by + bh <= y0 + h and bw > 20
    assert picture.nodes[0].lines == ("y = tanh", "data 0.7071", "grad 1")
    assert [n.name for n in picture.search("x1")] == ["n6"]


def test_the_widgets_read_as_a_line_where_they_cannot_show() -> None:
    y, _ = neuron()
    assert repr(ad.stepper(y)).startswith("<backward-pass stepper of y: Step 0 of 5: ")
    assert len(repr(ad.zoom(y))) < 110  # what ipywidgets keeps of a text fallback


def test_without_ipywidgets_the_error_says_how_to_install_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    y, _ = neuron()
    monkeypatch.setitem(sys.modules, "anywidget", None)
    with pytest.raises(ImportError, match=r'pip install "influence-autodiff\[notebooks\]"'):
        ad.stepper(y)
