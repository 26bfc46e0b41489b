"""Charts as SVG, in plain Python: lines, points and filled grids on axes, side by side.

A `Plot` is one set of axes: ``line`` draws a series (a loss curve), ``scatter`` points (a data
set, coloured by class or all in one colour), ``heatmap`` a grid of coloured cells (a decision
boundary, a Jacobian, a digit). A `Figure` puts plots side by side. Jupyter shows either as its
SVG (``_repr_svg_``), ``save(path)`` writes it to an .svg file, ``svg()`` gives the text.

Why not matplotlib: the course runs in the browser too, where there is no matplotlib (nor
NumPy), and ``make demo`` writes its pictures with Python alone. SVG is text, so a picture is
a string built here; any browser, notebook or documentation page shows it, sharp at any size.

Colours: series take the next of a palette (matplotlib's first ten) unless given; a heatmap's
numbers, or a scatter's, are coloured along a colour map (``coolwarm``: blue, grey, red;
``greys``: white to black) between ``low`` and ``high`` (default: their least and greatest).
"""

from __future__ import annotations

import html
import math
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autodiff.checks import as_flag, is_number
from nn.checks import check_name

PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22", "#17becf")  # fmt: skip
"""The colours series take in turn: matplotlib's (and d3's) ten."""

COLOUR_MAPS: dict[str, tuple[tuple[int, int, int], ...]] = {
    # Evenly spaced stops, blended linearly between; coolwarm's are matplotlib's.
    "coolwarm": ((59, 76, 192), (141, 176, 254), (221, 221, 221), (244, 154, 123), (180, 4, 38)),
    "greys": ((255, 255, 255), (0, 0, 0)),
}

FONT = 11
"""Font size of ticks and legends, in pixels; titles and labels are a little larger."""
CHARACTER = 0.6 * FONT
"""The width of an average character: no fonts are measured here, so text is given room."""


@dataclass
class Line:
    """A series: points (x, y) joined in order; a gap where y is not a finite number."""

    x: list[float]
    y: list[float]
    label: str
    colour: str
    dashed: bool
    markers: bool


@dataclass
class Points:
    """Scattered points, each with its colour."""

    x: list[float]
    y: list[float]
    colours: list[str]
    label: str


@dataclass
class Cells:
    """A grid of coloured cells over the box x × y, its first row at the top; each cell's
    number written in it where ``numbers`` is a format."""

    rows: list[list[float]]
    colours: list[list[str]]
    x: tuple[float, float]
    y: tuple[float, float]
    numbers: str | None


@dataclass
class Ticks:
    """Where an axis's ticks are, in data coordinates, and what each says."""

    at: list[float] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)


