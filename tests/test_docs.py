"""The documentation site's tools. Its link check (docs/check_links.py), on small sites made
here: it finds every kind of broken reference, and passes a site whose references all resolve
(`make docs` runs it on the real site; tests/test_browser.py opens that site). The key under
which a notebook's run is kept (docs/executed_notebooks.py)."""

from __future__ import annotations

from pathlib import Path

from check_links import broken_links
from executed_notebooks import execution_key

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


def test_a_notebook_is_run_again_when_it_changes_and_only_then(tmp_path: Path) -> None:
    """The executed copy of a notebook, shared by the site and tests/test_notebooks.py, is
    reused only under the same key: the same notebook, packages and environment."""
    notebook = tmp_path / "notebook.ipynb"
    notebook.write_text('{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}')
    key = execution_key(notebook)
    assert execution_key(notebook) == key
    notebook.write_text(notebook.read_text().replace("[]", '[{"cell_type": "raw"}]'))
    assert execution_key(notebook) != key
