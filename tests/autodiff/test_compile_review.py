"""A review of autodiff.compile: regression tests for the 14 bugs it found (errors f catches
while traced, gradients without a graph being differentiated, undefined derivatives and
the finite-gradient shortcut in second-order traces, Value seeds, static keys, results of
one number in a sequence, programs in pieces, ...), and coverage the first tests lack.

Each test compares the compiled function with the eager engine's answer for the same call,
`Compiled._eagerly`: f on fresh Values, its results as floats.
"""

from __future__ import annotations

import math
import threading
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autodiff as ad
from autodiff import Undefined, Value, compiler
from autodiff.compiler import assemble
from autodiff.testing import Expression, expressions, reals

INF, NAN = math.inf, math.nan
SPECIAL = [0.0, -0.0, 1.0, -1.0, 2.5, -2.5, 1e-320, NAN, INF, -INF]


def outcome(f: Callable[..., Any], *args: Any) -> Any:
    """What f gives: its result, or its error as (type, message)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the output may not depend on an argument
        try:
            return f(*args)
        except (ArithmeticError, ValueError, TypeError) as error:
            return (type(error), str(error))


def same(a: Any, b: Any) -> bool:
    """Equal, bit for bit but for a zero's sign; NaN equal to NaN; nested alike, the same
    kind of sequence."""
    if isinstance(a, tuple | list) and isinstance(b, tuple | list):
        return type(a) is type(b) and len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    return bool(a == b)


def eager(compiled: ad.Compiled, *args: Any) -> Any:
    return outcome(lambda *a: compiled._eagerly(a, compiled.static), *args)


def agrees_with_eager(compiled: ad.Compiled, points: list[tuple[Any, ...]]) -> None:
    """The compiled function gives what the eager engine gives, at each point in turn."""
    for point in points:
        got, expected = outcome(compiled, *point), eager(compiled, *point)
        assert same(got, expected), f"at {point}: compiled {got!r}, eager {expected!r}"


@contextmanager
def counting_eager_reruns() -> Iterator[list[tuple[Any, ...]]]:
    """The calls that the compiled function answered by running the eager engine."""
    reruns: list[tuple[Any, ...]] = []
    original = compiler.Compiled._eagerly

    def spy(self: ad.Compiled, args: tuple[Any, ...], static: frozenset[int]) -> Any:
        reruns.append(args)
        return original(self, args, static)

    compiler.Compiled._eagerly = spy  # type: ignore[method-assign]
    try:
        yield reruns
    finally:
        compiler.Compiled._eagerly = original  # type: ignore[method-assign]


# -- bugs the review found ---------------------------------------------------------------


@pytest.mark.parametrize(
    "f",
    [
        lambda x: [x * 2],
        lambda x: (x,),
        lambda x: ((x * 2,),),
        lambda x: ad.gradients(x * x, [x]),
    ],
)
def test_a_result_of_one_number_in_a_sequence(f: Callable[..., Any]) -> None:
    compiled = ad.compile(f)
    agrees_with_eager(compiled, [(3.0,), (4.0,)])


def catch_log(x: Any) -> Any:
    try:
        return ad.log(x)
    except ad.DomainError:
        return x * 0.0


def catch_gradient(x: Any) -> Any:
    try:
        return ad.grad(ad.sqrt)(x)
    except ad.DomainError:
        return x * 0.0


def catch_overflow(x: Any) -> Any:
    try:
        return ad.exp(x)
    except OverflowError:
        return x


@pytest.mark.parametrize(
    ("f", "traced_at", "called_at"),
    [(catch_log, -1.0, 2.0), (catch_gradient, 0.0, 4.0), (catch_overflow, 1000.0, 1.0)],
)
def test_an_error_caught_by_f_while_traced(
    f: Callable[..., Any], traced_at: float, called_at: float
) -> None:
    agrees_with_eager(ad.compile(f), [(traced_at,), (called_at,)])


def test_an_undefined_derivative_in_a_second_order_trace() -> None:
    f = ad.grad(ad.grad(lambda x, y: ad.sqrt(x) * y, argnums=0), argnums=1)
    agrees_with_eager(ad.compile(f), [(0.0, 0.0), (4.0, 1.0), (0.0, 1.0)])


def test_a_power_at_a_negative_base_in_a_hessian() -> None:
    f = ad.hessian(lambda x, y: ad.pow(x, 2.0) * y, argnums=(0, 1))
    agrees_with_eager(ad.compile(f), [(-1e-320, 0.0), (2.0, 1.0), (0.0, 1.0)])


def gradient_of_a_constant_power(x: Any, y: Any) -> Any:
    (g,) = ad.gradients(x**0 * y, [x], create_graph=True)
    (h,) = ad.gradients(g + x * x, [x])
    return g, h


def sign_product(x: Any) -> Any:
    s = ad.sign(x)
    return ad.prod([x, x * x, ad.exp(4 * s / (1 + s * s))])


@pytest.mark.parametrize(
    ("f", "points"),
    [
        (gradient_of_a_constant_power, [(1.0, 1.0), (1.0, INF)]),
        (ad.grad(ad.grad(sign_product)), [(NAN,), (1.0,)]),
    ],
)
def test_a_zero_derivative_crossed_by_an_infinite_gradient(
    f: Callable[..., Any], points: list[tuple[float, ...]]
) -> None:
    agrees_with_eager(ad.compile(f), points)


def differentiates_a_constant_gradient(x: Any) -> Any:
    g = ad.gradients(x * x * x, [x])[0]  # create_graph=False: a constant
    return g * x


def differentiates_a_top_level_grad(x: Any) -> Any:
    g = ad.grad(lambda t: t * t * t)(x)  # a float, eagerly
    return ad.gradients(g * x, [x])[0]


@pytest.mark.parametrize(
    "f", [ad.value_and_grad(differentiates_a_constant_gradient), differentiates_a_top_level_grad]
)
def test_a_gradient_without_graph_is_a_constant(f: Callable[..., Any]) -> None:
    agrees_with_eager(ad.compile(f), [(2.0,), (3.0,)])


def test_a_second_gradient_through_a_node_made_before_f() -> None:
    w = Value(0.5, "w")
    s = ad.sqrt(w * w)

    def f(x: Any) -> Any:
        (gw,) = ad.gradients(s * x, [w], create_graph=True)
        return tuple(ad.gradients(gw, [w, x]))

    compiled = ad.compile(f)
    compiled(0.8)
    w.data = 1.5
    agrees_with_eager(compiled, [(0.8,)])


def test_a_gradient_with_graph_through_a_node_made_before_f() -> None:
    w = Value(0.5, "w")
    m = w * w

    def f(x: Any) -> Any:
        return ad.gradients(m * x, [w], create_graph=True)[0] + 0.0

    compiled = ad.compile(f)
    compiled(0.8)
    w.data = 1.5
    agrees_with_eager(compiled, [(0.8,)])


def test_a_gradient_seeded_with_a_value_that_is_zero() -> None:
    def f(x: Any, s: Any) -> Any:
        return ad.gradients(x * INF, [x], grad=s * 1.0)[0]

    agrees_with_eager(ad.compile(f), [(1.0, 2.0), (1.0, 0.0)])


def signed(x: Any, zero: float) -> Any:
    return x * math.copysign(1.0, zero)


def by_kind(x: Any, shape: tuple[float, ...]) -> Any:
    return x * 2 if isinstance(shape[0], int) else x * 3


@pytest.mark.parametrize(
    ("f", "first", "second"), [(signed, 0.0, -0.0), (by_kind, (1, 2), (1.0, 2.0))]
)
def test_static_arguments_equal_but_not_the_same(
    f: Callable[..., Any], first: Any, second: Any
) -> None:
    compiled = ad.compile(f, static_argnums=(1,))
    compiled(2.0, first)
    assert same(compiled(2.0, second), outcome(f, Value(2.0), second).data)


def test_a_nan_static_argument_is_traced_once() -> None:
    compiled = ad.compile(lambda x, n: x * n, static_argnums=(1,))
    for _ in range(3):
        compiled(1.0, float("nan"))
    assert compiled.traces == 1


@pytest.mark.parametrize("f", [lambda x: (), lambda x: []])
def test_an_empty_result_compiles(f: Callable[..., Any]) -> None:
    compiled = ad.compile(f)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert compiled(1.0) == f(1.0)
    assert compiled.traces == 1


def test_a_call_by_keyword_with_a_default_that_is_not_a_number() -> None:
    def f(x: Any, activation: str = "tanh") -> Any:
        return getattr(x, activation)()

    compiled = ad.compile(f)
    assert compiled(x=0.5) == compiled(0.5) == math.tanh(0.5)


def test_an_infinite_seed_runs_compiled() -> None:
    def f(x: Any) -> Any:
        g = ad.gradients(x * 3.0, [x], grad=INF)[0]
        return x if g > 0 else -x

    compiled = ad.compile(f)
    compiled(2.0)
    with counting_eager_reruns() as reruns:
        assert compiled(3.0) == 3.0
    assert reruns == []


def test_a_program_in_pieces_runs_where_a_block_is_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(assemble, "CHUNK", 5)
    f = ad.value_and_grad(lambda x, y: ad.prod([x, ad.sin(x * y), x]), argnums=(0, 1))
    compiled = ad.compile(f)
    compiled(1.0, 1.0)
    with counting_eager_reruns() as reruns:
        got = compiled(0.0, 1.0)
    assert reruns == []
    assert same(got, compiled._eagerly((0.0, 1.0), compiled.static))


def test_a_primitive_named_like_a_piece(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(assemble, "CHUNK", 4)

    @ad.primitive(lambda x, out: 2.0 * x, name="part")
    def part(x: float) -> float:
        return x * x

    def f(x: Any) -> Any:
        for _ in range(6):
            x = part(x) * 0.5 + x
        return x

    compiled = ad.compile(f)
    compiled(0.3)
    with counting_eager_reruns() as reruns:
        compiled(0.4)
    assert reruns == []


def test_a_zero_dimensional_array_is_a_number() -> None:
    assert ad.compile(lambda x: x * 2)(np.array(2.0)) == 4.0


# -- coverage: every operation at special points, traced at one and called at the others -------

UNARY: dict[str, Callable[[Any], Any]] = {
    name: getattr(ad, name)
    for name in [
        "abs",
        "cos",
        "exp",
        "identity",
        "log",
        "neg",
        "relu",
        "sigmoid",
        "sign",
        "sin",
        "softplus",
        "sqrt",
        "step",
        "tanh",
    ]
}
UNARY.update(
    leaky_relu=lambda x: ad.leaky_relu(x, slope=0.2),
    leaky_relu_0=lambda x: ad.leaky_relu(x, 0.0),
    power=lambda x: ad.power(x, exponent=3),
    exponential=lambda x: ad.exponential(x, base=0.5),
    exponential_0=lambda x: ad.exponential(x, base=0.0),
    minus_2_to=lambda x: (-2.0) ** x,
    zero_to=lambda x: 0**x,
)

BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "add": lambda x, y: x + y,
    "sub": lambda x, y: x - y,
    "mul": lambda x, y: x * y,
    "div": lambda x, y: x / y,
    "pow": lambda x, y: x**y,
    "square": lambda x, y: x**2 + y,
    "inverse": lambda x, y: x**-1 + y,
    "root": lambda x, y: x**0.5 + y,
    "zeroth": lambda x, y: x**0 * y,
    "xlogy": ad.xlogy,
    "max": lambda x, y: ad.max([x, y, 1.0]),
    "min": lambda x, y: ad.min([x, y, x]),
    "logsumexp": lambda x, y: ad.logsumexp([x, y]),
    "softmax": lambda x, y: ad.softmax([x, y, x])[1],
    "argmax": lambda x, y: ad.argmax([x, y]) + x,
    "equal": lambda x, y: ad.equal(x, y) + x * y,
    "dot": lambda x, y: ad.dot([x, y], [y, 2.0], x),
    "prod": lambda x, y: ad.prod([x, y, x]),
    "sum": lambda x, y: ad.sum([x, y, 3.0]),
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_each_unary_operation_at_special_points(name: str) -> None:
    op = UNARY[name]
    for first in (1.0, 0.0, NAN, -1.0):
        points = [(first,), *((x,) for x in SPECIAL)]
        agrees_with_eager(ad.compile(ad.value_and_grad(op)), points)


@pytest.mark.parametrize("name", sorted(BINARY))
def test_each_binary_operation_at_special_points(name: str) -> None:
    op = BINARY[name]
    points = [(x, y) for x in SPECIAL[::2] for y in SPECIAL[1::2]]
    for first in ((1.0, 2.0), (0.0, -0.0), (-1.0, NAN)):
        agrees_with_eager(ad.compile(ad.value_and_grad(op, argnums=(0, 1))), [first, *points])


# -- coverage: long programs in pieces, names, guards ----------------------------------------

COORDINATE = st.sampled_from([0.0, -0.0, 1.0, -1.0]) | reals(-2, 2)
POINT = st.lists(COORDINATE, min_size=2, max_size=2).map(tuple)


@given(
    expressions(n_inputs=2, max_steps=10),
    st.lists(POINT, min_size=2, max_size=3),
    st.sampled_from([3, 7, 50]),
)
@settings(max_examples=80)
def test_programs_in_pieces_equal_the_eager_engine(
    expression: Expression, points: list[tuple[float, ...]], chunk: int
) -> None:
    original = assemble.CHUNK
    assemble.CHUNK = chunk
    try:
        compiled = ad.compile(ad.value_and_grad(expression, argnums=(0, 1)))
        agrees_with_eager(compiled, points)
    finally:
        assemble.CHUNK = original


HOSTILE = [
    "{t1}",
    "{a1}",
    "{}",
    "{0}",
    "{x!r}",
    "{x:>10}",
    "%s",
    "t0",
    "g3",
    "s1",
    "x",
    "g_x",
    "for",
    "None",
    "math",
    "GuardFailed",
    "_s",
    "_part0",
    "_v0",
    "sum",
    "max",
    "é",
    "a" * 3000,
    "w.1.2",
    "a b",
    "print",
    "match",
    "compiled",
    "f",
]


@pytest.mark.parametrize("chunk", [3, 7, 50, 20_000])
def test_hostile_labels_and_parameter_names(chunk: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(assemble, "CHUNK", chunk)

    def f(x: Any, g_x: Any) -> Any:
        h, kept = x, []
        for label in HOSTILE:
            h = (h * 0.9 + g_x).tanh() + x * 0.01
            h.label = label
            kept.append(h)
        return kept[0] * kept[-1] + ad.relu(kept[3]) + ad.sum(kept[::4])

    compiled = ad.compile(ad.value_and_grad(f, argnums=(0, 1)))
    agrees_with_eager(compiled, [(0.3, 0.2), (-0.5, 1.0), (0.0, -3.0)])
    assert "{" not in compiled.source and "%" not in compiled.source
    assert "é" not in compiled.source and "w_1_2" in compiled.source


def test_guards_at_nan_and_on_truth() -> None:
    def f(x: Any, y: Any) -> Any:
        if x > 0:
            z = x * 2
        elif x <= 0:
            z = -x
        else:  # NaN: neither comparison holds
            z = x + 100
        z = z * y if bool(y) else z - 1
        return z if -1 < y < 1 else max(z, y) * 3

    points = [(1.0, 0.5), (NAN, 0.5), (-1.0, 0.0), (1.0, NAN), (2.0, 2.0), (NAN, -0.0)]
    agrees_with_eager(ad.compile(ad.value_and_grad(f, argnums=(0, 1))), points)


def test_a_guard_on_a_gradient() -> None:
    def f(x: Any) -> Any:
        d = ad.grad(lambda t: t * t * t)(x)
        return d * x if d > 1 else d - x

    agrees_with_eager(ad.compile(f), [(1.0,), (0.1,), (-1.0,), (NAN,)])


def test_results_under_no_grad_with_guards() -> None:
    def f(x: Any) -> Any:
        with ad.no_grad():
            s = x * 2
            if s > 1:
                s = s * s
        return s * x

    agrees_with_eager(ad.compile(ad.value_and_grad(f)), [(1.0,), (0.1,), (2.0,)])


# -- coverage: user primitives, captured values, transformations, threads -------------------------


@ad.primitive(lambda x, out: ad.cos(x) * 0.0 + 3 * x * x)
def review_cube(x: float) -> float:
    return x**3


@ad.primitive(lambda x, out: math.cos(x))  # a rule on floats only: called by reference
def review_sin(x: float) -> float:
    return math.sin(x)


def _positive_part_rule(x: Any, out: Any) -> Any:
    return 1.0 if x > 0 else Undefined("no derivative for x <= 0")


@ad.primitive(_positive_part_rule)  # a rule that branches: a guard when applied to Values
def review_positive_part(x: float) -> float:
    return x if x > 0 else 0.0


@ad.primitive(lambda xs, out: [1.0 if x > 0 else 0.0 for x in xs])
def review_positive_sum(*xs: float) -> float:
    return sum(x for x in xs if x > 0)


@ad.primitive(lambda x, out, *, k: k * math.cos(k * x))
def review_sin_k(x: float, *, k: float = 2.0) -> float:
    return math.sin(k * x)


USER: dict[str, Callable[[Any], Any]] = {
    "cube": review_cube,
    "sin": review_sin,
    "positive_part": review_positive_part,
    "positive_sum": lambda x: review_positive_sum([x, x - 1, 2.0]),
    "sin_k": lambda x: review_sin_k(x, k=3.0),
}


@pytest.mark.parametrize("name", sorted(USER))
def test_user_primitives(name: str) -> None:
    op = USER[name]
    points = [(x,) for x in (2.0, 0.5, -1.0, 0.0, NAN, INF, 3.0)]
    agrees_with_eager(ad.compile(op), points)
    agrees_with_eager(ad.compile(ad.value_and_grad(op)), points)
    agrees_with_eager(ad.compile(ad.grad(ad.grad(lambda x: op(x) * x))), points)


def test_values_made_before_f_are_read_at_each_call() -> None:
    w, b = Value(0.5, "w"), Value(-0.2, "b")
    h = (w * 2.0).tanh()  # a node made before f

    def f(x: Any) -> Any:
        z = (w * x + b + h * x).relu()
        return (z, *ad.gradients(z, [w, b, h, x]))

    compiled = ad.compile(f)
    for new in (0.5, 1.5, -2.0, 0.0):
        w.data = new
        agrees_with_eager(compiled, [(0.8,), (-3.0,)])
    assert compiled.traces == 1


def test_gradients_with_respect_to_inner_nodes_the_root_and_a_leaf() -> None:
    def f(x: Any, y: Any) -> Any:
        a = x * x
        b = ad.tanh(a)
        c = b * 3
        return (*ad.gradients(c, [a, b, c, x, y]), *ad.gradients(x, [x, y]))

    agrees_with_eager(ad.compile(f), [(0.5, 1.0), (1.0, -1.0)])


def test_nested_transformations() -> None:
    def hvp(x: Any, y: Any) -> Any:
        return ad.hvp(lambda a, b: a * a * b + ad.sin(a * b), argnums=(0, 1))(
            x, y, vector=(1.0, 0.5)
        )

    def third(x: Any) -> Any:
        return ad.grad(ad.grad(ad.grad(lambda t: t**5 + ad.sin(t))))(x)

    def graph_then_gradient(x: Any, y: Any) -> Any:
        gx, gy = ad.gradients(x * x * y, [x, y], create_graph=True)
        return (gx, gy, *ad.gradients(gx * gy, [x, y]))

    hessian = ad.hessian(lambda x, y, z: x * y * z + ad.exp(x * z), argnums=(0, 1, 2))
    agrees_with_eager(ad.compile(hvp), [(1.0, 2.0), (0.3, -1.0)])
    agrees_with_eager(ad.compile(third), [(1.0,), (2.0,)])
    agrees_with_eager(ad.compile(graph_then_gradient), [(1.0, 2.0), (-1.0, 0.5)])
    agrees_with_eager(ad.compile(hessian), [(1.0, 2.0, 0.5), (-0.5, 0.0, 1.0)])


def test_signature_defaults_and_varargs() -> None:
    def f(x: Any, y: Any = 2.0, *rest: Any) -> Any:
        return x * y + sum(rest)

    compiled = ad.compile(f)
    assert compiled(1.0) == 2.0
    assert compiled(1.0, 3.0, 4.0, 5.0) == 12.0
    assert compiled(x=1.0) == 2.0
    assert compiled(1.0, y=5.0) == 5.0


def test_static_arguments_get_a_trace_each() -> None:
    def f(x: Any, n: int, mode: str) -> Any:
        y = x
        for _ in range(n):
            y = y * x
        return y if mode == "a" else -y

    compiled = ad.compile(f, static_argnums=(1, 2))
    agrees_with_eager(compiled, [(2.0, 3, "a"), (2.0, 2, "b"), (3.0, 3, "a")])
    assert compiled.traces == 2


def test_threads_share_a_compiled_function() -> None:
    def f(x: Any, y: Any) -> Any:
        z = x * y if x > y else x - y
        return ad.value_and_grad(lambda a: (a * y).tanh() + ad.relu(a - 0.3))(z)

    compiled = ad.compile(f)
    failures: list[tuple[float, float]] = []

    def work(seed: int) -> None:
        for k in range(60):
            x, y = math.sin(seed * 7 + k) * 2, math.cos(seed * 3 + k * 5) * 2
            if not same(compiled(x, y), compiled._eagerly((x, y), compiled.static)):
                failures.append((x, y))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


def test_captured_values_only_and_no_arguments() -> None:
    w = Value(2.0, "w")
    compiled = ad.compile(lambda: ((w * 3).tanh(), w))
    assert compiled() == ((w * 3).tanh().data, 2.0)
    w.data = 0.1
    assert compiled() == ((w * 3).tanh().data, 0.1)
    assert compiled.traces == 1
