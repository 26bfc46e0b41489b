"""Derivative rules written as mathematics: the fourth reader of every rule.

A rule applied to the Symbols of `autodiff.code` records its arithmetic as statements
(``t0 = mul(out, out)``, ``t1 = sub(1.0, t0)``); the compiler prints them as Python. Here the
same statements are printed as mathematics instead, in two notations: plain Unicode for
diagram labels (``∂y/∂x = 1 − y²``) and LaTeX for Jupyter and the documentation site
(``\\frac{\\partial y}{\\partial x} = 1 - y^{2}``). Nothing is written by hand per rule: a
formula is what the rule computes, so it cannot disagree with the numbers on the edges.

The names are the rules' conventions: one input x and output y; two inputs x, y and output
z; any number of inputs x₀, x₁, ... and output y. Each operation a rule uses has a notation
below (``step(x)`` is the Iverson bracket [x > 0]); any other, a user's, is written as a
function call by its name. A rule that cannot be applied to Symbols (it calls ``math`` or
branches on a value) is written as the derivative of its operation, ``cube′(x)``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from autodiff.checks import as_value
from autodiff.code import BranchOnSymbolError, Program, Statement, Symbol
from autodiff.errors import Undefined
from autodiff.primitives import Primitive
from autodiff.value import Value

# How tightly a piece of a formula binds: a piece looser than its place needs parentheses.
SUM, NEGATION, PRODUCT, POWER, ATOM = range(5)
Named = Sequence[tuple[str, str, str]]
"""The names of a rule's arguments: each Symbol's name, its plain text and its LaTeX."""


@dataclass(frozen=True)
class Formula:
    """∂output/∂input of one edge, as the rule computes it: ``text`` (plain Unicode) and
    ``latex``; ``expression`` is the right-hand side alone, in plain Unicode."""

    output: str
    input: str
    expression: str
    text: str
    latex: str

    def __str__(self) -> str:
        return self.text

    def _repr_latex_(self) -> str:
        return f"${self.latex}$"


def local_formulas(node: Value) -> tuple[Formula, ...]:
    """The formula of the local derivative on each of node's input edges, in input order:
    ``local_formulas(tanh(x))[0].text`` is ``∂y/∂x = 1 − y²``. () for a leaf."""
    as_value(node, "local_formulas(node)")
    prim = node.primitive
    return () if prim is None else formulas(prim, len(node.parents))


@functools.lru_cache(maxsize=1024)
def formulas(prim: Primitive, n: int) -> tuple[Formula, ...]:
    """The formulas of prim's rule for n inputs: its rule applied to Symbols, printed."""
    inputs, output = _names(n)
    program = Program()
    symbols = [program.argument(name) for name, _, _ in inputs]
    try:
        derivatives = prim.local_derivatives(symbols, program.argument("out"))
    except (BranchOnSymbolError, TypeError, ArithmeticError, ValueError):
        derivatives = None
    made: list[Formula] = []
    for i, (_, text_name, latex_name) in enumerate(inputs):
        if derivatives is None:  # the rule is not arithmetic on its arguments: name it only
            wrote = _unwritten(prim, inputs, i)
        else:
            wrote = _written(program.lines, derivatives[i], [*inputs, ("out", *output)])
        lhs_text = f"∂{output[0]}/∂{text_name}"
        lhs_latex = rf"\frac{{\partial {output[1]}}}{{\partial {latex_name}}}"
        made.append(
            Formula(
                output[0],
                text_name,
                wrote[0],
                f"{lhs_text} = {wrote[0]}",
                f"{lhs_latex} = {wrote[1]}",
            )
        )
    return tuple(made)


def _names(n: int) -> tuple[Named, tuple[str, str]]:
    """The inputs' (symbol name, text, LaTeX) and the output's (text, LaTeX), by convention."""
    if n <= 2:
        return [(name, name, name) for name in "xy"[:n]], ("z", "z") if n == 2 else ("y", "y")
    return [(f"x{i}", f"x{_subscript(i)}", f"x_{{{i}}}") for i in range(n)], ("y", "y")


def _unwritten(prim: Primitive, inputs: Named, i: int) -> list[str]:
    """The derivative named as such, for a rule that cannot be read as arithmetic."""
    args = [", ".join(names[k] for names in inputs) for k in (1, 2)]
    name = prim.label
    if len(inputs) == 1:
        return [f"{name}′({args[0]})", rf"{_operator(name)}'({args[1]})"]
    return [
        f"∂{name}/∂{inputs[i][1]}({args[0]})",
        rf"\partial_{{{inputs[i][2]}}} {_operator(name)}({args[1]})",
    ]


