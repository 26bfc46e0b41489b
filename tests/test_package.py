"""The package as a user meets it: imports, typing marker, the command, the distribution (the
README's examples: tests/test_guide.py)."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
from pathlib import Path

import autodiff
import nn

ROOT = Path(__file__).resolve().parent.parent


def test_autodiff_imports_the_standard_library_only() -> None:
    def modules(imports: str) -> set[str]:
        script = f"import sys{imports}\nprint('\\n'.join(m.split('.')[0] for m in sys.modules))"
        run = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, check=True
        )
        return set(run.stdout.split())

    # What the interpreter loads by itself (Debian's Python: sitecustomize, for apport) is not
    # autodiff's doing.
    loaded = modules(", autodiff") - modules("")
    third_party = {
        name for name in loaded if name not in sys.stdlib_module_names and name != "autodiff"
    }
    assert third_party == set()


def test_public_api_is_listed_and_exists() -> None:
    for package in (autodiff, nn):
        assert isinstance(package.__all__, list)
        assert all(hasattr(package, name) for name in package.__all__)
    assert "Value" in autodiff.__all__ and "backward" in autodiff.__all__


def test_the_packages_ship_a_typing_marker() -> None:
    assert (ROOT / "autodiff" / "py.typed").exists()
    assert (ROOT / "nn" / "py.typed").exists()


def test_the_console_command_is_installed() -> None:
    command = Path(sys.executable).parent / "autodiff"
    output = subprocess.run(
        [str(command), "grad", "x**2 * sin(x)", "--at", "x=1.5"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert output.splitlines() == ["f     = 2.2443637198591224", "df/dx = 3.151643663564495"]


def test_the_distribution_has_a_name_of_its_own_and_both_packages() -> None:
    # "autodiff" and "nn" belong to other projects on the package index.
    found = importlib.metadata.packages_distributions()
    assert set(found["autodiff"]) == {"influence-autodiff"}
    assert set(found["nn"]) == {"influence-autodiff"}
    assert importlib.metadata.version("influence-autodiff") == autodiff_version()


def autodiff_version() -> str:
    done = subprocess.run(
        [sys.executable, "-m", "autodiff", "--version"], capture_output=True, text=True, check=True
    )
    return done.stdout.split()[1]
