"""The robustness campaign: every public callable of autodiff and nn, given a bad argument.

Each `Call` is a good call of one public name. A property spoils one of its arguments with a
value from `spoilers()` (wrong types, NaN, ±inf, huge and tiny numbers, NumPy arrays and
scalars, empty and mismatched sequences, Values of another graph) and requires that the call
either works correctly, or raises TypeError/ValueError (or an error type of the project, or
OverflowError naming the operation) whose message names the call or the argument; and that a
call that failed changed nothing it was given (parameters, .grad, files).
"""

from __future__ import annotations

import importlib.util
import math
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support import fails

import autodiff as ad
import nn
from autodiff import Value

Args = dict[str, Any]
ALLOWED: tuple[type[Exception], ...] = (TypeError, ValueError, ArithmeticError, LookupError)
ALLOWED += (OSError, ad.RenderingError, ad.GradcheckError)
"""What a refused call may raise; ValueError covers DomainError and the project's others."""
OPERATION_ERRORS = (ad.DomainError, OverflowError)
"""Raised where an operation meets a value outside its domain: they name the operation (sin
inside a function being differentiated, say), as the engine's policy says."""


@dataclass(frozen=True)
class Call:
    """A good call of a public callable: ``function(*positional, **keywords)`` with fresh
    arguments from ``args()``, the first ``positional`` of them by position."""

    name: str
    function: Callable[..., Any]
    args: Callable[[], Args]
    positional: int = 0
    words: tuple[str, ...] = ()  # besides the name and the arguments', a message may say these
    correct: Callable[[Any, Args], None] = lambda result, args: None
    spoil: tuple[str, ...] | None = None  # the arguments to spoil (default: every one)

    def __call__(self, args: Args) -> Any:
        names = list(args)
        return self.function(
            *(args[n] for n in names[: self.positional]),
            **{n: args[n] for n in names[self.positional :]},
        )

    def clear(self, message: str, spoiled: str) -> bool:
        """Whether an error message names the call, its spoiled argument or what it says."""
        said = {self.name.split(".")[-1], spoiled, *self.words}
        return any(word in message for word in said)


# -- what must not change ---------------------------------------------------------------------


def state(args: Args) -> list[Any]:
    """Everything a call could change that it was given: Values (data, grad), models and
    optimizers (their parameters and state), files."""
    seen: list[Any] = []
    for arg in args.values():
        seen.extend(_state_of(arg))
    return seen


def _state_of(thing: Any) -> Iterator[Any]:
    if isinstance(thing, Value):
        yield thing.data, _number(thing.grad)
    elif isinstance(thing, nn.Module):
        yield from ((p.data, _number(p.grad)) for p in thing.parameters())
    elif isinstance(thing, nn.Optimizer):
        yield thing.steps, [p.data for p in thing.parameters], repr(thing.state())
    elif isinstance(thing, Path):
        yield thing.read_bytes() if thing.exists() else None
    elif isinstance(thing, list | tuple) and len(thing) < 50:
        for item in thing:
            yield from _state_of(item)


def _number(grad: Any) -> Any:
    return grad.data if isinstance(grad, Value) else grad


# -- bad arguments ------------------------------------------------------------------------------


def spoilers() -> st.SearchStrategy[Any]:
    """Values no public callable should take silently where something else was meant."""
    other = Value(2.0) * Value(3.0)  # a Value of another graph
    return st.sampled_from(
        [
            None,
            "1.5",
            b"x",
            object(),
            1 + 2j,
            True,
            {},
            {1.0},
            [],
            [1.0],
            [[1.0, 2.0]],
            [None],
            ["x", "y"],
            math.nan,
            math.inf,
            -math.inf,
            1e308,
            -1e308,
            5e-324,
            -0.0,
            0,
            -3,
            10**400,
            np.float64(math.nan),
            np.float64(2.5),
            np.float32(-1.5),
            np.int64(3),
            np.array(2.0),
            np.array([1.0, 2.0]),
            np.array([]),
            np.zeros((2, 3)),
            np.array([math.nan, 1.0]),
            Value(math.nan),
            other,
            (lambda x: x),
        ]
    )


# -- the calls ------------------------------------------------------------------------------------


