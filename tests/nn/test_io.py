"""Saving and loading parameters: JSON, atomic writes, and files that do not fit."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

import nn


def values(model: nn.Module) -> list[float]:
    return [p.data for p in model.parameters()]


def test_parameters_round_trip_exactly(tmp_path: Path) -> None:
    model = nn.MLP(2, [3, 1], init="xavier", seed=0)
    tricky = [5e-324, -0.0, 1e308, 0.1, -1 / 3]
    for p, v in zip(model.parameters(), tricky):
        p.data = v
    nn.save(model, tmp_path / "model.json")
    other = nn.MLP(2, [3, 1], seed=1)
    nn.load(other, tmp_path / "model.json")
    assert values(other) == values(model)
    assert str(values(other)[1]) == "-0.0"


def test_the_file_is_plain_json_named_by_parameter(tmp_path: Path) -> None:
    model = nn.MLP(2, [1], seed=0)
    nn.save(model, tmp_path / "model.json")
    content = json.loads((tmp_path / "model.json").read_text())
    assert content == {
        "format": "nn.parameters",
        "version": 1,
        "parameters": {name: p.data for name, p in model.named_parameters()},
    }
    assert list(content["parameters"]) == [
        "layers.0.neurons.0.w.0",
        "layers.0.neurons.0.w.1",
        "layers.0.neurons.0.b",
    ]


def write_parameters(path: Path, parameters: object, **header: object) -> None:
    content = {"format": "nn.parameters", "version": 1, "parameters": parameters, **header}
    path.write_text(json.dumps(content))


def good(model: nn.Module) -> dict[str, float]:
    return {name: 0.5 for name, _ in model.named_parameters()}


MODEL_NAMES = ["layers.0.neurons.0.w.0", "layers.0.neurons.0.w.1", "layers.0.neurons.0.b"]


def bad_files() -> list[tuple[str, str, str]]:
    """(case, file content, what the error says)."""
    params = dict.fromkeys(MODEL_NAMES, 0.5)

    def document(parameters: object, **header: object) -> str:
        return json.dumps(
            {"format": "nn.parameters", "version": 1, "parameters": parameters, **header}
        )

    return [
        ("not json", '{"format": ', "is not a parameter file: Expecting value"),
        ("truncated", document(params)[:-10], "is not a parameter file"),
        ("not an object", "[1, 2, 3]", "expected the keys format, version, parameters"),
        (
            "another format",
            document(params, format="pickle"),
            "format is 'pickle', expected 'nn.parameters'",
        ),
        ("another version", document(params, version=2), "version is 2, expected 1"),
        ("extra header", document(params, note="hi"), "expected the keys"),
        ("parameters not an object", document([0.5, 0.5, 0.5]), "parameters must be an object"),
        (
            "a string",
            document({**params, MODEL_NAMES[0]: "0.5"}),
            r"w\.0 is '0\.5', not a finite number",
        ),
        (
            "a boolean",
            document({**params, MODEL_NAMES[1]: True}),
            r"w\.1 is True, not a finite number",
        ),
        ("null", document({**params, MODEL_NAMES[2]: None}), "b is None, not a finite number"),
        (
            "a list",
            document({**params, MODEL_NAMES[2]: [0.5]}),
            r"b is \[0\.5\], not a finite number",
        ),
        ("NaN", document(params).replace("0.5", "NaN", 1), "w.0 is nan, not a finite number"),
        ("Infinity", document(params).replace("0.5", "-Infinity", 1), "w.0 is -inf, not a finite"),
        ("too large", document(params).replace("0.5", "1e999", 1), "w.0 is inf, not a finite"),
        ("huge int", document(params).replace("0.5", "9" * 400, 1), "w.0 is 9999.*not a finite"),
        (
            "missing key",
            document({k: 0.5 for k in MODEL_NAMES[:2]}),
            r"2 parameters, the model 3; missing layers\.0\.neurons\.0\.b$",
        ),
        (
            "extra key",
            document({**params, "layers.0.neurons.0.w.2": 0.5}),
            r"unexpected layers\.0\.neurons\.0\.w\.2$",
        ),
        (
            "repeated key",
            document(params)[:-2] + ', "layers.0.neurons.0.b": 1.0}}',
            r"repeated key layers\.0\.neurons\.0\.b",
        ),
        ("not utf-8", '{"format": "\udcff"}', "is not a parameter file"),
        ("deeply nested", "[" * 100_000 + "]" * 100_000, "is nested too deeply"),
        (
            "deeply nested parameter",
            document({**params, MODEL_NAMES[0]: "@"}).replace('"@"', "[" * 100_000 + "]" * 100_000),
            "is nested too deeply",
        ),
    ]


@pytest.mark.parametrize(
    ("case", "content", "message"), bad_files(), ids=[c for c, _, _ in bad_files()]
)
def test_a_bad_file_is_refused_and_the_model_left_unchanged(
    tmp_path: Path, case: str, content: str, message: str
) -> None:
    model = nn.MLP(2, [1], seed=0)
    assert [name for name, _ in model.named_parameters()] == MODEL_NAMES
    before = values(model)
    path = tmp_path / "bad.json"
    path.write_bytes(content.encode("utf-8", errors="surrogateescape"))
    with pytest.raises(ValueError, match=message):
        nn.load(model, path)
    assert values(model) == before


def test_a_file_of_another_shape_names_what_differs(tmp_path: Path) -> None:
    nn.save(nn.MLP(2, [16, 16, 1], seed=0), tmp_path / "big.json")
    model = nn.MLP(2, [16, 1], seed=0)
    before = values(model)
    expected = r"it has 337 parameters, the model 65; unexpected layers\.1\.neurons\.1\.w\.0, "
    with pytest.raises(ValueError, match=expected + r".* and 267 more$"):
        nn.load(model, tmp_path / "big.json")
    nn.save(nn.MLP(2, [3, 1], seed=0), tmp_path / "small.json")
    expected = r"it has 13 parameters, the model 65; missing layers\.0\.neurons\.3\.w\.0, "
    with pytest.raises(ValueError, match=expected + r".* and 47 more$"):
        nn.load(model, tmp_path / "small.json")
    assert values(model) == before


def test_a_missing_file_is_a_file_not_found_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        nn.load(nn.MLP(2, [1], seed=0), tmp_path / "nothing.json")


def test_a_model_with_nan_is_not_saved(tmp_path: Path) -> None:
    model = nn.MLP(2, [1], seed=0)
    model.layers[0].neurons[0].b.data = float("nan")
    with pytest.raises(ValueError, match=r"cannot save layers\.0\.neurons\.0\.b = nan"):
        nn.save(model, tmp_path / "model.json")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("failing", ["fsync", "replace"])
def test_a_failure_while_saving_leaves_the_old_file_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    path = tmp_path / "model.json"
    nn.save(nn.MLP(2, [4, 1], seed=0), path)
    old = path.read_bytes()

    def crash(*args: object) -> None:
        raise OSError("disk on fire")

    monkeypatch.setattr(os, failing, crash)
    with pytest.raises(OSError, match="disk on fire"):
        nn.save(nn.MLP(2, [4, 1], seed=1), path)
    monkeypatch.undo()
    assert path.read_bytes() == old
    assert [p.name for p in tmp_path.iterdir()] == ["model.json"]  # no temporary file left


def test_an_interrupted_write_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "model.json"
    nn.save(nn.MLP(2, [1], seed=0), path)
    old = path.read_bytes()

    def interrupt(fd: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupt)
    with pytest.raises(KeyboardInterrupt):
        nn.save(nn.MLP(2, [1], seed=1), path)
    monkeypatch.undo()
    assert path.read_bytes() == old
    assert [p.name for p in tmp_path.iterdir()] == ["model.json"]


def test_huge_values_are_cut_short_in_errors(tmp_path: Path) -> None:
    model = nn.MLP(2, [1], seed=0)
    path = tmp_path / "huge.json"
    write_parameters(path, {**good(model), MODEL_NAMES[0]: int("9" * 400)})
    with pytest.raises(
        ValueError, match=r"w\.0 is 9{30,}\.\.\. \(400 characters\), not a"
    ) as error:
        nn.load(model, path)
    assert len(str(error.value)) < len(str(path)) + 120
    write_parameters(path, good(model), version="v" * 1000)
    with pytest.raises(ValueError, match=r"version is 'v+\.\.\. \(1002 characters\), expected 1$"):
        nn.load(model, path)
    write_parameters(path, {**good(model), "x" * 1000: 0.5})
    with pytest.raises(ValueError, match=r"unexpected x+\.\.\. \(1000 characters\)$"):
        nn.load(model, path)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_a_new_file_gets_the_usual_permissions_and_a_replaced_one_keeps_its_own(
    tmp_path: Path,
) -> None:
    umask = os.umask(0o027)
    try:
        nn.save(nn.MLP(2, [1], seed=0), tmp_path / "new.json")
    finally:
        os.umask(umask)
    assert mode(tmp_path / "new.json") == 0o640  # 0o666 less the umask, as open() gives
    for kept in (0o600, 0o664):
        path = tmp_path / f"{kept:o}.json"
        path.write_text("old")
        path.chmod(kept)
        nn.save(nn.MLP(2, [1], seed=0), path)
        assert mode(path) == kept and path.read_text().startswith("{")