# -- printing the statements ---------------------------------------------------------------------
# A piece of a formula: its text in one notation and how tightly it binds. Both notations are
# printed by the same functions, told which by `latex`.

Piece = tuple[str, int]


def _written(lines: Sequence[Any], result: object, names: Named) -> list[str]:
    """result (a Symbol, a number or an Undefined) as plain text and as LaTeX."""
    return [_print(lines, result, names, latex)[0] for latex in (False, True)]


def _print(lines: Sequence[Any], result: object, names: Named, latex: bool) -> Piece:
    # Statements come in order, each using earlier ones only: one pass prints them all.
    pieces = {name: (latex_name if latex else text, ATOM) for name, text, latex_name in names}
    for line in lines:
        assert isinstance(line, Statement) and isinstance(line.op, Primitive)
        args = [_operand(x, pieces, latex) for x in line.args]
        pieces[line.target] = _notation(line.op)(args, line.op, latex)
    return _operand(result, pieces, latex)


def _operand(x: object, pieces: dict[str, Piece], latex: bool) -> Piece:
    if isinstance(x, Symbol):
        return pieces[x.name]
    if isinstance(x, Undefined):
        return (r"\text{undefined}" if latex else "undefined", ATOM)
    return _number(float(x), latex)  # type: ignore[arg-type]


def _number(c: float, latex: bool) -> Piece:
    text = format(c, ".4g")
    return (text, ATOM) if c >= 0 else (_MINUS[latex] + text[1:], NEGATION)


_MINUS = {False: "−", True: "-"}  # the minus sign of plain text, and of LaTeX


def _wrapped(piece: Piece, least: int, latex: bool) -> str:
    """piece as an operand where at least `least` binds without parentheses."""
    if piece[1] >= least:
        return piece[0]
    return rf"\left({piece[0]}\right)" if latex else f"({piece[0]})"


Notation = Callable[[list[Piece], Primitive, bool], Piece]


def _add(args: list[Piece], op: Primitive, latex: bool) -> Piece:
    terms = [a for a in args if a[0] != "0"] or [("0", ATOM)]
    text = terms[0][0]
    for term in terms[1:]:
        if term[1] == NEGATION:  # a + (−b) is a − b
            text += f" {_MINUS[latex]} {term[0][1:]}"
        else:
            text += f" + {term[0]}"
    return (text, SUM if len(terms) > 1 else terms[0][1])


def _sub(args: list[Piece], op: Primitive, latex: bool) -> Piece:
    left, right = args
    if left[0] == "0":
        return _neg([right], op, latex)
    return (f"{left[0]} {_MINUS[latex]} {_wrapped(right, NEGATION + 1, latex)}", SUM)


def _neg(args: list[Piece], op: Primitive, latex: bool) -> Piece:
    (x,) = args
    if x[1] == NEGATION:  # −(−a) is a
        return (x[0][1:], PRODUCT)
    return (_MINUS[latex] + _wrapped(x, PRODUCT, latex), NEGATION)


def _mul(args: list[Piece], op: Primitive, latex: bool) -> Piece:
    factors = [a for a in args if a[0] != "1"] or [("1", ATOM)]
    minus_one = f"{_MINUS[latex]}1"
    if len(factors) == 2 and minus_one in (factors[0][0], factors[1][0]):
        return _neg([factors[factors[0][0] == minus_one]], op, latex)  # −1·a is −a
    if len(factors) == 2 and factors[0] == factors[1] and factors[0][1] == ATOM:
        return _raised(factors[0], 2.0, latex)  # y·y is y²
    if len(factors) == 2 and _constant(factors[1]) and not _constant(factors[0]):
        factors.reverse()  # the constant first: 2x, not x·2
    text = _wrapped(factors[0], NEGATION, latex)
    for factor in factors[1:]:
        shown = _wrapped(factor, PRODUCT + 1, latex)
        # Side by side where that reads unambiguously: 2x, y(1 − y); else a dot: x·y.
        after_number = text[-1:] in _DIGITS and shown[:1] not in _DIGITS
        if latex:
            together = shown.startswith(r"\left(") or after_number
            text += f" {shown}" if together else rf" \cdot {shown}"
        else:
            text += shown if shown.startswith("(") or after_number else f"·{shown}"
    return (text, PRODUCT if len(factors) > 1 else factors[0][1])


_DIGITS = "0123456789"


def _constant(piece: Piece) -> bool:
    try:
        float(piece[0].replace("−", "-"))
    except ValueError:
        return False
    return True


