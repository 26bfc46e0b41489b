"""The notebooks as a person sees them: JupyterLab in headless Chromium, driven by selenium.

One JupyterLab server (on 127.0.0.1, a free port, a token of its own, a private configuration
and copies of the notebooks) and one browser serve every test. Each notebook is opened, all its
cells run, and the page must show no error output, no "Error displaying widget", each diagram
as an inline SVG, and each widget answering a click, a key or a slider move as its state says;
saved and opened again, it must still show its widgets. Notebook 04 also runs in Jupyter
Notebook, on a kernel with Graphviz's dot hidden from its PATH. Screenshots of every page go
to build/browser/. Where Chromium or its driver is missing, the tests skip and say how to get
them; the server and the browser are stopped whatever happens.

The documentation site is opened too, and the course in the browser inside it (JupyterLite):
there every notebook, opened from the link on its page of the site, runs in the page itself, in
a browser of its own whose only way out is a proxy that refuses every request and records it;
a test fails if the page or its workers asked for anything off the machine. These run beside
the JupyterLab tests, in a pytest-xdist group of their own. Each run's times (to the kernel,
to the first output, for all the cells) are written to build/browser/times/, JupyterLab's and
the browser course's alike, to compare.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import math
import os
import re
import secrets
import shutil
import signal
import socket
import socketserver
import subprocess
import sys
import threading
import time
import urllib.request
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import lite as lite_build
import pytest
from course import copy_course
from executed_notebooks import executed

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "build" / "browser"
TIMES = SHOTS / "times"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
CHROMIUM = next(
    filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))), None
)
CHROMEDRIVER = shutil.which("chromedriver")
# Headless Chromium, quiet: without the networking flags it keeps trying to reach Google.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1400,1000",
]
WAIT = 120.0
"""Seconds to wait for anything (a page, a run of all cells, a widget's answer) before failing."""

pytestmark = [
    pytest.mark.skipif(
        CHROMIUM is None or CHROMEDRIVER is None,
        reason="needs Chromium and chromedriver: apt-get install chromium chromium-driver "
        "(Debian; .ci/run installs them), brew install chromium chromedriver (macOS)",
    ),
    # One server and one browser for all: with pytest-xdist's --dist loadgroup (make test),
    # these tests run in one worker.
    pytest.mark.xdist_group("browser"),
]

T = TypeVar("T")


# -- the server and the browser -----------------------------------------------------------------


@dataclass
class Browser(ABC):
    """A browser on a Jupyter front end (JupyterLab, Jupyter Notebook or JupyterLite) that
    exposes itself to scripts as ``jupyterapp``."""

    driver: Any  # selenium's Chrome

    @abstractmethod
    def open(self, page: str) -> None:
        """Open a page (a notebook), alone."""

    def notebook(self) -> Any:
        """The element of the notebook in view."""
        return self.driver.execute_script("return jupyterapp.shell.currentWidget.node")


@dataclass
class Lab(Browser):
    """A running JupyterLab server and a browser on it."""

    url: str
    token: str
    folder: Path  # what the server serves: copies of the notebooks

    def open(self, page: str) -> None:
        """Open a page of the server (lab/tree/<notebook>, notebooks/<notebook>), alone: with
        reset, JupyterLab forgets the tabs that were open before."""
        self.driver.get(f"{self.url}/{page}?token={self.token}&reset")

    def api(self, path: str, method: str = "GET") -> Any:
        headers = {"Authorization": f"token {self.token}"}
        request = urllib.request.Request(f"{self.url}/api/{path}", method=method, headers=headers)
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
        return json.loads(body) if body else None

    def stop_kernels(self) -> None:
        for session in self.api("sessions"):
            self.api(f"sessions/{session['id']}", method="DELETE")


# For the session, not the module: pytest-xdist may run other tests between these, and a
# module's fixture would then start a second server and browser.
@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    home = tmp_path_factory.mktemp("lab")
    folder = home / "notebooks"
    copy_course(folder)  # as make lab does
    without_dot_copy(folder / "04-backward-step-by-step.ipynb", folder / "04-without-dot.ipynb")
    env = private_jupyter(home)
    port, token = free_port(), secrets.token_hex(16)
    url = f"http://127.0.0.1:{port}"
    command = [
        sys.executable, "-m", "jupyter", "lab", "--no-browser", "--allow-root",
        "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", f"--ServerApp.root_dir={folder}",
        f"--IdentityProvider.token={token}", f"--LabApp.app_settings_dir={home / 'app'}",
        "--LabApp.expose_app_in_browser=True", "--JupyterNotebookApp.expose_app_in_browser=True",
        "--LabApp.news_url=None", "--LabApp.extension_manager=readonly",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]  # fmt: skip
    with contextlib.ExitStack() as cleanup:  # undone in reverse, whatever happens
        log = cleanup.enter_context((home / "server.log").open("wb"))
        server = subprocess.Popen(
            command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        cleanup.callback(stop, server)
        until(lambda: server.poll() is not None or responds(f"{url}/api/status?token={token}"), 60)
        assert server.poll() is None, (home / "server.log").read_text()[-3000:]
        driver = cleanup.enter_context(chromium(home / "chromium"))
        yield Lab(driver, url, token, folder)


def private_jupyter(home: Path) -> dict[str, str]:
    """The environment of a server that reads and writes only under home: its own settings,
    (widgets saved with a notebook as make lab has it, every cell in the page), no news."""
    for name in ("config", "data", "runtime", "settings", "workspaces", "app"):
        (home / name).mkdir()
    settings = json.loads((ROOT / "jupyter" / "overrides.json").read_text())
    settings["@jupyterlab/notebook-extension:tracker"] = {"windowingMode": "none"}
    settings["@jupyterlab/apputils-extension:notification"] = {
        "checkForUpdates": False,
        "fetchNews": "false",
    }
    (home / "app" / "overrides.json").write_text(json.dumps(settings))
    kernel = home / "data" / "kernels" / "python3-without-dot"
    kernel.mkdir(parents=True)
    hidden = os.pathsep.join(
        p for p in os.environ.get("PATH", "").split(os.pathsep) if not (Path(p) / "dot").exists()
    )
    (kernel / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "Python 3 (without dot)",
                "language": "python",
                "env": {"PATH": hidden},
            }
        )
    )
    return {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_DATA_DIR": str(home / "data"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
        "JUPYTER_PLATFORM_DIRS": "1",
    }


