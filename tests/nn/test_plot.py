"""nn's plots of training: the decision boundary and the history, as SVG plots and files."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree

import pytest

import nn

SVG = "{http://www.w3.org/2000/svg}"


def texts(svg: str) -> list[str]:
    return ["".join(t.itertext()) for t in ElementTree.fromstring(svg).iter(f"{SVG}text")]


def test_the_decision_boundary_is_a_plot_written_as_svg(tmp_path: Path) -> None:
    x, y = nn.make_moons(20, seed=0)
    model = nn.MLP(2, [4, 1], seed=0)
    plot = nn.plot_decision_boundary(model, x, y, tmp_path / "boundary.svg", resolution=10)
    assert (tmp_path / "boundary.svg").read_text(encoding="utf-8") == plot.svg()
    assert plot.title == "decision boundary"
    regions, points = plot.layers
    assert isinstance(regions, nn.charts.Cells) and isinstance(points, nn.charts.Points)
    assert len(regions.rows) == 10 and {c for row in regions.rows for c in row} <= {0.0, 1.0}
    assert len(points.x) == 20
    assert all(p.grad == 0.0 for p in model.parameters())


def test_each_region_is_the_class_the_model_gives_the_middle_of_its_cell() -> None:
    x, y = nn.make_moons(30, seed=2)
    model = nn.MLP(2, [6, 1], seed=1)
    plot = nn.plot_decision_boundary(model, x, y, resolution=4, margin=0.0)
    regions = plot.layers[0]
    assert isinstance(regions, nn.charts.Cells)
    (left, right), (bottom, top) = regions.x, regions.y
    for i, row in enumerate(regions.rows):  # the first row at the top
        v = top - (top - bottom) * (i + 0.5) / 4
        middles = [[left + (right - left) * (j + 0.5) / 4, v] for j in range(4)]
        assert row == [float(c) for c in nn.classify(model, middles)]


def test_a_multiclass_boundary_and_no_file_without_a_path(tmp_path: Path) -> None:
    x, y = nn.make_spirals(20, seed=0)
    plot = nn.plot_decision_boundary(nn.MLP(2, [4, 3], seed=0), x, y, resolution=5)
    assert plot.layers and list(tmp_path.iterdir()) == []


def test_the_history_curves_show_loss_and_accuracy_with_validation(tmp_path: Path) -> None:
    history = nn.History(
        loss=[1.0, 0.5], accuracy=[0.5, 0.9], val_loss=[1.1, 0.7], val_accuracy=[0.4, 0.8]
    )
    figure = nn.plot_history(history, tmp_path / "curves.svg")
    assert (tmp_path / "curves.svg").read_text(encoding="utf-8") == figure._repr_svg_()
    assert [p.title for p in figure.plots] == ["loss", "accuracy"]
    assert [len(p.layers) for p in figure.plots] == [2, 2]
    assert {"training", "validation", "epoch"} <= set(texts(figure.svg()))
    assert [p.title for p in nn.plot_history(nn.History(loss=[1.0])).plots] == ["loss"]


def test_bad_input_gets_a_clear_error() -> None:
    model = nn.MLP(3, [1], seed=0)
    with pytest.raises(ValueError, match="needs 2-D points"):
        nn.plot_decision_boundary(model, [[0.0, 1.0, 2.0]], [1])
    with pytest.raises(ValueError, match="resolution needs an int from 2 to 1000, got 1"):
        nn.plot_decision_boundary(nn.MLP(2, [1], seed=0), [[0.0, 1.0]], [1], resolution=1)
    with pytest.raises(TypeError, match="needs the History fit returns"):
        nn.plot_history([1.0, 0.5])  # type: ignore[arg-type]
