"""The course in the browser: every notebook in a JupyterLite site, built into build/site/lite/.

`make docs` runs ``python docs/lite.py build/site/lite`` after the documentation site. The site
runs Python in the browser (Pyodide, WebAssembly) and needs no server beyond static files. What
goes in, every piece pinned and fetched from PyPI or the npm registry only, then kept in
build/lite-cache/ (a warm build downloads nothing):

- the front end: JupyterLite (jupyterlite-core) with the Pyodide kernel, and the front ends of
  ipywidgets and anywidget (the ``docs`` extra of pyproject.toml);
- Pyodide's runtime, of the version the kernel pins, and Graphviz compiled to WebAssembly
  (@viz-js/viz's ``viz.js``, which `autodiff.diagrams.rendering` loads to draw): the npm
  packages of docs/lite/package-lock.json, checked against its integrity hashes;
- the wheels the kernel loads as it starts: the project's own, built from this checkout, and
  docs/lite/requirements.txt. Pyodide's lock file is rewritten to list exactly these (with
  paths beside it and their hashes), and all are preloaded, so that ``import autodiff`` works in
  the first cell; nothing is fetched from anywhere else, at build time or in the browser;
- the notebooks, as committed (no outputs), set to run on the Pyodide kernel.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import json
import re
import shutil
import subprocess
import sys
import tarfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "docs" / "lite"
CACHE = ROOT / "build" / "lite-cache"
ON_A_MACHINE = {"10-from-scalars-to-tensors.ipynb": "PyTorch"}
"""The notebooks the course in the browser leaves out, and what they need that it has not."""
NOTEBOOKS = [
    path for path in sorted((ROOT / "notebooks").glob("*.ipynb")) if path.name not in ON_A_MACHINE
]
REGISTRY = "https://registry.npmjs.org"
KERNEL = "@jupyterlite/pyodide-kernel-extension"
FRONT_ENDS = [KERNEL, "@jupyter-widgets/jupyterlab-manager", "anywidget"]
"""The front-end extensions the site is built with (and only these, whatever else is installed)."""
RUNTIME = ["pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip"]
"""The files of Pyodide's npm package that a browser loads."""
KERNEL_SPEC = {"name": "python", "display_name": "Python (Pyodide)", "language": "python"}
LANGUAGE_INFO = {
    "codemirror_mode": {"name": "python", "version": 3},
    "file_extension": ".py",
    "mimetype": "text/x-python",
    "name": "python",
    "nbconvert_exporter": "python",
    "pygments_lexer": "ipython3",
    "version": "3.8",
}
"""What the Pyodide kernel tells JupyterLite of its language, written into each notebook:
JupyterLite puts it in a notebook's metadata as the kernel starts, and a notebook saved with
other metadata shows as modified the moment it opens. (3.8 is jupyterlite-pyodide-kernel's own,
whatever Python Pyodide runs; the browser test finds a notebook unmodified once open.)"""
PYTHON = "3.14"
"""Pyodide 314's Python: the version the wheels are chosen for."""