@contextlib.contextmanager
def chromium(profile: Path, *flags: str) -> Iterator[Any]:
    """Headless Chromium, with a fresh profile and flags beyond the quiet ones; quit after."""
    from selenium import webdriver  # noqa: PLC0415 -- only where Chromium is: see pytestmark
    from selenium.webdriver.chrome.service import Service  # noqa: PLC0415

    assert CHROMIUM is not None and CHROMEDRIVER is not None  # see pytestmark
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in [*CHROMIUM_FLAGS, f"--user-data-dir={profile}", *flags]:
        options.add_argument(flag)
    # selenium: use the browser and the driver given, never download them
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SE_OFFLINE", "true")
        driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    try:
        driver.set_script_timeout(30)
        SHOTS.mkdir(parents=True, exist_ok=True)
        yield driver
    finally:
        driver.quit()


def without_dot_copy(notebook: Path, copy: Path) -> None:
    data = json.loads(notebook.read_text(encoding="utf-8"))
    data["metadata"]["kernelspec"] = {
        "name": "python3-without-dot",
        "display_name": "Python 3 (without dot)",
        "language": "python",
    }
    copy.write_text(json.dumps(data), encoding="utf-8")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def responds(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except OSError:
        return False


def stop(server: subprocess.Popen[bytes]) -> None:
    """Stop the server (it shuts its kernels down; a kernel also ends when its parent does)."""
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(10)


def until(condition: Callable[[], T], seconds: float = WAIT, what: str = "") -> T:
    """condition's first true value, asked every 0.2 s, or an AssertionError after seconds."""
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {seconds:.0f} s {what or 'in vain'}")
        time.sleep(0.2)


# -- a notebook in the page -----------------------------------------------------------------------

NOTEBOOK_READY = """
const panel = window.jupyterapp && jupyterapp.shell.currentWidget;
const kernel = panel && panel.sessionContext && panel.sessionContext.isReady
    && panel.sessionContext.session && panel.sessionContext.session.kernel;
return !!(kernel && kernel.status === 'idle' && panel.context.isReady
    && panel.content.widgets.length);
"""
PROMPTS = """
return [...jupyterapp.shell.currentWidget.node.querySelectorAll('.jp-CodeCell .jp-InputPrompt')]
    .map(e => e.textContent.trim())
"""
MODEL = "return jupyterapp.shell.currentWidget.context.model.toJSON()"
DIRTY = "return jupyterapp.shell.currentWidget.context.model.dirty"
OPENED = "return jupyterapp.shell.currentWidget.context.path"
SOME_OUTPUT = "return !!jupyterapp.shell.currentWidget.node.querySelector('.jp-OutputArea-output')"
FAILED = """
return jupyterapp.shell.currentWidget.context.model.toJSON().cells
    .some(c => (c.outputs || []).some(o => o.output_type === 'error'))
"""


Times = dict[str, float]
"""Seconds from opening a notebook: to its kernel being ready, to its first output, to the end
of its last cell."""


def run_all(lab: Browser, page: str, seconds: float = WAIT) -> tuple[dict[str, Any], Times]:
    """Open a notebook, run all its cells as soon as its kernel is ready, and wait at most
    seconds for the last; its contents, as saved, and how long each part took."""
    start = time.monotonic()
    lab.open(page)
    until(lambda: lab.driver.execute_script(NOTEBOOK_READY), what=f"for {page} and its kernel")
    times = {"kernel ready": time.monotonic() - start}

    def started() -> bool:
        return any(p != "[ ]:" for p in lab.driver.execute_script(PROMPTS))

    def finished() -> bool:
        """Every cell has run, or one failed: JupyterLab then runs no more of them."""
        if "first output" not in times and lab.driver.execute_script(SOME_OUTPUT):
            times["first output"] = time.monotonic() - start
        prompts = lab.driver.execute_script(PROMPTS)
        done = bool(prompts) and all(re.fullmatch(r"\[\d+\]:", p) for p in prompts)
        return done or lab.driver.execute_script(FAILED)

    for attempt in range(3):  # a page still settling may drop the command: ask again
        lab.driver.execute_script("jupyterapp.commands.execute('notebook:run-all-cells')")
        try:
            until(started, 10, "for the cells to start")
            break
        except AssertionError:
            if attempt == 2:
                raise
    until(finished, seconds, f"for every cell of {page} to run")
    times["all cells"] = time.monotonic() - start
    return dict(lab.driver.execute_script(MODEL)), times


def record(times: Times, where: str, name: str) -> None:
    """Keep a notebook's times in build/browser/times/, to compare one front end with another."""
    TIMES.mkdir(parents=True, exist_ok=True)
    (TIMES / f"{where}-{name}.json").write_text(json.dumps(times, indent=1), encoding="utf-8")


def outputs(notebook: dict[str, Any]) -> list[dict[str, Any]]:
    return [o for cell in notebook["cells"] if cell["cell_type"] == "code" for o in cell["outputs"]]


def check_the_page(lab: Browser, notebook: dict[str, Any], name: str) -> None:
    """No error, every diagram an inline SVG, every widget shown."""
    found = outputs(notebook)
    errors = [o for o in found if o["output_type"] == "error"]
    assert not errors, f"{name}: {errors[0]['ename']}: {errors[0]['evalue']}"
    warned = [o["text"] for o in found if "IProgress not found" in "".join(o.get("text", ""))]
    assert not warned, f"{name}: the progress bar fell back to text: {warned}"
    shown = lab.driver.execute_script(SHOWN)
    assert "Error displaying widget" not in shown["text"], name
    svgs = sum("image/svg+xml" in o.get("data", {}) for o in found)
    assert shown["svgImages"] == svgs, f"{name}: {svgs} SVG outputs, {shown['svgImages']} shown"
    views = sum("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in found)
    until(lambda: lab.driver.execute_script(SHOWN)["widgets"] == views, 30, f"for {views} widgets")
    assert shown["brokenImages"] == 0, name


SHOWN = """
const page = jupyterapp.shell.currentWidget.node;
const outputs = [...page.querySelectorAll('.jp-OutputArea-output')];
const images = outputs.flatMap(o => [...o.querySelectorAll('img')]);
const svg = images.filter(i => i.src.startsWith('data:image/svg+xml'));
const widgets = outputs.filter(o => o.querySelector(':scope > .jupyter-widgets')
    && !o.textContent.includes('Loading widget'));
return {
    text: page.innerText,
    svgImages: svg.filter(i => i.complete && i.naturalWidth > 0).length,
    brokenImages: images.filter(i => i.complete && i.naturalWidth === 0 && i.src).length,
    widgets: widgets.length,
};
"""


def screenshot(lab: Browser, name: str) -> Path:
    """The whole notebook, as tall as it is, in build/browser/."""
    driver = lab.driver
    height = driver.execute_script(
        "const page = jupyterapp.shell.currentWidget.node;"
        "const outer = page.querySelector('.jp-WindowedPanel-outer');"
        "outer.scrollTop = 0; return outer.scrollHeight"
    )
    # A page as tall as the notebook (headless Chromium keeps windows to its screen's size).
    metrics = {"width": 1400, "height": min(int(height) + 300, 16000)}
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride", {**metrics, "deviceScaleFactor": 1, "mobile": False}
    )
    time.sleep(1)  # the page lays itself out again
    path = SHOTS / f"{name}.png"
    driver.save_screenshot(str(path))
    driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    return path


def reopen_after_saving(lab: Lab, page: str, name: str) -> None:
    """Save, stop the kernel, open again: the widgets show from the state saved with them."""
    lab.driver.execute_script("return jupyterapp.commands.execute('docmanager:save')")
    until(lambda: not lab.driver.execute_script(DIRTY), 30, "for the save")
    notebook = dict(lab.driver.execute_script(MODEL))
    lab.driver.get("about:blank")  # closed first: the page never sees its kernel stop
    lab.stop_kernels()
    lab.open(page)
    until(lambda: lab.driver.execute_script(NOTEBOOK_READY), what=f"for {page} again")
    time.sleep(2)  # widgets are restored from the notebook's metadata
    check_the_page(lab, notebook, f"{name}, reopened")
    screenshot(lab, f"{name}-reopened")


# -- the tests ------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_each_notebook_runs_in_jupyterlab_and_shows_what_it_should(lab: Lab, path: Path) -> None:
    page = f"lab/tree/{path.name}"
    try:
        notebook, times = run_all(lab, page)
        record(times, "lab", path.stem)
        check_the_page(lab, notebook, path.name)
        if path.name.startswith("04"):
            use_the_widgets(lab, notebook)
        screenshot(lab, f"lab-{path.stem}")
        reopen_after_saving(lab, page, f"lab-{path.stem}")
    except Exception:
        screenshot(lab, f"lab-{path.stem}-failed")
        raise
    finally:
        lab.stop_kernels()


def test_the_widgets_work_in_jupyter_notebook_without_dot(lab: Lab) -> None:
    page = "notebooks/04-without-dot.ipynb"
    try:
        notebook, _ = run_all(lab, page)
        assert notebook["metadata"]["kernelspec"]["name"] == "python3-without-dot"
        check_the_page(lab, notebook, "04 in Jupyter Notebook, without dot")
        use_the_widgets(lab, notebook)
        assert "graphviz-pure" in lab.driver.execute_script(
            "return document.querySelector('.autodiff-viewer').innerHTML"
        )
        screenshot(lab, "notebook-04-without-dot")
    except Exception:
        screenshot(lab, "notebook-04-without-dot-failed")
        raise
    finally:
        lab.stop_kernels()


TEACHING = [
    """import autodiff as ad
import nn
from autodiff import Value

x1, x2, w1, w2 = Value(2.0, "x1"), Value(0.0, "x2"), Value(-3.0, "w1"), Value(1.0, "w2")
n = x1 * w1 + x2 * w2 + Value(6.8813735870195432, "b")
n.label = "n"
o = n.tanh()
o.label = "o"
stepper = ad.stepper(o)
stepper.step = 4
stepper""",
    """stepper.save("walk.gif", dpi=48), stepper.save("walk.html")""",
    """model = nn.MLP(2, [16, 16, 1], seed=0)
out = model([0.5, 0.2])
out.backward()
viewer = ad.zoom(out)
viewer.search("y1.3")
viewer""",
    """chain = Value(1.0, "x")
for _ in range(14):
    chain = (chain * 1.1).tanh()
ad.draw(chain)  # some 6,000 pixels wide at its natural size""",
]


def test_one_step_three_views_a_search_by_label_and_the_walk_saved(lab: Lab) -> None:
    """The stepper set to a step from code, its formula and its highlighted code beside the
    diagram, a step on by hand; y1.3 found in a network's unit view; the walk saved as an
    animated GIF the browser shows and as a page whose buttons step."""
    from selenium.webdriver.common.keys import Keys  # noqa: PLC0415

    cells: list[dict[str, Any]] = [
        {"cell_type": "code", "metadata": {}, "source": code, "outputs": [],
         "execution_count": None}
        for code in TEACHING
    ]  # fmt: skip
    notebook = {"cells": cells, "metadata": {"kernelspec": {"name": "python3",
                "display_name": "Python 3", "language": "python"}}, "nbformat": 4,
                "nbformat_minor": 5}  # fmt: skip
    (lab.folder / "teaching.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    try:
        ran, _ = run_all(lab, "lab/tree/teaching.ipynb")
        check_the_page(lab, ran, "teaching")
        code_cells = ran["cells"]
        area = output_of(lab, code_cells, "stepper.step = 4")

        def at(k: int, passing: str, line: str) -> bool:
            said = text_of(area, ".widget-html-content").startswith(f"Step {k} of 5: {passing}")
            code = [t.strip() for t in texts(area, ".step-line")]
            return said and bool(code) and code[0] == line

        until(lambda: at(4, "the * node (x2·w2)", "# step 4: t1 passes g_t1 back"), 30,
              "for step 4, set from the kernel")  # fmt: skip
        assert area.find_element("css selector", ".widget-readout").text == "4"
        formulas = area.find_element("css selector", ".widget-htmlmath-content")
        until(lambda: "(to x2)" in formulas.text and "(to w2)" in formulas.text, 30)
        assert texts(area, ".step-line")[2].strip() == "g_x2 += g_t1 * w2"
        screenshot(lab, "teaching-stepper-at-step-4")
        click(area, ON)
        until(lambda: at(5, "the * node (x1·w1)", "# step 5: t0 passes g_t0 back"), 30,
              "for step 5, clicked")  # fmt: skip

        viewer = output_of(lab, code_cells, 'viewer.search("y1.3")')
        box = viewer.find_element("css selector", "input[type=text]")
        assert box.get_attribute("value") == ""
        until(lambda: text_of(viewer, "div.widget-label") == "1 found: unit 1.3 · relu", 30,
              "for y1.3 to find unit 1.3")  # fmt: skip
        (found,) = marked(viewer, "match")
        assert any("unit 1.3 ·" in t for t in texts(viewer, "g.node.match text"))
        box.send_keys("w1.3.1")
        until(lambda: text_of(viewer, "div.widget-label") == "1 found: unit 1.3 · relu", 30)
        assert marked(viewer, "match") == [found] and box.get_attribute("value") == "w1.3.1"
        box.send_keys(Keys.CONTROL, "a")
        box.send_keys("z1.3")
        until(lambda: marked(viewer, "match") == [found], 30, "for z1.3 to find unit 1.3")
        screenshot(lab, "teaching-search-y1.3")

        wide = output_of(lab, code_cells, "ad.draw(chain)")
        widths = lab.driver.execute_script(
            "const img = arguments[0].querySelector('img');"
            "return [img.getBoundingClientRect().width, arguments[0].clientWidth,"
            " img.naturalWidth]", wide)  # fmt: skip
        assert widths[2] > 5000 and 0 < widths[0] <= widths[1], widths  # shrunk to fit

        lab.driver.get(f"{lab.url}/files/walk.gif?token={lab.token}")
        width = until(
            lambda: lab.driver.execute_script(
                "const i = document.images[0]; return i && i.complete && i.naturalWidth"
            ),
            30,
        )
        gif = (lab.folder / "walk.gif").read_bytes()
        assert width == int.from_bytes(gif[6:8], "little")  # the browser decoded it
        lab.driver.save_screenshot(str(SHOTS / "teaching-walk-gif.png"))
        lab.driver.get(f"{lab.url}/files/walk.html?token={lab.token}")
        until(
            lambda: lab.driver.execute_script(
                "const t = document.getElementById('text'); return t && t.textContent"
            ),
            30,
        )
        for _ in range(3):
            lab.driver.find_element("id", "next").click()
        said = lab.driver.find_element("id", "text").text
        assert said.startswith("Step 3 of 5: the + node (x1·w1 + x2·w2) passes its grad 0.5")
        lines = [e.text.strip() for e in lab.driver.find_elements("css selector", ".step-line")]
        assert lines[0] == "# step 3: t2 passes g_t2 back"
        assert lab.driver.find_elements("css selector", "#diagram svg g.node.step")
        lab.driver.save_screenshot(str(SHOTS / "teaching-walk-html-step-3.png"))
    except Exception:
        screenshot(lab, "teaching-failed")
        raise
    finally:
        lab.stop_kernels()


def test_opening_a_notebook_leaves_it_unmodified(lab: Lab) -> None:
    """Each notebook as make lab copies it (jupyter/course.py), opened and its kernel started,
    shows no modified marker: there is nothing to save until the reader changes something."""
    fresh = lab.folder / "unopened"
    for copy in copy_course(fresh):
        page = f"lab/tree/unopened/{copy.name}"
        try:
            lab.open(page)
            until(lambda: lab.driver.execute_script(NOTEBOOK_READY), what=f"for {page}")
            time.sleep(1)  # the kernel's language and version reach the notebook's metadata
            opened = lab.driver.execute_script(MODEL)["metadata"]
            saved = json.loads(copy.read_text(encoding="utf-8"))["metadata"]
            changed = sorted(k for k in {*opened, *saved} if opened.get(k) != saved.get(k))
            assert not lab.driver.execute_script(DIRTY), f"{copy.name}: {changed} changed"
            assert not lab.driver.find_elements("css selector", ".jp-mod-dirty"), copy.name
        except Exception:
            screenshot(lab, f"lab-opened-{copy.stem}-failed")
            raise
        finally:
            lab.stop_kernels()


# -- the documentation site ------------------------------------------------------------------------

SITE = ROOT / "build" / "site"
EXECUTED = ROOT / "build" / "notebooks"  # the notebooks as the site shows them, with outputs
SITE_NOTEBOOK = "02-influence-diagrams"  # a notebook whose subject is its diagrams
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves files without a line in the test's output per request."""

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="session")
def site() -> Iterator[str]:
    """The address of the documentation site, served from build/site/ on 127.0.0.1. make test
    builds the site before the tests; run alone, this builds it where it is missing."""
    if not (SITE / "index.html").exists():
        subprocess.run(["make", "--no-print-directory", "docs"], cwd=ROOT, check=True)
    with serving(SITE) as url:
        yield url


@contextlib.contextmanager
def serving(folder: Path) -> Iterator[str]:
    """The files of folder served on 127.0.0.1 (a free port) by a server in a thread, stopped
    whatever happens; its address."""
    handler = functools.partial(QuietHandler, directory=str(folder))
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}"
        finally:
            server.shutdown()
            thread.join(10)


