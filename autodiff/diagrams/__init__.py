"""Influence diagrams of a Value's graph, as `graphviz.Digraph` objects: in Jupyter, or saved.

``draw(y)`` shows every Value y depends on, with its label, operation, data and grad, and on
every edge the local derivative it carries: dy/dx is the sum, over the paths from x to y, of
the products of the derivatives along them (``autodiff.paths`` lists those paths). A network's
graph is drawn one box per unit. ``draw_dot(y)`` is the micrograd lecture's picture. ``draw(y,
step=...)`` shows a moment of the backward pass (a `Step`), as the stepper widget does.

The graphviz package (the ``viz`` extra) is imported only here, when a diagram is made, so that
the engine needs nothing beyond the standard library.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Literal

from autodiff.checks import as_flag, as_value, as_values
from autodiff.diagrams.rendering import RenderingError, format_of
from autodiff.diagrams.steps import Step
from autodiff.diagrams.units import Unit, unit_of
from autodiff.distribution import install_hint
from autodiff.value import Value

if TYPE_CHECKING:
    from autodiff.diagrams.diagram import Diagram
    from autodiff.diagrams.influence import ClusterOf

__all__ = ["RenderingError", "Step", "Unit", "draw", "draw_dot", "format_of", "unit_of"]


def draw(
    root: Value,
    *,
    view: Literal["auto", "values", "units"] = "auto",
    params: Iterable[Value] = (),
    show_params: bool | None = None,
    cluster: ClusterOf | None = None,
    highlight: Value | None = None,
    rankdir: Literal["LR", "TB"] = "LR",
    show_grad: bool = True,
    show_derivatives: bool | None = None,
    show_formulas: bool = False,
    number_format: str = ".4g",
    steady: bool = False,
    max_nodes: int = 200,
    step: Step | None = None,
) -> Diagram:
    """The influence diagram of root's graph, a `graphviz.Digraph` (a `Diagram`).

    Every Value is a box: its label and operation (``z = Σw·x+b``), its data and its grad (as
    the last ``backward()`` left it). Every edge goes from an input to the Value computed from
    it and carries the local derivative ∂value/∂input. The output (root) is orange; leaves
    are blue, parameters green.

    - ``view``: 'values' draws every Value; 'units' one box per unit of a network (its z and
      y, its parameters folded in), for graphs labelled as `autodiff.diagrams.units` says,
      as nn's are; 'auto' (default) draws units where there are any.
    - ``params``: Values to show as parameters, beside those recognised by their labels
      (a network's weights and biases); ``show_params`` False leaves them out (the caption
      counts them), True lists them, in their units too; default: shown as boxes in the
      values view, folded into their units in the units view.
    - ``cluster``: a function from a Value to the name of the box to group it in, or None.
    - ``highlight``: a Value whose paths to root are drawn in red, with their derivatives;
      they are kept when ``max_nodes`` cuts the rest.
    - ``rankdir``: 'LR' draws inputs on the left, 'TB' on top.
    - ``show_grad``: whether boxes show grads. ``show_derivatives``: True writes the
      derivative on every edge, False on none; default: where they can be read (not on the
      dense edges between two layers, whose number the caption gives; a vector operation's
      in a table of its Jacobian). ``show_formulas``: each derivative written on an edge
      comes with the rule's formula, ``∂y/∂x = 1 − y² = 0.42`` (`autodiff.local_formulas`).
    - ``number_format``: how numbers are formatted, as in ``format(x, '.4g')``. ``steady``:
      every number as wide as the widest the format writes, in a fixed-width font, so that
      diagrams of one graph at other numbers have the same boxes in the same places (a
      series of slides; the explorer's sliders).
    - ``max_nodes``: at most this many boxes (up to 500), those nearest the output; a dashed
      marker stands for the rest and says how many there are.
    - ``step``: a moment of the backward pass to show (`Step.after`): the node passing its
      gradient in purple, each of its edges labelled grad × derivative = what crosses, and
      ``grad ?`` or ``so far`` where a grad is not final yet.
    """
    as_value(root, "draw(root)")
    if cluster is not None and not callable(cluster):
        raise TypeError(f"draw(cluster=...) needs a function or None, got {cluster!r}")
    if step is not None and not isinstance(step, Step):
        raise TypeError(f"draw(step=...) needs a Step (Step.after) or None, got {step!r}")
    influence: Any = _module("influence")
    options = influence.Options(
        view=view,
        params=frozenset(_parameters(params)),
        show_params=_flag_or_none(show_params, "show_params"),
        cluster=cluster,
        highlight=None if highlight is None else as_value(highlight, "draw(highlight=...)"),
        rankdir=rankdir,
        show_grad=as_flag(show_grad, "draw(show_grad=...)"),
        show_derivatives=_flag_or_none(show_derivatives, "show_derivatives"),
        show_formulas=as_flag(show_formulas, "draw(show_formulas=...)"),
        number_format=number_format,
        steady=as_flag(steady, "draw(steady=...)"),
        max_nodes=max_nodes,
        step=step,
    )
    diagram: Diagram = influence.build(root, options)
    return diagram


def _parameters(params: object) -> list[Value]:
    """draw's params: Values, or one Value alone, taken as the one parameter it is."""
    return [params] if isinstance(params, Value) else as_values(params, "draw(params=...)")


def _flag_or_none(flag: object, name: str) -> bool | None:
    return None if flag is None else as_flag(flag, f"draw({name}=...)")


def draw_dot(root: Value, rankdir: Literal["LR", "TB"] = "LR") -> Diagram:
    """The micrograd lecture's ``draw_dot(root)``: a record box per Value (label | data |
    grad), an oval per operation, as a `graphviz.Digraph`."""
    micrograd: Any = _module("micrograd")
    diagram: Diagram = micrograd.draw_dot(root, rankdir)
    return diagram


def _module(name: str) -> object:
    """One of the modules that build diagrams with the graphviz package, imported now."""
    try:
        importlib.import_module("graphviz")
    except ImportError:
        raise ImportError(
            f"drawing a diagram needs the graphviz package: {install_hint('viz')}"
        ) from None
    return importlib.import_module(f"autodiff.diagrams.{name}")
