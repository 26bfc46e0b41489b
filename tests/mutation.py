"""Mutation testing of the engine core: would the fast tests notice if the engine were wrong?

``make mutation SEED=1 MUTANTS=120`` (not part of ``make test``) makes small changes to the
engine's files, one at a time, and runs the engine's fast tests against each: a change that
no test notices (a survivor) is behaviour that no test pins. The mutations, made on the syntax
tree of whatever Python the files contain: an arithmetic, comparison or boolean operator
swapped (``+``/``-``, ``<``/``<=``, ``==``/``!=``, ``and``/``or``), a numeric constant changed
(0 → 1, x → −x, x → 2x, 1 → 0), a condition negated, a unary ``-`` or ``not`` removed, a
return value replaced by None, a statement deleted, two arguments of a call swapped. A seeded
sample of every possible mutant is tried; the same seed tries the same mutants.

The repository is copied to a scratch folder first, and only the copy is changed: the files
themselves are never touched, and the copy's file is restored after each mutant, even on
Ctrl-C. Judging a mutant takes seconds:

1. once per run, the fast tests run on the unchanged copy under a line tracer, which records
   which test runs which line of the mutated files (and which lines run at import);
2. a mutant runs the tests that run its lines first, fastest first, then the others, and
   stops at the first failure: a mutant is killed in seconds, and declared a survivor only
   once every fast test has passed (a line may fill a cache that later tests read);
   hypothesis draws its examples from the run's seed, with no example database and no
   shrinking, so that a run can be replayed;
3. killed: a test fails, the package no longer imports, or a test runs past its time limit (a
   mutant that makes the tests hang; a memory limit stops one that makes them swallow memory);
   survived: every test passes, or no fast test runs the mutated line.

Mutants that no test can kill, because they do not change what the code does, are listed with
the reason in ``tests/mutation_equivalents.txt``, keyed by file, function, the mutated line's
text and the mutation, so that an entry survives unrelated edits; they are left out of the
score, which is killed / non-equivalent.

``--at FILE:LINE`` tries every mutant of a line instead of a sample: what do the tests pin
there? (``.venv/bin/python tests/mutation.py --at autodiff/value.py:512 autodiff/value.py``)

This module is also the pytest plugin (``-p mutation``) that traces and selects the tests in
those runs; its hooks do nothing unless the tool starts pytest.
"""

from __future__ import annotations

import argparse
import ast
import itertools
import json
import os
import random
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any, TypeAlias

import pytest

ROOT = Path(__file__).resolve().parent.parent
EQUIVALENTS = Path(__file__).with_name("mutation_equivalents.txt")
FAST_TESTS = ["tests/autodiff"]
"""The engine's tests: none needs a browser, the notebooks or the documentation site ..."""
NOT_FAST = ["tests/autodiff/test_widgets.py"]
"""... but the widgets' tests, which need the notebook packages (ipywidgets, anywidget)."""
COPIED = shutil.ignore_patterns(
    ".git", ".venv", "build", "__pycache__", ".hypothesis", ".*_cache", "demo-output"
)
MEMORY_LIMIT = 6 * 2**30  # bytes of address space for a test run: a mutant may allocate without end

# -- the mutants -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mutant:
    """One change to one file: the text between two offsets replaced."""

    file: str  # relative to the repository
    function: str  # the enclosing function's qualified name, or <module>
    line: int
    text: str  # the mutated line's source, stripped: with file, function and mutation, the key
    mutation: str
    start: int
    end: int
    replacement: str
    lines: frozenset[int]  # the lines whose running means the mutant ran

    @property
    def key(self) -> Key:
        return (self.file, self.function, self.text, self.mutation)

    def applied_to(self, source: str) -> str:
        return source[: self.start] + self.replacement + source[self.end :]


