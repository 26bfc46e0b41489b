"""nn.charts: plots as SVG, read back as XML: what each layer draws, the axes, and bad input."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from pathlib import Path
from xml.etree import ElementTree

import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import fails

from nn import charts
from nn.charts import Figure, Plot

SVG = "{http://www.w3.org/2000/svg}"


def parsed(picture: Plot | Figure) -> ElementTree.Element:
    return ElementTree.fromstring(picture.svg())


def elements(picture: Plot | Figure, tag: str) -> list[ElementTree.Element]:
    return list(parsed(picture).iter(f"{SVG}{tag}"))


def texts(picture: Plot | Figure) -> list[str]:
    return ["".join(t.itertext()) for t in elements(picture, "text")]


def test_a_plot_is_an_svg_document_of_its_size_that_notebooks_show_and_files_keep(
    tmp_path: Path,
) -> None:
    plot = Plot(title="loss", xlabel="epoch", ylabel="mean", width=300, height=200)
    plot.line([1, 2, 3], [0.5, 0.25, 0.125], label="training")
    root = parsed(plot)
    assert root.tag == f"{SVG}svg"
    assert (root.get("width"), root.get("height")) == ("300", str(200 + 18))  # and a legend line
    assert plot._repr_svg_() == plot.svg()
    assert {"loss", "epoch", "mean", "training"} <= set(texts(plot))
    assert plot.save(tmp_path / "loss.svg").read_text(encoding="utf-8") == plot.svg()
    with pytest.raises(ValueError, match=r"plots are written as SVG, to \.svg files"):
        plot.save(tmp_path / "loss.png")


def test_a_line_goes_through_its_points_in_order_with_a_gap_where_y_is_not_finite() -> None:
    plot = Plot().line([0, 1, 2, 3, 4], [0.0, 1.0, math.nan, 3.0, 4.0], markers=True)
    runs = [p.get("points", "").split() for p in elements(plot, "polyline")]
    assert [len(run) for run in runs] == [2, 2]
    xs = [float(point.split(",")[0]) for run in runs for point in run]
    assert xs == sorted(xs)
    assert len(elements(plot, "circle")) == 4  # a marker on each finite point


def test_points_are_coloured_along_the_colour_map_or_all_alike() -> None:
    plot = Plot().scatter([0, 1, 2], [0, 1, 0], colour=[-1.0, 0.0, 1.0])
    fills = [c.get("fill") for c in elements(plot, "circle")]
    assert fills == ["#3b4cc0", "#dddddd", "#b40426"]  # coolwarm's ends and middle
    plain = Plot().scatter([0, 1], [0, 1], colour="black")
    assert [c.get("fill") for c in elements(plain, "circle")] == ["black", "black"]


def test_series_without_a_colour_take_the_palette_in_turn() -> None:
    plot = Plot().line([0, 1], [0, 1]).line([0, 1], [1, 0]).scatter([0.5], [0.5])
    strokes = [p.get("stroke") for p in elements(plot, "polyline")]
    assert strokes == list(charts.PALETTE[:2])
    assert elements(plot, "circle")[0].get("fill") == charts.PALETTE[2]


def test_a_heatmap_draws_a_rectangle_per_run_of_one_colour_and_its_numbers() -> None:
    plot = Plot().heatmap(
        [[0, 0, 1, 1], [1, 0, 0, 1]],
        numbers=".1f",
        column_labels=["a", "b", "c", "d"],
        row_labels=["top", "bottom"],
    )
    cells = [r for g in elements(plot, "g") if g.get("shape-rendering") for r in g]
    assert len(cells) == 2 + 3  # runs: [0 0][1 1], [1][0 0][1]
    shown = texts(plot)
    assert shown.count("0.0") == 4 and shown.count("1.0") == 4
    assert {"a", "d", "top", "bottom"} <= set(shown)


def test_a_heatmap_alone_fills_the_frame_edge_to_edge() -> None:
    plot = Plot(width=200, height=200).heatmap([[0, 1], [1, 0]], x=(-1.0, 1.0), y=(0.0, 4.0))
    (frame,) = [r for r in elements(plot, "rect") if r.get("fill") == "none"]
    (group,) = [g for g in elements(plot, "g") if g.get("shape-rendering")]

    def box(r: ElementTree.Element) -> tuple[float, float, float, float]:
        x, y, w, h = (float(r.get(k, "")) for k in ("x", "y", "width", "height"))
        return x, y, x + w, y + h

    cells = [box(r) for r in group]
    covered = (min(c[0] for c in cells), min(c[1] for c in cells),
               max(c[2] for c in cells), max(c[3] for c in cells))  # fmt: skip
    assert all(math.isclose(a, b, abs_tol=0.15) for a, b in zip(covered, box(frame)))


def test_a_log_axis_labels_powers_of_ten_and_leaves_out_what_is_not_positive() -> None:
    plot = Plot(log_y=True).line([0, 1, 2, 3], [1.0, 0.1, 0.0, 0.001])
    labels = texts(plot)
    assert {"10−1", "10−2", "10−3"} <= set(labels)  # 10 with the exponent raised
    assert [len(p.get("points", "").split()) for p in elements(plot, "polyline")] == [2, 1]


def test_a_figure_puts_plots_side_by_side_under_its_title() -> None:
    figure = Figure(Plot(width=200, height=100), Plot(width=300, height=150), title="both")
    root = parsed(figure)
    assert (root.get("width"), root.get("height")) == ("500", str(24 + 150))
    shifts = [g.get("transform") for g in root if g.get("transform")]
    assert shifts == ["translate(0,24)", "translate(200,24)"]
    assert "both" in texts(figure)


def test_epochs_get_whole_ticks() -> None:
    plot = Plot().line([1, 2], [0.5, 0.4])
    assert all(label.isdigit() for label in charts._linear_ticks(0.95, 2.05, whole=True).labels)
    assert "1.5" not in texts(plot)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: Plot().line([1, 2], [1]), "line: 2 x but 1 y"),
        (lambda: Plot().line([1, "a"], [1, 2]), r"line\(x\) needs finite numbers, got 'a'"),  # type: ignore[list-item]
        (lambda: Plot().scatter([1], [math.inf]), r"scatter\(y\) needs finite numbers"),
        (lambda: Plot().scatter([1], [1], colour=[1, 2]), "1 points but 2 colours"),
        (lambda: Plot().heatmap([[1, 2], [3]]), "rows of numbers, all of one length"),
        (lambda: Plot().heatmap([[1]], x=(1, 0)), r"heatmap\(x=...\) needs a pair"),
        (lambda: Plot().heatmap([[1]], colours="jet"), "unknown colour map 'jet'"),
        (lambda: Plot(width=10), r"Plot\(width=...\) needs an int from 40 to 4000"),
        (lambda: Plot().line(5, [1]), r"line\(x\) needs a sequence of numbers, got 5"),  # type: ignore[arg-type]
        (Figure, r"Figure\(...\) needs one or more Plots"),
    ],
)
def test_bad_input_gets_a_clear_error(call: Callable[[], object], message: str) -> None:
    with pytest.raises((TypeError, ValueError), match=message):
        call()


# -- ticks: a property, and proof that it can fail ----------------------------------------------

Ticks = Callable[[float, float], charts.Ticks]

spans = st.tuples(
    st.floats(-1e6, 1e6), st.floats(1e-6, 1e6)
).map(lambda pair: (pair[0], pair[0] + pair[1] * max(1.0, abs(pair[0]))))  # fmt: skip


def ticks_are_round_and_inside(ticks: Ticks) -> Callable[[], None]:
    @given(spans)
    def prop(span: tuple[float, float]) -> None:
        low, high = span
        at = ticks(low, high).at
        assert 2 <= len(at) <= 7
        slack = 1e-8 * (high - low)  # rounding: an end tick may be that far outside
        assert all(low - slack <= t <= high + slack for t in at)
        steps = [b - a for a, b in itertools.pairwise(at)]
        assert all(math.isclose(s, steps[0], rel_tol=1e-6) for s in steps)

    return prop


def test_linear_ticks_are_between_two_and_seven_evenly_spaced_inside_the_range() -> None:
    ticks_are_round_and_inside(charts._linear_ticks)()


def test_the_tick_property_catches_ticks_that_overshoot() -> None:
    def overshooting(low: float, high: float) -> charts.Ticks:
        found = charts._linear_ticks(low, high)
        step = found.at[1] - found.at[0]
        return charts.Ticks([*found.at, found.at[-1] + step], [*found.labels, ""])

    fails(ticks_are_round_and_inside(overshooting))
