"""Your copies of the course's notebooks, to run and change (`make course`, which `make lab`
runs first): `python jupyter/course.py course/`.

JupyterLab opens the copies, so running and saving them leaves notebooks/ as committed. A
notebook is copied only where its copy is missing: your changes stay, and a copy you delete
comes back as the course has it. Each copy names its kernel as this Python's kernel describes
itself (its kernel spec, and its language with the Python version): JupyterLab writes that into
a notebook as the kernel starts, which would otherwise mark the notebook modified on opening,
before anything was changed.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from ipykernel.ipkernel import IPythonKernel
from jupyter_client.kernelspec import KernelSpecManager

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def copy_course(folder: Path) -> list[Path]:
    """Copy each notebook missing from folder there, as this Python's kernel will run it; the
    copies made."""
    folder.mkdir(parents=True, exist_ok=True)
    spec = KernelSpecManager().get_kernel_spec("python3")
    kernel = {"display_name": spec.display_name, "language": spec.language, "name": "python3"}
    made = []
    for notebook in sorted(NOTEBOOKS.glob("*.ipynb")):
        copy = folder / notebook.name
        if not copy.exists():
            data = json.loads(notebook.read_text(encoding="utf-8"))
            data["metadata"]["kernelspec"] = kernel
            data["metadata"]["language_info"] = IPythonKernel.language_info
            # As JupyterLab writes a notebook, so that saving an unchanged one changes nothing.
            text = json.dumps(data, indent=1, ensure_ascii=False, sort_keys=True) + "\n"
            copy.write_text(text, encoding="utf-8")
            made.append(copy)
    return made


if __name__ == "__main__":
    copy_course(Path(sys.argv[1]))
