"""The guide's page on PyTorch and ONNX (docs/guide/pytorch.md): its examples print what it
says, where PyTorch and ONNX's packages are installed (`make test` installs them)."""

from __future__ import annotations

import doctest
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NEEDS = "needs PyTorch and ONNX's packages: pip install -e '.[onnx]'"


def test_the_pages_examples_print_what_it_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for package in ("torch", "onnx", "onnxscript", "onnxruntime"):
        pytest.importorskip(package, reason=NEEDS)
    monkeypatch.chdir(tmp_path)  # where its example writes model.onnx
    failures, tried = doctest.testfile(str(ROOT / "docs/guide/pytorch.md"), module_relative=False)
    assert tried > 20
    assert failures == 0
