"""Layer specifications: the words architectures are written in, as plain data.

A spec knows the volume it produces from the volume it receives (with the lecture's
arithmetic, so a layer that does not fit is refused when the network is built) and which torch
module implements it. Architectures are lists of specs that ``cnn.network.stack`` expands.

Shapes are ``(depth, height, width)`` for volumes and ``(features,)`` after flattening.
"""

from __future__ import annotations

from dataclasses import dataclass

from torch import nn

from cnn.arithmetic import conv_output_size, conv_volume

Shape = tuple[int, ...]


def _volume(shape: Shape, spec: object) -> tuple[int, int, int]:
    if len(shape) != 3:
        raise ValueError(f"{spec} needs a depth x height x width volume, got {shape}")
    return shape  # type: ignore[return-value]


@dataclass(frozen=True)
class Conv:
    """K filters of FxF at stride S with zero padding P, then the network's activation."""

    filters: int
    size: int
    stride: int = 1
    pad: int = 0
    bias: bool = True
    activation: bool = True
    rounding: str | None = None
    name: str | None = None
    kind = "conv"
    weighted = True

    def output(self, shape: Shape) -> Shape:
        _, h, w = _volume(shape, self)
        w2, h2, k = conv_volume(w, h, self.filters, self.size, self.stride, self.pad, self.rounding)
        return (k, h2, w2)

    def build(self, shape: Shape) -> nn.Module:
        return nn.Conv2d(shape[0], self.filters, self.size, self.stride, self.pad, bias=self.bias)


@dataclass(frozen=True)
class Pool:
    """Max (or average) pooling over FxF windows at stride S; no parameters.

    Pools are normally not padded; ``pad`` and ``rounding="ceil"`` (torch's ``ceil_mode``)
    exist for the published networks that rely on them (ResNet, GoogLeNet).
    """

    size: int
    stride: int
    average: bool = False
    pad: int = 0
    rounding: str | None = None
    name: str | None = None
    kind = "pool"
    weighted = False

    def output(self, shape: Shape) -> Shape:
        d, h, w = _volume(shape, self)
        f, s, p = self.size, self.stride, self.pad
        return (d, *(conv_output_size(n, f, s, p, self.rounding) for n in (h, w)))

    def build(self, shape: Shape) -> nn.Module:
        ceil = self.rounding == "ceil"
        if self.average:
            return nn.AvgPool2d(self.size, self.stride, self.pad, ceil_mode=ceil)
        return nn.MaxPool2d(self.size, self.stride, self.pad, ceil_mode=ceil)


@dataclass(frozen=True)
class GlobalAvgPool:
    """Average each activation map down to one number (ResNet's and GoogLeNet's last pool)."""

    name: str | None = None
    kind = "avgpool"
    weighted = False

    def output(self, shape: Shape) -> Shape:
        return (_volume(shape, self)[0], 1, 1)

    def build(self, shape: Shape) -> nn.Module:
        return nn.AdaptiveAvgPool2d(1)


@dataclass(frozen=True)
class LRN:
    """Local response normalisation across maps (AlexNet's NORM; Krizhevsky's constants)."""

    size: int = 5
    alpha: float = 1e-4
    beta: float = 0.75
    k: float = 2.0
    name: str | None = None
    kind = "norm"
    weighted = False

    def output(self, shape: Shape) -> Shape:
        return _volume(shape, self)

    def build(self, shape: Shape) -> nn.Module:
        return nn.LocalResponseNorm(self.size, self.alpha, self.beta, self.k)


@dataclass(frozen=True)
class Flatten:
    """Stretch a volume into a vector (inserted automatically before the first FC layer)."""

    name: str | None = None
    kind = "flatten"
    weighted = False

    def output(self, shape: Shape) -> Shape:
        size = 1
        for n in shape:
            size *= n
        return (size,)

    def build(self, shape: Shape) -> nn.Module:
        return nn.Flatten()


@dataclass(frozen=True)
class FC:
    """A fully connected layer of N neurons, then the activation and optional dropout."""

    features: int
    activation: bool = True
    dropout: float = 0.0
    name: str | None = None
    kind = "fc"
    weighted = True

    def output(self, shape: Shape) -> Shape:
        if len(shape) != 1:
            raise ValueError(f"{self} needs a flat input, got {shape}")
        return (self.features,)

    def build(self, shape: Shape) -> nn.Module:
        return nn.Linear(shape[0], self.features)


@dataclass(frozen=True)
class Dropout:
    """Zero a fraction ``p`` of the activations while training (GoogLeNet's, before its FC)."""

    p: float
    name: str | None = None
    kind = "dropout"
    weighted = False

    def output(self, shape: Shape) -> Shape:
        return shape

    def build(self, shape: Shape) -> nn.Module:
        return nn.Dropout(self.p)
