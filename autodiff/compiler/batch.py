"""Calling a compiled function on a batch: NumPy arrays in, per-sample results out.

An argument may be a number (the same for every sample) or an array whose first axis runs
over the samples: shape (B,) is one number per sample, (B, k) a list of k (a sample per row,
as `nn` keeps its data), and so on. The code is written by `autodiff.compiler.arrays` and runs
with NumPy's floating-point errors heard; where one occurs (an overflow, a log of a negative
number, 0 × ∞ where the eager engine would have skipped a zero gradient), or a guard fails for
some sample, or the code raises, the call runs sample by sample through the compiled function
for one sample, which is exact, and stacks (or reduces) what they give.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from autodiff.checks import as_float, is_real
from autodiff.compiler.arguments import NUMBER
from autodiff.distribution import install_hint
from autodiff.value import Value

if TYPE_CHECKING:
    from autodiff.compiler import Compiled, Written

REDUCTIONS = (None, "mean", "sum")
BATCH = "batch"
WHOLE = "whole"
"""An argument passed whole; a result that is its gradient, one array."""
ARRAY = "array"
"""A list of numbers a reduced batch returns: one array."""
ROWS = "rows"
"""A batch of samples each a row of numbers, passed as one array: a row per input."""


def numpy() -> Any:
    try:
        import numpy as np  # noqa: PLC0415 -- NumPy is optional: only vectorize needs it
    except ImportError:
        raise ImportError(
            f"compile(vectorize=True) runs on NumPy arrays: {install_hint('numpy')}"
        ) from None
    return np


def call_batch(compiled: Compiled, args: tuple[Any, ...], static: frozenset[int]) -> Any:
    """compiled on a batch: its vectorised code, or else each sample in turn."""
    np = numpy()
    leaves: list[Any] = []
    batched: list[bool] = []
    names = compiled.parameter_names(len(args))
    shapes = [
        ("static", a)
        if i in static
        else flatten(
            a, leaves, batched, f"{compiled.name}({names[i]}=...)", np, whole=i in compiled.whole
        )
        for i, a in enumerate(args)
    ]
    size = batch_size(leaves, batched)
    key = (tuple(_key(s) for s in shapes), tuple(batched))
    kept = compiled.kept.get(key)
    if kept is None:
        first = arguments_of_sample(shapes, leaves, batched, 0)
        try:
            rows = frozenset(i for i, s in enumerate(shapes) if s[0] == ROWS)
            written: Written | None = compiled.write(first, static, batched, rows)
        except Exception as error:  # an operation without an array form, say
            written = None
            warnings.warn(  # once: what is kept for these shapes says so from now on
                f"compile({compiled.name}, vectorize=True): batches like this one run sample "
                f"by sample, as slow as without vectorize, since the function cannot be "
                f"written for NumPy arrays ({type(error).__name__}: {error})",
                UserWarning,
                stacklevel=3,
            )
        compiled.traces += written is not None
        kept = compiled.kept[key] = [written]
    written = kept[0]
    if written is not None:
        flag = _Flag()
        with np.errstate(all="call", under="ignore", call=flag):
            try:
                out = written.function(*leaves, size)
            except Exception:  # GuardFailed for some sample among them
                flag.raised = True
        if not flag.raised and _finite([out] if written.single else out):
            compiled.source = written.source
            return out if written.single else _shaped(written.shape, iter(out), np)
    assert compiled.single is not None
    return sample_by_sample(compiled.single, shapes, leaves, batched, reduce=compiled.reduce, np=np)


def _finite(results: Sequence[Any]) -> bool:
    """Whether every number of the results (numbers, and arrays of them) is finite: their
    sum is finite only if each is (or, rarely, if it overflows: then the call runs again)."""
    total = 0.0
    for r in results:
        total += r if type(r) is float else r.sum()
    return math.isfinite(total)


class _Flag:
    """Told by NumPy of a floating-point error (overflow, invalid, division by zero)."""

    def __init__(self) -> None:
        self.raised = False

    def __call__(self, kind: str, flag: int) -> None:
        self.raised = True


def flatten(
    x: Any, leaves: list[Any], batched: list[bool], where: str, np: Any, *, whole: bool = False
) -> Any:
    """x's structure; its numbers and batch arrays appended to leaves (batched says which).
    An array (or list) passed ``whole`` is one leaf, not a batch; so is a batch of samples
    each a row of numbers, as its transpose: a row per input, as a layer takes them."""
    if whole and (isinstance(x, list | tuple) or (isinstance(x, np.ndarray) and x.ndim > 0)):
        array = _reals(np.asarray(x), where, np)
        leaves.append(array)
        batched.append(False)
        return (WHOLE, array.shape)
    if isinstance(x, np.ndarray):
        if x.ndim == 0:
            return flatten(x.item(), leaves, batched, where, np)
        if x.ndim <= 2:
            leaves.append(_reals(x, where, np).T)  # (k, B): row i is input i of every sample
            batched.append(True)
            return BATCH if x.ndim == 1 else (ROWS, x.shape[1])
        columns = np.moveaxis(x, 0, -1)  # a sample per row: the columns are the inputs
        return ("columns", tuple(flatten(c, leaves, batched, where, np) for c in columns))
    if isinstance(x, list | tuple):
        return (type(x), tuple(flatten(i, leaves, batched, where, np) for i in x))
    if isinstance(x, Value) or not is_real(x):
        raise TypeError(
            f"{where} needs a number, or an array with a row per sample, got {type(x).__name__!r}"
        )
    leaves.append(as_float(x, where))
    batched.append(False)
    return NUMBER


def _reals(x: Any, where: str, np: Any) -> Any:
    """x as an array of floats, or an error naming where it was given."""
    if x.dtype != np.float64:
        if not np.issubdtype(x.dtype, np.number) or np.issubdtype(x.dtype, np.complexfloating):
            raise TypeError(f"{where} needs an array of real numbers, got dtype {x.dtype}")
        x = x.astype(float)
    return x


def _key(shape: Any) -> Any:
    if shape[0] == "static":
        from autodiff.compiler.arguments import static_key  # noqa: PLC0415

        return ("static", static_key(shape[1]))
    return shape


def batch_size(leaves: Sequence[Any], batched: Sequence[bool]) -> int:
    sizes = {leaf.shape[-1] for leaf, is_batch in zip(leaves, batched) if is_batch}
    if len(sizes) > 1:
        raise ValueError(f"compile(vectorize=True): arrays of different lengths {sorted(sizes)}")
    if not sizes:
        raise ValueError("compile(vectorize=True) needs at least one argument that is an array")
    (size,) = sizes
    if size == 0:
        raise ValueError("compile(vectorize=True) got arrays of no samples")
    return int(size)


def arguments_of_sample(
    shapes: Sequence[Any], leaves: Sequence[Any], batched: Sequence[bool], i: int
) -> tuple[Any, ...]:
    """The arguments of sample i, shaped as they were given (arrays become lists)."""
    numbers = iter([leaf[..., i].tolist() if b else leaf for leaf, b in zip(leaves, batched)])
    return tuple(_rebuild(shape, numbers) for shape in shapes)


def _rebuild(shape: Any, numbers: Any) -> Any:
    if shape in (NUMBER, BATCH):
        return next(numbers)
    if shape[0] == "static":
        return shape[1]
    if shape[0] in (WHOLE, ROWS):
        return next(numbers)  # the array, or the sample's row of numbers
    kind, items = shape
    made = [_rebuild(item, numbers) for item in items]
    return tuple(made) if kind is tuple else made


def sample_by_sample(
    single: Any,
    shapes: Sequence[Any],
    leaves: Sequence[Any],
    batched: Sequence[bool],
    *,
    reduce: str | None,
    np: Any,
) -> Any:
    """The batch's results from each sample's, computed by single (exactly the eager ones)."""
    size = batch_size(leaves, batched)
    results = [single(*arguments_of_sample(shapes, leaves, batched, i)) for i in range(size)]
    return _stacked(results, reduce, np)


def _stacked(results: list[Any], reduce: str | None, np: Any) -> Any:
    first = results[0]
    if isinstance(first, list | tuple):
        made = [_stacked([r[k] for r in results], reduce, np) for k in range(len(first))]
        if isinstance(first, tuple):
            return tuple(made)
        numbers = reduce is not None and all(type(m) is float for m in made)
        return np.array(made) if numbers else made
    column = np.array(results, dtype=float)
    if reduce is None:
        return column
    return float(np.mean(column) if reduce == "mean" else np.sum(column))


def _shaped(shape: Any, numbers: Any, np: Any) -> Any:
    """The results (an iterator of them) in the structure shape says; with a reduction, a
    list of numbers is an array, and a whole argument's gradient one already."""
    if shape in (NUMBER, WHOLE):
        return next(numbers)
    kind, items = shape
    made = [_shaped(item, numbers, np) for item in items]
    if kind == ARRAY:
        return np.array(made)
    return tuple(made) if kind is tuple else made
