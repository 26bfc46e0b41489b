"""Training: `fit` with a progress bar, `evaluate`, `predict` and `classify`.

A sample's class is read off the output layer: for one output, 1 if its logit z > 0 (σ(z) > ½,
a positive score), else 0; for several, the index of the largest.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from tqdm.auto import tqdm

import autodiff as ad
from autodiff import Value
from nn.checks import Seed, check_count, check_nonnegative, check_same_length, check_seed, make_rng
from nn.datasets import minibatches
from nn.losses import Loss, l2_penalty
from nn.module import MLP, check_inputs
from nn.optim import Optimizer

Samples = Sequence[Sequence[float]]


@dataclass
class History:
    """Per epoch: the mean training loss and accuracy (measured during the epoch, as the
    parameters moved), and the loss and accuracy on the validation data, if given."""

    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)


class Evaluation(NamedTuple):
    loss: float
    accuracy: float | None  # None for a loss without classes (mean squared error)


def fit(
    model: MLP,
    x: Samples,
    y: Sequence[Any],
    *,
    loss: Loss,
    optimizer: Optimizer,
    epochs: int = 100,
    batch_size: int | None = None,
    l2: float = 0.0,
    validation: tuple[Samples, Sequence[Any]] | None = None,
    seed: Seed = None,
    progress: bool = True,
) -> History:
    """Train model on (x, y): per batch, loss (+ l2·Σp²), backward, one optimizer step.

    ``batch_size`` None trains on the whole data set at each step; otherwise the samples are
    shuffled (from ``seed``, see `nn.checks.make_rng`) into minibatches each epoch.
    ``progress`` shows a bar (tqdm: a widget in Jupyter) with the epoch's running loss and
    accuracy.

    Every sample and target, of the training and the validation data, is checked against
    the model and the loss before the first step: one that does not fit raises an error
    naming it, and leaves the model untouched.
    """
    _check_loss_fits(model, loss)
    _check_data("fit", model, loss, x, y)
    if validation is not None:
        _check_data("validation", model, loss, *validation)
    check_count("epochs", epochs)
    check_nonnegative("l2", l2)
    check_seed(seed)
    shuffle = batch_size is not None
    size = check_count("batch_size", batch_size) if shuffle else len(x)
    # Only a shuffle needs a generator; made from no seed, it would move the global state.
    rng = make_rng(seed) if shuffle else None
    parameters, history = model.parameters(), History()
    with tqdm(total=epochs * math.ceil(len(x) / size), unit="step", disable=not progress) as bar:
        for epoch in range(1, epochs + 1):
            seen, total_loss, correct = 0, 0.0, 0
            for xb, yb in minibatches(x, y, size, shuffle=shuffle, seed=rng):
                batch_loss, batch_correct = _step(
                    model, xb, yb, loss=loss, optimizer=optimizer, parameters=parameters, l2=l2
                )
                seen += len(xb)
                total_loss += batch_loss * len(xb)
                correct += batch_correct
                bar.set_postfix(_progress(epoch, epochs, total_loss / seen, correct / seen, loss))
                bar.update()
            history.loss.append(total_loss / seen)
            if loss.target_class is not None:
                history.accuracy.append(correct / seen)
            if validation is not None:
                _record_validation(history, evaluate(model, *validation, loss=loss))
    return history


def _step(
    model: MLP,
    xb: Samples,
    yb: Sequence[Any],
    *,
    loss: Loss,
    optimizer: Optimizer,
    parameters: list[Value],
    l2: float,
) -> tuple[float, int]:
    """One update from a batch: its mean loss, and how many of its samples were classed right."""
    outputs = [_loss_inputs(model, loss, sample) for sample in xb]
    data_loss = loss(outputs, yb)
    objective = data_loss + l2_penalty(parameters, l2) if l2 else data_loss
    optimizer.zero_grad()
    objective.backward()
    optimizer.step()
    return data_loss.data, _count_correct(loss, outputs, yb)


def evaluate(model: MLP, x: Samples, y: Sequence[Any], *, loss: Loss) -> Evaluation:
    """The mean loss on (x, y), and the accuracy where the loss has classes; records no graph."""
    _check_loss_fits(model, loss)
    _check_data("evaluate", model, loss, x, y)
    with ad.no_grad():
        outputs = [_loss_inputs(model, loss, sample) for sample in x]
        mean_loss = loss(outputs, y).data
    accuracy = None if loss.target_class is None else _count_correct(loss, outputs, y) / len(x)
    return Evaluation(mean_loss, accuracy)


def predict(model: MLP, x: Samples) -> list[list[float]]:
    """The outputs of each sample (probabilities for a sigmoid or softmax output); no graph."""
    with ad.no_grad():
        return [[v.data for v in model.forward(sample)] for sample in x]


def classify(model: MLP, x: Samples) -> list[int]:
    """The class of each sample, read off its logits (see the module docstring); no graph."""
    with ad.no_grad():
        return [decide([z.data for z in model.logits(sample)]) for sample in x]


def decide(scores: Sequence[float]) -> int:
    """1 if the single score is > 0, else 0; the index of the largest of several."""
    if len(scores) == 1:
        return int(scores[0] > 0)
    return max(range(len(scores)), key=scores.__getitem__)


def _loss_inputs(model: MLP, loss: Loss, x: Sequence[float]) -> list[Value]:
    """What loss takes of one sample: the logits if it applies the output activation itself."""
    return model.logits(x) if loss.link else model.forward(x)


def _count_correct(loss: Loss, outputs: list[list[Value]], targets: Sequence[Any]) -> int:
    if loss.target_class is None:
        return 0
    target_class = loss.target_class
    return sum(decide([v.data for v in o]) == target_class(t) for o, t in zip(outputs, targets))


def _progress(
    epoch: int, epochs: int, mean_loss: float, accuracy: float, loss: Loss
) -> dict[str, str]:
    shown = {"epoch": f"{epoch}/{epochs}", "loss": f"{mean_loss:.4f}"}
    if loss.target_class is not None:
        shown["accuracy"] = f"{accuracy:.1%}"
    return shown


def _record_validation(history: History, scores: Evaluation) -> None:
    history.val_loss.append(scores.loss)
    if scores.accuracy is not None:
        history.val_accuracy.append(scores.accuracy)


def _check_data(where: str, model: MLP, loss: Loss, x: Samples, y: Sequence[Any]) -> None:
    """Every sample fits the model's inputs and every target the loss, or an error naming it."""
    check_same_length(where, x, y)
    if not x:
        raise ValueError(f"{where} needs at least one sample")
    for i, sample in enumerate(x):
        check_inputs(sample, model.nin, f"{where}: sample {i}: the model")
    loss.check_targets(y, model.nout, where)


def _check_loss_fits(model: MLP, loss: Loss) -> None:
    """A loss that applies an output activation itself needs the model's logits for it."""
    if loss.link and model.output_activation not in (loss.link, "linear"):
        raise ValueError(
            f"the {loss.name} loss takes the logits of a {loss.link} (or linear) output; "
            f"this model's output is {model.output_activation}"
        )
