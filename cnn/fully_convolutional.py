"""Fully connected layers as convolutions: the lecture's "it's possible to convert between FC
and CONV layers".

An FC layer of N neurons over a D x H x W volume takes, for each neuron, one dot product with
the whole volume: that is N HxW filters of depth D, applied where they fit once. The FC layers
after it see a 1x1 volume, so they are 1x1 convolutions. With the same weights the converted
network gives the original's outputs on its own input size (as a 1x1 map), and on a larger
image it slides the whole classifier over it in one pass, giving a map of class scores (the
trick of OverFeat [Sermanet et al. 2014] and VGG's dense evaluation): VGG-16 at 384x384 gives
6x6 scores, 32 pixels apart, each for one 224x224 window. A score is exactly the original
network on its window's crop where no layer pads (LeNet-5); with padding, the layers near a
window's edge see the neighbouring pixels where the crop would have had zeros.
"""

from __future__ import annotations

import copy
from collections import OrderedDict

import torch
from torch import nn

from cnn.layers import Shape
from cnn.network import Network
from cnn.summary import is_quiet, summary


def linear_as_conv(linear: nn.Linear, volume: Shape) -> nn.Conv2d:
    """The convolution computing ``linear`` over a (depth, height, width) ``volume``: one filter
    per neuron, as large as the volume, with the neuron's weights in flattening order."""
    depth, height, width = volume
    if depth * height * width != linear.in_features:
        raise ValueError(
            f"a Linear of {linear.in_features} inputs does not take a {width}x{height}x{depth} "
            "volume"
        )
    conv = nn.utils.skip_init(
        nn.Conv2d,
        depth,
        linear.out_features,
        (height, width),
        bias=linear.bias is not None,
        device=linear.weight.device,
        dtype=linear.weight.dtype,
    )
    with torch.no_grad():
        conv.weight.copy_(linear.weight.reshape(conv.weight.shape))
        if linear.bias is not None:
            conv.bias.copy_(linear.bias)
    conv.train(linear.training)
    return conv


def fc_to_conv(model: nn.Sequential, input_size: Shape | None = None) -> Network:
    """A copy of ``model`` whose fully connected layers are convolutions with the same weights.

    ``model`` is a sequence of units (a ``cnn`` network, or an ``nn.Sequential`` given its
    ``input_size``) whose flatten is followed by Linear layers, activations and dropouts only.
    The copy leaves the flatten out and returns class scores as a (batch, classes, h, w) map:
    1x1 on the input size the network was designed for, larger on a larger image.
    """
    name = getattr(model, "arch", type(model).__name__)
    if not isinstance(model, nn.Sequential) or type(model).forward is not nn.Sequential.forward:
        raise ValueError(
            f"{name}: fc_to_conv converts a plain sequence of units; this network runs its own "
            "forward"
        )
    size = tuple(input_size or getattr(model, "input_size", ()))
    table = summary(model, size, all_layers=True)  # raises ValueError on a bad size
    shapes = [size, *(row.output for row in table)]
    entering = {row.name: shape for row, shape in zip(table, shapes, strict=False)}

    units: OrderedDict[str, nn.Module] = OrderedDict()
    flattened, converted = False, 0
    for unit_name, unit in model.named_children():
        if not flattened:
            flattened = isinstance(unit, nn.Flatten)
            if not flattened:
                units[unit_name] = copy.deepcopy(unit)
            elif len(entering[unit_name]) != 3:
                raise ValueError(f"{name}: its flatten does not take a volume")
            volume = entering[unit_name]
        elif isinstance(unit, nn.Linear):
            units[unit_name] = linear_as_conv(unit, volume)
            volume = (unit.out_features, 1, 1)
            converted += 1
        elif is_quiet(unit) and not isinstance(unit, nn.Flatten):  # acts on each number alone
            units[unit_name] = copy.deepcopy(unit)
        else:
            raise ValueError(
                f"{name}: unit {unit_name!r} ({type(unit).__name__}) after the flatten is not a "
                "Linear layer, an activation or a dropout, so it has no convolution to become"
            )
    if not converted:
        raise ValueError(f"{name} has no fully connected layer after a flatten: nothing to convert")
    result = Network(units, size)
    result.arch = f"{name} (fully convolutional)"
    return result.train(model.training)
