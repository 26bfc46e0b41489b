"""Saving and loading a model's parameters as JSON (never pickle: loading runs no code).

The file holds {"format": "nn.parameters", "version": 1, "parameters": {name: number}}, the
names those of `Module.named_parameters()`. `save` writes atomically: a crash leaves either
the old file or the new one, never a mix. `load` checks the whole file against the model
before changing anything: a file that does not fit raises ValueError and the model is left as
it was.
"""

from __future__ import annotations

import json
import math
import os
import secrets
import stat
from pathlib import Path
from typing import Any

from autodiff.checks import is_number
from nn.module import Module

FORMAT, VERSION = "nn.parameters", 1
_SHOWN = 5  # names listed in an error about missing or unexpected parameters
_SHOWN_CHARS = 40  # of a value or name from the file, in an error: a file may hold huge ones


def save(model: Module, path: str | os.PathLike[str]) -> None:
    """Write model's parameters to path (JSON), replacing it atomically."""
    _check_model(model, "save")
    path = _path(path, "save")
    parameters = {}
    for name, p in model.named_parameters():
        if not math.isfinite(p.data):
            raise ValueError(f"cannot save {name} = {p.data}: JSON holds finite numbers only")
        parameters[name] = p.data
    text = json.dumps({"format": FORMAT, "version": VERSION, "parameters": parameters}, indent=1)
    write_atomically(Path(path), text + "\n")


def load(model: Module, path: str | os.PathLike[str]) -> None:
    """Set model's parameters from a file written by `save`, after checking all of it."""
    _check_model(model, "load")
    path = _path(path, "load")
    if not path.is_file():
        raise FileNotFoundError(f"load: there is no file {path}")
    values = _read_parameters(path)
    named = dict(model.named_parameters())
    _check_names(path, list(named), list(values))
    for name, p in named.items():
        p.data = values[name]


def _check_model(model: object, where: str) -> None:
    if not isinstance(model, Module):
        raise TypeError(f"{where}(model) needs an nn model, got {type(model).__name__!r}")


def _path(path: object, where: str) -> Path:
    if not isinstance(path, str | os.PathLike) or not str(path):
        raise TypeError(f"{where}(path) needs a file name, got {path!r}")
    return Path(path)


def write_atomically(path: Path, text: str) -> None:
    """Write text to a new file beside path, flush it to disk, then rename it over path.

    The rename is atomic, so readers (and a crash) see the old file or the new one, whole.
    The new file keeps the permissions of the file it replaces (a private file stays
    private); a file that did not exist gets the usual ones, those the umask leaves.
    """
    if not path.parent.is_dir():
        raise FileNotFoundError(f"cannot write {path}: there is no folder {path.parent}")
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    mode = _mode_of(path)
    try:
        with open(temporary, "x", encoding="utf-8") as file:
            if mode is not None:  # before the text goes in, so it is never more readable
                os.chmod(temporary, mode)
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    if os.name == "posix":  # make the rename itself durable
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)


def _mode_of(path: Path) -> int | None:
    """The permission bits of the file at path, None if there is none."""
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        return None


def _read_parameters(path: Path) -> dict[str, float]:
    try:
        content = json.loads(path.read_bytes(), object_pairs_hook=_no_duplicate_keys)
    except ValueError as error:  # bad JSON, text that is not UTF-8, a repeated key
        raise ValueError(f"{path} is not a parameter file: {error}") from None
    except RecursionError:  # the decoder recurses once per level of nesting
        raise ValueError(f"{path} is not a parameter file: it is nested too deeply") from None
    expected = {"format": FORMAT, "version": VERSION}
    if not isinstance(content, dict) or set(content) != {*expected, "parameters"}:
        raise ValueError(
            f"{path} is not a parameter file: expected the keys format, version, parameters"
        )
    for key, value in expected.items():
        if content[key] != value:
            raise ValueError(f"{path}: {key} is {_short_repr(content[key])}, expected {value!r}")
    parameters = content["parameters"]
    if not isinstance(parameters, dict):
        raise ValueError(f"{path}: parameters must be an object of name: number")
    return {name: _finite_number(path, name, value) for name, value in parameters.items()}


def _finite_number(path: Path, name: str, value: object) -> float:
    # Exactly an int or a float of JSON (not a bool, not a string), finite as a float.
    if type(value) not in (int, float) or not is_number(value):
        raise ValueError(
            f"{path}: parameter {_shortened(name)} is {_short_repr(value)}, not a finite number"
        )
    return float(value)


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) != len(pairs):
        keys = [key for key, _ in pairs]
        repeated = sorted({key for key in keys if keys.count(key) > 1})
        raise ValueError(f"repeated key {', '.join(repeated)}")
    return found


def _check_names(path: str | os.PathLike[str], model: list[str], file: list[str]) -> None:
    in_model, in_file = set(model), set(file)
    missing = [name for name in model if name not in in_file]
    unexpected = [name for name in file if name not in in_model]
    if not (missing or unexpected):
        return
    problems = [f"it has {len(file)} parameters, the model {len(model)}"]
    if missing:
        problems.append(f"missing {_some(missing)}")
    if unexpected:
        problems.append(f"unexpected {_some(unexpected)}")
    raise ValueError(f"{path} does not fit the model: {'; '.join(problems)}")


def _some(names: list[str]) -> str:
    more = len(names) - _SHOWN
    return ", ".join(map(_shortened, names[:_SHOWN])) + (f" and {more} more" if more > 0 else "")


def _short_repr(value: object) -> str:
    """repr(value), cut short if long."""
    return _shortened(repr(value))


def _shortened(text: str) -> str:
    if len(text) <= _SHOWN_CHARS:
        return text
    return f"{text[: _SHOWN_CHARS - 3]}... ({len(text)} characters)"