class Plot:
    """One set of axes, with a title and labels; ``log_y``: a logarithmic y axis. ``width``
    and ``height`` are the panel's, in pixels (a legend adds its lines below). ``axes=False``
    draws no frame, ticks or labels (a picture: a digit)."""

    def __init__(
        self,
        *,
        title: str = "",
        xlabel: str = "",
        ylabel: str = "",
        log_y: bool = False,
        width: int = 400,
        height: int = 300,
        axes: bool = True,
    ) -> None:
        for name, size in (("width", width), ("height", height)):
            if isinstance(size, bool) or not isinstance(size, int) or not 40 <= size <= 4000:
                raise ValueError(f"Plot({name}=...) needs an int from 40 to 4000, got {size!r}")
        self.title = _text_of("Plot(title=...)", title)
        self.xlabel = _text_of("Plot(xlabel=...)", xlabel)
        self.ylabel = _text_of("Plot(ylabel=...)", ylabel)
        self.log_y = as_flag(log_y, "Plot(log_y=...)")
        self.axes = as_flag(axes, "Plot(axes=...)")
        self.width, self.height = width, height
        self.layers: list[Line | Points | Cells] = []
        self.x_ticks: Ticks | None = None  # None: chosen from the data
        self.y_ticks: Ticks | None = None

    def __repr__(self) -> str:
        kinds = ", ".join(type(layer).__name__.lower() for layer in self.layers) or "empty"
        return f"<Plot {self.title!r}: {kinds}>"

    def line(
        self,
        x: Sequence[float],
        y: Sequence[float],
        *,
        label: str = "",
        colour: str | None = None,
        dashed: bool = False,
        markers: bool = False,
    ) -> Plot:
        """A series through the points (x[i], y[i]); ``markers`` marks each point. Returns
        the plot, to draw more on it."""
        xs, ys = _pairs("line", x, y, finite=False)
        colour = self._next_colour() if colour is None else _colour("line(colour=...)", colour)
        label = _text_of("line(label=...)", label)
        dashed, markers = (
            as_flag(dashed, "line(dashed=...)"),
            as_flag(markers, "line(markers=...)"),
        )
        self.layers.append(Line(xs, ys, label, colour, dashed, markers))
        return self

    def scatter(
        self,
        x: Sequence[float],
        y: Sequence[float],
        *,
        colour: str | Sequence[float] | None = None,
        colours: str = "coolwarm",
        label: str = "",
    ) -> Plot:
        """Points at (x[i], y[i]): all of one colour (a name such as "black", or "#rrggbb"),
        or each coloured by its number in ``colour`` along the colour map ``colours``."""
        xs, ys = _pairs("scatter", x, y, finite=True)
        label = _text_of("scatter(label=...)", label)
        if colour is None or isinstance(colour, str):
            one = self._next_colour() if colour is None else _colour("scatter(colour=...)", colour)
            fills = [one] * len(xs)
        else:
            values = _numbers("scatter(colour=...)", colour)
            if len(values) != len(xs):
                raise ValueError(f"scatter: {len(xs)} points but {len(values)} colours")
            fills = _coloured("scatter", values, colours, None, None)
        self.layers.append(Points(xs, ys, fills, label))
        return self

    def heatmap(
        self,
        rows: Sequence[Sequence[float]],
        *,
        x: tuple[float, float] | None = None,
        y: tuple[float, float] | None = None,
        colours: str = "coolwarm",
        low: float | None = None,
        high: float | None = None,
        numbers: str | None = None,
        column_labels: Sequence[str] = (),
        row_labels: Sequence[str] = (),
    ) -> Plot:
        """A grid of cells coloured by their numbers, ``rows[0]`` at the top, spanning x =
        (left, right) and y = (bottom, top) in data coordinates (default: a unit square per
        cell). ``numbers``: a format such as ".2f" to write each number in its cell;
        ``column_labels`` and ``row_labels`` name the columns and rows on the axes."""
        grid = [_numbers("heatmap(rows)", row) for row in _listed("heatmap(rows)", rows)]
        if not grid or not grid[0] or any(len(row) != len(grid[0]) for row in grid):
            raise ValueError("heatmap(rows) needs rows of numbers, all of one length")
        columns = len(grid[0])
        box_x = _span("heatmap(x=...)", x, (0.0, float(columns)))
        box_y = _span("heatmap(y=...)", y, (0.0, float(len(grid))))
        if numbers is not None:
            _format("heatmap(numbers=...)", numbers)  # a bad one fails here, not while drawing
        flat = [v for row in grid for v in row]
        fills = _coloured("heatmap", flat, colours, low, high)
        colour_rows = [fills[i * columns : (i + 1) * columns] for i in range(len(grid))]
        self.layers.append(Cells(grid, colour_rows, box_x, box_y, numbers))
        column_labels = _labels("heatmap(column_labels=...)", column_labels, columns)
        row_labels = _labels("heatmap(row_labels=...)", row_labels, len(grid))
        if column_labels:
            width = (box_x[1] - box_x[0]) / columns
            self.x_ticks = Ticks(
                [box_x[0] + width * (j + 0.5) for j in range(columns)], column_labels
            )
        if row_labels:
            height = (box_y[1] - box_y[0]) / len(grid)
            self.y_ticks = Ticks(
                [box_y[1] - height * (i + 0.5) for i in range(len(grid))], row_labels
            )
        return self

    def svg(self) -> str:
        """The plot as an SVG document."""
        return Figure(self).svg()

    def _repr_svg_(self) -> str:
        return self.svg()

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the plot to path, an .svg file."""
        return Figure(self).save(path)

    def _next_colour(self) -> str:
        series = sum(isinstance(layer, Line | Points) for layer in self.layers)
        return PALETTE[series % len(PALETTE)]

    # -- drawing ---------------------------------------------------------------------------

    def _legend(self) -> list[Line | Points]:
        return [layer for layer in self.layers if isinstance(layer, Line | Points) and layer.label]

    def size(self) -> tuple[int, int]:
        """The panel's width and height in pixels, its legend included."""
        return self.width, self.height + 18 * len(self._legend())

    def draw(self) -> list[str]:
        """The SVG elements of the panel, placed from (0, 0)."""
        series = [layer for layer in self.layers if isinstance(layer, Line | Points)]
        whole = bool(series) and all(x.is_integer() for layer in series for x in layer.x)
        x_axis = _Axis(self._extent(0), log=False, ticks=self.x_ticks, whole=whole)
        y_axis = _Axis(self._extent(1), log=self.log_y, ticks=self.y_ticks, whole=False)
        widest = max((len(label) for label in y_axis.ticks.labels), default=0)
        left = (widest * CHARACTER + 12 + (18 if self.ylabel else 0)) if self.axes else 4
        top = 26 if self.title else 10
        bottom = (22 + (18 if self.xlabel else 0)) if self.axes else 4
        box = _Box(left, top, self.width - 14 - left, self.height - top - bottom)
        if box.width < 10 or box.height < 10:
            raise ValueError(f"Plot: {self.width} × {self.height} pixels leave no room to draw")
        place = _Placement(box, x_axis, y_axis)
        out = [f'<rect width="{self.width}" height="{self.size()[1]}" fill="white"/>']
        for layer in self.layers:
            if isinstance(layer, Cells):
                out += _cells(layer, place)
        for layer in self.layers:
            if isinstance(layer, Line):
                out += _line(layer, place)
            elif isinstance(layer, Points):
                out += _points(layer, place)
        if self.axes:
            out += _frame(place, self.xlabel, self.ylabel)
        if self.title:
            out.append(_text(box.x + box.width / 2, 17, self.title, size=FONT + 2, bold=True))
        out += _legend_lines(self._legend(), box.x, self.height + 4)
        return out

    def _extent(self, axis: int) -> tuple[float, float]:
        """The data's least and greatest coordinate on an axis (0: x, 1: y), with room around
        lines and points; cells are drawn edge to edge."""
        low, high = math.inf, -math.inf
        for layer in self.layers:
            if isinstance(layer, Cells):
                span = layer.x if axis == 0 else layer.y
                low, high = min(low, span[0]), max(high, span[1])
        padded = [
            v
            for layer in self.layers
            if isinstance(layer, Line | Points)
            for v in (layer.x if axis == 0 else layer.y)
            if math.isfinite(v) and not (axis == 1 and self.log_y and v <= 0)
        ]  # a log axis leaves out what is not > 0, as a gap in its line
        if padded:
            lo, hi = min(padded), max(padded)
            if axis == 1 and self.log_y:
                room = (math.log10(hi) - math.log10(lo)) * 0.05 or 0.5
                lo, hi = lo / 10**room, hi * 10**room
            else:
                room = (hi - lo) * 0.05 or max(abs(lo) * 0.1, 0.5)
                lo, hi = lo - room, hi + room
            low, high = min(low, lo), max(high, hi)
        if not math.isfinite(low):
            return (1.0, 10.0) if axis == 1 and self.log_y else (0.0, 1.0)
        return low, high