def _div(args: list[Piece], op: Primitive, latex: bool) -> Piece:
    top, bottom = args
    if latex:
        return (rf"\frac{{{top[0]}}}{{{bottom[0]}}}", ATOM)
    return (f"{_wrapped(top, NEGATION, False)}/{_wrapped(bottom, POWER, False)}", PRODUCT)


_SUPERSCRIPTS = str.maketrans("0123456789−", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def _raised(base: Piece, exponent: float | Piece, latex: bool) -> Piece:
    """base to a constant exponent (x², x^0.5), or to another piece (e^x, 2^y)."""
    if exponent == 1.0:
        return base
    shown = _number(exponent, latex) if isinstance(exponent, float) else exponent
    below = _wrapped(base, ATOM, latex)
    if latex:
        return (f"{below}^{{{shown[0]}}}", POWER)
    if isinstance(exponent, float) and exponent.is_integer():
        return (below + shown[0].translate(_SUPERSCRIPTS), POWER)
    return (f"{below}^{_wrapped(shown, ATOM, False)}", POWER)


def _power(args: list[Piece], op: Primitive, latex: bool) -> Piece:
    return _raised(args[0], float(op.params["exponent"]), latex)


def _pow(args: list[Piece], op: Primitive, latex: bool) -> Piece:
    return _raised(args[0], args[1], latex)


def _exponential(args: list[Piece], op: Primitive, latex: bool) -> Piece:
    return _raised(_number(float(op.params["base"]), latex), args[0], latex)


def _exp(args: list[Piece], op: Primitive, latex: bool) -> Piece:
    return _raised(("e", ATOM), args[0], latex)


def _sqrt(args: list[Piece], op: Primitive, latex: bool) -> Piece:
    if latex:
        return (rf"\sqrt{{{args[0][0]}}}", ATOM)
    return ("√" + _wrapped(args[0], ATOM, False), ATOM)


def _template(text: str, latex_text: str) -> Notation:
    """A notation that encloses its arguments: |x|, [x > 0], [a = b]."""

    def written(args: list[Piece], op: Primitive, latex: bool) -> Piece:
        return ((latex_text if latex else text).format(*(a[0] for a in args)), ATOM)

    return written


def _function(text_name: str = "", latex_name: str = "") -> Notation:
    """name(args): by the operation's label where no name is given (a user's primitive)."""

    def written(args: list[Piece], op: Primitive, latex: bool) -> Piece:
        name = (latex_name or _operator(op.label)) if latex else (text_name or op.label)
        joined = ", ".join(a[0] for a in args)
        return (rf"{name}\left({joined}\right)" if latex else f"{name}({joined})", ATOM)

    return written


def _indexed(args: list[Piece], op: Primitive, latex: bool) -> Piece:
    """Output i of a vector operation: softmaxᵢ(x₀, x₁, ...)."""
    index = int(op.params["index"])
    joined = ", ".join(a[0] for a in args)
    if latex:
        return (rf"{_operator(op.name)}_{{{index}}}\left({joined}\right)", ATOM)
    return (f"{op.name}{_subscript(index)}({joined})", ATOM)


def _operator(name: str) -> str:
    """A name as a LaTeX operator name (a user's may hold _ or other specials)."""
    escaped = "".join("\\" + ch if ch in "_&%$#{}" else ch for ch in name)
    return rf"\operatorname{{{escaped}}}"


def _subscript(i: int) -> str:
    return str(i).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


_NOTATIONS: dict[str, Notation] = {
    "add": _add,
    "sum": _add,
    "sub": _sub,
    "neg": _neg,
    "mul": _mul,
    "prod": _mul,
    "div": _div,
    "power": _power,
    "pow": _pow,
    "exponential": _exponential,
    "exp": _exp,
    "sqrt": _sqrt,
    "identity": lambda args, op, latex: args[0],
    "step": _template("[{0} > 0]", "[{0} > 0]"),
    "equal": _template("[{0} = {1}]", "[{0} = {1}]"),
    "abs": _template("|{0}|", r"\lvert {0} \rvert"),
    "xlogy": _template("{0}·log({1})", r"{0} \log\left({1}\right)"),
    "sigmoid": _function("σ", r"\sigma"),
    "tanh": _function("tanh", r"\tanh"),
    "sin": _function("sin", r"\sin"),
    "cos": _function("cos", r"\cos"),
    "log": _function("log", r"\log"),
    "max": _function("max", r"\max"),
    "min": _function("min", r"\min"),
    "softmax": _indexed,
}


def _notation(op: Primitive) -> Notation:
    """How op is written: its notation above, or as a function of its name."""
    if op.builtin and op.name in _NOTATIONS:
        return _NOTATIONS[op.name]
    return _function()