def finite_or_nan(result: Any, args: Args) -> None:
    """An operation's result: a Value or a float (NaN in, NaN out is correct)."""
    values = result if isinstance(result, list) else [result]
    for value in values:
        assert isinstance(value, Value | float), f"returned {type(value).__name__}"


def operations() -> list[Call]:
    """Every built-in operation, called with Values at a point of its domain."""
    calls = []
    for name, function in sorted(ad.primitives.OPERATIONS.items()):
        prim = function.primitive
        if not prim.builtin:
            continue
        front = getattr(ad, name)  # dot and softmax: their own fronts
        calls.append(
            Call(
                f"autodiff.{name}",
                front,
                _operation_args(name),
                positional=3 if name == "dot" else prim.arity or 1,
                words=(prim.symbol, "input", "iterable", "real number", "x ** y"),
                correct=finite_or_nan,
            )
        )
    return calls


def _one() -> Value:
    return Value(0.7)


def _two() -> Value:
    return Value(1.3)


def _many() -> list[Value]:
    return [Value(0.5), Value(-0.25), Value(1.5)]


def _operation_args(name: str) -> Callable[[], Args]:
    one, two, many = _one, _two, _many
    special: dict[str, Callable[[], Args]] = {
        "dot": lambda: {"ws": many(), "xs": many(), "b": Value(0.1)},
        "power": lambda: {"x": one(), "exponent": 2.0},
        "exponential": lambda: {"y": one(), "base": 2.0},
        "leaky_relu": lambda: {"x": one(), "slope": 0.1},
    }
    if name in special:
        return special[name]
    arity = ad.PRIMITIVES[name].arity
    if arity == 1:
        return lambda: {"x": one()}
    if arity == 2:
        return lambda: {"x": one(), "y": two()}
    return lambda: {"values": many()}


def neuron() -> tuple[Value, list[Value]]:
    x, w, b = Value(2.0, "x"), Value(-3.0, "w"), Value(0.5, "b")
    y = (x * w + b).tanh()
    y.label = "y"
    return y, [x, w, b]


def _as_eager(result: Any, f: Callable[..., Any], x: Any) -> None:
    """A compiled function's result is the eager engine's (NaN for NaN)."""
    eager = f(Value(x)).data
    assert result == eager or (math.isnan(result) and math.isnan(eager)), (result, eager)


def _root() -> Value:
    return neuron()[0]


def _formulas_are(formulas: Any, node: Value) -> None:
    """One formula per input (tanh's, for the neuron's output); none for a leaf."""
    assert len(formulas) == len(node.parents)
    assert all(f.text.startswith("∂") for f in formulas)
    if node.op == "tanh":
        assert formulas[0].text == "∂y/∂x = 1 − y²"


