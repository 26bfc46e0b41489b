"""The documentation site's tools. Its check (docs/check_links.py), on small sites made here:
it finds every kind of broken reference, and code showing escaped markup, and passes a site
whose references all resolve (`make docs` runs it on the real site; tests/test_browser.py opens
that site). The escaping of docstrings' markup (docs/conf.py), which leaves code as written.
The key under which a notebook's run is kept (docs/executed_notebooks.py). The pictures of the
notebooks' widgets, drawn from their saved state (docs/widget_pictures.py). And what `make docs`
installs, which must bring every module the site imports."""

from __future__ import annotations

import ast
import base64
import importlib.metadata
import json
import re
import sys
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import conf
from check_links import broken_links
from executed_notebooks import ROOT, environment, execution_key, installed_by
from nbformat import from_dict
from packaging.utils import canonicalize_name
from widget_pictures import STATE, VIEW, draw_widgets

GOOD = """<html><head><link rel="stylesheet" href="_static/site.css"></head><body>
<h1 id="top">Top</h1><a href="#top">here</a> <a href="notebooks/one.html#a-section">there</a>
<a href="notebooks/">the folder's index</a> <img src="_images/diagram.svg">
<a href="https://example.org/">elsewhere</a> <a href="mailto:someone@example.org">mail</a>
<script src="data:text/javascript,1"></script></body></html>"""


def make_site(folder: Path, front_page: str) -> Path:
    (folder / "_static").mkdir()
    (folder / "_static" / "site.css").write_text("")
    (folder / "_images").mkdir()
    (folder / "_images" / "diagram.svg").write_text("<svg/>")
    (folder / "notebooks").mkdir()
    (folder / "notebooks" / "one.html").write_text('<h2 id="a-section">A</h2><a href="../">up</a>')
    (folder / "notebooks" / "index.html").write_text('<a href="one.html">one</a>')
    (folder / "index.html").write_text(front_page)
    return folder


def test_a_site_whose_references_all_resolve_passes(tmp_path: Path) -> None:
    broken, external = broken_links(make_site(tmp_path, GOOD))
    assert broken == []
    assert external == 2  # counted, not fetched


def test_each_kind_of_broken_reference_is_found(tmp_path: Path) -> None:
    page = GOOD.replace(
        "</body>",
        """
<a href="notebooks/two.html">a missing page</a> <a href="#bottom">a missing anchor</a>
<a href="notebooks/one.html#b-section">a missing anchor elsewhere</a>
<img src="_images/plot.png"> <a href="../../outside.html">outside</a>
<script src="https://cdn.example.org/mathjax.js"></script>
<link rel="stylesheet" href="//cdn.example.org/theme.css"></body>""",
    )
    broken, _ = broken_links(make_site(tmp_path, page))
    assert sorted(broken) == sorted(
        [
            "index.html: notebooks/two.html (no such file)",
            "index.html: #bottom (no such anchor)",
            "index.html: notebooks/one.html#b-section (no such anchor)",
            "index.html: ../../outside.html (outside the site)",
            "index.html: //cdn.example.org/theme.css (loaded from another site)",
            "index.html: _images/plot.png (no such file)",
            "index.html: https://cdn.example.org/mathjax.js (loaded from another site)",
        ]
    )


def test_code_on_a_page_that_shows_escaped_markup_is_found(tmp_path: Path) -> None:
    page = GOOD.replace(
        "</body>",
        """<pre><span>lambda</span> <span>x</span>, out: 3 <span>\\</span>* x</pre>
<p>|x| and 2 * x in text, <code>x * y</code> and <code>a | b</code> in code</p>
<code><span class="pre">x\\*\\*3</span></code></body>""",
    )
    broken, _ = broken_links(make_site(tmp_path, page))
    assert broken == [
        "index.html: code shows escaped markup: 'lambda x, out: 3 \\\\* x'",
        "index.html: code shows escaped markup: 'x\\\\*\\\\*3'",
    ]


def test_markup_is_escaped_in_a_docstrings_text_and_not_in_its_code() -> None:
    """|x| and 2 * x in text are not reStructuredText's markup; in a literal block (after ::)
    and a doctest block (>>>) they are shown as written, and must stay so."""
    docstring = """The rule of |x| is sign(x) and 2 * x is a product, but `x ** 2` is code,
    and so is this::

        @primitive(derivative=lambda x, out: 3 * x * x)
        def cube(x): ...

    Text again: a | b.

    >>> grad(lambda x: x ** 3)(2.0)
    12.0

    And 3 * x."""
    lines = [line.removeprefix("    ") for line in docstring.splitlines()]
    assert conf.escaped(lines) == [
        "The rule of \\|x\\| is sign(x) and 2 \\* x is a product, but `x ** 2` is code,",
        "and so is this::",
        "",
        "    @primitive(derivative=lambda x, out: 3 * x * x)",
        "    def cube(x): ...",
        "",
        "Text again: a \\| b.",
        "",
        ">>> grad(lambda x: x ** 3)(2.0)",
        "12.0",
        "",
        "And 3 \\* x.",
    ]


