"""LeNet-5 [LeCun, Bottou, Bengio, Haffner 1998]: CONV-POOL-CONV-POOL-CONV-FC on 32x32 digits.

Two registry names:

- ``lenet5``: the fully connected variant everyone trains today: C3 sees all six S2 maps,
  plain 2x2 max pooling, ReLU, and a 10-way linear output. 61,706 parameters:
  conv1 156 + conv2 2,416 + conv3 48,120 + fc4 10,164 + fc5 850.
- ``lenet5_paper``: the paper's network. S2 and S4 are trainable subsamplings (the four
  inputs are summed, times one coefficient per map, plus one bias per map), C3 follows the
  paper's Table I (each of its 16 maps sees only some of the six S2 maps), the squashing
  function is the paper's ``1.7159 tanh(2a/3)``, and the output layer is Euclidean RBF units
  with fixed, hand-chosen +-1 prototypes. Its trainable parameters are exactly the paper's
  60,000: C1 156 + S2 12 + C3 1,516 + S4 32 + C5 48,120 + F6 10,164. The 840 prototype
  values are a buffer, not parameters, as in the paper ("chosen by hand and kept fixed").
  The paper drew them as 7x12 bitmaps of the ASCII characters, which it does not list; we
  use ten rows of a 128x128 Hadamard matrix cut to 84 columns (any two differ in 40 to 42 of
  the 84 places). The RBF layer's output is the negated squared distance, so it can be used
  as logits (largest = best) with a cross-entropy loss.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from cnn.arithmetic import pool_output_size
from cnn.layers import FC, Conv, Pool, Shape
from cnn.network import Network, network
from cnn.registry import register

INPUT_SIZE = (1, 32, 32)

# The paper's Table I: the S2 maps each C3 map is connected to.
C3_TABLE: tuple[tuple[int, ...], ...] = (
    (0, 1, 2),
    (1, 2, 3),
    (2, 3, 4),
    (3, 4, 5),
    (0, 4, 5),
    (0, 1, 5),
    (0, 1, 2, 3),
    (1, 2, 3, 4),
    (2, 3, 4, 5),
    (0, 3, 4, 5),
    (0, 1, 4, 5),
    (0, 1, 2, 5),
    (0, 1, 3, 4),
    (1, 2, 4, 5),
    (0, 2, 3, 5),
    (0, 1, 2, 3, 4, 5),
)


class ScaledTanh(nn.Module):
    """The paper's squashing function ``A tanh(S a)`` with A = 1.7159 and S = 2/3."""

    quiet = True  # acts on each number alone: summaries leave it out (cnn.summary)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return 1.7159 * torch.tanh(x * (2.0 / 3.0))


class TableConv2d(nn.Module):
    """A convolution whose output maps each see only the input maps a table gives them.

    Consecutive output maps with the same number of inputs share one grouped ``nn.Conv2d``
    over their gathered input maps, so only the table's connections are parameters.
    """

    def __init__(self, table: tuple[tuple[int, ...], ...], size: int) -> None:
        super().__init__()
        self.convs = nn.ModuleList()
        self._gathers: list[str] = []
        start = 0
        while start < len(table):
            fan_in = len(table[start])
            end = start
            while end < len(table) and len(table[end]) == fan_in:
                end += 1
            maps = end - start
            gather = [i for row in table[start:end] for i in row]
            buffer = f"gather{len(self.convs)}"
            self.register_buffer(buffer, torch.tensor(gather), persistent=False)
            self._gathers.append(buffer)
            self.convs.append(nn.Conv2d(fan_in * maps, maps, size, groups=maps))
            start = end

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        parts = [
            conv(x.index_select(1, getattr(self, buffer)))
            for conv, buffer in zip(self.convs, self._gathers, strict=True)
        ]
        return torch.cat(parts, dim=1)

    def branches(self) -> list[nn.Conv2d]:
        """The grouped convs, side by side on the input (cnn.receptive_fields)."""
        return list(self.convs)


class TrainableSubsampling(nn.Sequential):
    """2x2 average (the sum over 4, rescaled), then a per-map coefficient and bias: a 1x1
    depthwise conv has exactly those two numbers per map."""

    def __init__(self, maps: int) -> None:
        super().__init__(nn.AvgPool2d(2), nn.Conv2d(maps, maps, 1, groups=maps))


class EuclideanRBF(nn.Module):
    """Output units scoring the negated squared distance of the input to fixed prototypes."""

    def __init__(self, features: int, classes: int) -> None:
        super().__init__()
        hadamard = torch.ones(1, 1)
        while hadamard.shape[0] <= classes or hadamard.shape[1] < features:
            hadamard = torch.cat(
                [torch.cat([hadamard, hadamard], 1), torch.cat([hadamard, -hadamard], 1)], 0
            )
        self.register_buffer("prototypes", hadamard[1 : classes + 1, :features].clone())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return -torch.cdist(x, self.prototypes).square()


@dataclass(frozen=True)
class Subsampling:
    """The paper's S layers: 2x2 sums times a trainable coefficient plus a bias, per map."""

    name: str | None = None
    activation: bool = True
    kind = "subsampling"
    weighted = True

    def output(self, shape: Shape) -> Shape:
        d, h, w = shape
        return (d, pool_output_size(h, 2, 2), pool_output_size(w, 2, 2))

    def build(self, shape: Shape) -> nn.Module:
        return TrainableSubsampling(shape[0])


@dataclass(frozen=True)
class PartialConv:
    """A convolution connected by a table (the paper's C3)."""

    table: tuple[tuple[int, ...], ...]
    size: int
    name: str | None = None
    activation: bool = True
    kind = "conv"
    weighted = True

    def output(self, shape: Shape) -> Shape:
        return Conv(len(self.table), self.size).output(shape)

    def build(self, shape: Shape) -> nn.Module:
        inputs = {i for row in self.table for i in row}
        if inputs != set(range(shape[0])):
            raise ValueError(f"the table connects maps {sorted(inputs)}, the input has {shape[0]}")
        return TableConv2d(self.table, self.size)


@dataclass(frozen=True)
class RBF:
    """The paper's output layer of Euclidean radial basis function units."""

    classes: int
    name: str | None = None
    kind = "rbf"
    weighted = True

    def output(self, shape: Shape) -> Shape:
        return (self.classes,)

    def build(self, shape: Shape) -> nn.Module:
        return EuclideanRBF(shape[0], self.classes)


LENET5 = (Conv(6, 5), Pool(2, 2), Conv(16, 5), Pool(2, 2), Conv(120, 5), FC(84))

LENET5_PAPER = (
    Conv(6, 5, name="c1"),
    Subsampling(name="s2"),
    PartialConv(C3_TABLE, 5, name="c3"),
    Subsampling(name="s4"),
    Conv(120, 5, name="c5"),
    FC(84, name="f6"),
)


@register("lenet5")
def lenet5(num_classes: int = 10) -> Network:
    """LeNet-5, fully connected C3, max pooling, ReLU (61,706 params)."""
    return network((*LENET5, FC(num_classes, activation=False)), INPUT_SIZE)


@register("lenet5_paper")
def lenet5_paper(num_classes: int = 10) -> Network:
    """LeNet-5 as in the 1998 paper: C3 table, trainable subsampling, RBF output (60,000)."""
    specs = (*LENET5_PAPER, RBF(num_classes, name="output"))
    return network(specs, INPUT_SIZE, activation=ScaledTanh)
