"""VGG configurations A to E [Simonyan, Zisserman 2014], written in the paper's own notation.

``conv3-64`` is 64 3x3 filters (stride 1, pad 1), ``conv1-256`` 256 1x1 filters, ``LRN``
local response normalisation, ``maxpool`` 2x2 at stride 2; then FC-4096, FC-4096, FC-1000
with dropout 0.5 after the first two. Every configuration takes ``batch_norm=True`` (a
BatchNorm2d after each conv, as in later practice; not in the paper).

=========  =====  ===============  ===========
name       paper  weight layers    parameters
=========  =====  ===============  ===========
vgg11      A      11               132,863,336
vgg11_lrn  A-LRN  11               132,863,336
vgg13      B      13               133,047,848
vgg16c     C      16 (with 1x1)    133,638,952
vgg16      D      16               138,357,544
vgg19      E      19               143,667,240
=========  =====  ===============  ===========
"""

from __future__ import annotations

from cnn.layers import FC, LRN, Conv, Pool
from cnn.network import Network, network
from cnn.registry import register

INPUT_SIZE = (3, 224, 224)

# The paper's Table 1, column by column: five blocks of layers, each followed by a maxpool.
CONFIGS: dict[str, tuple[tuple[str, ...], ...]] = {
    "A": (
        ("conv3-64",),
        ("conv3-128",),
        ("conv3-256",) * 2,
        ("conv3-512",) * 2,
        ("conv3-512",) * 2,
    ),
    "A-LRN": (
        ("conv3-64", "LRN"),
        ("conv3-128",),
        ("conv3-256",) * 2,
        ("conv3-512",) * 2,
        ("conv3-512",) * 2,
    ),
    "B": (
        ("conv3-64",) * 2,
        ("conv3-128",) * 2,
        ("conv3-256",) * 2,
        ("conv3-512",) * 2,
        ("conv3-512",) * 2,
    ),
    "C": (
        ("conv3-64",) * 2,
        ("conv3-128",) * 2,
        ("conv3-256", "conv3-256", "conv1-256"),
        ("conv3-512", "conv3-512", "conv1-512"),
        ("conv3-512", "conv3-512", "conv1-512"),
    ),
    "D": (
        ("conv3-64",) * 2,
        ("conv3-128",) * 2,
        ("conv3-256",) * 3,
        ("conv3-512",) * 3,
        ("conv3-512",) * 3,
    ),
    "E": (
        ("conv3-64",) * 2,
        ("conv3-128",) * 2,
        ("conv3-256",) * 4,
        ("conv3-512",) * 4,
        ("conv3-512",) * 4,
    ),
}


def parse(token: str) -> Conv | Pool | LRN:
    """One entry of the paper's table as a layer spec.

    >>> parse("conv3-64")
    Conv(filters=64, size=3, stride=1, pad=1, bias=True, activation=True, rounding=None, name=None)
    >>> parse("maxpool")
    Pool(size=2, stride=2, average=False, pad=0, rounding=None, name=None)
    """
    if token == "maxpool":
        return Pool(2, 2)
    if token == "LRN":
        return LRN()
    kind, _, filters = token.partition("-")
    if not kind.startswith("conv") or not filters.isdigit():
        raise ValueError(f"unknown VGG layer {token!r}: expected convF-K, LRN or maxpool")
    size = int(kind[4:])
    return Conv(int(filters), size, pad=(size - 1) // 2)


def vgg(
    config: str, num_classes: int = 1000, batch_norm: bool = False, dropout: float = 0.5
) -> Network:
    """The VGG network of column ``config`` (A, A-LRN, B, C, D, E) of the paper's Table 1."""
    if config not in CONFIGS:
        raise ValueError(f"unknown VGG configuration {config!r}; choose one of {list(CONFIGS)}")
    tokens = [token for block in CONFIGS[config] for token in (*block, "maxpool")]
    specs = (
        *(parse(token) for token in tokens),
        FC(4096, dropout=dropout),
        FC(4096, dropout=dropout),
        FC(num_classes, activation=False),
    )
    return network(specs, INPUT_SIZE, batch_norm=batch_norm)


@register("vgg11")
def vgg11(num_classes: int = 1000, batch_norm: bool = False, dropout: float = 0.5) -> Network:
    """VGG configuration A, 11 weight layers (132,863,336 params)."""
    return vgg("A", num_classes, batch_norm, dropout)


@register("vgg11_lrn")
def vgg11_lrn(num_classes: int = 1000, batch_norm: bool = False, dropout: float = 0.5) -> Network:
    """VGG configuration A-LRN: A with LRN after the first conv (132,863,336 params)."""
    return vgg("A-LRN", num_classes, batch_norm, dropout)


@register("vgg13")
def vgg13(num_classes: int = 1000, batch_norm: bool = False, dropout: float = 0.5) -> Network:
    """VGG configuration B, 13 weight layers (133,047,848 params)."""
    return vgg("B", num_classes, batch_norm, dropout)


@register("vgg16c")
def vgg16c(num_classes: int = 1000, batch_norm: bool = False, dropout: float = 0.5) -> Network:
    """VGG configuration C, 16 weight layers with three 1x1 convs (133,638,952 params)."""
    return vgg("C", num_classes, batch_norm, dropout)


@register("vgg16")
def vgg16(num_classes: int = 1000, batch_norm: bool = False, dropout: float = 0.5) -> Network:
    """VGG configuration D, 16 weight layers (138,357,544 params)."""
    return vgg("D", num_classes, batch_norm, dropout)


@register("vgg19")
def vgg19(num_classes: int = 1000, batch_norm: bool = False, dropout: float = 0.5) -> Network:
    """VGG configuration E, 19 weight layers (143,667,240 params)."""
    return vgg("E", num_classes, batch_norm, dropout)