def test_a_notebook_is_run_again_when_it_changes_and_only_then(tmp_path: Path) -> None:
    """The executed copy of a notebook, shared by the site and tests/test_notebooks.py, is
    reused only under the same key: the same notebook, packages and environment."""
    notebook = tmp_path / "notebook.ipynb"
    notebook.write_text('{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}')
    key = execution_key(notebook)
    assert execution_key(notebook) == key
    notebook.write_text(notebook.read_text().replace("[]", '[{"cell_type": "raw"}]'))
    assert execution_key(notebook) != key


# -- make docs from a fresh clone: the docs extra brings all the site imports --------------------


def test_the_docs_extra_brings_every_import_of_the_site() -> None:
    """`make docs` installs the project with the `docs` extra only (a fresh clone has nothing
    else; `make test` installs `dev` too, which once hid a missing hypothesis). Every module the
    site imports must come with it: to build (docs/*.py, Sphinx's extensions and theme), to
    document (every module of the packages, as autodoc imports them) and to run the notebooks
    (their imports, the packages' own, and the kernel)."""
    sources = [*(ROOT / "docs").glob("*.py"), *(ROOT / "autodiff").rglob("*.py")]
    sources += [*(ROOT / "nn").rglob("*.py")]
    code = [path.read_text(encoding="utf-8") for path in sources]
    for notebook in (ROOT / "notebooks").glob("*.ipynb"):
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
        code += ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    needed = {name for text in code for name in imports(text)}
    needed |= {*conf.extensions, conf.html_theme, "ipykernel"}
    local = {"autodiff", "nn", *(path.stem for path in (ROOT / "docs").glob("*.py"))}
    # Pyodide's own modules, imported in the browser course only, where Pyodide is the Python.
    in_the_browser = {"js", "pyodide", "pyodide_js"}
    third_party = needed - set(sys.stdlib_module_names) - local - in_the_browser
    installed = installed_by("influence-autodiff", {"docs"})
    providers = importlib.metadata.packages_distributions()
    missing = {
        name: providers.get(name.split(".")[0], [])
        for name in third_party
        if not {canonicalize_name(d) for d in providers.get(name.split(".")[0], [])} & installed
    }
    assert missing == {}  # each import the docs extra lacks, with what would bring it


def imports(code: str) -> set[str]:
    """The modules code imports: import statements anywhere, and importlib.import_module of a
    name written out."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
        elif (
            isinstance(node, ast.Call)
            and ast.unparse(node.func) == "importlib.import_module"
            and isinstance(node.args[0], ast.Constant)
        ):
            found.add(str(node.args[0].value))
    return {name.split(".")[0] for name in found}


def test_the_browser_course_leaves_out_what_needs_a_machine_and_its_page_says_so() -> None:
    """A notebook that needs what the browser has not (PyTorch) is not in the course, and its
    page on the site says where it runs instead of linking to it."""
    import lite  # noqa: PLC0415 -- docs/lite.py, the browser course's build

    assert lite.ON_A_MACHINE and not {p.name for p in lite.NOTEBOOKS} & set(lite.ON_A_MACHINE)
    for notebook, needs in lite.ON_A_MACHINE.items():
        assert (ROOT / "notebooks" / notebook).exists()
        context = {"body": "<p>the notebook</p>"}
        conf.run_in_browser(None, f"notebooks/{notebook[:-6]}", "page", context, None)  # type: ignore[arg-type]
        assert f"needs {needs}" in context["body"] and "lite/lab" not in context["body"]
    context = {"body": ""}
    conf.run_in_browser(None, "notebooks/01-training-an-mlp", "page", context, None)  # type: ignore[arg-type]
    assert "lite/lab/index.html?path=01-training-an-mlp.ipynb" in context["body"]


def test_installing_the_test_tools_does_not_run_the_notebooks_again() -> None:
    """make test builds the site with the docs extra, then installs the test tools: the key of
    a notebook's run covers the docs extra's distributions, not theirs, so the notebooks' test
    reuses the site's runs."""
    listed = [line.lower() for line in environment().splitlines()]
    assert any(line.startswith("sphinx==") for line in listed)
    assert not [line for line in listed if line.startswith(("pytest==", "ruff==", "mypy=="))]