IMAGES = """
const images = [...document.querySelectorAll('article img')];
return images.map(i => ({src: i.getAttribute('src'), complete: i.complete, width: i.naturalWidth}));
"""


def open_site_page(lab: Browser, url: str, name: str) -> list[dict[str, Any]]:
    """Open a page of the site as tall as it is (so that every image loads), wait for its
    images, take a screenshot; its images, each with its src and the width it loaded at."""
    driver = lab.driver
    driver.get(url)
    until(lambda: driver.execute_script("return document.readyState") == "complete", 30,
          f"for {url}")  # fmt: skip
    height = driver.execute_script("return document.documentElement.scrollHeight")
    metrics = {"width": 1400, "height": min(int(height), 16000)}
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride", {**metrics, "deviceScaleFactor": 1, "mobile": False}
    )
    try:
        until(lambda: all(i["complete"] for i in driver.execute_script(IMAGES)), 30,
              f"for the images of {url}")  # fmt: skip
        driver.save_screenshot(str(SHOTS / f"{name}.png"))
        return list(driver.execute_script(IMAGES))
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def test_the_documentation_site_shows_the_readme_the_guide_and_a_notebook_with_diagrams(
    lab: Lab, site: str
) -> None:
    # The front page is the README, with its diagram drawn, and the site's navigation.
    images = open_site_page(lab, f"{site}/", "site-front-page")
    assert lab.driver.title.startswith("autodiff")
    assert [i for i in images if i["src"].endswith("neuron.svg") and i["width"] > 0], images
    captions = lab.driver.find_elements("css selector", ".sidebar-tree .caption-text")
    navigation = [c.get_attribute("textContent") for c in captions]
    assert navigation == ["Guide", "Course", "API", "Performance"]
    # A page of the guide, with the same diagram.
    images = open_site_page(lab, f"{site}/docs/guide/diagrams.html", "site-guide-diagrams")
    assert [i for i in images if i["src"].endswith("neuron.svg") and i["width"] > 0], images
    # A notebook's page shows each of its diagrams, as the notebook's run drew them: every
    # SVG output an image, loaded.
    images = open_site_page(lab, f"{site}/notebooks/{SITE_NOTEBOOK}.html", f"site-{SITE_NOTEBOOK}")
    executed = json.loads((EXECUTED / f"{SITE_NOTEBOOK}.ipynb").read_text(encoding="utf-8"))
    diagrams = sum("image/svg+xml" in o.get("data", {}) for o in outputs(executed))
    shown = [i for i in images if i["src"].endswith(".svg") and i["width"] > 0]
    assert diagrams > 0 and len(shown) == diagrams, images
    assert not [i for i in images if i["width"] == 0], images
    # The API reference documents the Value.
    open_site_page(lab, f"{site}/docs/api/autodiff.html", "site-api-autodiff")
    assert lab.driver.find_elements("id", "autodiff.Value")