def build(out: Path) -> None:
    """Build the site into out, afresh."""
    lite = CACHE.parent / "lite-dir"  # what `jupyter lite build` reads
    shutil.rmtree(lite, ignore_errors=True)
    static = lite / "static" / "pyodide"  # copied to the site by the kernel's build step
    static.mkdir(parents=True)
    npm = npm_packages()
    unpack(npm["pyodide"], RUNTIME, static)
    unpack(npm["@viz-js/viz"], ["dist/viz.js"], static)
    wheels = [*browser_wheels(), project_wheel()]
    for wheel in wheels:
        shutil.copy(wheel, static)
    kernel_wheels = sorted(front_end(KERNEL).glob("static/pypi/*.whl"))
    lock = pyodide_lock(npm["pyodide"], wheels, kernel_wheels)
    (static / "pyodide-lock.json").write_text(json.dumps(lock, indent=1), encoding="utf-8")
    settings = {
        "disablePyPIFallback": True,  # %pip finds only what the site holds: no other host
        "loadPyodideOptions": {"packages": sorted(lock["packages"])},  # all loaded at start
    }
    config = {
        "jupyter-lite-schema-version": 0,
        "jupyter-config-data": {
            "appName": "autodiff: the course in the browser",
            "exposeAppInBrowser": True,  # window.jupyterapp, for the browser test
            "litePluginSettings": {f"{KERNEL}:kernel": settings},
        },
    }
    (lite / "jupyter-lite.json").write_text(json.dumps(config, indent=1), encoding="utf-8")
    files = lite / "files"
    files.mkdir()
    for notebook in NOTEBOOKS:
        data = json.loads(notebook.read_text(encoding="utf-8"))
        data["metadata"].update(kernelspec=KERNEL_SPEC, language_info=LANGUAGE_INFO)
        (files / notebook.name).write_text(json.dumps(data, indent=1), encoding="utf-8")
    shutil.rmtree(out, ignore_errors=True)
    command = [
        str(Path(sys.executable).parent / "jupyter-lite"), "build",
        f"--lite-dir={lite}", f"--output-dir={out}", "--apps=lab",
        "--no-sourcemaps", "--no-unused-shared-packages", "--ignore-sys-prefix",
        f"--settings-overrides={ROOT / 'jupyter' / 'overrides.json'}",  # as make lab has them
        *(f"--LiteBuildConfig.federated_extensions={front_end(name)}" for name in FRONT_ENDS),
    ]  # fmt: skip
    done = subprocess.run(command, cwd=lite, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"jupyter lite build failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")


# -- the npm packages -----------------------------------------------------------------------------


def npm_packages() -> dict[str, Path]:
    """The tarballs of the npm packages docs/lite/package.json names, at the versions and with
    the integrity its lock file gives, from the cache or else the registry."""
    wanted = json.loads((SOURCES / "package.json").read_text())["dependencies"]
    locked = json.loads((SOURCES / "package-lock.json").read_text())["packages"]
    tarballs = {}
    for name in wanted:
        entry = locked[f"node_modules/{name}"]
        version, integrity = entry["version"], entry["integrity"]
        path = CACHE / "npm" / f"{name.replace('/', '+')}-{version}.tgz"
        if not (path.exists() and matches(path.read_bytes(), integrity)):
            url = f"{REGISTRY}/{name}/-/{name.split('/')[-1]}-{version}.tgz"
            with urllib.request.urlopen(url, timeout=120) as response:
                data = response.read()
            if not matches(data, integrity):
                raise SystemExit(f"{url} does not match the integrity in package-lock.json")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        tarballs[name] = path
    kernel = importlib.metadata.version("jupyterlite-pyodide-kernel")
    pinned = pyodide_version_of_kernel()
    if locked["node_modules/pyodide"]["version"] != pinned:
        raise SystemExit(
            f"jupyterlite-pyodide-kernel {kernel} runs Pyodide {pinned}: set pyodide to it in "
            "docs/lite/package.json (npm install --package-lock-only rewrites the lock file)"
        )
    return tarballs


def matches(data: bytes, integrity: str) -> bool:
    """Whether data has the hash of an npm integrity string ('sha512-<base64>')."""
    algorithm, _, digest = integrity.partition("-")
    return base64.b64encode(hashlib.new(algorithm, data).digest()).decode() == digest


def unpack(tarball: Path, names: list[str], folder: Path) -> None:
    """Write the files names (paths inside the package) from an npm tarball into folder."""
    with tarfile.open(tarball) as archive:
        for name in names:
            member = archive.extractfile(f"package/{name}")
            if member is None:
                raise SystemExit(f"{tarball.name} has no {name}")
            (folder / Path(name).name).write_bytes(member.read())


def pyodide_version_of_kernel() -> str:
    from jupyterlite_pyodide_kernel.constants import PYODIDE_VERSION  # noqa: PLC0415

    version: str = PYODIDE_VERSION
    return version


# -- the wheels -----------------------------------------------------------------------------------