# -- the notebooks' widgets on the site ----------------------------------------------------------

SVG = """<svg xmlns="http://www.w3.org/2000/svg" width="62pt" height="116pt"
viewBox="0.00 0.00 62.00 116.00"><g id="graph0" class="graph">
<g id="node1" class="node"><title>n0</title><text>y</text></g>
<g id="node2" class="node"><title>n1</title><text>x</text></g></g></svg>"""


def widget(name: str, **state: object) -> dict[str, object]:
    return {"model_name": name, "model_module": "@jupyter-widgets/controls", "state": state}


def notebook_showing(saved: dict[str, object]) -> Any:
    """A notebook whose one output is the widget "top", with the widgets' state saved."""
    view = {VIEW: {"model_id": "top", "version_major": 2}, "text/plain": "<a stand-in>"}
    output = {"output_type": "display_data", "data": view, "metadata": {}}
    cell = {"cell_type": "code", "source": "", "metadata": {}, "outputs": [output]}
    return from_dict(  # type: ignore[no-untyped-call]
        {"cells": [cell], "metadata": {"widgets": {STATE: {"state": saved}}}, "nbformat": 4}
    )


def test_a_widget_on_the_site_is_a_picture_of_its_saved_state() -> None:
    """A stepper-like widget: its text, its diagram as the viewer showed it (the part in view,
    the boxes a search found outlined), a progress bar at its end, a slider where it stood."""
    saved = {
        "top": widget(
            "VBoxModel", children=["IPY_MODEL_text", "IPY_MODEL_canvas", "IPY_MODEL_row"]
        ),
        "text": widget("HTMLModel", value="Step 2 of 5: n passes its grad 0.5 back"),
        "canvas": {
            "model_name": "AnyModel",
            "model_module": "anywidget",
            "state": {
                "svg": SVG,
                "view": [10.0, 20.0, 30.5, 40.0],
                "matches": ["node2"],
                "height": 350,
            },
        },
        "row": widget(
            "HBoxModel", children=["IPY_MODEL_bar", "IPY_MODEL_slider", "IPY_MODEL_gone"]
        ),
        "bar": widget("FloatProgressModel", value=40.0, max=40.0, bar_style="success"),
        "slider": widget("IntSliderModel", value=2, min=0, max=5, description="step"),
        "gone": widget("LabelModel", value="hidden", layout="IPY_MODEL_hidden"),
        "hidden": widget("LayoutModel", display="none"),
    }
    notebook = notebook_showing(saved)
    draw_widgets(notebook)
    drawn = notebook.cells[0].outputs[0].data["text/html"]
    assert "widgets" not in notebook.metadata
    assert "Step 2 of 5: n passes its grad 0.5 back" in drawn
    assert '<progress class="success" value="40.0" max="40.0"></progress>' in drawn
    assert '<label>step</label> <input type="range" disabled min="0" max="5"' in drawn
    assert "hidden" not in drawn
    (picture,) = re.findall(
        r'style="height: 350px; --full: 41px" [^>]*src="data:image/svg\+xml;base64,([^"]+)"',
        drawn,
    )
    svg = ElementTree.fromstring(base64.b64decode(picture))
    assert svg.get("viewBox") == "10 20 30.5 40" and svg.get("width") is None
    classes = {g.get("id"): g.get("class") for g in svg.iter("{http://www.w3.org/2000/svg}g")}
    assert str(classes["node2"]).split() == ["node", "match"] and classes["node1"] == "node"


def test_a_widgets_formulas_are_written_for_mathjax_on_the_site() -> None:
    """HTMLMath writes $...$ and $$...$$; MathJax, as the site loads it, reads \\(...\\) and
    \\[...\\]. A dollar escaped, or alone, stays as it is."""
    value = r"$\frac{\partial y}{\partial n} = 1 - y^2$ = 0.5<br>$$a$$ costs \$3, or $4"
    notebook = notebook_showing({"top": widget("HTMLMathModel", value=value)})
    draw_widgets(notebook)
    drawn = notebook.cells[0].outputs[0].data["text/html"]
    assert r"\(\frac{\partial y}{\partial n} = 1 - y^2\) = 0.5<br>\[a\] costs \$3, or $4" in drawn


def test_a_widget_the_site_cannot_draw_stops_the_build_naming_it() -> None:
    notebook = notebook_showing({"top": widget("ColorPickerModel", value="#ff0000")})
    try:
        draw_widgets(notebook)
    except ValueError as error:
        assert "ColorPickerModel" in str(error)
    else:
        raise AssertionError("drawn")