# The operator a mutant puts in the place of each: (its source, the replacement).
BINARY = {
    ast.Add: ("+", "-"),
    ast.Sub: ("-", "+"),
    ast.Mult: ("*", "/"),
    ast.Div: ("/", "*"),
    ast.FloorDiv: ("//", "/"),
    ast.Mod: ("%", "//"),
    ast.Pow: ("**", "*"),
}
COMPARISONS = {
    ast.Lt: ("<", "<="),
    ast.LtE: ("<=", "<"),
    ast.Gt: (">", ">="),
    ast.GtE: (">=", ">"),
    ast.Eq: ("==", "!="),
    ast.NotEq: ("!=", "=="),
    ast.Is: ("is", "is not"),
    ast.IsNot: ("is not", "is"),
    ast.In: ("in", "not in"),
    ast.NotIn: ("not in", "in"),
}
BOOLEAN = {ast.And: ("and", "or"), ast.Or: ("or", "and")}
DELETABLE = (
    ast.Assign,
    ast.AugAssign,
    ast.AnnAssign,
    ast.Expr,
    ast.Return,
    ast.Raise,
    ast.Assert,
    ast.Delete,
    ast.If,
    ast.For,
    ast.While,
    ast.With,
    ast.Try,
    ast.Continue,
    ast.Break,
)
Node: TypeAlias = ast.expr | ast.stmt
Key: TypeAlias = tuple[str, str, str, str]
"""A mutant's file, function, line (its text) and mutation."""
Equivalents: TypeAlias = dict[Key, str]
"""The reason why each mutant judged equivalent is, by key."""


