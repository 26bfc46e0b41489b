"""Writing a trace for a batch: each number becomes a NumPy array over the samples.

The trace is of one sample; an argument that varies by sample makes every Value computed from
it *per sample*, an array with one entry per sample, and each operation on one is written in
its array form (``np.where`` for a case split). What no such argument reaches (a model's
parameters, their L2 penalty) stays a number, computed once; an argument given whole (a
matrix of weights) is one array of the program.

A layer is written as matrices, the lectures' vector form of a layer: the `dot` nodes that take
the same per-sample inputs become one `Layer`, Z = W·X + b, and one activation applied to each
of its rows one `Map`, Y = f(Z). The backward pass is the chain rule's walk
(`autodiff.backprop.chain_rule`) over the trace's nodes with each layer and each map one node:
a layer passes Gₓ = Wᵀ·G to its inputs, G·Xᵀ to its weights and G summed over the samples to
its biases; a map passes G × f'(Z), its rule applied to the matrices.

With ``reduce`` the results are averaged (or summed) over the batch, and the gradients of
what is the same for every sample (weights) are summed over the samples as they are computed,
where they are results only.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from autodiff.backprop import topological_order
from autodiff.code import Form, Operand, Statement, Symbol
from autodiff.compiler.batch import numpy
from autodiff.compiler.lower import Adjoints, Lowering
from autodiff.compiler.trace import Compared, Detached, Request, Trace
from autodiff.value import Value


def _stack(args: Sequence[str]) -> str:
    return f"np.array([{', '.join(args)}])"


STACK = Form("stack", _stack)
"""Numbers (or per-sample arrays) as one array, a row each."""


def _row(j: int) -> Form:
    return Form("row", f"{{0}}[{j}]")


def _affine(args: Sequence[str]) -> str:
    w, x, *b = args
    return f"{w} @ {x} + {b[0]}[:, None]" if b else f"{w} @ {x}"


AFFINE = Form("affine", _affine)
"""Z = W·X + b, the bias added to each column (each sample)."""


@dataclass(eq=False)
class Layer:
    """Dots over the same per-sample inputs, as one matrix: Z = W·X + b, row j members[j]."""

    members: list[Value]
    inputs: list[Value]
    weights: list[list[Any]] = field(default_factory=list)
    biases: list[Any] = field(default_factory=list)
    source: Map | Layer | None = None  # the group whose rows are the inputs
    matrix: Symbol | None = None
    w: Operand | None = None  # W and X in the code, once written
    x: Operand | None = None
    targets: tuple[Any, ...] = ()  # what it passes gradients to: see ArrayLowering.local

    @property
    def parents(self) -> tuple[Any, ...]:
        return self.targets


@dataclass(eq=False)
class Map:
    """One elementwise operation applied to each row of a layer: Y = f(Z)."""

    members: list[Value]
    source: Layer
    matrix: Symbol | None = None

    @property
    def parents(self) -> tuple[Any, ...]:
        return (self.source,)


@dataclass(eq=False)
class Bundle:
    """Values a layer takes as one array (its inputs, weights or biases), which the gradient
    reaches one by one: ``rows`` of Values (or numbers: constants, passed nothing), and
    whether each row is a row of the matrix (weights) or one number of a column (the others)."""

    rows: list[list[Any]]
    matrix: bool
    parents: tuple[Any, ...] = ()


@dataclass(eq=False)
class Whole:
    """An argument given whole (a matrix of weights): its gradient is one matrix too."""

    name: str
    parents: tuple[Any, ...] = ()


Group = Layer | Map


class ArrayLowering(Lowering):
    """A Lowering for a batch (see the module docstring). ``per_sample``: the Values that
    vary by sample; ``whole``: arguments given whole, each a name and its Values by index."""

    def __init__(
        self,
        trace: Trace,
        parameters: dict[Value, str],
        per_sample: set[Value],
        whole: dict[str, Any],
        reduce: str | None,
    ) -> None:
        super().__init__(trace, parameters)
        self.program.namespace["np"] = numpy()
        self.reduce = reduce
        self.per_sample = set(per_sample)
        self.program.arrays = {self.values[v].name for v in per_sample}  # type: ignore[union-attr]
        self.given_whole: dict[tuple[int, ...], str] = {}  # the Values of an argument given whole
        self.element_of: dict[Value, tuple[str, tuple[int, ...]]] = {}
        for name, rows in whole.items():
            self.program.arrays.add(name)
            self.labels[name] = name
            elements = _elements(rows)
            for index, v in elements:
                self.element_of[v] = (name, index)
                self.values[v] = self.program.apply(_at(index), [Symbol(self.program, name)])
            self.given_whole[tuple(id(v) for _, v in elements)] = name
        self.group_of: dict[Value, Group] = {}
        self.summed: set[str] = set()  # names holding a sum over the samples
        self._plan()

    # -- which Values vary by sample, and the layers ------------------------------------------

    def _plan(self) -> None:
        position = self._positions()
        layers: dict[tuple[Any, ...], Layer] = {}
        for node, at in position.items():
            shape = self._dot_shape(node)
            if shape is None:
                continue
            n, biased = shape
            xs = node.parents[n : 2 * n]
            layer = layers.setdefault((n, biased, *map(id, xs)), Layer([], list(xs)))
            first = position[layer.members[0]] if layer.members else at
            constants = [*node.parents[:n], *node.parents[2 * n :]]
            if all(position.get(c, -1) < first for c in constants):
                layer.members.append(node)
                layer.weights.append(list(node.parents[:n]))
                layer.biases.append(node.parents[-1] if biased else 0.0)
        users: dict[Value, list[Value]] = {}
        for node in position:
            for p in node.parents:
                users.setdefault(p, []).append(node)
        for layer in layers.values():
            for v in layer.members:
                self.group_of[v] = layer
        for layer in list(layers.values()):
            self._plan_map(layer, users)
        for layer in layers.values():
            source = self.group_of.get(layer.inputs[0])
            if source is not None and source.members == layer.inputs:
                layer.source = source

    def _positions(self) -> dict[Value, int]:
        """Where each node was made; and, with it, which Values vary by sample."""
        position: dict[Value, int] = {}
        for i, step in enumerate(self.trace.steps):
            if isinstance(step, Value):
                position[step] = i
                if any(p in self.per_sample for p in step.parents):
                    self.per_sample.add(step)
            elif isinstance(step, Detached) and any(x in self.per_sample for x in step.inputs):
                self.per_sample.add(step.leaf)
        return position

    def _dot_shape(self, node: Value) -> tuple[int, bool] | None:
        """(n, whether it has a bias) for a dot of per-sample inputs and shared weights."""
        prim = node.primitive
        if prim is None or prim.name != "dot" or not prim.builtin:
            return None
        parents = node.parents
        n = len(parents) // 2
        xs, constants = parents[n : 2 * n], [*parents[:n], *parents[2 * n :]]
        if n == 0 or not all(x in self.per_sample for x in xs):
            return None
        if any(c in self.per_sample for c in constants):
            return None
        return n, len(parents) % 2 == 1

    def _plan_map(self, layer: Layer, users: dict[Value, list[Value]]) -> None:
        """One elementwise operation applied to every row of layer, each its only user."""
        chosen = [users.get(member, []) for member in layer.members]
        if not all(len(u) == 1 for u in chosen):
            return
        maps = [u[0] for u in chosen]
        prims = {m.primitive for m in maps}
        prim = next(iter(prims))
        if len(prims) != 1 or prim is None or prim.arity != 1 or prim.array is None:
            return
        if any(m in self.group_of for m in maps):
            return
        group = Map(maps, layer)
        for v in group.members:
            self.group_of[v] = group

    # -- forward -------------------------------------------------------------------------------

    def forward(self, v: Value, op: Any, inputs: Sequence[Any]) -> None:
        group = self.group_of.get(v)
        if group is None:
            super().forward(v, op, inputs)
        elif group.matrix is None:
            self._write_group(group)

    def operand(self, v: Any) -> Operand:
        group = self.group_of.get(v) if isinstance(v, Value) else None
        if group is not None and v not in self.values:
            assert group.matrix is not None
            self.values[v] = self._array(_row(group.members.index(v)), [group.matrix])
        return super().operand(v)

    def _array(self, form: Form, args: list[Any]) -> Symbol:
        symbol = self.program.apply(form, args)
        self.program.arrays.add(symbol.name)
        return symbol

    def _write_group(self, group: Group) -> None:
        if isinstance(group, Map):
            assert group.source.matrix is not None
            prim = group.members[0].primitive
            group.matrix = self.program.apply(prim, [group.source.matrix])  # type: ignore[arg-type]
            self.program.arrays.add(group.matrix.name)
            return
        x_target: Group | Bundle
        if group.source is not None:
            assert group.source.matrix is not None
            group.x, x_target = group.source.matrix, group.source
        else:
            group.x = self._stacked(group.inputs)
            x_target = Bundle([[v] for v in group.inputs], matrix=False)
        group.w, w_target = self._matrix_of(group.weights)
        args = [group.w, group.x]
        targets = [x_target, w_target]
        if any(not (isinstance(b, float) and b == 0.0) for b in group.biases):
            b, b_target = self._matrix_of(group.biases)
            args.append(b)
            targets.append(b_target)
        group.targets = tuple(targets)
        group.matrix = self._array(AFFINE, args)

    def _matrix_of(self, values: list[Any]) -> tuple[Operand, Any]:
        """Weights (rows of Values) or biases as one array, and whom their gradient reaches:
        the argument given whole that holds exactly them, or each of them."""
        rows = [row if isinstance(row, list) else [row] for row in values]
        flat = [v for row in rows for v in row]
        name = self.given_whole.get(tuple(id(v) for v in flat))
        if name is not None:
            return Symbol(self.program, name), Whole(name)
        if values and not isinstance(values[0], list):
            return self._stacked(values), Bundle(rows, matrix=False)
        stacked = self.program.apply(STACK, [self._stacked(row) for row in values])
        return stacked, Bundle(rows, matrix=True)

    def _stacked(self, values: list[Any]) -> Symbol:
        symbol = self.program.apply(STACK, [self.operand(v) for v in values])
        if any(isinstance(v, Value) and v in self.per_sample for v in values):
            self.program.arrays.add(symbol.name)
        return symbol

    # -- backward ------------------------------------------------------------------------------

    def order(self, request: Request) -> list[Any]:
        """The nodes, with each layer and map in the place of its last member."""
        grouped: list[Any] = []
        for node in topological_order(request.root):
            group = self.group_of.get(node)
            if group is None:
                grouped.append(node)
            elif node is group.members[-1]:
                grouped.append(group)
            elif not set(group.members) <= set(topological_order(request.root)):
                raise ValueError("a part of a layer is differentiated alone")
        position = {id(x): i for i, x in enumerate(grouped)}
        for i, node in enumerate(grouped):
            for p in node.parents:
                group = self.group_of.get(p) if isinstance(p, Value) else None
                if group is not None and position.get(id(group), len(grouped)) > i:
                    raise ValueError("a row of a layer is used before the layer is complete")
        return grouped

    def adjoints(self, request: Request, order: list[Any]) -> Adjoints:
        edges: Counter[Any] = Counter()
        for node in order:
            edges.update(node.parents)
        return ArrayAdjoints(self, request, edges)

    def local(self, node: Any) -> list[Any]:
        if isinstance(node, Map):
            prim = node.members[0].primitive
            assert node.source.matrix is not None and node.matrix is not None
            return list(prim.local_derivatives([node.source.matrix], node.matrix))  # type: ignore[union-attr]
        if isinstance(node, Layer):
            return [("x", node), ("w", node), ("b", node)][: len(node.targets)]
        return super().local(node)

    # -- results --------------------------------------------------------------------------------

    def result(self, operand: Operand) -> Operand:
        """A result: per sample (an array of B), or reduced over them."""
        reduce = self.reduce
        arrays = self.program.arrays
        if isinstance(operand, Symbol) and operand.name in self.summed:
            code = "float({0} / _B)" if reduce == "mean" else "float({0})"
        elif isinstance(operand, Symbol) and operand.name in arrays:
            if reduce is None:
                return operand
            code = "float(np.mean({0}))" if reduce == "mean" else "float(np.sum({0}))"
        elif reduce is None:
            code = "np.full(_B, {0})"
        else:
            code = "float(_B * {0})" if reduce == "sum" else "float({0})"
        return self.program.apply(Form("result", code), [operand])


class ArrayAdjoints(Adjoints):
    """The walk's store for a batch: a gradient is an array over the samples (never skipped
    as zero: it is zero for some samples only), or, for a layer or a map, a matrix."""

    def __init__(self, lowering: ArrayLowering, request: Request, edges: Counter[Any]) -> None:
        super().__init__(lowering, edges)
        self.arrays = lowering
        uses = _inputs_of_later_steps(lowering.trace, request)
        # Gradients summed over the samples as computed: right where they are results only.
        self.sum_early = lowering.reduce is not None and not any(
            leaf in uses for leaf in request.found.values()
        )

    def is_array(self, x: Any) -> bool:
        return isinstance(x, Symbol) and x.name in self.program.arrays

    def local(self, node: Any) -> list[Any]:
        self.current = node  # whose edges the walk is about to cross
        return super().local(node)

    def passes(self, g: Any) -> bool:
        if self.is_array(g):
            self.program.close()
            return True  # zero for some samples, not all: every block runs
        return super().passes(g)

    def across(self, g: Any, d: Any) -> Any:
        if not (isinstance(d, tuple) and isinstance(d[1], Layer)):
            contribution = super().across(g, d)
            if self.is_array(g) or self.is_array(d):
                self.program.arrays.add(getattr(contribution, "name", ""))
            return contribution
        which, layer = d
        if which == "x":  # Gₓ = Wᵀ·G
            return self.arrays._array(Form("Wᵀ·G", "{1}.T @ {0}"), [g, layer.w])
        if which == "w":  # G·Xᵀ: summed over the samples, or each sample's outer product
            if self.sum_early:
                return self.program.apply(Form("G·Xᵀ", "{0} @ {1}.T"), [g, layer.x])
            return self.arrays._array(
                Form("G⊗X", "{0}[:, None, :] * {1}[None, :, :]"), [g, layer.x]
            )
        if self.sum_early:  # the biases: G summed over the samples, or as it is
            return self.program.apply(Form("ΣG", "{0}.sum(1)"), [g])
        return g  # an array of rows, each per sample

    def add(self, node: Any, contribution: Any) -> None:
        if isinstance(node, Bundle):
            self._bundle(node, contribution)
        elif isinstance(node, Layer | Map):
            self.program.accumulate(self._matrix(node).name, contribution)
        elif isinstance(node, Whole):
            self._whole(node, contribution)
        elif node in self.arrays.element_of:  # an item of an argument given whole
            name, index = self.arrays.element_of[node]
            self._whole(Whole(name), contribution, index)
        elif node in self.arrays.group_of:  # a row of a layer's or a map's matrix gradient
            group = self.arrays.group_of[node]
            row = (group.members.index(node),)
            self.program.accumulate(self._matrix(group).name, contribution, row)
        else:
            self._value(node, contribution)

    def _bundle(self, node: Bundle, contribution: Symbol) -> None:
        """To each of the Values of a bundle, its item of the array."""
        per_sample = contribution.name in self.program.arrays
        for j, row in enumerate(node.rows):
            for i, v in enumerate(row):
                if isinstance(v, Value):
                    at = self.program.apply(_at((j, i) if node.matrix else (j,)), [contribution])
                    if per_sample:
                        self.program.arrays.add(at.name)
                    self.add(v, at)

    def _value(self, node: Value, contribution: Any) -> None:
        """To a Value that is no row of a matrix: summed over the samples where it is the
        same for every sample, and sums may be taken early."""
        per_sample = node in self.arrays.per_sample
        array = self.is_array(contribution)
        if isinstance(contribution, Symbol) and contribution.name in self.arrays.summed:
            array = False
        if self.sum_early and array and not per_sample:
            contribution = self.program.apply(Form("Σ", "np.sum({0})"), [contribution])
            array = False
        elif self.sum_early and not per_sample and self.current in self.arrays.per_sample:
            # The same for every sample (an L2 penalty in each sample's loss): B of them.
            contribution = self.program.apply(Form("B×", "_B * {0}"), [contribution])
        super().add(node, contribution)
        accumulator = self[node]
        if array:
            self.program.arrays.add(accumulator.name)
        elif self.sum_early and not per_sample:
            self.arrays.summed.add(accumulator.name)

    def _matrix(self, group: Group) -> Symbol:
        matrix = dict.get(self, group)
        if matrix is None:
            assert group.matrix is not None
            name = self.program.fresh("g")
            self.zeroed.append(
                Statement(name, Form("zeros", "np.zeros_like({0})"), (group.matrix,))
            )
            matrix = Symbol(self.program, name)
            dict.__setitem__(self, group, matrix)
            self.program.arrays.add(name)
        return matrix

    def _whole(self, node: Whole, contribution: Any, index: tuple[int, ...] = ()) -> None:
        """The gradient of an argument given whole: an array of its shape, summed over the
        samples; a contribution to all of it, or to one item."""
        if not self.sum_early:
            raise ValueError("an argument given whole has its gradient summed over the samples")
        held = self.wholes.get(node.name)
        if held is None:
            name = self.program.fresh("g")
            whole = Symbol(self.program, node.name)
            self.zeroed.append(
                Statement(name, Form("zeros", "np.zeros_like({0}, dtype=float)"), (whole,))
            )
            held = self.wholes[node.name] = Symbol(self.program, name)
            self.program.arrays.add(name)
            self.arrays.summed.add(name)
        self.program.accumulate(held.name, contribution, index)

    def get(self, node: Any, default: Any = None) -> Any:
        if isinstance(node, Value):
            group = self.arrays.group_of.get(node)
            if group is not None and dict.__contains__(self, group):
                return self.arrays._array(_row(group.members.index(node)), [dict.get(self, group)])
            element = self.arrays.element_of.get(node)
            if element is not None and element[0] in self.wholes:
                name, index = element
                return self.program.apply(_at(index), [self.wholes[name]])
        return super().get(node, default)

    @property
    def wholes(self) -> dict[str, Symbol]:
        if not hasattr(self, "_wholes"):
            self._wholes: dict[str, Symbol] = {}
        return self._wholes


def _at(index: tuple[int, ...]) -> Form:
    return Form("at", f"{{0}}[{', '.join(map(str, index))}]")


def _elements(rows: Any, index: tuple[int, ...] = ()) -> list[tuple[tuple[int, ...], Value]]:
    if isinstance(rows, Value):
        return [(index, rows)]
    found = []
    for i, inner in enumerate(rows):
        found += _elements(inner, (*index, i))
    return found


def _inputs_of_later_steps(trace: Trace, request: Request) -> set[Any]:
    """Everything steps after request read: to tell whether its gradients are used further."""
    found: set[Any] = set()
    after = False
    for step in trace.steps:
        if step is request:
            after = True
        elif after and isinstance(step, Value):
            found.update(step.parents)
        elif after and isinstance(step, Detached):
            found.update(step.inputs)
        elif after and isinstance(step, Compared):
            found.update((step.value, step.other))
        elif after and isinstance(step, Request):
            found.add(step.seed)
    return found
