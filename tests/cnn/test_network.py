"""Expanding specs into a named network."""

import math

import pytest
import torch
from torch import nn

import cnn
from cnn.layers import FC, LRN, Conv, Pool
from cnn.network import Network, gains, network, stack


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


def drifted(model: nn.Module, seed: int = 0) -> nn.Module:
    """The model with each weight layer scaled by its own factor (0.1 to 10) and non-zero
    biases: the unequal gains that long training without weight decay leaves."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for unit in model.modules():
            if isinstance(unit, (nn.Conv2d, nn.Linear)):
                unit.weight.mul_(10 ** (2 * torch.rand(1, generator=generator).item() - 1))
                if unit.bias is not None:
                    unit.bias.uniform_(-0.5, 0.5, generator=generator)
    return model.eval()


@pytest.mark.parametrize(
    "model",
    [
        lambda: cnn.build("alphago_policy", k=8, layers=5),
        lambda: network((Conv(6, 3, pad=1), Pool(2, 2), Conv(6, 3), FC(12), FC(4)), (3, 8, 8)),
    ],
    ids=["policy network with its point bias", "convs, pooling and fully connected"],
)
def test_balance_gives_every_layer_the_same_gain_and_keeps_the_function(model):
    torch.manual_seed(0)
    net = drifted(model())
    x = torch.rand(4, *net.input_size)
    with torch.no_grad():
        before = net(x)
    spread = gains(net)
    factors = cnn.balance(net)
    after = gains(net)
    assert max(spread.values()) / min(spread.values()) > 3
    assert max(after.values()) == pytest.approx(min(after.values()), rel=1e-5)
    assert math.prod(after.values()) == pytest.approx(math.prod(spread.values()), rel=1e-4)
    with torch.no_grad():
        torch.testing.assert_close(net(x), before, rtol=1e-4, atol=1e-5)
    assert set(factors) == {name for name, _ in net.named_parameters() if name != "bias.bias"}


def test_balance_refuses_a_layer_that_does_not_scale_and_changes_nothing():
    net = drifted(network((Conv(4, 3, pad=1), LRN(), Conv(4, 3, pad=1)), (3, 6, 6)))
    state = {name: tensor.clone() for name, tensor in net.state_dict().items()}
    with pytest.raises(ValueError, match=r"norm1 .*LocalResponseNorm.* cannot balance"):
        cnn.balance(net)
    assert all(torch.equal(state[name], tensor) for name, tensor in net.state_dict().items())


def test_widen_keeps_the_function_and_gives_the_copies_different_outgoing_weights():
    torch.manual_seed(0)
    narrow = drifted(cnn.build("alphago_policy", k=5, layers=4, board_size=9))
    with torch.no_grad():
        narrow.bias.bias.uniform_(-1, 1)
    wide = cnn.build("alphago_policy", k=12, layers=4, board_size=9).eval()
    assert cnn.widen(narrow, wide, torch.Generator().manual_seed(1)) is wide

    x = torch.rand(4, 48, 9, 9)
    with torch.no_grad():
        torch.testing.assert_close(wide(x), narrow(x), rtol=1e-5, atol=1e-5)
    # conv1's filters are the narrow one's, then copies of them, each at least twice ...
    copies = [
        next(c for c in range(5) if torch.equal(wide.conv1.weight[j], narrow.conv1.weight[c]))
        for j in range(12)
    ]
    assert copies[:5] == [0, 1, 2, 3, 4] and sorted(copies[5:10]) == [0, 1, 2, 3, 4]
    assert torch.equal(wide.conv1.bias, narrow.conv1.bias[copies])
    # ... and conv2 splits what it read from a channel among that channel's copies, unevenly.
    first, again = 0, copies.index(0, 1)
    assert not torch.equal(wide.conv2.weight[:, first], wide.conv2.weight[:, again])
    assert torch.equal(wide.bias.bias, narrow.bias.bias)


def test_widen_refuses_a_narrower_target_or_batch_norm():
    narrow = cnn.build("alphago_policy", k=6, layers=3, board_size=9)
    with pytest.raises(ValueError, match=r"conv1 has 4 filters .* source's 6"):
        cnn.widen(
            narrow, cnn.build("alphago_policy", k=4, layers=3, board_size=9), torch.Generator()
        )
    with pytest.raises(ValueError, match="same units"):
        cnn.widen(
            narrow, cnn.build("alphago_policy", k=8, layers=4, board_size=9), torch.Generator()
        )
    normed = cnn.build("alphago_policy", k=6, layers=3, board_size=9, batch_norm=True)
    wider = cnn.build("alphago_policy", k=8, layers=3, board_size=9, batch_norm=True)
    with pytest.raises(ValueError, match="conv1_bn is a batch norm; fold it first"):
        cnn.widen(normed, wider, torch.Generator())