class Figure:
    """Plots side by side, under a title: ``Figure(left, right, title="...")``."""

    def __init__(self, *plots: Plot, title: str = "") -> None:
        if not plots or not all(isinstance(p, Plot) for p in plots):
            raise TypeError("Figure(...) needs one or more Plots")
        self.plots, self.title = list(plots), _text_of("Figure(title=...)", title)

    def __repr__(self) -> str:
        return f"<Figure {self.title!r}: {len(self.plots)} plots>"

    def svg(self) -> str:
        """The figure as an SVG document."""
        top = 24 if self.title else 0
        sizes = [p.size() for p in self.plots]
        width, height = sum(w for w, _ in sizes), top + max(h for _, h in sizes)
        parts = [
            '<svg xmlns="http://www.w3.org/2000/svg" '
            f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
            f'font-family="DejaVu Sans, Arial, Helvetica, sans-serif" font-size="{FONT}">',
            f'<rect width="{width}" height="{height}" fill="white"/>',
        ]
        if self.title:
            parts.append(_text(width / 2, 17, self.title, size=FONT + 3, bold=True))
        x = 0
        for plot, (w, _) in zip(self.plots, sizes):
            parts.append(f'<g transform="translate({x},{top})">')
            parts += [element for element in plot.draw() if element]
            parts.append("</g>")
            x += w
        parts.append("</svg>")
        return "\n".join(parts)

    def _repr_svg_(self) -> str:
        return self.svg()

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the figure to path, an .svg file."""
        path = Path(path)
        if path.suffix.lower() != ".svg":
            raise ValueError(f"save({os.fspath(path)!r}): plots are written as SVG, to .svg files")
        path.write_text(self.svg(), encoding="utf-8")
        return path


# -- arguments ------------------------------------------------------------------------------


def _numbers(where: str, values: object, *, finite: bool = True) -> list[float]:
    """values as a list of floats (NaN and infinities only where not ``finite``), or an error
    that says which argument was wrong."""
    listed = _listed(where, values)
    for v in listed:  # NaN and infinities are floats (NumPy's too)
        if not (is_number(v) or (not finite and isinstance(v, float))):
            raise ValueError(f"{where} needs {'finite ' if finite else ''}numbers, got {v!r}")
    return [float(v) for v in listed]


def _listed(where: str, values: object) -> list[Any]:
    try:
        listed: list[Any] = list(values)  # type: ignore[call-overload]
    except TypeError:
        raise TypeError(f"{where} needs a sequence of numbers, got {values!r}") from None
    return listed


def _pairs(
    what: str, x: Sequence[float], y: Sequence[float], *, finite: bool
) -> tuple[list[float], list[float]]:
    xs, ys = _numbers(f"{what}(x)", x), _numbers(f"{what}(y)", y, finite=finite)
    if len(xs) != len(ys):
        raise ValueError(f"{what}: {len(xs)} x but {len(ys)} y")
    return xs, ys


def _span(where: str, span: object, default: tuple[float, float]) -> tuple[float, float]:
    if span is None:
        return default
    pair = _numbers(where, span)
    if len(pair) != 2 or not pair[0] < pair[1]:
        raise ValueError(f"{where} needs a pair (low, high), low < high, got {span!r}")
    return pair[0], pair[1]


COLOUR = re.compile(r"#[0-9a-fA-F]{3}|#[0-9a-fA-F]{6}|[a-zA-Z]+")


def _colour(where: str, colour: object) -> str:
    """A colour SVG knows: a name ("black") or #rgb, #rrggbb."""
    if not isinstance(colour, str) or not COLOUR.fullmatch(colour):
        raise ValueError(f"{where} needs a colour, as 'black' or '#1f77b4', got {colour!r}")
    return colour


