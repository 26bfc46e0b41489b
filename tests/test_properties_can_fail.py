"""Each kind of property test, run once against a deliberately wrong rule, must fail.

A property that cannot fail proves nothing; these runs show that each one catches the kind
of mistake it is there for.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from properties import (
    Property,
    chain_rule,
    distributed_chain_rule,
    gradient_matches_mpmath_on_random_graphs,
    hunting,
    linearity,
    product_rule,
    rule_matches_oracle,
    subgradient_at_kink,
    wrong_rule,
)

from autodiff import Value, topological_order


def fails(prop: Property) -> None:
    with pytest.raises(AssertionError):
        hunting(prop)()


def test_oracle_property_catches_a_wrong_derivative() -> None:
    with wrong_rule("tanh", lambda x, out: 1 - out):  # should be 1 - out²
        fails(rule_matches_oracle("tanh"))


def test_oracle_property_catches_a_wrong_partial_of_a_variadic_op() -> None:
    with wrong_rule("dot", lambda args, out: (1.0,) * len(args)):
        fails(rule_matches_oracle("dot"))


def test_kink_property_catches_a_different_subgradient() -> None:
    with wrong_rule("relu", lambda x, out: 1.0 if x >= 0 else 0.0):  # relu'(0) = 1
        fails(subgradient_at_kink("relu"))


def test_random_graph_property_catches_a_wrong_rule() -> None:
    with wrong_rule("sigmoid", lambda x, out: out * out):
        fails(gradient_matches_mpmath_on_random_graphs())


def test_linearity_catches_a_wrong_rule() -> None:
    with wrong_rule("mul", lambda x, y, out: (x, y)):  # partials swapped
        fails(linearity())


def test_product_rule_catches_a_wrong_rule() -> None:
    with wrong_rule("mul", lambda x, y, out: (x, y)):
        fails(product_rule())


def test_chain_rule_catches_a_wrong_rule() -> None:
    with wrong_rule("tanh", lambda x, out: 1 - out):
        fails(chain_rule())


def assigning_backward(root: Value, leaves: Sequence[Value]) -> list[float]:
    """A wrong chain rule: each edge overwrites the input's gradient instead of adding to it."""
    for node in [*topological_order(root), *leaves]:
        node.grad = 0.0
    root.grad = 1.0
    for node in reversed(topological_order(root)):
        for parent, d in zip(node.parents, node.partials):
            parent.grad = node.grad * d
    return [leaf.grad for leaf in leaves]


def test_path_sum_property_catches_a_wrong_chain_rule() -> None:
    fails(distributed_chain_rule(assigning_backward))
