"""The manual as a reader meets it: the README, the guide (docs/guide/, every page found by a
glob), the course's index and the performance page. Each page's examples print what it says
(doctests, one test per page, each in a namespace of its own), its `autodiff` commands print
what it shows, and its tables of functions list what the engine has."""

from __future__ import annotations

import doctest
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

import autodiff
from autodiff.cli.expression import FUNCTIONS

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "guide"
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md")), ROOT / "notebooks/README.md"]


def registry() -> tuple[set[str], set[str]]:
    """What the guide's tables of functions are checked against: the engine's built-in
    operations, from its public registry, and the functions of the command line's expression
    language. The one place to change if the engine renames them."""
    operations = {n for n in autodiff.ops.__all__ if callable(getattr(autodiff.ops, n))}
    return operations, set(FUNCTIONS)


def name(page: Path) -> str:
    return str(page.relative_to(ROOT))


@pytest.mark.parametrize(
    "page", [p for p in PAGES if ">>> " in p.read_text(encoding="utf-8")], ids=name
)
def test_the_examples_of_a_page_print_what_it_says(page: Path) -> None:
    failures, tried = doctest.testfile(str(page), module_relative=False, encoding="utf-8")
    assert tried > 0
    assert failures == 0


def commands(page: Path) -> list[tuple[str, str]]:
    """Each `$ autodiff ...` of the page's console blocks, with what the page shows it print."""
    blocks = re.findall(r"^```console\n(.*?)^```", page.read_text(encoding="utf-8"), re.M | re.S)
    found = []
    for block in blocks:
        for command in re.split(r"^\$ ", block, flags=re.M)[1:]:
            line, _, printed = command.partition("\n")
            if line.startswith("autodiff "):
                found.append((line, printed))
    return found


@pytest.mark.parametrize(
    ("command", "printed"),
    [pytest.param(*c, id=f"{name(p)}: {c[0][:40]}") for p in PAGES for c in commands(p)],
)
def test_a_command_of_a_page_prints_what_it_shows(
    command: str, printed: str, tmp_path: Path
) -> None:
    program = Path(sys.executable).parent / "autodiff"  # the installed command
    arguments = shlex.split(command, comments=True)[1:]
    done = subprocess.run(
        [str(program), *arguments], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, printed, "")


def listed(page: Path, heading: str) -> set[str]:
    """The names in code in the first column of the table under the heading."""
    section = page.read_text(encoding="utf-8").split(f"\n{heading}\n")[1].split("\n#")[0]
    rows = [line.split("|")[1] for line in section.splitlines() if line.startswith("| `")]
    return {found for row in rows for found in re.findall(r"`(\w+)`", row)}


def test_the_tables_of_functions_list_the_engines() -> None:
    operations, language = registry()
    assert listed(GUIDE / "values.md", "## The operations") == operations
    assert listed(GUIDE / "command-line.md", "## The expression language") == language
