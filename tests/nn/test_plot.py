"""Plots: PNG files and figures, and a clear error without matplotlib."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import nn

pytest.importorskip("matplotlib")

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_the_decision_boundary_is_written_as_a_png(tmp_path: Path) -> None:
    x, y = nn.make_moons(20, seed=0)
    model = nn.MLP(2, [4, 1], seed=0)
    figure = nn.plot_decision_boundary(model, x, y, tmp_path / "boundary.png", resolution=10)
    assert (tmp_path / "boundary.png").read_bytes().startswith(PNG_SIGNATURE)
    assert figure.axes[0].get_title() == "decision boundary"
    assert all(p.grad == 0.0 for p in model.parameters())


def test_a_multiclass_boundary_and_no_file_without_a_path(tmp_path: Path) -> None:
    x, y = nn.make_spirals(20, seed=0)
    figure = nn.plot_decision_boundary(nn.MLP(2, [4, 3], seed=0), x, y, resolution=5)
    assert figure.axes and list(tmp_path.iterdir()) == []


def test_the_history_curves_show_loss_and_accuracy_with_validation(tmp_path: Path) -> None:
    history = nn.History(
        loss=[1.0, 0.5], accuracy=[0.5, 0.9], val_loss=[1.1, 0.7], val_accuracy=[0.4, 0.8]
    )
    figure = nn.plot_history(history, tmp_path / "curves.png")
    assert (tmp_path / "curves.png").read_bytes().startswith(PNG_SIGNATURE)
    assert [ax.get_title() for ax in figure.axes] == ["loss", "accuracy"]
    assert [len(ax.get_lines()) for ax in figure.axes] == [2, 2]
    assert [ax.get_title() for ax in nn.plot_history(nn.History(loss=[1.0])).axes] == ["loss"]


def test_a_notebook_shows_a_returned_figure_as_its_png() -> None:
    figure = nn.plot_history(nn.History(loss=[1.0, 0.5]))
    assert figure._repr_png_().startswith(PNG_SIGNATURE)  # type: ignore[attr-defined]


def test_without_matplotlib_the_error_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    nn.plot._figure_class.cache_clear()
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    try:
        with pytest.raises(ImportError, match=r'pip install "influence-autodiff\[plot\]"'):
            nn.plot_history(nn.History(loss=[1.0]))
    finally:
        nn.plot._figure_class.cache_clear()


def test_bad_input_gets_a_clear_error() -> None:
    model = nn.MLP(3, [1], seed=0)
    with pytest.raises(ValueError, match="needs 2-D points"):
        nn.plot_decision_boundary(model, [[0.0, 1.0, 2.0]], [1])
    with pytest.raises(ValueError, match="resolution needs an int from 2 to 1000, got 1"):
        nn.plot_decision_boundary(nn.MLP(2, [1], seed=0), [[0.0, 1.0]], [1], resolution=1)
