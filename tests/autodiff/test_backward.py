"""The backward pass: repeated calls, deep graphs, no_grad, and freeing graphs."""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import math
import threading
import tracemalloc
from collections.abc import Callable, Iterator

import pytest
from hypothesis import given
from support import fails

import autodiff as ad
from autodiff import Value, no_grad
from autodiff.backprop import Gradients, chain_rule
from autodiff.testing import Expression, expressions, reals


def test_leaf_gradients_accumulate_and_interior_ones_are_recomputed() -> None:
    a = Value(3.0)
    c = a * a
    d = c * c  # d = a⁴, dd/da = 4a³ = 108
    d.backward()
    d.backward()
    assert a.grad == 216.0  # leaves accumulate, as in PyTorch (micrograd gets 324)
    assert c.grad == 18.0  # dd/dc = 2c, never double-counted
    assert d.grad == 1.0


def test_the_function_backward_seeds_the_output_with_one_as_the_method_does() -> None:
    x = Value(3.0)
    y = x * x
    ad.backward(y)
    assert (y.grad, x.grad) == (1.0, 6.0)


def test_zero_grad_clears_leaves() -> None:
    a, b = Value(2.0), Value(5.0)
    (a * b).backward()
    ad.zero_grad([a, b])
    assert (a.grad, b.grad) == (0.0, 0.0)
    (a * b).backward()
    assert (a.grad, b.grad) == (5.0, 2.0)


def test_every_node_keeps_its_gradient_for_display() -> None:
    x = Value(0.5)
    h = x * 2
    y = h.tanh()
    y.backward()
    assert y.grad == 1.0
    assert h.grad == pytest.approx(1 - y.data**2)


def test_backward_of_another_root_recomputes_shared_interior_nodes() -> None:
    a = Value(2.0)
    c = a * 3
    (c * 2).backward()
    (c * 5).backward()
    assert c.grad == 5.0
    assert a.grad == 3 * 2 + 3 * 5


def test_backward_takes_the_seed_gradient() -> None:
    x = Value(4.0)
    (x * x).backward(grad=0.5)
    assert x.grad == 4.0


def test_backward_of_a_leaf() -> None:
    x = Value(4.0)
    x.backward()
    x.backward()
    assert x.grad == 2.0


def test_backward_rejects_a_non_number_seed() -> None:
    with pytest.raises(TypeError, match="backward"):
        (Value(1.0) * 2).backward(grad="1")  # type: ignore[arg-type]


def test_a_chain_of_a_million_operations_differentiates_without_recursion() -> None:
    x = Value(1.0)
    y = x
    for _ in range(1_000_000):
        y = y + x
    y.backward()
    assert x.grad == 1_000_001.0
    assert repr(y).startswith("Value(data=1000001.0")
    assert len(ad.topological_order(y)) == 1_000_000
    del y  # freeing it must not overflow the C stack either


def test_the_topological_order_is_the_order_the_nodes_were_made() -> None:
    # A depth-first search that visits inputs in their order: a program's own order, which
    # a reader follows ("z1.1, y1.1, z1.2, ..."), and any other order would still be valid.
    x = Value(1.0, "x")
    a = x * 2.0
    b = x + 1.0
    c = ad.dot([a, b], [b, a])
    d = c.tanh() * a
    assert ad.topological_order(d) == [a, b, c, d.parents[0], d]
    w = [[Value(0.5), Value(-0.5)], [Value(1.0), Value(2.0)]]
    hidden = [ad.dot(row, [x, x]).relu() for row in w]
    out = ad.dot([1.0, 1.0], hidden)
    made = [hidden[0].parents[0], hidden[0], hidden[1].parents[0], hidden[1], out]
    assert ad.topological_order(out) == made


def test_no_grad_records_nothing() -> None:
    x = Value(2.0)
    with no_grad():
        assert not ad.is_grad_enabled()
        y = (x * x).tanh() + ad.sum([x, x])
    assert ad.is_grad_enabled()
    assert y.parents == () and y.op == "" and y.grad == 0.0
    assert y.data == pytest.approx(2 * 2.0 + 0.9993292997390670)


def test_no_grad_is_a_decorator_too() -> None:
    @no_grad()
    def evaluate(v: Value) -> Value:
        return v * 3

    assert evaluate(Value(1.0)).parents == ()


def test_no_grad_decorates_async_functions_and_generators() -> None:
    @no_grad()
    async def evaluate(v: Value) -> Value:
        await asyncio.sleep(0)
        return v * 3

    @no_grad()
    def each(v: Value) -> Iterator[Value]:
        yield v * 2
        yield v * 3

    assert asyncio.run(evaluate(Value(1.0))).parents == ()
    steps = each(Value(1.0))
    first = next(steps)
    assert ad.is_grad_enabled()  # between steps the caller records as usual
    assert (Value(1.0) * 2).parents != ()
    assert first.parents == () and next(steps).parents == ()


