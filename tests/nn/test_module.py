"""Neurons, layers and MLPs: their graph, labels, parameters, initialisation and errors."""

from __future__ import annotations

import doctest
import math
import random
import re
import statistics
from collections.abc import Callable

import pytest

import autodiff as ad
import nn
from autodiff import Value


def name(node: Value) -> str:
    """The name of the primitive that made node."""
    assert node.primitive is not None
    return node.primitive.name


def test_a_neuron_is_one_dot_node_then_one_activation_node() -> None:
    neuron = nn.Neuron(3, activation="tanh", init="xavier", seed=0)
    y = neuron([1.0, 2.0, 3.0])
    (z,) = y.parents
    assert (name(y), name(z)) == ("tanh", "dot")
    assert z.parents[:3] == tuple(neuron.w)
    assert z.parents[-1] is neuron.b
    expected = math.tanh(sum(w.data * x for w, x in zip(neuron.w, [1.0, 2.0, 3.0])))
    assert y.data == pytest.approx(expected)


def test_an_mlp_graph_is_the_influence_diagram_of_zs_and_ys() -> None:
    model = nn.MLP(2, [3, 2], activation="sigmoid", output="softmax", seed=0)
    outputs = model([0.5, -1.0])
    assert isinstance(outputs, list)
    nodes = ad.topological_order(outputs[0])
    ops = sorted(name(node) for node in nodes)
    # 5 neurons, each one dot; 3 sigmoids; softmax node y2.1 (y2.2 is not an input of y2.1)
    assert ops == ["dot"] * 5 + ["sigmoid"] * 3 + ["softmax"]  # and no other node
    assert {node.label for node in nodes} == {
        "z1.1", "z1.2", "z1.3", "y1.1", "y1.2", "y1.3", "z2.1", "z2.2", "y2.1",
    }  # fmt: skip
    assert [y.label for y in outputs] == ["y2.1", "y2.2"]
    assert sum(y.data for y in outputs) == pytest.approx(1.0)


def test_inputs_are_lifted_once_per_layer_not_once_per_neuron() -> None:
    z1, z2 = nn.Layer(2, 2, seed=0).pre_activations([1.0, 2.0])
    assert z1.parents[2] is z2.parents[2] and z1.parents[3] is z2.parents[3]


def test_parameters_are_labelled_by_layer_neuron_and_input_from_one() -> None:
    model = nn.MLP(2, [3, 1], seed=0)
    named = dict(model.named_parameters())
    assert named["layers.0.neurons.2.w.1"].label == "w1.3.2"
    assert named["layers.0.neurons.2.b"].label == "b1.3"
    assert named["layers.1.neurons.0.w.2"] is model.layers[1].neurons[0].w[2]
    assert model([1.0, 1.0]).label == "z2.1"  # type: ignore[union-attr]  # linear: y is z


def test_named_parameters_follow_parameters_and_count_them() -> None:
    model = nn.MLP(2, [16, 16, 1], seed=0)
    names = [name for name, _ in model.named_parameters()]
    assert [p for _, p in model.named_parameters()] == model.parameters()
    assert len(set(names)) == len(names) == model.num_parameters() == 337
    assert names[:3] == ["layers.0.neurons.0.w.0", "layers.0.neurons.0.w.1", "layers.0.neurons.0.b"]


def test_neuron_of_and_layer_of_name_the_clusters_of_labelled_nodes() -> None:
    model = nn.MLP(2, [3, 1], seed=0)
    y = model.layers[0].forward([1.0, 2.0])[2]
    z = y.parents[0]
    w = model.layers[0].neurons[2].w[1]
    for node in (y, z, w, model.layers[0].neurons[2].b):
        assert nn.neuron_of(node) == "layer 1, neuron 3"
        assert nn.layer_of(node) == "layer 1"
    assert nn.neuron_of(Value(1.0, "w12.10.3")) == "layer 12, neuron 10"
    for label in ("", "x1", "w1.2", "z1", "y1.2.3", "b1.2 ", "loss"):
        assert nn.neuron_of(Value(0.0, label)) is None
        assert nn.layer_of(Value(0.0, label)) is None


def test_the_package_docstring_example_runs() -> None:
    assert doctest.testmod(nn, raise_on_error=True).attempted == 4


def test_repr_shows_the_model_tree() -> None:
    model = nn.MLP(2, [16, 16, 1], seed=0)
    assert repr(model) == (
        "MLP(2 -> 16 -> 16 -> 1, 337 parameters)\n"
        "  (layers.0) Layer(2 -> 16, relu)\n"
        "  (layers.1) Layer(16 -> 16, relu)\n"
        "  (layers.2) Layer(16 -> 1, linear)"
    )
    assert repr(model.layers[0].neurons[0]) == "Neuron(2, relu)"


@pytest.mark.parametrize("activation", nn.ACTIVATIONS)
def test_every_activation_computes_its_formula(activation: str) -> None:
    layer = nn.Layer(2, 3, activation=activation, seed=0)
    zs = [z.data for z in layer.pre_activations([0.3, -0.7])]
    ys = [y.data for y in layer.forward([0.3, -0.7])]
    formulas: dict[str, Callable[[float], float]] = {
        "relu": lambda z: max(z, 0.0),
        "leaky_relu": lambda z: z if z > 0 else 0.01 * z,
        "tanh": math.tanh,
        "sigmoid": lambda z: 1 / (1 + math.exp(-z)),
        "linear": lambda z: z,
    }
    if activation == "softmax":
        expected = [math.exp(z) / sum(math.exp(u) for u in zs) for z in zs]
    else:
        expected = [formulas[activation](z) for z in zs]
    assert ys == pytest.approx(expected)


