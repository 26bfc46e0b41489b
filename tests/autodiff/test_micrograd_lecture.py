"""What the micrograd lecture does with its Value, done with ours: the same steps and numbers.

The lecture's notebooks are not part of this project (other projects' code is not copied
here), so this test restates what they do, step by step, in code of its own: a graph walk
over ``_prev`` and ``_op`` as its ``trace``/``draw_dot`` do, the hand-set gradients of its
first half, the manual backward pass by ``_backward()`` node by node, and the training loop of
its second half written with Python's own ``sum`` and ``**``.
"""

from __future__ import annotations

import math
import random
from typing import cast

import pytest

import nn
from autodiff import Value, backward_steps


def trace(root: Value) -> tuple[set[Value], set[tuple[Value, Value]]]:
    """Every node and edge reachable through ``_prev``, as the lecture walks the graph."""
    nodes: set[Value] = set()
    edges: set[tuple[Value, Value]] = set()
    pending = [root]
    while pending:
        node = pending.pop()
        if node not in nodes:
            nodes.add(node)
            for child in node._prev:
                edges.add((child, node))
                pending.append(child)
    return nodes, edges


def labelled(data: float, label: str) -> Value:
    return Value(data, label)


def test_the_first_expression_and_its_hand_set_gradients() -> None:
    a, b, c = labelled(2.0, "a"), labelled(-3.0, "b"), labelled(10.0, "c")
    e = a * b
    e.label = "e"
    d = e + c
    d.label = "d"
    f = labelled(-2.0, "f")
    loss = d * f
    loss.label = "L"
    assert loss.data == -8.0
    nodes, edges = trace(loss)
    assert len(nodes) == 7 and len(edges) == 6
    assert {n._op for n in nodes} == {"", "*", "+"}  # an operation's name as a string
    assert all(isinstance(n._prev, set) for n in nodes)
    # The lecture sets the gradients by hand, from the chain rule, and nudges the leaves.
    loss.grad, f.grad, d.grad = 1.0, 4.0, -2.0
    c.grad = e.grad = -2.0
    a.grad, b.grad = -2.0 * -3.0, -2.0 * 2.0
    for leaf in (a, b, c, f):
        leaf.data += 0.01 * leaf.grad
    step = (a * b + c) * f
    assert step.data == pytest.approx(-7.286496)


def neuron() -> dict[str, Value]:
    x1, x2 = labelled(2.0, "x1"), labelled(0.0, "x2")
    w1, w2 = labelled(-3.0, "w1"), labelled(1.0, "w2")
    b = labelled(6.8813735870195432, "b")
    x1w1, x2w2 = x1 * w1, x2 * w2
    n = x1w1 + x2w2 + b
    o = n.tanh()
    return {"x1": x1, "x2": x2, "w1": w1, "w2": w2, "b": b, "n": n, "o": o}


def test_the_neuron_backward_by_hand_node_by_node() -> None:
    v = neuron()
    o = v["o"]
    assert o.data == pytest.approx(0.7071, abs=1e-4)
    o.grad = 1.0
    # Reverse topological order, each node passing its gradient on once.
    order: list[Value] = []
    seen: set[Value] = set()

    def visit(node: Value) -> None:  # the lecture's recursive build_topo, on a small graph
        if node not in seen:
            seen.add(node)
            for child in node._prev:
                visit(child)
            order.append(node)

    visit(o)
    for node in reversed(order):
        node._backward()
    grads = {name: round(v[name].grad, 4) for name in ("x1", "x2", "w1", "w2", "b", "n")}
    assert grads == {"x1": -1.5, "x2": 0.5, "w1": 1.0, "w2": 0.0, "b": 0.5, "n": 0.5}


def test_backward_by_hand_accumulates_where_a_value_is_used_twice() -> None:
    a = labelled(3.0, "a")
    b = a + a  # the lecture's bug: = instead of += would give 1
    b.grad = 1.0
    b._backward()
    assert a.grad == 2.0


def test_the_steps_of_backward_match_the_manual_walk() -> None:
    by_hand, stepped = neuron(), neuron()
    by_hand["o"].backward()
    steps = list(backward_steps(stepped["o"]))
    assert steps and steps[0].node is stepped["o"]
    for name in ("x1", "x2", "w1", "w2", "b"):
        assert stepped[name].grad == by_hand[name].grad


def test_the_second_half_trains_an_mlp_with_python_sum_and_powers() -> None:
    random.seed(1337)
    model = nn.MLP(3, [4, 4, 1], activation="tanh", output="tanh")  # the lecture's neurons
    xs = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
    ys = [1.0, -1.0, -1.0, 1.0]
    losses = []
    for _ in range(20):
        predictions = [model(x) for x in xs]
        outputs = cast(list[Value], predictions)  # one Value each: the MLP has one output
        loss = cast(Value, sum((out - target) ** 2 for target, out in zip(ys, outputs)))
        for p in model.parameters():
            p.grad = 0.0
        loss.backward()
        for p in model.parameters():
            p.data += -0.05 * p.grad
        losses.append(loss.data)
    assert losses[-1] < losses[0] / 10
    assert all(math.isfinite(x) for x in losses)