WIDGET_PICTURES = """
const pictures = [...document.querySelectorAll('article .widget-picture')];
return {
    count: pictures.length,
    images: pictures.flatMap(p => [...p.querySelectorAll('img')]).map(i => i.naturalWidth),
    text: document.querySelector('article').innerText,
};
"""


def test_a_notebooks_page_on_the_site_shows_each_widget_as_it_stood(lab: Lab, site: str) -> None:
    """Notebook 04's page: each widget output a picture of the widget at the end of the run
    (docs/widget_pictures.py), its diagrams loaded: the stepper's, with its text; the
    explorer's; the zoom viewer's; the progress bar and the live view at their end. No line of
    text stands in for a widget."""
    name = "04-backward-step-by-step"
    open_site_page(lab, f"{site}/notebooks/{name}.html", f"site-{name}")
    executed = json.loads((EXECUTED / f"{name}.ipynb").read_text(encoding="utf-8"))
    views = sum(WIDGET_VIEW in o.get("data", {}) for o in outputs(executed))
    shown = lab.driver.execute_script(WIDGET_PICTURES)
    assert views == 6 and shown["count"] == views
    assert len(shown["images"]) == 5 and all(width > 0 for width in shown["images"]), shown
    for said in ("Step 0 of 5: The output o starts with grad 1", "o = 0.7071;", "epoch 40/40"):
        assert said in shown["text"]
    for stand_in in ("<diagram viewer", "<backward-pass stepper", "<what-if explorer", "0/40 ["):
        assert stand_in not in shown["text"]
    # The explorer's diagram, fitted to the column, is shown at full size by a click.
    (picture,) = [
        p for p in lab.driver.find_elements("css selector", "article .widget-picture")
        if "o = 0.7071;" in p.text
    ]  # fmt: skip
    image = picture.find_element("css selector", "img.widget-diagram")
    fitted = image.size["width"]
    script = "return getComputedStyle(arguments[0]).getPropertyValue('--full')"
    full = float(lab.driver.execute_script(script, image).removesuffix("px"))
    center = "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})"
    lab.driver.execute_script(center, image)  # (the site scrolls smoothly, a click would miss)
    image.click()
    until(lambda: image.size["width"] > fitted, 10, "for the diagram to grow")
    assert abs(image.size["width"] - full) <= 1 and full > 1.3 * fitted
    picture.screenshot(str(SHOTS / "site-explorer-full-size.png"))
    picture.find_element("xpath", ".//*[contains(text(), 'o = 0.7071;')]").click()  # beside
    until(lambda: image.size["width"] == fitted, 10, "for the diagram to fit again")