class Finder:
    """Every mutant of one file's source, in the order of the source."""

    def __init__(self, file: str, source: str) -> None:
        self.file, self.source = file, source
        self.lines = source.splitlines(keepends=True)
        self.starts = [0]
        for line in self.lines:
            self.starts.append(self.starts[-1] + len(line))
        self.found: list[Mutant] = []
        self.seen: dict[Key, int] = {}
        self.function = ["<module>"]
        self.statement: list[ast.stmt] = []

    def offset(self, line: int, column: int) -> int:
        """The offset in the source of a position as ast gives it (column in UTF-8 bytes)."""
        text = self.lines[line - 1]
        return self.starts[line - 1] + len(text.encode()[:column].decode())

    def span(self, node: Node) -> tuple[int, int]:
        assert node.end_lineno is not None and node.end_col_offset is not None
        return (
            self.offset(node.lineno, node.col_offset),
            self.offset(node.end_lineno, node.end_col_offset),
        )

    def segment(self, node: Node) -> str:
        start, end = self.span(node)
        return self.source[start:end]

    def add(self, node: Node, mutation: str, start: int, end: int, replacement: str) -> None:
        text = self.lines[node.lineno - 1].strip()
        key = (self.file, self.function[-1], text, mutation)
        count = self.seen[key] = self.seen.get(key, 0) + 1
        if count > 1:  # the same change of an identical line in the same function
            mutation = f"{mutation} ({_ordinal(count)})"
        self.found.append(
            Mutant(
                self.file,
                self.function[-1],
                node.lineno,
                text,
                mutation,
                start,
                end,
                replacement,
                self.running(node),
            )
        )

    def running(self, node: Node) -> frozenset[int]:
        """The lines of node and of its statement (of a compound one, its header)."""
        lines = set(range(node.lineno, (node.end_lineno or node.lineno) + 1))
        statement = self.statement[-1] if self.statement else None
        if statement is not None:
            lines |= set(_header(statement))
        return frozenset(lines)

    # -- walking the tree: what is code that runs, and what is not ----------------------------

    def visit(self, node: ast.AST) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            self.definition(node)
        elif isinstance(node, ast.stmt):
            self.compound(node)
        elif not isinstance(node, ast.JoinedStr):  # f-strings: messages; positions unreliable
            if isinstance(node, ast.expr):
                self.mutate_expression(node)
            self.parts(node)

    def parts(self, node: ast.AST) -> None:
        """Visit the parts of node that run, but for the bodies of a compound statement."""
        for name, value in ast.iter_fields(node):
            if name in ("annotation", "returns", "type_comment"):
                continue  # annotations are not run (from __future__ import annotations)
            if name in ("body", "orelse", "finalbody", "handlers") and isinstance(node, ast.stmt):
                continue
            for child in value if isinstance(value, list) else [value]:
                if isinstance(child, ast.AST):
                    self.visit(child)

    def compound(self, node: ast.stmt) -> None:
        """A statement: its own mutants and its parts', then those of its bodies."""
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            return  # not run: what it states is for type checkers
        self.statement.append(node)
        self.mutate_statement(node)
        self.parts(node)
        self.statement.pop()
        for name in ("body", "orelse", "finalbody"):
            self.body(getattr(node, name, []))
        for handler in getattr(node, "handlers", []):
            self.body(handler.body)  # the exception it catches is not mutated

    def definition(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> None:
        outer = self.function[-1]
        self.function.append(node.name if outer == "<module>" else f"{outer}.{node.name}")
        self.statement.append(node)
        header: list[ast.AST] = [*node.decorator_list]
        if isinstance(node, ast.ClassDef):
            header += [*node.bases, *node.keywords]
        else:
            header.append(node.args)
        for child in header:
            self.visit(child)
        self.statement.pop()
        self.body(node.body)
        self.function.pop()

    def body(self, statements: list[ast.stmt]) -> None:
        for statement in statements:
            if not _is_docstring(statement):
                self.visit(statement)

    def mutate_statement(self, node: ast.stmt) -> None:
        if isinstance(node, DELETABLE) and not (isinstance(node, ast.AnnAssign) and not node.value):
            start, end = self.span(node)
            self.add(node, "statement deleted", start, end, _keeping_lines("pass", node))
        returned = node.value if isinstance(node, ast.Return) else None
        if returned is not None and not (
            isinstance(returned, ast.Constant) and returned.value is None
        ):
            start, end = self.span(returned)
            self.add(node, "returns None", start, end, _keeping_lines("None", returned))
        if isinstance(node, ast.AugAssign) and type(node.op) in BINARY:
            old, new = BINARY[type(node.op)]
            self.operator(node, node.target, node.value, old + "=", new + "=")
        if isinstance(node, ast.If | ast.While):
            self.negate(node.test, f"`{type(node).__name__.lower()}` condition negated")

    def mutate_expression(self, node: ast.expr) -> None:
        if isinstance(node, ast.BinOp) and type(node.op) in BINARY:
            self.operator(node, node.left, node.right, *BINARY[type(node.op)])
        elif isinstance(node, ast.Compare):
            for left, op, right in zip([node.left, *node.comparators], node.ops, node.comparators):
                self.operator(node, left, right, *COMPARISONS[type(op)])
        elif isinstance(node, ast.BoolOp):
            for left, right in zip(node.values, node.values[1:]):
                self.operator(node, left, right, *BOOLEAN[type(node.op)])
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.Not):
            start, end = self.span(node)
            symbol = "-" if isinstance(node.op, ast.USub) else "not"
            self.add(node, f"`{symbol}` removed", start, end, f"({self.segment(node.operand)})")
        elif isinstance(node, ast.IfExp):
            self.negate(node.test, "condition negated")
        elif isinstance(node, ast.Constant):
            self.constant(node)
        elif isinstance(node, ast.Call):
            self.swaps(node)
        for generator in getattr(node, "generators", []):
            for condition in generator.ifs:
                self.negate(condition, "comprehension filter negated")

    def operator(self, node: Node, left: Node, right: Node, old: str, new: str) -> None:
        """`old`, the one operator between left and right (parentheses and comments aside)."""
        start, end = self.span(left)[1], self.span(right)[0]
        gap = re.sub(r"#[^\n]*", lambda m: " " * len(m.group()), self.source[start:end])
        pattern = r"\s+".join(re.escape(word) for word in old.split())
        if old[0].isalpha():
            pattern = rf"\b{pattern}\b"
        found = list(re.finditer(pattern, gap))
        if len(found) == 1:
            at = start + found[0].start()
            self.add(node, f"`{old}` → `{new}`", at, start + found[0].end(), new)

    def negate(self, test: ast.expr, mutation: str) -> None:
        start, end = self.span(test)
        self.add(test, mutation, start, end, f"(not ({self.segment(test)}))")

    def constant(self, node: ast.Constant) -> None:
        value = node.value
        start, end = self.span(node)
        if type(value) is bool:
            self.add(node, f"`{value}` → `{not value}`", start, end, str(not value))
            return
        if not isinstance(value, int | float):
            return
        changed = [-value, 2 * value]
        if value in (0, 1):
            changed = [1 - value] + (changed if value else [])  # 0 → 1; 1 → 0, −1, 2
        for new in changed:
            shown = repr(type(value)(new))
            replacement = f"({shown})" if shown.startswith("-") else shown
            self.add(node, f"`{self.segment(node)}` → `{shown}`", start, end, replacement)

    def swaps(self, node: ast.Call) -> None:
        for i, (a, b) in enumerate(itertools.pairwise(node.args), start=1):
            if isinstance(a, ast.Starred) or isinstance(b, ast.Starred):
                continue
            first, second = self.segment(a), self.segment(b)
            if first != second:
                start, end = self.span(a)[0], self.span(b)[1]
                gap = self.source[self.span(a)[1] : self.span(b)[0]]
                self.add(
                    node, f"arguments {i} and {i + 1} swapped", start, end, second + gap + first
                )


