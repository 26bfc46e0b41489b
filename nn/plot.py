"""Plots of training: the decision boundary of a 2-D classifier, and loss and accuracy curves.

Each is a `nn.charts` plot, SVG made in plain Python: a notebook shows it, ``path`` (an .svg
file) saves it, here, in JupyterLab and in the browser course alike.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TypeVar

from autodiff.checks import as_nonnegative, is_number
from nn.charts import Figure, Plot
from nn.checks import check_same_length, check_samples, plain_targets
from nn.module import MLP
from nn.train import History, classify

Destination = str | os.PathLike[str]
"""Where to write a plot: the name or path of an .svg file."""


def plot_decision_boundary(
    model: MLP,
    x: Sequence[Sequence[float]],
    y: Sequence[float],
    path: Destination | None = None,
    *,
    resolution: int = 60,
    margin: float = 0.5,
) -> Plot:
    """The class the model gives each point of a resolution × resolution grid around the
    data (see `nn.classify`), with the data on top, colored by y; written to path if given."""
    if not isinstance(model, MLP):
        raise TypeError(f"plot_decision_boundary needs an nn.MLP, got {type(model).__name__!r}")
    if model.nin != 2:
        raise ValueError(
            f"plot_decision_boundary needs 2-D points: a model of 2 inputs, not {model.nin}"
        )
    x = check_samples(x, 2, "plot_decision_boundary (2-D points)")
    y = plain_targets(y, "plot_decision_boundary")
    check_same_length("plot_decision_boundary", x, y)
    if not all(is_number(t) for t in y):
        raise ValueError("plot_decision_boundary: the targets (colours) must be numbers")
    as_nonnegative(margin, "plot_decision_boundary(margin)")
    if (
        isinstance(resolution, bool)
        or not isinstance(resolution, int)
        or not 2 <= resolution <= 1000
    ):
        raise ValueError(f"resolution needs an int from 2 to 1000, got {resolution!r}")
    plot = Plot(title="decision boundary", xlabel="x1", ylabel="x2", width=380, height=360)
    draw_decision_boundary(plot, model, x, y, resolution=resolution, margin=margin)
    return _saved(plot, path)


def draw_decision_boundary(
    plot: Plot,
    model: MLP,
    x: Sequence[Sequence[float]],
    y: Sequence[float],
    *,
    resolution: int,
    margin: float,
) -> None:
    """`plot_decision_boundary`'s picture, on plot, from arguments already checked: each
    region in a pale colour (the colour map's quarter way for the first class, three quarters
    for the last), the points in full colour, from the least target to the greatest."""
    (x_low, x_high), (y_low, y_high) = (_span([p[i] for p in x], margin) for i in (0, 1))
    centres_x = [x_low + (x_high - x_low) * (j + 0.5) / resolution for j in range(resolution)]
    centres_y = [y_high - (y_high - y_low) * (i + 0.5) / resolution for i in range(resolution)]
    classes = classify(model, [[u, v] for v in centres_y for u in centres_x])
    rows = [classes[i : i + resolution] for i in range(0, len(classes), resolution)]
    last = max(1, model.nout - 1)  # one score: classes 0 and 1
    pale = last / 2
    plot.heatmap(rows, x=(x_low, x_high), y=(y_low, y_high), low=-pale, high=last + pale)
    plot.scatter([p[0] for p in x], [p[1] for p in x], colour=list(y))


def plot_history(history: History, path: Destination | None = None) -> Figure:
    """Loss per epoch, and accuracy if recorded; training and validation; written to path."""
    if not isinstance(history, History):
        raise TypeError(
            f"plot_history needs the History fit returns, got {type(history).__name__!r}"
        )
    plots = [curve("loss", history.loss, history.val_loss)]
    if history.accuracy:
        plots.append(curve("accuracy", history.accuracy, history.val_accuracy))
    return _saved(Figure(*plots), path)


def curve(
    name: str, train: Sequence[float], validation: Sequence[float], *, width: int = 400
) -> Plot:
    """One of `plot_history`'s curves: training and validation, per epoch."""
    plot = Plot(title=name, xlabel="epoch", width=width, height=300)
    epochs = range(1, len(train) + 1)
    plot.line(epochs, train, label="training")
    if validation:
        plot.line(epochs, validation, label="validation")
    return plot


def _span(values: list[float], margin: float) -> tuple[float, float]:
    return min(values) - margin, max(values) + margin


Picture = TypeVar("Picture", Plot, Figure)


def _saved(picture: Picture, path: Destination | None) -> Picture:
    if path is not None:
        picture.save(path)
    return picture
