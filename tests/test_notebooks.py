"""Every notebook runs, top to bottom, offline: as a reader would run it; and, executed, it
keeps what its widgets showed, which the site draws. (tests/test_browser.py opens them in a real
browser.)

The run is docs/executed_notebooks.py's, shared with the documentation site: where `make docs`
(which `make test` runs first) has just run a notebook, with the same notebook, packages and
environment, its test checks that run rather than running it again."""

from __future__ import annotations

import base64
import copy
import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from course import copy_course
from executed_notebooks import NOTEBOOKS, ROOT, executed
from widget_pictures import draw_widgets

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def test_there_are_notebooks() -> None:
    assert NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_the_notebook_runs_without_errors_and_keeps_its_widgets(path: Path) -> None:
    # Run in a scratch folder, with the widgets' state saved; raises CellExecutionError, with
    # the failing cell, on any error.
    notebook = executed(path)
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert not [o for o in outputs if "IProgress not found" in o.get("text", "")]
    # Reopened without a kernel, each widget shows from the state saved with it ("Error
    # displaying widget: model not found" where it is missing); a reader without widgets
    # gets a line of text that says what was there.
    shown = [o.data for o in outputs if WIDGET_VIEW in o.get("data", {})]
    saved: dict[str, Any] = notebook.metadata.get("widgets", {}).get(WIDGET_STATE, {})
    assert all(data[WIDGET_VIEW]["model_id"] in saved.get("state", {}) for data in shown)
    assert not [d for d in shown if d["text/plain"].startswith(("VBox(", "HBox("))]
    # The site draws each widget from that state (a kind it cannot draw stops it).
    drawn = copy.deepcopy(notebook)
    draw_widgets(drawn)
    assert len(pictures(drawn)) == len(shown)


def pictures(notebook: Any) -> list[str]:
    """The HTML the site shows for each widget output of a notebook drawn by draw_widgets."""
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    return [o.data["text/html"] for o in outputs if WIDGET_VIEW in o.get("data", {})]


def test_the_site_shows_notebook_04s_widgets_as_they_stood_at_the_end_of_its_run() -> None:
    """The stepper at its step, with its text; the explorer; the zoom viewer, twice (the second
    time after a search); the progress bar and the live view at their end: each a picture,
    not a line of text, nor a bar at 0%."""
    notebook = copy.deepcopy(executed(ROOT / "notebooks" / "04-backward-step-by-step.ipynb"))
    draw_widgets(notebook)
    stepper, explorer, viewer, searched, bar, live = pictures(notebook)
    assert "Step 0 of 5: The output o starts with grad 1" in stepper
    assert "o = 0.7071; ∂o/∂x1 = -1.5" in explorer
    for picture in (stepper, explorer, viewer):
        assert picture.count('class="widget-diagram"') == 1
    # One viewer shown twice: as it stood at the end, its search's box outlined, twice.
    (diagram,) = re.findall(r'class="widget-diagram".*?base64,([^"]+)"', viewer)
    assert searched == viewer and 'class="node match"' in base64.b64decode(diagram).decode()
    assert 'value="40.0" max="40.0"' in bar and "40/40" in bar and "<div>100%</div>" in bar
    assert "epoch 40/40" in live and "data:image/svg+xml;base64," in live


def test_make_lab_opens_copies_which_keep_their_changes(tmp_path: Path) -> None:
    """make lab starts JupyterLab on copies of the notebooks (make course), never on notebooks/,
    so running and saving them leaves the repository as it is; a copy keeps its changes, and
    one deleted comes back as the course has it. (tests/test_browser.py opens such copies in
    JupyterLab: none shows as modified.)"""
    course = tmp_path / "course"
    committed = {path.name: path.read_bytes() for path in NOTEBOOKS}

    def make(target: str, *options: str) -> str:
        command = ["make", "--no-print-directory", target, f"COURSE={course}", *options]
        return subprocess.run(command, cwd=ROOT, check=True, capture_output=True, text=True).stdout

    def cells(text: str | bytes) -> Any:
        return json.loads(text)["cells"]

    copies = copy_course(course)
    assert [path.name for path in copies] == sorted(committed)
    assert all(cells(path.read_text()) == cells(committed[path.name]) for path in copies)
    changed, deleted = copies[0], copies[1]
    changed.write_text("{}")
    deleted.unlink()
    assert copy_course(course) == [deleted]
    assert changed.read_text() == "{}" and cells(deleted.read_text()) == cells(
        committed[deleted.name]
    )
    assert {path.name: path.read_bytes() for path in NOTEBOOKS} == committed
    dry_run = make("lab", "-n")
    assert f"jupyter/course.py {course}\n" in dry_run
    assert f"jupyter lab --notebook-dir={course} " in dry_run
