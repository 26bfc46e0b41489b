"""autodiff.compile: the traced function written out as Python, equal to the eager engine.

Exactness is tested bit for bit: the compiled code does the eager engine's arithmetic in the
eager engine's order, so results are equal (a zero's sign aside), and where the eager engine
raises, the compiled function raises the same error.
"""

from __future__ import annotations

import linecache
import math
import subprocess
import sys
import traceback
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Literal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support import fails

import autodiff as ad
from autodiff import Value
from autodiff.compiler import assemble, emit
from autodiff.testing import Expression, expressions, reals

# Points drawn so that kinks (relu, abs, max at 0) fall between the trace and the call, and
# sometimes exactly on them.
COORDINATE = st.sampled_from([0.0, -0.0, 1.0, -1.0]) | reals(-2, 2)
POINT = st.lists(COORDINATE, min_size=2, max_size=2)


Untraced = Literal["error", "ignore"]


def outcome(f: Callable[..., Any], *args: float, untraced: Untraced = "error") -> Any:
    """What f gives: its result, or its error as (type, message).

    A compiled f that could not be traced runs eagerly, and would agree with the eager engine
    without testing the compiler: that is an error, unless ``untraced`` is "ignore".
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the output may not depend on an argument
        warnings.filterwarnings(untraced, "compile.*could not be traced")
        try:
            return f(*args)
        except (ArithmeticError, ValueError) as error:
            return (type(error), str(error))


def same(a: Any, b: Any) -> bool:
    """Equal, bit for bit but for a zero's sign; NaN equal to NaN; nested alike."""
    if isinstance(a, tuple | list) and isinstance(b, tuple | list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    return bool(a == b)


def agrees_with_eager(
    f: Callable[..., Any], points: list[list[float]], untraced: Untraced = "error"
) -> None:
    """compile(f) gives what f gives, at each point in turn (one compiled function, so the
    later points run the code traced at the first, or retrace where a guard says so)."""
    compiled = ad.compile(f)
    for point in points:
        expected, got = outcome(f, *point), outcome(compiled, *point, untraced=untraced)
        assert same(got, expected), f"at {point}: compiled {got!r}, eager {expected!r}"


def gradients_agree_on_random_graphs() -> Callable[[], None]:
    @given(expressions(n_inputs=2), POINT, POINT)
    def check(expression: Expression, first: list[float], second: list[float]) -> None:
        agrees_with_eager(ad.value_and_grad(expression, argnums=(0, 1)), [first, second, first])

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


def test_control_flow_equals_the_eager_engine() -> None:
    settings(max_examples=150)(branches_agree_on_random_graphs())()


@contextmanager
def baking_recorded_partials() -> Iterator[None]:
    """A wrong compiler: it writes the local derivatives recorded at the trace as numbers,
    instead of the rules that compute them."""
    original = emit.Writer.derivatives

    def baked(self: emit.Writer, node: Value, depth: int, lines: list[emit.Line]) -> Any:
        if all(isinstance(d, float) for d in node.partials):
            return list(node.partials)
        return original(self, node, depth, lines)

    emit.Writer.derivatives = baked  # type: ignore[method-assign]
    try:
        yield
    finally:
        emit.Writer.derivatives = original  # type: ignore[method-assign]


@contextmanager
def ignoring_guards() -> Iterator[None]:
    """A wrong compiler: it checks no comparison made while tracing."""
    original = emit.Writer.guard
    emit.Writer.guard = lambda self, guard: None  # type: ignore[method-assign]
    try:
        yield
    finally:
        emit.Writer.guard = original  # type: ignore[method-assign]


def test_the_exactness_property_catches_a_compiler_that_bakes_in_partials() -> None:
    with baking_recorded_partials():
        fails(gradients_agree_on_random_graphs())


def test_the_control_flow_property_catches_a_compiler_that_ignores_guards() -> None:
    with ignoring_guards():
        fails(branches_agree_on_random_graphs())


# -- higher order, transformations inside ------------------------------------------------------


@given(expressions(n_inputs=1, smooth=True), st.lists(reals(-2, 2), min_size=2, max_size=2))
@settings(max_examples=60)
def test_second_derivatives_equal_the_eager_engine(expression: Expression, xs: list[float]) -> None:
    # Known: a second derivative through x ** 0 is not traced (the engine asks whether the
    # gradient crossing its derivative 0.0 is finite, a guard the compiler cannot write), and
    # runs eagerly: allowed here until the compiler writes that guard.
    agrees_with_eager(ad.grad(ad.grad(expression)), [[x] for x in xs], untraced="ignore")


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


def test_a_long_program_is_compiled_in_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(assemble, "CHUNK", 40)
    ws = [Value(0.1 * i - 1.0) for i in range(12)]

    def loss(x: Any) -> Any:
        h = x
        for w in ws:
            h = (w * h + 0.1).tanh() + ad.relu(h - w)
        return (h, *ad.gradients(h, ws))

    compiled = ad.compile(loss)
    for x in (0.3, -0.7):
        got = compiled(x)
        eager = [v if isinstance(v, float) else v.data for v in loss(Value(x))]
        assert same(list(got), eager)
    assert compiled.source.count("def _piece") > 3


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
