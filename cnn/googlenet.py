"""GoogLeNet [Szegedy et al. 2014]: the network of the paper's Table 1, inception modules and all.

Each inception module runs four branches on the same input and stacks their outputs
depth-wise: a 1x1 conv; a 1x1 reduction then a 3x3 conv; a 1x1 reduction then a **5x5** conv;
a 3x3/1 max pool then a 1x1 projection. Every conv has a bias and a ReLU; there is no batch
norm. The stem follows the paper's Figure 3, local response normalisations included, and
its pools round up (the paper's 112 -> 56 -> 28 -> 14 -> 7); the head is a global average
pool (the paper's 7x7/1 at 224x224), dropout 40% and a linear layer.

This is the paper's network: 6,998,552 parameters without the auxiliary classifiers. The
often quoted 6,624,904 is torchvision's model, which builds that branch with a 3x3 conv
instead of the 5x5 (its issue #906) and uses batch norm without conv biases.

``aux_logits=True`` adds the two auxiliary classifiers of the paper, fed by inception (4a)
and (4d): 5x5/3 average pool, 128 1x1 conv, FC 1024, dropout 70%, linear; 6,379,728
parameters more at 1000 classes (3,188,840 + 3,190,888). In training mode the network then returns
``(logits, aux_4a, aux_4d)`` (the paper weights the auxiliary losses by 0.3); in eval mode
it returns the logits alone.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

import torch
from torch import nn

from cnn.layers import FC, LRN, Conv, Dropout, GlobalAvgPool, Pool, Shape
from cnn.network import Network, network, stack
from cnn.registry import register

INPUT_SIZE = (3, 224, 224)

# The paper's Table 1: #1x1, #3x3 reduce, #3x3, #5x5 reduce, #5x5, pool proj.
INCEPTION: dict[str, tuple[int, int, int, int, int, int]] = {
    "3a": (64, 96, 128, 16, 32, 32),
    "3b": (128, 128, 192, 32, 96, 64),
    "4a": (192, 96, 208, 16, 48, 64),
    "4b": (160, 112, 224, 24, 64, 64),
    "4c": (128, 128, 256, 24, 64, 64),
    "4d": (112, 144, 288, 32, 64, 64),
    "4e": (256, 160, 320, 32, 128, 128),
    "5a": (256, 160, 320, 32, 128, 128),
    "5b": (384, 192, 384, 48, 128, 128),
}
AUX_AFTER = ("4a", "4d")  # the modules feeding the auxiliary classifiers


def inception_depth(label: str) -> int:
    """Depth of an inception module's output: its four branches stacked.

    >>> inception_depth("3a")
    256
    """
    ones, _, threes, _, fives, pool_proj = INCEPTION[label]
    return ones + threes + fives + pool_proj


def _conv(inputs: int, filters: int, size: int) -> list[nn.Module]:
    return [nn.Conv2d(inputs, filters, size, padding=(size - 1) // 2), nn.ReLU()]


class InceptionModule(nn.Module):
    """Four parallel branches concatenated depth-wise."""

    def __init__(self, inputs: int, widths: tuple[int, int, int, int, int, int]) -> None:
        super().__init__()
        ones, reduce3, threes, reduce5, fives, pool_proj = widths
        self.branch1 = nn.Sequential(*_conv(inputs, ones, 1))
        self.branch3 = nn.Sequential(*_conv(inputs, reduce3, 1), *_conv(reduce3, threes, 3))
        self.branch5 = nn.Sequential(*_conv(inputs, reduce5, 1), *_conv(reduce5, fives, 5))
        self.branch_pool = nn.Sequential(nn.MaxPool2d(3, 1, 1), *_conv(inputs, pool_proj, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([branch(x) for branch in self.branches()], dim=1)

    def branches(self) -> list[nn.Sequential]:
        """The four paths from input to output, stacked (also for cnn.receptive_fields)."""
        return [self.branch1, self.branch3, self.branch5, self.branch_pool]


@dataclass(frozen=True)
class Inception:
    """An inception module of Table 1, by its label ("3a" ... "5b")."""

    label: str
    kind = "inception"
    weighted = False

    @property
    def name(self) -> str:
        return f"inception{self.label}"

    def output(self, shape: Shape) -> Shape:
        return (inception_depth(self.label), *shape[1:])

    def build(self, shape: Shape) -> nn.Module:
        return InceptionModule(shape[0], INCEPTION[self.label])


def _pool() -> Pool:
    return Pool(3, 2, rounding="ceil")


STEM = (
    Conv(64, 7, stride=2, pad=3, rounding="floor"),
    _pool(),
    LRN(),
    Conv(64, 1),
    Conv(192, 3, pad=1),
    LRN(),
    _pool(),
)
BODY = (
    Inception("3a"),
    Inception("3b"),
    _pool(),
    *(Inception(label) for label in ("4a", "4b", "4c", "4d", "4e")),
    _pool(),
    Inception("5a"),
    Inception("5b"),
)


class GoogLeNet(Network):
    """The network of units, plus optional auxiliary classifiers tapping some of them."""

    def __init__(
        self, units: OrderedDict[str, nn.Module], input_size: Shape, aux: dict[str, Network]
    ) -> None:
        super().__init__(units, input_size)
        self.aux = nn.ModuleDict(aux)

    def forward(self, x: torch.Tensor) -> torch.Tensor | tuple[torch.Tensor, ...]:
        extra = []
        for name, unit in self.named_children():
            if name == "aux":
                continue
            x = unit(x)
            if self.training and name in self.aux:
                extra.append(self.aux[name](x))
        return (x, *extra) if extra else x


def _aux_head(depth: int, num_classes: int) -> Network:
    specs = (
        Pool(5, 3, average=True),
        Conv(128, 1),
        FC(1024, dropout=0.7),
        FC(num_classes, activation=False),
    )
    return network(specs, (depth, 14, 14))


@register("googlenet")
def googlenet(num_classes: int = 1000, aux_logits: bool = False, dropout: float = 0.4) -> GoogLeNet:
    """GoogLeNet of the paper's Table 1, true 5x5 branches (6,998,552 params)."""
    head = (
        GlobalAvgPool(name="avgpool"),
        Dropout(dropout),
        FC(num_classes, activation=False, name="fc"),
    )
    units = stack((*STEM, *BODY, *head), INPUT_SIZE)
    aux = {}
    if aux_logits:
        aux = {
            f"inception{label}": _aux_head(inception_depth(label), num_classes)
            for label in AUX_AFTER
        }
    return GoogLeNet(units, INPUT_SIZE, aux)
