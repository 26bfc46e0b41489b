"""The build of the course in the browser (docs/lite.py), offline: npm integrity, Pyodide's lock
file as the site rewrites it, and pins that must agree. tests/test_browser.py runs the course."""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import io
import json
import re
import tarfile
import zipfile
from pathlib import Path

import lite
import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_an_npm_integrity_is_the_base64_of_the_hash_it_names() -> None:
    data = b"a tarball"
    integrity = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
    assert lite.matches(data, integrity)
    assert not lite.matches(data + b"!", integrity)


def fake_wheel(folder: Path, name: str) -> Path:
    path = folder / name
    with zipfile.ZipFile(path, "w") as wheel:
        wheel.writestr(f"{name.split('-', maxsplit=1)[0]}/__init__.py", "")
    return path


def fake_runtime(folder: Path) -> Path:
    """An npm tarball of Pyodide whose lock file lists a package the site does not hold."""
    lock = {"info": {"python": "3.14.2"}, "packages": {"numpy": {"name": "numpy"}}}
    data = json.dumps(lock).encode()
    path = folder / "pyodide.tgz"
    with tarfile.open(path, "w:gz") as archive:
        member = tarfile.TarInfo("package/pyodide-lock.json")
        member.size = len(data)
        archive.addfile(member, io.BytesIO(data))
    return path


def test_the_lock_file_lists_exactly_the_wheels_the_site_holds_with_their_hashes(
    tmp_path: Path,
) -> None:
    wheels = [fake_wheel(tmp_path, "Typing_Extensions-4.16.0-py3-none-any.whl")]
    kernel = [
        fake_wheel(tmp_path, name)
        for name in [
            "piplite-0.8.6-py3-none-any.whl",
            "widgetsnbextension-3.6.999-py3-none-any.whl",
            "widgetsnbextension-4.0.999-py3-none-any.whl",
        ]
    ]
    lock = lite.pyodide_lock(fake_runtime(tmp_path), wheels, kernel)
    assert lock["info"] == {"python": "3.14.2"}  # Pyodide's own, kept
    packages = lock["packages"]
    assert sorted(packages) == ["piplite", "typing-extensions", "widgetsnbextension"]
    entry = packages["typing-extensions"]
    assert entry["file_name"] == wheels[0].name and entry["version"] == "4.16.0"
    assert entry["sha256"] == hashlib.sha256(wheels[0].read_bytes()).hexdigest()
    beside_kernel = f"../../extensions/{lite.KERNEL}/static/pypi/"
    assert packages["widgetsnbextension"]["file_name"] == beside_kernel + kernel[2].name
    assert all(p["depends"] == [] for p in packages.values())  # all loaded at start


def test_a_cached_wheel_is_found_by_its_name_as_pip_spells_it(tmp_path: Path) -> None:
    wheel = fake_wheel(tmp_path, "prompt_toolkit-3.0.53-py3-none-any.whl")
    assert lite.cached(tmp_path, "prompt-toolkit", "3.0.53") == wheel
    assert lite.cached(tmp_path, "prompt-toolkit", "3.0.52") is None


def test_the_widgets_front_ends_are_those_of_the_versions_loaded_in_the_browser() -> None:
    """The site is built with the front ends installed here (anywidget's, and ipywidgets' in
    jupyterlab_widgets, which pip keeps in step with ipywidgets): the browser must load the
    same versions of their Python sides."""
    text = (lite.SOURCES / "requirements.txt").read_text()
    browser = dict(re.findall(r"^([\w.-]+)==(\S+)$", text, re.M))
    for name in ("anywidget", "ipywidgets"):
        assert importlib.metadata.version(name) == browser[name], name


def test_pyodide_is_of_the_version_the_kernel_runs() -> None:
    pytest.importorskip("jupyterlite_pyodide_kernel", reason="make docs installs it")
    locked = json.loads((lite.SOURCES / "package-lock.json").read_text())["packages"]
    assert locked["node_modules/pyodide"]["version"] == lite.pyodide_version_of_kernel()
