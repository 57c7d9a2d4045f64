"""AlexNet [Krizhevsky, Sutskever, Hinton 2012] and ZFNet [Zeiler, Fergus 2013].

AlexNet is built exactly as the lecture lists it, on one GPU ("single tower": the paper's
two-GPU split of conv2, conv4 and conv5 is not reproduced): 227x227x3 input, CONV1 96 11x11
at stride 4, POOL 3x3/2, NORM, CONV2 256 5x5 pad 2, POOL, NORM, CONV3 384, CONV4 384,
CONV5 256 (3x3 pad 1), POOL, FC6 4096, FC7 4096, FC8 1000: 62,378,344 parameters. NORM is
local response normalisation with the paper's n=5, alpha=1e-4, beta=0.75, k=2; dropout 0.5
follows FC6 and FC7.

ZFNet is AlexNet with CONV1 7x7 at stride 2 and CONV3,4,5 of 512, 1024, 512 filters (the
lecture's version: the paper's best single model, its Table 2). The paper crops 224x224 and
relies on rounding (224 -> 110 -> 55 -> 26 -> 13 -> 6); we keep its filters and strides but
take a 227x227 input and pad CONV2 by 1, so that every layer fits exactly:

    227x227x3 -> CONV1 96 7x7/2 pad 0 -> 111x111x96 -> POOL 3/2 -> 55x55x96 -> NORM
    -> CONV2 256 5x5/2 pad 1 -> 27x27x256 -> POOL 3/2 -> 13x13x256 -> NORM
    -> CONV3 512, CONV4 1024, CONV5 512 3x3 pad 1 -> 13x13x512 -> POOL 3/2 -> 6x6x512
    -> FC6 4096 -> FC7 4096 -> FC8 1000

From 55x55 on, the volumes are the paper's; the parameter count does not depend on the
input size of CONV1 and is 107,627,624 (CONV1 14,208; CONV2 614,656; CONV3 1,180,160;
CONV4 4,719,616; CONV5 4,719,104; FC6 75,501,568; FC7 16,781,312; FC8 4,097,000).
"""

from __future__ import annotations

from cnn.layers import FC, LRN, Conv, Pool
from cnn.network import Network, network
from cnn.registry import register

INPUT_SIZE = (3, 227, 227)


def _features(conv1: Conv, conv2: Conv, conv345: tuple[int, int, int]) -> tuple:
    return (
        conv1,
        Pool(3, 2),
        LRN(),
        conv2,
        Pool(3, 2),
        LRN(),
        *(Conv(k, 3, pad=1) for k in conv345),
        Pool(3, 2),
    )


def _classifier(num_classes: int, dropout: float) -> tuple:
    return (
        FC(4096, dropout=dropout),
        FC(4096, dropout=dropout),
        FC(num_classes, activation=False),
    )


ALEXNET = _features(Conv(96, 11, stride=4), Conv(256, 5, pad=2), (384, 384, 256))
ZFNET = _features(Conv(96, 7, stride=2), Conv(256, 5, stride=2, pad=1), (512, 1024, 512))


@register("alexnet")
def alexnet(num_classes: int = 1000, dropout: float = 0.5) -> Network:
    """AlexNet as in the lecture, single tower with LRN (62,378,344 params)."""
    return network((*ALEXNET, *_classifier(num_classes, dropout)), INPUT_SIZE)


@register("zfnet")
def zfnet(num_classes: int = 1000, dropout: float = 0.5) -> Network:
    """ZFNet: AlexNet with CONV1 7x7/2 and CONV3-5 of 512-1024-512 (107,627,624 params)."""
    return network((*ZFNET, *_classifier(num_classes, dropout)), INPUT_SIZE)