def transforms() -> list[Call]:
    def cube(x: Any) -> Any:
        return x**3

    def two(x: Any, y: Any) -> Any:
        return x * ad.sin(y)

    def point(**more: Any) -> Callable[[], Args]:
        return lambda: {"x": 1.5, **more}

    calls = [
        Call("autodiff.Value", Value, lambda: {"data": 1.5, "label": "x"}, positional=1),
        Call(
            "autodiff.backward",
            ad.backward,
            lambda: {"root": _root(), "grad": 1.0, "create_graph": False},
            positional=2,
        ),
        Call(
            "autodiff.gradients",
            lambda output, inputs, grad, create_graph: ad.gradients(
                output, inputs, grad, create_graph=create_graph
            ),
            lambda: (
                dict(zip(("output", "inputs"), _neuron_and_leaves()))
                | {"grad": 1.0, "create_graph": False}
            ),
            positional=4,
        ),
        Call("autodiff.zero_grad", ad.zero_grad, lambda: {"values": neuron()[1]}, positional=1),
        Call(
            "autodiff.map",
            ad.map,
            lambda: {"f": lambda x, y: (x, y), "xs": [1.0, 2.0], "ys": [Value(3.0), 4.0]},
            positional=3,
            words=("sample", "batch"),
        ),
        Call(
            "autodiff.topological_order",
            ad.topological_order,
            lambda: {"root": _root()},
            positional=1,
        ),
        Call("autodiff.paths", ad.paths, lambda: {**_x_and_y(), "limit": 10}, positional=2),
        Call("autodiff.influence", ad.influence, _x_and_y, positional=2),
        Call(
            "autodiff.grad",
            lambda f, argnums, x: ad.grad(f, argnums)(x),
            point(f=cube, argnums=0),
            positional=3,
            words=("argnums", "argument", "number"),
        ),
        Call(
            "autodiff.value_and_grad",
            lambda f, argnums, x: ad.value_and_grad(f, argnums)(x),
            point(f=cube, argnums=0),
            positional=3,
            words=("argnums", "argument", "number", "grad"),
        ),
        Call(
            "autodiff.jacobian",
            lambda f, argnums, x, y: ad.jacobian(f, argnums)(x, y),
            lambda: {"f": two, "argnums": (0, 1), "x": 1.5, "y": 0.5},
            positional=4,
            words=("argnums", "argument", "number", "jacobian"),
        ),
        Call(
            "autodiff.hessian",
            lambda f, argnums, x: ad.hessian(f, argnums)(x),
            point(f=cube, argnums=0),
            positional=3,
            words=("argnums", "argument", "number", "grad", "jacobian"),
        ),
        Call(
            "autodiff.compile",
            lambda f, static_argnums, x: ad.compile(f, static_argnums=static_argnums)(x),
            point(f=cube, static_argnums=()),
            positional=3,
            words=("compile", "argument", "number"),
            correct=lambda result, args: _as_eager(result, cube, args["x"]),
        ),
        Call(
            "autodiff.hvp",
            lambda f, x, vector: ad.hvp(f)(x, vector=vector),
            lambda: {"f": cube, "x": 1.5, "vector": 1.0},
            positional=2,
            words=("argnums", "argument", "number", "grad"),
        ),
        Call(
            "autodiff.gradcheck",
            lambda f, x, eps, atol, rtol, order: ad.gradcheck(
                f, x, eps=eps, atol=atol, rtol=rtol, order=order
            ),
            lambda: {"f": cube, "x": 1.5, "eps": 1e-6, "atol": 1e-5, "rtol": 1e-3, "order": 1},
            positional=2,
            words=("argument", "∂f", "number", "grad"),
        ),
        Call(
            "autodiff.draw",
            ad.draw,
            lambda: {
                "root": _root(),
                "params": neuron()[1][1:],
                "highlight": None,
                "rankdir": "LR",
                "show_grad": True,
                "show_derivatives": True,
                "show_formulas": True,
                "number_format": ".3g",
                "max_nodes": 50,
            },
            positional=1,
            words=("output does not depend",),
        ),
        Call("autodiff.Undefined", ad.Undefined, lambda: {"message": "no"}, positional=1),
        Call(
            "autodiff.local_formulas",
            ad.local_formulas,
            lambda: {"node": _root()},
            positional=1,
            correct=lambda result, args: _formulas_are(result, args["node"]),
        ),
        Call(
            "autodiff.derivative_check",
            lambda operation, x, derivative, rtol, digits: ad.derivative_check(
                operation, x, derivative=derivative, rtol=rtol, digits=digits
            ),
            lambda: {
                "operation": ad.tanh,
                "x": 0.5,
                "derivative": lambda x: 1 - math.tanh(x) ** 2,
                "rtol": 1e-9,
                "digits": 40,
            },
            positional=2,
            words=("argument", "reference", "operation", "number"),
        ),
        Call(
            "autodiff.subgradient_check",
            lambda operation, x, h, atol: ad.subgradient_check(operation, x, h=h, atol=atol),
            lambda: {"operation": ad.relu, "x": 0.0, "h": 1e-7, "atol": 1e-6},
            positional=2,
            words=("argument", "operation", "number", "subgradient"),
        ),
        Call(
            "autodiff.backward_steps",
            lambda root, grad: list(ad.backward_steps(root, grad)),
            lambda: {"root": _root(), "grad": 1.0},
            positional=2,
        ),
        Call(
            "autodiff.draw_dot",
            ad.draw_dot,
            lambda: {"root": _root(), "rankdir": "TB"},
            positional=1,
        ),
        Call("autodiff.unit_of", ad.unit_of, lambda: {"value": _root()}, positional=1),
        Call(
            "autodiff.stepper",
            ad.stepper,
            lambda: {"root": _root(), "grad": 1.0},
            positional=2,
        ),
        Call(
            "autodiff.explore",
            lambda f, x, w, b: ad.explore(f, x=x, w=w, b=b),
            lambda: {"f": _neuron_of, "x": 2.0, "w": -3.0, "b": 0.5},
            positional=4,
            words=("argument of f", "function of Values"),
        ),
        Call(
            "autodiff.zoom",
            ad.zoom,
            lambda: {"diagram": _root(), "height": 300},
            positional=1,
        ),
        Call(
            "autodiff.Interval",
            ad.Interval,
            lambda: {"low": -1.0, "high": 1.0, "avoid": (0.0,), "gap": 1e-3},
            positional=2,
        ),
        Call("autodiff.Integers", ad.Integers, lambda: {"low": -2, "high": 3}, positional=2),
        Call(
            "autodiff.Domain",
            ad.Domain,
            lambda: {"inputs": ad.Interval(-1.0, 1.0), "count": (1, 3)},
            positional=1,
        ),
        Call(
            "autodiff.primitive",
            lambda derivative, name: ad.primitive(derivative, name=name)(_campaign_forward),
            lambda: {"derivative": lambda x, out: 1.0, "name": "campaign_op"},
            positional=1,
            words=("primitive", "registered", "forward"),
        ),
    ]
    return calls


