"""Optimizers: SGD (with momentum and weight decay) and Adam, and learning-rate schedules.

A learning rate is a positive number, or a schedule: a function of the step number k
(0, 1, 2, ...) returning one, such as micrograd's demo ``linear_decay(1.0, 0.1, 100)``,
lr(k) = 1.0 − 0.9·k/100. Updates run inside ``autodiff.no_grad()``: they record no graph.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable

import autodiff as ad
from autodiff import Value
from autodiff.checks import as_count, as_nonnegative, as_positive, as_values
from nn.checks import MAX_COUNT, as_fraction

Schedule = Callable[[int], float]


def linear_decay(start: float, end: float, steps: int) -> Schedule:
    """lr(k) = start + (end − start)·k/steps for k < steps, then end."""
    as_positive(start, "linear_decay(start)")
    as_positive(end, "linear_decay(end)")
    as_count(steps, "linear_decay(steps)", most=MAX_COUNT)
    return lambda k: start + (end - start) * min(k, steps) / steps


class Optimizer(ABC):
    """Updates parameters from their gradients: ``zero_grad()``, backward, ``step()``."""

    def __init__(self, parameters: Iterable[Value], lr: float | Schedule) -> None:
        # Each parameter once, by identity (as in PyTorch): one given twice, or a tied weight,
        # would otherwise be updated twice a step, and have two momentum or Adam states.
        given = as_values(parameters, f"{type(self).__name__}(parameters)")
        self.parameters = list({id(p): p for p in given}.values())
        if not self.parameters:
            raise ValueError(f"{type(self).__name__} got no parameters")
        if not callable(lr):
            as_positive(lr, f"{type(self).__name__}(lr)")
        self.lr = lr
        self.steps = 0  # updates done so far: the k of a schedule

    def learning_rate(self) -> float:
        """The learning rate of the next step."""
        if not callable(self.lr):
            return self.lr
        lr = self.lr(self.steps)
        as_positive(lr, f"the learning rate schedule at step {self.steps}")
        return lr

    def zero_grad(self) -> None:
        ad.zero_grad(self.parameters)

    def step(self) -> None:
        """One update from the gradients now in ``.grad``: all of it, or nothing.

        If the update fails part way (an overflow, Ctrl-C), or leaves a parameter that is not
        a finite number (a learning rate too large, an infinite gradient), every parameter
        and the optimizer's state are put back as they were, and the error says which.
        """
        lr = self.learning_rate()
        data = [p.data for p in self.parameters]
        state = {name: list(values) for name, values in self.state().items()}
        try:
            with ad.no_grad():
                self.update(lr)
            self._check_finite(lr)
        except BaseException:
            for p, before in zip(self.parameters, data):
                p.data = before
            for name, values in self.state().items():
                values[:] = state[name]
            raise
        self.steps += 1

    def _check_finite(self, lr: float) -> None:
        for i, p in enumerate(self.parameters):
            if not math.isfinite(p.data):
                name = f" ({p.label})" if p.label else ""
                raise ValueError(
                    f"{type(self).__name__} step {self.steps}: parameter {i}{name} became "
                    f"{p.data} (its gradient is {p.grad}; learning rate {lr:g}); the step "
                    "was undone"
                )

    @abstractmethod
    def update(self, lr: float) -> None:
        """Move each parameter, with this learning rate (inside no_grad)."""

    @abstractmethod
    def state(self) -> dict[str, list[float]]:
        """The optimizer's own state, one number per parameter in each list (momentum...)."""


class SGD(Optimizer):
    """Stochastic gradient descent, as in PyTorch:

    g = ∂L/∂p + weight_decay·p;  v = momentum·v + g;  p = p − lr·v   (v = g without momentum)
    """

    def __init__(
        self,
        parameters: Iterable[Value],
        lr: float | Schedule,
        *,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(parameters, lr)
        as_fraction(momentum, "SGD(momentum)")
        as_nonnegative(weight_decay, "SGD(weight_decay)")
        self.momentum, self.weight_decay = momentum, weight_decay
        self.velocity = [0.0] * len(self.parameters)

    def state(self) -> dict[str, list[float]]:
        return {"velocity": self.velocity}

    def update(self, lr: float) -> None:
        momentum, decay, velocity = self.momentum, self.weight_decay, self.velocity
        for i, p in enumerate(self.parameters):
            g = p.grad + decay * p.data
            if momentum:
                g = velocity[i] = momentum * velocity[i] + g
            p.data -= lr * g


class Adam(Optimizer):
    """Adam (Kingma & Ba), as in PyTorch, at step t = 1, 2, ...:

    g = ∂L/∂p + weight_decay·p;  m = β1·m + (1 − β1)·g;  v = β2·v + (1 − β2)·g²;
    p = p − lr·m̂ / (√v̂ + eps),  m̂ = m / (1 − β1^t),  v̂ = v / (1 − β2^t)
    """

    def __init__(
        self,
        parameters: Iterable[Value],
        lr: float | Schedule = 1e-3,
        *,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(parameters, lr)
        if not (isinstance(betas, tuple | list) and len(betas) == 2):
            raise TypeError(f"Adam(betas) needs a pair of numbers in [0, 1), got {betas!r}")
        for beta in betas:
            as_fraction(beta, "Adam(betas)")
        as_positive(eps, "Adam(eps)")
        as_nonnegative(weight_decay, "Adam(weight_decay)")
        self.betas, self.eps, self.weight_decay = betas, eps, weight_decay
        self.m = [0.0] * len(self.parameters)
        self.v = [0.0] * len(self.parameters)

    def state(self) -> dict[str, list[float]]:
        return {"m": self.m, "v": self.v}

    def update(self, lr: float) -> None:
        (beta1, beta2), eps, decay, m, v = self.betas, self.eps, self.weight_decay, self.m, self.v
        t = self.steps + 1
        m_scale, v_scale = 1 / (1 - beta1**t), 1 / (1 - beta2**t)
        for i, p in enumerate(self.parameters):
            g = p.grad + decay * p.data
            m[i] = beta1 * m[i] + (1 - beta1) * g
            v[i] = beta2 * v[i] + (1 - beta2) * g * g
            p.data -= lr * m[i] * m_scale / (math.sqrt(v[i] * v_scale) + eps)