def test_no_grad_is_private_to_a_thread() -> None:
    inside, started, done = threading.Event(), threading.Event(), threading.Event()

    def evaluate() -> None:
        with no_grad():
            started.set()
            inside.wait()
        done.set()

    worker = threading.Thread(target=evaluate)
    worker.start()
    started.wait()
    recorded = Value(1.0) * 2  # the other thread is inside no_grad right now
    inside.set()
    worker.join()
    assert done.is_set()
    assert recorded.parents != ()


def test_no_grad_is_private_to_an_asyncio_task() -> None:
    async def evaluating(entered: asyncio.Event, release: asyncio.Event) -> bool:
        with no_grad():
            entered.set()
            await release.wait()
            return ad.is_grad_enabled()

    async def recording(entered: asyncio.Event, release: asyncio.Event) -> tuple[Value, ...]:
        await entered.wait()
        node = Value(1.0) * 2
        release.set()
        return node.parents

    async def main() -> tuple[bool, tuple[Value, ...]]:
        entered, release = asyncio.Event(), asyncio.Event()
        return await asyncio.gather(evaluating(entered, release), recording(entered, release))

    enabled_inside, parents = asyncio.run(main())
    assert enabled_inside is False
    assert parents != ()


def build_graph() -> Value:
    xs = [Value(float(i)) for i in range(50)]
    y: Value = ad.sum([x.tanh() * x for x in xs])
    y = ad.logsumexp(ad.softmax([y, *xs[:3]])) + ad.dot(xs[:5], xs[5:10], xs[10])
    y.backward()
    return y


def live_values() -> int:
    return sum(1 for o in gc.get_objects() if type(o) is Value)


def test_a_graph_nobody_references_is_freed_without_the_cycle_collector() -> None:
    build_graph()  # once first: a rule's float code is written, with its cycles, on first use
    gc.collect()
    gc.disable()
    try:
        values_before = live_values()
        tracemalloc.start()
        build_graph()
        one_graph = tracemalloc.get_traced_memory()[1]  # the peak: one whole graph
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(40):
            build_graph()
        growth = tracemalloc.get_traced_memory()[0] - before
        tracemalloc.stop()
        assert live_values() == values_before  # every Value of 41 graphs is gone
        assert gc.collect() == 0  # and nothing was left for the cycle collector
    finally:
        gc.enable()
    # Memory comes back too, but for the interpreter's free lists (bounded, and far less than
    # the 40 graphs that a leak would keep).
    assert growth < 2 * one_graph


StepByStep = Callable[[Value], Iterator[ad.BackwardStep]]


def steps_agree_with_backward(steps: StepByStep) -> Callable[[], None]:
    """Exhausting backward_steps sets the grads backward() sets, and what the steps pass to an
    input adds up to its grad."""

    @given(expressions(n_inputs=2, smooth=True), reals(-2, 2), reals(-2, 2))
    def check(expression: Expression, x: float, y: float) -> None:
        inputs = [Value(x), Value(y)]
        out = expression(*inputs)
        out.backward()
        expected = [v.grad for v in inputs]
        ad.zero_grad(inputs)
        passed = {id(v): 0.0 for v in inputs}
        for step in steps(out):
            for parent, contribution in step.passed:
                if id(parent) in passed:
                    passed[id(parent)] += contribution
        assert [v.grad for v in inputs] == expected
        assert [passed[id(v)] for v in inputs] == expected

    return check


Loop = Callable[[Value], None]


def loop_agrees_with_the_walk(loop: Loop) -> Callable[[], None]:
    """backward()'s float loop, kept for speed (backprop.py's docstring), sets every node's
    grad to what the general walk, `chain_rule` over a store of floats, gives it: bit for bit,
    sign of zero included, or the same error, on random graphs with kinks."""

    @given(expressions(n_inputs=2), reals(-2, 2), reals(-2, 2))
    def check(expression: Expression, x: float, y: float) -> None:
        inputs = [Value(x), Value(y)]
        try:
            out = expression(*inputs)
        except ArithmeticError:
            return  # no graph to walk: the forward itself is undefined here
        nodes = [*inputs, *ad.topological_order(out)]
        try:
            walked = chain_rule(out, 1.0, Gradients())
        except ArithmeticError as error:
            with pytest.raises(type(error)):
                loop(out)
            return
        loop(out)
        for node in nodes:
            assert repr(node.grad) == repr(walked.get(node, 0.0)), (expression, node)
        # the walk reaches every node of out's graph and every input of one, behind a zero
        # gradient too: its gradient is 0 there, not missing
        reached = {p for node in ad.topological_order(out) for p in (node, *node.parents)}
        assert reached <= set(walked), expression

    return check


def test_backward_s_float_loop_agrees_with_the_general_walk() -> None:
    loop_agrees_with_the_walk(Value.backward)()


def test_the_loop_property_catches_a_loop_in_the_wrong_order() -> None:
    def inputs_first(root: Value) -> None:
        order = ad.topological_order(root)
        for node in order:
            node.grad = 0.0
        root.grad = 1.0
        for node in order:  # wrong: a node passes its grad on before its users pass theirs
            node._backward()

    fails(loop_agrees_with_the_walk(inputs_first))


def test_the_step_by_step_backward_agrees_with_backward() -> None:
    steps_agree_with_backward(ad.backward_steps)()