def _ordinal(n: int) -> str:
    return f"{n}{'nd' if n == 2 else 'rd' if n == 3 else 'th'}"


def _header(statement: ast.stmt) -> range:
    """The lines of a statement; of a compound one, those before its body (decorators too)."""
    first = min([statement.lineno, *(d.lineno for d in getattr(statement, "decorator_list", []))])
    body = getattr(statement, "body", None)
    if isinstance(body, list) and body:
        return range(first, max(first, body[0].lineno - 1) + 1)
    return range(first, (statement.end_lineno or statement.lineno) + 1)


def _keeping_lines(replacement: str, node: Node) -> str:
    """The replacement, spread over as many lines as node, so that line numbers stay."""
    extra = (node.end_lineno or node.lineno) - node.lineno
    if not extra:
        return replacement
    if isinstance(node, ast.stmt):
        return replacement + "\n" * extra
    return f"({replacement}" + "\n" * extra + ")"


def _is_docstring(statement: ast.stmt) -> bool:
    return (
        isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Constant)
        and isinstance(statement.value.value, str)
    )


def _is_type_checking(test: ast.expr) -> bool:
    return isinstance(test, ast.Name) and test.id == "TYPE_CHECKING"


def mutants_of(file: str, source: str) -> list[Mutant]:
    """Every mutant of the file, in the order of the source."""
    finder = Finder(file, source)
    finder.body(ast.parse(source).body)
    return finder.found


def is_a_change(mutant: Mutant, source: str) -> bool:
    """Whether the mutant parses and changes the syntax tree (if not, this tool has a bug)."""
    try:
        return ast.dump(ast.parse(mutant.applied_to(source))) != ast.dump(ast.parse(source))
    except SyntaxError:
        return False


# -- the mutants judged equivalent -------------------------------------------------------------


def read_equivalents(path: Path) -> Equivalents:
    """The equivalents file: blocks separated by blank lines, each of the form::

        autodiff/value.py in backward
          line: <the mutated line, stripped>
          mutation: <the mutation, as this tool names it>
          why: <one line: why no test can tell the mutant from the original>

    (lines starting with # are comments).
    """
    found: Equivalents = {}
    if not path.exists():
        return found
    text = "\n".join(line for line in path.read_text().splitlines() if not line.startswith("#"))
    for block in re.split(r"\n\s*\n", text.strip()):
        head, *rest = block.splitlines()
        fields = {}
        for line in rest:
            name, _, value = line.strip().partition(": ")
            fields[name] = value
        file, _, function = head.partition(" in ")
        if set(fields) != {"line", "mutation", "why"} or not function:
            raise SystemExit(f"{path}: each block needs 'file in function', line, mutation, why")
        found[(file, function, fields["line"], fields["mutation"])] = fields["why"]
    return found


def shown(mutant: Mutant, **more: str) -> str:
    """A mutant as a block of the equivalents file."""
    lines = [f"{mutant.file} in {mutant.function}", f"  line: {mutant.text}"]
    lines.append(f"  mutation: {mutant.mutation}")
    lines += [f"  {name}: {value}" for name, value in more.items()]
    return "\n".join(lines)


# -- running the tests -------------------------------------------------------------------------

RECORD, SELECT, RESULT, TARGETS = (
    "MUTATION_RECORD",  # where the traced run writes which test ran which lines
    "MUTATION_SELECT",  # the tests to run, in order: "node id<TAB>time limit" per line
    "MUTATION_RESULT",  # where a run writes the first failure
    "MUTATION_TARGETS",  # the files whose lines the traced run records
)


@dataclass
class Coverage:
    """Which test ran which lines of the mutated files, and how long each took (traced)."""

    at_import: dict[str, set[int]]
    tests: dict[str, dict[str, set[int]]]
    seconds: dict[str, float]

    def running(self, mutant: Mutant) -> list[str]:
        """The tests that run any of the mutant's lines, fastest first."""
        hits = mutant.lines.intersection
        running = [test for test, ran in self.tests.items() if hits(ran.get(mutant.file, ()))]
        return sorted(running, key=self.seconds.__getitem__)

    def imported(self, mutant: Mutant) -> bool:
        """Whether any of the mutant's lines runs at import, on which every test depends."""
        return bool(mutant.lines.intersection(self.at_import.get(mutant.file, ())))

    def others(self, tests: list[str]) -> list[str]:
        """Every other test, fastest first."""
        return sorted(set(self.tests).difference(tests), key=self.seconds.__getitem__)


