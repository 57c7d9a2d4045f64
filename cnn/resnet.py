"""Residual networks [He, Zhang, Ren, Sun 2015]: the ImageNet ResNets and the CIFAR ones.

A residual block computes ``relu(F(x) + shortcut(x))``: F is two 3x3 convs (``BasicBlock``)
or 1x1-3x3-1x1 (``Bottleneck``, whose ``expansion`` makes it four times wider out), each conv
followed by batch norm, with no conv biases. The first block of a stage halves the size with
stride 2 (in its 3x3 conv).

ImageNet (the paper's Table 1; 224x224x3): a 7x7/2 conv, a 3x3/2 max pool, four stages of
64, 128, 256, 512 filters, global average pool, FC 1000. Where a block changes the shape
the shortcut is a projection, a 1x1 conv and batch norm (the paper's option B).
resnet18/34/50/101/152: 11,689,512 / 21,797,672 / 25,557,032 / 44,549,160 / 60,192,808.

CIFAR (the paper's section 4.2; 32x32x3): a 3x3 conv of 16 filters, three stages of n basic
blocks with 16, 32, 64 filters (6n + 2 weight layers), global average pool, FC 10. The
shortcuts are parameter-free identities, which subsample and pad the new maps with zeros
where the shape changes (option A). cifar_resnet20/32/44/56/110: 269,722 / 464,154 /
658,586 / 853,018 / 1,727,962 parameters (the paper's 0.27M / 0.46M / 0.66M / 0.85M / 1.7M).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from cnn.arithmetic import conv_output_size
from cnn.layers import FC, Conv, GlobalAvgPool, Pool, Shape
from cnn.network import Network, he_initialised, network
from cnn.registry import register

IMAGENET_INPUT = (3, 224, 224)
CIFAR_INPUT = (3, 32, 32)


def _conv_bn(inputs: int, filters: int, size: int, stride: int = 1) -> list[nn.Module]:
    conv = nn.Conv2d(inputs, filters, size, stride, padding=(size - 1) // 2, bias=False)
    return [conv, nn.BatchNorm2d(filters)]


class PadShortcut(nn.Module):
    """Option A shortcut: take every ``stride``-th pixel, then append all-zero maps."""

    def __init__(self, extra_maps: int, stride: int) -> None:
        super().__init__()
        self.extra_maps = extra_maps
        self.stride = stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x[:, :, :: self.stride, :: self.stride]
        return F.pad(x, (0, 0, 0, 0, 0, self.extra_maps))

    @property
    def window(self) -> tuple[int, int, int]:
        """Output i is input pixel ``i * stride`` (cnn.receptive_fields)."""
        return (1, self.stride, 0)


def _shortcut(inputs: int, outputs: int, stride: int, kind: str) -> nn.Module:
    """Identity where the shape stays; else option A ("pad") or B ("projection")."""
    if stride == 1 and inputs == outputs:
        return nn.Identity()
    if kind == "pad":
        return PadShortcut(outputs - inputs, stride)
    return nn.Sequential(*_conv_bn(inputs, outputs, 1, stride))


class ResidualBlock(nn.Module):
    """``relu(body(x) + shortcut(x))``."""

    def __init__(self, body: nn.Sequential, shortcut: nn.Module) -> None:
        super().__init__()
        self.body = body
        self.shortcut = shortcut

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.body(x) + self.shortcut(x))

    def branches(self) -> list[nn.Module]:
        """The paths from input to output, summed (cnn.receptive_fields)."""
        return [self.body, self.shortcut]


class BasicBlock(ResidualBlock):
    """Two 3x3 convs, the first at ``stride``, as many maps out as ``planes``."""

    expansion = 1

    def __init__(
        self, inputs: int, planes: int, stride: int = 1, shortcut: str = "projection"
    ) -> None:
        body = nn.Sequential(
            *_conv_bn(inputs, planes, 3, stride), nn.ReLU(), *_conv_bn(planes, planes, 3)
        )
        super().__init__(body, _shortcut(inputs, planes * self.expansion, stride, shortcut))


class Bottleneck(ResidualBlock):
    """1x1 down to ``planes``, 3x3 at ``stride``, 1x1 up to four times ``planes``."""

    expansion = 4

    def __init__(
        self, inputs: int, planes: int, stride: int = 1, shortcut: str = "projection"
    ) -> None:
        outputs = planes * self.expansion
        body = nn.Sequential(
            *_conv_bn(inputs, planes, 1),
            nn.ReLU(),
            *_conv_bn(planes, planes, 3, stride),
            nn.ReLU(),
            *_conv_bn(planes, outputs, 1),
        )
        super().__init__(body, _shortcut(inputs, outputs, stride, shortcut))


BlockType = type[BasicBlock] | type[Bottleneck]

# Blocks per stage of the paper's Table 1.
IMAGENET_DEPTHS: dict[int, tuple[BlockType, tuple[int, int, int, int]]] = {
    18: (BasicBlock, (2, 2, 2, 2)),
    34: (BasicBlock, (3, 4, 6, 3)),
    50: (Bottleneck, (3, 4, 6, 3)),
    101: (Bottleneck, (3, 4, 23, 3)),
    152: (Bottleneck, (3, 8, 36, 3)),
}


@dataclass(frozen=True)
class Block:
    """A residual block of class ``block``, ``planes`` filters in its 3x3 conv.

    ``shortcut`` where the shape changes: "projection" (option B) or "pad" (option A).
    """

    name: str
    block: BlockType
    planes: int
    stride: int = 1
    shortcut: str = "projection"
    kind = "block"
    weighted = False

    def output(self, shape: Shape) -> Shape:
        size = (conv_output_size(n, 3, self.stride, 1, "floor") for n in shape[1:])
        return (self.planes * self.block.expansion, *size)

    def build(self, shape: Shape) -> nn.Module:
        return self.block(shape[0], self.planes, self.stride, self.shortcut)


def stages(
    block: BlockType, blocks: tuple[int, ...], widths: tuple[int, ...], shortcut: str
) -> list:
    """The blocks of all stages, named ``conv2_1`` ... as the paper's ``conv2_x`` layers."""
    return [
        Block(f"conv{stage + 2}_{i + 1}", block, width, 2 if i == 0 and stage else 1, shortcut)
        for stage, (count, width) in enumerate(zip(blocks, widths, strict=True))
        for i in range(count)
    ]


