"""Plots: the decision boundary of a 2-D classifier, and loss and accuracy curves.

matplotlib is optional (the ``plot`` extra) and imported only here, when a
plot is made. Figures are made without pyplot: no global state changes, no window opens,
and Agg draws the PNGs, display or none; a notebook shows a returned figure as its PNG.
"""

from __future__ import annotations

import functools
import io
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from autodiff.checks import as_nonnegative, is_number
from nn.checks import check_same_length, check_samples, plain_targets
from nn.module import MLP
from nn.train import History, classify

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

Destination = str | os.PathLike[str]
"""Where to write a figure: a file name or path."""


def plot_decision_boundary(
    model: MLP,
    x: Sequence[Sequence[float]],
    y: Sequence[float],
    path: Destination | None = None,
    *,
    resolution: int = 60,
    margin: float = 0.5,
) -> Figure:
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
    figure = new_figure(figsize=(5, 5))
    draw_decision_boundary(figure.add_subplot(), model, x, y, resolution=resolution, margin=margin)
    return _saved(figure, path)


def draw_decision_boundary(
    ax: Axes,
    model: MLP,
    x: Sequence[Sequence[float]],
    y: Sequence[float],
    *,
    resolution: int,
    margin: float,
) -> None:
    """`plot_decision_boundary`'s picture, on ax, from arguments already checked."""
    axes_values = [_grid([point[i] for point in x], resolution, margin) for i in (0, 1)]
    grid = [[u, v] for v in axes_values[1] for u in axes_values[0]]
    classes = classify(model, grid)
    rows = [classes[i : i + resolution] for i in range(0, len(classes), resolution)]
    ax.contourf(*axes_values, rows, cmap="coolwarm", alpha=0.4)
    ax.scatter(
        [point[0] for point in x],
        [point[1] for point in x],
        c=y,
        cmap="coolwarm",
        s=20,
        edgecolors="k",
    )
    ax.set(title="decision boundary", xlabel="x1", ylabel="x2")


def plot_history(history: History, path: Destination | None = None) -> Figure:
    """Loss per epoch, and accuracy if recorded; training and validation; written to path."""
    if not isinstance(history, History):
        raise TypeError(
            f"plot_history needs the History fit returns, got {type(history).__name__!r}"
        )
    curves = [("loss", history.loss, history.val_loss)]
    if history.accuracy:
        curves.append(("accuracy", history.accuracy, history.val_accuracy))
    figure = new_figure(figsize=(5 * len(curves), 4))
    for k, (name, train, validation) in enumerate(curves, start=1):
        draw_curve(figure.add_subplot(1, len(curves), k), name, train, validation)
    return _saved(figure, path)


def draw_curve(ax: Axes, name: str, train: Sequence[float], validation: Sequence[float]) -> None:
    """One of `plot_history`'s curves, on ax: training and validation, per epoch."""
    epochs = range(1, len(train) + 1)
    ax.plot(epochs, train, label="training")
    if validation:
        ax.plot(epochs, validation, label="validation")
    ax.set(title=name, xlabel="epoch")
    ax.legend()


def _grid(values: list[float], n: int, margin: float) -> list[float]:
    low, high = min(values) - margin, max(values) + margin
    return [low + (high - low) * i / (n - 1) for i in range(n)]


def _saved(figure: Figure, path: Destination | None) -> Figure:
    figure.tight_layout()
    if path is not None:
        figure.savefig(path, dpi=100)
    return figure


def new_figure(**options: Any) -> Figure:
    """A matplotlib Figure made without pyplot, which IPython displays as its PNG."""
    return _figure_class()(**options)


@functools.cache
def _figure_class() -> type[Figure]:
    try:
        from matplotlib.figure import Figure  # noqa: PLC0415 -- optional: imported when used
    except ImportError:
        raise ImportError(
            'nn.plot needs matplotlib: pip install "influence-autodiff[plot]" (until it is '
            'published, from a checkout: pip install -e ".[plot]")'
        ) from None

    class PNGFigure(Figure):
        """A Figure that IPython displays as its PNG, with or without pyplot."""

        def _repr_png_(self) -> bytes:
            buffer = io.BytesIO()
            self.savefig(buffer, format="png", dpi=100)
            return buffer.getvalue()

    return PNGFigure