@dataclass
class Outcome:
    killed: bool
    note: str
    seconds: float


@dataclass
class Campaign:
    """The scratch copy of the repository, and the test runs in it."""

    copy: Path
    seed: int
    tests: list[str]
    coverage: Coverage = field(init=False)

    def pytest(self, env: dict[str, str], args: list[str], limit: float | None) -> tuple[int, str]:
        """pytest's exit code and output (-1: it ran past the limit, in seconds)."""
        command = [sys.executable, "-m", "pytest", "-x", "-q", f"--hypothesis-seed={self.seed}"]
        command += ["-p", "mutation", "-p", "_hypothesis_pytestplugin", "-p", "no:cacheprovider"]
        command += [f"--ignore={path}" for path in NOT_FAST]
        environment = {
            **os.environ,
            **env,
            "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",  # the few plugins needed, loaded above: faster
            "PYTHONDONTWRITEBYTECODE": "1",  # a mutant may keep its file's size and mtime
            "PYTHONPATH": str(self.copy / "tests"),
        }
        child = subprocess.Popen(
            [*command, *args],
            cwd=self.copy,  # so that `import autodiff` finds the copy first
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # its own process group, ended as a whole
        )
        try:
            output, _ = child.communicate(timeout=limit)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            child.communicate()
            return -1, ""
        except BaseException:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()
            raise
        return child.returncode, output

    def trace(self, files: Sequence[str]) -> None:
        """Run the fast tests on the unchanged copy, recording which test runs which line."""
        record = self.copy / ".mutation-coverage.json"
        targets = os.pathsep.join(str(self.copy / file) for file in files)
        code, output = self.pytest({RECORD: str(record), TARGETS: targets}, self.tests, None)
        if code != 0:
            raise SystemExit(f"the fast tests fail without any mutant:\n{output}")
        data = json.loads(record.read_text())
        relative = {str(self.copy / file): file for file in files}

        def lines(hits: dict[str, list[int]]) -> dict[str, set[int]]:
            return {relative[path]: set(numbers) for path, numbers in hits.items()}

        self.coverage = Coverage(
            lines(data["import"]),
            {test: lines(hits) for test, hits in data["tests"].items()},
            data["seconds"],
        )
        ran = {file for hits in self.coverage.tests.values() for file in hits}
        missing = ", ".join(file for file in files if file not in ran)
        if missing:
            raise SystemExit(f"no fast test runs {missing}: is it imported from elsewhere?")

    def judge(self, mutant: Mutant) -> Outcome:
        running = self.coverage.running(mutant)
        imported = self.coverage.imported(mutant)
        if not (running or imported):  # then no test can reach it: nothing to run
            return Outcome(False, "no fast test runs this line", 0.0)
        # Those first; then every other test, before a survivor is declared: a line that
        # fills a cache (a rule compiled on first use) ran for the first test that needed it
        # only, but its effect reaches every test after.
        tests = running + self.coverage.others(running)
        limits = {test: 10 + 5 * self.coverage.seconds[test] for test in tests}
        select, result = self.copy / ".mutation-select", self.copy / ".mutation-result"
        select.write_text("".join(f"{test}\t{limits[test]}\n" for test in tests))
        result.unlink(missing_ok=True)
        path = self.copy / mutant.file
        original = path.read_text()
        started = time.perf_counter()
        try:
            path.write_text(mutant.applied_to(original))
            files = sorted({test.split("::")[0] for test in tests})
            env = {SELECT: str(select), RESULT: str(result)}
            # A last resort: each test has its own limit (see pytest_runtest_protocol).
            limit = 120 + 3 * sum(self.coverage.seconds[test] for test in tests)
            code, output = self.pytest(env, files, limit)
        finally:
            path.write_text(original)
        seconds = time.perf_counter() - started
        failure = result.read_text().strip() if result.exists() else ""
        if code == 0:
            ran = f"run by {_count(len(running), 'fast test')}"
            ran += f" (fastest: {running[0]})" if running else ""
            ran += ", and at import" if imported else ""
            return Outcome(False, f"{ran}; every fast test passed", seconds)
        if code == -1:
            return Outcome(True, "the tests ran past their time limit", seconds)
        if code in (1, 2, 3) or code < 0:
            return Outcome(True, failure or f"pytest exited with {code}", seconds)
        raise SystemExit(f"pytest could not run the tests (exit code {code}):\n{output}")


