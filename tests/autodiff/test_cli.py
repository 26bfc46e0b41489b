"""The autodiff command: grad, draw, demo; exit codes and error messages, never a traceback."""

from __future__ import annotations

import ast
import contextlib
import io
import math
import re
import subprocess
import sys
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import fails, needs_dot

from autodiff import cli
from autodiff.cli import main
from autodiff.cli.expression import Formula, parse

NEURON = ["tanh(x1*w1 + x2*w2 + b)", "--at", "x1=2,x2=0,w1=-3,w2=1,b=6.8813735870195432"]


def run(*argv: str) -> tuple[int, str, str]:
    """main(argv): its exit code, stdout and stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def printed(output: str) -> dict[str, float]:
    return {
        name.strip(): float(number)
        for name, number in (line.split("=") for line in output.splitlines())
    }


def test_grad_prints_the_value_and_the_derivative() -> None:
    code, out, err = run("grad", "x**2 * sin(x)", "--at", "x=1.5")
    x = 1.5
    assert (code, err) == (0, "")
    assert out.splitlines()[0].startswith("f     = 2.24436")
    assert printed(out) == pytest.approx(
        {"f": x**2 * math.sin(x), "df/dx": 2 * x * math.sin(x) + x**2 * math.cos(x)}
    )


def test_grad_prints_second_derivatives() -> None:
    code, out, _ = run("grad", "x**2 * sin(x) + x*y", "--at", "y=-1", "--at", "x=1.5", "--second")
    x = 1.5
    assert code == 0
    assert printed(out) == pytest.approx(
        {
            "f": x**2 * math.sin(x) - x,
            "df/dx": 2 * x * math.sin(x) + x**2 * math.cos(x) - 1,
            "df/dy": x,
            "d2f/dx dx": 2 * math.sin(x) + 4 * x * math.cos(x) - x**2 * math.sin(x),
            "d2f/dx dy": 1.0,
            "d2f/dy dy": 0.0,
        }
    )


def test_grad_of_numbers_alone_prints_the_value() -> None:
    assert run("grad", "2 ** 10") == (0, "f = 1024.0\n", "")


def test_draw_prints_the_dot_text() -> None:
    code, out, _ = run("draw", *NEURON, "--params", "w1,w2,b", "--highlight", "x1")
    assert code == 0
    assert out.startswith("digraph influence {")
    assert 'label="f = tanh\\ndata 0.7071\\ngrad 1"' in out
    assert "green: parameters" in out and "#e03131" in out


@pytest.mark.parametrize(
    "suffix",
    [".svg", ".png", pytest.param(".pdf", marks=needs_dot), ".dot"],
)
def test_draw_writes_the_format_of_the_suffix(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"neuron{suffix}"
    code, out, _ = run("draw", *NEURON, "-o", str(path), "--rankdir", "TB", "--no-grad")
    assert (code, out) == (0, f"wrote {path}\n")
    assert path.stat().st_size > 100


def test_options_reach_the_diagram() -> None:
    _, out, _ = run("draw", "x*y", "--at", "x=1,y=2", "--no-derivatives", "--number-format", ".2f")
    assert not re.search(r"-> n\d+ \[(x)?label", out) and "data 2.00" in out
    _, out, _ = run("draw", "x*y", "--at", "x=1,y=2", "--max-nodes", "1")
    assert "2 more Values not shown" in out
    _, out, _ = run("draw", "x*y", "--at", "x=1,y=2", "--steady")
    assert "fontname=Courier" in out and "data           2" in out  # 11 characters for .4g


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (["grad", "log(x)", "--at", "x=-1"], 1, "log(x) needs x > 0"),
        (["grad", "9**9**9**9**9"], 1, "too large for a float"),
        (["grad", "x * 1e308 * 10", "--at", "x=10"], 1, "overflowed"),
        (["grad", "sqrt(x)", "--at", "x=0"], 1, "does not exist as a finite real number"),
        (["grad", "1/x", "--at", "x=1e-170"], 1, "df/dx is -inf at this point"),
        (["grad", "y/y", "--at", "y=1e-300", "--second"], 1, "d2f/dy dy is nan at this point"),
        (["draw", "1/x", "--at", "x=1e-170"], 1, "the grad of x is -inf"),
        (["draw", "0*log(x)", "--at", "x=5e-324"], 1, "the edge from x to log is inf"),
        (["grad", "x.real", "--at", "x=1"], 2, "attribute access"),
        (["grad", "__import__('os').system('echo hi')"], 2, "only these functions"),
        (["grad", "x" * 1_000_000], 2, "at most 10000"),
        (["grad", "(" * 3000 + "x" + ")" * 3000], 2, "not an expression"),
        (["grad", " " + "-" * 5000 + "x", "--at", "x=1"], 2, "nested too deeply"),
        (["grad", "x + y", "--at", "x=1"], 2, "no value for y: give it with --at y=NUMBER"),
        (["grad", "x", "--at", "x"], 2, "--at needs NAME=NUMBER, got 'x'"),
        (["grad", "x", "--at", "x=one"], 2, "'one' is not a number"),
        (["grad", "x", "--at", "x=1,x=2"], 2, "gives x twice"),
        (["grad", "x", "--at", "x=1,y=2"], 2, "does not use"),
        (["grad", "x", "--at", "x=inf"], 2, "not a finite number"),
        (["grad", "x", "--at", "exp=1"], 2, "cannot be a variable's name"),
        (["grad", "x", "--at", "x=1,"], 2, "--at needs NAME=NUMBER"),
        (["draw", "x", "--at", "x=1", "-o", "x.jpg"], 2, "use a name ending in one of"),
        (["draw", "x", "--at", "x=1", "--params", "w"], 2, "'w' is not a variable"),
        (["draw", "x", "--at", "x=1", "--number-format", "q"], 2, "number_format"),
        (["draw", "x", "--at", "x=1", "--max-nodes", "0"], 2, "max_nodes"),
        (["draw", "x", "--at", "x=1", "--max-nodes", "many"], 2, "invalid int value"),
        (["draw", "x", "--at", "x=1", "-o", "x.png", "--dpi", "5"], 2, "from 20 to 600 dots"),
        (["frobnicate"], 2, "invalid choice"),
        ([], 2, "required"),
    ],
)
def test_errors_are_one_line_with_the_right_exit_code(
    argv: list[str], code: int, message: str
) -> None:
    actual, _, err = run(*argv)
    assert actual == code
    assert message in err
    assert "Traceback" not in err


def test_at_names_are_read_as_python_reads_the_expressions() -> None:
    assert run("grad", "ﬁ*2", "--at", "ﬁ=3") == (0, "f      = 6.0\ndf/dfi = 2.0\n", "")
    assert "gives fi twice" in run("grad", "fi", "--at", "ﬁ=3,fi=4")[2]


def test_a_diagram_that_cannot_be_rendered_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", "")  # no dot; PNG would still render with graphviz-pure: PDF
    code, _, err = run("draw", *NEURON, "-o", str(tmp_path / "neuron.pdf"))
    assert code == 1
    assert "apt install graphviz" in err and "Traceback" not in err
    assert run("draw", *NEURON, "-o", str(tmp_path / "neuron.dot"))[0] == 0


@pytest.mark.parametrize("command", [[], ["grad"], ["draw"]])
def test_help(command: list[str]) -> None:
    code, out, _ = run(*command, "--help")
    assert code == 0
    assert out.startswith(f"usage: autodiff {' '.join(command)}".rstrip())
    if not command:
        assert "demo" in out


def test_demo_hands_its_arguments_to_nn_demo(monkeypatch: pytest.MonkeyPatch) -> None:
    received: list[list[str]] = []

    def fake_main(argv: list[str]) -> int:
        received.append(argv)
        return 3

    fake = types.ModuleType("nn.demo")
    fake.main = fake_main  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "nn.demo", fake)
    assert main(["demo", "--help", "--epochs", "2"]) == 3
    assert received == [["--help", "--epochs", "2"]]


def test_demo_without_nn_demo_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "nn.demo", None)  # importing it fails
    code, _, err = run("demo")
    assert code == 1 and "nn.demo" in err and "Traceback" not in err


def test_python_m_autodiff_cli() -> None:
    done = python_m_autodiff_cli("grad", "x**2 * sin(x)", "--at", "x=1.5")
    assert done.returncode == 0 and done.stdout.startswith("f     = 2.24436")
    done = python_m_autodiff_cli("grad", "x**2 * sin(x)", "--at", "x=nope")
    assert done.returncode == 2
    assert done.stderr == "autodiff grad: error: --at x: 'nope' is not a number\n"


@pytest.mark.parametrize(
    "argv",
    [
        ["grad", "1if x else 2", "--at", "x=1"],  # Python's parser warns about "1if"
        ["grad", "1if 1else " * 900 + "1"],
        ["grad", "(" * 3_000 + "x" + ")" * 3_000],
        ["grad", " " + "-" * 5_000 + "x", "--at", "x=1"],
        ["grad", "y/y", "--at", "y=1e-300", "--second"],
        ["draw", "x*2", "--at", "x=1", "-o", "/nonexistent/g.svg"],
    ],
    ids=["warning", "warnings", "parentheses", "minus signs", "nan", "unwritable"],
)
def test_a_hostile_command_line_gets_one_line_on_stderr(argv: list[str]) -> None:
    done = python_m_autodiff_cli(*argv)
    assert done.returncode in (1, 2)
    assert done.stderr.startswith(f"autodiff {argv[0]}: error: ")
    assert done.stderr.count("\n") == 1, done.stderr  # no traceback, no warning


def python_m_autodiff_cli(*argv: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "autodiff", *argv]
    return subprocess.run(command, capture_output=True, text=True, check=False)


def any_command_line_exits_cleanly() -> Callable[[], None]:
    """main() returns an exit code, never raises, and an error is one line on stderr."""

    @given(st.text(max_size=40), st.text(max_size=20))
    def check(expression: str, at: str) -> None:
        argv = ["grad", expression, "--at", at]
        try:
            code, _, err = run(*argv)
        except Exception as error:  # escaping main, it would print a traceback
            raise AssertionError(f"main({argv!r}) raised {error!r}") from error
        assert code in (0, 1, 2)
        assert code == 0 or err.count("\n") == 1 or err.startswith("usage:")

    return check


def test_any_command_line_exits_cleanly() -> None:
    any_command_line_exits_cleanly()()


def test_the_command_line_property_catches_an_escaping_exception(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def parse_leaking_python_errors(text: str) -> Formula:
        ast.parse(text.strip(), mode="eval")  # a SyntaxError escapes
        return parse(text)

    monkeypatch.setattr(cli, "parse", parse_leaking_python_errors)
    fails(any_command_line_exits_cleanly())


def test_softmax_gives_the_jacobian_row_by_row() -> None:
    code, out, _ = run("grad", "softmax(x, 2*y)", "--at", "x=1,y=0.5")
    assert code == 0
    assert list(printed(out)) == ["f[0]", "df[0]/dx", "df[0]/dy", "f[1]", "df[1]/dx", "df[1]/dy"]
    assert printed(out)["f[0]"] == pytest.approx(0.5)
    code, _, err = run("draw", "softmax(x, y)", "--at", "x=1,y=2")
    assert code == 2 and "a diagram has one output" in err


@pytest.mark.parametrize(
    ("expression", "at", "value"),
    [
        ("leaky_relu(x, 0.2)", "x=-1", -0.2),
        ("dot(x, 2, 3, 4)", "x=1", 1 * 3 + 2 * 4),  # w1, w2, x1, x2
        ("dot(x, 2, 3)", "x=1", 1 * 2 + 3),  # w1, x1, b
        ("logsumexp(x, x)", "x=0", math.log(2)),
        ("x * pi + e", "x=1", math.pi + math.e),
        ("+".join(["x"] * 300), "x=1", 300.0),  # a flat chain, not deep nesting
    ],
)
def test_the_language_offers_parameters_constants_and_flat_chains(
    expression: str, at: str, value: float
) -> None:
    code, out, err = run("grad", expression, "--at", at)
    assert code == 0, err
    assert printed(out)["f"] == pytest.approx(value)


def test_a_constant_cannot_be_given_a_value() -> None:
    code, _, err = run("grad", "x + e", "--at", "x=1,e=2")
    assert code == 2 and "e is a constant of the language" in err


def test_version() -> None:
    code, out, _ = run("--version")
    assert code == 0 and out.startswith("autodiff 0.1.0 (influence-autodiff)")


def test_a_missing_output_folder_is_named_in_one_line(tmp_path: Path) -> None:
    code, out, err = run("draw", "x*2", "--at", "x=1", "-o", str(tmp_path / "no" / "g.svg"))
    assert (code, out) == (1, "")
    path, folder = tmp_path / "no" / "g.svg", tmp_path / "no"
    assert err == f"autodiff draw: error: cannot write {path}: there is no folder {folder}\n"


FRAGMENTS = [
    "x",
    "y",
    "2",
    "-1.5",
    "1e400",
    "pi",
    "e",
    "x*y",
    "x/y",
    "x**y",
    "y**0.5",
    "(x+1)",
    *(f"{name}(x)" for name in ("exp", "log", "sqrt", "tanh", "relu", "abs", "sin", "softplus")),
    "leaky_relu(x, 0.2)",
    "leaky_relu(x, y)",
    "softmax(x, y)",
    "dot(x, y, 1, 2)",
    "max(x, y)",
    "sum()",
    "tanh(x, 1)",
    "x.real",
    "__import__('os')",
    "[x]",
    "x if y else 1",
    "",
]


@st.composite
def command_lines(draw: st.DrawFn, folder: Path) -> list[str]:
    """A command line of any command, built from pieces of the language and its options."""
    command = draw(st.sampled_from(["grad", "draw", "demo", "nope"]))
    if command == "demo":  # its own options, refused before any training
        return [
            command,
            *draw(
                st.lists(
                    st.sampled_from(["--epochs", "0", "--dataset", "x", "--seed", "z"]),
                    min_size=1,
                    max_size=3,
                )
            ),
        ]
    parts = draw(st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=3))
    joiner = draw(st.sampled_from([" + ", " * ", ", ", " - "]))
    argv = [command, joiner.join(parts)]
    argv += [
        "--at",
        draw(st.sampled_from(["x=1,y=2", "x=0,y=-1", "x=nan", "x=1", "y=2,x=1e300", "x=1,x=2"])),
    ]
    choices: dict[str, list[list[str]]] = {
        "grad": [["--second"], []],
        "draw": [
            ["-o", str(folder / "g.svg")],
            ["-o", str(folder / "g.dot")],
            ["--params", "x"],
            ["--highlight", "y"],
            ["--max-nodes", "0"],
            ["--number-format", "%d"],
            ["--rankdir", "TB"],
        ],
        "nope": [[]],
    }
    options = choices[command]
    for option in draw(st.lists(st.sampled_from(options), max_size=2)):
        argv += option
    return argv


def every_command_exits_cleanly(folder: Path) -> Callable[[], None]:
    @given(command_lines(folder))
    def check(argv: list[str]) -> None:
        try:
            code, _, err = run(*argv)
        except Exception as error:  # escaping main, it would print a traceback
            raise AssertionError(f"main({argv!r}) raised {error!r}") from error
        assert code in (0, 1, 2), argv
        assert code == 0 or err.count("\n") == 1 or err.startswith("usage:"), (argv, err)

    return check


def test_every_command_exits_cleanly_on_any_command_line(tmp_path: Path) -> None:
    every_command_exits_cleanly(tmp_path)()


def test_the_every_command_property_catches_an_escaping_exception(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(options: Any) -> int:
        raise KeyError("a bug deep inside")

    monkeypatch.setattr(cli, "_draw", broken)
    fails(every_command_exits_cleanly(tmp_path))
