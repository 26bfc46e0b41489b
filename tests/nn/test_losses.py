"""Losses: formulas, gradients (the lectures' ∂L/∂z = ŷ − y), stability and errors.

Each property is written against an implementation passed in, and also run once against a
deliberately wrong one, to show that it can fail.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import fails

import autodiff as ad
import nn
from autodiff import Value

Property = Callable[[], None]
logits = st.floats(-1000, 1000)
probabilities = st.floats(0, 1)


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


# -- binary cross-entropy from the logit --------------------------------------------------


def bce_gradient_is_sigmoid_minus_target(bce: Callable[[Value, float], Value]) -> Property:
    @given(logits, probabilities)
    def prop(z0: float, y: float) -> None:
        z = Value(z0)
        loss = bce(z, y)
        loss.backward()
        assert math.isfinite(loss.data) and loss.data >= 0
        assert close(z.grad, ad.sigmoid(z0) - y)

    return prop


def naive_bce(z: Value, y: float) -> Value:
    """The textbook formula on probabilities, kept finite with an epsilon: wrong far out."""
    p = z.sigmoid()
    return -(y * (p + 1e-12).log() + (1 - y) * (1 - p + 1e-12).log())


def test_bce_gradient_is_sigmoid_minus_target() -> None:
    bce_gradient_is_sigmoid_minus_target(nn.bce_loss.per_sample)()


def test_bce_gradient_property_catches_the_naive_formula() -> None:
    fails(bce_gradient_is_sigmoid_minus_target(naive_bce))


@pytest.mark.parametrize("z", [-30.0, -2.0, 0.0, 0.5, 30.0])
@pytest.mark.parametrize("y", [0.0, 0.3, 1.0])
def test_bce_is_the_cross_entropy_of_the_sigmoid(z: float, y: float) -> None:
    # −y·log σ(z) − (1 − y)·log(1 − σ(z)), with log σ(z) = −log(1 + e^−z), 1 − σ(z) = σ(−z)
    expected = y * math.log1p(math.exp(-z)) + (1 - y) * math.log1p(math.exp(z))
    assert nn.bce_loss.per_sample(Value(z), y).data == pytest.approx(expected, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize(
    ("z", "y", "loss", "grad"),
    [(1000, 1, 0, 0), (1000, 0, 1000, 1), (-1000, 0, 0, 0), (-1000, 1, 1000, -1)],
)
def test_bce_stays_finite_at_a_logit_of_a_thousand(
    z: float, y: float, loss: float, grad: float
) -> None:
    logit = Value(z)
    value = nn.bce_loss.per_sample(logit, y)
    value.backward()
    assert (value.data, logit.grad) == (loss, grad)


# -- softmax cross-entropy and KL divergence ----------------------------------------------


def class_problems() -> st.SearchStrategy[tuple[list[float], int]]:
    return st.lists(logits, min_size=2, max_size=10).flatmap(
        lambda zs: st.tuples(st.just(zs), st.integers(0, len(zs) - 1))
    )


def cross_entropy_gradient_is_softmax_minus_one_hot(
    cross_entropy: Callable[[Sequence[Value], int], Value],
) -> Property:
    @given(class_problems())
    def prop(problem: tuple[list[float], int]) -> None:
        z0, t = problem
        zs = [Value(z) for z in z0]
        loss = cross_entropy(zs, t)
        loss.backward()
        assert math.isfinite(loss.data) and loss.data >= -1e-12
        expected = [y - (j == t) for j, y in enumerate(ad.softmax(z0))]
        assert all(close(z.grad, e) for z, e in zip(zs, expected))

    return prop


def naive_cross_entropy(zs: Sequence[Value], t: int) -> Value:
    """−log softmax(z)_t, kept finite with an epsilon: wrong where softmax saturates."""
    y: Value = ad.softmax(zs)[t]
    return -(y + 1e-12).log()


def test_cross_entropy_gradient_is_softmax_minus_one_hot() -> None:
    cross_entropy_gradient_is_softmax_minus_one_hot(nn.cross_entropy_loss.per_sample)()


def test_cross_entropy_gradient_property_catches_the_naive_formula() -> None:
    fails(cross_entropy_gradient_is_softmax_minus_one_hot(naive_cross_entropy))


def test_cross_entropy_is_the_kl_divergence_of_a_one_hot_target() -> None:
    z0 = [0.5, -1.0, 2.0, 0.0]
    ce = nn.cross_entropy_loss.per_sample([Value(z) for z in z0], 2).data
    kl = nn.kl_loss.per_sample([Value(z) for z in z0], [0.0, 0.0, 1.0, 0.0]).data
    assert ce == pytest.approx(kl) == pytest.approx(-math.log(ad.softmax(z0)[2]))


def test_kl_divergence_of_a_soft_target_and_its_gradient() -> None:
    z0, d = [0.5, -1.0, 2.0], [0.2, 0.3, 0.5]
    zs = [Value(z) for z in z0]
    kl = nn.kl_loss.per_sample(zs, d)
    kl.backward()
    q = ad.softmax(z0)
    assert kl.data == pytest.approx(sum(di * math.log(di / qi) for di, qi in zip(d, q)))
    assert [z.grad for z in zs] == pytest.approx([qi - di for qi, di in zip(q, d)])


# -- hinge, squared error, L2 ---------------------------------------------------------------


def test_hinge_is_zero_outside_the_margin_and_linear_inside() -> None:
    assert nn.hinge_loss.per_sample(Value(2.0), 1.0).data == 0.0
    score = Value(0.25)
    loss = nn.hinge_loss.per_sample(score, -1.0)
    loss.backward()
    assert (loss.data, score.grad) == (1.25, 1.0)


def test_squared_error_sums_over_outputs() -> None:
    ys = [Value(1.0), Value(2.0)]
    loss = nn.mse_loss.per_sample(ys, [0.0, 4.0])
    loss.backward()
    assert loss.data == 5.0 and [y.grad for y in ys] == [2.0, -4.0]
    assert nn.mse_loss.per_sample([Value(3.0)], 1.0).data == 4.0


def test_l2_penalty_is_one_node_with_gradient_two_alpha_p() -> None:
    ps = [Value(1.0), Value(-2.0)]
    penalty = nn.l2_penalty(ps, 0.5)
    penalty.backward()
    assert penalty.data == 2.5 and [p.grad for p in ps] == [1.0, -2.0]
    assert len(ad.topological_order(penalty)) == 2  # the dot, and the product by alpha


def test_a_loss_is_the_mean_over_the_batch() -> None:
    scores = [Value(0.5), Value(-2.0), Value(3.0)]
    assert nn.hinge_loss(scores, [1, 1, -1]).data == pytest.approx((0.5 + 3.0 + 4.0) / 3)
    logits_ = [[Value(0.0), Value(0.0)], [Value(1.0), Value(-1.0)]]
    expected = (math.log(2) + nn.cross_entropy_loss.per_sample(logits_[1], 0).data) / 2
    assert nn.cross_entropy_loss(logits_, [1, 0]).data == pytest.approx(expected)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: nn.hinge_loss([Value(1.0)], [1, -1]), ValueError, "1 outputs but 2 targets"),
        (lambda: nn.mse_loss([], []), ValueError, "needs at least one sample"),
        (
            lambda: nn.bce_loss([[Value(1.0), Value(2.0)]], [1]),
            ValueError,
            "loss needs a model with one output, got 2",
        ),
        (
            lambda: nn.cross_entropy_loss.per_sample([Value(1.0)] * 3, 3),
            ValueError,
            r"the target must be a class in 0\.\.2, got 3",
        ),
        (
            lambda: nn.cross_entropy_loss.per_sample([Value(1.0)] * 3, 1.5),
            TypeError,
            "must be an int",
        ),
        (lambda: nn.kl_loss.per_sample([Value(1.0)] * 2, [0.5, 0.6]), ValueError, "distribution"),
        (lambda: nn.kl_loss.per_sample([Value(1.0)] * 2, [1.0]), ValueError, "must be 2 numbers"),
        (
            lambda: nn.kl_loss.per_sample([Value(1.0)] * 2, ["1", 0]),
            ValueError,
            "must be 2 numbers",
        ),
        (
            lambda: nn.mse_loss.per_sample([Value(1.0)], [1.0, 2.0]),
            ValueError,
            "must be 1 number, one",
        ),
        (
            lambda: nn.hinge_loss.per_sample(Value(1.0), 0),
            ValueError,
            r"the target must be -1 or \+1, got 0",
        ),
        (lambda: nn.hinge_loss([Value(1.0)], [True]), ValueError, r"must be -1 or \+1, got True"),
        (
            lambda: nn.bce_loss.per_sample(Value(1.0), -1),
            ValueError,
            r"a number in \[0, 1\], got -1",
        ),
        (lambda: nn.bce_loss([Value(1.0)], [float("nan")]), ValueError, r"\[0, 1\], got nan"),
        (lambda: nn.l2_penalty([Value(1.0)], -1.0), ValueError, "alpha"),
    ],
)
def test_bad_input_gets_a_clear_error(
    call: Callable[[], object], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        call()
