"""A moment of the backward pass, as a diagram shows it: who passes, and which grads are final.

`autodiff.backward_steps` walks the backward pass one node at a time. After some of its steps,
`Step.after` says what a diagram should show: the node that has just passed its gradient, what
crossed each of its edges, and, for every other Value, whether its grad is final, a sum so far
(some of the nodes it feeds have passed, not all), or not reached at all. A grad is final once
every node it feeds has passed, which the reverse topological order guarantees before the
Value passes on in turn: the lectures' "already computed" factor.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from autodiff.backprop import BackwardStep, topological_order
from autodiff.value import Value


@dataclass(frozen=True)
class Pinned:
    """What keeps every box of a pass's diagrams where it is from one step to the next: the
    whole pass (each node's `BackwardStep`, by node), whose text each edge carries at every
    step, unseen but where it is the step's, so that the layout makes the same room for it;
    and each box's size, in inches, by its name (n0, n1, ...), wide enough for any step's
    numbers."""

    passes: Mapping[Value, BackwardStep] = field(default_factory=dict)
    sizes: Mapping[str, tuple[float, float]] = field(default_factory=dict)


@dataclass(frozen=True)
class Step:
    """A moment of the backward pass: ``node`` has just passed its gradient on (None before
    the first step), sending ``passed`` (as in `autodiff.BackwardStep`) along its edges.

    ``waiting``: Values no gradient has reached yet (none of the nodes they feed has passed);
    ``partial``: Values some of whose users have passed, not all, so their grad is a sum so
    far. Every other grad is final. ``pinned``: the same places for every step (the stepper's).
    """

    node: Value | None = None
    passed: tuple[tuple[Value, float], ...] = ()
    waiting: frozenset[Value] = frozenset()
    partial: frozenset[Value] = frozenset()
    pinned: Pinned | None = None

    @classmethod
    def after(cls, root: Value, steps: Sequence[BackwardStep]) -> Step:
        """The moment after these steps, the first of `backward_steps(root)`, have been taken."""
        edges: Counter[Value] = Counter()  # how many edges leave each Value, to its users
        for node in topological_order(root):
            edges.update(node.parents)
        done: Counter[Value] = Counter()
        for step in steps:
            done.update(step.node.parents)
        waiting = frozenset(v for v in edges if not done[v] and v is not root)
        partial = frozenset(v for v in edges if 0 < done[v] < edges[v])
        last = steps[-1] if steps else None
        if last is None:
            return cls(waiting=waiting, partial=partial)
        return cls(last.node, last.passed, waiting, partial)
