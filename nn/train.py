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
import sys
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple
from weakref import WeakKeyDictionary

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
from nn.vectorized import ArrayStep, array_function

if sys.platform == "emscripten":  # in the browser (Pyodide) no thread starts: no bar monitor
    tqdm.monitor_interval = 0

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
    samples, targets = _data("fit", model, loss, x, y)
    if validation is not None:
        _data("fit(validation)", model, loss, *_pair(validation))
    _check_optimizer(model, optimizer)
    as_count(epochs, "epochs", most=MAX_COUNT)
    as_nonnegative(l2, "l2")
    check_seed(seed)
    as_flag(progress, "fit(progress)")
    if live is not None:
        as_flag(live, "fit(live)")
    step = training_step(
        model,
        loss,
        l2=l2,
        optimizer=optimizer,
        x=samples,
        y=targets,
        compiled=compile,
        vectorize=vectorize,
    )
    shuffle = batch_size is not None
    size = as_count(batch_size, "batch_size", most=MAX_COUNT) if shuffle else len(samples)
    # Only a shuffle needs a generator; made from no seed, it would move the global state.
    rng = make_rng(seed) if shuffle else None
    history, positions = History(), list(range(len(samples)))
    steps = epochs * math.ceil(len(samples) / size)
    with tqdm(total=steps, unit="step", disable=not progress) as bar:
        # nn.live imports this module, so it is imported here, when fit runs.
        from nn import live as views  # noqa: PLC0415

        view = views.view(
            model, samples, targets, loss=loss, epochs=epochs, live=live, progress=progress
        )
        if step.compiles:
            bar.set_description_str("tracing and compiling the step")
        try:
            for epoch in range(1, epochs + 1):
                order = minibatches(positions, positions, size, shuffle=shuffle, seed=rng)
                mean_loss, accuracy = _epoch(step, order, bar=bar, loss=loss, at=(epoch, epochs))
                step.write_back()  # the model's Values, for the validation and the live view
                history.loss.append(mean_loss)
                if loss.classifies:
                    history.accuracy.append(accuracy)
                if validation is not None:
                    _record_validation(history, evaluate(model, *validation, loss=loss))
                view.update(epoch, history)
        finally:
            step.write_back()
    return history


def _epoch(
    step: Step | ArrayStep,
    order: Iterator[tuple[list[int], Any]],
    *,
    bar: Any,
    loss: Loss,
    at: tuple[int, int],
) -> tuple[float, float]:
    """One epoch, a step per batch (the positions of its samples): its mean loss and
    accuracy, measured as the parameters moved, shown on the bar as they go."""
    seen, total_loss, correct = 0, 0.0, 0
    batches = list(order)
    for batch, (chosen, _) in enumerate(batches, 1):
        try:
            batch_loss, batch_correct = step(chosen)
        except BaseException as error:
            _note(error, f"fit: epoch {at[0]} of {at[1]}, batch {batch} of {len(batches)}")
            raise
        seen += len(chosen)
        total_loss += batch_loss * len(chosen)
        correct += batch_correct
        bar.set_description_str("")
        bar.set_postfix(progress_fields(*at, total_loss / seen, correct / seen, loss))
        bar.update()
    return total_loss / seen, correct / seen


@dataclass(kw_only=True)
class Step:
    """One update from a batch of the training data, given by its samples' positions: the
    batch's mean loss, and how many of its samples were classed right. Eager: the loss
    (+ l2·Σp²), backward, the optimizer's step."""

    model: MLP
    loss: Loss
    l2: float
    optimizer: Optimizer
    x: Sequence[Any]
    y: Sequence[Any]  # the targets' numbers

    def __post_init__(self) -> None:
        self.parameters = self.model.parameters()

    @property
    def compiles(self) -> bool:
        """Whether the next call traces and compiles first."""
        return False

    def __call__(self, batch: list[int]) -> tuple[float, int]:
        model, loss, l2, optimizer = self.model, self.loss, self.l2, self.optimizer
        outputs = [_loss_inputs(model, loss, self.x[i]) for i in batch]
        targets = [self.y[i] for i in batch]
        data_loss = loss.on_numbers(outputs, targets)
        objective = data_loss + l2_penalty(self.parameters, l2) if l2 else data_loss
        optimizer.zero_grad()
        objective.backward()
        optimizer.step()
        return data_loss.data, _count_correct(loss, outputs, targets)

    def write_back(self) -> None:
        """Bring the model's Values up to date (a step on arrays keeps its own numbers)."""