def _count(n: int, thing: str) -> str:
    return f"{n} {thing}{'' if n == 1 else 's'}"


# -- the pytest plugin: tracing, selecting and limiting the tests of a run ---------------------

_hits: set[tuple[str, int]] = set()
_at_import = _hits
_recorded: dict[str, set[tuple[str, int]]] = {}
_seconds: dict[str, float] = {}
_limits: dict[str, float] = {}


class TimeLimitError(Exception):
    """A test ran past its time limit: the mutant made it hang."""


def pytest_configure(config: pytest.Config) -> None:
    if not (os.environ.get(RECORD) or os.environ.get(SELECT)):
        return
    from hypothesis import Phase, settings  # noqa: PLC0415 -- the tool itself needs no hypothesis

    # The run's examples come from its seed alone: no database of earlier failures. No
    # shrinking: a mutant is killed by the first failure, whatever it is.
    settings.register_profile(
        "mutation",
        settings(database=None, phases=[Phase.explicit, Phase.generate, Phase.target]),
    )
    settings.load_profile("mutation")
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    if os.environ.get(RECORD):
        targets = set(os.environ[TARGETS].split(os.pathsep))

        def traced(frame: FrameType, event: str, arg: object) -> Callable[..., Any] | None:
            if frame.f_code.co_filename not in targets:
                return None
            _hits.add((frame.f_code.co_filename, frame.f_lineno))
            return lines

        def lines(frame: FrameType, event: str, arg: object) -> Callable[..., Any]:
            if event == "line":
                _hits.add((frame.f_code.co_filename, frame.f_lineno))
            return lines

        sys.settrace(traced)
        threading.settrace(traced)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not os.environ.get(SELECT):
        return
    for line in Path(os.environ[SELECT]).read_text().splitlines():
        test, limit = line.split("\t")
        _limits[test] = float(limit)
    by_id = {item.nodeid: item for item in items}
    chosen = [by_id[test] for test in _limits if test in by_id]
    config.hook.pytest_deselected(items=[item for item in items if item.nodeid not in _limits])
    items[:] = chosen


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Generator[None, object, object]:
    global _hits  # noqa: PLW0603 -- the tracer adds to the set of the test now running
    limit = _limits.get(item.nodeid)
    if limit is not None:

        def time_is_up(signum: int, frame: FrameType | None) -> None:
            _first_failure(item.nodeid, f"E ran past its time limit ({limit:.3g} s)")
            raise TimeLimitError

        signal.signal(signal.SIGALRM, time_is_up)
        # Again each second after the first: hypothesis may run a hanging example once more.
        signal.setitimer(signal.ITIMER_REAL, limit, 1.0)
    if os.environ.get(RECORD):
        _hits = _recorded.setdefault(item.nodeid, set())
    started = time.perf_counter()
    try:
        return (yield)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        _seconds[item.nodeid] = time.perf_counter() - started
        _hits = _at_import


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.failed and os.environ.get(RESULT):
        _first_failure(report.nodeid, report.longreprtext)


def pytest_collectreport(report: pytest.CollectReport) -> None:
    if report.failed and os.environ.get(RESULT):
        _first_failure(f"collecting {report.nodeid}", report.longreprtext)


def _first_failure(where: str, text: str) -> None:
    path = Path(os.environ[RESULT])
    if not path.exists():
        last = [line for line in text.splitlines() if line.startswith("E ")][-1:] or ["E"]
        path.write_text(f"{where}: {last[0][1:].strip()[:160]}")


def pytest_sessionfinish(session: pytest.Session) -> None:
    if not os.environ.get(RECORD):
        return
    sys.settrace(None)

    def by_file(hits: set[tuple[str, int]]) -> dict[str, list[int]]:
        files: dict[str, list[int]] = {}
        for path, line in sorted(hits):
            files.setdefault(path, []).append(line)
        return files

    data = {
        "import": by_file(_at_import),
        "tests": {test: by_file(hits) for test, hits in _recorded.items()},
        "seconds": {test: _seconds[test] for test in _recorded},
    }
    Path(os.environ[RECORD]).write_text(json.dumps(data))