def _campaign_forward(x: float) -> float:
    return x


def _neuron_of(x: Value, w: Value, b: Value) -> Value:
    return (x * w + b).tanh()


def _neuron_and_leaves() -> tuple[Value, list[Value]]:
    return neuron()


def _x_and_y() -> Args:
    y, leaves = neuron()
    return {"x": leaves[0], "y": y}


def nn_calls(folder: Path) -> list[Call]:
    def model() -> nn.MLP:
        return nn.MLP(2, [3, 1], seed=0)

    def data() -> tuple[list[list[float]], list[float]]:
        return [[0.5, 1.0], [-0.5, 0.2], [1.0, -1.0], [0.0, 0.3]], [1.0, -1.0, 1.0, -1.0]

    def fitted(**more: Any) -> Callable[[], Args]:
        def make() -> Args:
            m = model()
            x, y = data()
            return {
                "model": m,
                "x": x,
                "y": y,
                "loss": nn.hinge_loss,
                "optimizer": nn.SGD(m.parameters(), lr=0.1),
                "epochs": 2,
                "batch_size": 2,
                "l2": 1e-4,
                "seed": 0,
                "progress": False,
                "live": False,
                "compile": False,
                "vectorize": False,
                **more,
            }

        return make

    def finite_parameters(result: Any, args: Args) -> None:
        for p in args["model"].parameters():
            assert math.isfinite(p.data), f"fit left {p.label} = {p.data}"

    losses = {
        "mse_loss": ([[Value(0.5)]], [1.0]),
        "hinge_loss": ([Value(0.5)], [1]),
        "bce_loss": ([Value(0.5)], [1.0]),
        "cross_entropy_loss": ([[Value(0.5), Value(-1.0)]], [1]),
        "kl_loss": ([[Value(0.5), Value(-1.0)]], [[0.25, 0.75]]),
    }
    per_sample = {
        "mse_loss": {"outputs": [Value(0.5)], "target": 1.0},
        "hinge_loss": {"outputs": Value(0.5), "target": 1.0},
        "bce_loss": {"outputs": Value(0.5), "target": 1.0},
        "cross_entropy_loss": {"outputs": [Value(0.5), Value(-1.0)], "target": 1},
        "kl_loss": {"outputs": [Value(0.5), Value(-1.0)], "target": [0.25, 0.75]},
    }
    calls = [
        Call(
            "nn.fit",
            nn.fit,
            fitted(),
            positional=3,
            words=("sample", "target", "model", "loss", "optimizer", "epoch"),
            correct=finite_parameters,
        ),
        Call(
            "nn.fit(validation)",
            nn.fit,
            fitted(validation=(data()[0][:2], data()[1][:2])),
            positional=3,
            words=("sample", "target", "validation"),
            spoil=("validation",),
        ),
        Call(
            "nn.evaluate",
            lambda model, x, y, loss: nn.evaluate(model, x, y, loss=loss),
            lambda: {"model": model(), "x": data()[0], "y": data()[1], "loss": nn.hinge_loss},
            positional=4,
            words=("sample", "target", "model", "loss"),
        ),
        Call("nn.predict", nn.predict, lambda: {"model": model(), "x": data()[0]}, positional=2),
        Call("nn.classify", nn.classify, lambda: {"model": model(), "x": data()[0]}, positional=2),
        Call(
            "nn.MLP",
            nn.MLP,
            lambda: (
                {"nin": 2, "nouts": [3, 1], "activation": "tanh", "output": "linear"}
                | {"init": "xavier", "seed": 0}
            ),
            positional=2,
        ),
        Call(
            "nn.Layer",
            nn.Layer,
            lambda: {"nin": 2, "nout": 3, "activation": "tanh", "init": "he", "seed": 0},
            positional=2,
        ),
        Call(
            "nn.Neuron",
            nn.Neuron,
            lambda: {"nin": 2, "activation": "relu", "init": "uniform", "seed": 0},
            positional=1,
        ),
        Call(
            "nn.SGD",
            nn.SGD,
            lambda: (
                {"parameters": model().parameters(), "lr": 0.1, "momentum": 0.9}
                | {"weight_decay": 1e-4}
            ),
            positional=2,
        ),
        Call(
            "nn.Adam",
            nn.Adam,
            lambda: (
                {"parameters": model().parameters(), "lr": 0.01, "betas": (0.9, 0.99)}
                | {"eps": 1e-8, "weight_decay": 0.0}
            ),
            positional=2,
        ),
        Call(
            "nn.linear_decay",
            nn.linear_decay,
            lambda: {"start": 1.0, "end": 0.1, "steps": 10},
            positional=3,
        ),
        Call(
            "nn.l2_penalty",
            nn.l2_penalty,
            lambda: {"parameters": model().parameters(), "alpha": 1e-4},
            positional=2,
        ),
        Call("nn.layer_of", nn.layer_of, lambda: {"value": model()([1.0, 2.0])}, positional=1),
        Call("nn.neuron_of", nn.neuron_of, lambda: {"value": model()([1.0, 2.0])}, positional=1),
        Call(
            "nn.save",
            nn.save,
            lambda: {"model": model(), "path": folder / "model.json"},
            positional=2,
            words=("cannot save", "folder"),
        ),
        Call(
            "nn.load",
            nn.load,
            lambda: {"model": model(), "path": _saved(folder, model())},
            positional=2,
            words=("parameter file", "does not fit"),
        ),
        Call("nn.load_digits", nn.load_digits, lambda: {"task": "two"}, positional=1),
        Call(
            "nn.minibatches",
            lambda x, y, batch_size, shuffle, seed: list(
                nn.minibatches(x, y, batch_size, shuffle=shuffle, seed=seed)
            ),
            lambda: (
                {"x": data()[0], "y": data()[1], "batch_size": 2, "shuffle": True} | {"seed": 0}
            ),
            positional=5,
            words=("samples", "targets"),
        ),
        Call(
            "nn.train_test_split",
            nn.train_test_split,
            lambda: {"x": data()[0], "y": data()[1], "test_fraction": 0.25, "seed": 0},
            positional=2,
            words=("samples", "targets"),
        ),
        Call(
            "nn.plot_history",
            nn.plot_history,
            lambda: {"history": nn.History([1.0, 0.5], [0.5, 0.75])},
            positional=1,
            words=("History",),
        ),
        Call(
            "nn.plot_decision_boundary",
            nn.plot_decision_boundary,
            lambda: {"model": model(), "x": data()[0], "y": data()[1], "resolution": 5},
            positional=3,
            words=("2-D points", "sample", "model", "targets"),
        ),
        # Plots are drawn too (.svg()): what a plot takes must draw, or be refused at once.
        Call(
            "nn.Plot",
            lambda **options: nn.Plot(**options).line([1, 2], [0.5, 0.25]).svg(),
            lambda: (
                {"title": "t", "xlabel": "x", "ylabel": "y", "log_y": True}
                | {"width": 300, "height": 200, "axes": True}
            ),
        ),
        Call(
            "nn.Plot.line",
            lambda x, y, **options: nn.Plot().line(x, y, **options).svg(),
            lambda: (
                {"x": [1, 2], "y": [0.5, 0.25], "label": "a", "colour": "black"}
                | {"dashed": True, "markers": True}
            ),
            positional=2,
        ),
        Call(
            "nn.Plot.scatter",
            lambda x, y, **options: nn.Plot().scatter(x, y, **options).svg(),
            lambda: (
                {"x": [0, 1], "y": [1, 0], "colour": [0.0, 1.0], "colours": "greys"}
                | {"label": "p"}
            ),
            positional=2,
        ),
        Call(
            "nn.Plot.heatmap",
            lambda rows, **options: nn.Plot().heatmap(rows, **options).svg(),
            lambda: (
                {"rows": [[0.0, 1.0]], "x": (0.0, 1.0), "y": (0.0, 1.0), "colours": "greys"}
                | {"low": 0.0, "high": 1.0, "numbers": ".1f", "column_labels": ["a", "b"]}
                | {"row_labels": ["r"]}
            ),
            positional=1,
        ),
        Call(
            "nn.Figure",
            lambda left, right, title: nn.Figure(left, right, title=title).svg(),
            lambda: {"left": nn.Plot(), "right": nn.Plot(), "title": "two"},
            positional=2,
        ),
    ]
    for name in ("make_moons", "make_circles", "make_spirals", "make_xor"):
        calls.append(
            Call(
                f"nn.{name}",
                getattr(nn, name),
                lambda: {"n": 10, "noise": 0.1, "seed": 0},
                positional=1,
            )
        )
    for name, (outputs, targets) in losses.items():
        calls.append(
            Call(
                f"nn.{name}",
                getattr(nn, name),
                _loss_args(outputs, targets),
                positional=2,
                words=("loss", "target", "output"),
            )
        )
    for name, args in per_sample.items():
        calls.append(
            Call(
                f"nn.{name}.per_sample",
                getattr(nn, name).per_sample,
                _copied(args),
                positional=2,
                words=("target", "output", "the ", "Value"),
            )
        )
    return calls + (pytorch_calls(folder, model) if installed(*PYTORCH_PACKAGES) else [])


