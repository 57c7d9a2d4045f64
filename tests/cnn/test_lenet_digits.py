"""The library reused: examples/lenet_digits.py trains LeNet-5 from the registry."""

import importlib.util
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "lenet_digits.py"


@pytest.fixture(scope="module")
def example():
    pytest.importorskip("sklearn")
    spec = importlib.util.spec_from_file_location("lenet_digits", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    yield module
    del sys.modules[spec.name]


def test_digits_are_framed_in_32x32(example):
    x_train, _, x_test, y_test = example.digits()
    assert x_train.shape[1:] == (1, 32, 32)
    assert len(x_train) + len(x_test) == 1_797
    assert set(y_test.tolist()) == set(range(10))


def test_lenet5_beats_97_percent_on_held_out_digits(example):
    result = example.train()  # the example's defaults: 20 epochs, seed 0
    assert result.accuracy > 0.97, result
