"""An nn model as PyTorch modules and back, with the same numbers; to ONNX through PyTorch.

Layer k of an MLP computes, for each of its neurons j, z_j = Σ_i w_ji·x_i + b_j: all at once,
z = W x + b, where row j of W holds neuron j's weights. That is what `torch.nn.Linear(n_in,
n_out)` computes, for each sample of a batch X (one row each): X Wᵀ + b. So layer k becomes
one Linear, with

    weight[j][i] = w{k}.{j+1}.{i+1} = model.layers[k-1].neurons[j].w[i]
    bias[j]      = b{k}.{j+1}       = model.layers[k-1].neurons[j].b

(labels count from 1, as in the lectures; tensors and lists from 0), followed by the layer's
activation as a module (`ACTIVATION_MODULES`): relu is ReLU(), leaky_relu LeakyReLU(0.01),
tanh Tanh(), sigmoid Sigmoid(), softmax Softmax(dim=-1), and linear none. `to_torch` builds
that `torch.nn.Sequential`, in float64 (the engine's floats) unless told otherwise;
`from_torch` reads one back, and refuses, naming the module and why, what nn has no layer for.

A loss becomes a function of tensors computing the same number (`to_torch_loss`), from its
counterpart in torch.nn where there is one (`LOSS_FUNCTIONS`). `to_onnx` writes an ONNX file
through PyTorch's exporter and checks it.

PyTorch, and ONNX's packages, are optional (the extras ``torch`` and ``onnx``): they are
imported when these functions run, so ``import nn`` never imports them.
"""

from __future__ import annotations

import importlib
import logging
import os
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from autodiff import LEAKY_SLOPE
from nn.losses import (
    Loss,
    bce_loss,
    cross_entropy_loss,
    hinge_loss,
    kl_loss,
    mse_loss,
)
from nn.module import MLP, Layer

if TYPE_CHECKING:
    import torch

ACTIVATION_MODULES: dict[str, tuple[str, dict[str, tuple[object, ...]]]] = {
    "relu": ("ReLU", {}),
    "leaky_relu": ("LeakyReLU", {"negative_slope": (LEAKY_SLOPE,)}),
    "tanh": ("Tanh", {}),
    "sigmoid": ("Sigmoid", {}),
    # Over each sample's outputs: dim=-1; dim=1 is the same on a batch, one sample per row.
    "softmax": ("Softmax", {"dim": (-1, 1)}),
}
"""nn's activations as torch.nn modules: name -> (class, {setting: the values nn can take}).
`to_torch` makes each with the first value of each setting; "linear" makes no module."""

# Each loss of nn, as the sum over a batch computed by its torch.nn counterpart:
# (torch, outputs or logits (samples × outputs), targets) -> tensor. `like` makes the targets a
# tensor of the outputs' shape and type; cross-entropy's are class indices.
LOSS_FUNCTIONS: list[tuple[Loss, Callable[[ModuleType, Any, Any], Any]]] = [
    (mse_loss, lambda torch, y, t: torch.nn.MSELoss(reduction="sum")(y, like(torch, t, y))),
    (hinge_loss, lambda torch, s, t: torch.relu(1 - like(torch, t, s) * s).sum()),
    (
        bce_loss,
        lambda torch, z, t: torch.nn.BCEWithLogitsLoss(reduction="sum")(z, like(torch, t, z)),
    ),
    (
        cross_entropy_loss,
        lambda torch, z, t: torch.nn.CrossEntropyLoss(reduction="sum")(
            z, torch.as_tensor(t, device=z.device)
        ),
    ),
    (
        kl_loss,
        lambda torch, z, t: torch.nn.KLDivLoss(reduction="sum")(
            z.log_softmax(dim=-1), like(torch, t, z)
        ),
    ),
]
"""nn's losses and their PyTorch forms: mean squared error is torch's MSELoss summed (torch's
mean would also divide by the number of outputs); the hinge loss has no torch.nn counterpart,
and is written with torch.relu; binary cross-entropy is BCEWithLogitsLoss, cross-entropy
CrossEntropyLoss, and the KL divergence KLDivLoss of log_softmax(z) (it takes log-probabilities).
Each gives the sum over the samples; `to_torch_loss` divides by their number for the mean."""


ONNX_PACKAGES = ("torch", "onnx", "onnxscript")
"""What `to_onnx` needs: PyTorch, and its exporter's packages (the extra ``onnx``)."""


def like(torch: ModuleType, targets: Any, outputs: Any) -> Any:
    """The targets as a tensor of the outputs' type and shape (a number per output)."""
    tensor = torch.as_tensor(targets, dtype=outputs.dtype, device=outputs.device)
    return tensor.reshape(outputs.shape)


