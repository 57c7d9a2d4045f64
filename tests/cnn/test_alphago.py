"""The AlphaGo policy network: the lecture's volumes, exact parameters, row-major logits."""

import pytest
import torch
from torch import nn

import cnn
from cnn.alphago import PositionBias

# The lecture: CONV1 5x5 and CONV2..12 3x3 to 19x19x192, then the 1x1 conv to 19x19.
LECTURE_POLICY = [(f"conv{i}", "19x19x192") for i in range(1, 13)]


def test_summary_is_the_lecture_table():
    table = cnn.summary("alphago_policy")
    assert table.input_size == (48, 19, 19)
    rows = [(row.name, row.volume) for row in table]
    assert rows[:12] == LECTURE_POLICY
    assert rows[12:] == [("conv13", "19x19x1"), ("bias", "19x19x1")]
    assert table.params == 3_882_793


def test_parameter_breakdown_k192():
    model = cnn.build("alphago_policy")
    assert model.conv1.weight.shape == (192, 48, 5, 5) and model.conv1.padding == (2, 2)
    assert all(getattr(model, f"conv{i}").padding == (1, 1) for i in range(2, 13))
    assert model.conv13.weight.shape == (1, 192, 1, 1)
    assert model.conv13.bias is None
    assert isinstance(model.bias, PositionBias) and model.bias.bias.numel() == 361
    assert 230_592 + 11 * 331_968 + 192 + 361 == 3_882_793


@pytest.mark.parametrize(
    ("k", "layers", "planes", "expected"),
    [
        (128, 13, 48, 48 * 25 * 128 + 128 + 11 * (128 * 128 * 9 + 128) + 128 + 361),
        (192, 2, 48, 48 * 25 * 192 + 192 + 192 + 361),
        (64, 5, 49, 49 * 25 * 64 + 64 + 3 * (64 * 64 * 9 + 64) + 64 + 361),
    ],
)
def test_options(k, layers, planes, expected, params, meta_forward):
    assert params("alphago_policy", k=k, layers=layers, planes=planes) == expected
    assert meta_forward("alphago_policy", k=k, layers=layers, planes=planes) == (2, 361)


def test_too_few_layers_is_refused():
    with pytest.raises(ValueError, match="at least 2"):
        cnn.build("alphago_policy", layers=1)


def test_logits_are_row_major_over_the_board():
    """A network that copies plane 0 to its output puts point (row, col) at row * 19 + col."""
    model = cnn.build("alphago_policy", k=1, layers=2, planes=2)
    with torch.no_grad():
        for p in model.parameters():
            p.zero_()
        model.conv1.weight[0, 0, 2, 2] = 1.0  # centre tap of the 5x5 on plane 0
        model.conv2.weight.fill_(1.0)  # the final 1x1 conv
    planes = torch.zeros(1, 2, 19, 19)
    row, col = 3, 15
    planes[0, 0, row, col] = 1.0
    logits = model(planes)
    assert logits.shape == (1, 361)
    assert logits.argmax().item() == row * 19 + col
    assert logits[0, row * 19 + col].item() == 1.0


def test_each_point_has_its_own_bias():
    model = cnn.build("alphago_policy", k=8, layers=3)
    with torch.no_grad():
        model.conv3.weight.zero_()
        model.bias.bias.copy_(torch.arange(361.0).reshape(1, 19, 19))
    assert torch.equal(model(torch.randn(2, 48, 19, 19))[1], torch.arange(361.0))


def test_the_softmax_is_left_to_the_caller():
    model = cnn.build("alphago_policy", k=16)
    assert not any(isinstance(m, nn.Softmax) for m in model.modules())
    logits = model(torch.randn(3, 48, 19, 19))
    assert not torch.allclose(logits.exp().sum(dim=1), torch.ones(3))


def test_fresh_network_keeps_the_signal_scale_through_its_relu_layers():
    """He init: the last hidden layer's RMS stays within 3x of the first's (default init: ~12x
    smaller), so a fresh network's output depends on its input."""
    torch.manual_seed(0)
    model = cnn.build("alphago_policy")
    rms = {}

    def record(name):
        def hook(_module, _inputs, out):
            rms[name] = out.pow(2).mean().sqrt().item()

        return hook

    for name in ("conv1_act", "conv12_act"):
        getattr(model, name).register_forward_hook(record(name))
    with torch.no_grad():
        model((torch.rand(4, 48, 19, 19) < 0.3).float())  # sparse 0/1 planes, like the features
    assert 1 / 3 < rms["conv12_act"] / rms["conv1_act"] < 3
