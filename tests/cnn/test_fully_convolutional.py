"""FC layers turned into convolutions: the same outputs, and score maps on larger images."""

import pytest
import torch
from torch import nn

import cnn
from cnn.fully_convolutional import fc_to_conv, linear_as_conv


@pytest.mark.parametrize("name", ["lenet5", "alexnet", "zfnet", "vgg11"])
def test_same_outputs_on_its_own_input_size(name):
    torch.manual_seed(0)
    model = cnn.build(name).eval()
    x = torch.randn(1, *model.input_size)
    converted = fc_to_conv(model)
    assert not any(isinstance(m, nn.Linear | nn.Flatten) for m in converted.modules())
    with torch.no_grad():
        expected, scores = model(x), converted(x)
    assert scores.shape == (*expected.shape, 1, 1)
    torch.testing.assert_close(scores.flatten(1), expected, rtol=1e-4, atol=1e-6)


def test_vgg16_on_384_gives_a_6x6_score_map(meta_model):
    converted = fc_to_conv(meta_model("vgg16"))
    assert converted(torch.zeros(1, 3, 384, 384, device="meta")).shape == (1, 1000, 6, 6)
    table = cnn.summary(converted, (3, 384, 384))
    assert table.name == "vgg16 (fully convolutional)"
    assert [(row.name, row.layer, row.volume) for row in table.rows[-3:]] == [
        ("fc14", "Conv2d", "6x6x4096"),
        ("fc15", "Conv2d", "6x6x4096"),
        ("fc16", "Conv2d", "6x6x1000"),
    ]


def test_each_score_is_the_network_on_one_window():
    """LeNet-5 steps 4 pixels from one score to the next: on 36x36 it scores four 32x32 crops."""
    torch.manual_seed(0)
    model = cnn.build("lenet5").eval()
    image = torch.randn(1, 1, 36, 36)
    with torch.no_grad():
        scores = fc_to_conv(model)(image)
        assert scores.shape == (1, 10, 2, 2)
        for row in range(2):
            for col in range(2):
                crop = image[:, :, 4 * row : 4 * row + 32, 4 * col : 4 * col + 32]
                torch.testing.assert_close(scores[:, :, row, col], model(crop))


def test_same_parameters_and_multiply_adds(meta_model):
    model = meta_model("alexnet")
    original, converted = cnn.summary(model), cnn.summary(fc_to_conv(model))
    assert (converted.params, converted.macs) == (original.params, original.macs)
    assert converted["fc6"].layer == "Conv2d" and converted["fc6"].volume == "1x1x4096"


def test_first_fc_becomes_a_filter_as_large_as_the_volume():
    linear = nn.Linear(2 * 3 * 4, 5)
    conv = linear_as_conv(linear, (2, 3, 4))
    assert conv.weight.shape == (5, 2, 3, 4)
    x = torch.randn(1, 2, 3, 4)
    torch.testing.assert_close(conv(x).flatten(1), linear(x.flatten(1)))
    with pytest.raises(ValueError, match="does not take a 4x3x3 volume"):
        linear_as_conv(linear, (3, 3, 4))


def test_the_copy_is_its_own_and_keeps_the_mode():
    model = cnn.build("lenet5")
    converted = fc_to_conv(model)
    assert converted.training
    with torch.no_grad():
        converted.conv1.weight.zero_()
        converted.fc4.weight.zero_()
    assert model.conv1.weight.abs().sum() > 0 and model.fc4.weight.abs().sum() > 0
    assert not fc_to_conv(model.eval()).training


def test_a_plain_sequential_with_an_input_size():
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Flatten(), nn.Linear(2 * 3 * 3, 4))
    converted = fc_to_conv(model, (1, 5, 5))
    assert converted(torch.zeros(1, 1, 7, 7)).shape == (1, 4, 3, 3)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("alphago_policy", "no fully connected layer after a flatten"),
        ("googlenet", "runs its own forward"),
        ("lenet5_paper", "unit 'output' \\(EuclideanRBF\\) after the flatten"),
    ],
)
def test_what_cannot_be_converted_says_why(meta_model, name, message):
    with pytest.raises(ValueError, match=message):
        fc_to_conv(meta_model(name))