# -- the command line --------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="+", help="the files to mutate, relative to the repository")
    parser.add_argument("--seed", type=int, default=None, help="which mutants (default: random)")
    parser.add_argument("--mutants", type=int, default=120, help="how many (default: 120)")
    parser.add_argument(
        "--at",
        action="append",
        metavar="FILE:LINE",
        help="every mutant of this line instead of a sample (a test's author asking what it pins)",
    )
    args = parser.parse_args(argv)
    seed = random.randrange(2**32) if args.seed is None else args.seed
    equivalents = read_equivalents(EQUIVALENTS)
    sources = {file: (ROOT / file).read_text() for file in args.files}
    every = [m for file in args.files for m in mutants_of(file, sources[file])]
    if args.at:
        sample = [m for m in every if f"{m.file}:{m.line}" in args.at]
    else:
        sample = random.Random(seed).sample(every, min(args.mutants, len(every)))
    sample.sort(key=lambda m: (m.file, m.start, m.mutation))
    for mutant in sample:
        if not is_a_change(mutant, sources[mutant.file]):
            raise SystemExit(f"a bug of this tool: a mutant changes nothing or breaks: {mutant}")
    print(
        f"{len(sample)} mutants of {len(every)} possible in {', '.join(args.files)}, "
        f"seed {seed} (replay: make mutation SEED={seed} MUTANTS={args.mutants})"
    )
    stale = set(equivalents) - {m.key for m in every}
    for key in sorted(stale):
        print(f"note: an entry of {EQUIVALENTS.name} matches no mutant any more: {' | '.join(key)}")
    started = time.perf_counter()
    outcomes: list[tuple[Mutant, Outcome]] = []
    with tempfile.TemporaryDirectory(prefix="mutation-") as scratch:
        campaign = Campaign(Path(scratch) / "repo", seed, FAST_TESTS)
        shutil.copytree(ROOT, campaign.copy, ignore=COPIED)
        signal.signal(signal.SIGTERM, _interrupted)
        try:
            campaign.trace(args.files)
            print(f"traced the fast tests in {time.perf_counter() - started:.0f} s")
            for i, mutant in enumerate(sample, start=1):
                if mutant.key in equivalents:
                    outcome = Outcome(False, "equivalent: " + equivalents[mutant.key], 0.0)
                else:
                    outcome = campaign.judge(mutant)
                outcomes.append((mutant, outcome))
                print(
                    f"[{i:3}/{len(sample)}] {_verdict(mutant, outcome, equivalents):10} "
                    f"{outcome.seconds:5.1f} s  {mutant.file}:{mutant.line} {mutant.mutation}"
                    f"  ({outcome.note})",
                    flush=True,
                )
        except KeyboardInterrupt:
            print(f"interrupted after {len(outcomes)} mutants; the files are as they were")
    report(outcomes, equivalents, time.perf_counter() - started)
    return 130 if len(outcomes) < len(sample) else 0


def _interrupted(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _verdict(mutant: Mutant, outcome: Outcome, equivalents: Equivalents) -> str:
    if mutant.key in equivalents:
        return "equivalent"
    return "killed" if outcome.killed else "SURVIVED"


def report(
    outcomes: list[tuple[Mutant, Outcome]],
    equivalents: Equivalents,
    seconds: float,
) -> None:
    equivalent = [(m, o) for m, o in outcomes if m.key in equivalents]
    judged = [(m, o) for m, o in outcomes if m.key not in equivalents]
    killed = sum(o.killed for _, o in judged)
    survivors = [(m, o) for m, o in judged if not o.killed]
    print()
    if equivalent:
        print(f"equivalent ({len(equivalent)}, left out of the score; {EQUIVALENTS.name}):")
        for mutant, _ in equivalent:
            print(f"  {mutant.file}:{mutant.line} {mutant.mutation}: {equivalents[mutant.key]}")
    if survivors:
        print(f"survivors ({len(survivors)}), each as a block of {EQUIVALENTS.name} would be:")
        for mutant, outcome in survivors:
            print(f"{mutant.file}:{mutant.line}")
            print(shown(mutant, note=outcome.note))
    score = killed / len(judged) if judged else 1.0
    print(
        f"\nscore: {killed} killed of {len(judged)} non-equivalent mutants = {score:.1%} "
        f"({len(survivors)} survived, {len(equivalent)} equivalent), in {seconds / 60:.1f} min"
    )


if __name__ == "__main__":
    raise SystemExit(main())
