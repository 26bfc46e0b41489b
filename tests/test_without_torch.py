"""Without PyTorch (or ONNX's packages), as on a machine that installed neither extra: `import
nn` works, and never imports torch; each function that needs one says which extra to install;
the tests that need them skip, with the reason; notebook 10 says, in its first cell, that it
needs a local install. Each runs in a subprocess where the package is hidden, whether or not
it is installed here."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def without(packages: list[str], folder: Path) -> dict[str, str]:
    """An environment in which importing each of packages fails as if it were missing: a folder
    first on the path, holding a package of that name whose import raises ModuleNotFoundError."""
    for name in packages:
        (folder / name).mkdir()
        (folder / name / "__init__.py").write_text(
            f"raise ModuleNotFoundError('{name} is hidden')\n"
        )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COV_"))}
    env["PYTHONPATH"] = str(folder)
    return env


def python(code: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, check=False
    )


def test_import_nn_never_imports_torch() -> None:
    optional = "('torch', 'onnx', 'onnxscript', 'onnxruntime')"
    done = python(
        f"import sys, nn; print(sorted(m for m in sys.modules if m.split('.')[0] in {optional}))"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("call", "hidden", "says"),
    [
        (
            "nn.to_torch(nn.MLP(2, [1]))",
            ["torch"],
            'nn.to_torch needs torch: pip install "influence-autodiff[torch]"',
        ),
        (
            "nn.from_torch(None)",
            ["torch"],
            'nn.from_torch needs torch: pip install "influence-autodiff[torch]"',
        ),
        (
            "nn.to_torch_loss(nn.mse_loss)",
            ["torch"],
            'nn.to_torch_loss needs torch: pip install "influence-autodiff[torch]"',
        ),
        (
            "nn.to_onnx(nn.MLP(2, [1]), 'm.onnx')",
            ["torch"],
            'nn.to_onnx needs torch: pip install "influence-autodiff[onnx]"',
        ),
        (
            "nn.to_onnx(nn.MLP(2, [1]), 'm.onnx')",
            ["onnxscript"],
            'nn.to_onnx needs onnxscript: pip install "influence-autodiff[onnx]"',
        ),
    ],
)
def test_each_function_names_the_extra_to_install(
    call: str, hidden: list[str], says: str, tmp_path: Path
) -> None:
    done = python(f"import nn\n{call}", without(hidden, tmp_path))
    assert done.returncode == 1
    assert f"ModuleNotFoundError: {says}" in done.stderr, done.stderr[-2000:]
    assert not (ROOT / "m.onnx").exists()


def test_the_tests_that_need_torch_skip_with_the_reason(tmp_path: Path) -> None:
    tests = ["tests/nn/test_pytorch.py", "tests/nn/test_onnx.py", "tests/test_guide.py"]
    selected = ["-k", "not test_guide or pytorch"]  # of the guide's tests, the PyTorch page's
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs", *tests, *selected],
        cwd=ROOT,
        env=without(["torch"], tmp_path),
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:]
    assert "3 skipped" in done.stdout and "needs PyTorch" in done.stdout, done.stdout[-3000:]


@pytest.mark.parametrize(
    ("platform", "where"),
    [
        (sys.platform, "it is not installed here"),
        ("emscripten", "a course in the browser has none"),  # JupyterLite's Python
    ],
)
def test_notebook_10_says_first_that_it_needs_a_local_install(
    platform: str, where: str, tmp_path: Path
) -> None:
    notebook = json.loads((ROOT / "notebooks" / "10-from-scalars-to-tensors.ipynb").read_text())
    first = next(cell for cell in notebook["cells"] if cell["cell_type"] == "code")
    code = f"import sys\nsys.platform = {platform!r}\n{''.join(first['source'])}"
    done = python(code, without(["torch"], tmp_path))
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith(
        f"ModuleNotFoundError: This notebook needs PyTorch, and {where}. "
        "Run it on your own machine, where `make lab` installs it"
    ), last
