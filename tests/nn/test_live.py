"""fit's live view: in Jupyter a picture of the loss curve and the decision boundary with the
bar's numbers, elsewhere lines of text or nothing; always the numbers of the History fit returns."""

from __future__ import annotations

import sys
from typing import Any

import pytest

import nn
from nn import live


def moons_fit(**options: Any) -> nn.History:
    x, classes = nn.make_moons(40, noise=0.1, seed=1)
    labels = [2 * c - 1 for c in classes]
    model = nn.MLP(2, [8, 1], seed=0)
    optimizer = nn.SGD(model.parameters(), lr=0.3)
    settings = {"loss": nn.hinge_loss, "optimizer": optimizer, "epochs": 12, "seed": 0}
    return nn.fit(model, x, labels, **{**settings, **options})


@pytest.fixture
def panels(monkeypatch: pytest.MonkeyPatch) -> list[live.Panel]:
    """As in Jupyter: fit makes Panels, listed here."""
    made: list[live.Panel] = []

    class Recorded(live.Panel):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            made.append(self)

    monkeypatch.setattr(live, "in_jupyter", lambda: True)
    monkeypatch.setattr(live, "Panel", Recorded)
    return made


def test_in_jupyter_fit_shows_the_history_it_returns(panels: list[live.Panel]) -> None:
    history = moons_fit()
    (panel,) = panels
    assert panel.epoch == 12 and panel.curve == history.loss  # the last epoch, drawn
    last = f"loss {history.loss[-1]:.4f}, accuracy {history.accuracy[-1]:.1%}"
    assert panel.line.value == f"epoch 12/12, {last}"
    assert panel.figure is not None and panel.image.format == "svg+xml"
    assert bytes(panel.image.value).decode() == panel.figure.svg()
    assert [plot.title for plot in panel.figure.plots] == ["loss", "decision boundary"]
    curve = panel.figure.plots[0].layers[0]
    assert isinstance(curve, nn.charts.Line) and curve.y == history.loss


def test_the_first_epoch_is_drawn_at_once_and_redraws_wait(
    panels: list[live.Panel], monkeypatch: pytest.MonkeyPatch
) -> None:
    drawn: list[int] = []
    original = live.Panel.draw

    def draw(self: live.Panel, epoch: int, history: nn.History) -> None:
        drawn.append(epoch)
        original(self, epoch, history)

    monkeypatch.setattr(live.Panel, "draw", draw)
    monkeypatch.setattr(live, "SECONDS", 3600.0)  # a slow clock: only the first and the last
    moons_fit()
    assert drawn == [1, 12]


def test_a_model_of_more_inputs_gets_the_loss_curve_alone(panels: list[live.Panel]) -> None:
    model = nn.MLP(3, [2, 1], seed=0)
    optimizer = nn.SGD(model.parameters(), lr=0.1)
    x, y = [[0.0, 1.0, 2.0], [1.0, 0.0, -1.0]], [1.0, -1.0]
    history = nn.fit(model, x, y, loss=nn.mse_loss, optimizer=optimizer, epochs=3)
    (panel,) = panels
    assert panel.figure is not None
    assert [plot.title for plot in panel.figure.plots] == ["loss"]
    assert panel.line.value == f"epoch 3/3, loss {history.loss[-1]:.4f}"


def test_no_view_without_the_bar_or_when_told_not_to(panels: list[live.Panel]) -> None:
    moons_fit(progress=False)
    moons_fit(live=False)
    assert panels == []
    moons_fit(progress=False, live=True)
    assert len(panels) == 1


def test_outside_jupyter_live_writes_the_numbers_every_tenth_of_the_epochs(
    capsys: pytest.CaptureFixture[str],
) -> None:
    history = moons_fit(progress=False, live=True)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(",")[0] for line in lines] == [f"epoch {e}/12" for e in range(1, 13)]
    assert lines[-1] == live.summary(12, 12, history, nn.hinge_loss)
    moons_fit(progress=False)  # the default: nothing outside Jupyter
    moons_fit(live=False)
    assert capsys.readouterr().out == ""


def test_without_ipywidgets_the_default_shows_nothing_and_live_says_what_to_install(
    panels: list[live.Panel], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "ipywidgets", None)
    moons_fit()
    assert panels == []
    with pytest.raises(ImportError, match=r'pip install "influence-autodiff\[notebooks\]"'):
        moons_fit(live=True)


def test_live_must_be_a_flag_or_none() -> None:
    with pytest.raises(TypeError, match=r"fit\(live\) needs True or False"):
        moons_fit(live="yes")


def test_outside_jupyter_there_is_nowhere_to_show_widgets() -> None:
    assert not live.in_jupyter()  # tqdm.auto chose its text bar: this is not a kernel
