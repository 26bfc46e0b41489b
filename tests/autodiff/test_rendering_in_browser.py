"""Diagrams under Pyodide, where Graphviz in WebAssembly renders them: what the Python side does
with the browser, here a stand-in of Pyodide's modules (tests/test_browser.py runs the real one).

The renderer is made once, asynchronously: a cell waits for it, a widget's callback cannot and
uses the one made before, a browser that cannot wait is told to run the cell again, a failed
load is said and tried again; in the browser, SVG only."""

from __future__ import annotations

import sys
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

import autodiff as ad
from autodiff.diagrams import diagram, rendering

BASE = "http://127.0.0.1:8000/lite/static/pyodide/"


class Viz:
    """Graphviz in WebAssembly, as @viz-js/viz's instance: renderString(source, options)."""

    def renderString(self, source: str, options: dict[str, str]) -> str:
        return f'<svg data-engine="{options["engine"]}">{len(source)}</svg>'


@dataclass
class Outcome:
    """What the module's promise settles to: {viz, error}."""

    viz: Viz | None
    error: str | None


@dataclass
class Promise:
    outcome: Outcome
    callbacks: list[Callable[[Outcome], None]] = field(default_factory=list)

    def then(self, callback: Callable[[Outcome], None]) -> None:
        self.callbacks.append(callback)

    def settle(self) -> None:
        for callback in self.callbacks:
            callback(self.outcome)


@dataclass
class Browser:
    """The page, as rendering sees it through Pyodide's modules."""

    can_wait: bool = True
    fails: bool = False
    loads: list[str] = field(default_factory=list)  # the JavaScript run to load Graphviz
    promises: list[Promise] = field(default_factory=list)

    def run_js(self, code: str) -> Promise:
        self.loads.append(code)
        outcome = (
            Outcome(None, "TypeError: Failed to fetch") if self.fails else Outcome(Viz(), None)
        )
        self.promises.append(Promise(outcome))
        return self.promises[-1]

    def run_sync(self, promise: Promise) -> Outcome:
        assert self.can_wait
        return promise.outcome


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> Iterator[Browser]:
    page = Browser()
    ffi = types.SimpleNamespace(
        can_run_sync=lambda: page.can_wait,
        run_sync=page.run_sync,
        create_once_callable=lambda f: f,
        JsException=RuntimeError,
        to_js=lambda value, dict_converter: dict_converter(value.items()),
    )
    modules = {
        "pyodide": types.SimpleNamespace(),
        "pyodide.ffi": ffi,
        "pyodide.code": types.SimpleNamespace(run_js=page.run_js),
        "pyodide_js": types.SimpleNamespace(lockfileBaseUrl=BASE),
        "js": types.SimpleNamespace(Object=types.SimpleNamespace(fromEntries=dict)),
    }
    for name, module in modules.items():
        monkeypatch.setitem(sys.modules, name, module)
    monkeypatch.setattr(sys, "platform", "emscripten")
    monkeypatch.setattr(diagram, "find_dot", lambda: None)  # no programs in a browser
    rendering._browser.clear()
    yield page
    rendering._browser.clear()


def svg(drawn: Any, **options: str) -> bytes:
    data = drawn.pipe("svg", **options)
    assert isinstance(data, bytes)
    return data


def neuron() -> ad.Value:
    x, w = ad.Value(2.0, "x"), ad.Value(-3.0, "w")
    y = (x * w).tanh()
    y.backward()
    return y


def test_a_cell_waits_for_graphviz_once_and_every_diagram_then_renders(browser: Browser) -> None:
    bundle = ad.draw(neuron())._repr_mimebundle_()
    assert bundle["image/svg+xml"].startswith('<svg data-engine="dot">')
    assert svg(ad.draw_dot(neuron())).startswith(b"<svg")
    (load,) = browser.loads  # made once, from beside Pyodide's lock file
    assert f'import("{BASE}viz.js")' in load and "instance()" in load


def test_a_widget_callback_cannot_wait_and_uses_the_graphviz_its_cell_made(
    browser: Browser,
) -> None:
    svg(ad.draw(neuron()))
    browser.can_wait = False
    assert svg(ad.draw(neuron())).startswith(b"<svg")
    assert len(browser.loads) == 1


def test_where_nothing_can_wait_loading_starts_and_the_cell_is_to_be_run_again(
    browser: Browser,
) -> None:
    browser.can_wait = False
    bundle = ad.draw(neuron())._repr_mimebundle_()
    assert "image/svg+xml" not in bundle
    assert "run the cell again in a moment" in bundle["text/plain"]
    browser.promises[0].settle()  # the page loads it meanwhile
    assert ad.draw(neuron())._repr_mimebundle_()["image/svg+xml"].startswith("<svg")
    assert len(browser.loads) == 1


def test_a_failed_load_is_said_with_where_from_and_the_next_diagram_tries_again(
    browser: Browser,
) -> None:
    browser.fails = True
    with pytest.raises(rendering.RenderingError, match=rf"from {BASE}viz.js: TypeError: Failed"):
        ad.draw(neuron()).pipe("svg")
    browser.fails = False
    late: Any = browser.promises[0]
    late.settle()  # a late answer to the attempt given up changes nothing
    assert svg(ad.draw(neuron())).startswith(b"<svg")
    assert len(browser.loads) == 2


def test_other_engines_render_and_other_formats_say_they_need_graphviz(browser: Browser) -> None:
    assert b'data-engine="neato"' in svg(ad.draw(neuron()), engine="neato")
    with pytest.raises(rendering.RenderingError, match="in the browser, diagrams render as SVG"):
        ad.draw(neuron()).pipe("png")
    assert browser.loads  # the SVG was rendered by the browser's Graphviz
