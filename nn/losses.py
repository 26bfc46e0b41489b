"""Losses: per-sample formulas, and `Loss`, their mean over a batch.

The two cross-entropies take the logits z of a sigmoid or softmax output, not its
probabilities: written on z they stay finite for any z, and their gradient is the lectures'
∂L/∂z = ŷ − y. `nn.fit` hands them `model.logits(x)`.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import autodiff as ad
from autodiff import Value
from nn.checks import check_nonnegative, is_number

Target = float | Sequence[float]
"""One sample's target: a number (a class index for cross-entropy), or one per output."""
TargetCheck = Callable[[Any, int, str], object]
"""(target, number of outputs, what to call the target) -> the target, or an error."""


def squared_error(outputs: Sequence[Value], target: Target) -> Value:
    """Σ_j (y_j − t_j)²;  ∂/∂y_j = 2 (y_j − t_j)"""
    targets = _numbers(target, len(outputs), "the target")
    return ad.sum([(y - t) ** 2 for y, t in zip(outputs, targets)])


def hinge(score: Value, target: float) -> Value:
    """SVM max-margin loss, target ±1:  max(0, 1 − t·s);  ∂/∂s = −t inside the margin, else 0"""
    return (1 - _sign(target, 1, "the target") * score).relu()


def bce_with_logits(z: Value, target: float) -> Value:
    """Binary cross-entropy of ŷ = σ(z) and target y in [0, 1], from the logit z:

    BCE = −y·log ŷ − (1 − y)·log(1 − ŷ) = softplus(z) − y·z;  ∂BCE/∂z = σ(z) − y = ŷ − y
    """
    return z.softplus() - _probability(target, 1, "the target") * z


def softmax_cross_entropy(zs: Sequence[Value], target: int) -> Value:
    """Cross-entropy of ŷ = softmax(z) and the class t, from the logits z:

    CE = −log ŷ_t = logsumexp(z) − z_t;  ∂CE/∂z_j = ŷ_j − [j = t]

    It equals the KL divergence KL(d ‖ ŷ) of the one-hot target d (whose entropy is 0).
    """
    t = _class_index(target, len(zs), "the target")
    return ad.logsumexp(zs) - zs[t]


def kl_divergence(zs: Sequence[Value], target: Sequence[float]) -> Value:
    """KL(d ‖ ŷ) of a target distribution d and ŷ = softmax(z), from the logits z:

    KL = Σ_j d_j·(log d_j − log ŷ_j) = Σ_j d_j·log d_j − Σ_j d_j·z_j + logsumexp(z);
    ∂KL/∂z_j = ŷ_j − d_j
    """
    ds = _distribution(target, len(zs), "the target")
    entropy_term = math.fsum(d * math.log(d) for d in ds if d > 0)
    return ad.logsumexp(zs) - ad.dot(ds, zs) + entropy_term


def l2_penalty(parameters: Sequence[Value], alpha: float) -> Value:
    """alpha·Σ p², as one dot node;  ∂/∂p = 2·alpha·p"""
    check_nonnegative("l2_penalty(alpha)", alpha)
    return alpha * ad.dot(parameters, parameters)


@dataclass(frozen=True)
class Loss:
    """L = (1/n) Σ_s per_sample(outputs_s, target_s), the mean over a batch of n samples.

    ``link`` is the output activation whose logits the loss takes ("sigmoid", "softmax"), or
    "" if it takes the outputs themselves. ``target_class`` gives the class a target stands
    for, to count correct predictions; None where accuracy means nothing (regression).
    ``check_target`` (target, number of outputs, what to call the target in an error) raises
    an error for a target the loss cannot take; None takes any.
    """

    name: str
    per_sample: Callable[[list[Value], Any], Value]
    link: str = ""
    target_class: Callable[[Any], int] | None = None
    check_target: TargetCheck | None = None

    def __call__(self, outputs: Sequence[Value | Sequence[Value]], targets: Sequence[Any]) -> Value:
        """The mean loss; each sample's outputs are a list, or a single Value."""
        _check_sizes(f"{self.name} loss", len(outputs), len(targets))
        if not outputs:
            raise ValueError(f"{self.name} loss needs at least one sample")
        losses = [
            self.per_sample([o] if isinstance(o, Value) else list(o), t)
            for o, t in zip(outputs, targets)
        ]
        return ad.sum(losses) * (1.0 / len(losses))

    def check_targets(self, targets: Sequence[Any], n_outputs: int, where: str) -> None:
        """An error naming the first of targets that this loss cannot take, and its index.

        To check all the targets at once, before training on any of them.
        """
        if self.check_target is not None:
            for i, target in enumerate(targets):
                self.check_target(
                    target, n_outputs, f"{where}: for the {self.name} loss, target {i}"
                )

    def __repr__(self) -> str:
        return f"<{self.name} loss>"


def _single(
    name: str, formula: Callable[[Value, Any], Value]
) -> Callable[[list[Value], Any], Value]:
    """formula, for a model with one output."""

    def per_sample(outputs: list[Value], target: Any) -> Value:
        if len(outputs) != 1:
            raise ValueError(f"{name} needs one output per sample, got {len(outputs)}")
        return formula(outputs[0], target)

    return per_sample


# -- the targets each loss takes: (target, number of outputs, what to call it) -> target ----
# (hinge and BCE ignore the number of outputs: `_single` sees that the model has one)


def _sign(target: object, n_outputs: int, what: str) -> float:
    """-1 or +1: with 0/1 labels the hinge loss would not learn class 0 at all."""
    if not (is_number(target) and target in (-1, 1)):
        raise ValueError(f"{what} must be -1 or +1, got {target!r}")
    return float(target)


def _probability(target: object, n_outputs: int, what: str) -> float:
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
    values = list(target) if isinstance(target, Iterable) else [target]
    numbers = [float(v) for v in values if is_number(v)]
    if len(numbers) != len(values) or len(values) != n_outputs:
        needed = f"{n_outputs} number{'s' * (n_outputs != 1)}, one per output"
        raise ValueError(f"{what} must be {needed}, got {target!r}")
    return numbers


def _distribution(target: object, n_outputs: int, what: str) -> list[float]:
    ds = _numbers(target, n_outputs, what)
    if min(ds) < 0 or not math.isclose(math.fsum(ds), 1.0, abs_tol=1e-9):
        raise ValueError(f"{what} must be a distribution (d_j >= 0, Σ d_j = 1), got {target!r}")
    return ds


mse_loss = Loss("mean squared error", squared_error, check_target=_numbers)
hinge_loss = Loss(
    "hinge",
    _single("hinge", hinge),
    target_class=lambda t: int(t > 0),
    check_target=_sign,
)
bce_loss = Loss(
    "binary cross-entropy",
    _single("binary cross-entropy", bce_with_logits),
    link="sigmoid",
    target_class=lambda t: int(t >= 0.5),
    check_target=_probability,
)
cross_entropy_loss = Loss(
    "cross-entropy",
    softmax_cross_entropy,
    link="softmax",
    target_class=operator.index,
    check_target=_class_index,
)


def _check_sizes(where: str, n_outputs: int, n_targets: int) -> None:
    if n_outputs != n_targets:
        raise ValueError(f"{where}: {n_outputs} outputs but {n_targets} targets")
