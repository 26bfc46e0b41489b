"""Rendering DOT text to images: with Graphviz's ``dot`` program, or without it.

``dot`` renders every format. Without it, graphviz-pure (a self-contained port of Graphviz
with the same command line, in the ``viz`` extra) renders SVG and PNG. Both are run as a
program reading the DOT text, so one path serves both. Where neither can do what is asked,
the error says what to install; the DOT text itself never needs either.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from autodiff.distribution import install_hint

FORMATS = ("svg", "png", "pdf")
"""The image formats ``render`` produces."""
WITHOUT_DOT = ("svg", "png")
"""The formats that render without Graphviz's dot program (with graphviz-pure)."""

INSTALL_DOT = (
    "apt install graphviz (or brew install graphviz, conda install graphviz, "
    "https://graphviz.org/download/)"
)
INSTALL_PURE = install_hint("viz")
DOT_TEXT = "The DOT text needs nothing: save it as a .dot file."


class RenderingError(RuntimeError):
    """A diagram could not be rendered; the message says why, and what to install."""


def render(source: str, image_format: str) -> bytes:
    """The DOT text ``source`` rendered as ``image_format`` ('svg', 'png' or 'pdf')."""
    if image_format not in FORMATS:
        raise ValueError(f"cannot render {image_format!r}: choose one of {', '.join(FORMATS)}")
    program = find_dot() or (find_pure() if image_format in WITHOUT_DOT else None)
    if program is not None:
        return _run(program, source, image_format)
    if image_format in WITHOUT_DOT:
        raise RenderingError(
            f"rendering {image_format.upper()} needs Graphviz's dot program ({INSTALL_DOT}) "
            f"or graphviz-pure ({INSTALL_PURE}). {DOT_TEXT}"
        )
    raise RenderingError(
        f"rendering {image_format.upper()} needs Graphviz's dot program: {INSTALL_DOT}. "
        f"Without it, SVG and PNG render with graphviz-pure ({INSTALL_PURE}). {DOT_TEXT}"
    )


def find_dot() -> str | None:
    """The path of Graphviz's dot program, or None if it is not on the PATH."""
    return shutil.which("dot")


def find_pure() -> str | None:
    """The path of graphviz-pure's program: on the PATH, or beside this Python (a virtual
    environment that is not activated), or None if it is not installed."""
    beside = Path(sys.executable).parent / "graphviz-pure"
    return shutil.which("graphviz-pure") or (str(beside) if beside.exists() else None)


def _run(program: str, source: str, image_format: str) -> bytes:
    try:
        done = subprocess.run(
            [program, f"-T{image_format}"],
            input=source.encode("utf-8"),
            capture_output=True,
            check=False,
        )
    except OSError as error:
        raise RenderingError(f"could not run {program}: {error}") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip()
        name = Path(program).name
        raise RenderingError(f"{name} failed (exit code {done.returncode}): {message}")
    return done.stdout
