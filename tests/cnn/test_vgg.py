"""VGG A to E in the paper's notation."""

import pytest
import torch
from torch import nn

from cnn import summary
from cnn.layers import LRN, Conv, Pool
from cnn.vgg import CONFIGS, parse, vgg


def meta_vgg(config: str, **options) -> nn.Module:
    with torch.device("meta"):
        return vgg(config, **options)


@pytest.mark.parametrize(
    ("config", "weight_layers"),
    [("A", 11), ("A-LRN", 11), ("B", 13), ("C", 16), ("D", 16), ("E", 19)],
)
def test_weight_layers(config, weight_layers):
    model = meta_vgg(config)
    assert sum(isinstance(m, nn.Conv2d | nn.Linear) for m in model.modules()) == weight_layers


def test_only_c_has_1x1_convs():
    for config in CONFIGS:
        sizes = {m.kernel_size for m in meta_vgg(config).modules() if isinstance(m, nn.Conv2d)}
        assert sizes == ({(3, 3), (1, 1)} if config == "C" else {(3, 3)})


def test_only_a_lrn_has_lrn():
    for config in CONFIGS:
        has_lrn = any(isinstance(m, nn.LocalResponseNorm) for m in meta_vgg(config).modules())
        assert has_lrn == (config == "A-LRN")


@pytest.mark.parametrize(
    ("config", "params"),
    [("A", 132_868_840), ("B", 133_053_736), ("D", 138_365_992), ("E", 143_678_248)],
)
def test_batch_norm_adds_two_parameters_per_conv_map(config, params):
    model = meta_vgg(config, batch_norm=True)
    assert sum(p.numel() for p in model.parameters()) == params


def test_most_parameters_are_in_the_fc_layers():
    model = meta_vgg("D")
    fc = sum(p.numel() for m in model.modules() if isinstance(m, nn.Linear) for p in m.parameters())
    assert fc == 123_642_856  # the lecture's "120 million from FC layers"


def test_pools_halve_224_to_7():
    table = summary("vgg16")
    assert [table[f"pool{i}"].volume for i in range(1, 6)] == [
        "112x112x64",
        "56x56x128",
        "28x28x256",
        "14x14x512",
        "7x7x512",
    ]


def test_parse_the_papers_notation():
    assert parse("conv3-64") == Conv(64, 3, pad=1)
    assert parse("conv1-512") == Conv(512, 1)
    assert parse("LRN") == LRN()
    assert parse("maxpool") == Pool(2, 2)
    with pytest.raises(ValueError, match="unknown VGG layer"):
        parse("fc-4096")
    with pytest.raises(ValueError, match="unknown VGG configuration"):
        vgg("F")
    with pytest.raises(ValueError, match="unknown VGG layer"):
        parse("fc-4096")
    with pytest.raises(ValueError, match="unknown VGG configuration"):
        vgg("F")
