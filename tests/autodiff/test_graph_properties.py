"""Structural properties of gradients on random expression graphs."""

from __future__ import annotations

from support import (
    chain_rule,
    distributed_chain_rule,
    gradient_matches_mpmath_on_random_graphs,
    linearity,
    product_rule,
)


def test_gradient_of_random_graphs_matches_mpmath() -> None:
    gradient_matches_mpmath_on_random_graphs()()


def test_linearity() -> None:
    linearity()()


def test_product_rule() -> None:
    product_rule()()


def test_chain_rule() -> None:
    chain_rule()()


def test_gradient_is_the_sum_over_paths_of_edge_products() -> None:
    distributed_chain_rule()()