# -- the course in the browser (JupyterLite) -----------------------------------------------------

LITE = SITE / "lite"
LITE_WAIT = 600.0
"""Seconds a notebook may take to run in the browser course: Python there is slower."""
QUIET = "--disable-features=" + ",".join(
    ["AutofillServerCommunication", "OptimizationHints", "OptimizationGuideModelDownloading",
     "NetworkTimeServiceQuerying"]
)  # fmt: skip
"""Chromium's services that ask Google as a page is read (autofill, hints, the time): off."""
CHROMIUMS_OWN = {"accounts.google.com", "update.googleapis.com", "start.duckduckgo.com"}
"""What Chromium asks for by itself from its start, whatever the page (its sign-in, its updates,
a connection ready for its search engine), and no switch turns off: not the page's."""
NEEDS_NUMPY = "This needs NumPy"
"""How a notebook's cell begins to say that it needs NumPy, which the browser course has not."""


@dataclass
class Lite(Browser):
    """The course in the browser, served from build/site/, in a browser whose only way off the
    machine is a proxy that refuses every request and records it in ``asked``."""

    url: str
    asked: list[str]

    def off_the_machine(self) -> list[str]:
        """What the page and its workers asked of other hosts, as the proxy saw it."""
        return [line for line in self.asked if host(line) not in CHROMIUMS_OWN]

    def open(self, page: str) -> None:
        """Open a notebook of the course, alone, as a first visit from its page in the site
        would: its link, Run in your browser."""
        self.forget()
        self.driver.get(f"{self.url}/notebooks/{Path(page).stem}.html")
        link = self.driver.find_element("css selector", ".run-in-browser a")
        assert link.text == "\u25b6 Run in your browser"
        link.click()

    def forget(self) -> None:
        """Leave the page (its kernel ends), and clear the site's storage: its workspace, which
        would open again the notebooks open before, and its copies of the notebooks."""
        self.driver.get("about:blank")
        storage = {"origin": self.url, "storageTypes": "local_storage,indexeddb"}
        self.driver.execute_cdp_cmd("Storage.clearDataForOrigin", storage)


