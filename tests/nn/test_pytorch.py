"""An nn model in PyTorch and back (nn/pytorch.py): the same numbers, both ways.

For random models (sizes, activations, initial weights, biases) and batches, in float64: the
outputs agree to 1e-12, and through each loss the loss and every parameter's gradient to
1e-10; a model read back from PyTorch is the same model, to the bit. Each property is written
against a mapping passed in, and run once against a deliberately wrong one, to show that it
can fail. Then training: SGD takes the same steps in both, and a model trained here, trained
more in PyTorch and read back, keeps working. (ONNX: tests/nn/test_onnx.py.)
"""

from __future__ import annotations

import itertools
import random
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import fails

import nn

torch = pytest.importorskip("torch", reason="needs PyTorch: pip install -e '.[torch]'")

Property = Callable[[], None]
Export = Callable[[nn.MLP], Any]
LossInTorch = Callable[[nn.Loss], Any]
LOSSES = [nn.mse_loss, nn.hinge_loss, nn.bce_loss, nn.cross_entropy_loss, nn.kl_loss]


def agree(actual: float, expected: float, tolerance: float) -> bool:
    """Equal to `tolerance`, relative to the size of the expected number where it is > 1."""
    return abs(actual - expected) <= tolerance * max(1.0, abs(expected))


# -- random models, inputs and targets ------------------------------------------------------


@st.composite
def models(
    draw: st.DrawFn, outputs: Sequence[int] = range(1, 5), last: Sequence[str] = ()
) -> nn.MLP:
    """An MLP of 0 to 3 hidden layers, its activations, initial weights and biases drawn (an
    MLP starts with biases 0: here each is drawn from U(−1, 1)); its number of outputs and
    output activation from those given (`last`: any if none)."""
    sizes = [*draw(st.lists(st.integers(1, 5), max_size=3)), draw(st.sampled_from(outputs))]
    model = nn.MLP(
        draw(st.integers(1, 4)),
        sizes,
        activation=draw(st.sampled_from(nn.ACTIVATIONS)),
        output=draw(st.sampled_from(last or nn.ACTIVATIONS)),
        init=draw(st.sampled_from(sorted(nn.INITS))),
        seed=draw(st.integers(0, 2**32 - 1)),
    )
    rng = random.Random(draw(st.integers(0, 2**32 - 1)))
    for layer in model.layers:
        for neuron in layer.neurons:
            neuron.b.data = rng.uniform(-1, 1)
    return model


def batches(n_inputs: int) -> st.SearchStrategy[list[list[float]]]:
    sample = st.lists(st.floats(-3, 3), min_size=n_inputs, max_size=n_inputs)
    return st.lists(sample, min_size=1, max_size=5)


def distributions(n: int) -> st.SearchStrategy[list[float]]:
    """Distributions over n classes, some with zeros."""
    weights = st.lists(st.sampled_from([0.0, 0.5, 1.0, 2.0, 3.0]), min_size=n, max_size=n)
    return weights.filter(any).map(lambda ws: [w / sum(ws) for w in ws])


# What each loss takes: a model's number of outputs and output activation, and its targets.
LOSS_CASES: dict[str, tuple[Sequence[int], Sequence[str], Callable[[int], Any]]] = {
    "mean squared error": (
        (1, 2, 3),
        (),
        lambda n: st.lists(st.floats(-3, 3), min_size=n, max_size=n),
    ),
    "hinge": ((1,), (), lambda n: st.sampled_from([-1, 1])),
    "binary cross-entropy": ((1,), ("sigmoid", "linear"), lambda n: st.floats(0, 1)),
    "cross-entropy": ((2, 3, 4), ("softmax", "linear"), lambda n: st.integers(0, n - 1)),
    "KL divergence": ((2, 3, 4), ("softmax", "linear"), distributions),
}


# One target for each loss, drawn from a generator, for a model of n outputs.
SOME_TARGET: dict[str, Callable[[random.Random, int], Any]] = {
    "mean squared error": lambda rng, n: [rng.uniform(-1, 1) for _ in range(n)],
    "hinge": lambda rng, n: rng.choice([-1, 1]),
    "binary cross-entropy": lambda rng, n: rng.random(),
    "cross-entropy": lambda rng, n: rng.randrange(n),
    "KL divergence": lambda rng, n: [
        w / sum(ws) for ws in [[rng.random() for _ in range(n)]] for w in ws
    ],
}


def tensor(rows: list[list[float]]) -> Any:
    return torch.tensor(rows, dtype=torch.float64)


def nn_outputs(model: nn.MLP, xs: list[list[float]]) -> list[list[float]]:
    return [[v.data for v in model.forward(x)] for x in xs]