def test_logits_are_the_output_layer_before_its_activation() -> None:
    model = nn.MLP(3, [4, 2], output="softmax", seed=0)
    logits = [z.data for z in model.logits([1.0, 0.0, -1.0])]
    assert [y.data for y in model.forward([1.0, 0.0, -1.0])] == pytest.approx(ad.softmax(logits))


def test_xavier_he_and_uniform_draw_from_their_distributions() -> None:
    def weights(init: str, nin: int, nout: int) -> list[float]:
        layer = nn.Layer(nin, nout, init=init, seed=0)
        assert all(n.b.data == 0.0 for n in layer.neurons)
        return [w.data for n in layer.neurons for w in n.w]

    xavier = weights("xavier", 300, 100)  # 30000 draws: σ is known to within about 1%
    assert statistics.fmean(xavier) == pytest.approx(0.0, abs=0.003)
    assert statistics.pstdev(xavier) == pytest.approx(math.sqrt(2 / 400), rel=0.03)
    assert statistics.pstdev(weights("he", 300, 100)) == pytest.approx(math.sqrt(2 / 300), rel=0.03)
    uniform = weights("uniform", 300, 100)
    assert -1 <= min(uniform) < -0.99 and 0.99 < max(uniform) <= 1
    assert statistics.pstdev(uniform) == pytest.approx(1 / math.sqrt(3), rel=0.03)


def test_a_seed_reproduces_a_model_and_leaves_the_global_random_state_alone() -> None:
    state = random.getstate()
    first = [p.data for p in nn.MLP(2, [8, 1], init="xavier", seed=7).parameters()]
    assert random.getstate() == state
    assert first == [p.data for p in nn.MLP(2, [8, 1], init="xavier", seed=7).parameters()]
    assert first != [p.data for p in nn.MLP(2, [8, 1], init="xavier", seed=8).parameters()]


def test_without_a_seed_the_model_draws_one_from_the_global_random_state() -> None:
    state = random.getstate()
    try:
        random.seed(3)
        first = [p.data for p in nn.MLP(2, [8, 1]).parameters()]
        random.seed(3)
        assert first == [p.data for p in nn.MLP(2, [8, 1]).parameters()]
    finally:
        random.setstate(state)


def test_zero_grad_clears_every_parameter() -> None:
    model = nn.MLP(2, [4, 1], seed=0)
    model([1.0, 2.0]).backward()  # type: ignore[union-attr]
    assert any(p.grad != 0.0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: nn.MLP(2, [4, 1], seed=0)([1.0, 2.0, 3.0]), "layer 1 takes 2 inputs, got 3"),
        (lambda: nn.Neuron(2, seed=0)([1.0]), "Neuron takes 2 inputs, got 1"),
        (lambda: nn.Layer(2, 3, activation="swish"), "unknown activation 'swish'"),
        (lambda: nn.MLP(2, [3, 1], output="Relu"), "unknown activation 'Relu'"),
        (lambda: nn.MLP(2, [3, 1], init="glorot"), "unknown init 'glorot'"),
        (lambda: nn.Neuron(2, activation="softmax"), "softmax is the activation of a whole Layer"),
        (lambda: nn.Layer(2, 3, nonlin=False, activation="tanh"), "nonlin=False contradicts"),
        (lambda: nn.MLP(2, []), "MLP(nouts) needs a list of layer sizes"),
        (lambda: nn.MLP(2, [0, 1]), "MLP(nouts) needs a positive int up to 1e+09, got 0"),
    ],
)
def test_bad_input_gets_a_clear_error(make: object, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        make()  # type: ignore[operator]


def test_a_size_that_is_not_an_int_is_a_type_error_as_in_the_engine() -> None:
    with pytest.raises(TypeError, match=re.escape("Layer(nin) needs an int, got 'float'")):
        nn.Layer(2.5, 1)  # type: ignore[arg-type]


def test_a_sample_that_is_not_a_sequence_of_numbers_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="layer 1 takes a sequence of numbers, got 'NoneType'"):
        nn.MLP(2, [1], seed=0)(None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="seed must be an int"):
        nn.MLP(2, [1], seed="x")  # type: ignore[arg-type]


def test_a_tied_weight_is_one_parameter_named_where_first_found() -> None:
    model = nn.MLP(2, [2, 1], seed=0)
    first, second = model.layers[0].neurons
    second.w = first.w  # both neurons share one weight vector
    assert model.num_parameters() == 9 - 2
    assert len({id(p) for p in model.parameters()}) == len(model.parameters())
    named = dict(model.named_parameters())
    assert named["layers.0.neurons.0.w.1"] is first.w[1]
    assert "layers.0.neurons.1.w.1" not in named and "layers.0.neurons.1.b" in named
    penalty = nn.l2_penalty(model.parameters(), 1.0).data
    assert penalty == pytest.approx(sum(p.data**2 for p in model.parameters()))


def test_numpy_integers_are_sizes() -> None:
    np = pytest.importorskip("numpy")
    model = nn.MLP(np.int64(2), np.array([4, 1]), seed=0)
    assert repr(model).startswith("MLP(2 -> 4 -> 1, 17 parameters)")
    assert type(model.nin) is int  # not a NumPy integer
    assert nn.Layer(np.int32(3), np.int64(2), seed=0).nin == 3
    with pytest.raises(ValueError, match=r"MLP\(nouts\) needs a list of layer sizes"):
        nn.MLP(2, np.int64(3), seed=0)
    with pytest.raises(TypeError, match=r"MLP\(nin\) needs an int, got a bool"):
        nn.MLP(True, [1], seed=0)
