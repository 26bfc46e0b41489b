"""fit, evaluate, predict and classify."""

from __future__ import annotations

import random

import pytest

import autodiff as ad
import nn


def test_fit_learns_xor_with_a_sigmoid_output_and_bce() -> None:
    x, y = nn.make_xor(40, seed=0)
    model = nn.MLP(2, [8, 1], activation="tanh", output="sigmoid", init="xavier", seed=0)
    optimizer = nn.Adam(model.parameters(), lr=0.05)
    history = nn.fit(
        model,
        x,
        y,
        loss=nn.bce_loss,
        optimizer=optimizer,
        epochs=60,
        batch_size=10,
        seed=0,
        progress=False,
    )
    assert len(history.loss) == len(history.accuracy) == 60
    assert history.loss[-1] < history.loss[0] / 4
    assert nn.evaluate(model, x, y, loss=nn.bce_loss).accuracy == 1.0
    assert nn.classify(model, x) == y
    probabilities = nn.predict(model, x)  # one number per sample: one output
    assert all(0 < p < 1 for p in probabilities)
    assert [int(p > 0.5) for p in probabilities] == y


def test_fit_learns_ten_digits_with_softmax_and_cross_entropy_and_validates() -> None:
    images, digits = nn.load_digits()
    x_train, x_test, y_train, y_test = nn.train_test_split(images[:300], digits[:300], seed=0)
    model = nn.MLP(64, [16, 10], output="softmax", init="xavier", seed=0)
    optimizer = nn.SGD(model.parameters(), lr=0.1, momentum=0.9)
    history = nn.fit(
        model,
        x_train,
        y_train,
        loss=nn.cross_entropy_loss,
        optimizer=optimizer,
        epochs=4,
        batch_size=32,
        validation=(x_test, y_test),
        seed=0,
        progress=False,
    )
    assert len(history.val_loss) == len(history.val_accuracy) == 4
    assert history.loss[-1] < history.loss[0]
    assert history.val_accuracy[-1] > 0.7
    assert nn.evaluate(model, x_test, y_test, loss=nn.cross_entropy_loss) == pytest.approx(
        (history.val_loss[-1], history.val_accuracy[-1])
    )
    assert all(sum(row) == pytest.approx(1.0) for row in nn.predict(model, x_test))


def test_one_epoch_of_fit_is_one_step_of_micrograds_demo() -> None:
    x, classes = nn.make_moons(20, seed=0)
    y = [2 * c - 1 for c in classes]
    by_fit, by_hand = nn.MLP(2, [4, 1], seed=1), nn.MLP(2, [4, 1], seed=1)
    optimizer = nn.SGD(by_fit.parameters(), lr=0.5)
    nn.fit(by_fit, x, y, loss=nn.hinge_loss, optimizer=optimizer, epochs=1, l2=1e-2, progress=False)
    scores = [by_hand.forward(sample)[0] for sample in x]
    losses = [(1 + -yi * si).relu() for yi, si in zip(y, scores)]
    total = ad.sum(losses) * (1.0 / len(losses)) + 1e-2 * ad.sum(
        p * p for p in by_hand.parameters()
    )
    by_hand.zero_grad()
    total.backward()
    for p in by_hand.parameters():
        p.data -= 0.5 * p.grad
    assert [p.data for p in by_fit.parameters()] == pytest.approx(
        [p.data for p in by_hand.parameters()]
    )


def test_a_seed_makes_training_reproducible() -> None:
    def train() -> nn.History:
        x, y = nn.make_circles(30, seed=0)
        model = nn.MLP(2, [6, 1], seed=0)
        optimizer = nn.SGD(model.parameters(), lr=0.1)
        return nn.fit(
            model,
            x,
            y,
            loss=nn.bce_loss,
            optimizer=optimizer,
            epochs=3,
            batch_size=8,
            seed=4,
            progress=False,
        )

    assert train() == train()


