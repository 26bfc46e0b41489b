"""Losses: one object each (`mse_loss`, `hinge_loss`, `bce_loss`, `cross_entropy_loss`,
`kl_loss`), the loss of a batch when called and of one sample by `Loss.per_sample`, which
`nn.fit` trains with.

The two cross-entropies take the logits z of a sigmoid or softmax output, not its
probabilities: written on z they stay finite for any z, and their gradient is the lectures'
∂L/∂z = ŷ − y. `nn.fit` hands them `model.logits(x)`.
"""

from __future__ import annotations

import math
import operator
from abc import ABC, abstractmethod
from collections.abc import Collection, Iterable, Sequence
from typing import Any

import autodiff as ad
from autodiff import Operand, Value
from autodiff.checks import as_nonnegative, as_values, is_number
from nn.checks import as_list

Target = float | Sequence[float]
"""One sample's target: a number (a class index for cross-entropy), or one per output."""


def l2_penalty(parameters: Sequence[Value], alpha: float) -> Value:
    """alpha·Σ p², as one dot node;  ∂/∂p = 2·alpha·p"""
    as_nonnegative(alpha, "l2_penalty(alpha)")
    parameters = as_values(parameters, "l2_penalty(parameters)")
    return alpha * ad.dot(parameters, parameters)


# -- the formulas, on a target's numbers (Values too, where a compiler traces them) ------------


def _squared_error(outputs: Sequence[Value], ts: Sequence[Operand]) -> Value:
    return ad.sum([(y - t) ** 2 for y, t in zip(outputs, ts)])


def _hinge(score: Value, t: Operand) -> Value:
    return (1 - t * score).relu()


def _bce(z: Value, p: Operand) -> Value:
    return z.softplus() - p * z


def _kl(zs: Sequence[Value], numbers: Sequence[Operand]) -> Value:
    """logsumexp(z) − Σ_j d_j·z_j + Σ_j d_j·log d_j, from the numbers d_1..d_n and the
    entropy term Σ_j d_j·log d_j last."""
    *ds, entropy_term = numbers
    return ad.logsumexp(zs) - ad.dot(ds, zs) + entropy_term


class Loss(ABC):
    """A loss over a batch: each sample's loss (`per_sample`), averaged over the samples
    (``reduction="mean"``, what `nn.fit` trains with) or summed (``reduction="sum"``).

    ``link`` is the output activation whose logits the loss takes ("sigmoid", "softmax"), or
    "" if it takes the outputs themselves. ``classifies``: whether a target stands for a class,
    so that accuracy means something; not for regression.

    Each loss states a sample's target as numbers (`target_numbers`: a class becomes one-hot),
    its formula on them (`formula`), and the class they stand for (`class_of`), all with
    autodiff's operations: so a compiled training step takes the targets as numbers it is
    traced with, and counts correct predictions in its code.
    """

    name = ""
    link = ""
    classifies = True

    @abstractmethod
    def target_numbers(self, target: object, n_outputs: int, what: str) -> list[float]:
        """The target as numbers, if this loss can take it (for a model of n outputs); else an
        error that calls it `what`."""

    @abstractmethod
    def formula(self, outputs: Sequence[Value], numbers: Sequence[Operand]) -> Value:
        """The loss of one sample, from its outputs (or logits) and its target's numbers."""

    def class_of(self, numbers: Sequence[Operand]) -> Operand:
        """The class a target's numbers stand for (a float; a Value where they are)."""
        return ad.argmax(numbers[:-1])

    def per_sample(self, outputs: Value | Sequence[Value], target: Any) -> Value:
        """The loss of one sample, from its outputs (or logits: a list, or one Value) and
        its target: the formula in the class's docstring."""
        where = f"{self.name} loss: the outputs"
        outputs = [outputs] if isinstance(outputs, Value) else as_values(outputs, where)
        return self.formula(outputs, self.target_numbers(target, len(outputs), "the target"))

    def __call__(
        self,
        outputs: Sequence[Value | Sequence[Value]],
        targets: Collection[Any],
        *,
        reduction: str = "mean",
    ) -> Value:
        """The loss of a batch; each sample's outputs are a list, or a single Value."""
        outputs = as_list(outputs, f"the {self.name} loss: the outputs")
        targets = as_list(targets, f"the {self.name} loss: the targets")
        _check_sizes(f"{self.name} loss", len(outputs), len(targets))
        where = f"the {self.name} loss: sample"
        samples = [
            [o] if isinstance(o, Value) else as_values(o, f"{where} {i}")
            for i, o in enumerate(outputs)
        ]
        numbers = [
            self.target_numbers(t, len(o), f"{where} {i}: the target")
            for i, (o, t) in enumerate(zip(samples, targets))
        ]
        return self.on_numbers(samples, numbers, reduction=reduction)

    def on_numbers(
        self,
        outputs: Sequence[Sequence[Value]],
        numbers: Sequence[Sequence[Operand]],
        *,
        reduction: str = "mean",
    ) -> Value:
        """The loss of a batch from each sample's outputs and target numbers."""
        if not isinstance(reduction, str) or reduction not in ("mean", "sum"):
            raise ValueError(f"reduction must be 'mean' or 'sum', got {reduction!r}")
        if not outputs:
            raise ValueError(f"{self.name} loss needs at least one sample")
        total = ad.sum([self.formula(o, t) for o, t in zip(outputs, numbers)])
        return total * (1.0 / len(outputs)) if reduction == "mean" else total

    def check_targets(
        self, targets: Sequence[Any], n_outputs: int, where: str
    ) -> list[list[float]]:
        """Each target's numbers; or an error naming the first of targets that this loss
        cannot take, and its index. To check all the targets at once, before training."""
        return [
            self.target_numbers(t, n_outputs, f"{where}: for the {self.name} loss, target {i}")
            for i, t in enumerate(targets)
        ]

    def __repr__(self) -> str:
        return f"<{self.name} loss>"


