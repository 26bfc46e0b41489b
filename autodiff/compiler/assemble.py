"""From lines to a function: final names by liveness, and large programs in pieces.

A name is reused once the number it held is no longer needed, so that CPython frees that
float at once and the next one takes its place (measured: the compiled demo step ran 1.4×
faster than with one name per value). A Value whose label makes a Python identifier lends
the code its name (``w1.2.1`` gives ``w1_2_1``, its adjoint ``g_w1_2_1``); only names that
pass `identifier` are ever written, so no text a user gave can run.

CPython's compiler takes ~2.6 KB of memory per statement: a program longer than `CHUNK`
lines is compiled as several functions, each short, passing the numbers they share through
one list.
"""

from __future__ import annotations

import builtins
import heapq
import keyword
import re
from collections.abc import Callable, Sequence
from typing import Any

from autodiff.code import Program
from autodiff.compiler.emit import Line

CHUNK = 20_000
"""Lines per compiled function, at most (about 45 MB of the compiler's memory)."""
REUSE_FROM = 1_000
"""Programs at least this long reuse names; a shorter one, read more than it runs, keeps one
name per number."""

_RESERVED = frozenset(dir(builtins)) | {"math", "np", "GuardFailed"}
_REGISTER = re.compile(r"[tgs]\d+$")  # the names of registers, which labels may not take


def identifier(label: str) -> str | None:
    """The name a label gives in code, if it gives one: an ASCII identifier (dots become
    underscores), not a keyword, a builtin, a name of the generated code, or private."""
    name = label.replace(".", "_")
    if (
        not name.isascii()
        or not name.isidentifier()
        or keyword.iskeyword(name)
        or name in _RESERVED
        or name.startswith("_")
        or _REGISTER.match(name)
    ):
        return None
    return name


def build(
    program: Program,
    lines: list[Line],
    *,
    parameters: Sequence[str],
    results: Sequence[str],
    single: bool,
    preferred: dict[str, str],
    name: str,
) -> tuple[Callable[..., Any], str]:
    """The compiled function of parameters running lines and returning results, and its
    source. ``preferred`` maps names of lines to the names they would like in the code."""
    tuple_ = f"({', '.join(results)},)" if results else "()"
    result = results[0] if single else tuple_
    lines = [*lines, Line.of(f"return {result}")]
    chunks = _split(lines)
    if len(chunks) == 1:
        body, _ = _named(lines, parameters, preferred)
        function = program.function(name, parameters, None, body)
        return function, function.__source__  # type: ignore[attr-defined]
    return _assemble_chunks(program, chunks, parameters, preferred, name)


def _split(lines: list[Line]) -> list[list[Line]]:
    """Consecutive pieces of about CHUNK lines. A piece cut inside blocks begins by opening
    them again (``if g7:``): their conditions, adjoints, no longer change once they begin."""
    chunks: list[list[Line]] = [[]]
    headers: list[Line] = []  # the blocks the next line is inside
    previous = 0
    for line in lines:
        while headers and headers[-1].depth >= line.depth:
            headers.pop()
        if len(chunks[-1]) >= CHUNK and line.depth <= previous:  # not a block's first line
            chunks.append(list(headers))
        chunks[-1].append(line)
        if line.text.endswith(":"):
            headers.append(line)
        previous = line.depth
    return chunks