def test_mean_squared_error_records_no_accuracy() -> None:
    x = [[0.0], [0.5], [1.0]]
    y = [0.0, 1.0, 2.0]
    model = nn.MLP(1, [1], seed=0)
    optimizer = nn.SGD(model.parameters(), lr=0.2)
    history = nn.fit(model, x, y, loss=nn.mse_loss, optimizer=optimizer, epochs=200, progress=False)
    assert history.accuracy == [] and history.loss[-1] < 1e-6
    assert nn.evaluate(model, x, y, loss=nn.mse_loss).accuracy is None
    assert [round(out, 3) for out in nn.predict(model, [[2.0]])] == [4.0]


def test_the_progress_bar_shows_the_epoch_loss_and_accuracy(
    capsys: pytest.CaptureFixture[str],
) -> None:
    x, y = nn.make_xor(8, seed=0)
    model = nn.MLP(2, [2, 1], seed=0)
    nn.fit(model, x, y, loss=nn.bce_loss, optimizer=nn.SGD(model.parameters(), lr=0.1), epochs=2)
    shown = capsys.readouterr().err
    assert "2/2" in shown and "epoch=2/2" in shown and "loss=" in shown and "accuracy=" in shown
    nn.fit(
        model,
        x,
        y,
        loss=nn.bce_loss,
        optimizer=nn.SGD(model.parameters(), lr=0.1),
        epochs=2,
        progress=False,
    )
    assert capsys.readouterr().err == ""


def test_evaluate_predict_and_classify_record_no_graph_and_touch_no_gradient() -> None:
    x, y = nn.make_moons(10, seed=0)
    model = nn.MLP(2, [3, 1], output="sigmoid", seed=0)
    nn.evaluate(model, x, y, loss=nn.bce_loss)
    nn.predict(model, x)
    nn.classify(model, x)
    assert all(p.grad == 0.0 for p in model.parameters())
    assert ad.is_grad_enabled()


def test_classes_are_read_off_the_logits() -> None:
    assert [nn.train.decide(s) for s in ([0.3], [-0.1], [0.0], [1.0, 3.0, 2.0])] == [1, 0, 0, 1]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"epochs": 0}, "epochs needs a positive int up to 1e\\+09, got 0"),
        ({"batch_size": 0}, "batch_size needs a positive int up to 1e\\+09, got 0"),
        ({"l2": -1.0}, "l2 needs a number >= 0"),
        ({"loss": nn.cross_entropy_loss}, "takes the logits of a softmax .* output is sigmoid"),
    ],
)
def test_bad_settings_get_a_clear_error(options: dict[str, object], message: str) -> None:
    model = nn.MLP(2, [1], output="sigmoid", seed=0)
    settings: dict[str, object] = {
        "loss": nn.bce_loss,
        "optimizer": nn.SGD(model.parameters(), lr=0.1),
    }
    with pytest.raises(ValueError, match=message):
        nn.fit(model, [[0.0, 1.0]], [1], **{**settings, **options}, progress=False)  # type: ignore[arg-type]


def test_samples_and_targets_must_match() -> None:
    model = nn.MLP(2, [1], seed=0)
    with pytest.raises(ValueError, match="fit: 2 samples but 1 targets"):
        nn.fit(
            model,
            [[0.0, 1.0]] * 2,
            [1],
            loss=nn.hinge_loss,
            optimizer=nn.SGD(model.parameters(), lr=0.1),
        )
    with pytest.raises(ValueError, match="evaluate needs at least one sample"):
        nn.evaluate(model, [], [], loss=nn.hinge_loss)
    with pytest.raises(ValueError, match=r"predict: sample 0 has 3 input\(s\); the model takes 2"):
        nn.predict(model, [[0.0, 1.0, 2.0]])


def values(model: nn.MLP) -> list[float]:
    return [p.data for p in model.parameters()]


TEN_SAMPLES = [[0.0, 1.0]] * 10