def to_torch(model: MLP, *, dtype: torch.dtype | None = None) -> torch.nn.Sequential:
    """The model as a `torch.nn.Sequential` of Linear layers and activation modules, holding
    its weights and biases (see the module docstring), in ``dtype`` (float64 if None).

    It is a copy: training either one leaves the other as it was; `from_torch` reads it back.
    """
    torch = optional_import("torch", "nn.to_torch", "torch")
    if not isinstance(model, MLP):
        raise TypeError(f"to_torch(model) needs an nn.MLP, got {type(model).__name__!r}")
    dtype = torch.float64 if dtype is None else dtype
    if not (isinstance(dtype, torch.dtype) and dtype.is_floating_point):
        raise TypeError(f"to_torch(dtype) needs a floating torch.dtype, got {dtype!r}")
    modules = []
    for layer in model.layers:
        linear = torch.nn.utils.skip_init(  # no random initial weights: the global RNG stays
            torch.nn.Linear, layer.nin, len(layer.neurons), dtype=dtype
        )
        with torch.no_grad():  # from float64 tensors: torch's default float32 would round
            weight = [[w.data for w in neuron.w] for neuron in layer.neurons]
            linear.weight.copy_(torch.tensor(weight, dtype=torch.float64))
            linear.bias.copy_(torch.tensor([n.b.data for n in layer.neurons], dtype=torch.float64))
        modules.append(linear)
        if layer.activation != "linear":
            name, settings = ACTIVATION_MODULES[layer.activation]
            first = {setting: values[0] for setting, values in settings.items()}
            modules.append(getattr(torch.nn, name)(**first))
    return torch.nn.Sequential(*modules)


def from_torch(module: torch.nn.Sequential) -> MLP:
    """An nn.MLP computing what module computes, with its weights and biases (as floats).

    module must be a `torch.nn.Sequential` of `torch.nn.Linear` layers (with biases), each
    followed by at most one of the activations of `ACTIVATION_MODULES` (Identity modules are
    skipped): a ValueError names the first module that nn cannot map, and why.
    """
    torch = optional_import("torch", "nn.from_torch", "torch")
    if not isinstance(module, torch.nn.Sequential):
        raise TypeError(
            "from_torch(module) needs a torch.nn.Sequential of Linear layers and activations, "
            f"got {type(module).__name__!r}"
        )
    layers: list[tuple[Any, str]] = []  # (Linear, the name of its activation)
    for index, child in enumerate(module):
        where = f"from_torch: module {index}, {child!r},"
        if type(child) is torch.nn.Identity:
            continue
        if type(child) is torch.nn.Linear:
            layers.append((_checked_linear(child, layers, where), "linear"))
            continue
        name = _activation_name(torch, child, where)
        if not layers:
            raise ValueError(f"{where} comes before any Linear layer: nn activates a layer's z")
        if layers[-1][1] != "linear":
            raise ValueError(f"{where} follows the activation {layers[-1][1]}: an nn layer has one")
        layers[-1] = (layers[-1][0], name)
    if not layers:
        raise ValueError("from_torch(module) has no Linear layer")
    sizes = [linear.out_features for linear, _ in layers]
    model = MLP(layers[0][0].in_features, sizes)
    # One Layer per Linear, each with its own activation (MLP's arguments give all hidden
    # layers one), then the weights.
    model.layers = [
        Layer(linear.in_features, linear.out_features, activation=name, position=k)
        for k, (linear, name) in enumerate(layers, 1)
    ]
    for layer, (linear, _) in zip(model.layers, layers):
        weight = linear.weight.detach().to("cpu", torch.float64).tolist()
        bias = linear.bias.detach().to("cpu", torch.float64).tolist()
        for neuron, row, b in zip(layer.neurons, weight, bias):
            for w, number in zip(neuron.w, row):
                w.data = number
            neuron.b.data = b
    return model


def _checked_linear(linear: Any, layers: Sequence[tuple[Any, str]], where: str) -> Any:
    """A Linear layer nn can take after the layers so far; else a ValueError saying why."""
    if linear.bias is None:
        raise ValueError(f"{where} has no bias: each neuron of nn has one (b, trained)")
    if layers and linear.in_features != layers[-1][0].out_features:
        raise ValueError(
            f"{where} takes {linear.in_features} inputs, but the layer before gives "
            f"{layers[-1][0].out_features}"
        )
    if not linear.weight.dtype.is_floating_point:
        raise ValueError(f"{where} holds {linear.weight.dtype} weights, not floats")
    return linear


