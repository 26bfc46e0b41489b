"""Writing a trace for a batch: each number becomes a NumPy array over the samples.

The trace is of one sample; an argument given as an array makes every Value computed from it
*batched*, an array with one entry per sample, and each operation on one is written in its
array form (``np.where`` for a case split). Values that no batched argument reaches (the
parameters of a model, their L2 penalty) stay numbers, computed once.

A layer is written as matrices, the lectures' vector form of a layer: the `dot` nodes that
take the same batched inputs become one matrix product Z = W·X + b, and one activation
applied to every row of Z one elementwise operation on the matrix. Their backward pass is
Gₓ = Wᵀ·G and G_W = G·Xᵀ (summed over the samples).

With ``reduce`` the results are averaged (or summed) over the batch. The gradients a function
asks for of numbers that are not batched (weights) are then summed over the samples as they
are computed, G·Xᵀ, instead of kept per sample: allowed where those gradients are results of
the function only, which the writer checks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from autodiff.code import Symbol
from autodiff.compiler.emit import FIELD, Line, Operand, Writer, _can_fail, _leading_to
from autodiff.compiler.trace import Detached, Guard, Request, Trace
from autodiff.primitives import Primitive, _call_rule
from autodiff.value import Value

DOT = "dot"


@dataclass(eq=False)
class Group:
    """Nodes written as one matrix: a layer of dots (``linear``) or one activation applied to
    each row of such a matrix (``map``). Row j is members[j]."""

    kind: str
    members: list[Value]
    source: Group | None = None  # a map's matrix of inputs
    matrix: Symbol | None = None  # the forward values, once written
    weights: list[list[Any]] = field(default_factory=list)  # a linear group's W, by row
    biases: list[Any] = field(default_factory=list)
    inputs: list[Value] = field(default_factory=list)  # a linear group's X, by row
    inputs_from: Group | None = None  # the group whose matrix X is, if it is one
    x: str = ""  # the names of X and W in the code, once written
    w: str = ""


class ArrayWriter(Writer):
    """A Writer for a batch: see the module docstring."""

    def __init__(
        self, trace: Trace, parameters: dict[Value, str], batched: set[Value], summing: bool
    ) -> None:
        super().__init__(trace, parameters)
        self.program.arrays = {self.values[v].name for v in batched}  # type: ignore[union-attr]
        self.batched = set(batched)
        self.summing = summing  # results are reduced: gradients of numbers may be summed early
        self.summed: set[str] = set()  # names holding a sum over the samples
        self.group_of: dict[Value, Group] = {}
        self.made_in_order: dict[Value, int] = {}

    # -- forward -----------------------------------------------------------------------------

    def write(self) -> None:
        for i, step in enumerate(self.trace.steps):
            if isinstance(step, Value):
                self.made_in_order[step] = i
                if any(p in self.batched for p in step.parents):
                    self.batched.add(step)
            elif isinstance(step, Detached) and any(x in self.batched for x in step.inputs):
                self.batched.add(step.leaf)
        self.plan_groups()
        super().write()

    def node(self, v: Value) -> None:
        """A node alone, or the first of its group: the group's matrix product, once."""
        group = self.group_of.get(v)
        if group is None:
            super().node(v)
        elif group.matrix is None:
            self.write_group(group)

    def sweep(self, request: Request) -> None:
        ArraySweep(self, request).write()

    def result(self, v: Any, reduce: str | None) -> str:
        """The expression of a result: per sample (an array of B), or reduced over them."""
        operand = self.operand(v)
        text = self.program.expression(operand)
        if isinstance(operand, Symbol) and operand.name in self.summed:  # a sum already
            return f"float({text} / _B)" if reduce == "mean" else f"float({text})"
        if self.is_array(operand):
            return f"float(np.{reduce}({text}))" if reduce else text
        if reduce is None:
            return f"np.full(_B, {text})"
        return f"float(_B * {text})" if reduce == "sum" else f"float({text})"

    def is_array(self, operand: Operand) -> bool:
        arrays = self.program.arrays
        return isinstance(operand, Symbol) and arrays is not None and operand.name in arrays

    def row(self, group: Group, j: int) -> Symbol:
        """Row j of a group's matrix, as an operand."""
        assert group.matrix is not None
        symbol = Symbol(self.program, f"{group.matrix.name}[{j}]")
        self.program.arrays.add(symbol.name)  # type: ignore[union-attr]
        return symbol

    def operand(self, v: Any) -> Operand:
        group = self.group_of.get(v) if isinstance(v, Value) else None
        if group is not None and group.matrix is not None:
            return self.row(group, group.members.index(v))
        return super().operand(v)

    def guard(self, guard: Guard) -> None:
        value, other = self.operand(guard.value), self.operand(guard.other)
        if not (self.is_array(value) or self.is_array(other)):
            super().guard(guard)
            return
        held = (
            f"{self.program.expression(value)} {guard.comparison} {self.program.expression(other)}"
        )
        test = f"not np.all({held})" if guard.outcome else f"np.any({held})"
        self.lines.append(Line.of(f"if {test}:"))
        self.lines.append(Line.of("raise GuardFailed", 1))

    # -- layers --------------------------------------------------------------------------------

    def plan_groups(self) -> None:
        """Find the layers: dots sharing their batched inputs, and activations of their rows."""
        layers: dict[tuple[Any, ...], Group] = {}
        for node, position in self.made_in_order.items():
            shape = self.dot_shape(node)
            if shape is None:
                continue
            n, has_bias = shape
            xs = node.parents[n : 2 * n]
            key = (n, has_bias, *map(id, xs))
            group = layers.get(key)
            if group is None:
                group = layers[key] = Group("linear", [], inputs=list(xs))
            first = self.made_in_order[group.members[0]] if group.members else position
            constants = [*node.parents[:n], *node.parents[2 * n :]]
            if all(self.made_in_order.get(c, -1) < first for c in constants):
                group.members.append(node)
                group.weights.append(list(node.parents[:n]))
                group.biases.append(node.parents[-1] if has_bias else 0.0)
        for group in layers.values():
            for v in group.members:
                self.group_of[v] = group
        for group in list(layers.values()):
            self.plan_activation(group)
        for group in layers.values():
            source = self.group_of.get(group.inputs[0])
            if source is not None and source.members == group.inputs:
                group.inputs_from = source

    def dot_shape(self, node: Value) -> tuple[int, bool] | None:
        """(n, whether it has a bias) for a dot of batched inputs and numbers as weights."""
        prim = node._prim
        if prim is None or prim.name != DOT or not prim.builtin:
            return None
        parents = node.parents
        n = len(parents) // 2
        xs, constants = parents[n : 2 * n], [*parents[:n], *parents[2 * n :]]
        if n == 0 or not all(x in self.batched for x in xs):
            return None
        if any(c in self.batched for c in constants):
            return None
        return n, len(parents) % 2 == 1

    def plan_activation(self, source: Group) -> None:
        """One elementwise operation applied to every row of source, in order: a map."""
        users: dict[Value, list[Value]] = {}
        for node in self.made_in_order:
            for p in node.parents:
                if self.group_of.get(p) is source:
                    users.setdefault(p, []).append(node)
        chosen = [users.get(member, [None])[0] for member in source.members]
        if not all(isinstance(c, Value) for c in chosen):
            return
        prims = {c._prim for c in chosen}  # type: ignore[union-attr]
        prim = next(iter(prims))
        if len(prims) != 1 or prim is None or prim.arity != 1 or prim.array is None:
            return
        if any(len(c.parents) != 1 or c in self.group_of for c in chosen):  # type: ignore[union-attr]
            return
        group = Group("map", list(chosen), source=source)  # type: ignore[arg-type]
        for v in group.members:
            self.group_of[v] = group

    def write_group(self, group: Group) -> None:
        if group.kind == "map":
            assert group.source is not None and group.source.matrix is not None
            prim: Primitive = group.members[0]._prim  # type: ignore[assignment]
            source = group.source.matrix
            matrix = self.take(lambda: self.program.apply(prim, [source]), 0, self.lines)
        else:
            group.x = x = self.x_matrix(group)
            group.w = w = self.matrix_of(group.weights)
            product = f"{w} @ {x}"
            if any(not (isinstance(b, float) and b == 0.0) for b in group.biases):
                product += f" + {self.vector_of(group.biases)}[:, None]"
            matrix = self.assign(product, 0, self.lines)
            self.program.arrays.add(matrix.name)  # type: ignore[union-attr]
        group.matrix = matrix

    def x_matrix(self, group: Group) -> str:
        if group.inputs_from is not None and group.inputs_from.matrix is not None:
            return group.inputs_from.matrix.name
        rows = ", ".join(self.program.expression(self.operand(x)) for x in group.inputs)
        symbol = self.assign(f"np.array([{rows}])", 0, self.lines)
        self.program.arrays.add(symbol.name)  # type: ignore[union-attr]
        return symbol.name

    def matrix_of(self, rows: list[list[Any]]) -> str:
        text = ", ".join(
            "[" + ", ".join(self.program.expression(self.operand(w)) for w in row) + "]"
            for row in rows
        )
        return self.assign(f"np.array([{text}])", 0, self.lines).name

    def vector_of(self, values: list[Any]) -> str:
        items = ", ".join(self.program.expression(self.operand(b)) for b in values)
        return self.assign(f"np.array([{items}])", 0, self.lines).name


