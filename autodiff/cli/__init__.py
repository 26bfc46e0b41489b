"""The ``autodiff`` command: derivatives and influence diagrams of an expression, and the demo.

    autodiff grad "x**2 * sin(x)" --at x=1.5 [--second]
    autodiff draw "tanh(x1*w1 + x2*w2 + b)" --at x1=2,x2=0,w1=-3,w2=1,b=6.88 -o neuron.svg
    autodiff demo [...]

Exit codes: 0 success; 1 the expression has no value or derivative at the point (log(-1), an
overflow) or the diagram could not be rendered or written; 2 the command line is wrong (an
expression outside the language, a malformed ``--at``), as argparse does. Errors are one
line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import keyword
import math
import sys
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from importlib.metadata import EntryPoint, entry_points, version
from pathlib import Path
from typing import Any

from autodiff import distribution
from autodiff.backprop import gradients
from autodiff.cli.expression import (
    CONSTANTS,
    FUNCTIONS,
    LANGUAGE,
    EvaluationError,
    InvalidExpressionError,
    parse,
)
from autodiff.diagrams import RenderingError, draw, format_of
from autodiff.diagrams.paths import breadth_first
from autodiff.errors import DomainError
from autodiff.value import Value, data_of

PROGRAM = "autodiff"
COMMANDS = "autodiff.commands"


class UsageError(Exception):
    """The command line is wrong: exit code 2."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line ``argv`` (default: sys.argv[1:]); the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    plugins = commands()
    if args[:1] and args[0] in plugins:  # every option after it, --help included, is its own
        return _plugin(args[0], plugins[args[0]], args[1:])
    parser = _parser(plugins)
    try:
        options = parser.parse_args(args)
    except SystemExit as exit_:  # --help, or argparse's own usage error
        return _exit_code(exit_)
    try:
        code: int = options.run(options)
    except (UsageError, InvalidExpressionError) as error:
        return _fail(options.command, error, 2)
    # ImportError: drawing without the graphviz package, and the error says what to install.
    except (
        EvaluationError,
        DomainError,
        ArithmeticError,
        RenderingError,
        OSError,
        ImportError,
    ) as error:
        return _fail(options.command, error, 1)
    return code


def _plugin(name: str, entry: EntryPoint, argv: list[str]) -> int:
    try:
        run: Callable[[list[str]], int] = entry.load()
    except ImportError as error:
        return _fail(name, f"cannot load {entry.value}: {error}", 1)
    try:
        return run(argv)
    except SystemExit as exit_:  # its own --help, or its argparse's usage error
        return _exit_code(exit_)


def _exit_code(exit_: SystemExit) -> int:
    return exit_.code if isinstance(exit_.code, int) else 2


