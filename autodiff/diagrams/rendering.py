"""Rendering a diagram where Graphviz's ``dot`` program is not installed.

With ``dot`` on the PATH the graphviz package renders every format itself. Without it,
graphviz-pure (a self-contained port of Graphviz 16 with dot's command line, in the ``viz``
extra) renders SVG and PNG from pip packages alone, fonts included. In the browser (Pyodide,
as in the course's JupyterLite site), where no program can run, Graphviz compiled to
WebAssembly renders SVG: see `render_in_browser`. What still cannot render raises a
`RenderingError` naming the command that installs what is missing, and only that.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

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
    """The DOT text ``source`` rendered as ``image_format`` by graphviz-pure (in the browser,
    by Graphviz in WebAssembly), or the reason it cannot be, with what makes it possible."""
    if sys.platform == "emscripten":
        return render_in_browser(source, image_format, engine)
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


# -- in the browser ---------------------------------------------------------------------------

VIZ = "viz.js"
"""@viz-js/viz's ES module (Graphviz compiled to WebAssembly, in one file), which the browser
course serves beside Pyodide's lock file (`make docs` puts it there)."""

_browser: dict[str, Any] = {}
"""The promise of this page's Graphviz ("loading"), and once settled, its outcome ("outcome":
the instance, or why there is none)."""


def render_in_browser(source: str, image_format: str, engine: str = "dot") -> bytes:
    """The DOT text rendered as SVG by Graphviz in WebAssembly, under Pyodide.

    Rendering is synchronous; making the renderer is not (the module is fetched and its
    WebAssembly compiled: some 0.4 s), so it is made once, at the first diagram. A cell waits
    for it (`pyodide.ffi.run_sync`, where the browser has JavaScript Promise Integration, as
    Chrome and Edge 137 and later have); a widget's callback cannot wait, and uses the one
    its cell made. Where nothing can wait, loading starts and the error says to run again.
    """
    if image_format != "svg":
        raise RenderingError(
            f"in the browser, diagrams render as SVG only (Graphviz in WebAssembly); "
            f"{image_format.upper()} needs Graphviz on a machine: {INSTALL_DOT}. {DOT_TEXT}"
        )
    from js import Object  # noqa: PLC0415 -- only under Pyodide
    from pyodide.ffi import JsException, to_js  # noqa: PLC0415

    viz = _graphviz()
    options = to_js({"format": "svg", "engine": engine}, dict_converter=Object.fromEntries)
    try:
        svg: str = viz.renderString(source, options)
    except JsException as error:
        raise RenderingError(f"Graphviz (WebAssembly) could not render it: {error}") from None
    return svg.encode("utf-8")


def _graphviz() -> Any:
    """This page's Graphviz instance, made at the first call (see `render_in_browser`)."""
    import pyodide_js  # noqa: PLC0415 -- only under Pyodide
    from pyodide.code import run_js  # noqa: PLC0415
    from pyodide.ffi import can_run_sync, create_once_callable, run_sync  # noqa: PLC0415

    url = f"{pyodide_js.lockfileBaseUrl or ''}{VIZ}"
    if "loading" not in _browser:
        # It settles either way, to {viz} or {error}: a failure is told, not thrown in JS.
        loading = run_js(
            f"import({json.dumps(url)}).then(module => module.instance()).then("
            "viz => ({viz, error: null}), error => ({viz: null, error: String(error)}))"
        )
        _browser["loading"] = loading

        def settled(outcome: Any) -> None:
            if _browser.get("loading") is loading:  # not a late answer to an attempt given up
                _browser["outcome"] = outcome

        loading.then(create_once_callable(settled))
    if "outcome" not in _browser and can_run_sync():
        _browser["outcome"] = run_sync(_browser["loading"])
    outcome = _browser.get("outcome")
    if outcome is None:
        raise RenderingError(
            "Graphviz (WebAssembly) is loading, and this browser cannot wait for it inside a "
            "cell (it lacks JavaScript Promise Integration): run the cell again in a moment."
        )
    if outcome.viz is None:
        _browser.clear()  # the next diagram tries again
        raise RenderingError(
            f"could not load Graphviz (WebAssembly) from {url}: {outcome.error}. The browser "
            f"course (make docs) serves @viz-js/viz's {VIZ} there."
        )
    return outcome.viz