class MeanSquaredError(Loss):
    """Squared error, for regression: per sample Σ_j (y_j − t_j)² over the outputs, then the
    mean over the samples, or with ``reduction="sum"`` the sum: the lectures' (and micrograd's)
    L = Σ (y − t)².

    Targets: one number per output (a lone number for a model with one output).
    ∂L/∂y_j = 2 (y_j − t_j) for each sample (over n, for the mean). No accuracy.
    """

    name = "mean squared error"
    classifies = False

    def target_numbers(self, target: object, n_outputs: int, what: str) -> list[float]:
        return _numbers(target, n_outputs, what)

    def formula(self, outputs: Sequence[Value], numbers: Sequence[Operand]) -> Value:
        return _squared_error(outputs, numbers)


class Hinge(Loss):
    """The SVM max-margin loss of micrograd's demo, for a model with one output, the score s:
    per sample max(0, 1 − t·s), mean (or sum) over the samples.

    Targets: −1 or +1 (not 0/1: with 0 the loss would never learn that class). ∂/∂s = −t
    inside the margin (t·s < 1), else 0. A score > 0 predicts class +1, which is class 1.
    """

    name = "hinge"

    def target_numbers(self, target: object, n_outputs: int, what: str) -> list[float]:
        _one_output(n_outputs, self.name)
        return [_sign(target, what)]

    def formula(self, outputs: Sequence[Value], numbers: Sequence[Operand]) -> Value:
        return _hinge(_one(outputs, self.name), numbers[0])

    def class_of(self, numbers: Sequence[Operand]) -> Operand:
        return ad.step(numbers[0])  # +1 is class 1, −1 class 0


class BinaryCrossEntropy(Loss):
    """Binary cross-entropy of a sigmoid output ŷ = σ(z), taken from the logit z (the model's
    output layer may be linear or sigmoid): per sample −t·log ŷ − (1 − t)·log(1 − ŷ) =
    softplus(z) − t·z, finite for any z; mean (or sum) over the samples.

    Targets: probabilities in [0, 1] (a class, 0 or 1, for "2 or not 2"). ∂L/∂z = ŷ − t, the
    lectures' result. A target >= 1/2 counts as class 1.
    """

    name = "binary cross-entropy"
    link = "sigmoid"

    def target_numbers(self, target: object, n_outputs: int, what: str) -> list[float]:
        _one_output(n_outputs, self.name)
        return [_probability(target, what)]

    def formula(self, outputs: Sequence[Value], numbers: Sequence[Operand]) -> Value:
        return _bce(_one(outputs, self.name), numbers[0])

    def class_of(self, numbers: Sequence[Operand]) -> Operand:
        return 1.0 - ad.step(0.5 - numbers[0])  # p >= 1/2


