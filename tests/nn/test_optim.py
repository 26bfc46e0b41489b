"""Optimizers: SGD (momentum, weight decay, schedules) and Adam, against their formulas."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest

import autodiff as ad
import nn
from autodiff import Value


def with_grads(*pairs: tuple[float, float]) -> list[Value]:
    """Parameters with the given (data, grad)."""
    params = [Value(data) for data, _ in pairs]
    for p, (_, grad) in zip(params, pairs):
        p.grad = grad
    return params


def test_sgd_steps_against_the_gradient() -> None:
    params = with_grads((1.0, 0.5), (-2.0, -1.0))
    nn.SGD(params, lr=0.1).step()
    assert [p.data for p in params] == pytest.approx([0.95, -1.9])


def test_sgd_momentum_and_weight_decay_follow_pytorch() -> None:
    (p,) = with_grads((1.0, 0.5))
    optimizer = nn.SGD([p], lr=0.1, momentum=0.9, weight_decay=0.1)
    optimizer.step()  # g = 0.5 + 0.1·1 = 0.6; v = 0.6; p = 1 − 0.06
    assert p.data == pytest.approx(0.94)
    optimizer.step()  # g = 0.5 + 0.094 = 0.594; v = 0.9·0.6 + 0.594 = 1.134
    assert p.data == pytest.approx(0.94 - 0.1134)


def test_a_schedule_sets_the_learning_rate_of_each_step() -> None:
    schedule = nn.linear_decay(1.0, 0.1, 100)  # micrograd's demo: 1.0 − 0.9·k/100
    assert [schedule(k) for k in (0, 50, 99, 100, 500)] == pytest.approx(
        [1.0, 0.55, 0.109, 0.1, 0.1]
    )
    (p,) = with_grads((0.0, 1.0))
    optimizer = nn.SGD([p], lr=schedule)
    for _ in range(3):
        optimizer.step()
    assert p.data == pytest.approx(-(1.0 + 0.991 + 0.982))
    assert optimizer.steps == 3 and optimizer.learning_rate() == pytest.approx(0.973)


def test_adam_first_step_moves_each_parameter_by_lr_against_its_gradient_sign() -> None:
    params = with_grads((1.0, 3.0), (1.0, -1e-3))
    nn.Adam(params, lr=0.01).step()
    assert [p.data for p in params] == pytest.approx([0.99, 1.01], rel=1e-6)


def test_adam_follows_its_formula_over_steps() -> None:
    (p,) = with_grads((1.0, 0.0))
    optimizer = nn.Adam([p], lr=0.1, betas=(0.5, 0.75), eps=1e-8, weight_decay=0.0)
    m = v = 0.0
    expected = 1.0
    for t, g in enumerate([1.0, -2.0, 0.5], start=1):
        p.grad = g
        optimizer.step()
        m, v = 0.5 * m + 0.5 * g, 0.75 * v + 0.25 * g * g
        expected -= 0.1 * (m / (1 - 0.5**t)) / (math.sqrt(v / (1 - 0.75**t)) + 1e-8)
        assert p.data == pytest.approx(expected)


def test_updates_record_no_graph_even_when_recording_is_on() -> None:
    model = nn.MLP(2, [3, 1], seed=0)
    model([1.0, 2.0]).backward()  # type: ignore[union-attr]
    optimizer = nn.Adam(model.parameters())
    optimizer.step()
    assert all(type(p.data) is float and p.op == "" for p in model.parameters())
    assert ad.is_grad_enabled()


def test_zero_grad_clears_the_optimizers_parameters() -> None:
    params = with_grads((1.0, 2.0))
    nn.SGD(params, lr=0.1).zero_grad()
    assert params[0].grad == 0.0


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: nn.SGD(p, lr=-1.0), r"SGD\(lr\) needs a positive number, got -1.0"),
        (lambda p: nn.SGD(p, lr=0), r"SGD\(lr\) needs a positive number, got 0"),
        (lambda p: nn.SGD(p, lr=math.nan), r"SGD\(lr\) needs a positive number, got nan"),
        (lambda p: nn.SGD(p, lr="0.1"), r"SGD\(lr\) needs a positive number, got '0.1'"),  # type: ignore[arg-type]
        (lambda p: nn.SGD(p, lr=True), r"SGD\(lr\) needs a positive number, got True"),
        (lambda p: nn.SGD(p, lr=0.1, momentum=1.0), r"SGD\(momentum\) needs a number in \[0, 1\)"),
        (lambda p: nn.SGD(p, lr=0.1, weight_decay=-1), r"SGD\(weight_decay\) needs a number >= 0"),
        (lambda p: nn.Adam(p, betas=(0.9, 1.5)), r"Adam\(betas\) needs a number in \[0, 1\)"),
        (lambda p: nn.Adam(p, eps=0.0), r"Adam\(eps\) needs a positive number"),
        (lambda p: nn.SGD([], lr=0.1), "SGD got no parameters"),
        (lambda p: nn.linear_decay(1.0, 0.1, 0), r"linear_decay\(steps\) needs a positive int"),
    ],
)
def test_bad_settings_get_a_clear_error(make: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make(with_grads((1.0, 1.0)))  # type: ignore[operator]


def test_a_schedule_that_reaches_zero_is_refused_at_that_step() -> None:
    optimizer = nn.SGD(with_grads((1.0, 1.0)), lr=lambda k: 1.0 - k)
    optimizer.step()
    with pytest.raises(ValueError, match="the learning rate schedule at step 1 needs a positive"):
        optimizer.step()


def test_parameters_must_be_values() -> None:
    with pytest.raises(TypeError, match=r"SGD\(parameters\): item 0 is a float, not a Value"):
        nn.SGD([1.0], lr=0.1)  # type: ignore[list-item]


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda ps: nn.SGD(ps, lr=0.1), 0.8),  # p − 0.1·2, not p − 2·0.1·2
        (lambda ps: nn.SGD(ps, lr=0.1, momentum=0.9), 0.8),
        (lambda ps: nn.Adam(ps, lr=0.1), 0.9),  # Adam's first step moves each by lr
    ],
)
def test_a_parameter_given_twice_is_updated_once(
    make: Callable[[list[Value]], nn.Optimizer], expected: float
) -> None:
    p = Value(1.0)
    optimizer = make([p, p])
    assert optimizer.parameters == [p]
    (2 * p).backward()  # dL/dp = 2
    optimizer.step()
    assert p.data == pytest.approx(expected)
