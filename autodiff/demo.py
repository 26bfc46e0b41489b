"""A first look: one neuron, y = tanh(x1·w1 + x2·w2 + b), its values, gradients and edges.

python -m autodiff.demo
"""

from __future__ import annotations

from autodiff import Value, topological_order


def neuron() -> tuple[Value, list[Value]]:
    x1, x2 = Value(2.0, "x1"), Value(0.0, "x2")
    w1, w2 = Value(-3.0, "w1"), Value(1.0, "w2")
    b = Value(6.8813735870195432, "b")
    x1w1, x2w2 = x1 * w1, x2 * w2
    x1w1.label, x2w2.label = "x1·w1", "x2·w2"
    s = x1w1 + x2w2
    s.label = "x1·w1+x2·w2"
    z = s + b
    z.label = "z"
    y = z.tanh()
    y.label = "y"
    return y, [x1, x2, w1, w2, b]


def describe(root: Value) -> str:
    """Every node of root's graph with its value and gradient, and every edge's derivative."""
    lines = [f"{'node':<22}{'data':>10}{'grad':>10}   edges: ∂node/∂input"]
    for node in reversed(topological_order(root)):
        edges = ", ".join(
            f"∂/∂{name(parent)} = {d:.4f}" for parent, d in zip(node.parents, node.partials)
        )
        head = f"{name(node)} = {node.op}"
        lines.append(f"{head:<22}{node.data:>10.4f}{node.grad:>10.4f}   {edges}")
    return "\n".join(lines)


def name(v: Value) -> str:
    return v.label or f"({v.data:.4g})"


def main() -> None:
    y, inputs = neuron()
    y.backward()
    print("y = tanh(x1·w1 + x2·w2 + b), after y.backward():\n")
    print(describe(y))
    print()
    for v in inputs:
        print(f"d y / d {v.label:<3}= {v.grad: .4f}   ({v.label} = {v.data:g})")


if __name__ == "__main__":
    main()