def logits_of(module: Any, model: nn.MLP) -> Any:
    """The module without its output activation, as `model.logits` is the model without it."""
    return module if model.output_activation == "linear" else module[:-1]


def linears(module: Any) -> list[Any]:
    return [m for m in module if isinstance(m, torch.nn.Linear)]


# -- the properties ---------------------------------------------------------------------------


def outputs_agree(export: Export = nn.to_torch) -> Property:
    """The exported module's outputs on a batch are the model's, to 1e-12."""

    @given(models(), st.data())
    def check(model: nn.MLP, data: st.DataObject) -> None:
        xs = data.draw(batches(model.nin))
        actual = export(model)(tensor(xs)).tolist()
        for sample, (row, expected) in enumerate(zip(actual, nn_outputs(model, xs))):
            for a, e in zip(row, expected):
                assert agree(a, e, 1e-12), f"{model!r}\nsample {sample}: {a} != {e}"

    return check


def gradients_agree(
    export: Export = nn.to_torch, in_torch: LossInTorch = nn.to_torch_loss
) -> Property:
    """Through each loss, in PyTorch as in nn: the loss of a batch agrees to 1e-12, and the
    gradient of every weight and bias to 1e-10."""

    @given(st.sampled_from(LOSSES), st.data())
    def check(loss: nn.Loss, data: st.DataObject) -> None:
        outputs, last, targets = LOSS_CASES[loss.name]
        model = data.draw(models(outputs, last))
        xs = data.draw(batches(model.nin))
        ts = data.draw(st.lists(targets(model.nout), min_size=len(xs), max_size=len(xs)))
        ours = loss([model.logits(x) if loss.link else model.forward(x) for x in xs], ts)
        model.zero_grad()
        ours.backward()
        module = export(model)
        outputs_or_logits = logits_of(module, model) if loss.link else module
        theirs = in_torch(loss)(outputs_or_logits(tensor(xs)), ts)
        theirs.backward()
        assert agree(theirs.item(), ours.data, 1e-12), f"{loss}: {theirs.item()} != {ours.data}"
        for k, (layer, linear) in enumerate(zip(model.layers, linears(module)), 1):
            for j, neuron in enumerate(layer.neurons):
                for i, w in enumerate(neuron.w):
                    g = linear.weight.grad[j][i].item()
                    assert agree(g, w.grad, 1e-10), f"{loss}, ∂L/∂{w.label}: {g} != {w.grad}"
                g = linear.bias.grad[j].item()
                assert agree(g, neuron.b.grad, 1e-10), f"{loss}, ∂L/∂b{k}.{j + 1}: {g}"

    return check


def round_trip_is_exact(read_back: Callable[[Any], nn.MLP] = nn.from_torch) -> Property:
    """A model exported and read back has the same layers, activations and parameters, to
    the bit."""

    @given(models())
    def check(model: nn.MLP) -> None:
        back = read_back(nn.to_torch(model))
        assert repr(back) == repr(model)
        assert back.named_parameters() != []
        for (name, p), (_, q) in zip(model.named_parameters(), back.named_parameters()):
            assert p.data == q.data, f"{name}: {p.data} != {q.data}"

    return check


# Modules of PyTorch that nn maps, to build Sequentials the way a PyTorch user writes them.
TORCH_ACTIVATIONS: list[Callable[[], Any] | None] = [
    None,
    torch.nn.ReLU,
    lambda: torch.nn.LeakyReLU(0.01),
    torch.nn.Tanh,
    torch.nn.Sigmoid,
    lambda: torch.nn.Softmax(dim=-1),
    lambda: torch.nn.Softmax(dim=1),
    torch.nn.Identity,
]


