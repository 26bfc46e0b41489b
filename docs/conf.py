"""Sphinx's configuration of the documentation site, which `make docs` builds into build/site/.

The site's sources are the repository's own files, where GitHub shows them too, so that their
relative links work in both places: README.md (the front page); the guide, docs/guide/*.md;
the course, notebooks/README.md and every notebook in notebooks/ (shown with the outputs of a
run: see docs/executed_notebooks.py); docs/api/*.md, the API reference, generated from the
packages' `__all__` and docstrings; and docs/performance.md.
"""

from __future__ import annotations

import itertools
import re
import shutil
import sys
from pathlib import Path
from typing import Any

import nbformat
from sphinx.application import Sphinx

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS))

import executed_notebooks  # noqa: E402 -- found through the line above
import lite  # noqa: E402
import widget_pictures  # noqa: E402

project = "autodiff"
author = "the autodiff authors"
copyright = "the autodiff authors"

# The source folder is the repository (make docs: sphinx-build -c docs . build/site), and only
# these files in it are pages.
root_doc = "README"
include_patterns = [
    "README.md",
    "notebooks/README.md",
    "notebooks/*.ipynb",
    "docs/*.md",
    "docs/*/*.md",
]
exclude_patterns = [".venv", "build", "**/.ipynb_checkpoints"]

# sphinx-mathjax-offline: formulas are drawn by MathJax 3 from the site itself, not a CDN.
extensions = ["myst_nb", "sphinx.ext.autodoc", "sphinx-mathjax-offline"]

# Markdown (README and notebooks): headings get anchors as on GitHub ([Performance](#performance)),
# $...$ and $$...$$ are formulas.
myst_heading_anchors = 3
myst_enable_extensions = ["dollarmath"]

# The notebooks are run by executed_notebooks (one run shared with tests/test_notebooks.py), and
# handed to myst-nb with their outputs, which it then shows as they are.
nb_execution_mode = "off"
# One output per stream, as Jupyter shows it (a kernel may send a line in pieces).
nb_merge_streams = True
# Markdown that a cell displays is read as on GitHub, tables included (notebook 03's timings).
nb_render_markdown_format = "gfm"
# A site that works offline: no widget JavaScript from a CDN. A widget's output shows instead
# the picture of its state at the end of the run (docs/widget_pictures.py), as HTML.
nb_ipywidgets_js: dict[str, dict[str, str]] = {}
nb_mime_priority_overrides = [("html", "application/vnd.jupyter.widget-view+json", None)]
# A diagram as an SVG file of its own, not the HTML beside it, which is for JupyterLab (it fits
# the output's width there: autodiff.diagrams.diagram.Diagram._repr_mimebundle_).
nb_mime_priority_overrides += [("html", "image/svg+xml", 25)]  # type: ignore[list-item]

# The API reference: members as each package's __all__ lists them, in source order; `name` in a
# docstring is code (and a link where it names a documented object).
autodoc_default_options = {"members": True, "member-order": "bysource"}
autodoc_typehints = "signature"
default_role = "py:obj"

html_theme = "furo"
html_title = "autodiff"
html_copy_source = False
html_static_path = ["static"]
html_css_files = ["widgets.css"]
html_show_sourcelink = False


# The site's navigation, added to the front page where GitHub does not show it. The guide's
# pages in reading order (the teachers' first), then any other page in docs/guide/, and every
# notebook: found by globs (a new page or notebook needs no edit here).
NAVIGATION = """

```{toctree}
:caption: Guide
:glob:
:hidden:

docs/guide/teaching
docs/guide/values
docs/guide/transformations
docs/guide/compiling
docs/guide/primitives
docs/guide/nn
docs/guide/diagrams
docs/guide/widgets
docs/guide/command-line
docs/guide/*
```

```{toctree}
:caption: Course
:glob:
:hidden:

notebooks/README
notebooks/*
```

```{toctree}
:caption: API
:hidden:

docs/api/autodiff
docs/api/widgets
docs/api/testing
docs/api/nn
```

```{toctree}
:caption: Performance
:hidden:

docs/performance
```
"""


# The docstrings are plain text, with `code` in backticks, read as reStructuredText: what is
# markup there but text in them (|x| is an absolute value, x ** n and 2 * x are products)
# is escaped, outside the backticks (code may go on over a line's end) and outside the blocks
# that reStructuredText shows as written: literal blocks (indented after a line ending in ::)
# and doctest blocks (from >>> to a blank line). docs/check_links.py checks the result.
MARKUP = re.compile(r"(``.*?``|`[^`]*`)|([|*])", re.DOTALL)  # code may span lines


