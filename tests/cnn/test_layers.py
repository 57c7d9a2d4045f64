"""Layer specs: shapes by the lecture's arithmetic, torch modules to match."""

import pytest
import torch
from torch import nn

from cnn.layers import FC, LRN, Conv, Dropout, Flatten, GlobalAvgPool, Pool


def run(module: nn.Module, shape: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(module(torch.zeros(1, *shape)).shape[1:])


@pytest.mark.parametrize(
    ("spec", "shape", "expected"),
    [
        (Conv(96, 11, stride=4), (3, 227, 227), (96, 55, 55)),
        (Conv(10, 5, pad=2), (3, 32, 32), (10, 32, 32)),
        (Conv(4, 3, stride=2, pad=1), (3, 5, 7), (4, 3, 4)),
        (Conv(64, 7, stride=2, pad=3, rounding="floor"), (3, 224, 224), (64, 112, 112)),
        (Pool(3, 2), (96, 55, 55), (96, 27, 27)),
        (Pool(3, 2, rounding="ceil"), (64, 112, 112), (64, 56, 56)),
        (Pool(3, 2, pad=1, rounding="floor"), (64, 112, 112), (64, 56, 56)),
        (Pool(5, 3, average=True), (512, 14, 14), (512, 4, 4)),
        (GlobalAvgPool(), (512, 7, 7), (512, 1, 1)),
        (LRN(), (96, 27, 27), (96, 27, 27)),
        (Flatten(), (256, 6, 6), (9216,)),
        (FC(4096), (9216,), (4096,)),
        (Dropout(0.5), (10,), (10,)),
    ],
)
def test_spec_output_matches_its_module(spec, shape, expected):
    assert spec.output(shape) == expected
    assert run(spec.build(shape), shape) == expected


def test_conv_that_does_not_fit_is_refused():
    with pytest.raises(ValueError, match="does not fit 7x7"):
        Conv(2, 3, stride=3).output((1, 7, 7))


def test_fc_needs_a_flat_input():
    with pytest.raises(ValueError, match="flat"):
        FC(10).output((3, 4, 4))


def test_pool_needs_a_volume():
    with pytest.raises(ValueError, match="volume"):
        Pool(2, 2).output((10,))


def test_lrn_has_alexnet_constants():
    norm = LRN().build((96, 27, 27))
    assert (norm.size, norm.alpha, norm.beta, norm.k) == (5, 1e-4, 0.75, 2.0)