def host(request: str) -> str:
    """The host a proxy is asked for ('CONNECT host:443 HTTP/1.1', 'GET http://host/x ...')."""
    method, _, rest = request.partition(" ")
    target = rest.split(" ")[0]
    return (target if method == "CONNECT" else urlsplit(target).netloc).rsplit(":", 1)[0]


class Refuser(socketserver.StreamRequestHandler):
    """A proxy that answers no to every request, and records its first line."""

    server: RefusingProxy

    def handle(self) -> None:
        self.server.asked.append(self.rfile.readline(8192).decode("latin-1").strip())
        self.wfile.write(
            b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        )


class RefusingProxy(socketserver.ThreadingTCPServer):
    daemon_threads = True
    asked: list[str]


@contextlib.contextmanager
def refusing_proxy() -> Iterator[tuple[str, list[str]]]:
    """A proxy on 127.0.0.1 (a free port) that refuses everything: its address, and the
    requests it refused, as they come."""
    with RefusingProxy(("127.0.0.1", 0), Refuser) as server:
        server.asked = []
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}", server.asked
        finally:
            server.shutdown()
            thread.join(10)


@pytest.fixture(scope="session")
def lite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lite]:
    """The browser course, and a browser that can reach 127.0.0.1 and nothing else: Chromium
    sends every other request to the proxy (it never sends 127.0.0.1's there). make test builds
    the course before the tests; run alone, this builds it where it is missing."""
    if not (LITE / "lab" / "index.html").exists():
        subprocess.run([sys.executable, str(ROOT / "docs" / "lite.py"), str(LITE)], check=True)
    profile = tmp_path_factory.mktemp("lite") / "chromium"
    with contextlib.ExitStack() as cleanup:
        url = cleanup.enter_context(serving(SITE))
        proxy, asked = cleanup.enter_context(refusing_proxy())
        driver = cleanup.enter_context(chromium(profile, f"--proxy-server={proxy}", QUIET))
        yield Lite(driver, url, asked)


def svgs_per_cell(notebook: dict[str, Any]) -> list[int]:
    """How many SVG outputs (diagrams, plots) each code cell has."""
    code = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    return [sum("image/svg+xml" in o.get("data", {}) for o in c["outputs"]) for c in code]


