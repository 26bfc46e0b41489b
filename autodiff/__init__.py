"""autodiff: a scalar reverse-mode automatic differentiation engine.

A ``Value`` holds one float. Operations on Values record a computational graph whose edges
carry local derivatives; ``backward()`` applies the distributed chain rule from the output
back to every input.

The layers, each importing only those before it: the engine (`value`, `primitives`, `ops`,
`code`, `errors`, `grad_mode`, `domains`); the transformations (`transforms`,
`gradient_check`); the compiler (`compiler`); the influence diagrams (`diagrams`); the
widgets for Jupyter on them (`widgets`); the command line (`cli`).
"""

from autodiff import ops
from autodiff.compiler import Compiled, TraceError, compile
from autodiff.diagrams import RenderingError, Unit, draw, draw_dot, unit_of
from autodiff.diagrams.paths import InfluencePath, TooManyPathsError, influence, paths
from autodiff.domains import Domain, Integers, Interval
from autodiff.errors import DomainError, Undefined
from autodiff.grad_mode import is_grad_enabled, no_grad
from autodiff.gradient_check import GradcheckError, gradcheck
from autodiff.ops import *  # noqa: F403 -- every built-in operation, as ops.__all__ lists them
from autodiff.primitives import PRIMITIVES, Function, Primitive, primitive
from autodiff.transforms import grad, hessian, hvp, jacobian, value_and_grad
from autodiff.value import (
    BackwardStep,
    Operand,
    Value,
    backward,
    backward_steps,
    gradients,
    topological_order,
    zero_grad,
)
from autodiff.widgets import explore, stepper, zoom

__all__ = [
    "PRIMITIVES",
    "BackwardStep",
    "Compiled",
    "Domain",
    "DomainError",
    "Function",
    "GradcheckError",
    "InfluencePath",
    "Integers",
    "Interval",
    "Operand",
    "Primitive",
    "RenderingError",
    "TooManyPathsError",
    "TraceError",
    "Undefined",
    "Unit",
    "Value",
    "backward",
    "backward_steps",
    "compile",
    "draw",
    "draw_dot",
    "explore",
    "grad",
    "gradcheck",
    "gradients",
    "hessian",
    "hvp",
    "influence",
    "is_grad_enabled",
    "jacobian",
    "no_grad",
    "paths",
    "primitive",
    "stepper",
    "topological_order",
    "unit_of",
    "value_and_grad",
    "zero_grad",
    "zoom",
]
__all__ += ops.__all__