@st.composite
def sequentials(draw: st.DrawFn) -> Any:
    """A torch.nn.Sequential of 1 to 4 Linear layers, each followed by any activation nn
    maps (a different one for each layer), its weights and biases drawn."""
    sizes = draw(st.lists(st.integers(1, 5), min_size=2, max_size=5))
    rng = random.Random(draw(st.integers(0, 2**32 - 1)))
    modules = []
    for n_in, n_out in itertools.pairwise(sizes):
        linear = torch.nn.Linear(n_in, n_out, dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(
                tensor([[rng.gauss(0, 1) for _ in range(n_in)] for _ in range(n_out)])
            )
            linear.bias.copy_(
                torch.tensor([rng.uniform(-1, 1) for _ in range(n_out)], dtype=torch.float64)
            )
        activation = draw(st.sampled_from(TORCH_ACTIVATIONS))
        modules += [linear] if activation is None else [linear, activation()]
    return torch.nn.Sequential(*modules)


def imported_model_computes_the_same(
    read_back: Callable[[Any], nn.MLP] = nn.from_torch,
) -> Property:
    """A model read from a Sequential that a PyTorch user wrote computes what it computes."""

    @given(sequentials(), st.data())
    def check(module: Any, data: st.DataObject) -> None:
        model = read_back(module)
        xs = data.draw(batches(model.nin))
        with torch.no_grad():
            expected = module(tensor(xs)).tolist()
        for row, actual in zip(expected, nn_outputs(model, xs)):
            for a, e in zip(actual, row):
                assert agree(a, e, 1e-12), f"{module}\n{model!r}: {a} != {e}"

    return check


def test_outputs_agree() -> None:
    outputs_agree()()


def test_gradients_agree_through_each_loss() -> None:
    gradients_agree()()


def test_a_model_exported_and_read_back_is_the_same_to_the_bit() -> None:
    round_trip_is_exact()()


def test_a_model_read_from_pytorch_computes_what_it_computes() -> None:
    imported_model_computes_the_same()()


# -- each property fails against a wrong mapping ---------------------------------------------


def changed(change: Callable[[Any], None]) -> Export:
    """to_torch, then change applied to each module of the result, under no_grad."""

    def export(model: nn.MLP) -> Any:
        module = nn.to_torch(model)
        with torch.no_grad():
            for child in module:
                change(child)
        return module

    return export


def transpose_square(child: Any) -> None:
    """weight[j][i] = w.{i}.{j}: possible only where a layer has as many inputs as outputs."""
    if isinstance(child, torch.nn.Linear) and child.in_features == child.out_features:
        child.weight.copy_(child.weight.T.clone())


def reverse_inputs(child: Any) -> None:
    if isinstance(child, torch.nn.Linear):
        child.weight.copy_(child.weight.flip(1))


def drop_bias(child: Any) -> None:
    if isinstance(child, torch.nn.Linear):
        child.bias.zero_()


def leaky_slope_a_tenth(child: Any) -> None:
    if isinstance(child, torch.nn.LeakyReLU):
        child.negative_slope = 0.1


def softmax_over_the_batch(child: Any) -> None:
    if isinstance(child, torch.nn.Softmax):
        child.dim = 0


@pytest.mark.parametrize(
    "change",
    [transpose_square, reverse_inputs, drop_bias, leaky_slope_a_tenth, softmax_over_the_batch],
)
def test_outputs_property_catches_a_wrong_mapping(change: Callable[[Any], None]) -> None:
    fails(outputs_agree(changed(change)))


@pytest.mark.parametrize("change", [transpose_square, drop_bias, leaky_slope_a_tenth])
def test_gradients_property_catches_a_wrong_mapping(change: Callable[[Any], None]) -> None:
    fails(gradients_agree(export=changed(change)))


def wrong_loss(name: str, batch_sum: Callable[[Any, Any], Any]) -> LossInTorch:
    """to_torch_loss, but the loss called name computed as batch_sum(outputs, targets)."""

    def in_torch(loss: nn.Loss) -> Any:
        right = nn.to_torch_loss(loss)
        if loss.name != name:
            return right
        return lambda outputs, targets: batch_sum(outputs, nn.pytorch.like(torch, targets, outputs))

    return in_torch


def test_gradients_property_catches_mse_averaged_over_the_outputs_too() -> None:
    # torch's own MSELoss(): the mean over every number, samples × outputs.
    fails(gradients_agree(in_torch=wrong_loss("mean squared error", torch.nn.MSELoss())))


def test_gradients_property_catches_a_sum_for_a_mean() -> None:
    def summed(z: Any, t: Any) -> Any:
        return torch.nn.BCEWithLogitsLoss(reduction="sum")(z, t)

    fails(gradients_agree(in_torch=wrong_loss("binary cross-entropy", summed)))


def test_gradients_property_catches_kl_computed_as_cross_entropy() -> None:
    # Its gradient is the KL divergence's; its value is more by the targets' entropy.
    fails(gradients_agree(in_torch=wrong_loss("KL divergence", torch.nn.CrossEntropyLoss())))


def test_round_trip_property_catches_a_float32_copy() -> None:
    fails(round_trip_is_exact(lambda module: nn.from_torch(module.to(torch.float32))))


def test_import_property_catches_a_wrong_mapping() -> None:
    def inputs_reversed(module: Any) -> nn.MLP:
        model = nn.from_torch(module)
        for layer in model.layers:
            for neuron in layer.neurons:
                for w, number in zip(neuron.w, [w.data for w in reversed(neuron.w)]):
                    w.data = number
        return model

    fails(imported_model_computes_the_same(inputs_reversed))


# -- training ---------------------------------------------------------------------------------


@pytest.mark.parametrize("loss", LOSSES, ids=[loss.name for loss in LOSSES])
def test_sgd_takes_the_same_steps_in_both(loss: nn.Loss) -> None:
    """Ten steps of SGD on the same batch, in nn and in PyTorch: the same parameters."""
    outputs, last, _ = LOSS_CASES[loss.name]
    model = nn.MLP(
        3, [4, outputs[-1]], activation="tanh", output=last[0] if last else "linear", seed=1
    )
    rng = random.Random(2)
    xs = [[rng.uniform(-2, 2) for _ in range(3)] for _ in range(6)]
    ts = [SOME_TARGET[loss.name](rng, model.nout) for _ in xs]
    module = nn.to_torch(model)
    nn.fit(
        model,
        xs,
        ts,
        loss=loss,
        optimizer=nn.SGD(model.parameters(), lr=0.1),
        epochs=10,
        progress=False,
    )
    optimizer = torch.optim.SGD(module.parameters(), lr=0.1)
    in_torch = nn.to_torch_loss(loss)
    for _ in range(10):
        optimizer.zero_grad()
        outputs_or_logits = logits_of(module, model) if loss.link else module
        in_torch(outputs_or_logits(tensor(xs)), ts).backward()
        optimizer.step()
    back = nn.from_torch(module)
    for (name, p), (_, q) in zip(model.named_parameters(), back.named_parameters()):
        assert agree(q.data, p.data, 1e-10), f"{name}: {q.data} != {p.data}"


def test_a_model_trained_here_then_in_pytorch_comes_back_working() -> None:
    points, classes = nn.make_moons(60, noise=0.1, seed=0)
    y = [2 * c - 1 for c in classes]

    def train_here(model: nn.MLP, epochs: int) -> nn.History:
        optimizer = nn.SGD(model.parameters(), lr=0.2)
        return nn.fit(
            model, points, y, loss=nn.hinge_loss, optimizer=optimizer, epochs=epochs, progress=False
        )

    model = nn.MLP(2, [8, 8, 1], seed=0)
    train_here(model, 15)
    exported = nn.evaluate(model, points, y, loss=nn.hinge_loss)

    module = nn.to_torch(model)
    optimizer = torch.optim.SGD(module.parameters(), lr=0.2)
    hinge = nn.to_torch_loss(nn.hinge_loss)
    for _ in range(30):
        optimizer.zero_grad()
        hinge(module(tensor(points)), y).backward()
        optimizer.step()

    back = nn.from_torch(module)
    assert nn.predict(back, points) == pytest.approx(
        module(tensor(points)).squeeze(1).tolist(), abs=1e-12
    )
    returned = nn.evaluate(back, points, y, loss=nn.hinge_loss)
    assert returned.loss < exported.loss
    assert returned.accuracy is not None and exported.accuracy is not None
    assert returned.accuracy >= exported.accuracy
    assert train_here(back, 10).loss[-1] < returned.loss


def test_the_copy_is_independent_and_the_global_rng_untouched() -> None:
    model = nn.MLP(2, [3, 1], seed=0)
    state = torch.random.get_rng_state()
    module = nn.to_torch(model)
    assert torch.equal(torch.random.get_rng_state(), state)
    with torch.no_grad():
        module[0].weight.add_(1.0)
    assert model.layers[0].neurons[0].w[0].data != module[0].weight[0][0].item()


def test_dtype_is_float64_unless_chosen() -> None:
    model = nn.MLP(2, [3, 1], activation="tanh", seed=0)
    assert {p.dtype for p in nn.to_torch(model).parameters()} == {torch.float64}
    single = nn.to_torch(model, dtype=torch.float32)
    assert {p.dtype for p in single.parameters()} == {torch.float32}
    expected = nn.predict(model, [[0.5, -1.0]])[0]
    assert single(torch.tensor([[0.5, -1.0]])).item() == pytest.approx(expected, rel=1e-6)


def test_activations_map_to_their_modules() -> None:
    model = nn.MLP(1, [1, 1, 1, 1, 1, 1], activation="relu", output="softmax")
    names = ["relu", "leaky_relu", "tanh", "sigmoid", "linear", "softmax"]
    model.layers = [nn.Layer(1, 1, activation=name, position=k) for k, name in enumerate(names, 1)]
    shown = [repr(m) for m in nn.to_torch(model) if not isinstance(m, torch.nn.Linear)]
    assert shown == [
        "ReLU()",
        "LeakyReLU(negative_slope=0.01)",
        "Tanh()",
        "Sigmoid()",
        "Softmax(dim=-1)",
    ]


# -- what cannot be mapped is refused, naming the module and why ------------------------------


def linear(n_in: int, n_out: int, **options: Any) -> Any:
    return torch.nn.Linear(n_in, n_out, dtype=torch.float64, **options)


Linear: Any = torch.nn.Linear


class Scaled(Linear):  # type: ignore[misc]
    """A Linear whose forward is not Linear's."""

    def forward(self, x: Any) -> Any:
        return 2 * super().forward(x)


@pytest.mark.parametrize(
    ("modules", "message"),
    [
        (
            [torch.nn.Conv1d(1, 1, 1)],
            "module 0, Conv1d(1, 1, kernel_size=(1,), stride=(1,)), is a module nn has no",
        ),
        (
            [linear(2, 3), torch.nn.Dropout()],
            "Dropout(p=0.5, inplace=False), is a module nn has no layer for: it maps Linear, "
            "ReLU, LeakyReLU, Tanh, Sigmoid, Softmax, Identity",
        ),
        ([linear(2, 3, bias=False)], "has no bias: each neuron of nn has one"),
        (
            [linear(2, 3), torch.nn.LeakyReLU(0.2)],
            "module 1, LeakyReLU(negative_slope=0.2), has negative_slope=0.2: "
            "nn's leaky_relu has negative_slope=0.01",
        ),
        ([linear(2, 3), torch.nn.Softmax(dim=0)], "has dim=0: nn's softmax has dim=-1"),
        ([torch.nn.ReLU(), linear(2, 3)], "module 0, ReLU(), comes before any Linear layer"),
        (
            [linear(2, 3), torch.nn.ReLU(), torch.nn.Tanh()],
            "module 2, Tanh(), follows the activation relu: an nn layer has one",
        ),
        ([linear(2, 3), linear(4, 1)], "takes 4 inputs, but the layer before gives 3"),
        ([torch.nn.Sequential(linear(2, 3))], "is a module nn has no layer for"),
        (
            [Scaled(2, 3)],
            "module 0, Scaled(in_features=2, out_features=3, bias=True), is a module nn has no",
        ),
        ([torch.nn.Identity()], "from_torch(module) has no Linear layer"),
    ],
)
def test_from_torch_refuses_what_nn_cannot_map(modules: list[Any], message: str) -> None:
    with pytest.raises(ValueError, match=r"^from_torch") as error:
        nn.from_torch(torch.nn.Sequential(*modules))
    assert message in str(error.value)


def test_errors_of_the_arguments() -> None:
    with pytest.raises(
        TypeError, match=r"from_torch\(module\) needs a torch.nn.Sequential.*'Linear'"
    ):
        nn.from_torch(linear(2, 3))
    with warnings.catch_warnings():  # that complex modules are experimental
        warnings.simplefilter("ignore", UserWarning)
        complex_module = torch.nn.Sequential(linear(2, 3).to(torch.complex128))
    with pytest.raises(ValueError, match=r"holds torch.complex128 weights, not floats"):
        nn.from_torch(complex_module)
    with pytest.raises(TypeError, match=r"to_torch\(model\) needs an nn.MLP, got 'Layer'"):
        nn.to_torch(nn.Layer(2, 3))  # type: ignore[arg-type]
    with pytest.raises(
        TypeError, match=r"to_torch\(dtype\) needs a floating torch.dtype, got torch.int64"
    ):
        nn.to_torch(nn.MLP(2, [1]), dtype=torch.int64)
    with pytest.raises(TypeError, match="to_torch_loss"):
        nn.to_torch_loss(torch.nn.MSELoss())
    hinge = nn.to_torch_loss(nn.hinge_loss)
    assert repr(hinge) == "<hinge loss, in PyTorch>"
    with pytest.raises(
        ValueError,
        match=r"a batch of outputs, a tensor of shape \(samples, outputs\), got torch.Size\(\[3",
    ):
        hinge(torch.zeros(3), [1, 1, 1])
    with pytest.raises(ValueError, match="reduction must be 'mean' or 'sum', got 'max'"):
        hinge(torch.zeros(3, 1), [1, 1, 1], reduction="max")
    assert hinge(torch.zeros(3, 1), [1, -1, 1], reduction="sum").item() == 3.0

    class Own(type(nn.mse_loss)):  # type: ignore[misc]
        name = "own"

    with pytest.raises(ValueError, match="nn has no PyTorch form of <own loss>"):
        nn.to_torch_loss(Own())
