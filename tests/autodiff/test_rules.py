"""Every primitive's derivative against an independent oracle, and at its kinks."""

from __future__ import annotations

import pytest
from support import KINKS, ORACLES, rule_matches_oracle, rule_serves_values_too, subgradient_at_kink

from autodiff import PRIMITIVES


def test_every_builtin_primitive_has_an_oracle() -> None:
    builtin = {
        name for name, p in PRIMITIVES.items() if p.forward.__module__.startswith("autodiff.")
    }
    assert set(ORACLES) == builtin


@pytest.mark.parametrize("name", sorted(ORACLES))
def test_value_and_first_derivatives_match_mpmath(name: str) -> None:
    rule_matches_oracle(name)()


@pytest.mark.parametrize("name", sorted(KINKS))
def test_documented_subgradient_at_the_kink(name: str) -> None:
    subgradient_at_kink(name)()


@pytest.mark.parametrize("name", sorted(ORACLES))
def test_each_rule_gives_the_same_derivatives_on_values_as_on_floats(name: str) -> None:
    rule_serves_values_too(name)()
