"""Every notebook runs, top to bottom, offline: as a reader would run it; and, executed, it
keeps what its widgets showed. (tests/test_browser.py opens them in a real browser.)

The run is docs/executed_notebooks.py's, shared with the documentation site: where `make docs`
(which `make test` runs first) has just run a notebook, with the same notebook, packages and
environment, its test checks that run rather than running it again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from executed_notebooks import NOTEBOOKS, executed

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