class CompiledStep(Step):
    """The eager step's arithmetic, compiled: each sample's loss through `autodiff.map`, so
    the code is one sample's, in a loop, whatever the batch's size; the mean's 1/n an
    argument. The optimizer then updates the same Values as eagerly, to the bit."""

    def __post_init__(self) -> None:
        super().__post_init__()
        parameters, l2, one = self.parameters, self.l2, _sample_loss(self.model, self.loss)

        def batch(xs: list[list[Value]], ts: list[list[Value]], scale: Value) -> Any:
            losses, corrects = zip(*ad.map(one, xs, ts))
            data_loss = ad.sum(losses) * scale  # as Loss.on_numbers, the mean
            objective = data_loss + l2_penalty(parameters, l2) if l2 else data_loss
            return (data_loss, ad.sum(corrects), *ad.gradients(objective, parameters))

        key = ("compile", self.loss, l2, tuple(map(id, parameters)))
        self.compiled = _kept(self.model, key, lambda: ad.compile(batch))

    @property
    def compiles(self) -> bool:
        return self.compiled.traces == 0

    def __call__(self, batch: list[int]) -> tuple[float, int]:
        xb, tb = [self.x[i] for i in batch], [self.y[i] for i in batch]
        data_loss, correct, *grads = self.compiled(xb, tb, 1.0 / len(batch))
        for p, g in zip(self.parameters, grads):
            p.grad = g
        self.optimizer.step()
        return data_loss, round(correct)


def _sample_loss(model: MLP, loss: Loss) -> Callable[[list[Value], list[Value]], Any]:
    """A sample's loss, and whether the model classed it right (1.0 or 0.0), from its inputs
    and its target's numbers: what a compiled step traces."""

    def sample_loss(x: list[Value], t: list[Value]) -> tuple[Value, Any]:
        outputs = _loss_inputs(model, loss, x)
        return loss.formula(outputs, t), _correct(loss, outputs, t)

    return sample_loss


_KEPT: WeakKeyDictionary[MLP, dict[Any, ad.Compiled]] = WeakKeyDictionary()
"""The compiled steps of each model, by what they compute: a second fit traces nothing."""


def _kept(model: MLP, key: Any, make: Callable[[], ad.Compiled]) -> ad.Compiled:
    kept = _KEPT.setdefault(model, {})
    if key not in kept:
        kept[key] = make()
    return kept[key]


def training_step(
    model: MLP,
    loss: Loss,
    *,
    l2: float,
    optimizer: Optimizer,
    x: Sequence[Any],
    y: Sequence[Any],
    compiled: object,
    vectorize: object,
) -> Step | ArrayStep:
    """fit's step, for these data (samples and their targets' numbers, checked): eager,
    compiled, or compiled for a batch of arrays; called with a batch's positions in them."""
    if as_flag(vectorize, "fit(vectorize)"):
        structure = tuple(
            (layer.nin, len(layer.neurons), layer.activation) for layer in model.layers
        )
        sample_loss = _sample_loss(model, loss)
        function = _kept(
            model, ("vectorize", loss, structure), lambda: array_function(model, sample_loss)
        )
        return ArrayStep(model, optimizer, l2=l2, x=x, y=y, compiled=function)
    if as_flag(compiled, "fit(compile)"):
        return CompiledStep(model=model, loss=loss, l2=l2, optimizer=optimizer, x=x, y=y)
    return Step(model=model, loss=loss, l2=l2, optimizer=optimizer, x=x, y=y)


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
