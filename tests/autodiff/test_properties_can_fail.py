"""Each kind of property test, run once against a deliberately wrong rule, must fail.

A property that cannot fail proves nothing; these runs show that each one catches the kind
of mistake it is there for.
"""

from __future__ import annotations

from collections.abc import Sequence

from support import (
    chain_rule,
    distributed_chain_rule,
    fails,
    gradient_matches_mpmath_on_random_graphs,
    higher_derivative_matches_oracle,
    linearity,
    product_rule,
    rule_matches_oracle,
    rule_serves_values_too,
    subgradient_at_kink,
    wrong_rule,
)

import autodiff as ad
from autodiff import Value, topological_order


def test_oracle_property_catches_a_wrong_derivative() -> None:
    with wrong_rule("tanh", lambda x, out: 1 - out):  # should be 1 - out²
        fails(rule_matches_oracle("tanh"))


def test_oracle_property_catches_a_wrong_partial_of_a_variadic_op() -> None:
    with wrong_rule("dot", lambda args, out: (1.0,) * len(args)):
        fails(rule_matches_oracle("dot"))


def test_higher_order_property_catches_a_rule_cut_off_from_the_graph() -> None:
    def detached(x: object, out: object) -> float:
        y = out.data if isinstance(out, Value) else float(out)  # type: ignore[arg-type]
        return 1 - y * y  # right in value; but its derivative is now 0

    with wrong_rule("tanh", detached):
        fails(higher_derivative_matches_oracle("tanh", 2))


def test_values_property_catches_a_rule_that_branches_on_its_input_type() -> None:
    with wrong_rule("sin", lambda x, out: ad.cos(x) + (1.0 if isinstance(x, Value) else 0.0)):
        fails(rule_serves_values_too("sin"))


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