def _activation_name(torch: ModuleType, module: Any, where: str) -> str:
    """nn's name for an activation module; else a ValueError saying why it has none."""
    for name, (class_name, settings) in ACTIVATION_MODULES.items():
        if type(module) is not getattr(torch.nn, class_name):
            continue
        for setting, values in settings.items():
            if getattr(module, setting) not in values:
                raise ValueError(
                    f"{where} has {setting}={getattr(module, setting)!r}: nn's {name} has "
                    f"{setting}={values[0]!r}"
                )
        return name
    known = ", ".join(class_name for class_name, _ in ACTIVATION_MODULES.values())
    raise ValueError(f"{where} is a module nn has no layer for: it maps Linear, {known}, Identity")


class TorchLoss:
    """One of nn's losses computed by PyTorch, with the same number and gradients: called
    with a batch of outputs (logits, for a loss that takes them, as nn's does), one row per
    sample, and the targets as nn takes them (lists or tensors; class indices for
    cross-entropy); the mean over the samples, or with ``reduction="sum"`` the sum."""

    def __init__(
        self, loss: Loss, batch_sum: Callable[[ModuleType, Any, Any], Any], torch: ModuleType
    ) -> None:
        self.loss, self.batch_sum, self.torch = loss, batch_sum, torch

    def __call__(self, outputs: torch.Tensor, targets: Any, reduction: str = "mean") -> Any:
        torch = self.torch
        if not (isinstance(outputs, torch.Tensor) and outputs.dim() == 2):
            raise ValueError(
                f"the {self.loss.name} loss in PyTorch takes a batch of outputs, a tensor of "
                f"shape (samples, outputs), got {getattr(outputs, 'shape', outputs)!r}"
            )
        if reduction not in ("mean", "sum"):
            raise ValueError(f"reduction must be 'mean' or 'sum', got {reduction!r}")
        total = self.batch_sum(torch, outputs, targets)
        return total / len(outputs) if reduction == "mean" else total

    def __repr__(self) -> str:
        return f"<{self.loss.name} loss, in PyTorch>"


def to_torch_loss(loss: Loss) -> TorchLoss:
    """The loss as a function of PyTorch tensors that computes the same number
    (`LOSS_FUNCTIONS` says how each is written)."""
    torch = optional_import("torch", "nn.to_torch_loss", "torch")
    if not isinstance(loss, Loss):
        raise TypeError(f"to_torch_loss(loss) needs one of nn's losses, got {loss!r}")
    for ours, batch_sum in LOSS_FUNCTIONS:
        if type(ours) is type(loss):
            return TorchLoss(loss, batch_sum, torch)
    raise ValueError(f"to_torch_loss: nn has no PyTorch form of {loss!r}")


def to_onnx(model: MLP, path: str | os.PathLike[str], *, dtype: torch.dtype | None = None) -> Path:
    """Write the model to path as an ONNX file, through `to_torch` and PyTorch's exporter
    (onnxscript), and check the file with `onnx.checker`; return the path.

    The file takes a batch ``x`` (samples × inputs, any number of samples) and gives ``y``. In
    ``dtype``, float32 unless told: ONNX runtimes implement every operator in float32, not all
    in float64 (onnxruntime has no float64 LeakyRelu).
    """
    torch, onnx, _ = (optional_import(name, "nn.to_onnx", "onnx") for name in ONNX_PACKAGES)
    if not isinstance(path, str | os.PathLike) or not str(path):
        raise TypeError(f"to_onnx(path) needs a file name, got {path!r}")
    module = to_torch(model, dtype=torch.float32 if dtype is None else dtype).eval()
    example = torch.zeros(2, model.nin, dtype=module[0].weight.dtype)
    # The exporter warns of what does not concern this model: torchvision's operators it
    # skips, and its own use of a deprecated name.
    exporter_log = logging.getLogger("torch.onnx")
    level = exporter_log.level
    exporter_log.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*LeafSpec", category=FutureWarning)
            torch.onnx.export(
                module,
                (example,),
                os.fspath(path),
                dynamo=True,
                input_names=["x"],
                output_names=["y"],
                dynamic_shapes=({0: torch.export.Dim("samples")},),
                external_data=False,  # one file: the weights inside it, not beside it
                verbose=False,
            )
    finally:
        exporter_log.setLevel(level)
    onnx.checker.check_model(os.fspath(path), full_check=True)
    return Path(path)


def optional_import(name: str, where: str, extra: str) -> ModuleType:
    """The module called name, or an error saying that `where` needs it, and the extra to
    install."""
    try:
        return importlib.import_module(name)
    except ImportError as error:
        raise ModuleNotFoundError(
            f'{where} needs {name}: pip install "influence-autodiff[{extra}]" (until it is '
            f'published, from a checkout: pip install -e ".[{extra}]")'
        ) from error
