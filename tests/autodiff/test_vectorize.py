"""compile(f, vectorize=True): f written for one sample, run over a batch as NumPy arrays.

The arrays' arithmetic is NumPy's (its exp and log, matrix products that sum in their own
order), so results agree with the eager engine's to within rounding: the stated tolerance
is a relative 1e-9 (absolute 1e-12). Where the eager engine raises for a sample, the batch
raises the same error, since such a batch runs sample by sample.
"""

from __future__ import annotations

import itertools
import math
import random
import subprocess
import sys
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support import ORACLES

import autodiff as ad
from autodiff import Value
from autodiff.testing import Expression, Point, arguments, expressions, reals

REL, ABS = 1e-9, 1e-12


def close(a: Any, b: Any) -> bool:
    if isinstance(a, tuple | list):
        return len(a) == len(b) and all(close(x, y) for x, y in zip(a, b))
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    both_nan = np.isnan(a) & np.isnan(b)
    return bool(np.all(both_nan | np.isclose(a, b, rtol=REL, atol=ABS)))


def per_sample(f: Callable[..., Any], *columns: Any) -> Any:
    """The eager engine's results, one sample at a time, stacked: the reference."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rows = [f(*(float(c[i]) for c in columns)) for i in range(len(columns[0]))]
    return _stack(rows)


def _stack(rows: list[Any]) -> Any:
    if isinstance(rows[0], tuple | list):
        return tuple(_stack([r[k] for r in rows]) for k in range(len(rows[0])))
    return np.array(rows, dtype=float)


BATCH = st.lists(st.tuples(reals(-2, 2), reals(-2, 2)), min_size=1, max_size=6)


@given(expressions(n_inputs=2), BATCH)
@settings(max_examples=200)
def test_a_batch_gives_each_samples_eager_result(expression: Expression, batch: list[Any]) -> None:
    f = ad.value_and_grad(expression, argnums=(0, 1))
    xs, ys = np.array([b[0] for b in batch]), np.array([b[1] for b in batch])
    try:
        expected = per_sample(f, xs, ys)
    except (ArithmeticError, ValueError) as error:
        with pytest.raises(type(error)):
            ad.compile(f, vectorize=True)(xs, ys)
        return
    compiled = ad.compile(f, vectorize=True)
    got = compiled(xs, ys)
    assert close(got, expected), f"{expression}: {got} != {expected}"
    assert compiled.traces == 1, f"{expression} was not written for arrays"


# A random expression may not use its first input, and so not w: value_and_grad says so.
@pytest.mark.filterwarnings("ignore:the output does not depend on the argument")
@given(expressions(n_inputs=2, smooth=True), BATCH, reals(-2, 2))
@settings(max_examples=100)
def test_reduce_averages_over_the_batch(expression: Expression, batch: list[Any], w: float) -> None:
    def f(w: Any, x: Any, y: Any) -> Any:
        return expression(w * x, y)

    xs, ys = np.array([b[0] for b in batch]), np.array([b[1] for b in batch])
    vg = ad.value_and_grad(f)
    try:
        rows = per_sample(lambda x, y: vg(w, x, y), xs, ys)
    except (ArithmeticError, ValueError):
        return
    expected = tuple(float(np.mean(column)) for column in rows)
    assert close(ad.compile(vg, vectorize=True, reduce="mean")(w, xs, ys), expected)


def mlp(seed: int, sizes: tuple[int, ...] = (2, 8, 8, 1)) -> list[list[tuple[list[Value], Value]]]:
    rng = random.Random(seed)
    return [
        [
            ([Value(rng.uniform(-1, 1)) for _ in range(n_in)], Value(rng.uniform(-1, 1)))
            for _ in range(n_out)
        ]
        for n_in, n_out in itertools.pairwise(sizes)
    ]


def test_a_network_trains_on_a_batch_as_matrices() -> None:
    layers = mlp(0)
    params = [p for layer in layers for ws, b in layer for p in (*ws, b)]

    def score(x: Any) -> Any:
        h = x
        for layer in layers[:-1]:
            h = [ad.dot(ws, h, b).relu() for ws, b in layer]
        ws, b = layers[-1][0]
        return ad.dot(ws, h, b)

    def one(x: Any, t: Any) -> Any:
        loss = (1 - t * score(x)).relu() + 1e-3 * ad.dot(params, params)
        return (loss, *ad.gradients(loss, params))

    rng = np.random.default_rng(0)
    xs, ts = rng.uniform(-1, 1, (50, 2)), np.where(rng.uniform(size=50) > 0.5, 1.0, -1.0)
    compiled = ad.compile(one, vectorize=True, reduce="mean")
    got = compiled(xs, ts)
    assert "@" in compiled.source and ".T @" in compiled.source  # layers as matrices

    def eager(x: Any, t: Any) -> Any:
        loss, *grads = one([Value(x[0]), Value(x[1])], Value(t))
        return [loss.data, *[g.data if isinstance(g, Value) else g for g in grads]]

    expected = np.mean([eager(x, t) for x, t in zip(xs, ts)], axis=0)
    assert close(list(got), list(expected))


def test_an_overflow_in_one_sample_raises_as_eagerly() -> None:
    f = ad.value_and_grad(lambda x: ad.exp(x) * 0.0 + x)
    compiled = ad.compile(f, vectorize=True)
    assert close(compiled(np.array([1.0, 2.0])), ((1.0, 2.0), (1.0, 1.0)))
    with pytest.raises(OverflowError, match="exp"):
        compiled(np.array([1.0, 800.0]))


def test_samples_taking_different_branches_run_one_by_one() -> None:
    def f(x: Any) -> Any:
        return x * 2 if x > 0 else -x

    assert close(ad.compile(f, vectorize=True)(np.array([1.0, -3.0, 2.0])), [2.0, 3.0, 4.0])


def test_a_zero_gradient_across_an_undefined_derivative_is_no_nan() -> None:
    f = ad.grad(lambda x, y: ad.sqrt(x) * y, argnums=(0, 1))
    got = ad.compile(f, vectorize=True)(np.array([0.0, 4.0]), np.array([0.0, 1.0]))
    assert close(got, ([0.0, 0.25], [0.0, 2.0]))


def test_numbers_are_shared_and_rows_are_samples() -> None:
    f = ad.compile(lambda w, x: ad.dot([w, w], x), vectorize=True)
    assert close(f(2.0, np.array([[1.0, 2.0], [3.0, 4.0]])), [6.0, 14.0])
    assert f.traces == 1  # written for arrays, not run sample by sample


@pytest.mark.parametrize(
    ("args", "error", "message"),
    [
        ((np.array([1.0, 2.0]), np.array([1.0])), ValueError, "different lengths"),
        ((1.0, 2.0), ValueError, "at least one argument that is an array"),
        ((np.array([]), 1.0), ValueError, "no samples"),
        ((np.array(["a"]), 1.0), TypeError, "real numbers"),
    ],
)
def test_bad_batches_are_named(args: tuple[Any, ...], error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        ad.compile(lambda x, y: x * y, vectorize=True)(*args)


def test_reduce_needs_vectorize_and_a_known_name() -> None:
    with pytest.raises(ValueError, match="vectorize=True"):
        ad.compile(lambda x: x, reduce="mean")
    with pytest.raises(ValueError, match="'mean', 'sum'"):
        ad.compile(lambda x: x, vectorize=True, reduce="max")


def test_vectorize_without_numpy_says_what_to_install() -> None:
    code = (
        "import sys; sys.modules['numpy'] = None\n"
        "import autodiff as ad\n"
        "try:\n"
        "    ad.compile(lambda x: x, vectorize=True)\n"
        "except ImportError as error:\n"
        "    print(error)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "pip install" in done.stdout and "numpy" in done.stdout, done.stdout + done.stderr


def test_sum_and_per_sample_agree() -> None:
    f = ad.value_and_grad(lambda w, x: (w * x).tanh(), argnums=0)
    xs = np.linspace(-1, 1, 7)
    summed = ad.compile(f, vectorize=True, reduce="sum")(0.3, xs)
    each = ad.compile(f, vectorize=True)(0.3, xs)
    assert close(summed, (float(np.sum(each[0])), float(np.sum(each[1]))))
    assert math.isfinite(summed[0])


def two_layers(x: Any, t: Any, w1: Any, b1: Any, w2: Any) -> Any:
    """A 2-3-1 network whose weights are arguments: rows of Values when traced."""
    h = [ad.dot(row, x, b).tanh() for row, b in zip(w1, b1)]
    loss = (ad.dot(w2[0], h) - t) ** 2
    flat = [w for row in w1 for w in row]
    grads = ad.gradients(loss, [*flat, *b1, *w2[0]])
    return loss, grads[:6], grads[6:9], [grads[9:]]


def test_weights_passed_whole_are_matrices_and_their_gradients_arrays() -> None:
    rng = np.random.default_rng(1)
    w1, b1, w2 = rng.normal(size=(3, 2)), rng.normal(size=3), rng.normal(size=(1, 3))
    xs, ts = rng.normal(size=(20, 2)), rng.normal(size=20)
    compiled = ad.compile(
        two_layers, vectorize=True, reduce="mean", in_axes=(0, 0, None, None, None)
    )
    loss, g_w1, g_b1, g_w2 = compiled(xs, ts, w1, b1, w2)
    assert "w1 @ " in compiled.source and "w2 @ " in compiled.source
    assert isinstance(g_w1, np.ndarray) and g_w1.shape == (6,) and g_b1.shape == (3,)
    assert isinstance(g_w2, list) and g_w2[0].shape == (3,)  # a list of arrays stays a list

    def eager(x: Any, t: Any) -> list[float]:
        def values(a: Any) -> Any:
            return [values(i) for i in a] if isinstance(a, list) else Value(a)

        out = two_layers(
            values(x.tolist()), Value(t), *map(values, (w1.tolist(), b1.tolist(), w2.tolist()))
        )
        return [out[0].data, *out[1], *out[2]]

    expected = np.mean([eager(x, t) for x, t in zip(xs, ts)], axis=0)
    assert close([loss, *g_w1, *g_b1], list(expected))


def test_a_batch_run_sample_by_sample_gives_the_same_arrays() -> None:
    def f(x: Any, w: Any) -> Any:
        y = ad.dot(w, [x, x]) if x > 0 else -x * w[0]  # branches: sample by sample
        return y, ad.gradients(y, list(w))

    compiled = ad.compile(f, vectorize=True, reduce="sum", in_axes=(0, None))
    value, grad = compiled(np.array([1.0, -2.0]), np.array([3.0, 4.0]))
    assert isinstance(grad, np.ndarray) and close(grad, [1.0 + 2.0, 1.0])
    assert close(value, 7.0 + 6.0)


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        ({"in_axes": (0, None)}, ValueError, "needs vectorize=True"),
        ({"vectorize": True, "in_axes": (1,)}, TypeError, "0 \\(a batch\\) or None"),
        ({"vectorize": True, "in_axes": 0}, TypeError, "a list or tuple"),
    ],
)
def test_in_axes_is_checked(options: dict[str, Any], error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        ad.compile(lambda x, w: x * w, **options)


def test_the_gradient_of_one_row_of_a_layer() -> None:
    def f(w: Any, x: Any) -> Any:
        first, second = ad.dot([w, w], x), ad.dot([w, 3.0], x)  # one layer, of two rows
        return first * 2.0, ad.gradients(second, x)

    compiled = ad.compile(f, vectorize=True)
    got = compiled(2.0, np.array([[1.0, 2.0], [3.0, 4.0]]))
    assert "@" in compiled.source
    assert close(got, ([12.0, 28.0], [[2.0, 2.0], [3.0, 3.0]]))


@pytest.mark.parametrize("name", sorted(ORACLES))
def test_every_builtin_is_written_for_arrays(name: str) -> None:
    """Each built-in operation, and its derivatives, run as array code over a batch (the
    compiled function runs sample by sample only where no array form is written)."""

    @settings(max_examples=3, database=None)
    @given(arguments(name))
    def check(point: Point) -> None:
        def f(*xs: Any) -> Any:
            return ORACLES[name].engine(list(xs), point.params)

        n = len(point.inputs)
        vg = ad.value_and_grad(f, argnums=tuple(range(n)))
        compiled = ad.compile(vg, vectorize=True)
        columns = [np.array([x, x]) for x in point.inputs]
        got = compiled(*columns)
        assert compiled.traces == 1, f"{name} at {point} was not written for arrays"
        assert close(got, per_sample(vg, *columns))

    check()


# -- a user's operation in a batch ---------------------------------------------------------------


@ad.primitive(derivative=lambda x, out: 1 / (1 + x * x), array=np.arctan)
def atan_with_array(x: float) -> float:
    return math.atan(x)


@ad.primitive(derivative=lambda x, out: 1 / (1 + x * x))
def atan_without_array(x: float) -> float:
    return math.atan(x)


@ad.primitive(
    derivative=lambda x, out, *, k: k / (1 + x * x),
    array=lambda x, *, k: k * np.arctan(x),
)
def scaled_atan(x: float, *, k: float) -> float:
    return k * math.atan(x)


def atan_model(op: Callable[..., Any]) -> Callable[..., Any]:
    return lambda x, w: op(x * w).tanh()


def test_a_user_operation_with_an_array_form_is_vectorised() -> None:
    xs = np.linspace(-3.0, 3.0, 101)
    gradient = ad.compile(ad.grad(atan_model(atan_with_array), (0, 1)), vectorize=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no fallback, no warning
        dx, dw = gradient(xs, 0.7)
    assert gradient.traces == 1 and "_atan_with_array0(" in gradient.source
    for x, got_x, got_w in zip(xs, dx, dw):
        want = ad.grad(atan_model(atan_with_array), (0, 1))(float(x), 0.7)
        assert (got_x, got_w) == pytest.approx(want, rel=1e-12, abs=1e-15)
    scaled = ad.compile(lambda x: scaled_atan(x, k=2.0), vectorize=True)
    assert scaled(xs) == pytest.approx(2 * np.arctan(xs), rel=1e-15)
    assert scaled.traces == 1


def test_a_user_operation_without_one_runs_sample_by_sample_with_one_warning() -> None:
    xs = np.linspace(-3.0, 3.0, 11)
    f = ad.compile(atan_model(atan_without_array), vectorize=True)
    with pytest.warns(UserWarning) as heard:
        out = f(xs, 0.7)
    assert len(heard) == 1
    assert str(heard[0].message) == (
        "compile(<lambda>, vectorize=True): batches like this one run sample by sample, as slow "
        "as without vectorize, since the function cannot be written for NumPy arrays "
        "(NoArrayFormError: atan_without_array has no form for NumPy arrays: register it with "
        "primitive(..., array=<its forward on NumPy arrays>), as array=np.arctan for an atan)"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # once: the next batch says nothing
        again = f(xs, 0.7)
    assert f.traces == 0 and list(out) == list(again)
    assert list(out) == [math.tanh(math.atan(x * 0.7)) for x in xs]


def test_source_names_a_users_operation_after_it() -> None:
    f = ad.compile(ad.grad(atan_model(atan_without_array)))
    f(0.5, 0.7)
    assert "_atan_without_array0(" in f.source and "_f0" not in f.source

    @ad.primitive(derivative=lambda x, out: 1.0, name="not an identifier")
    def odd(x: float) -> float:
        return x

    g = ad.compile(lambda x: odd(x) * 2)
    g(1.0)
    assert "_f0(" in g.source  # a name that is no identifier is never written into code


def test_an_array_form_must_be_a_function() -> None:
    with pytest.raises(TypeError, match=r"primitive\(array=...\) needs the forward as a function"):
        ad.primitive(derivative=lambda x, out: 1.0, array="np.arctan({x})")(math.atan)
