"""Seeds: every random choice in nn comes from a private `random.Random`.

A seed may be an int (a private generator seeded with it: the global random state is left
alone), a `random.Random` (used as it is, so one generator can be handed down, from an MLP to
its layers and neurons), or None: then the seed is drawn once from Python's global `random`,
so `random.seed(1337)` makes a program reproducible, as it does with micrograd.
"""

from __future__ import annotations

import random

Seed = int | random.Random | None


def make_rng(seed: Seed) -> random.Random:
    """The generator that `seed` stands for (see the module docstring)."""
    check_seed(seed)
    if isinstance(seed, random.Random):
        return seed
    if seed is None:
        return random.Random(random.getrandbits(64))
    return random.Random(seed)


def check_seed(seed: object) -> None:
    """A TypeError unless seed is a `Seed`: for a seed checked before it is used, if ever."""
    if not (seed is None or isinstance(seed, random.Random | int)) or isinstance(seed, bool):
        raise TypeError(
            f"seed must be an int, a random.Random or None, got {type(seed).__name__!r}"
        )