class ArraySweep:
    """One gradient over a batch: every block runs (an adjoint is an array, whose zeros are
    per sample), layers pass adjoints as matrices."""

    def __init__(self, writer: ArrayWriter, request: Request) -> None:
        self.writer = writer
        self.program = writer.program
        self.request = request
        self.wanted = set(request.found)
        self.useful = _leading_to(request.order, self.wanted)
        self.adjoints: dict[Value, Symbol] = {}
        self.matrices: dict[int, Symbol] = {}  # a group's adjoint matrix, by id(group)
        self.arrays: set[str] = set()  # adjoints holding arrays
        uses = _inputs_of_later_steps(writer.trace, request)
        # Early sums are only right where the gradients are results, averaged over the batch.
        self.sum_early = writer.summing and not any(leaf in uses for leaf in request.found.values())

    def write(self) -> None:
        request, writer = self.request, self.writer
        self.new_adjoint(request.root, writer.operand(request.seed))
        done: set[int] = set()
        for node in reversed(request.order):
            group = writer.group_of.get(node)
            if group is not None:
                if id(group) not in done and id(group) in self.matrices:
                    done.add(id(group))
                    self.pass_on_group(group)
                continue
            adjoint = self.adjoints.get(node)
            if adjoint is not None:
                self.pass_on(node, adjoint)
        for x, leaf in request.found.items():
            held = self.adjoint_of(x)
            writer.values[leaf] = held if held is not None else 0.0
            if isinstance(held, Symbol) and held.name in self.arrays:
                self.program.arrays.add(held.name)  # type: ignore[union-attr]
            if isinstance(held, Symbol) and self.sum_early and x not in writer.batched:
                writer.summed.add(held.name)

    def adjoint_of(self, v: Value) -> Symbol | None:
        group = self.writer.group_of.get(v)
        if group is not None and id(group) in self.matrices:
            return Symbol(
                self.program, f"{self.matrices[id(group)].name}[{group.members.index(v)}]"
            )
        return self.adjoints.get(v)

    def new_adjoint(self, v: Value, value: Operand) -> None:
        name = self.program.fresh("a")
        self.writer.lines.append(Line.of(f"{name} = {self.program.expression(value)}"))
        self.adjoints[v] = Symbol(self.program, name)
        if self.writer.is_array(value):
            self.arrays.add(name)

    def add(self, target: Value, contribution: str, is_array: bool) -> None:
        """target's adjoint += contribution (an expression; an array if is_array)."""
        writer, lines = self.writer, self.writer.lines
        group = writer.group_of.get(target)
        if group is not None:
            matrix = self.matrices.get(id(group))
            if matrix is None:
                source = group.matrix
                matrix = self.matrices[id(group)] = Symbol(self.program, self.program.fresh("a"))
                lines.append(Line.of(f"{matrix.name} = np.zeros_like({source.name})"))  # type: ignore[union-attr]
            j = group.members.index(target)
            lines.append(Line.of(f"{matrix.name}[{j}] += {contribution}"))
            return
        if is_array and target not in writer.batched and self.sum_early:
            contribution = f"np.sum({contribution})"
            is_array = False
        adjoint = self.adjoints.get(target)
        if adjoint is None:
            name = self.program.fresh("a")
            lines.append(Line.of(f"{name} = {contribution}"))
            self.adjoints[target] = Symbol(self.program, name)
            if is_array:
                self.arrays.add(name)
            return
        lines.append(Line.of(f"{adjoint.name} = {adjoint.name} + {contribution}"))
        if is_array:
            self.arrays.add(adjoint.name)

    def pass_on(self, node: Value, adjoint: Symbol) -> None:
        writer = self.writer
        rule: list[Line] = []
        derivatives = writer.derivatives(node, 0, rule)
        defined = {line.target for line in rule}
        writer.lines += rule
        g_array = adjoint.name in self.arrays
        for parent, d in zip(node.parents, derivatives):
            if not (parent in self.useful or _can_fail(d, defined)):
                continue
            factor = self.program.expression(d)
            d_array = writer.is_array(d) if isinstance(d, Symbol) else False
            d_array = d_array or any(
                name in (self.program.arrays or ()) for name in FIELD.findall(factor)
            )
            contribution = _times(adjoint.name, factor)
            is_array = g_array or d_array
            if (
                not is_array
                and node in writer.batched
                and parent not in writer.batched
                and self.sum_early
            ):
                contribution = f"_B * {contribution}"  # the same for every sample: B of them
            self.add(parent, contribution, is_array)

    def pass_on_group(self, group: Group) -> None:
        g = self.matrices[id(group)]
        if group.kind == "map":
            self.pass_on_activation(group, g)
        else:
            self.pass_on_layer(group, g)

    def pass_on_activation(self, group: Group, g: Symbol) -> None:
        """G_Z = G_Y × f'(Z), the activation's rule applied to the matrices."""
        source = group.source
        assert source is not None and source.matrix is not None and group.matrix is not None
        prim: Primitive = group.members[0]._prim  # type: ignore[assignment]
        rule: list[Line] = []
        z, y = source.matrix, group.matrix
        d = self.writer.take(lambda: _call_rule(prim.derivative, 1, [z], y), 0, rule)
        self.writer.lines += rule
        self.add_matrix(source, f"{g.name} * {self.program.expression(d)}")

    def pass_on_layer(self, group: Group, g: Symbol) -> None:
        """Gₓ = Wᵀ·G to the inputs, G·Xᵀ to the weights, G summed over samples to the biases
        (or kept per sample, where the gradients are not only results)."""
        lines = self.writer.lines
        x, w = group.x, group.w
        if group.inputs_from is not None:
            self.add_matrix(group.inputs_from, f"{w}.T @ {g.name}")
        elif any(v in self.useful for v in group.inputs):
            gx = self.program.fresh("t")
            lines.append(Line.of(f"{gx} = {w}.T @ {g.name}"))
            self.program.arrays.add(gx)  # type: ignore[union-attr]
            for k, v in enumerate(group.inputs):
                if v in self.useful:
                    self.add(v, f"{gx}[{k}]", True)
        self.pass_to_constants(group, g, x)

    def pass_to_constants(self, group: Group, g: Symbol, x: str) -> None:
        """The layer's weights and biases: numbers, not batched."""
        lines = self.writer.lines
        weights = [w_ for row in group.weights for w_ in row]
        if any(w_ in self.useful for w_ in weights if isinstance(w_, Value)):
            gw = self.program.fresh("t")
            if self.sum_early:
                lines.append(Line.of(f"{gw} = ({g.name} @ {x}.T).tolist()"))
            else:
                lines.append(Line.of(f"{gw} = {g.name}[:, None, :] * {x}[None, :, :]"))
            for j, row in enumerate(group.weights):
                for k, w_ in enumerate(row):
                    if isinstance(w_, Value) and w_ in self.useful:
                        item = f"{gw}[{j}][{k}]" if self.sum_early else f"{gw}[{j}, {k}]"
                        self.add_scalar(w_, item)
        if any(isinstance(b, Value) and b in self.useful for b in group.biases):
            gb = self.program.fresh("t")
            if self.sum_early:
                lines.append(Line.of(f"{gb} = {g.name}.sum(1).tolist()"))
            for j, b in enumerate(group.biases):
                if isinstance(b, Value) and b in self.useful:
                    self.add_scalar(b, f"{gb}[{j}]" if self.sum_early else f"{g.name}[{j}]")

    def add_scalar(self, target: Value, item: str) -> None:
        """A weight's or bias's share of a layer's gradient: summed already, or per sample."""
        adjoint = self.adjoints.get(target)
        if adjoint is None:
            name = self.program.fresh("a")
            self.writer.lines.append(Line.of(f"{name} = {item}"))
            self.adjoints[target] = Symbol(self.program, name)
            if not self.sum_early:
                self.arrays.add(name)
            return
        self.writer.lines.append(Line.of(f"{adjoint.name} = {adjoint.name} + {item}"))
        if not self.sum_early:
            self.arrays.add(adjoint.name)

    def add_matrix(self, group: Group, contribution: str) -> None:
        matrix = self.matrices.get(id(group))
        if matrix is None:
            matrix = self.matrices[id(group)] = Symbol(self.program, self.program.fresh("a"))
            self.writer.lines.append(Line.of(f"{matrix.name} = {contribution}"))
        else:
            self.writer.lines.append(Line.of(f"{matrix.name} = {matrix.name} + {contribution}"))


def _times(adjoint: str, factor: str) -> str:
    """adjoint × factor, written as the eager pass computes it (g × 1 = g exactly)."""
    if factor == "1.0":
        return adjoint
    return f"-{adjoint}" if factor == "(-1.0)" else f"{adjoint} * {factor}"


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
        elif after and isinstance(step, Guard):
            found.update((step.value, step.other))
        elif after and isinstance(step, Request):
            found.add(step.seed)
    return found
