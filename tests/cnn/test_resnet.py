"""ResNets: the paper's ImageNet stages and the CIFAR 6n+2 family with option A shortcuts."""

import pytest
import torch
from torch import nn

import cnn
from cnn.resnet import BasicBlock, Bottleneck, PadShortcut, ResidualBlock, cifar_resnet


def test_imagenet_stages_halve_the_size():
    volumes = {row.name: row.volume for row in cnn.summary("resnet34")}
    assert volumes["conv1"] == "112x112x64"
    assert volumes["pool1"] == "56x56x64"
    assert volumes["conv2_3"] == "56x56x64"
    assert volumes["conv3_4"] == "28x28x128"
    assert volumes["conv4_6"] == "14x14x256"
    assert volumes["conv5_3"] == "7x7x512"
    assert "conv5_4" not in volumes


def test_bottleneck_widens_four_times():
    assert cnn.summary("resnet50")["conv5_3"].volume == "7x7x2048"


def test_projection_shortcut_where_the_shape_changes():
    with torch.device("meta"):
        model = cnn.build("resnet18")
    assert isinstance(model.conv2_1.shortcut, nn.Identity)
    assert isinstance(model.conv3_1.shortcut[0], nn.Conv2d)


def test_cifar_layers_and_volumes():
    model = cnn.build("cifar_resnet20")
    weight_layers = sum(isinstance(m, nn.Conv2d | nn.Linear) for m in model.modules())
    assert weight_layers == 20
    volumes = {row.name: row.volume for row in cnn.summary(model)}
    assert (volumes["conv2_3"], volumes["conv3_3"], volumes["conv4_3"]) == (
        "32x32x16",
        "16x16x32",
        "8x8x64",
    )


def test_option_a_shortcut_is_parameter_free_zero_padding():
    model = cnn.build("cifar_resnet20")
    shortcut = model.conv3_1.shortcut
    assert isinstance(shortcut, PadShortcut)
    assert not list(shortcut.parameters())
    x = torch.arange(16 * 4 * 4, dtype=torch.float32).reshape(1, 16, 4, 4)
    y = shortcut(x)
    assert y.shape == (1, 32, 2, 2)
    assert torch.equal(y[:, :16], x[:, :, ::2, ::2])
    assert not y[:, 16:].any()


def test_block_adds_the_shortcut_before_the_relu():
    block = ResidualBlock(nn.Sequential(nn.Identity()), nn.Identity())
    assert torch.equal(block(torch.tensor([-1.0, 2.0])), torch.tensor([0.0, 4.0]))


def test_any_6n_plus_2_depth():
    # stem 432 + 32, then one block per stage: 4,672 + 13,952 + 55,552, FC 650
    assert sum(p.numel() for p in cifar_resnet(8).parameters()) == 75_290
    with pytest.raises(ValueError, match="6n \\+ 2"):
        cifar_resnet(21)


def test_resnet18_runs_for_real_at_another_size():
    torch.manual_seed(0)
    model = cnn.build("resnet18").eval()
    assert model(torch.randn(1, 3, 64, 64)).shape == (1, 1000)


def test_block_classes_say_how_much_wider_they_come_out():
    assert (BasicBlock.expansion, Bottleneck.expansion) == (1, 4)
    with torch.device("meta"):
        resnet18, resnet50 = cnn.build("resnet18"), cnn.build("resnet50")
    assert isinstance(resnet18.conv2_1, BasicBlock)
    assert isinstance(resnet50.conv2_1, Bottleneck)
    assert resnet50.conv2_1.body[-2].out_channels == 64 * Bottleneck.expansion
