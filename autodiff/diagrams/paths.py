"""Paths of influence: every way a Value x reaches a result y, and what each one contributes.

In the lectures' influence diagram each edge carries a local derivative, and dy/dx is the sum,
over all paths from x to y, of the products of the edge derivatives along them. ``backward()``
computes that sum without listing the paths; ``paths`` lists them, to look at and to check.
Their number can grow exponentially with the size of a graph, so ``paths`` counts them first
and refuses to list more than a limit. Nothing here recurses on the depth of a graph.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from autodiff.backprop import topological_order
from autodiff.checks import as_count, as_value
from autodiff.errors import DomainError, Undefined
from autodiff.value import Value

DEFAULT_LIMIT = 10_000
"""How many paths ``paths`` lists at most, unless told otherwise."""

Derivative = float | Undefined
_Trail = tuple[Value, int, "_Trail"] | None  # a path back to y, as linked cells: see paths()


class TooManyPathsError(ValueError):
    """y depends on x through more paths than the limit allows listing."""


@dataclass(frozen=True)
class InfluencePath:
    """One path from x to y: the Values along it, and the local derivative on each edge.

    ``values[0]`` is x and ``values[-1]`` is y; ``derivatives[i]`` is
    ∂values[i+1]/∂values[i], the derivative on the edge between them.
    """

    values: tuple[Value, ...]
    derivatives: tuple[Derivative, ...]

    @property
    def product(self) -> float:
        """The product of the edge derivatives: this path's share of dy/dx.

        Multiplied from y's end, as the backward pass does, so an undefined derivative
        (√x at 0) raises DomainError only if a nonzero factor reaches it.
        """
        product = 1.0
        for derivative in reversed(self.derivatives):
            product = product * derivative
        return product

    def __str__(self) -> str:
        """``x1 → x1·w1 → z → y: -3 · 1 · 1 · 0.5 = -1.5``"""
        names = " → ".join(_name(v) for v in self.values)
        factors = " · ".join(f"{d:.4g}" for d in self.derivatives) or "1"
        try:
            product = f"{self.product:.4g}"
        except DomainError:
            product = "undefined"
        return f"{names}: {factors} = {product}"


def paths(x: Value, y: Value, *, limit: int = DEFAULT_LIMIT) -> list[InfluencePath]:
    """Every path through which x influences y, with its edge derivatives.

    The sum of their products is dy/dx, as ``backward()`` computes it. A Value used twice
    by one operation (x * x) gives two edges, hence two paths. ``x is y`` gives one path of
    no edges (dy/dy = 1); a y that does not depend on x, none. More than ``limit`` paths
    (a positive int) raise TooManyPathsError, before any is listed.
    """
    if not (isinstance(x, Value) and isinstance(y, Value)):
        raise TypeError(f"paths() needs two Values, got {type(x).__name__!r}, {type(y).__name__!r}")
    limit = as_count(limit, "paths(limit=...)")
    order = topological_order(y)
    on_path = _on_paths(x, y, order)
    _check_count(x, y, order, on_path, limit)
    found: list[InfluencePath] = []
    # Each entry: a node and the trail back to y, as linked cells (node, parent index, rest),
    # so extending a trail costs O(1) however long the path.
    stack: list[tuple[Value, _Trail]] = [(y, None)] if on_path else []
    while stack:
        node, trail = stack.pop()
        if node is x:
            found.append(_path(x, trail))
            continue
        parents = node.parents
        for i in reversed(range(len(parents))):  # reversed: the first parent is listed first
            if parents[i] in on_path:
                stack.append((parents[i], (node, i, trail)))
    return found


def influence(x: Value, y: Value) -> frozenset[Value]:
    """The Values through which x influences y: those on some path from x to y.

    x and y included; empty if y does not depend on x.
    """
    as_value(x, "influence(x)")
    return _on_paths(x, as_value(y, "influence(y)"), topological_order(y))


def _on_paths(x: Value, y: Value, order: Sequence[Value]) -> frozenset[Value]:
    # Every node of order is one y depends on: those that depend on x lie on a path.
    reached = {x}
    for node in order:
        if any(parent in reached for parent in node.parents):
            reached.add(node)
    return frozenset(reached) if y in reached else frozenset()


def _check_count(
    x: Value, y: Value, order: Sequence[Value], on_path: frozenset[Value], limit: int
) -> None:
    """Count the paths (up to limit + 1, so the numbers stay small) and refuse too many."""
    count = {x: 1}
    for node in order:
        if node in on_path and node is not x:
            total = sum(count[parent] for parent in node.parents if parent in on_path)
            count[node] = min(total, limit + 1)
    if count.get(y, 0) > limit:
        raise TooManyPathsError(
            f"{_name(y)} depends on {_name(x)} through more than {limit} paths, too many to "
            "list; backward() sums them without listing them (paths(limit=...) raises the limit)"
        )


def _path(x: Value, trail: _Trail) -> InfluencePath:
    values = [x]
    derivatives: list[Derivative] = []
    while trail is not None:
        node, index, trail = trail
        values.append(node)
        derivatives.append(node.partials[index])
    return InfluencePath(tuple(values), tuple(derivatives))


def _name(v: Value) -> str:
    return v.label or v.op or f"{v.data:.4g}"


def breadth_first(root: Value) -> list[Value]:
    """root and every Value it depends on, nearest first; parents in their order."""
    order = [root]
    seen = {root}
    for node in order:  # order grows while it is read: it is its own queue
        for parent in node.parents:
            if parent not in seen:
                seen.add(parent)
                order.append(parent)
    return order
