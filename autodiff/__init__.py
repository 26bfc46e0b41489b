"""autodiff: a scalar reverse-mode automatic differentiation engine.

A ``Value`` holds one float. Operations on Values record a computational graph whose edges
carry local derivatives; ``backward()`` applies the distributed chain rule from the output
back to every input.
"""

from autodiff.value import Operand, Value  # noqa: I001 -- Value first: the operations build on it
from autodiff.arithmetic import pow, power
from autodiff.backprop import backward, gradients, topological_order, zero_grad
from autodiff.combinations import dot, logsumexp, max, min, prod, softmax, sum
from autodiff.diagram import Diagram, draw
from autodiff.errors import DomainError, UndefinedDerivative
from autodiff.functions import (
    abs_ as abs,
    cos,
    exp,
    leaky_relu,
    log,
    relu,
    sigmoid,
    sin,
    softplus,
    sqrt,
    tanh,
)
from autodiff.functional import grad, hessian, hvp, jacobian, value_and_grad
from autodiff.grad_mode import is_grad_enabled, no_grad
from autodiff.gradient_check import GradcheckError, gradcheck
from autodiff.paths import InfluencePath, TooManyPathsError, influence, paths
from autodiff.primitives import PRIMITIVES, Primitive, primitive
from autodiff.rendering import RenderingError

__all__ = [
    "PRIMITIVES",
    "Diagram",
    "DomainError",
    "GradcheckError",
    "InfluencePath",
    "Operand",
    "Primitive",
    "RenderingError",
    "TooManyPathsError",
    "UndefinedDerivative",
    "Value",
    "abs",
    "backward",
    "cos",
    "dot",
    "draw",
    "exp",
    "grad",
    "gradcheck",
    "gradients",
    "hessian",
    "hvp",
    "influence",
    "is_grad_enabled",
    "jacobian",
    "leaky_relu",
    "log",
    "logsumexp",
    "max",
    "min",
    "no_grad",
    "paths",
    "pow",
    "power",
    "primitive",
    "prod",
    "relu",
    "sigmoid",
    "sin",
    "softmax",
    "softplus",
    "sqrt",
    "sum",
    "tanh",
    "topological_order",
    "value_and_grad",
    "zero_grad",
]
