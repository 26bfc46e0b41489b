"""The notebooks, executed once for both their test and the documentation site.

Notebooks are committed without outputs. tests/test_notebooks.py runs each one, and the site
(docs/conf.py) shows each one with its outputs: rather than running every notebook twice in
`make test`, both ask `executed(path)`, which runs the notebook with nbclient and keeps the
result in build/notebooks/, under a key: a hash of the notebook, of every file of the `autodiff`
and `nn` packages, of the interpreter, the distributions that the `docs` extra installs (all
that a notebook may import: tests/test_docs.py checks it) and Graphviz's `dot`. An executed
copy whose key matches is what running the notebook now would give, so it is reused; any change
to what the key covers runs the notebook again. Installing the test tools does not: `make
test` builds the site first, then installs them, and its notebooks' test reuses the site's run.

Run as a script, it executes the notebooks given (two at a time) where their copies are stale.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import os
import shutil
import sys
import tempfile
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import nbformat
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
CACHE = ROOT / "build" / "notebooks"
KEY = "execution_key"
"""The notebook metadata entry that holds the key an executed copy was made under."""
TIMEOUT = 120
"""Seconds a cell may take before its execution fails (each notebook runs in under a minute)."""


def executed(path: Path) -> Any:
    """The notebook at path with the outputs of a run from top to bottom, from the cache when
    its key matches, else run now (in a scratch folder, so files it writes stay out of the
    repository) and cached. Raises nbclient's CellExecutionError, naming the cell, on an error.
    """
    key = execution_key(path)
    copy = CACHE / path.name
    if copy.exists():
        cached = nbformat.read(copy, as_version=4)  # type: ignore[no-untyped-call]
        if cached.metadata.get(KEY) == key:
            return cached
    notebook = nbformat.read(path, as_version=4)  # type: ignore[no-untyped-call]
    with tempfile.TemporaryDirectory() as scratch:
        # The kernel talks over local sockets in the scratch folder: over TCP, ipykernel warns
        # on stderr that the connection is not encrypted.
        kernel = AsyncKernelManager(
            kernel_name="python3", transport="ipc", ip=str(Path(scratch) / "kernel")
        )
        client = NotebookClient(
            notebook,
            km=kernel,
            timeout=TIMEOUT,
            resources={"metadata": {"path": scratch}},
            store_widget_state=True,  # saved with the notebook: its widgets show when reopened
        )
        client.execute(cleanup_kc=True)  # and stop the kernel, which it does not own
    notebook.metadata[KEY] = key
    CACHE.mkdir(parents=True, exist_ok=True)
    # Written whole, then renamed: a reader (another test worker) never sees half a notebook.
    partial = copy.with_name(f".{copy.name}.{os.getpid()}")
    nbformat.write(notebook, partial)  # type: ignore[no-untyped-call]
    partial.replace(copy)
    return notebook


def execution_key(path: Path) -> str:
    """A hash of all an execution of the notebook depends on, outside the network."""
    digest = hashlib.sha256(environment().encode())
    digest.update(hashlib.sha256(path.read_bytes()).digest())
    sources = (p for package in ("autodiff", "nn") for p in (ROOT / package).rglob("*"))
    for source in sorted(p for p in sources if p.is_file() and "__pycache__" not in p.parts):
        digest.update(str(source.relative_to(ROOT)).encode())
        digest.update(hashlib.sha256(source.read_bytes()).digest())
    return digest.hexdigest()


@functools.cache
def environment() -> str:
    """The interpreter, the distributions of the docs extra and Graphviz's dot, as one string."""
    wanted = installed_by("influence-autodiff", {"docs"})
    # A set: a folder on sys.path (the current one, under `python -m`) may hold the project's
    # own metadata a second time.
    distributions = {
        f"{d.metadata['Name']}=={d.version}"
        for d in importlib.metadata.distributions()
        if canonicalize_name(d.metadata["Name"]) in wanted
    }
    return "\n".join(
        [sys.executable, sys.version, *sorted(distributions), str(shutil.which("dot"))]
    )


def installed_by(distribution: str, extras: set[str]) -> set[str]:
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


def execute_all(paths: Iterable[Path], workers: int = 2) -> None:
    """Execute the notebooks whose cached copies are stale, a few at a time, each in a process
    of its own (each starts its own kernel)."""
    stale = [path for path in paths if not is_current(path)]
    if stale:
        with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
            for _ in pool.map(refresh, stale):
                pass


def is_current(path: Path) -> bool:
    """Whether the cached copy of the notebook is what running it now would give."""
    copy = CACHE / path.name
    if not copy.exists():
        return False
    cached = nbformat.read(copy, as_version=4)  # type: ignore[no-untyped-call]
    return bool(cached.metadata.get(KEY) == execution_key(path))


def refresh(path: Path) -> None:
    """Make the cached copy of the notebook current (for a pool: returns nothing to send)."""
    executed(path)


if __name__ == "__main__":
    execute_all([Path(arg).resolve() for arg in sys.argv[1:]] or NOTEBOOKS)