class KLDivergence(Loss):
    """The KL divergence KL(d ‖ ŷ) of a target distribution d and a softmax output
    ŷ = softmax(z), taken from the logits z (the lectures' loss for the ten digits): per
    sample Σ_j d_j·(log d_j − log ŷ_j), mean (or sum) over the samples.

    Targets: distributions over the n outputs (d_j >= 0, Σ d_j = 1); a one-hot target gives
    the cross-entropy. ∂L/∂z_j = ŷ_j − d_j. A target's class is its most likely one.
    """

    name = "KL divergence"
    link = "softmax"

    def target_numbers(self, target: object, n_outputs: int, what: str) -> list[float]:
        return _distribution(target, n_outputs, what)

    def formula(self, outputs: Sequence[Value], numbers: Sequence[Operand]) -> Value:
        return _kl(outputs, numbers)


class CrossEntropy(KLDivergence):
    """Cross-entropy of a softmax output ŷ = softmax(z) and a class t, taken from the logits
    z: per sample −log ŷ_t = logsumexp(z) − z_t, mean (or sum) over the samples. It is the KL
    divergence of the one-hot target (whose entropy is 0), and computed so.

    Targets: class indices 0..n−1. ∂L/∂z_j = ŷ_j − [j = t].
    """

    name = "cross-entropy"

    def target_numbers(self, target: object, n_outputs: int, what: str) -> list[float]:
        return _one_hot(target, n_outputs, what)


mse_loss = MeanSquaredError()
hinge_loss = Hinge()
bce_loss = BinaryCrossEntropy()
cross_entropy_loss = CrossEntropy()
kl_loss = KLDivergence()


def _one(outputs: Sequence[Value], name: str) -> Value:
    _one_output(len(outputs), name)
    return outputs[0]


def _one_output(n_outputs: int, name: str) -> None:
    if n_outputs != 1:
        raise ValueError(f"the {name} loss needs a model with one output, got {n_outputs}")


# -- the targets each loss takes: (target, number of outputs, what to call it) -> target ----


def _sign(target: object, what: str) -> float:
    """-1 or +1: with 0/1 labels the hinge loss would not learn class 0 at all."""
    if not (is_number(target) and target in (-1, 1)):
        raise ValueError(f"{what} must be -1 or +1, got {target!r}")
    return float(target)


def _probability(target: object, what: str) -> float:
    """In [0, 1]: outside it, binary cross-entropy has no lower bound."""
    if not (is_number(target) and 0 <= target <= 1):
        raise ValueError(f"{what} must be a number in [0, 1], got {target!r}")
    return float(target)


def _class_index(target: object, n_outputs: int, what: str) -> int:
    try:
        t = operator.index(target)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(f"{what} must be an int class, got {target!r}") from None
    if not 0 <= t < n_outputs:
        raise ValueError(f"{what} must be a class in 0..{n_outputs - 1}, got {t}")
    return t


def _numbers(target: object, n_outputs: int, what: str) -> list[float]:
    """One finite number per output; a lone number for one output."""
    try:
        values = as_list(target, "") if isinstance(target, Iterable) else [target]
    except TypeError:  # a NumPy number of no dimension: one number
        values = [target]
    numbers = [float(v) for v in values if is_number(v)]
    if len(numbers) != len(values) or len(values) != n_outputs:
        needed = f"{n_outputs} number{'s' * (n_outputs != 1)}, one per output"
        raise ValueError(f"{what} must be {needed}, got {target!r}")
    return numbers


def _distribution(target: object, n_outputs: int, what: str) -> list[float]:
    """d_1..d_n, and Σ_j d_j·log d_j last (the entropy term of the KL divergence)."""
    ds = _numbers(target, n_outputs, what)
    if min(ds) < 0 or not math.isclose(math.fsum(ds), 1.0, abs_tol=1e-9):
        raise ValueError(f"{what} must be a distribution (d_j >= 0, Σ d_j = 1), got {target!r}")
    return [*ds, math.fsum(d * math.log(d) for d in ds if d > 0)]


def _one_hot(target: object, n_outputs: int, what: str) -> list[float]:
    """The class t as the distribution [j = t], and its entropy term, 0."""
    t = _class_index(target, n_outputs, what)
    return [float(j == t) for j in range(n_outputs)] + [0.0]


def _check_sizes(where: str, n_outputs: int, n_targets: int) -> None:
    if n_outputs != n_targets:
        raise ValueError(f"{where}: {n_outputs} outputs but {n_targets} targets")
