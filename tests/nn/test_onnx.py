"""nn.to_onnx: the file it writes passes onnx.checker, and onnxruntime running it gives the
model's outputs, for batches of any size: to float32's precision by default, to 1e-12 in
float64."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

import nn

NEEDS = "needs PyTorch and ONNX's packages: pip install -e '.[onnx]'"
torch = pytest.importorskip("torch", reason=NEEDS)
onnx = pytest.importorskip("onnx", reason=NEEDS)
pytest.importorskip("onnxscript", reason=NEEDS)
onnxruntime = pytest.importorskip("onnxruntime", reason=NEEDS)
np = pytest.importorskip("numpy", reason=NEEDS)  # onnxruntime's inputs; onnx needs it


def model_with(activations: list[str]) -> nn.MLP:
    """An MLP 3 -> 4 -> ... -> 4 -> 3 with these activations, layer by layer, and biases."""
    model = nn.MLP(3, [4] * (len(activations) - 1) + [3], init="xavier", seed=0)
    sizes = [3] + [4] * (len(activations) - 1) + [3]
    model.layers = [
        nn.Layer(n_in, n_out, activation=name, init="xavier", seed=k, position=k)
        for k, (n_in, n_out, name) in enumerate(zip(sizes, sizes[1:], activations), 1)
    ]
    rng = random.Random(1)
    for layer in model.layers:
        for neuron in layer.neurons:
            neuron.b.data = rng.uniform(-1, 1)
    return model


def run(path: Path, xs: list[list[float]], dtype: type) -> list[list[float]]:
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (y,) = session.run(["y"], {"x": np.array(xs, dtype=dtype)})
    return y.tolist()  # type: ignore[no-any-return]


def samples(n: int) -> list[list[float]]:
    rng = random.Random(n)
    return [[rng.uniform(-3, 3) for _ in range(3)] for _ in range(n)]


EVERY_ACTIVATION = ["relu", "leaky_relu", "tanh", "sigmoid", "linear", "softmax"]


def test_the_file_checks_and_runs_with_the_models_outputs(tmp_path: Path) -> None:
    model = model_with(EVERY_ACTIVATION)
    path = nn.to_onnx(model, tmp_path / "model.onnx")
    assert path == tmp_path / "model.onnx"
    graph = onnx.load(path).graph
    assert [i.name for i in graph.input] == ["x"] and [o.name for o in graph.output] == ["y"]
    ops = [node.op_type for node in graph.node]
    assert ops.count("Gemm") == len(model.layers)  # z = W x + b, one per layer
    assert {"Relu", "LeakyRelu", "Tanh", "Sigmoid", "Softmax"} <= set(ops)
    for n in (1, 2, 7):  # any number of samples
        xs = samples(n)
        expected = nn.predict(model, xs)
        for row, want in zip(run(path, xs, np.float32), expected):
            assert row == pytest.approx(want, rel=1e-5, abs=1e-6)


def test_in_float64_the_outputs_agree_to_1e_12(tmp_path: Path) -> None:
    # onnxruntime has no float64 LeakyRelu: the other activations.
    model = model_with(["relu", "tanh", "sigmoid", "linear", "softmax"])
    path = nn.to_onnx(model, tmp_path / "model.onnx", dtype=torch.float64)
    xs = samples(5)
    for row, want in zip(run(path, xs, np.float64), nn.predict(model, xs)):
        assert row == pytest.approx(want, rel=1e-12, abs=1e-12)


def test_errors_of_the_arguments(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match=r"to_onnx\(path\) needs a file name, got 3"):
        nn.to_onnx(nn.MLP(2, [1]), 3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"to_torch\(model\) needs an nn.MLP"):
        nn.to_onnx(nn.Layer(2, 1), tmp_path / "model.onnx")  # type: ignore[arg-type]
