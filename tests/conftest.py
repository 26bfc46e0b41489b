"""Test configuration: the hypothesis profile for CI, and the seed of the run in the header."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

# No deadline: timing on shared CI machines varies, and speed is measured by benchmarks/.
# print_blob: a failure prints the @reproduce_failure line that replays it exactly.
settings.register_profile(
    "ci",
    deadline=None,
    print_blob=True,
    max_examples=60,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("thorough", parent=settings.get_profile("ci"), max_examples=1000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_report_header(config: pytest.Config) -> str:
    seed = config.getoption("hypothesis_seed")
    if seed is None:
        return "hypothesis seed: random (failures print a @reproduce_failure blob)"
    return f"hypothesis seed: {seed} (replay this run with: make test SEED={seed})"
