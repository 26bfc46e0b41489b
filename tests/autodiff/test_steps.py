"""A moment of the backward pass: which grads are final, and how a diagram shows it."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence

import pytest
from hypothesis import given
from support import fails, neuron

import autodiff as ad
import nn
from autodiff import Value
from autodiff.diagrams import Step, draw
from autodiff.testing import Expression, expressions, reals

After = Callable[[Value, Sequence[ad.BackwardStep]], Step]


def moments_are_told_right(after: After) -> Callable[[], None]:
    """After each step of the backward pass: a grad shown final is final; one shown partial
    still grows later; one shown waiting has received nothing, and is not the output."""

    @given(expressions(n_inputs=2, smooth=True), reals(-2, 2), reals(-2, 2))
    def check(expression: Expression, x: float, y: float) -> None:
        out = expression(Value(x), Value(y))
        every = every_value(out)
        out.backward()
        final = {v: v.grad for v in every}
        steps = first_steps(out, len(ad.topological_order(out)))
        for k in range(len(steps) + 1):
            done = first_steps(out, k)
            moment = after(out, done)
            reached = {out} | {p for s in done for p in s.node.parents}
            later = {p for s in steps[k:] for p in s.node.parents}
            for v in every:
                if v in moment.waiting:
                    assert v not in reached and v.grad == 0.0
                elif v in moment.partial:
                    assert v in reached and v in later
                else:
                    assert v in reached and math.isclose(v.grad, final[v], abs_tol=1e-12)
            assert moment.node is (done[-1].node if done else None)

    return check


def test_a_moment_tells_final_partial_and_waiting_grads() -> None:
    moments_are_told_right(Step.after)()


def test_the_moment_property_catches_a_sum_shown_as_final() -> None:
    def no_partials(root: Value, steps: Sequence[ad.BackwardStep]) -> Step:
        moment = Step.after(root, steps)
        return Step(moment.node, moment.passed, moment.waiting, frozenset())

    fails(moments_are_told_right(no_partials))


def test_the_neuron_after_two_steps() -> None:
    y, v = neuron()
    moment = Step.after(y, first_steps(y, 2))
    assert moment.node is v["z"]
    assert [p for p, _ in moment.passed] == list(v["z"].parents)
    assert {v["x1"], v["w1"], v["x2"], v["w2"]} <= moment.waiting
    assert v["b"] not in moment.waiting | moment.partial  # b feeds z alone: final
    assert Step.after(y, []) == Step(waiting=moment.waiting | {v["z"], *v["z"].parents})


def test_a_value_used_twice_by_one_node_is_final_once_that_node_passes() -> None:
    x = Value(3.0, "x")
    square = x * x
    out = square + x
    first = Step.after(out, first_steps(out, 1))
    assert x in first.partial  # from out; square has not passed yet
    second = Step.after(out, first_steps(out, 2))
    assert x not in second.partial | second.waiting
    assert x.grad == 2 * 3.0 + 1


def every_value(root: Value) -> set[Value]:
    nodes = ad.topological_order(root)
    return {root, *nodes, *(p for node in nodes for p in node.parents)}


def first_steps(root: Value, k: int) -> list[ad.BackwardStep]:
    """The first k steps of root's backward pass, from grads of 0 (leaves accumulate)."""
    ad.zero_grad(every_value(root))
    return list(itertools.islice(ad.backward_steps(root), k))


def test_a_diagram_shows_the_step_in_purple_with_the_chain_rule_on_its_edges() -> None:
    y, _ = neuron()
    moment = Step.after(y, first_steps(y, 2))
    source = draw(y, step=moment).source
    (passing,) = [line for line in source.splitlines() if "class=step" in line]
    assert passing.lstrip().startswith("n1 ") and '"z = +' in passing  # z, the second node
    passed = [line for line in source.splitlines() if "class=passed" in line]
    assert len(passed) == 2 and all('label="0.5 × 1 = 0.5"' in line for line in passed)
    labels = [line for line in source.splitlines() if "[label=" in line]
    assert sum("grad ?" in line for line in labels) == 6  # two products, the leaves under them
    assert "purple: the node passing its grad now" in source


def test_with_formulas_a_step_shows_the_rule_above_the_chain_rule() -> None:
    y, _ = neuron()
    moment = Step.after(y, first_steps(y, 1))  # tanh passes its grad to z
    source = draw(y, step=moment, show_formulas=True).source
    (passed,) = [line for line in source.splitlines() if "class=passed" in line]
    assert 'label="∂y/∂x = 1 − y²\\n1 × 0.5 = 0.5"' in passed


def test_a_unit_diagram_marks_the_unit_of_the_passing_node() -> None:
    model = nn.MLP(2, [2, 1], seed=0)
    out = model([0.5, -1.0])
    assert isinstance(out, Value)
    moment = Step.after(out, first_steps(out, 1))
    source = draw(out, step=moment).source
    (passing,) = [line for line in source.splitlines() if "class=step" in line]
    assert "unit 2.1" in passing
    assert source.count("class=passed") == 2  # to y1.1 and y1.2: the weights are in the box
    labels = [line for line in source.splitlines() if "[label=" in line]
    assert not any("so far" in line for line in labels) and any("grad ?" in s for s in labels)


def test_a_step_that_is_not_a_step_is_refused() -> None:
    y, _ = neuron()
    with pytest.raises(TypeError, match=r"draw\(step=...\) needs a Step"):
        draw(y, step="z")  # type: ignore[arg-type]