def _text_of(where: str, text: object) -> str:
    if not isinstance(text, str):
        raise TypeError(f"{where} needs a str, got {type(text).__name__!r}")
    return text


def _labels(where: str, labels: object, count: int) -> list[str]:
    """Names for count rows or columns (or none: an empty sequence)."""
    if isinstance(labels, str) or not isinstance(labels, Sequence):
        raise TypeError(f"{where} needs a sequence of str, got {type(labels).__name__!r}")
    names = [_text_of(where, label) for label in labels]
    if names and len(names) != count:
        raise ValueError(f"{where} needs {count} names, got {len(names)}")
    return names


def _format(where: str, spec: object) -> None:
    if not isinstance(spec, str):
        raise TypeError(f"{where} needs a format such as '.2f', got {type(spec).__name__!r}")
    try:
        format(0.0, spec)
    except ValueError:
        raise ValueError(f"{where}: {spec!r} is not a format of numbers, as '.2f'") from None


def _coloured(
    where: str, values: list[float], colours: str, low: float | None, high: float | None
) -> list[str]:
    """Each value's colour along the colour map, from low to high."""
    stops = COLOUR_MAPS[check_name(colours, COLOUR_MAPS, "colour map", f"{where}(colours=...)")]
    for name, bound in (("low", low), ("high", high)):
        if bound is not None and not is_number(bound):
            raise ValueError(f"{where}({name}=...) needs a finite number or None, got {bound!r}")
    low = min(values) if low is None else float(low)
    high = max(values) if high is None else float(high)
    spread = high - low
    result = []
    for v in values:
        t = min(1.0, max(0.0, (v - low) / spread)) if spread > 0 else 0.5
        k = min(int(t * (len(stops) - 1)), len(stops) - 2)
        f = t * (len(stops) - 1) - k
        rgb = (round(a + (b - a) * f) for a, b in zip(stops[k], stops[k + 1]))
        result.append("#{:02x}{:02x}{:02x}".format(*rgb))
    return result


# -- axes -----------------------------------------------------------------------------------


class _Axis:
    """An axis: its range, linear or logarithmic, and its ticks."""

    def __init__(
        self, extent: tuple[float, float], *, log: bool, ticks: Ticks | None, whole: bool
    ) -> None:
        self.log = log
        self.low, self.high = extent
        self.ticks = ticks or (_log_ticks(*extent) if log else _linear_ticks(*extent, whole=whole))

    def fraction(self, v: float) -> float:
        """Where v is along the axis, from 0 (low) to 1 (high)."""
        if self.log:
            return (math.log10(v) - math.log10(self.low)) / math.log10(self.high / self.low)
        return (v - self.low) / (self.high - self.low)