PYTORCH_PACKAGES = ("torch", "onnx", "onnxscript")
"""What nn's way to PyTorch and ONNX needs (the extra onnx): its calls are made where installed."""


def installed(*packages: str) -> bool:
    return all(importlib.util.find_spec(package) for package in packages)


def pytorch_calls(folder: Path, model: Callable[[], nn.MLP]) -> list[Call]:
    import torch  # noqa: PLC0415 -- only where installed

    return [
        Call("nn.to_torch", nn.to_torch, lambda: {"model": model(), "dtype": torch.float32}, 1),
        Call("nn.from_torch", nn.from_torch, lambda: {"module": nn.to_torch(model())}, 1),
        Call("nn.to_torch_loss", nn.to_torch_loss, lambda: {"loss": nn.kl_loss}, positional=1),
        Call(
            "nn.to_onnx",
            nn.to_onnx,
            lambda: {"model": model(), "path": folder / "model.onnx", "dtype": torch.float64},
            positional=2,
            words=("to_torch",),
            spoil=("model", "dtype"),  # a spoiled path would be a file name, written anywhere
        ),
    ]


def _loss_args(outputs: Any, targets: Any) -> Callable[[], Args]:
    return lambda: {"outputs": outputs, "targets": targets, "reduction": "sum"}