def browser_wheels() -> list[Path]:
    """The wheels of docs/lite/requirements.txt, pure Python, from the cache or else PyPI."""
    folder = CACHE / "wheels"
    pins = re.findall(r"^([\w.-]+)==(\S+)$", (SOURCES / "requirements.txt").read_text(), re.M)
    found = {pin: cached(folder, *pin) for pin in pins}
    if not all(found.values()):
        pip = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps"]
        target = ["--only-binary=:all:", f"--python-version={PYTHON}", "--implementation=py"]
        target += ["--abi=none", "--platform=any"]  # pure Python: py3-none-any wheels only
        requirements = ["-r", str(SOURCES / "requirements.txt")]
        subprocess.run([*pip, *target, f"--dest={folder}", *requirements], check=True)
        found = {pin: cached(folder, *pin) for pin in pins}
    missing = [f"{name}=={version}" for (name, version), path in found.items() if path is None]
    if missing:
        raise SystemExit(f"no pure-Python wheel downloaded for {', '.join(missing)}")
    return [path for path in found.values() if path is not None]


def cached(folder: Path, name: str, version: str) -> Path | None:
    """The wheel of name==version in folder, if there is one."""
    stem = re.sub(r"[-_.]+", "_", name).lower()
    matches_ = [
        p for p in folder.glob("*.whl")
        if re.sub(r"[-_.]+", "_", p.name.split("-")[0]).lower() == stem
        and p.name.split("-")[1] == version
    ]  # fmt: skip
    return matches_[0] if matches_ else None


def project_wheel() -> Path:
    """This checkout of the project as a wheel, built afresh."""
    folder = CACHE / "project"
    shutil.rmtree(folder, ignore_errors=True)
    command = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps"]
    subprocess.run([*command, f"--wheel-dir={folder}", str(ROOT)], check=True)
    (wheel,) = folder.glob("*.whl")
    return wheel


def pyodide_lock(runtime: Path, wheels: list[Path], kernel_wheels: list[Path]) -> dict[str, Any]:
    """Pyodide's lock file, listing only the wheels the site holds: those beside it, and the
    kernel's own (piplite, the kernel, stubs of ipykernel and widgetsnbextension) where the
    kernel's extension keeps them."""
    with tarfile.open(runtime) as archive:
        member = archive.extractfile("package/pyodide-lock.json")
        assert member is not None
        lock: dict[str, Any] = json.load(member)
    beside_kernel = f"../../extensions/{KERNEL}/static/pypi/"  # from static/pyodide/
    entries = [(wheel, wheel.name) for wheel in wheels]
    entries += [
        (wheel, beside_kernel + wheel.name)
        for wheel in kernel_wheels
        if not wheel.name.startswith("widgetsnbextension-3.")  # the stub for ipywidgets 7
    ]
    packages = {}
    for wheel, file_name in entries:
        name, version = wheel.name.split("-")[:2]
        key = re.sub(r"[-_.]+", "-", name).lower()
        packages[key] = {
            "name": key,
            "version": version,
            "file_name": file_name,
            "install_dir": "site",
            "sha256": hashlib.sha256(wheel.read_bytes()).hexdigest(),
            "package_type": "package",
            "imports": [],
            "depends": [],  # all are loaded at start: nothing to resolve
            "unvendored_tests": False,
        }
    lock["packages"] = packages
    return lock


def front_end(name: str) -> Path:
    """Where the front-end extension name is installed in this environment."""
    path = Path(sys.prefix) / "share" / "jupyter" / "labextensions" / name
    if not path.exists():
        raise SystemExit(f"{name} is not installed here: make docs installs it (the docs extra)")
    return path


def size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


if __name__ == "__main__":
    start = time.perf_counter()
    site = Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "build" / "site" / "lite")
    build(site.resolve())
    seconds = time.perf_counter() - start
    megabytes = size(site) / 1e6
    print(f"the course in the browser: {site} ({megabytes:.0f} MB, built in {seconds:.0f} s)")