def _linear_ticks(low: float, high: float, *, whole: bool = False) -> Ticks:
    """About five round numbers (1, 2 or 5 times a power of ten apart) from low to high;
    ``whole``: whole numbers only (epochs)."""
    raw = (high - low) / 5
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    if whole:
        step = max(step, 1)
    decimals = max(0, -math.floor(math.log10(step)))
    first = math.ceil(low / step - 1e-9)
    at = [k * step for k in range(first, math.floor(high / step + 1e-9) + 1)]
    return Ticks(at, [_signed(f"{v:.{decimals}f}") for v in at])


def _log_ticks(low: float, high: float) -> Ticks:
    """The powers of ten from low to high, labelled 10^k, with unlabelled ticks at 2 to 9
    times each; across less than two powers, 1, 2 and 5 times them (or each tick) labelled
    as numbers."""
    powers = range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1)
    inside = [m * 10.0**p for p in powers for m in range(1, 10) if low <= m * 10.0**p <= high]
    if len(inside) < 3:
        return _linear_ticks(low, high)
    leading = [round(v / 10.0 ** math.floor(math.log10(v) + 1e-9)) for v in inside]
    if leading.count(1) >= 2:
        labels = [
            f"10^{_signed(str(round(math.log10(v))))}" if m == 1 else ""
            for v, m in zip(inside, leading)
        ]
    else:
        shown = [m in (1, 2, 5) for m in leading]
        if sum(shown) < 2:
            shown = [True] * len(inside)
        labels = [_signed(f"{v:g}") if s else "" for v, s in zip(inside, shown)]
    return Ticks(inside, labels)


def _signed(text: str) -> str:
    """A number as printed, with a true minus sign, and no -0."""
    if text.startswith("-") and float(text) == 0:
        text = text[1:]
    return text.replace("-", "−")


@dataclass
class _Box:
    x: float
    y: float
    width: float
    height: float


@dataclass
class _Placement:
    """From data coordinates to the panel's pixels."""

    box: _Box
    x_axis: _Axis
    y_axis: _Axis

    def x(self, v: float) -> float:
        return self.box.x + self.box.width * self.x_axis.fraction(v)

    def y(self, v: float) -> float:
        return self.box.y + self.box.height * (1 - self.y_axis.fraction(v))


# -- elements -------------------------------------------------------------------------------


def _line(line: Line, place: _Placement) -> list[str]:
    dash = ' stroke-dasharray="6 4"' if line.dashed else ""
    out, run = [], []
    for x, y in [*zip(line.x, line.y), (math.nan, math.nan)]:
        if math.isfinite(y) and not (place.y_axis.log and y <= 0):
            run.append(f"{place.x(x):.1f},{place.y(y):.1f}")
        elif run:
            out.append(
                f'<polyline points="{" ".join(run)}" fill="none" stroke="{line.colour}" '
                f'stroke-width="1.8" stroke-linejoin="round"{dash}/>'
            )
            run = []
    if line.markers:
        out += [
            f'<circle cx="{place.x(x):.1f}" cy="{place.y(y):.1f}" r="2.8" fill="{line.colour}"/>'
            for x, y in zip(line.x, line.y)
            if math.isfinite(y) and not (place.y_axis.log and y <= 0)
        ]
    return out


def _points(points: Points, place: _Placement) -> list[str]:
    return [
        f'<circle cx="{place.x(x):.1f}" cy="{place.y(y):.1f}" r="3.5" fill="{colour}" '
        'stroke="#222" stroke-width="0.6"/>'
        for x, y, colour in zip(points.x, points.y, points.colours)
    ]