def _copied(args: Args) -> Callable[[], Args]:
    return lambda: dict(args)


def _saved(folder: Path, model: nn.MLP) -> Path:
    path = folder / "saved.json"
    nn.save(model, path)
    return path


NOT_CALLED = {
    # Constants, types and what public functions return, not called with arguments of users'.
    "PRIMITIVES": "a mapping",
    "LEAKY_SLOPE": "a number",
    "ACTIVATIONS": "a tuple of names",
    "INITS": "a mapping of names",
    "Operand": "a type alias",
    "checks": "the module of argument checks, which every call here goes through",
    "DomainError": "an exception",
    "GradcheckError": "an exception",
    "RenderingError": "an exception",
    "TooManyPathsError": "an exception",
    "Primitive": "made by registering (autodiff.primitive)",
    "Diagram": "made by autodiff.draw",
    "InfluencePath": "made by autodiff.paths",
    "BackwardStep": "made by autodiff.backward_steps",
    "Compiled": "made by autodiff.compile",
    "TraceError": "an exception",
    "Unit": "made by autodiff.unit_of",
    "Formula": "made by autodiff.local_formulas",
    "positive": "a guard: arithmetic on any kind of number (Values, floats, mpmath's), unchecked",
    "bounded": "a guard: arithmetic on any kind of number (Values, floats, mpmath's), unchecked",
    "is_grad_enabled": "takes no argument",
    "no_grad": "takes no argument",
    "Evaluation": "made by nn.evaluate",
    "History": "made by nn.fit",
    "Module": "a base class",
    "Optimizer": "a base class (nn.SGD, nn.Adam are called)",
    "Loss": "a base class (each loss is called)",
    **{
        name: "needs PyTorch and ONNX's packages, which are not installed"
        for name in ("to_torch", "from_torch", "to_torch_loss", "to_onnx")
        if not installed(*PYTORCH_PACKAGES)
    },
}


