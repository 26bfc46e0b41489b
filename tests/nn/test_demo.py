"""The main job, nn.demo: its command line, output and images."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from nn import demo


def test_the_moons_demo_trains_prints_and_draws(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert demo.main(["--epochs", "100", "--out", str(tmp_path / "out")]) == 0
    printed = capsys.readouterr().out
    assert "MLP(2 -> 16 -> 16 -> 1, 337 parameters)" in printed
    assert "after 100 epochs: hinge loss" in printed and "training accuracy 100.0%" in printed
    for name in ("moons-decision-boundary.svg", "moons-loss.svg"):
        assert (tmp_path / "out" / name).read_text().startswith("<svg")
        assert f"wrote {tmp_path / 'out' / name}" in printed
    neuron = (tmp_path / "out" / "neuron.svg").read_text()
    assert neuron.startswith("<?xml") and "y = tanh" in neuron and "data 0.7071" in neuron
    network = (tmp_path / "out" / "mlp-on-one-input.svg").read_text()
    assert "unit 1.1 · relu" in network and "unit 3.1 · linear" in network and "x1" in network


def test_the_digits_demo_reports_test_accuracy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        demo.main(["--dataset", "digits", "--epochs", "1", "--out", str(tmp_path), "--seed", "0"])
        == 0
    )
    printed = capsys.readouterr().out
    assert "MLP(64 -> 32 -> 10, 2410 parameters)" in printed
    assert "test accuracy" in printed and "(359 held-out digits)" in printed
    assert (tmp_path / "digits-loss.svg").exists()


@pytest.mark.parametrize("how", ["--compile", "--vectorize"])
def test_the_demo_trains_the_same_compiled(
    how: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    printed = {}
    for flag in ("", how):
        options = ["--epochs", "5", "--out", str(tmp_path / (flag or "eager"))]
        assert demo.main(options + ([flag] if flag else [])) == 0
        printed[flag] = capsys.readouterr().out.replace(flag or "eager", "")
    assert printed[how] == printed[""]


def test_python_m_nn_demo_has_help() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "nn.demo", "--help"], capture_output=True, text=True, check=True
    )
    for option in ("--dataset {digits,moons}", "--epochs", "--out", "--seed"):
        assert option in result.stdout


@pytest.mark.parametrize("argv", [["--dataset", "mnist"], ["--epochs", "0"], ["--epochs", "x"]])
def test_bad_arguments_exit_with_a_usage_error(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        demo.main(argv)
    assert exit_.value.code == 2
    assert "usage: autodiff demo" in capsys.readouterr().err


def test_a_bad_epochs_value_is_named_readably(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        demo.main(["--epochs", "x"])
    assert "argument --epochs: invalid positive int value: 'x'" in capsys.readouterr().err
