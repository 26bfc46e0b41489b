"""micrograd programs run unchanged on autodiff and nn, once their imports are switched.

The programs below are micrograd's own (its README example and the code of its demo
notebook), kept as micrograd wrote them; only the import lines differ.
"""

from __future__ import annotations

import contextlib
import io
import random

import pytest

import nn
from autodiff import Value

README_EXAMPLE = """
from autodiff import Value

a = Value(-4.0)
b = Value(2.0)
c = a + b
d = a * b + b**3
c += c + 1
c += 1 + c + -a
d += d * 2 + (b + a).relu()
d += 3 * d + (b - a).relu()
e = c - d
f = e**2
g = f / 2.0
g += 10.0 / f
print(f'{g.data:.4f}') # prints 24.7041, the outcome of this forward pass
g.backward()
print(f'{a.grad:.4f}') # prints 138.8338, i.e. the numerical value of dg/da
print(f'{b.grad:.4f}') # prints 645.5773, i.e. the numerical value of dg/db
"""

DEMO_NOTEBOOK = """
import random
import numpy as np

from autodiff import Value
from nn import Neuron, Layer, MLP

np.random.seed(1337)
random.seed(1337)

# make up a dataset

from sklearn.datasets import make_moons, make_blobs
X, y = make_moons(n_samples=100, noise=0.1)

y = y*2 - 1 # make y be -1 or 1

# initialize a model
model = MLP(2, [16, 16, 1]) # 2-layer neural network
print(model)
print("number of parameters", len(model.parameters()))

# loss function
def loss(batch_size=None):

    # inline DataLoader :)
    if batch_size is None:
        Xb, yb = X, y
    else:
        ri = np.random.permutation(X.shape[0])[:batch_size]
        Xb, yb = X[ri], y[ri]
    inputs = [list(map(Value, xrow)) for xrow in Xb]

    # forward the model to get scores
    scores = list(map(model, inputs))

    # svm "max-margin" loss
    losses = [(1 + -yi*scorei).relu() for yi, scorei in zip(yb, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    # L2 regularization
    alpha = 1e-4
    reg_loss = alpha * sum((p*p for p in model.parameters()))
    total_loss = data_loss + reg_loss

    # also get accuracy
    accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(yb, scores)]
    return total_loss, sum(accuracy) / len(accuracy)

total_loss, acc = loss()
print(total_loss, acc)

# optimization
for k in range(100):

    # forward
    total_loss, acc = loss()

    # backward
    model.zero_grad()
    total_loss.backward()

    # update (sgd)
    learning_rate = 1.0 - 0.9*k/100
    for p in model.parameters():
        p.data -= learning_rate * p.grad

    if k % 1 == 0:
        print(f"step {k} loss {total_loss.data}, accuracy {acc*100}%")
"""


def run(program: str) -> tuple[dict[str, object], str]:
    """Run a program as a script; its globals and what it printed."""
    namespace: dict[str, object] = {"__name__": "__main__"}
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(program, "<micrograd program>", "exec"), namespace)
    return namespace, printed.getvalue()


def test_the_readme_example_prints_micrograd_numbers() -> None:
    _, printed = run(README_EXAMPLE)
    assert printed.split() == ["24.7041", "138.8338", "645.5773"]


def test_the_demo_notebook_trains_to_full_training_accuracy() -> None:
    pytest.importorskip("sklearn")
    state = random.getstate()
    try:
        namespace, printed = run(DEMO_NOTEBOOK)
    finally:
        random.setstate(state)
    assert "number of parameters 337" in printed
    assert printed.splitlines()[-1].endswith("accuracy 100.0%")
    _, final_accuracy = namespace["loss"]()  # type: ignore[operator]
    assert final_accuracy == 1.0


def test_with_the_global_seed_set_a_micrograd_program_is_reproducible() -> None:
    def weights() -> list[float]:
        random.seed(1337)
        return [p.data for p in nn.MLP(2, [16, 16, 1]).parameters()]

    state = random.getstate()
    try:
        assert weights() == weights()
    finally:
        random.setstate(state)


def test_micrograd_shapes_a_layer_of_one_returns_a_value() -> None:
    assert isinstance(nn.Layer(3, 1)([1.0, 2.0, 3.0]), Value)
    assert isinstance(nn.MLP(2, [3, 1], seed=0)([1.0, 2.0]), Value)
    assert len(nn.Layer(3, 2, seed=0)([1.0, 2.0, 3.0])) == 2  # type: ignore[arg-type]
    assert [n.nonlin for n in nn.Layer(2, 2, nonlin=False, seed=0).neurons] == [False, False]
    assert nn.Neuron(2, seed=0).nonlin


def test_a_hidden_layer_of_width_one_works_unlike_micrograd() -> None:
    model = nn.MLP(2, [1, 3, 1], seed=0)
    out = model([0.5, -0.5])
    assert isinstance(out, Value)
    out.backward()
    # and a layer of one input takes a lone Value, so layers chain by hand too
    layer1, layer2 = nn.Layer(2, 1, seed=0), nn.Layer(1, 2, seed=1)
    assert len(layer2(layer1([0.5, -0.5]))) == 2  # type: ignore[arg-type]