def says_it_needs_numpy(cell: dict[str, Any]) -> bool:
    return any("".join(o.get("text", "")).startswith(NEEDS_NUMPY) for o in cell["outputs"])


@pytest.mark.xdist_group("lite")  # beside the JupyterLab tests, on a worker of its own
@pytest.mark.parametrize("path", lite_build.NOTEBOOKS, ids=[p.stem for p in lite_build.NOTEBOOKS])
def test_each_notebook_runs_in_the_browser_course_asking_nothing_of_other_hosts(
    lite: Lite, path: Path
) -> None:
    lite.asked.clear()
    try:
        notebook, times = run_all(lite, path.name, LITE_WAIT)  # from the link on its page
        record(times, "lite", path.stem)
        assert lite.driver.execute_script(OPENED) == path.name
        check_the_page(lite, notebook, f"{path.name} in the browser course")
        # Every diagram and plot that a run in Jupyter draws, the browser draws too (a diagram
        # that cannot render shows a line of text instead): cell by cell, but for the cells
        # that say they need NumPy.
        reference = executed(path)
        code = [c for c in notebook["cells"] if c["cell_type"] == "code"]
        expected = [n for c, n in zip(code, svgs_per_cell(reference)) if not says_it_needs_numpy(c)]
        drawn = [n for c, n in zip(code, svgs_per_cell(notebook)) if not says_it_needs_numpy(c)]
        assert drawn == expected, f"{path.name}: SVG outputs per cell"
        if path.name.startswith("04"):
            use_the_widgets(lite, notebook)
        screenshot(lite, f"lite-{path.stem}")
    except Exception:
        screenshot(lite, f"lite-{path.stem}-failed")
        raise
    finally:
        lite.forget()  # the page ends, and its kernel with it
    asked = lite.off_the_machine()
    assert not asked, f"{path.name} asked for something off the machine: {asked}"


@pytest.mark.xdist_group("lite")
def test_the_proxy_records_what_a_page_asks_of_another_host(lite: Lite) -> None:
    lite.asked.clear()
    lite.driver.get(f"{lite.url}/index.html")
    lite.driver.execute_script("fetch('http://example.invalid/x').catch(() => null)")
    until(lambda: "example.invalid" in map(host, lite.off_the_machine()), 30, "for the proxy")
    assert host("CONNECT example.invalid:443 HTTP/1.1") == "example.invalid"
    lite.asked.clear()


@pytest.mark.xdist_group("lite")
def test_opening_a_notebook_of_the_browser_course_leaves_it_unmodified(lite: Lite) -> None:
    """Opened and its kernel started, a notebook of the browser course shows no modified
    marker. The build gives every notebook the same metadata (docs/lite.py), so one tells."""
    path = lite_build.NOTEBOOKS[0]
    try:
        lite.open(path.name)
        until(lambda: lite.driver.execute_script(NOTEBOOK_READY), LITE_WAIT, "for the kernel")
        time.sleep(1)  # the kernel's language reaches the notebook's metadata
        opened = lite.driver.execute_script(MODEL)["metadata"]
        saved = json.loads((LITE / "files" / path.name).read_text(encoding="utf-8"))["metadata"]
        changed = sorted(k for k in {*opened, *saved} if opened.get(k) != saved.get(k))
        assert not lite.driver.execute_script(DIRTY), f"{path.name}: {changed} changed"
        assert not lite.driver.find_elements("css selector", ".jp-mod-dirty"), path.name
    except Exception:
        screenshot(lite, f"lite-opened-{path.stem}-failed")
        raise
    finally:
        lite.forget()


# -- using the widgets of notebook 04 -------------------------------------------------------------


def use_the_widgets(lab: Browser, notebook: dict[str, Any]) -> None:
    cells = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    step_through(lab, output_of(lab, cells, "ad.stepper("))
    move_a_slider(lab, output_of(lab, cells, "ad.explore("))
    search_and_zoom(lab, output_of(lab, cells, "viewer = ad.zoom("))
    watch_the_training(lab, cells, output_of(lab, cells, "history = nn.fit("))


def output_of(lab: Browser, cells: list[dict[str, Any]], code: str) -> Any:
    """The output area, in the page, of the code cell whose source has this code."""
    (index,) = [i for i, c in enumerate(cells) if code in "".join(c["source"])]
    areas = lab.notebook().find_elements("css selector", ".jp-CodeCell .jp-Cell-outputArea")
    return areas[index]


def texts(element: Any, css: str) -> list[str]:
    """The text of each element under element that css selects, read at once (a widget may
    replace its elements at any moment)."""
    script = "return [...arguments[0].querySelectorAll(arguments[1])].map(e => e.textContent)"
    return list(element.parent.execute_script(script, element, css))


def text_of(element: Any, css: str) -> str:
    found = texts(element, css)
    return found[0].strip() if found else ""


def marked(area: Any, css_class: str) -> list[str]:
    """The names (n0, n1, ...) of the diagram's boxes that have this class."""
    return texts(area, f".autodiff-viewer g.node.{css_class} > title")


def view_box(area: Any) -> list[float]:
    script = "return arguments[0].querySelector('.autodiff-viewer > svg').getAttribute('viewBox')"
    return [float(v) for v in area.parent.execute_script(script, area).split()]


def click(area: Any, label: str) -> None:
    """Click the button that says label, or says it when pointed at (an icon's tooltip)."""
    buttons = area.find_elements("css selector", "button")
    (button,) = [b for b in buttons if label in (b.text, b.get_attribute("title"))]
    button.click()


ON = "the next node passes its grad back"


