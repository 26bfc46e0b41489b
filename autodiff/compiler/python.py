"""From a program to a Python function: names, and expressions a reader can follow.

A Value whose label makes a Python identifier lends the code its name (``w1.2.1`` gives
``w1_2_1``, its gradient ``g_w1_2_1``); only names that pass `identifier` are ever written, so
no text a user gave can run. A number used once, by the next statements of its block, is
written into the expression that uses it (``g4 += g7 * (1.0 - t3 * t3)``), up to a depth.
"""

from __future__ import annotations

import builtins
import keyword
import re
from collections.abc import Callable, Sequence
from typing import Any

from autodiff.code import Names, Program

_RESERVED = frozenset(dir(builtins)) | {"math", "np", "GuardFailed"}
_MADE = re.compile(r"[tg]\d+$")  # the names the program makes, which labels may not take


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
        or _MADE.match(name)
    ):
        return None
    return name


def build(
    program: Program,
    parameters: Sequence[str],
    results: Sequence[Any],
    *,
    single: bool,
    labels: dict[str, str],
    name: str,
) -> Callable[..., Any]:
    """The compiled function of parameters running the program and returning its results
    (one, or a tuple); its source is its ``__source__``."""
    names = _names(program, parameters, labels)
    body = program.source(program.inlined(names, results), names)
    texts = [names.bare(r, program.text(r, names)) for r in results]
    returned = texts[0] if single else f"({', '.join(texts)}{',' if len(texts) == 1 else ''})"
    body.append(f"    return {returned}")
    return program.function(identifier(name) or "compiled", parameters, body)


def _names(program: Program, parameters: Sequence[str], labels: dict[str, str]) -> Names:
    """The final name of each name of the program that a label names; the others keep theirs."""
    taken = set(parameters)
    names = Names()
    for made, label in labels.items():
        if made in taken:
            continue
        if label == made:  # a name of the program's own, kept (for teaching: t3, g_t3)
            taken.add(made)
            names[made] = made
            continue
        wanted = identifier(label)
        if wanted is None:
            continue
        candidate, k = wanted, 2
        while candidate in taken:
            candidate, k = f"{wanted}_{k}", k + 1
        taken.add(candidate)
        names[made] = candidate
    return names
