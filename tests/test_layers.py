"""The packages' layers: imports go one way, with no cycle, and any module can come first.

    engine ← transforms ← compiler, testing;   engine ← diagrams;   diagrams, compiler ← widgets;
    all ← command line;   autodiff ← nn

The engine is `autodiff`'s value, ops, primitives, backprop, code, formulas, errors,
grad_mode, domains and checks. One cycle is deliberate: value.py, whose methods apply the
operations, imports them at its end, after Value, which the operations need (`ALLOWED_CYCLE`).
"""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import pytest

import autodiff

ROOT = Path(__file__).resolve().parent.parent
ENGINE = {
    "backprop",
    "checks",
    "code",
    "distribution",
    "domains",
    "errors",
    "formulas",
    "grad_mode",
    "ops",
    "primitives",
    "value",
}
ALLOWED_CYCLE = {("autodiff.value", "autodiff.ops"), ("autodiff.value", "autodiff.backprop")}
LAYERS = {  # what each layer of autodiff may import, besides itself
    "engine": {"engine"},
    "transforms": {"engine", "transforms"},
    "compiler": {"engine", "transforms", "compiler"},
    "diagrams": {"engine"},
    "testing": {"engine", "transforms"},
    "widgets": {"engine", "diagrams", "compiler"},  # the stepper shows the compiled pass
    "cli": {"engine", "transforms", "diagrams"},
}


def modules(package: str) -> list[str]:
    found = []
    for path in sorted((ROOT / package).rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__main__":
            continue
        if parts[-1] == "__init__":
            parts.pop()
        found.append(".".join(parts))
    return found


MODULES = modules("autodiff") + modules("nn")


def layer(module: str) -> str | None:
    """The layer of one of autodiff's modules; None for the package's facade."""
    parts = module.split(".")
    if parts[0] != "autodiff" or len(parts) == 1:
        return None
    if parts[1] in ENGINE:
        return "engine"
    return "transforms" if parts[1] == "gradient_check" else parts[1]


def imports(module: str, *, top_level_only: bool) -> set[str]:
    """The modules of autodiff and nn that module imports (at its top level, or anywhere),
    leaving out those imported for type checkers only."""
    path = ROOT / Path(*module.split("."))
    source = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
    tree = ast.parse(source.read_text(encoding="utf-8"))
    nodes = list(ast.iter_child_nodes(tree)) if top_level_only else list(ast.walk(tree))
    found = set()
    for node in nodes:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = {f"{node.module}.{alias.name}" for alias in node.names}
            found |= {n for n in names if n in MODULES} or {node.module}
    return {name for name in found if name.split(".")[0] in ("autodiff", "nn")}


@pytest.mark.parametrize("package", ["autodiff", "nn"])
def test_no_module_level_import_cycle(package: str) -> None:
    graph = {
        m: {i for i in imports(m, top_level_only=True) if (m, i) not in ALLOWED_CYCLE}
        for m in MODULES
        if m.startswith(package)
    }
    try:
        tuple(TopologicalSorter(graph).static_order())
    except CycleError as error:
        pytest.fail(f"import cycle: {' -> '.join(error.args[1])}")


@pytest.mark.parametrize("module", [m for m in MODULES if layer(m)])
def test_each_layer_imports_only_those_below_it(module: str) -> None:
    own = layer(module)
    assert own is not None
    for imported in imports(module, top_level_only=False):
        assert not imported.startswith("nn"), f"{module} imports {imported}"
        assert imported != "autodiff", f"{module} imports the package's facade"
        below = layer(imported)
        assert below in LAYERS[own] | {own}, f"{module} ({own}) imports {imported} ({below})"


@pytest.mark.parametrize("module", [m for m in MODULES if m.startswith("nn")])
def test_nn_uses_only_the_public_api_of_autodiff(module: str) -> None:
    for imported in imports(module, top_level_only=False):
        assert (
            not imported.startswith("autodiff.")
            or imported.removeprefix("autodiff.") in autodiff.__all__
        ), f"{module} reaches into {imported}"


def test_every_module_can_be_imported_first() -> None:
    def import_first(module: str) -> str:
        command = [sys.executable, "-c", f"import {module}"]
        done = subprocess.run(command, capture_output=True, check=False)
        return "" if done.returncode == 0 else f"{module}: {done.stderr.decode()[-300:]}"

    with ThreadPoolExecutor(4) as pool:
        failures = [f for f in pool.map(import_first, MODULES) if f]
    assert not failures, "\n".join(failures)


def test_a_submodule_is_never_shadowed_by_a_name_of_the_package() -> None:
    for module in MODULES:
        parent, _, name = module.rpartition(".")
        if parent:
            imported = importlib.import_module(module)
            assert getattr(importlib.import_module(parent), name) is imported, (
                f"{parent}.{name} is not the module {module}"
            )


def subpackage(module: str) -> str:
    """The part of the project a module belongs to: the engine (autodiff's top-level modules),
    a subpackage of autodiff, or nn."""
    parts = module.split(".")
    return "nn" if parts[0] == "nn" else ".".join(parts[:2]) if len(parts) > 2 else "engine"


@pytest.mark.parametrize("module", MODULES)
def test_no_module_imports_the_private_names_of_another_part(module: str) -> None:
    path = ROOT / Path(*module.split("."))
    source = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
    own = subpackage(module)
    for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.split(".")[0] not in ("autodiff", "nn"):
                continue
            other = subpackage(node.module) if node.module.count(".") else "engine"
            private = [a.name for a in node.names if a.name.startswith("_")]
            assert other == own or not private, f"{module} imports {private} from {node.module}"
