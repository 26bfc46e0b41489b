"""autodiff: a scalar reverse-mode automatic differentiation engine.

A ``Value`` holds one float. Operations on Values record a computational graph whose edges
carry local derivatives; ``backward()`` applies the distributed chain rule from the output
back to every input. Start reading at `autodiff/value.py`.

The layers, each importing only those before it: the engine (`value`, `ops`, `primitives`,
`backprop`, `code`, `formulas`, `errors`, `grad_mode`, `domains`, `checks`); the transformations
(`transforms`, `gradient_check`); the compiler (`compiler`) and the influence diagrams
(`diagrams`); the widgets for Jupyter on them (`widgets`); the command line (`cli`).
``import autodiff`` loads the engine and the transformations; the compiler, the diagrams and
the widgets load when first used, as do the rules written as formulas (`formulas`).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Value first: the operations need it, and value.py imports them at its end (one cycle, there).
from autodiff.value import Operand, Value

# isort: split
from autodiff import checks, ops
from autodiff.backprop import (
    BackwardStep,
    backward,
    backward_steps,
    gradients,
    topological_order,
    zero_grad,
)
from autodiff.domains import Domain, Integers, Interval, bounded, positive
from autodiff.errors import DomainError, Undefined
from autodiff.grad_mode import is_grad_enabled, no_grad
from autodiff.gradient_check import (
    GradcheckError,
    derivative_check,
    gradcheck,
    subgradient_check,
)
from autodiff.ops import *  # noqa: F403 -- every built-in operation, as ops.__all__ lists them
from autodiff.primitives import PRIMITIVES, Primitive, primitive
from autodiff.transforms import grad, hessian, hvp, jacobian, map, value_and_grad

if TYPE_CHECKING:
    from autodiff.compiler import Compiled, TraceError, compile
    from autodiff.diagrams import RenderingError, Unit, draw, draw_dot, unit_of
    from autodiff.diagrams.paths import InfluencePath, TooManyPathsError, influence, paths
    from autodiff.formulas import Formula, local_formulas
    from autodiff.widgets import explore, stepper, zoom

_LAZY = {
    "autodiff.compiler": ["Compiled", "TraceError", "compile"],
    "autodiff.diagrams": ["RenderingError", "Unit", "draw", "draw_dot", "unit_of"],
    "autodiff.diagrams.paths": ["InfluencePath", "TooManyPathsError", "influence", "paths"],
    "autodiff.formulas": ["Formula", "local_formulas"],
    "autodiff.widgets": ["explore", "stepper", "zoom"],
}
_FROM = {name: module for module, names in _LAZY.items() for name in names}


def __getattr__(name: str) -> Any:
    """The compiler's, the diagrams' and the widgets' names, imported on first use."""
    module = _FROM.get(name)
    if module is None:
        raise AttributeError(f"module 'autodiff' has no attribute {name!r}")
    found = getattr(importlib.import_module(module), name)
    globals()[name] = found
    return found


__all__ = [
    "PRIMITIVES",
    "BackwardStep",
    "Compiled",
    "Domain",
    "DomainError",
    "Formula",
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
    "bounded",
    "checks",
    "compile",
    "derivative_check",
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
    "local_formulas",
    "map",
    "no_grad",
    "paths",
    "positive",
    "primitive",
    "stepper",
    "subgradient_check",
    "topological_order",
    "unit_of",
    "value_and_grad",
    "zero_grad",
    "zoom",
]
__all__ += ops.__all__
