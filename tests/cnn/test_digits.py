"""cnn.digits trains LeNet-5 from the registry on scikit-learn's digits; the example runs it."""

import importlib.util
from pathlib import Path

import pytest

from cnn.digits import digits, train

pytest.importorskip("sklearn")

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "lenet_digits.py"


def test_digits_are_framed_in_32x32():
    x_train, _, x_test, y_test = digits()
    assert x_train.shape[1:] == (1, 32, 32)
    assert len(x_train) + len(x_test) == 1_797
    assert set(y_test.tolist()) == set(range(10))


def test_lenet5_beats_97_percent_on_held_out_digits():
    result = train()  # the defaults: 20 epochs, seed 0
    assert result.accuracy > 0.97, result
    assert result.model.conv1.weight.shape == (6, 1, 5, 5)
    assert not result.model.training


def test_the_example_reports_the_accuracy(capsys):
    spec = importlib.util.spec_from_file_location("lenet_digits", EXAMPLE)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    example.main(["--epochs", "1"])
    words = capsys.readouterr().out.split()
    assert words[0] == "lenet5:" and words[1].endswith("%")
    assert words[2:7] == ["of", "450", "test", "digits", "correct"]
