"""The live training view: fit's loss curve, and for 2-D data the decision boundary, as it trains.

In Jupyter, `fit` shows it below its progress bar: a line with the epoch, the loss and the
accuracy (written as the bar writes them), and a picture of the loss per epoch beside the
regions the model gives each class. It is drawn from the very `History` that fit returns, so
its numbers are fit's; redrawn about once a second (a redraw costs a classification of a grid,
so never more often than one every three redraws' time) and once more at the last epoch.

Outside Jupyter there is nothing to draw in: ``live=True`` writes the line every tenth of the
epochs instead, above the progress bar; the default, ``live=None``, shows the view in Jupyter
only, and only with the progress bar. It needs ipywidgets (the ``notebooks`` extra), imported
when a view is made; the picture is SVG from `nn.charts`, here as in the browser course.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any, Protocol, cast

from tqdm.auto import tqdm

from nn.charts import Figure, Plot
from nn.losses import Loss
from nn.module import MLP
from nn.plot import curve, draw_decision_boundary
from nn.train import History, Samples, progress_fields

RESOLUTION = 30
"""Points per side of the grid classified for the decision boundary: coarse, to stay quick."""
SECONDS = 1.0
"""The least time between two redraws of the view in Jupyter."""
INSTALL = 'pip install "influence-autodiff[notebooks]"'


class View(Protocol):
    """What fit tells a view: an epoch has ended, and the history so far."""

    def update(self, epoch: int, history: History) -> None: ...


def view(
    model: MLP,
    x: Samples,
    y: Sequence[Any],
    *,
    loss: Loss,
    epochs: int,
    live: bool | None,
    progress: bool,
) -> View:
    """The view fit shows for ``live``: see the module docstring."""
    if live is False or (live is None and not progress):
        return Quiet()
    if in_jupyter():
        try:
            return Panel(model, x, y, loss=loss, epochs=epochs)
        except ImportError:
            if live:
                raise
            return Quiet()  # the default asks for no more than what is installed
    return Lines(epochs, loss) if live else Quiet()


def in_jupyter() -> bool:
    """Whether this runs where widgets show, as tqdm.auto decides for its bar: in a Jupyter
    kernel, JupyterLite's included."""
    return any(base.__module__ == "tqdm.notebook" for base in tqdm.__mro__)


class Quiet:
    """No view."""

    def update(self, epoch: int, history: History) -> None:
        pass


class Lines:
    """The line a view shows, written every tenth of the epochs and at the last."""

    def __init__(self, epochs: int, loss: Loss) -> None:
        self.epochs, self.loss = epochs, loss
        self.every = max(1, epochs // 10)

    def update(self, epoch: int, history: History) -> None:
        if epoch % self.every == 0 or epoch == self.epochs:
            tqdm.write(summary(epoch, self.epochs, history, self.loss))  # above the bar


class Panel:
    """The view in Jupyter: the line, and a picture of the loss curve and the boundary.

    ``epoch`` is the epoch the picture shows, ``curve`` the losses it plots.
    """

    def __init__(
        self, model: MLP, x: Samples, y: Sequence[Any], *, loss: Loss, epochs: int
    ) -> None:
        try:
            import ipywidgets  # noqa: PLC0415 -- optional: imported when a view is made
            from IPython.display import display  # noqa: PLC0415 -- comes with ipywidgets
        except ImportError:
            raise ImportError(f"fit's live view needs ipywidgets: {INSTALL}") from None
        self.model, self.loss, self.epochs = model, loss, epochs
        self.x = [list(sample) for sample in x]
        self.boundary = model.nin == 2 and loss.classifies
        # Targets here are numbers, so their classes are floats (Values only under a tracer).
        self.colours = [cast(float, loss.class_of(t)) for t in y] if self.boundary else []
        self.figure: Figure | None = None  # the picture of the epoch drawn last
        self.epoch = 0
        self.curve: list[float] = []
        self.line = ipywidgets.Label()
        self.image = ipywidgets.Image(format="svg+xml")
        self.widget = ipywidgets.VBox([self.line, self.image])
        self._next = 0.0  # when the next redraw may be, by time.monotonic()
        self._shown = display(self._bundle(), raw=True, display_id=True)  # type: ignore[no-untyped-call]

    def update(self, epoch: int, history: History) -> None:
        if epoch < self.epochs and time.monotonic() < self._next:
            return
        start = time.monotonic()
        self.draw(epoch, history)
        spent = time.monotonic() - start
        self._next = time.monotonic() + max(SECONDS, 3 * spent)

    def draw(self, epoch: int, history: History) -> None:
        """Show the history after this epoch."""
        self.epoch, self.curve = epoch, list(history.loss)
        self.line.value = summary(epoch, self.epochs, history, self.loss)
        plots = [curve("loss", self.curve, history.val_loss, width=360)]
        if self.boundary:
            boundary = Plot(title="decision boundary", width=320, height=300)
            draw_decision_boundary(
                boundary, self.model, self.x, self.colours, resolution=RESOLUTION, margin=0.5
            )
            plots.append(boundary)
        self.figure = Figure(*plots)
        self.image.value = self.figure.svg().encode("utf-8")
        if epoch == self.epochs and self._shown is not None:
            self._shown.update(self._bundle(), raw=True)  # the last line as the text, too

    def _bundle(self) -> dict[str, Any]:
        """The widget, and for a reader without widgets (a notebook saved without their
        state), the line as text."""
        bundle: dict[str, Any] = self.widget._repr_mimebundle_()
        bundle["text/plain"] = self.line.value or "fit's live view (in Jupyter)"
        return bundle


def summary(epoch: int, epochs: int, history: History, loss: Loss) -> str:
    """'epoch 7/100, loss 0.2413, accuracy 95.0%': the last epoch's numbers, as the bar says."""
    accuracy = history.accuracy[-1] if history.accuracy else 0.0
    fields = progress_fields(epoch, epochs, history.loss[-1], accuracy, loss)
    return ", ".join(f"{name} {text}" for name, text in fields.items())