def escape_markup(  # noqa: PLR0917 -- the arguments Sphinx passes
    app: Sphinx, what: str, name: str, obj: object, options: object, lines: list[str]
) -> None:
    lines[:] = escaped(lines)


def escaped(lines: list[str]) -> list[str]:
    """A docstring's lines, with the markup in its text escaped."""
    result: list[str] = []
    for literal, group in itertools.groupby(zip(lines, as_written(lines)), key=lambda p: p[1]):
        text = "\n".join(line for line, _ in group)
        if not literal:
            text = MARKUP.sub(lambda m: m.group(1) or "\\" + m.group(2), text)
        result += text.split("\n")
    return result


def as_written(lines: list[str]) -> list[bool]:
    """Whether each line of a docstring is in a literal block or a doctest block."""
    flags = []
    opened_at: int | None = None  # the indent of the line ending in :: that opened a block
    doctest = False
    for line in lines:
        indent = len(line) - len(line.lstrip())
        if line.strip() and opened_at is not None and indent <= opened_at:
            opened_at = None
        doctest = bool(line.strip()) and (doctest or line.lstrip().startswith(">>>"))
        flags.append(doctest or (opened_at is not None))
        if opened_at is None and line.rstrip().endswith("::"):
            opened_at = indent
    return flags


def read_source(app: Sphinx, docname: str, source: list[str]) -> None:
    """Add the navigation to the front page; hand myst-nb the executed copy of a notebook
    instead of the committed one, its widgets drawn from their saved state."""
    if docname == root_doc:
        source[0] += NAVIGATION
    elif (path := Path(app.env.doc2path(docname))).suffix == ".ipynb":
        notebook = executed_notebooks.executed(path)
        widget_pictures.draw_widgets(notebook)
        source[0] = nbformat.writes(notebook)  # type: ignore[no-untyped-call]


def execute_stale_notebooks(app: Sphinx) -> None:
    """Run the notebooks whose executed copies are stale, two at a time, before reading any."""
    executed_notebooks.execute_all(executed_notebooks.NOTEBOOKS)


def front_page(app: Sphinx, exception: Exception | None) -> None:
    """The README is the front page: index.html, beside README.html (same links)."""
    if exception is None and app.builder.format == "html":
        outdir = Path(app.outdir)
        shutil.copyfile(outdir / "README.html", outdir / "index.html")


# The course in the browser (docs/lite.py builds it into build/site/lite/, after the site): each
# notebook's page links to that notebook there, and the guide says how it works.
RUN_IN_BROWSER = (
    '<p class="run-in-browser"><a href="../lite/lab/index.html?path={notebook}">'
    "&#9654; Run in your browser</a>: this notebook in JupyterLite, with nothing to install "
    '(<a href="../docs/guide/in-the-browser.html">how, and what runs there</a>)</p>'
)
ON_A_MACHINE = (
    '<p class="run-in-browser">This notebook needs {needs}, which the course in the browser has '
    "not: run it on your machine (<code>make lab</code> installs it; "
    '<a href="../docs/guide/in-the-browser.html">what runs in the browser</a>)</p>'
)


def run_in_browser(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: object
) -> None:
    """Put the link to the notebook in the browser course at the top of its page."""
    if (DOCS.parent / f"{pagename}.ipynb").exists() and "body" in context:
        notebook = Path(pagename).name + ".ipynb"
        needs = lite.ON_A_MACHINE.get(notebook)
        link = (
            ON_A_MACHINE.format(needs=needs) if needs else RUN_IN_BROWSER.format(notebook=notebook)
        )
        context["body"] = link + context["body"]


def setup(app: Sphinx) -> dict[str, Any]:
    # MathJax on every page, not only those with formulas in their text: a widget's picture
    # (docs/widget_pictures.py) may hold formulas too (the stepper's local derivatives).
    app.set_html_assets_policy("always")
    app.connect("html-page-context", run_in_browser)
    app.connect("builder-inited", execute_stale_notebooks)
    app.connect("source-read", read_source)
    app.connect("autodoc-process-docstring", escape_markup)
    app.connect("build-finished", front_page)
    return {"parallel_read_safe": True}