@pytest.mark.parametrize(
    ("output", "loss", "y", "error", "message"),
    [
        (
            "linear",
            nn.hinge_loss,
            [0, 1] * 5,  # trains on class 1 only: 0·score is never inside the margin
            ValueError,
            r"hinge loss, target 0 must be -1 or \+1, got 0",
        ),
        (
            "sigmoid",
            nn.bce_loss,
            [1] * 9 + [-1],
            ValueError,
            r"binary cross-entropy loss, target 9 must be a number in \[0, 1\], got -1",
        ),
        (
            "softmax",
            nn.cross_entropy_loss,
            [0] * 9 + [5],  # in the fourth batch of 3: found only then, without the check
            ValueError,
            r"cross-entropy loss, target 9 must be a class in 0\.\.2, got 5",
        ),
        (
            "softmax",
            nn.cross_entropy_loss,
            [0] * 9 + [0.5],
            TypeError,
            "cross-entropy loss, target 9 must be an int class, got 0.5",
        ),
        (
            "linear",
            nn.mse_loss,
            [1.0] * 9 + [[1.0, 2.0]],
            ValueError,
            r"mean squared error loss, target 9 must be 1 number, one per output, got \[1\.0, 2",
        ),
        (
            "linear",
            nn.mse_loss,
            [1.0] * 9 + ["1"],
            ValueError,
            "mean squared error loss, target 9 must be 1 number, one per output, got '1'",
        ),
    ],
)
def test_every_target_is_checked_against_the_loss_before_the_first_step(
    output: str, loss: nn.Loss, y: list[object], error: type[Exception], message: str
) -> None:
    model = nn.MLP(2, [3 if output == "softmax" else 1], output=output, seed=0)
    before = values(model)
    with pytest.raises(error, match=f"^fit: for the {message}"):
        nn.fit(
            model,
            TEN_SAMPLES,
            y,
            loss=loss,
            optimizer=nn.SGD(model.parameters(), lr=0.1),
            batch_size=3,
            seed=0,
            progress=False,
        )
    assert values(model) == before


@pytest.mark.parametrize(
    ("x", "validation", "message"),
    [
        (
            [*TEN_SAMPLES[:9], [0.0, 1.0, 2.0]],
            None,
            r"fit: sample 9 has 3 input\(s\); the model takes 2",
        ),
        (TEN_SAMPLES, ([], []), r"fit\(validation\) needs at least one sample"),
        (TEN_SAMPLES, ([[0.0, 1.0]], []), r"fit\(validation\): 1 samples but 0 targets"),
        (
            TEN_SAMPLES,
            ([[0.0, 1.0]] * 2, [1, 0]),
            r"fit\(validation\): for the hinge loss, target 1 must be -1 or \+1, got 0",
        ),
    ],
)
def test_samples_and_validation_data_are_checked_before_the_first_step(
    x: list[list[float]], validation: tuple[list[list[float]], list[int]] | None, message: str
) -> None:
    model = nn.MLP(2, [1], seed=0)
    before = values(model)
    with pytest.raises(ValueError, match=message):
        nn.fit(
            model,
            x,
            [1, -1] * 5,
            loss=nn.hinge_loss,
            optimizer=nn.SGD(model.parameters(), lr=0.1),
            batch_size=3,
            validation=validation,
            seed=0,
            progress=False,
        )
    assert values(model) == before


def test_evaluate_checks_the_targets_too() -> None:
    model = nn.MLP(2, [1], seed=0)
    with pytest.raises(ValueError, match="evaluate: for the hinge loss, target 0 must be -1 or"):
        nn.evaluate(model, [[0.0, 1.0]], [0], loss=nn.hinge_loss)


def test_full_batches_leave_the_global_random_state_alone() -> None:
    model = nn.MLP(2, [1], seed=0)
    state = random.getstate()
    nn.fit(
        model,
        TEN_SAMPLES,
        [1, -1] * 5,
        loss=nn.hinge_loss,
        optimizer=nn.SGD(model.parameters(), lr=0.1),
        epochs=2,
        progress=False,
    )
    assert random.getstate() == state
    with pytest.raises(TypeError, match="seed must be an int"):  # though no shuffle needs it
        nn.fit(
            model,
            TEN_SAMPLES,
            [1, -1] * 5,
            loss=nn.hinge_loss,
            optimizer=nn.SGD(model.parameters(), lr=0.1),
            seed="0",  # type: ignore[arg-type]
            progress=False,
        )
