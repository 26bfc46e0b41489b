"""autodiff.compile: the traced function written out as Python, equal to the eager engine.

Exactness is tested bit for bit: the compiled code does the eager engine's arithmetic in the
eager engine's order, so results are equal (a zero's sign aside), and where the eager engine
raises, the compiled function raises the same error.
"""

from __future__ import annotations

import linecache
import math
import random
import subprocess
import sys
import threading
import traceback
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Literal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support import fails

import autodiff as ad
from autodiff import Undefined, Value, compiler
from autodiff.compiler import loops, lower
from autodiff.testing import Expression, expressions, reals

# Points drawn so that kinks (relu, abs, max at 0) fall between the trace and the call, and
# sometimes exactly on them.
COORDINATE = st.sampled_from([0.0, -0.0, 1.0, -1.0]) | reals(-2, 2)
POINT = st.lists(COORDINATE, min_size=2, max_size=2)
INF, NAN = math.inf, math.nan
SPECIAL = [0.0, -0.0, 1.0, -1.0, 2.5, -2.5, 1e-320, NAN, INF, -INF]


Untraced = Literal["error", "ignore"]


def outcome(f: Callable[..., Any], *args: Any, untraced: Untraced = "error") -> Any:
    """What f gives: its result, or its error as (type, message).

    A compiled f that could not be traced runs eagerly, and would agree with the eager engine
    without testing the compiler: that is an error, unless ``untraced`` is "ignore".
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the output may not depend on an argument
        warnings.filterwarnings(untraced, "compile.*could not be traced")
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


def agrees_with_eager(
    f: Callable[..., Any],
    points: list[list[float]],
    untraced: Untraced = "error",
    teach: bool = False,
) -> None:
    """compile(f) gives what f gives, at each point in turn (one compiled function, so the
    later points run the code traced at the first, or retrace where a guard says so)."""
    compiled = ad.compile(f, teach=teach)
    for point in points:
        expected, got = outcome(f, *point), outcome(compiled, *point, untraced=untraced)
        assert same(got, expected), f"at {point}: compiled {got!r}, eager {expected!r}"


def gradients_agree_on_random_graphs(teach: bool = False) -> Callable[[], None]:
    @given(expressions(n_inputs=2), POINT, POINT)
    def check(expression: Expression, first: list[float], second: list[float]) -> None:
        f = ad.value_and_grad(expression, argnums=(0, 1))
        agrees_with_eager(f, [first, second, first], teach=teach)

    return check


# Each way f may branch on a Value: a comparison (each is a guard of its own), or its truth.
BRANCHES: dict[str, Callable[[Any], bool]] = {
    "<": lambda v: v < 0.5,
    "<=": lambda v: v <= 0.5,
    ">": lambda v: v > 0.5,
    ">=": lambda v: v >= 0.5,
    "truth": lambda v: bool(v - 0.5),
}


def branches_agree_on_random_graphs() -> Callable[[], None]:
    """f with control flow on Values: the branch taken is the eager one at every point."""

    @given(
        expressions(n_inputs=2),
        expressions(n_inputs=2),
        st.sampled_from(sorted(BRANCHES)),
        POINT,
        POINT,
    )
    def check(
        test: Expression, other: Expression, how: str, first: list[float], second: list[float]
    ) -> None:
        def f(x: Value, y: Value) -> Value:
            return x * y if BRANCHES[how](test(x, y)) else other(x, y)

        agrees_with_eager(ad.value_and_grad(f, argnums=(0, 1)), [first, second, first])

    return check


def test_gradients_equal_the_eager_engine_on_random_graphs() -> None:
    settings(max_examples=300)(gradients_agree_on_random_graphs())()


def test_teaching_code_equals_the_eager_engine_on_random_graphs() -> None:
    settings(max_examples=150)(gradients_agree_on_random_graphs(teach=True))()


def test_control_flow_equals_the_eager_engine() -> None:
    settings(max_examples=150)(branches_agree_on_random_graphs())()


@contextmanager
def baking_recorded_partials() -> Iterator[None]:
    """A wrong compiler: it writes the local derivatives recorded at the trace as numbers,
    instead of the rules that compute them."""
    original = lower.Lowering.local

    def baked(self: lower.Lowering, node: Value) -> Any:
        if all(isinstance(d, float) for d in node.partials):
            return list(node.partials)
        return original(self, node)

    lower.Lowering.local = baked  # type: ignore[method-assign]
    try:
        yield
    finally:
        lower.Lowering.local = original  # type: ignore[method-assign]


@contextmanager
def ignoring_guards() -> Iterator[None]:
    """A wrong compiler: it checks no comparison made while tracing."""
    original = lower.Lowering.guard
    lower.Lowering.guard = lambda self, step: None  # type: ignore[method-assign]
    try:
        yield
    finally:
        lower.Lowering.guard = original  # type: ignore[method-assign]


@pytest.mark.parametrize("teach", [False, True])
def test_the_exactness_property_catches_a_compiler_that_bakes_in_partials(teach: bool) -> None:
    with baking_recorded_partials():
        fails(gradients_agree_on_random_graphs(teach))


def test_the_control_flow_property_catches_a_compiler_that_ignores_guards() -> None:
    with ignoring_guards():
        fails(branches_agree_on_random_graphs())


# -- higher order, transformations inside ------------------------------------------------------


@given(expressions(n_inputs=1, smooth=True), st.lists(reals(-2, 2), min_size=2, max_size=2))
@settings(max_examples=60)
def test_second_derivatives_equal_the_eager_engine(expression: Expression, xs: list[float]) -> None:
    agrees_with_eager(ad.grad(ad.grad(expression)), [[x] for x in xs])


def test_a_hessian_compiles() -> None:
    def f(x: Any, y: Any) -> Any:
        return x**3 * y + ad.sin(x * y)

    agrees_with_eager(ad.hessian(f, argnums=(0, 1)), [[0.5, 1.5], [-1.0, 2.0]])


def test_a_gradient_used_further_in_the_function() -> None:
    def f(x: Any) -> Any:
        return ad.grad(lambda t: t**3)(x) * x + x

    agrees_with_eager(ad.value_and_grad(f), [[0.5], [2.0]])


def test_gradients_of_captured_values_are_read_live() -> None:
    w, b = Value(0.5, "w"), Value(-0.2, "b")

    def loss(x: Any) -> Any:
        out = (w * x + b).tanh()
        return (out, *ad.gradients(out, [w, b]))

    compiled = ad.compile(loss)
    for new_w in (0.5, 1.5, -2.0):
        w.data = new_w
        eager = [v if isinstance(v, float) else v.data for v in loss(Value(0.8))]
        assert same(list(compiled(0.8)), eager)


# -- guards ------------------------------------------------------------------------------------


def piecewise(x: Any) -> Any:
    if x > 0:
        return x * 2
    return -x


def test_a_comparison_is_checked_at_each_call_and_retraced_when_it_changes() -> None:
    compiled = ad.compile(piecewise)
    assert compiled(3.0) == 6.0
    assert compiled(-3.0) == 3.0
    assert compiled(4.0) == 8.0  # the first trace again, from the cache
    assert compiled.traces == 2
    assert "raise GuardFailed" in compiled.source


def test_retracing_again_and_again_warns() -> None:
    def f(x: Any, n: int) -> Any:
        return x * n

    compiled = ad.compile(f, static_argnums=(1,))
    with pytest.warns(UserWarning, match="traced 8 times"):
        for n in range(9):
            assert compiled(2.0, n) == 2.0 * n


def test_nan_fails_a_guard_as_python_would() -> None:
    compiled = ad.compile(piecewise)
    compiled(1.0)
    assert math.isnan(compiled(math.nan))  # nan > 0 is False: the other branch, as eagerly


# -- errors, and what cannot be traced ----------------------------------------------------------


def test_a_domain_error_inside_the_code_is_the_eager_engines() -> None:
    compiled = ad.compile(ad.grad(lambda x: ad.log(x) * x))
    assert compiled(2.0) == pytest.approx(math.log(2.0) + 1)
    with pytest.raises(ad.DomainError, match=r"log\(x\) needs x > 0, got x = -1.0"):
        compiled(-1.0)


def test_an_undefined_derivative_that_only_a_zero_gradient_crosses_is_no_error() -> None:
    def f(x: Any, y: Any) -> Any:
        return ad.sqrt(x) * y

    compiled = ad.compile(ad.grad(f, argnums=(0, 1)))
    assert compiled(4.0, 1.0) == (0.25, 2.0)
    assert compiled(0.0, 0.0) == ad.grad(f, argnums=(0, 1))(0.0, 0.0) == (0.0, 0.0)
    with pytest.raises(ad.DomainError, match="does not exist"):
        compiled(0.0, 1.0)


def test_an_overflow_gives_the_eager_result() -> None:
    def f(x: Any) -> Any:
        return ad.exp(x) * 0.0 + x

    agrees_with_eager(ad.value_and_grad(f), [[1.0], [800.0], [1.0]])


def test_backward_inside_a_compiled_function_is_refused_clearly() -> None:
    def f(x: Any) -> Any:
        y = x * x
        y.backward()
        return x.grad

    with pytest.raises(ad.TraceError, match=r"backward.*autodiff\.gradients"):
        ad.compile(f)(2.0)


def test_a_function_that_cannot_be_traced_runs_eagerly_with_a_warning() -> None:
    def f(x: Any) -> Any:
        return math.sqrt(ad.grad(lambda t: t * t)(x))  # a float of a Value: not traceable

    eager = f(Value(2.0))
    with pytest.warns(UserWarning, match="could not be traced"):
        assert ad.compile(f)(2.0) == eager


def test_results_under_no_grad_are_computed_at_each_call() -> None:
    def f(x: Any) -> Any:
        with ad.no_grad():
            scale = x * 2  # a constant of the graph, yet a function of x
        return scale * x

    assert ad.value_and_grad(f)(3.0) == (18.0, 6.0)
    agrees_with_eager(ad.value_and_grad(f), [[3.0], [5.0]])


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda c: c("2.0"), "needs a number"),
        (lambda c: c(Value(2.0)), "v.data"),
        (lambda c: c(True), "needs a number"),
        (lambda c: c(10**400), "too large"),
    ],
)
def test_bad_arguments_are_named(call: Callable[[Any], Any], message: str) -> None:
    compiled = ad.compile(lambda x: x * 2)
    with pytest.raises((TypeError, OverflowError), match=message):
        call(compiled)


def test_what_f_returns_must_be_numbers() -> None:
    with pytest.raises(ad.TraceError, match="returns a number"):
        ad.compile(lambda x: {"y": x})(1.0)


# -- the code ------------------------------------------------------------------------------


def test_the_code_is_named_after_parameters_and_labels() -> None:
    def neuron(x: Any, w: Any, b: Any) -> Any:
        z = x * w + b
        z.label = "z"
        return z.tanh()

    compiled = ad.compile(ad.value_and_grad(neuron, argnums=(1, 2)))
    compiled(2.0, -3.0, 0.5)
    source = compiled.source
    assert source.startswith("def neuron(x, w, b):")
    assert "z = " in source and "g_w" in source and "math.tanh(z)" in source


def test_the_code_reads_as_python_writes_it() -> None:
    def f(x: Any, w: Any, b: Any) -> Any:
        q = x * w + b
        q.label = "q"
        e = q.exp()
        e.label = "e"
        return 1.0 * e**2

    compiled = ad.compile(ad.value_and_grad(f, argnums=(0, 1, 2)))
    matches_eager(compiled, [(2.0, -3.0, 1.0), (0.5, 0.5, 0.5)])
    source = compiled.source
    assert "e = math.exp(q)" in source and "e ** 2," in source and "g_e = 2.0 * e" in source
    assert "1.0 *" not in source and "* 1.0" not in source and "** 1" not in source


def test_teaching_code_names_every_gradient_and_counts_the_stepper_s_steps() -> None:
    def f(x: Any, w: Any, b: Any) -> Any:
        p = x * w
        p.label = "p"
        q = p + b
        q.label = "q"
        return q.tanh()

    compiled = ad.compile(ad.value_and_grad(f, argnums=(0, 1, 2)), teach=True)
    matches_eager(compiled, [(2.0, -3.0, 1.0), (0.0, 1.0, -0.5)])
    lines = [line.strip() for line in compiled.source.splitlines()]
    steps = [line for line in lines if line.startswith("#")]
    assert steps == [
        "# step 1: t2 passes g_t2 back",
        "# step 2: q passes g_q back",
        "# step 3: p passes g_p back",
    ]
    assert "g_t2 = 1.0" in lines and "t5 = 1.0 - (t2 * t2)" in lines and "g_q = g_t2 * t5" in lines
    assert "g_p += g_q" in lines and "g_b += g_q" in lines  # each its own name
    plain = ad.compile(ad.value_and_grad(f, argnums=(0, 1, 2)))
    plain(2.0, -3.0, 1.0)
    assert "#" not in plain.source and "g_p" not in plain.source  # folded: b's is q's
    with pytest.raises(ValueError, match=r"teach=True.*not with vectorize"):
        ad.compile(f, teach=True, vectorize=True)


def test_a_neuron_s_dot_is_written_as_its_arithmetic() -> None:
    compiled = ad.compile(lambda w, x, b: ad.dot([w], [x], b).tanh())
    assert compiled(2.0, 3.0, -5.5) == math.tanh(0.5)
    assert "sum((w * x,), 0.0) + b" in compiled.source  # not a call of dot's forward


def test_an_operation_with_parameters_is_written_as_its_arithmetic() -> None:
    compiled = ad.compile(lambda x: ad.gradients(x**2 + ad.leaky_relu(x, 0.2), [x]))
    assert compiled(3.0) == [7.0]
    assert "x ** 2" in compiled.source and "0.2 * x if" in compiled.source
    assert "_power" not in compiled.source and "_leaky_relu" not in compiled.source


def test_labels_that_are_not_identifiers_never_reach_the_code() -> None:
    hostile = ["__import__('os').system('true')", "x; y", "import", "math", "t0", "_secret", "é"]

    def f(x: Any) -> Any:
        y = x
        for label in hostile:
            y = y * 1.5
            y.label = label
        return y

    compiled = ad.compile(ad.value_and_grad(f))
    assert compiled(2.0) == ad.value_and_grad(f)(2.0)
    for label in hostile:
        assert label not in compiled.source.replace("math.tanh", "").split() or label == "t0"
    assert "__import__" not in compiled.source and "system" not in compiled.source


def test_a_traceback_shows_the_generated_line() -> None:
    compiled = ad.compile(ad.log)
    compiled(1.0)
    with pytest.raises(ad.DomainError) as caught:
        compiled(-1.0)
    context = caught.value.__context__  # the compiled code's own error, then the eager one
    assert context is not None
    frames = traceback.extract_tb(context.__traceback__)
    generated = [f for f in frames if f.filename.startswith("<autodiff generated")]
    assert generated and "math.log" in (generated[-1].line or "")
    assert linecache.getline(generated[-1].filename, generated[-1].lineno or 0).strip()


def test_a_deep_graph_compiles_without_recursion() -> None:
    def f(x: Any) -> Any:
        for _ in range(5000):
            x = ad.tanh(x * 1.0001)
        return x

    agrees_with_eager(ad.value_and_grad(f), [[0.5], [-0.2]])


def test_compile_works_without_numpy() -> None:
    code = (
        "import sys; sys.modules['numpy'] = None\n"
        "import autodiff as ad\n"
        "f = ad.compile(ad.value_and_grad(lambda x, y: (x * y).tanh(), argnums=(0, 1)))\n"
        "print(f(0.5, 2.0) == ad.value_and_grad(lambda x, y: (x * y).tanh(), (0, 1))(0.5, 2.0))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "True", done.stderr


def test_arguments_may_be_lists_and_results_keep_their_shape() -> None:
    def f(ws: Any, x: Any) -> Any:
        z = ad.dot(ws, [x, x * x])
        return [z, (z * 2, x)]

    compiled = ad.compile(f)
    assert compiled([0.5, 2.0], 3.0) == [19.5, (39.0, 3.0)]
    assert compiled(ws=[1.0, 1.0], x=2.0) == [6.0, (12.0, 2.0)]


# -- edge cases found by reviewing the compiler, each once a bug ---------------------------


def eager(compiled: ad.Compiled, *args: Any) -> Any:
    return outcome(lambda *a: compiled.eagerly(a, compiled.static), *args)


def matches_eager(
    compiled: ad.Compiled, points: list[tuple[Any, ...]], untraced: Untraced = "error"
) -> None:
    """The compiled function gives what the eager engine gives, at each point in turn."""
    for point in points:
        got, expected = outcome(compiled, *point, untraced=untraced), eager(compiled, *point)
        assert same(got, expected), f"at {point}: compiled {got!r}, eager {expected!r}"


@contextmanager
def counting_eager_reruns() -> Iterator[list[tuple[Any, ...]]]:
    """The calls that the compiled function answered by running the eager engine."""
    reruns: list[tuple[Any, ...]] = []
    original = compiler.Compiled.eagerly

    def spy(self: ad.Compiled, args: tuple[Any, ...], static: frozenset[int]) -> Any:
        reruns.append(args)
        return original(self, args, static)

    compiler.Compiled.eagerly = spy  # type: ignore[method-assign]
    try:
        yield reruns
    finally:
        compiler.Compiled.eagerly = original  # type: ignore[method-assign]


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
    matches_eager(compiled, [(3.0,), (4.0,)])


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


def catch_second_order(x: Any) -> Any:
    try:
        (g,) = ad.gradients(ad.sqrt(x), [x], create_graph=True)  # √'s derivative at 0: none
        return g
    except ad.DomainError:
        return x * 0.0


def catch_overflow(x: Any) -> Any:
    try:
        return ad.exp(x)
    except OverflowError:
        return x


@pytest.mark.parametrize(
    ("f", "traced_at", "called_at"),
    [
        (catch_log, -1.0, 2.0),
        (catch_gradient, 0.0, 4.0),
        (catch_second_order, 0.0, 4.0),
        (catch_overflow, 1000.0, 1.0),
    ],
)
def test_an_error_caught_by_f_while_traced(
    f: Callable[..., Any], traced_at: float, called_at: float
) -> None:
    matches_eager(ad.compile(f), [(traced_at,), (called_at,)], untraced="ignore")  # f went on


@pytest.mark.parametrize(
    "f", [lambda x: -1.0 * (x * 0.0), lambda x: (x * 0.0) * -2.0], ids=["left", "right"]
)
def test_a_known_gradient_across_a_zero_derivative_gives_plus_zero_as_eagerly(
    f: Callable[[Any], Any],
) -> None:
    # -1.0 * 0.0 is -0.0; backward() adds it to a .grad of 0.0, which gives 0.0
    assert repr(ad.compile(ad.grad(f))(2.0)) == repr(ad.grad(f)(2.0)) == "0.0"


def test_an_undefined_derivative_in_a_second_order_trace() -> None:
    f = ad.grad(ad.grad(lambda x, y: ad.sqrt(x) * y, argnums=0), argnums=1)
    # Traced at (0, 0), f's inner grad raises (√'s derivative at 0) and f goes on: eagerly.
    matches_eager(ad.compile(f), [(0.0, 0.0), (4.0, 1.0), (0.0, 1.0)], untraced="ignore")


def test_a_power_at_a_negative_base_in_a_hessian() -> None:
    f = ad.hessian(lambda x, y: ad.pow(x, 2.0) * y, argnums=(0, 1))
    matches_eager(ad.compile(f), [(-1e-320, 0.0), (2.0, 1.0), (0.0, 1.0)])


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
    matches_eager(ad.compile(f), points)


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
    matches_eager(ad.compile(f), [(2.0,), (3.0,)])


def test_a_second_gradient_through_a_node_made_before_f() -> None:
    w = Value(0.5, "w")
    s = ad.sqrt(w * w)

    def f(x: Any) -> Any:
        (gw,) = ad.gradients(s * x, [w], create_graph=True)
        return tuple(ad.gradients(gw, [w, x]))

    compiled = ad.compile(f)
    compiled(0.8)
    w.data = 1.5
    matches_eager(compiled, [(0.8,)])


def test_a_gradient_with_graph_through_a_node_made_before_f() -> None:
    w = Value(0.5, "w")
    m = w * w

    def f(x: Any) -> Any:
        return ad.gradients(m * x, [w], create_graph=True)[0] + 0.0

    compiled = ad.compile(f)
    compiled(0.8)
    w.data = 1.5
    matches_eager(compiled, [(0.8,)])


def test_a_gradient_seeded_with_a_value_that_is_zero() -> None:
    def f(x: Any, s: Any) -> Any:
        return ad.gradients(x * INF, [x], grad=s * 1.0)[0]

    matches_eager(ad.compile(f), [(1.0, 2.0), (1.0, 0.0)])


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


def test_a_user_primitive_named_like_generated_code() -> None:
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


@pytest.mark.parametrize("teach", [False, True])
@pytest.mark.parametrize("name", sorted(UNARY))
def test_each_unary_operation_at_special_points(name: str, teach: bool) -> None:
    op = UNARY[name]
    for first in (1.0, 0.0, NAN, -1.0):
        points = [(first,), *((x,) for x in SPECIAL)]
        matches_eager(ad.compile(ad.value_and_grad(op), teach=teach), points)


@pytest.mark.parametrize("teach", [False, True])
@pytest.mark.parametrize("name", sorted(BINARY))
def test_each_binary_operation_at_special_points(name: str, teach: bool) -> None:
    op = BINARY[name]
    points = [(x, y) for x in SPECIAL[::2] for y in SPECIAL[1::2]]
    for first in ((1.0, 2.0), (0.0, -0.0), (-1.0, NAN)):
        compiled = ad.compile(ad.value_and_grad(op, argnums=(0, 1)), teach=teach)
        matches_eager(compiled, [first, *points])


# -- coverage: names, guards ----------------------------------------

PAIR = POINT.map(tuple)


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


@pytest.mark.parametrize("teach", [False, True])
def test_hostile_labels_and_parameter_names(teach: bool) -> None:

    def f(x: Any, g_x: Any) -> Any:
        h, kept = x, []
        for label in HOSTILE:
            h = (h * 0.9 + g_x).tanh() + x * 0.01
            h.label = label
            kept.append(h)
        return kept[0] * kept[-1] + ad.relu(kept[3]) + ad.sum(kept[::4])

    compiled = ad.compile(ad.value_and_grad(f, argnums=(0, 1)), teach=teach)
    matches_eager(compiled, [(0.3, 0.2), (-0.5, 1.0), (0.0, -3.0)])
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
    matches_eager(ad.compile(ad.value_and_grad(f, argnums=(0, 1))), points)


def test_a_guard_on_a_gradient() -> None:
    def f(x: Any) -> Any:
        d = ad.grad(lambda t: t * t * t)(x)
        return d * x if d > 1 else d - x

    matches_eager(ad.compile(f), [(1.0,), (0.1,), (-1.0,), (NAN,)])


def test_results_under_no_grad_with_guards() -> None:
    def f(x: Any) -> Any:
        with ad.no_grad():
            s = x * 2
            if s > 1:
                s = s * s
        return s * x

    matches_eager(ad.compile(ad.value_and_grad(f)), [(1.0,), (0.1,), (2.0,)])


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
    matches_eager(ad.compile(op), points)
    matches_eager(ad.compile(ad.value_and_grad(op)), points)
    matches_eager(ad.compile(ad.grad(ad.grad(lambda x: op(x) * x))), points)


def test_values_made_before_f_are_read_at_each_call() -> None:
    w, b = Value(0.5, "w"), Value(-0.2, "b")
    h = (w * 2.0).tanh()  # a node made before f

    def f(x: Any) -> Any:
        z = (w * x + b + h * x).relu()
        return (z, *ad.gradients(z, [w, b, h, x]))

    compiled = ad.compile(f)
    for new in (0.5, 1.5, -2.0, 0.0):
        w.data = new
        matches_eager(compiled, [(0.8,), (-3.0,)])
    assert compiled.traces == 1


def test_gradients_with_respect_to_inner_nodes_the_root_and_a_leaf() -> None:
    def f(x: Any, y: Any) -> Any:
        a = x * x
        b = ad.tanh(a)
        c = b * 3
        return (*ad.gradients(c, [a, b, c, x, y]), *ad.gradients(x, [x, y]))

    matches_eager(ad.compile(f), [(0.5, 1.0), (1.0, -1.0)])


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
    matches_eager(ad.compile(hvp), [(1.0, 2.0), (0.3, -1.0)])
    matches_eager(ad.compile(third), [(1.0,), (2.0,)])
    matches_eager(ad.compile(graph_then_gradient), [(1.0, 2.0), (-1.0, 0.5)])
    matches_eager(ad.compile(hessian), [(1.0, 2.0, 0.5), (-0.5, 0.0, 1.0)])


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
    matches_eager(compiled, [(2.0, 3, "a"), (2.0, 2, "b"), (3.0, 3, "a")])
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
            if not same(compiled(x, y), compiled.eagerly((x, y), compiled.static)):
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


# -- autodiff.map: one sample's code, in a loop ---------------------------------------------


def _model(seed: int) -> tuple[list[list[Value]], list[Value]]:
    rng = random.Random(seed)
    hidden = [[Value(rng.uniform(-1, 1)) for _ in range(3)] for _ in range(4)]
    out = [Value(rng.uniform(-1, 1)) for _ in range(5)]
    return hidden, out


def _batch_loss(hidden: list[list[Value]], out: list[Value]) -> Callable[..., Any]:
    params = [p for row in hidden for p in row] + out

    def one(x: Any, t: Any) -> Any:
        h = [ad.dot(row[:2], x, row[2]).tanh() for row in hidden]
        score = ad.dot(out[:4], h, out[4])
        return (1 - t * score).relu(), ad.step(score)

    def batch(xs: Any, ts: Any, scale: Any) -> Any:
        losses, positives = zip(*ad.map(one, xs, ts))
        loss = ad.sum(losses) * scale + 1e-3 * ad.dot(params, params)
        return (loss, ad.sum(positives), *ad.gradients(loss, params))

    return batch


SAMPLES = st.lists(
    st.tuples(reals(-2, 2), reals(-2, 2), st.sampled_from([-1.0, 1.0])), min_size=1, max_size=7
)


def map_agrees_with_eager() -> Callable[[], None]:
    @given(SAMPLES, SAMPLES, st.integers(0, 5))
    def check(first: list[Any], second: list[Any], seed: int) -> None:
        batch = _batch_loss(*_model(seed))
        compiled = ad.compile(batch)
        for samples in (first, second, first):  # other sizes, and back: the same code
            xs, ts = [[a, b] for a, b, _ in samples], [t for _, _, t in samples]
            got = compiled(xs, ts, 1.0 / len(xs))
            eager = compiled.eagerly((xs, ts, 1.0 / len(xs)), frozenset())
            assert same(got, eager), f"{samples}: compiled {got!r}, eager {eager!r}"
        assert "for " in compiled.source and compiled.source.count("math.tanh") == 4  # once each

    return check


def test_a_map_compiles_to_a_loop_equal_to_the_eager_engine_bit_for_bit() -> None:
    settings(max_examples=40)(map_agrees_with_eager())()


def test_the_map_property_catches_a_loop_back_over_the_samples_in_the_wrong_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    original = loops.backward

    def forwards(lowering: Any, loop: Any, outer: Any) -> None:
        original(lowering, loop, outer)
        for line in lowering.program.lines:
            if isinstance(line, ad.code.For) and line.target == "_i":
                line.iterable = f"range({len(loop.step.samples)})"  # first to last: wrong order

    monkeypatch.setattr(loops, "backward", forwards)
    fails(map_agrees_with_eager())


def test_a_map_is_python_s_map_to_the_eager_engine() -> None:
    assert ad.map(lambda x, y: x * y, [1.0, 2.0], [3.0, 4.0, 5.0]) == [3.0, 8.0]
    with pytest.raises(TypeError, match="map needs a function"):
        ad.map(3, [1.0])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"its 2 batch.*f does not take 2"):
        ad.map(lambda x: x, [1.0], [2.0])


def test_compiling_a_map_costs_one_sample_whatever_the_batch() -> None:
    batch = _batch_loss(*_model(0))
    compiled = ad.compile(batch)
    sources = set()
    for n in (10, 100, 7):  # a batch of another size runs the same code: no trace
        args = ([[0.1 * i, -0.2] for i in range(n)], [1.0] * n, 1.0 / n)
        assert same(compiled(*args), compiled.eagerly(args, frozenset()))
        sources.add(compiled.source)
    assert compiled.traces == 1 and len(sources) == 1


def test_a_function_that_reads_a_batch_s_size_is_traced_per_size() -> None:
    def mean(xs: Any) -> Any:
        return ad.sum(ad.map(lambda x: x * x, xs)) * (1.0 / len(xs))  # 1/n: fixed at the trace

    compiled = ad.compile(mean)
    for xs in ([1.0, 2.0, 3.0], [1.0, 2.0], [4.0, 5.0, 6.0]):
        assert compiled(xs) == mean([Value(x) for x in xs]).data
    assert compiled.traces == 2 and "len(xs)" in compiled.source


def test_a_map_whose_outputs_are_read_one_by_one_is_traced_per_size() -> None:
    def f(xs: Any) -> Any:
        outs = ad.map(lambda x: x.tanh(), xs)
        return outs[0] * 2.0 + ad.sum(outs)  # outs[0]: code for a batch of this size

    compiled = ad.compile(f)
    for xs in ([0.5, 0.25], [0.5, 0.25, 1.0], [0.1, 0.2]):
        assert compiled(xs) == f([Value(x) for x in xs]).data
    assert compiled.traces == 2


def test_a_map_over_batches_made_inside_the_function_runs_eagerly() -> None:
    def f(xs: Any) -> Any:
        doubled = [x * 2 for x in xs]
        return ad.sum(ad.map(lambda x: x.tanh(), doubled))

    compiled = ad.compile(f)
    with pytest.warns(UserWarning, match="could not be traced.*arguments of the compiled"):
        assert compiled([0.1, 0.2]) == f([Value(0.1), Value(0.2)]).data


def test_a_large_trace_says_what_to_write_instead(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(compiler, "LARGE", 10)
    compiled = ad.compile(lambda xs: sum((x.tanh() for x in xs), Value(0.0)))
    with pytest.warns(UserWarning, match=r"12 steps.*autodiff\.map"):
        assert compiled([0.5] * 6) == 6 * math.tanh(0.5)