def step_through(lab: Browser, area: Any) -> None:
    """The step buttons: on, to the end, back; and play."""

    def shows(status: str, passing: list[str]) -> bool:
        said = text_of(area, ".widget-html-content")
        return said.startswith(status) and marked(area, "step") == passing

    assert shows("Step 0 of 5: The output o starts with grad 1", [])
    click(area, ON)
    until(lambda: shows("Step 1 of 5: o passes its grad 1", ["n0"]), 30, "for step 1: o")
    click(area, ON)
    until(lambda: shows("Step 2 of 5: n passes", ["n1"]), 30, "for step 2: n")
    assert len(area.find_elements("css selector", ".autodiff-viewer g.edge.passed")) == 2
    click(area, "the end: every grad is final")
    until(lambda: "Done: every grad is final" in text_of(area, ".widget-html-content"), 30)
    until(lambda: "grad ?" not in texts(area, ".autodiff-viewer g.node text"), 30)
    click(area, "one step back")
    until(lambda: text_of(area, ".widget-html-content").startswith("Step 4 of 5"), 30)
    area.find_element("css selector", ".widget-play button").click()  # ▷, from step 4
    until(lambda: shows("Step 5 of 5", ["n4"]), 30, "for play to reach the last step")


def move_a_slider(lab: Browser, area: Any) -> None:
    """Drag w1's slider to the right: f, its derivatives and its diagram's numbers follow,
    and its boxes stay where they were."""
    from selenium.webdriver.common.action_chains import ActionChains  # noqa: PLC0415

    def places() -> list[list[float]]:  # each box's, in pixels from the diagram's corner
        script = """
            const svg = arguments[0].querySelector('.autodiff-viewer svg').getBoundingClientRect()
            return [...arguments[0].querySelectorAll('.autodiff-viewer g.node')].map(e => {
                const r = e.getBoundingClientRect()
                return [r.x - svg.x, r.y - svg.y, r.width, r.height]
            })"""
        return list(area.parent.execute_script(script, area))

    before = places()
    (slider,) = [
        s for s in area.find_elements("css selector", ".widget-slider")
        if text_of(s, ".widget-label") == "w1"
    ]  # fmt: skip
    handle = slider.find_element("css selector", ".noUi-handle")
    ActionChains(lab.driver).click_and_hold(handle).move_by_offset(40, 0).release().perform()

    def moved() -> float:  # the slider's number, once it has moved (d3 writes − for minus)
        w1 = float(text_of(slider, ".widget-readout").replace("−", "-"))
        return w1 if w1 > -3.0 else 0.0

    w1 = until(moved, 30, "for the slider to move")
    o = math.tanh(2.0 * w1 + 6.8813735870195432)  # the slider's steps are exact in 4 digits
    until(lambda: text_of(area, ".widget-html-content").startswith(f"o = {o:.4g};"), 30,
          f"for o = {o:.4g} at w1 = {w1:.4g}")  # fmt: skip
    assert f"data {o:.4g}" in [" ".join(t.split()) for t in texts(area, ".autodiff-viewer text")]
    after = places()
    assert len(after) == len(before) and before
    assert max(abs(a - b) for p, q in zip(after, before) for a, b in zip(p, q)) <= 1  # pixels


def search_and_zoom(lab: Browser, area: Any) -> None:
    """Typing outlines the box found and centres on it; + zooms in; the wheel zooms too."""
    from selenium.webdriver.common.action_chains import ActionChains  # noqa: PLC0415
    from selenium.webdriver.common.actions.wheel_input import ScrollOrigin  # noqa: PLC0415

    before = view_box(area)  # centred on unit 1.16, which the notebook searched for
    box = area.find_element("css selector", "input[type=text]")
    assert box.get_attribute("value") == ""  # a search from code leaves the box to the hand
    assert len(marked(area, "match")) == 1
    box.send_keys("unit 1.5")
    until(lambda: text_of(area, "div.widget-label") == "1 found: unit 1.5 · relu", 30,
          "for the search to find unit 1.5")  # fmt: skip
    assert len(marked(area, "match")) == 1
    until(lambda: view_box(area)[1] < before[1], 30, "for the view to go up to unit 1.5")
    before = view_box(area)
    click(area, "+")
    until(lambda: view_box(area)[2] < before[2] * 0.7, 30, "for + to zoom in")
    after_button = view_box(area)
    frame = area.find_element("css selector", ".autodiff-viewer")
    ActionChains(lab.driver).scroll_from_origin(ScrollOrigin.from_element(frame), 0, 300).perform()
    until(lambda: view_box(area)[2] > after_button[2] * 1.2, 30, "for the wheel to zoom out")
    after_wheel = view_box(area)
    click(area, "fit")  # a Graphviz diagram's viewBox starts at 0 0
    until(lambda: view_box(area)[:2] == [0, 0] and view_box(area)[3] > after_wheel[3], 30,
          "for fit to show it all")  # fmt: skip


def watch_the_training(lab: Browser, cells: list[dict[str, Any]], area: Any) -> None:
    """The live view ends on the numbers the history gives, beside a picture."""
    (cell,) = [c for c in cells if "history = nn.fit(" in "".join(c["source"])]
    (printed,) = [o["text"] for o in cell["outputs"] if o.get("name") == "stdout"]
    numbers = re.search(r"loss (\S+), accuracy (\S+)", "".join(printed))
    assert numbers is not None
    line = text_of(area, "div.widget-label")
    assert line == f"epoch 40/40, loss {numbers[1]}, accuracy {numbers[2]}"
    image = area.find_element("css selector", ".widget-image")
    assert lab.driver.execute_script("return arguments[0].naturalWidth", image) > 300
    assert area.find_elements("css selector", ".progress-bar")  # the bar, as a widget
