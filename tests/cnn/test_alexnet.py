"""AlexNet and ZFNet: the lecture's volumes, unit by unit."""

import torch

import cnn

# The lecture's "Full AlexNet architecture" table: unit, W x H x D.
LECTURE_ALEXNET = [
    ("conv1", "55x55x96"),
    ("pool1", "27x27x96"),
    ("norm1", "27x27x96"),
    ("conv2", "27x27x256"),
    ("pool2", "13x13x256"),
    ("norm2", "13x13x256"),
    ("conv3", "13x13x384"),
    ("conv4", "13x13x384"),
    ("conv5", "13x13x256"),
    ("pool3", "6x6x256"),
    ("fc6", "4096"),
    ("fc7", "4096"),
    ("fc8", "1000"),
]


def test_alexnet_summary_is_the_lecture_table():
    table = cnn.summary("alexnet")
    assert table.input_size == (3, 227, 227)
    assert [(row.name, row.volume) for row in table] == LECTURE_ALEXNET
    assert table["conv1"].params == 34_944  # the lecture's "35K"
    assert table["pool1"].params == 0


def test_alexnet_runs_for_real():
    torch.manual_seed(0)
    model = cnn.build("alexnet").eval()
    assert model(torch.randn(1, 3, 227, 227)).shape == (1, 1000)


def test_alexnet_dropout_after_fc6_and_fc7():
    model = cnn.build("alexnet", dropout=0.3)
    assert model.fc6_drop.p == model.fc7_drop.p == 0.3
    assert not hasattr(model, "fc8_drop")


def test_zfnet_volumes():
    table = cnn.summary("zfnet")
    volumes = {row.name: row.volume for row in table}
    assert volumes == {
        "conv1": "111x111x96",
        "pool1": "55x55x96",
        "norm1": "55x55x96",
        "conv2": "27x27x256",
        "pool2": "13x13x256",
        "norm2": "13x13x256",
        "conv3": "13x13x512",
        "conv4": "13x13x1024",
        "conv5": "13x13x512",
        "pool3": "6x6x512",
        "fc6": "4096",
        "fc7": "4096",
        "fc8": "1000",
    }
    assert table["conv1"].params == 7 * 7 * 3 * 96 + 96
