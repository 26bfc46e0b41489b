"""Initial weights, by name. Biases always start at 0.

Each scheme draws one weight of a neuron with n_in inputs, in a layer of n_out neurons:

- "xavier" (Glorot, the lectures' scheme): w ~ N(0, σ), σ = sqrt(2 / (n_in + n_out));
- "he" (for ReLU layers): w ~ N(0, σ), σ = sqrt(2 / n_in);
- "uniform" (micrograd's): w ~ U(−1, 1).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable

WeightInit = Callable[[random.Random, int, int], float]
"""(rng, n_in, n_out) -> one weight."""


def xavier(rng: random.Random, n_in: int, n_out: int) -> float:
    """w ~ N(0, sqrt(2 / (n_in + n_out)))"""
    return rng.gauss(0.0, math.sqrt(2.0 / (n_in + n_out)))


def he(rng: random.Random, n_in: int, n_out: int) -> float:
    """w ~ N(0, sqrt(2 / n_in))"""
    return rng.gauss(0.0, math.sqrt(2.0 / n_in))


def uniform(rng: random.Random, n_in: int, n_out: int) -> float:
    """w ~ U(−1, 1)"""
    return rng.uniform(-1.0, 1.0)


INITS: dict[str, WeightInit] = {"xavier": xavier, "he": he, "uniform": uniform}
"""Every initialisation a layer accepts, by name."""


def weight_init(name: object) -> WeightInit:
    """The scheme called name; a ValueError that lists the known ones for any other name."""
    if name not in INITS:
        raise ValueError(f"unknown init {name!r}; choose one of {', '.join(INITS)}")
    return INITS[name]
