"""Training: `fit` with a progress bar, `evaluate`, `predict` and `classify`.

A sample's class is read off the output layer: for one output, 1 if its logit z > 0 (σ(z) > ½,
a positive score), else 0; for several, the index of the largest (`decide`).

``fit(compile=True)`` trains through `autodiff.compile`: the training step (loss, the count of
correct predictions, the gradients) is traced once and runs as Python code, the samples and
their targets' numbers its arguments and the model's parameters read at each call; the
optimizer then updates the same parameter Values as without compiling, to the bit.
``vectorize=True`` (NumPy) compiles one sample's step and runs it over the batch as arrays.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from tqdm.auto import tqdm

import autodiff as ad
from autodiff import Value
from autodiff.checks import as_count, as_flag, as_nonnegative
from nn.checks import (
    MAX_COUNT,
    Seed,
    check_same_length,
    check_samples,
    check_seed,
    make_rng,
    plain_targets,
)
from nn.datasets import minibatches
from nn.losses import Loss, l2_penalty
from nn.module import MLP
from nn.optim import Optimizer

Samples = Collection[Any]
"""Samples: a sequence of them, each a sequence of numbers (a 2-D NumPy array is one)."""


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
    y: Collection[Any],
    *,
    loss: Loss,
    optimizer: Optimizer,
    epochs: int = 100,
    batch_size: int | None = None,
    l2: float = 0.0,
    validation: tuple[Samples, Collection[Any]] | None = None,
    seed: Seed = None,
    progress: bool = True,
    live: bool | None = None,
    compile: bool = False,
    vectorize: bool = False,
) -> History:
    """Train model on (x, y): per batch, loss (+ l2·Σp²), backward, one optimizer step.

    ``batch_size`` None trains on the whole data set at each step; otherwise the samples are
    shuffled (from ``seed``, see `nn.checks.make_rng`) into minibatches each epoch.
    ``progress`` shows a bar (tqdm: a widget in Jupyter) with the epoch's running loss and
    accuracy. ``live`` shows, below it, the loss curve and for 2-D data the decision boundary,
    redrawn as training goes (`nn.live`): by default in Jupyter, with the bar; True elsewhere
    writes the bar's numbers every tenth of the epochs; False never.
    ``compile`` and ``vectorize``: see the module docstring.

    Every argument, and every sample and target of the training and the validation data
    (lists or NumPy arrays), is checked against the model and the loss before the first step:
    one that does not fit raises an error naming it, and leaves the model untouched. A step
    that fails (an overflow, a domain error, Ctrl-C) leaves the parameters as they were before
    it; the error then notes the epoch and the batch.
    """
    _check_model_and_loss(model, loss)
    x, y = _data("fit", model, loss, x, y)
    if validation is not None:
        _data("fit(validation)", model, loss, *_pair(validation))
    _check_optimizer(model, optimizer)
    as_count(epochs, "epochs", most=MAX_COUNT)
    as_nonnegative(l2, "l2")
    check_seed(seed)
    as_flag(progress, "fit(progress)")
    if live is not None:
        as_flag(live, "fit(live)")
    step = _stepper(model, loss, l2, compile, vectorize)
    shuffle = batch_size is not None
    size = as_count(batch_size, "batch_size", most=MAX_COUNT) if shuffle else len(x)
    # Only a shuffle needs a generator; made from no seed, it would move the global state.
    rng = make_rng(seed) if shuffle else None
    parameters, history = model.parameters(), History()
    batches = math.ceil(len(x) / size)
    with tqdm(total=epochs * batches, unit="step", disable=not progress) as bar:
        # nn.live imports this module, so it is imported here, when fit runs.
        from nn import live as views  # noqa: PLC0415

        view = views.view(model, x, y, loss=loss, epochs=epochs, live=live, progress=progress)
        for epoch in range(1, epochs + 1):
            seen, total_loss, correct = 0, 0.0, 0
            for batch, (xb, yb) in enumerate(minibatches(x, y, size, shuffle=shuffle, seed=rng)):
                try:
                    batch_loss, batch_correct = step(xb, yb, optimizer, parameters)
                except BaseException as error:
                    _note(error, f"fit: epoch {epoch} of {epochs}, batch {batch + 1} of {batches}")
                    raise
                seen += len(xb)
                total_loss += batch_loss * len(xb)
                correct += batch_correct
                bar.set_postfix(
                    progress_fields(epoch, epochs, total_loss / seen, correct / seen, loss)
                )
                bar.update()
            history.loss.append(total_loss / seen)
            if loss.classifies:
                history.accuracy.append(correct / seen)
            if validation is not None:
                _record_validation(history, evaluate(model, *validation, loss=loss))
            view.update(epoch, history)
    return history


Step = Callable[[list[list[float]], list[list[float]], Optimizer, list[Value]], tuple[float, int]]
"""One update from a batch (samples, targets' numbers): its mean loss, and how many of its
samples were classed right."""


def _stepper(model: MLP, loss: Loss, l2: float, compiled: object, vectorize: object) -> Step:
    """The training step: eager, compiled, or compiled for a batch of arrays."""
    if as_flag(vectorize, "fit(vectorize)"):
        return _vectorized_step(model, loss, l2)
    if as_flag(compiled, "fit(compile)"):
        return _compiled_step(model, loss, l2)

    def eager(xb: Samples, tb: Any, optimizer: Optimizer, parameters: list[Value]) -> Any:
        outputs = [_loss_inputs(model, loss, sample) for sample in xb]
        data_loss = loss.on_numbers(outputs, tb)
        objective = data_loss + l2_penalty(parameters, l2) if l2 else data_loss
        optimizer.zero_grad()
        objective.backward()
        optimizer.step()
        return data_loss.data, _count_correct(loss, outputs, tb)

    return eager


def _compiled_step(model: MLP, loss: Loss, l2: float) -> Step:
    """The eager step's arithmetic, compiled: each sample's loss through `autodiff.map`, so the
    code is one sample's, in a loop, whatever the batch's size; the mean's 1/n an argument."""
    parameters = model.parameters()

    def one(x: list[Value], t: list[Value]) -> tuple[Value, Any]:
        outputs = _loss_inputs(model, loss, x)
        return loss.formula(outputs, t), _correct(loss, outputs, t)

    def batch(xs: list[list[Value]], ts: list[list[Value]], scale: Value) -> tuple[Any, ...]:
        losses, corrects = zip(*ad.map(one, xs, ts))
        data_loss = ad.sum(losses) * scale  # as Loss.on_numbers, the mean
        objective = data_loss + l2_penalty(parameters, l2) if l2 else data_loss
        return (data_loss, ad.sum(corrects), *ad.gradients(objective, parameters))

    compiled = ad.compile(batch)

    def step(xb: Any, tb: Any, optimizer: Optimizer, parameters: list[Value]) -> Any:
        data_loss, correct, *grads = compiled(xb, tb, 1.0 / len(xb))
        return _update(optimizer, parameters, grads, data_loss, correct)

    return step


def _vectorized_step(model: MLP, loss: Loss, l2: float) -> Step:
    parameters = model.parameters()

    def one(x: list[Value], t: list[Value]) -> tuple[Any, ...]:
        outputs = _loss_inputs(model, loss, x)
        data_loss = loss.formula(outputs, t)
        objective = data_loss + l2_penalty(parameters, l2) if l2 else data_loss
        return (data_loss, _correct(loss, outputs, t), *ad.gradients(objective, parameters))

    compiled = ad.compile(one, vectorize=True, reduce="mean")  # says so if NumPy is missing
    import numpy as np  # noqa: PLC0415 -- NumPy is optional: only this step needs it

    def step(xb: Any, tb: Any, optimizer: Optimizer, parameters: list[Value]) -> Any:
        data_loss, accuracy, *grads = compiled(np.array(xb), np.array(tb))
        return _update(optimizer, parameters, grads, data_loss, accuracy * len(xb))

    return step


def _update(
    optimizer: Optimizer, parameters: list[Value], grads: list[float], loss: float, correct: float
) -> tuple[float, int]:
    """The optimizer's step from gradients a compiled step computed."""
    for p, g in zip(parameters, grads):
        p.grad = g
    optimizer.step()
    return loss, round(correct)


def _correct(loss: Loss, outputs: Sequence[Any], numbers: Sequence[Any]) -> Any:
    """1 if the outputs decide for the class of the target's numbers, else 0 (floats, or
    Values where a compiler traces them); 0 for a loss without classes."""
    if not loss.classifies:
        return 0.0
    return ad.equal(decide(outputs), loss.class_of(numbers))


def evaluate(model: MLP, x: Samples, y: Collection[Any], *, loss: Loss) -> Evaluation:
    """The mean loss on (x, y), and the accuracy where the loss has classes; records no graph."""
    _check_model_and_loss(model, loss)
    x, y = _data("evaluate", model, loss, x, y)
    with ad.no_grad():
        outputs = [_loss_inputs(model, loss, sample) for sample in x]
        mean_loss = loss.on_numbers(outputs, y).data
    accuracy = _count_correct(loss, outputs, y) / len(x) if loss.classifies else None
    return Evaluation(mean_loss, accuracy)


def predict(model: MLP, x: Samples) -> list[Any]:
    """The outputs of each sample (probabilities for a sigmoid or softmax output), as
    ``model(x)`` gives them: one number per sample for a model with one output, else a list;
    no graph."""
    _check_model(model)
    samples = check_samples(x, model.nin, "predict")
    with ad.no_grad():
        outputs = [[v.data for v in model.forward(sample)] for sample in samples]
    return [o[0] for o in outputs] if model.nout == 1 else outputs


def classify(model: MLP, x: Samples) -> list[int]:
    """The class of each sample, read off its logits (see the module docstring); no graph."""
    _check_model(model)
    samples = check_samples(x, model.nin, "classify")
    with ad.no_grad():
        return [int(decide([z.data for z in model.logits(sample)])) for sample in samples]


def decide(scores: Sequence[Any]) -> Any:
    """1 if the single score is > 0, else 0; the index of the first largest of several: as
    a float (a Value, for Values: a compiled step counts with it)."""
    return ad.step(scores[0]) if len(scores) == 1 else ad.argmax(scores)


def _loss_inputs(model: MLP, loss: Loss, x: Sequence[Any]) -> list[Value]:
    """What loss takes of one sample: the logits if it applies the output activation itself."""
    return model.logits(x) if loss.link else model.forward(x)


def _count_correct(loss: Loss, outputs: list[list[Value]], numbers: Sequence[Any]) -> int:
    scores = [[v.data for v in o] for o in outputs]
    return int(sum(_correct(loss, s, t) for s, t in zip(scores, numbers)))


def progress_fields(
    epoch: int, epochs: int, mean_loss: float, accuracy: float, loss: Loss
) -> dict[str, str]:
    """What the progress bar (and the live view) says of an epoch: its number, loss, accuracy."""
    shown = {"epoch": f"{epoch}/{epochs}", "loss": f"{mean_loss:.4f}"}
    if loss.classifies:
        shown["accuracy"] = f"{accuracy:.1%}"
    return shown


def _record_validation(history: History, scores: Evaluation) -> None:
    history.val_loss.append(scores.loss)
    if scores.accuracy is not None:
        history.val_accuracy.append(scores.accuracy)


def _data(
    where: str, model: MLP, loss: Loss, x: object, y: object
) -> tuple[list[list[float]], list[Any]]:
    """The samples as lists, each fitting the model's inputs, and each target as the numbers
    the loss takes (`Loss.target_numbers`); or an error naming the first that does not fit."""
    samples, targets = check_samples(x, model.nin, where), plain_targets(y, where)
    check_same_length(where, samples, targets)
    if not samples:
        raise ValueError(f"{where} needs at least one sample")
    return samples, loss.check_targets(targets, model.nout, where)


def _pair(validation: object) -> tuple[object, object]:
    if not (isinstance(validation, tuple | list) and len(validation) == 2):
        raise TypeError("fit(validation=...) needs a pair (x, y) of samples and targets")
    return validation[0], validation[1]


def _check_model(model: object) -> None:
    if not isinstance(model, MLP):
        raise TypeError(f"the model must be an nn.MLP, got {type(model).__name__!r}")


def _check_model_and_loss(model: MLP, loss: Loss) -> None:
    """A model and a loss; a loss that applies an output activation itself needs the
    model's logits for it."""
    _check_model(model)
    if not isinstance(loss, Loss):
        raise TypeError(
            "loss must be one of nn's losses (nn.mse_loss, nn.hinge_loss, nn.bce_loss, "
            f"nn.cross_entropy_loss, nn.kl_loss), got {loss!r}"
        )
    if loss.link and model.output_activation not in (loss.link, "linear"):
        raise ValueError(
            f"the {loss.name} loss takes the logits of a {loss.link} (or linear) output; "
            f"this model's output is {model.output_activation}"
        )


def _check_optimizer(model: MLP, optimizer: Optimizer) -> None:
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"optimizer must be an nn.SGD or nn.Adam, got {type(optimizer).__name__!r}")
    own = {id(p) for p in model.parameters()}
    if not any(id(p) in own for p in optimizer.parameters):
        raise ValueError(
            "the optimizer updates none of this model's parameters: build it with "
            "model.parameters() (it was made for another model?)"
        )


def _note(error: BaseException, where: str) -> None:
    """Say where training stopped, on the error itself (Python 3.11 shows notes)."""
    if hasattr(error, "add_note"):
        error.add_note(f"{where} failed; the parameters are as they were before that step")
