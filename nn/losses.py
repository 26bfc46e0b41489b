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
from nn.checks import check_nonnegative

Target = float | Sequence[float]
"""One sample's target: a number (a class index for cross-entropy), or one per output."""


def squared_error(outputs: Sequence[Value], target: Target) -> Value:
    """Σ_j (y_j − t_j)²;  ∂/∂y_j = 2 (y_j − t_j)"""
    targets = list(target) if isinstance(target, Iterable) else [target]
    _check_sizes("squared_error", len(outputs), len(targets))
    return ad.sum([(y - t) ** 2 for y, t in zip(outputs, targets)])


def hinge(score: Value, target: float) -> Value:
    """SVM max-margin loss, target ±1:  max(0, 1 − t·s);  ∂/∂s = −t inside the margin, else 0"""
    return (1 - target * score).relu()


def bce_with_logits(z: Value, target: float) -> Value:
    """Binary cross-entropy of ŷ = σ(z) and target y in [0, 1], from the logit z:

    BCE = −y·log ŷ − (1 − y)·log(1 − ŷ) = softplus(z) − y·z;  ∂BCE/∂z = σ(z) − y = ŷ − y
    """
    return z.softplus() - target * z


def softmax_cross_entropy(zs: Sequence[Value], target: int) -> Value:
    """Cross-entropy of ŷ = softmax(z) and the class t, from the logits z:

    CE = −log ŷ_t = logsumexp(z) − z_t;  ∂CE/∂z_j = ŷ_j − [j = t]

    It equals the KL divergence KL(d ‖ ŷ) of the one-hot target d (whose entropy is 0).
    """
    t = _class_index(target, len(zs))
    return ad.logsumexp(zs) - zs[t]


def kl_divergence(zs: Sequence[Value], target: Sequence[float]) -> Value:
    """KL(d ‖ ŷ) of a target distribution d and ŷ = softmax(z), from the logits z:

    KL = Σ_j d_j·(log d_j − log ŷ_j) = Σ_j d_j·log d_j − Σ_j d_j·z_j + logsumexp(z);
    ∂KL/∂z_j = ŷ_j − d_j
    """
    ds = [float(d) for d in target]
    _check_sizes("kl_divergence", len(zs), len(ds))
    if not ds or min(ds) < 0 or not math.isclose(math.fsum(ds), 1.0, abs_tol=1e-9):
        raise ValueError(
            f"kl_divergence needs a target distribution (d_j >= 0, Σ d_j = 1), got {ds}"
        )
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
    """

    name: str
    per_sample: Callable[[list[Value], Any], Value]
    link: str = ""
    target_class: Callable[[Any], int] | None = None

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


mse_loss = Loss("mean squared error", squared_error)
hinge_loss = Loss("hinge", _single("hinge", hinge), target_class=lambda t: int(t > 0))
bce_loss = Loss(
    "binary cross-entropy",
    _single("binary cross-entropy", bce_with_logits),
    link="sigmoid",
    target_class=lambda t: int(t >= 0.5),
)
cross_entropy_loss = Loss(
    "cross-entropy", softmax_cross_entropy, link="softmax", target_class=operator.index
)


def _class_index(target: object, n_classes: int) -> int:
    try:
        t = operator.index(target)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(f"a class target must be an int, got {target!r}") from None
    if not 0 <= t < n_classes:
        raise ValueError(f"class {t} is out of range for {n_classes} outputs")
    return t


def _check_sizes(where: str, n_outputs: int, n_targets: int) -> None:
    if n_outputs != n_targets:
        raise ValueError(f"{where}: {n_outputs} outputs but {n_targets} targets")
