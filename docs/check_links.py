"""The link check of the built site, offline: `python docs/check_links.py build/site`.

Every page's links (href), images and scripts (src), and styles (link href) that point into the
site must name a file that exists and, with a #fragment, an element of that page with that id;
and no page may load anything from another site (a script, a style, an image, a frame), so the
site works offline as it is. Links to other sites (`<a href="https://...">`) are counted but
not fetched: a test must not depend on the network (`make linkcheck` fetches them, by hand).
Code on a page (`<pre>`, `<code>`) must show as written: no backslash before a `*` or a `|`,
left by escaping markup where there was none (docs/conf.py escapes it in docstrings' text only).
Exits 1 and lists what is broken; prints a summary either way.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit


@dataclass
class Page(HTMLParser):
    """The ids, the references and the code of one HTML page."""

    ids: set[str] = field(default_factory=set)
    links: list[str] = field(default_factory=list)  # <a href>: may go to another site
    loads: list[str] = field(default_factory=list)  # what the page itself loads: must be local
    code: list[str] = field(default_factory=list)  # the text of each <pre> and <code>, whole
    inside_code: int = 0  # how many <pre> and <code> elements the parser is in

    def __post_init__(self) -> None:
        super().__init__()

    def handle_data(self, data: str) -> None:
        if self.inside_code:
            self.code[-1] += data

    def handle_endtag(self, tag: str) -> None:
        if tag in CODE and self.inside_code:
            self.inside_code -= 1

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs}
        if tag in CODE:
            if not self.inside_code:  # highlighted code is in spans: read it as one text
                self.code.append("")
            self.inside_code += 1
        for name in ("id", "name"):
            if name in found and (name == "id" or tag == "a"):
                self.ids.add(found[name])
        if tag == "a" and "href" in found:
            self.links.append(found["href"])
        elif tag == "link" and "href" in found and found.get("rel") != "canonical":
            self.loads.append(found["href"])
        elif tag in ("img", "script", "iframe", "source", "embed") and found.get("src"):
            self.loads.append(found["src"])
        elif tag == "object" and found.get("data"):
            self.loads.append(found["data"])


CODE = ("pre", "code")
ESCAPED = re.compile(r"\\[*|]")  # markup escaped where it is not markup: 3 \* x, x\*\*3


def read(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def broken_links(site: Path) -> tuple[list[str], int]:
    """What is broken in the site at site (a folder of HTML pages), each as
    'page: reference (why)' or 'page: code shows escaped markup: ...', and how many links go
    to other sites (not fetched)."""
    pages = {path: read(path) for path in sorted(site.rglob("*.html"))}
    broken: list[str] = []
    external = 0
    for path, page in pages.items():
        where = path.relative_to(site)
        references = [(r, False) for r in page.links] + [(r, True) for r in page.loads]
        for reference, loaded in references:
            parts = urlsplit(reference)
            if parts.scheme in ("http", "https", "mailto") or reference.startswith("//"):
                if loaded:
                    broken.append(f"{where}: {reference} (loaded from another site)")
                else:
                    external += 1
                continue
            if parts.scheme in ("data", "javascript"):
                continue
            if parts.scheme:
                broken.append(f"{where}: {reference} (unknown scheme)")
                continue
            problem = missing(site, path, parts.path, parts.fragment, pages)
            if problem:
                broken.append(f"{where}: {reference} ({problem})")
        for code in page.code:
            if ESCAPED.search(code):
                broken.append(f"{where}: code shows escaped markup: {code.strip()[:60]!r}")
    return broken, external


def missing(site: Path, page: Path, target: str, fragment: str, pages: dict[Path, Page]) -> str:
    """Why a reference from page to target#fragment does not resolve, or '' if it does."""
    file = (page.parent / unquote(target)).resolve() if target else page
    if target.endswith("/") or file.is_dir():
        file = file / "index.html"
    if not file.is_relative_to(site.resolve()):
        return "outside the site"
    if not file.exists():
        return "no such file"
    if fragment and file.suffix == ".html":
        ids = pages[file].ids if file in pages else read(file).ids
        if unquote(fragment) not in ids:
            return "no such anchor"
    return ""


def main(arguments: Iterator[str]) -> int:
    site = Path(next(arguments, "build/site")).resolve()
    if not (site / "index.html").exists():
        print(f"{site}: no site here (make docs builds it)", file=sys.stderr)
        return 1
    broken, external = broken_links(site)
    pages = sum(1 for _ in site.rglob("*.html"))
    for line in broken:
        print(line, file=sys.stderr)
    print(
        f"{pages} pages: {len(broken)} broken links or code; "
        f"{external} links to other sites, not fetched (make linkcheck)"
    )
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main(iter(sys.argv[1:])))
