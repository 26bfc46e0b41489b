"""The documentation site's tools. Its check (docs/check_links.py), on small sites made here:
it finds every kind of broken reference, and code showing escaped markup, and passes a site
whose references all resolve (`make docs` runs it on the real site; tests/test_browser.py opens
that site). The escaping of docstrings' markup (docs/conf.py), which leaves code as written.
The key under which a notebook's run is kept (docs/executed_notebooks.py). And what `make docs`
installs, which must bring every module the site imports."""

from __future__ import annotations

import ast
import importlib.metadata
import json
import sys
from pathlib import Path

import conf
from check_links import broken_links
from executed_notebooks import ROOT, execution_key
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

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
    third_party = needed - set(sys.stdlib_module_names) - local
    installed = requirements("influence-autodiff", {"docs"})
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


def requirements(distribution: str, extras: set[str]) -> set[str]:
    """The distributions that installing distribution[extras] installs, itself included (their
    canonical names), as the installed distributions' metadata says."""
    found: set[str] = set()
    wanted = [(distribution, extras)]
    seen: set[tuple[str, str]] = set()
    while wanted:
        name, extras = wanted.pop()
        found.add(canonicalize_name(name))
        for extra in {"", *extras} - {e for n, e in seen if n == name}:
            seen.add((name, extra))
            for text in importlib.metadata.requires(name) or []:
                requirement = Requirement(text)
                marker = requirement.marker
                if marker is None or marker.evaluate({"extra": extra}):
                    wanted.append((requirement.name, set(requirement.extras)))
    return found