def _cells(cells: Cells, place: _Placement) -> list[str]:
    """One rectangle per run of cells of one colour in a row (a decision boundary's regions
    are long runs), drawn edge to edge; and the numbers, if asked for."""
    rows, columns = len(cells.rows), len(cells.rows[0])
    xs = [place.x(cells.x[0] + (cells.x[1] - cells.x[0]) * j / columns) for j in range(columns + 1)]
    ys = [place.y(cells.y[1] - (cells.y[1] - cells.y[0]) * i / rows) for i in range(rows + 1)]
    out = ['<g shape-rendering="crispEdges">']
    for i, colours in enumerate(cells.colours):
        j = 0
        while j < columns:
            end = j
            while end + 1 < columns and colours[end + 1] == colours[j]:
                end += 1
            out.append(
                f'<rect x="{xs[j]:.1f}" y="{ys[i]:.1f}" width="{xs[end + 1] - xs[j]:.1f}" '
                f'height="{ys[i + 1] - ys[i]:.1f}" fill="{colours[j]}"/>'
            )
            j = end + 1
    out.append("</g>")
    if cells.numbers is not None:
        for i, row in enumerate(cells.rows):
            for j, v in enumerate(row):
                ink = "white" if _dark(cells.colours[i][j]) else "black"
                x, y = (xs[j] + xs[j + 1]) / 2, (ys[i] + ys[i + 1]) / 2 + FONT * 0.35
                out.append(_text(x, y, _signed(format(v, cells.numbers)), fill=ink))
    return out


def _dark(colour: str) -> bool:
    r, g, b = (int(colour[k : k + 2], 16) for k in (1, 3, 5))
    return 0.299 * r + 0.587 * g + 0.114 * b < 110


def _frame(place: _Placement, xlabel: str, ylabel: str) -> list[str]:
    """The frame around the plot, the ticks with their labels, and the axes' labels."""
    box = place.box
    bottom, right = box.y + box.height, box.x + box.width
    out = [
        f'<rect x="{box.x:.1f}" y="{box.y:.1f}" width="{box.width:.1f}" '
        f'height="{box.height:.1f}" fill="none" stroke="#333" stroke-width="0.8"/>'
    ]
    for v, label in zip(place.x_axis.ticks.at, place.x_axis.ticks.labels):
        x = place.x(v)
        if box.x - 0.5 <= x <= right + 0.5:
            out.append(_tick(x, bottom, x, bottom + (4 if label else 2)))
            out.append(_text(x, bottom + 6 + FONT, label))
    for v, label in zip(place.y_axis.ticks.at, place.y_axis.ticks.labels):
        y = place.y(v)
        if box.y - 0.5 <= y <= bottom + 0.5:
            out.append(_tick(box.x - (4 if label else 2), y, box.x, y))  # unlabelled: minor
            out.append(_text(box.x - 6, y + FONT * 0.35, label, anchor="end"))
    if xlabel:
        out.append(_text(box.x + box.width / 2, bottom + 22 + FONT, xlabel, size=FONT + 1))
    if ylabel:
        middle = box.y + box.height / 2
        out.append(
            f'<text transform="translate(12,{middle:.1f}) rotate(-90)" text-anchor="middle" '
            f'font-size="{FONT + 1}">{html.escape(ylabel)}</text>'
        )
    return out


def _tick(x1: float, y1: float, x2: float, y2: float) -> str:
    return f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="#333"/>'


def _legend_lines(entries: list[Line | Points], x: float, y: float) -> list[str]:
    """A line per labelled series under the plot: its mark, then its label."""
    out = []
    for k, entry in enumerate(entries):
        middle = y + 18 * k + 9
        if isinstance(entry, Line):
            dash = ' stroke-dasharray="6 4"' if entry.dashed else ""
            out.append(
                f'<line x1="{x}" y1="{middle}" x2="{x + 24}" y2="{middle}" '
                f'stroke="{entry.colour}" stroke-width="1.8"{dash}/>'
            )
            if entry.markers:
                out.append(f'<circle cx="{x + 12}" cy="{middle}" r="2.8" fill="{entry.colour}"/>')
        else:
            out.append(
                f'<circle cx="{x + 12}" cy="{middle}" r="3.5" fill="{entry.colours[0]}" '
                'stroke="#222" stroke-width="0.6"/>'
            )
        out.append(_text(x + 30, middle + FONT * 0.35, entry.label, anchor="start"))
    return out


def _text(
    x: float,
    y: float,
    text: str,
    *,
    anchor: str = "middle",
    size: int = FONT,
    bold: bool = False,
    fill: str = "black",
) -> str:
    """A line of text; '10^-3' is written as 10 with -3 raised."""
    if not text:
        return ""
    weight = ' font-weight="bold"' if bold else ""
    body = html.escape(text)
    if text.startswith("10^"):
        exponent = html.escape(text[3:])
        body = f'10<tspan dy="-{size * 0.45:.1f}" font-size="{size * 0.75:.1f}">{exponent}</tspan>'
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" '
        f'fill="{fill}"{weight}>{body}</text>'
    )