def _parser(plugins: Mapping[str, EntryPoint]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROGRAM,
        description="Derivatives and influence diagrams with the autodiff engine.",
        epilog=f"An expression may use {LANGUAGE}. One that starts with '-' needs a space "
        'before it: " -x**2".',
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"{PROGRAM} {version(distribution.NAME)} ({distribution.NAME})",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    grad = commands.add_parser(
        "grad",
        help="print an expression's value and derivatives",
        description="Evaluate the expression at the point and print its value and its "
        "derivative with respect to each variable.",
    )
    _add_expression(grad)
    grad.add_argument("--second", action="store_true", help="also print second derivatives")
    grad.set_defaults(run=_grad)
    draw_ = commands.add_parser(
        "draw",
        help="draw an expression's influence diagram",
        description="Evaluate the expression, run backward, and draw its influence diagram: "
        "every value with its grad, every edge with its local derivative.",
    )
    _add_expression(draw_)
    _add_diagram_options(draw_)
    draw_.set_defaults(run=_draw)
    for name, entry in sorted(plugins.items()):
        package = entry.value.split(".")[0]
        commands.add_parser(
            name, help=f"{package}'s {name} (autodiff {name} --help)", add_help=False
        )
    return parser


def _add_expression(command: argparse.ArgumentParser) -> None:
    command.add_argument("expression", help=f"uses {LANGUAGE}")
    command.add_argument(
        "--at",
        action="append",
        default=[],
        metavar="NAME=NUMBER,...",
        help="the value of each variable, e.g. --at x=1.5,y=-2 (may be repeated)",
    )


def _add_diagram_options(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="write the diagram here, as its suffix says: .svg .png .pdf .dot "
        "(default: print the DOT text)",
    )
    command.add_argument(
        "--params",
        default="",
        metavar="NAMES",
        help="variables to show as parameters, comma-separated",
    )
    command.add_argument(
        "--highlight", metavar="NAME", help="draw the paths from this variable in red"
    )
    command.add_argument(
        "--rankdir", choices=("LR", "TB"), default="LR", help="left to right, or top to bottom"
    )
    command.add_argument("--no-grad", action="store_true", help="leave the grads out")
    command.add_argument(
        "--no-derivatives", action="store_true", help="leave the edge derivatives out"
    )
    command.add_argument(
        "--number-format", default=".4g", metavar="SPEC", help="as in format(x, SPEC) (default .4g)"
    )
    command.add_argument(
        "--steady",
        action="store_true",
        help="numbers as wide as the widest, in a fixed-width font: the same boxes in the same "
        "places at other numbers (a series of slides)",
    )
    command.add_argument(
        "--max-nodes", type=int, default=200, metavar="N", help="draw at most N nodes (default 200)"
    )
    command.add_argument(
        "--dpi",
        type=float,
        metavar="N",
        help="a PNG's dots per inch (default 96; 200 for a slide)",
    )


def _grad(options: argparse.Namespace) -> int:
    """The value and derivatives; of a vector (softmax), each output's in turn: f[0], its
    derivatives (a row of the Jacobian), f[1], ..."""
    outs, variables = _evaluate(options.expression, options.at)
    rows = []
    for k, out in enumerate(outs):
        f = "f" if len(outs) == 1 else f"f[{k}]"
        rows.append((f, out.data))
        firsts = gradients(out, variables, create_graph=options.second)
        rows.extend((f"d{f}/d{v.label}", data_of(d)) for v, d in zip(variables, firsts))
        if options.second:
            for i, d in enumerate(firsts):
                seconds = (
                    gradients(d, variables) if isinstance(d, Value) else [0.0] * len(variables)
                )
                rows.extend(
                    (f"d2{f}/d{variables[i].label} d{variables[j].label}", seconds[j])
                    for j in range(i, len(variables))
                )
    _refuse_non_finite(rows)
    width = max(len(name) for name, _ in rows)
    for name, number in rows:
        print(f"{name:<{width}} = {number!r}")
    return 0


def _draw(options: argparse.Namespace) -> int:
    if options.output is not None:
        with _usage_errors():
            format_of(options.output)
        folder = Path(options.output).parent
        if not folder.is_dir():  # before any work: say so in one line
            raise FileNotFoundError(f"cannot write {options.output}: there is no folder {folder}")
    outs, variables = _evaluate(options.expression, options.at)
    if len(outs) != 1:
        raise UsageError(
            f"a diagram has one output, and this expression has {len(outs)} (softmax gives "
            "one per input): draw one function of them, e.g. their sum"
        )
    (out,) = outs
    by_name = {v.label: v for v in variables}
    params = [_variable(by_name, name, "--params") for name in _names(options.params)]
    highlight = (
        None if options.highlight is None else _variable(by_name, options.highlight, "--highlight")
    )
    out.backward()
    _refuse_non_finite(_derivatives_drawn(out))
    with _usage_errors():  # an invalid --number-format or --max-nodes
        diagram = draw(
            out,
            params=params,
            highlight=highlight,
            rankdir=options.rankdir,
            show_grad=not options.no_grad,
            show_derivatives=not options.no_derivatives,
            number_format=options.number_format,
            steady=options.steady,
            max_nodes=options.max_nodes,
        )
    if options.output is None:
        print(diagram.source, end="")
    else:
        with _usage_errors():  # a --dpi out of range
            written = diagram.write(options.output, dpi=options.dpi)
        print(f"wrote {written}")
    return 0


def _evaluate(expression: str, assignments: Sequence[str]) -> tuple[list[Value], list[Value]]:
    """The expression's values at the point (one, or one per input of softmax), as Values,
    and its variables (labelled leaves)."""
    formula = parse(expression)
    point = parse_assignments(assignments)
    missing = [name for name in formula.variables if name not in point]
    if missing:
        raise UsageError(
            f"no value for {', '.join(missing)}: give it with --at {missing[0]}=NUMBER"
        )
    unused = [name for name in point if name not in formula.variables]
    if unused:
        raise UsageError(f"--at gives {', '.join(unused)}, which the expression does not use")
    variables = [Value(point[name], name) for name in formula.variables]
    result = formula.evaluate({v.label: v for v in variables})
    # A Value each, even for an expression of numbers only.
    outs = [v if isinstance(v, Value) else Value(v) for v in _listed(result)]
    for k, out in enumerate(outs):
        out.label = out.label or ("f" if len(outs) == 1 else f"f[{k}]")
    return outs, variables


def _listed(result: Any) -> list[Any]:
    return result if isinstance(result, list) else [result]


def parse_assignments(assignments: Sequence[str]) -> dict[str, float]:
    """``["x=1.5,y=-2"]`` as ``{"x": 1.5, "y": -2.0}``; UsageError if malformed."""
    point: dict[str, float] = {}
    for item in (part for text in assignments for part in text.split(",")):
        name, equals, number = (s.strip() for s in item.partition("="))
        name = unicodedata.normalize("NFKC", name)  # as Python reads the expression's names
        if not equals:
            raise UsageError(f"--at needs NAME=NUMBER, got {item!r}")
        if not name.isidentifier() or keyword.iskeyword(name) or name in FUNCTIONS:
            raise UsageError(f"--at: {name!r} cannot be a variable's name")
        if name in CONSTANTS:
            raise UsageError(f"--at: {name} is a constant of the language ({CONSTANTS[name]!r})")
        if name in point:
            raise UsageError(f"--at gives {name} twice")
        try:
            value = float(number)
        except ValueError:
            raise UsageError(f"--at {name}: {number!r} is not a number") from None
        if not math.isfinite(value):
            raise UsageError(f"--at {name}: {number!r} is not a finite number")
        point[name] = value
    return point


def commands() -> dict[str, EntryPoint]:
    """Commands other installed packages add (nn adds ``demo``), by name: each a function of
    the rest of the command line, returning the exit code. Loaded only when run, and named in
    the entry-point group "autodiff.commands", so that this package imports none of them."""
    return {entry.name: entry for entry in entry_points(group=COMMANDS)}


def _variable(variables: Mapping[str, Value], name: str, option: str) -> Value:
    if name not in variables:
        raise UsageError(f"{option}: {name!r} is not a variable of the expression")
    return variables[name]


def _names(text: str) -> list[str]:
    return [name.strip() for name in text.split(",") if name.strip()]


def _derivatives_drawn(out: Value) -> Iterator[tuple[str, float]]:
    """The grads of out's diagram, then the derivatives on its edges, named."""
    nodes = breadth_first(out)
    yield from ((f"the grad of {_node_name(node)}", data_of(node.grad)) for node in nodes)
    for node in nodes:
        for parent, derivative in zip(node.parents, node.partials):
            if isinstance(derivative, float):  # not an UndefinedDerivative, drawn as such
                name = f"the derivative on the edge from {_node_name(parent)} to {_node_name(node)}"
                yield name, derivative


def _node_name(node: Value) -> str:
    return node.label or node.op


def _refuse_non_finite(numbers: Iterable[tuple[str, float]]) -> None:
    """EvaluationError for the first number that is not finite: an overflow, or 0 * inf."""
    for name, number in numbers:
        if not math.isfinite(number):
            raise EvaluationError(f"{name} is {number} at this point, not a finite number")


@contextmanager
def _usage_errors() -> Iterator[None]:
    """A ValueError raised by the block is the user's choice of options: a UsageError."""
    try:
        yield
    except ValueError as error:
        raise UsageError(str(error)) from None


def _fail(command: str, error: object, code: int) -> int:
    print(f"{PROGRAM} {command}: error: {error}", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
