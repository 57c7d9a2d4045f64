"""GoogLeNet: the paper's Table 1 with true 5x5 branches, auxiliary heads optional."""

import torch
from torch import nn

import cnn
from cnn.googlenet import INCEPTION

# Table 1's output sizes, W x H x D.
TABLE_1 = {
    "conv1": "112x112x64",
    "pool1": "56x56x64",
    "conv3": "56x56x192",
    "pool2": "28x28x192",
    "inception3a": "28x28x256",
    "inception3b": "28x28x480",
    "pool3": "14x14x480",
    "inception4a": "14x14x512",
    "inception4b": "14x14x512",
    "inception4c": "14x14x512",
    "inception4d": "14x14x528",
    "inception4e": "14x14x832",
    "pool4": "7x7x832",
    "inception5a": "7x7x832",
    "inception5b": "7x7x1024",
    "avgpool": "1x1x1024",
    "fc": "1000",
}


def test_volumes_are_table_1():
    volumes = {row.name: row.volume for row in cnn.summary("googlenet")}
    assert {name: volumes[name] for name in TABLE_1} == TABLE_1


def test_inception_parameters_follow_table_1():
    table = cnn.summary("googlenet")
    depth = 192
    for label, (ones, r3, threes, r5, fives, proj) in INCEPTION.items():
        expected = (
            (depth + 1) * ones
            + (depth + 1) * r3
            + (9 * r3 + 1) * threes
            + (depth + 1) * r5
            + (25 * r5 + 1) * fives
            + (depth + 1) * proj
        )
        assert table[f"inception{label}"].params == expected, label
        depth = ones + threes + fives + proj


def test_branches_are_true_5x5():
    with torch.device("meta"):
        model = cnn.build("googlenet")
    sizes = [m.kernel_size for m in model.inception3a.branch5 if isinstance(m, nn.Conv2d)]
    assert sizes == [(1, 1), (5, 5)]


def test_auxiliary_classifiers_in_training_only():
    with torch.device("meta"):
        model = cnn.build("googlenet", aux_logits=True)
    assert sum(p.numel() for p in model.parameters()) == 6_998_552 + 3_188_840 + 3_190_888
    x = torch.zeros(2, 3, 224, 224, device="meta")
    logits, aux_4a, aux_4d = model.train()(x)
    assert logits.shape == aux_4a.shape == aux_4d.shape == (2, 1000)
    assert model.eval()(x).shape == (2, 1000)


def test_runs_for_real():
    torch.manual_seed(0)
    model = cnn.build("googlenet").eval()
    assert model(torch.randn(1, 3, 224, 224)).shape == (1, 1000)