def resnet(depth: int, num_classes: int = 1000) -> Network:
    """The ImageNet ResNet of ``depth`` weight layers (18, 34, 50, 101 or 152)."""
    if depth not in IMAGENET_DEPTHS:
        raise ValueError(
            f"no ImageNet ResNet of depth {depth}; choose from {list(IMAGENET_DEPTHS)}"
        )
    block, blocks = IMAGENET_DEPTHS[depth]
    specs = (
        Conv(64, 7, stride=2, pad=3, bias=False, rounding="floor"),
        Pool(3, 2, pad=1, rounding="floor"),
        *stages(block, blocks, (64, 128, 256, 512), "projection"),
        GlobalAvgPool(name="avgpool"),
        FC(num_classes, activation=False, name="fc"),
    )
    return he_initialised(network(specs, IMAGENET_INPUT, batch_norm=True), mode="fan_out")


def cifar_resnet(depth: int, num_classes: int = 10) -> Network:
    """The CIFAR-10 ResNet of ``depth`` = 6n + 2 weight layers, option A shortcuts."""
    if depth < 8 or (depth - 2) % 6:
        raise ValueError(f"a CIFAR ResNet has 6n + 2 weight layers (20, 32, 44...), not {depth}")
    n = (depth - 2) // 6
    specs = (
        Conv(16, 3, pad=1, bias=False),
        *stages(BasicBlock, (n, n, n), (16, 32, 64), "pad"),
        GlobalAvgPool(name="avgpool"),
        FC(num_classes, activation=False, name="fc"),
    )
    return he_initialised(network(specs, CIFAR_INPUT, batch_norm=True), mode="fan_out")


@register("resnet18")
def resnet18(num_classes: int = 1000) -> Network:
    """ResNet-18, basic blocks 2-2-2-2 (11,689,512 params)."""
    return resnet(18, num_classes)


@register("resnet34")
def resnet34(num_classes: int = 1000) -> Network:
    """ResNet-34, basic blocks 3-4-6-3 (21,797,672 params)."""
    return resnet(34, num_classes)


@register("resnet50")
def resnet50(num_classes: int = 1000) -> Network:
    """ResNet-50, bottlenecks 3-4-6-3 (25,557,032 params)."""
    return resnet(50, num_classes)


@register("resnet101")
def resnet101(num_classes: int = 1000) -> Network:
    """ResNet-101, bottlenecks 3-4-23-3 (44,549,160 params)."""
    return resnet(101, num_classes)


@register("resnet152")
def resnet152(num_classes: int = 1000) -> Network:
    """ResNet-152, bottlenecks 3-8-36-3 (60,192,808 params)."""
    return resnet(152, num_classes)


@register("cifar_resnet20")
def cifar_resnet20(num_classes: int = 10) -> Network:
    """CIFAR ResNet-20, n=3, option A shortcuts (269,722 params)."""
    return cifar_resnet(20, num_classes)


@register("cifar_resnet32")
def cifar_resnet32(num_classes: int = 10) -> Network:
    """CIFAR ResNet-32, n=5, option A shortcuts (464,154 params)."""
    return cifar_resnet(32, num_classes)


@register("cifar_resnet44")
def cifar_resnet44(num_classes: int = 10) -> Network:
    """CIFAR ResNet-44, n=7, option A shortcuts (658,586 params)."""
    return cifar_resnet(44, num_classes)


@register("cifar_resnet56")
def cifar_resnet56(num_classes: int = 10) -> Network:
    """CIFAR ResNet-56, n=9, option A shortcuts (853,018 params)."""
    return cifar_resnet(56, num_classes)


@register("cifar_resnet110")
def cifar_resnet110(num_classes: int = 10) -> Network:
    """CIFAR ResNet-110, n=18, option A shortcuts (1,727,962 params)."""
    return cifar_resnet(110, num_classes)
