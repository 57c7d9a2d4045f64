"""Expanding specs into a named network."""

import pytest
import torch
from torch import nn

from cnn.layers import FC, LRN, Conv, Pool
from cnn.network import Network, network, stack


def test_units_are_named_like_the_lecture():
    specs = (Conv(8, 3, pad=1), Pool(2, 2), LRN(), Conv(8, 3, pad=1), Pool(2, 2), FC(10))
    units = stack(specs, (3, 8, 8))
    assert list(units) == [
        "conv1",
        "conv1_act",
        "pool1",
        "norm1",
        "conv2",
        "conv2_act",
        "pool2",
        "flatten",
        "fc3",
        "fc3_act",
    ]


def test_batch_norm_activation_and_dropout_follow_in_order():
    units = stack((Conv(4, 3), FC(5, dropout=0.5)), (1, 5, 5), batch_norm=True)
    assert list(units) == [
        "conv1",
        "conv1_bn",
        "conv1_act",
        "flatten",
        "fc2",
        "fc2_act",
        "fc2_drop",
    ]
    assert isinstance(units["conv1_bn"], nn.BatchNorm2d)


def test_activation_is_a_choice():
    units = stack((Conv(4, 3),), (1, 5, 5), activation=nn.Tanh)
    assert isinstance(units["conv1_act"], nn.Tanh)


def test_spec_names_win_and_must_be_unique():
    assert list(stack((Conv(4, 3, name="c1"),), (1, 5, 5))) == ["c1", "c1_act"]
    with pytest.raises(ValueError, match="two units"):
        stack((Conv(4, 1, name="c"), Conv(4, 1, name="c")), (1, 5, 5))


def test_a_layer_that_does_not_fit_stops_the_build():
    with pytest.raises(ValueError, match="does not fit"):
        stack((Conv(4, 3, stride=3),), (1, 7, 7))


def test_network_keeps_its_input_size_and_runs():
    model = network((Conv(4, 3), FC(2, activation=False)), (1, 5, 5))
    assert isinstance(model, Network)
    assert model.input_size == (1, 5, 5)
    assert model(torch.zeros(3, 1, 5, 5)).shape == (3, 2)
