"""Where Graphviz's dot is installed (as in CI), the diagram tests also run once with it hidden
from PATH: what needs dot must skip with its reason, and what does not must still pass."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DIAGRAM_TESTS = [
    "tests/autodiff/test_diagram.py",
    "tests/autodiff/test_cli.py",
    "tests/autodiff/test_widgets.py",
]


@pytest.mark.skipif(
    shutil.which("dot") is None, reason="dot is not installed: every test already runs without it"
)
def test_the_diagram_tests_pass_with_dot_hidden_from_path() -> None:
    path = os.pathsep.join(
        folder
        for folder in os.environ.get("PATH", "").split(os.pathsep)
        if not os.access(Path(folder) / "dot", os.X_OK)
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COV_"))}
    env["PATH"] = path
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs"]
    done = subprocess.run(
        [*command, *DIAGRAM_TESTS], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout[-3000:]
    assert "SKIPPED" in done.stdout and "needs Graphviz's dot program" in done.stdout