def every_call(folder: Path) -> list[Call]:
    return [*operations(), *transforms(), *nn_calls(folder)]


def spoiled(call: Call, args: Args, name: str, value: Any) -> Args:
    return {**args, name: value}


def check(call: Call, name: str, value: Any) -> None:
    """The property: the call with argument `name` spoiled by `value` works correctly, or
    fails clearly and changes nothing."""
    args = spoiled(call, call.args(), name, value)
    before = state(args)
    try:
        result = call(args)
    except ALLOWED as error:
        message = " ".join([str(error), *getattr(error, "__notes__", [])])
        assert isinstance(error, OPERATION_ERRORS) or call.clear(message, name), (
            f"{call.name}({name}={_shown(value)}): {type(error).__name__}: {message!r} names "
            "neither the call nor the argument"
        )
        if isinstance(error, ArithmeticError) and not isinstance(error, OverflowError):
            raise AssertionError(f"{call.name}({name}={_shown(value)}): bare {error!r}") from None
        if any(note.startswith("fit: epoch") for note in getattr(error, "__notes__", [])):
            return  # a step failed mid-training: that step undone, the ones before kept
        after = state(args)
        assert after == before or _same(after, before), (
            f"{call.name}({name}={_shown(value)}) failed, and changed what it was given"
        )
    else:
        call.correct(result, args)


def _same(a: Sequence[Any], b: Sequence[Any]) -> bool:
    """Equal, NaN counted equal to NaN (a Value that holds NaN and keeps it is unchanged)."""
    return repr(a) == repr(b)


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) < 40 else text[:37] + "..."


# -- the tests ---------------------------------------------------------------------------------

CALLS = {call.name: call for call in every_call(Path("."))}


def test_every_public_name_is_called_or_said_why_not() -> None:
    called = {name.split(".")[1].split("(")[0] for name in CALLS}
    for package in (ad, nn):
        for name in package.__all__:
            assert name in called or name in NOT_CALLED, f"{package.__name__}.{name}"


def campaign(name: str, folder: Path) -> Callable[[], None]:
    """The property for one call: spoil each of its arguments with every kind of bad value."""
    call = {c.name: c for c in every_call(folder)}[name]
    names = call.spoil or tuple(call.args())

    @given(st.sampled_from(names), spoilers())
    def spoil(argument: str, value: Any) -> None:
        check(call, argument, value)

    return spoil


# A spoiled f may not depend on its argument; the transforms warn, rightly, that its gradient is 0.
@pytest.mark.filterwarnings("ignore:the output does not depend on the argument")
@pytest.mark.parametrize("name", sorted(CALLS))
def test_a_bad_argument_gets_a_clear_error_or_a_correct_result(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(
        tmp_path
    )  # a path spoiled into "1.5" is a file written here, not in the checkout
    settings(max_examples=int(os.environ.get("CAMPAIGN_EXAMPLES", "40")))(
        campaign(name, tmp_path)
    )()


def test_the_campaign_catches_a_check_left_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # fit without its check of the samples: NaN inputs go through and wreck the parameters.
    monkeypatch.setattr(nn.train, "check_samples", _samples_unchecked)
    fails(campaign("nn.fit", tmp_path))


def _samples_unchecked(x: Any, n_inputs: int, where: str) -> list[Any]:
    return [list(sample) for sample in x]