def _assemble_chunks(
    program: Program,
    chunks: list[list[Line]],
    parameters: Sequence[str],
    preferred: dict[str, str],
    name: str,
) -> tuple[Callable[..., Any], str]:
    """One function per chunk, and one calling them in turn; numbers that one chunk makes
    and a later one uses pass through the list ``_s``."""
    uses: list[set[str]] = [_names_in(chunk) for chunk in chunks]
    later_uses: list[set[str]] = [set()]
    for names in reversed(uses[1:]):
        later_uses.append(later_uses[-1] | names)
    later_uses.reverse()
    slots: dict[str, int] = {}
    sources = []
    calls = []
    earlier: set[str] = set()
    for i, chunk in enumerate(chunks):
        loads = sorted(uses[i] & earlier)
        stores = sorted(uses[i] & later_uses[i])
        earlier |= uses[i]
        for n in stores:
            slots.setdefault(n, len(slots))
        # A name first set inside a block may stay unset (the block skipped): set it first,
        # so that storing it for the pieces after is no error (they skip its block too).
        in_block = _first_set_in_a_block(chunk)
        unset = [n for n in stores if n not in loads and n in in_block]
        body = [Line.of(f"{{{n}}} = _s[{slots[n]}]") for n in loads + unset] + chunk
        if i < len(chunks) - 1:
            body += [Line.of(f"_s[{slots[n]}] = {{{n}}}") for n in stores]
        params = ["_s", *parameters]
        named, _ = _named(body, params, preferred)
        piece = program.function(f"_piece{i}", params, None, named)
        program.namespace[f"_piece{i}"] = piece
        sources.append(piece.__source__)  # type: ignore[attr-defined]
        calls.append(f"_piece{i}({', '.join(params)})")
    driver = [f"_s = [0.0] * {len(slots)}", *calls[:-1], f"return {calls[-1]}"]
    function = program.function(name, parameters, None, driver)
    return function, "\n".join([*sources, function.__source__])  # type: ignore[attr-defined]


def _first_set_in_a_block(lines: list[Line]) -> set[str]:
    """The names whose first line sets them inside a block. One pass: asking line by line
    for each name stored cost seconds on the demo step (names × lines)."""
    first_depth: dict[str, int] = {}
    for line in lines:
        if line.target is not None:
            first_depth.setdefault(line.target, line.depth)
    return {name for name, depth in first_depth.items() if depth > 0}


def _names_in(lines: list[Line]) -> set[str]:
    found = set()
    for line in lines:
        found.update(line.reads)
    return found


def _named(
    lines: list[Line], fixed: Sequence[str], preferred: dict[str, str]
) -> tuple[list[str], dict[str, str]]:
    """The lines as text with their final names: each name of a line holds its number from
    its first line to its last use, then returns to a pool for the next."""
    last: dict[str, int] = {}
    for i, line in enumerate(lines):
        for n in line.reads:
            last[n] = i
    dying: dict[int, list[str]] = {}
    for n, i in last.items():
        dying.setdefault(i, []).append(n)
    pools = _Pools(set(fixed))
    reuse = len(lines) >= REUSE_FROM
    final: dict[str, str] = {}
    texts = []
    for i, line in enumerate(lines):
        target = line.target
        if target is not None and target not in final:
            final[target] = pools.take(target, preferred.get(target))
        texts.append("    " * line.depth + line.text.format_map(final))
        for n in dying.get(i, ()) if reuse else ():
            if n in final:
                pools.give_back(final[n])
    return texts, final


class _Pools:
    """Free names: registers t<k> (numbers) and g<k> (adjoints), and labels' variants."""

    def __init__(self, taken: set[str]) -> None:
        self.taken = set(taken)  # names in use now, and names never to be given
        self.free: dict[str, list[int]] = {}
        self.next: dict[str, int] = {}

    def take(self, ssa: str, label: str | None) -> str:
        if label is not None:
            for k in range(1, 100):
                candidate = label if k == 1 else f"{label}_{k}"
                if candidate not in self.taken:
                    self.taken.add(candidate)
                    return candidate
        prefix = "g" if ssa.startswith("a") else "t"
        free = self.free.setdefault(prefix, [])
        k = heapq.heappop(free) if free else self._new(prefix)
        name = f"{prefix}{k}"
        self.taken.add(name)
        return name

    def _new(self, prefix: str) -> int:
        k = self.next.get(prefix, 0)
        self.next[prefix] = k + 1
        return k

    def give_back(self, name: str) -> None:
        self.taken.discard(name)
        m = _REGISTER.match(name)
        if m is not None:
            heapq.heappush(self.free.setdefault(name[0], []), int(name[1:]))
