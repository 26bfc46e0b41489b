"""Rendering a diagram where Graphviz's ``dot`` program is not installed.

With ``dot`` on the PATH the graphviz package renders every format itself. Without it,
graphviz-pure (a self-contained port of Graphviz 16 with dot's command line, in the ``viz``
extra) renders SVG and PNG from pip packages alone, fonts included. What still cannot render
raises a `RenderingError` naming the command that installs what is missing, and only that.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from autodiff.distribution import install_hint

WITHOUT_DOT = ("svg", "png")
"""The formats that render without Graphviz's dot program (with graphviz-pure)."""

INSTALL_DOT = (
    "sudo apt install graphviz (or brew install graphviz, conda install graphviz, "
    "https://graphviz.org/download/)"
)
INSTALL_PURE = install_hint("viz")
DOT_TEXT = "The DOT text needs nothing: .source holds it."
SUFFIXES = {".svg": "svg", ".png": "png", ".pdf": "pdf", ".dot": "dot", ".gv": "dot"}
"""What `Diagram.write` writes, by the file's suffix."""


class RenderingError(RuntimeError):
    """A diagram could not be rendered; the message says why, and what to install."""


def render_without_dot(source: str, image_format: str, engine: str = "dot") -> bytes:
    """The DOT text ``source`` rendered as ``image_format`` by graphviz-pure, or the reason
    it cannot be, with the command that makes it possible."""
    pure = find_pure()
    if pure is None or image_format not in WITHOUT_DOT or engine != "dot":
        raise RenderingError(missing(image_format, engine, pure_installed=pure is not None))
    try:
        done = subprocess.run(
            [pure, f"-T{image_format}"],
            input=source.encode("utf-8"),
            capture_output=True,
            check=False,
        )
    except OSError as error:
        raise RenderingError(f"could not run {pure}: {error}") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip()
        raise RenderingError(f"graphviz-pure failed (exit code {done.returncode}): {message}")
    return done.stdout


def missing(image_format: str, engine: str, *, pure_installed: bool) -> str:
    """Why ``image_format`` cannot render here, and the command that makes it render."""
    if image_format in WITHOUT_DOT and engine == "dot":  # so graphviz-pure is missing
        return (
            f"rendering {image_format.upper()} needs graphviz-pure: {INSTALL_PURE}; or "
            f"Graphviz's dot program: {INSTALL_DOT}. {DOT_TEXT}"
        )
    what = image_format.upper() if engine == "dot" else f"with the {engine} engine"
    without = "SVG and PNG with the dot engine render without it"
    pure = (
        "graphviz-pure is installed"
        if pure_installed
        else f"once graphviz-pure is installed: {INSTALL_PURE}"
    )
    return f"rendering {what} needs Graphviz's programs: {INSTALL_DOT}. {without} ({pure})."


def find_dot() -> str | None:
    """The path of Graphviz's dot program, or None if it is not on the PATH."""
    return shutil.which("dot")


def find_pure() -> str | None:
    """The path of graphviz-pure's program: on the PATH, or beside this Python (a virtual
    environment that is not activated), or None if it is not installed."""
    beside = Path(sys.executable).parent / "graphviz-pure"
    return shutil.which("graphviz-pure") or (str(beside) if beside.exists() else None)


def format_of(path: str | os.PathLike[str]) -> str:
    """The format a file of this name holds ('svg', 'png', 'pdf', 'dot'), from its suffix."""
    suffix = Path(path).suffix.lower()
    if suffix not in SUFFIXES:
        known = ", ".join(SUFFIXES)
        raise ValueError(f"cannot write {os.fspath(path)!r}: use a name ending in one of {known}")
    return SUFFIXES[suffix]
