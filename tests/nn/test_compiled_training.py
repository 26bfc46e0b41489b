"""fit(compile=True) and fit(vectorize=True): the same training as eager, faster.

Compiled, the step is the eager step's arithmetic in its order: the parameters after
training are equal, bit for bit. Vectorised (NumPy), they agree to within rounding.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import autodiff as ad
import nn
from nn.losses import Loss

MODES = [{"compile": True}, {"vectorize": True}]


def trained(loss: Loss, targets: Callable[[list[int]], list[Any]], **mode: bool) -> Any:
    """A small network trained for a few epochs of minibatches (the last one smaller), with
    momentum and an L2 penalty: its parameters, history and evaluation."""
    points, classes = nn.make_moons(30, noise=0.1, seed=0)
    y = targets(classes)
    output = loss.link or "linear"
    model = nn.MLP(2, [5, 2 if loss.link == "softmax" else 1], output=output, seed=1)
    optimizer = nn.SGD(model.parameters(), lr=0.1, momentum=0.9)
    history = nn.fit(
        model,
        points,
        y,
        loss=loss,
        optimizer=optimizer,
        epochs=3,
        batch_size=8,
        l2=1e-3,
        seed=2,
        validation=(points[:10], y[:10]),
        progress=False,
        compile=mode.get("compile", False),
        vectorize=mode.get("vectorize", False),
    )
    return [p.data for p in model.parameters()], history, nn.evaluate(model, points, y, loss=loss)


LOSSES = {
    "hinge": (nn.hinge_loss, lambda cs: [2 * c - 1 for c in cs]),
    "bce": (nn.bce_loss, lambda cs: [float(c) for c in cs]),
    "cross-entropy": (nn.cross_entropy_loss, list),
    "kl": (nn.kl_loss, lambda cs: [[0.9, 0.1] if c == 0 else [0.2, 0.8] for c in cs]),
    "mse": (nn.mse_loss, lambda cs: [float(c) for c in cs]),
}


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_compiled_training_equals_eager_to_the_bit(name: str) -> None:
    loss, targets = LOSSES[name]
    assert trained(loss, targets, compile=True) == trained(loss, targets)


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_vectorized_training_agrees_with_eager(name: str) -> None:
    loss, targets = LOSSES[name]
    params, history, evaluation = trained(loss, targets, vectorize=True)
    eager_params, eager_history, eager_evaluation = trained(loss, targets)
    assert params == pytest.approx(eager_params, rel=1e-9, abs=1e-12)
    assert history.loss == pytest.approx(eager_history.loss, rel=1e-9)
    assert history.accuracy == eager_history.accuracy
    # Validated at the end of each epoch: on the Values, written back from the arrays.
    assert history.val_loss == pytest.approx(eager_history.val_loss, rel=1e-9)
    assert evaluation.loss == pytest.approx(eager_evaluation.loss, rel=1e-9)


@pytest.mark.parametrize("mode", MODES, ids=["compile", "vectorize"])
def test_a_failing_compiled_step_leaves_the_parameters_as_they_were(mode: dict[str, bool]) -> None:
    model = nn.MLP(1, [1], seed=0)
    before = [p.data for p in model.parameters()]
    optimizer = nn.SGD(model.parameters(), lr=1e308)  # the update overflows
    with pytest.raises(ValueError, match="was undone") as caught:
        nn.fit(
            model,
            [[1.0]],
            [1e3],
            loss=nn.mse_loss,
            optimizer=optimizer,
            epochs=1,
            progress=False,
            compile=mode.get("compile", False),
            vectorize=mode.get("vectorize", False),
        )
    assert any("epoch 1 of 1" in note for note in getattr(caught.value, "__notes__", []))
    assert [p.data for p in model.parameters()] == before


def test_compile_must_be_a_flag() -> None:
    model = nn.MLP(1, [1], seed=0)
    with pytest.raises(TypeError, match=r"fit\(compile\)"):
        nn.fit(
            model,
            [[1.0]],
            [1.0],
            loss=nn.mse_loss,
            optimizer=nn.SGD(model.parameters(), lr=0.1),
            compile="yes",  # type: ignore[arg-type]
            progress=False,
        )


def moons_fit(model: nn.MLP, optimizer: nn.Optimizer, epochs: int, **options: Any) -> None:
    points, classes = nn.make_moons(30, noise=0.1, seed=0)
    nn.fit(
        model,
        points,
        [2 * c - 1 for c in classes],
        loss=nn.hinge_loss,
        optimizer=optimizer,
        epochs=epochs,
        **{"progress": False, **options},
    )


@pytest.mark.parametrize("mode", MODES, ids=["compile", "vectorize"])
def test_a_second_fit_and_a_last_smaller_batch_trace_nothing(
    mode: dict[str, bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    traces = []
    write = ad.Compiled.write

    def counted(*args: Any, **kwargs: Any) -> Any:
        traces.append(args)
        return write(*args, **kwargs)

    monkeypatch.setattr(ad.Compiled, "write", counted)
    model = nn.MLP(2, [4, 1], seed=0)
    optimizer = nn.SGD(model.parameters(), lr=0.1)
    for _ in range(2):  # batches of 8, 8, 8 and 6
        moons_fit(model, optimizer, 2, batch_size=8, seed=1, **mode)
    assert len(traces) == 1


def test_a_vectorized_fit_leaves_the_optimizer_as_an_eager_one_would() -> None:
    models = [nn.MLP(2, [4, 1], seed=0) for _ in range(2)]
    optimizers = [nn.SGD(m.parameters(), lr=0.1, momentum=0.9) for m in models]
    moons_fit(models[0], optimizers[0], 2, vectorize=True)
    moons_fit(models[0], optimizers[0], 1)  # eagerly on, from the velocity written back
    moons_fit(models[1], optimizers[1], 3)
    assert optimizers[0].steps == optimizers[1].steps == 3
    after = [[p.data for p in m.parameters()] for m in models]
    assert after[0] == pytest.approx(after[1], rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("mode", MODES, ids=["compile", "vectorize"])
def test_the_progress_bar_says_when_the_step_is_compiled(
    mode: dict[str, bool], capsys: pytest.CaptureFixture[str]
) -> None:
    model = nn.MLP(2, [3, 1], seed=0)
    optimizer = nn.SGD(model.parameters(), lr=0.1)
    shown = []
    for _ in range(2):  # the second fit has its step compiled already
        moons_fit(model, optimizer, 1, progress=True, live=False, **mode)
        shown.append(capsys.readouterr().err)
    assert "tracing and compiling the step" in shown[0]
    assert "compiling" not in shown[1] and "epoch=1/1" in shown[1]
