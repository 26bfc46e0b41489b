"""What a user meets with real data and honest mistakes: NumPy arrays, NaN, a step that fails."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import nn
from autodiff import Value


def model_and_data() -> tuple[nn.MLP, np.ndarray, np.ndarray]:
    x = np.array([[0.5, 1.0], [-0.5, 0.2], [1.0, -1.0], [0.0, 0.3]])
    return nn.MLP(2, [3, 1], seed=0), x, np.array([1.0, -1.0, 1.0, -1.0])


def test_numpy_arrays_work_wherever_numbers_do() -> None:
    model, x, y = model_and_data()
    history = nn.fit(
        model,
        x,
        y,
        loss=nn.hinge_loss,
        optimizer=nn.SGD(model.parameters(), 0.1),
        epochs=3,
        progress=False,
    )
    assert len(history.loss) == 3 and all(isinstance(a, float) for a in history.accuracy)
    scores = nn.evaluate(model, x, y, loss=nn.hinge_loss)
    assert isinstance(scores.loss, float) and isinstance(scores.accuracy, float)
    assert len(nn.predict(model, x)) == 4 and all(
        isinstance(p, float) for p in nn.predict(model, x)
    )
    assert nn.classify(model, x) == nn.classify(model, x.tolist())
    assert Value(np.float64(2.5)).data == 2.5 and type(Value(np.float32(1.5)).data) is float
    digits = nn.MLP(2, [3], output="softmax", seed=0)
    loss = nn.cross_entropy_loss([digits(row) for row in x], np.array([0, 1, 2, 0]))
    assert math.isfinite(loss.data)


def test_non_finite_inputs_are_refused_before_the_model_changes() -> None:
    model, x, y = model_and_data()
    x[1, 0] = math.nan
    before = [p.data for p in model.parameters()]
    with pytest.raises(ValueError, match=r"fit: sample 1, input 0 is nan: inputs must be finite"):
        nn.fit(
            model, x, y, loss=nn.mse_loss, optimizer=nn.SGD(model.parameters(), 0.1), progress=False
        )
    assert [p.data for p in model.parameters()] == before


class InterruptedSGD(nn.SGD):
    """SGD whose update is interrupted (Ctrl-C) after moving half of the parameters."""

    def update(self, lr: float) -> None:
        for p in self.parameters[: len(self.parameters) // 2]:
            p.data -= lr * p.grad
        raise KeyboardInterrupt


class OverflowingSGD(nn.SGD):
    """SGD whose update overflows: half of the parameters become inf."""

    def update(self, lr: float) -> None:
        for p in self.parameters[: len(self.parameters) // 2]:
            p.data = math.inf


@pytest.mark.parametrize(
    ("optimizer", "error"),
    [
        (lambda ps: InterruptedSGD(ps, lr=0.1, momentum=0.9), KeyboardInterrupt),
        (lambda ps: OverflowingSGD(ps, lr=0.1), ValueError),  # "became inf ... undone"
    ],
)
def test_a_step_that_fails_leaves_the_parameters_and_the_optimizer_as_they_were(
    optimizer: Any, error: type[BaseException]
) -> None:
    model, x, y = model_and_data()
    opt = optimizer(model.parameters())
    before = [p.data for p in model.parameters()]
    state = {name: list(values) for name, values in opt.state().items()}
    with pytest.raises(error) as raised:
        nn.fit(
            model,
            x,
            y,
            loss=nn.hinge_loss,
            optimizer=opt,
            epochs=2,
            batch_size=2,
            seed=0,
            progress=False,
        )
    assert getattr(raised.value, "__notes__", None) == [
        "fit: epoch 1 of 2, batch 1 of 2 failed; the parameters are as they were before that step"
    ]
    assert [p.data for p in model.parameters()] == before
    assert {name: list(values) for name, values in opt.state().items()} == state
    assert opt.steps == 0


def test_an_optimizer_of_another_model_is_refused() -> None:
    model, x, y = model_and_data()
    other = nn.MLP(2, [3, 1], seed=1)
    with pytest.raises(ValueError, match="updates none of this model's parameters"):
        nn.fit(
            model,
            x,
            y,
            loss=nn.hinge_loss,
            optimizer=nn.SGD(other.parameters(), 0.1),
            progress=False,
        )


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda: nn.MLP(2, [3], activation="gelu"),
            "MLP\\(activation\\): unknown activation 'gelu'",
        ),
        (lambda: nn.MLP(2, [3], output="gelu"), "MLP\\(output\\): unknown activation 'gelu'"),
        (lambda: nn.MLP(2, "3"), "MLP\\(nouts\\) needs a list of layer sizes"),  # type: ignore[arg-type]
        (lambda: nn.make_moons(10**400), "n needs a positive int up to 1e\\+09"),
    ],
)
def test_models_and_data_refuse_what_they_cannot_make(make: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make()


def test_fit_refuses_a_loss_that_is_not_one() -> None:
    model, x, y = model_and_data()
    with pytest.raises(TypeError, match=r"loss must be one of nn's losses.*got 'mse'"):
        nn.fit(model, x, y, loss="mse", optimizer=nn.SGD(model.parameters(), 0.1))  # type: ignore[arg-type]


def test_save_names_a_missing_folder(tmp_path: Any) -> None:
    model, _, _ = model_and_data()
    with pytest.raises(
        FileNotFoundError,
        match=r"cannot write /nonexistent/x.json: there is no folder /nonexistent",
    ):
        nn.save(model, "/nonexistent/x.json")


def test_each_loss_says_what_it_computes() -> None:
    docs = {
        loss.__class__.__doc__
        for loss in (nn.mse_loss, nn.hinge_loss, nn.bce_loss, nn.cross_entropy_loss, nn.kl_loss)
    }
    assert len(docs) == 5 and all(doc and "Targets:" in doc for doc in docs)


def test_the_squared_error_is_one_argument_away_from_the_lectures_sum() -> None:
    outputs, targets = [Value(1.0), Value(3.0)], [0.0, 1.0]
    assert nn.mse_loss(outputs, targets).data == (1.0 + 4.0) / 2
    assert nn.mse_loss(outputs, targets, reduction="sum").data == 1.0 + 4.0
    with pytest.raises(ValueError, match="reduction must be 'mean' or 'sum'"):
        nn.mse_loss(outputs, targets, reduction="max")


def test_predict_gives_one_number_per_sample_for_one_output() -> None:
    model = nn.MLP(2, [3, 1], seed=0)
    [score] = nn.predict(model, [[1.0, 2.0]])
    assert score == model.forward([1.0, 2.0])[0].data  # as model(x) gives one Value
    two = nn.MLP(2, [3, 2], seed=0)
    assert len(nn.predict(two, [[1.0, 2.0]])[0]) == 2
