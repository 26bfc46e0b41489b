"""Where Chromium or its driver is missing, make test still passes: the browser test skips, and
says how to get them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_browser_test_skips_saying_what_to_install_where_chromium_is_missing() -> None:
    path = os.pathsep.join(
        folder
        for folder in os.environ.get("PATH", "").split(os.pathsep)
        if not any((Path(folder) / name).exists() for name in ("chromium", "chromedriver"))
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COV_"))}
    env["PATH"] = path
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs"]
    done = subprocess.run(
        [*command, "tests/test_browser.py"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:]
    assert "passed" not in done.stdout and "SKIPPED" in done.stdout
    assert "apt-get install chromium chromium-driver" in done.stdout