def test_the_step_property_catches_steps_in_the_wrong_order() -> None:
    def inputs_first(root: Value) -> Iterator[ad.BackwardStep]:
        order = ad.topological_order(root)
        for node in order:
            node.grad = 0.0
        root.grad = 1.0
        for node in order:  # wrong: a node passes its grad on before its users pass theirs
            yield ad.BackwardStep(node, node.grad, tuple(_passed(node)))

    fails(steps_agree_with_backward(inputs_first))


def _passed(node: Value) -> Iterator[tuple[Value, float]]:
    for parent, derivative in zip(node.parents, node.partials):
        contribution = node.grad * derivative
        parent.grad += contribution
        yield parent, contribution


def test_each_step_shows_the_node_and_what_it_passed_to_which_input() -> None:
    x, w = Value(2.0, "x"), Value(-3.0, "w")
    h = x * w
    y = h.tanh()
    steps = list(ad.backward_steps(y))
    assert [step.node for step in steps] == [y, h]
    assert steps[0].grad == 1.0 and steps[0].passed == ((h, y.partials[0]),)
    assert steps[1].passed == ((x, h.grad * -3.0), (w, h.grad * 2.0))
    assert (x.grad, w.grad) == (h.grad * -3.0, h.grad * 2.0)


def test_a_step_is_a_record_that_cannot_be_changed() -> None:
    x = Value(2.0)
    (step,) = ad.backward_steps(x * x)
    with pytest.raises(dataclasses.FrozenInstanceError):
        step.grad = 2.0  # type: ignore[misc]


def test_the_step_by_step_backward_starts_when_called() -> None:
    # The moment before the first step, as a stepper shows it: grads reset, the output seeded.
    x = Value(2.0, "x")
    h = x * x
    h.grad = 5.0
    y = h.tanh()
    steps = ad.backward_steps(y, 2.0)
    assert (y.grad, h.grad, x.grad) == (2.0, 0.0, 0.0)
    assert [step.node for step in steps] == [y, h]
    with pytest.raises(TypeError, match=r"backward_steps\(grad\)"):
        ad.backward_steps(y, "1")  # type: ignore[arg-type]


def test_micrograd_s_backward_passes_a_node_s_grad_once_accumulating() -> None:
    a = Value(3.0, "a")
    b = a * a
    b.grad = 1.0
    b._backward()
    assert a.grad == 6.0  # one edge per use of a: 3 + 3
    b._backward()
    assert a.grad == 12.0  # again: accumulating, as micrograd's closure does
    a._backward()  # a leaf passes nothing
    assert (b._prev, b._op, a._prev, a._op) == ({a}, "*", set(), "")


def dead_relu_over_an_infinite_edge() -> tuple[Value, Value, Value]:
    """x, h = x·∞ and out = relu(h) at x = −1: h's gradient is 0, and its edge to x carries ∞.

    Passing that 0 on would give x NaN (0 × ∞), and adding even a 0.0 to x's grad would turn
    a −0.0 there into 0.0: a node whose gradient is 0 passes nothing on.
    """
    x = Value(-1.0, "x")
    h = x * math.inf
    out = h.relu()
    x.grad = -0.0
    return x, h, out


def is_minus_zero(g: float) -> bool:
    return g == 0.0 and math.copysign(1.0, g) == -1.0


def test_a_node_whose_gradient_is_zero_passes_nothing_on_in_every_float_mode() -> None:
    x, h, out = dead_relu_over_an_infinite_edge()
    steps = list(ad.backward_steps(out))
    assert [step.node for step in steps] == [out, h]
    assert steps[0].passed == ((h, 0.0),)
    assert (steps[1].grad, steps[1].passed) == (0.0, ())
    assert is_minus_zero(x.grad)

    x, h, out = dead_relu_over_an_infinite_edge()
    h.grad = 0.0
    h._backward()
    assert is_minus_zero(x.grad)
    (infinity,) = [p for p in h.parents if p is not x]
    assert infinity.grad == 0.0

    x, h, out = dead_relu_over_an_infinite_edge()
    out.backward()
    assert is_minus_zero(x.grad) and h.grad == 0.0
    assert ad.gradients(out, [x]) == [0.0]
    assert ad.grad(lambda v: (v * math.inf).relu())(-1.0) == 0.0

    x, h, out = dead_relu_over_an_infinite_edge()
    h.grad = -0.0  # a gradient of −0.0 is a gradient of 0 too
    h._backward()
    assert is_minus_zero(x.grad)


def test_a_zero_derivative_gives_a_gradient_of_plus_zero_in_every_float_mode() -> None:
    """−relu(x) at x < 0: the gradient −1 crosses relu's derivative 0, and every float mode
    gives 0.0, bit for bit alike, not −1 × 0.0 = −0.0."""

    def f(v: Value) -> Value:
        return -(v.relu())

    x = Value(-1.0)
    f(x).backward()
    for g in (x.grad, ad.gradients(f(x), [x])[0], ad.grad(f)(-1.0)):
        assert g == 0.0 and math.copysign(1.0, g) == 1.0
