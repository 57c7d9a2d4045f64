"""Receptive fields: the lecture's stacked 3x3 convs, AlphaGo's 27x27, checked by brute force."""

import pytest
import torch
from torch import nn

import cnn
from cnn.__main__ import main
from cnn.arithmetic import compose_windows
from cnn.fully_convolutional import fc_to_conv
from cnn.googlenet import INCEPTION, InceptionModule
from cnn.receptive_fields import in_a_row, receptive_fields, unit_window
from cnn.resnet import BasicBlock, Bottleneck, PadShortcut


def test_vgg_three_stacked_3x3_convs_see_7x7():
    fields = receptive_fields("vgg16")
    before, after = fields["pool2"], fields["conv7"]  # conv5, conv6, conv7 at a jump of 4
    assert before.jump == after.jump == "4"
    assert (after.window[0] - before.window[0]) // 4 + 1 == 7
    assert any(note.startswith("conv5-conv7: 3 stacked 3x3 convs see 7x7") for note in fields.notes)
    assert any("27 C^2 weights against 7^2 C^2 = 49 C^2" in note for note in fields.notes)
    assert "\n  " in fields.table()  # long notes wrap


def test_stacks_go_through_norms_and_stop_at_a_1x1_conv():
    stacks = [n.split(":")[0] for n in receptive_fields("vgg16", batch_norm=True).notes[:-1]]
    assert stacks == ["conv1-conv2", "conv3-conv4", "conv5-conv7", "conv8-conv10", "conv11-conv13"]
    assert receptive_fields("vgg16c").notes[2].startswith("conv5-conv6: 2 stacked 3x3")


def test_alphago_layer_1_sees_5x5_layer_12_sees_27x27_short_of_the_corner():
    fields = receptive_fields("alphago_policy")
    assert fields["conv1"].seen == "5x5" and fields["conv12"].seen == "27x27"
    assert {f.jump for f in fields.fields} == {"1"}
    assert not any(f.whole for f in fields.fields)
    assert fields.notes[-1] == (
        "no layer sees the whole input: from conv12 on, each point sees 27x27, 13 points each "
        "way, less than the 37x37 (2x19 - 1) that a corner point needs to see the far corner"
    )


def test_published_fields_of_alexnet_and_vgg16():
    """Araujo, Norris, Sim 2019 ("Computing receptive fields of CNNs"): 195 and 212."""
    assert receptive_fields("alexnet")["pool3"].window[:2] == (195, 32)
    assert receptive_fields("vgg16")["pool5"].window[:2] == (212, 32)


def test_fc_layers_and_global_pools_see_everything():
    lenet = receptive_fields("lenet5")
    assert (lenet["conv3"].seen, lenet["fc4"].seen, lenet["fc4"].jump) == (
        "32x32 (all)",
        "all",
        "-",
    )
    assert lenet.notes == ["conv3 is the first layer each of whose outputs sees all the input"]
    assert receptive_fields("resnet18")["avgpool"].window is None


def test_score_map_of_a_fully_convolutional_vgg16():
    with torch.device("meta"):
        model = fc_to_conv(cnn.build("vgg16"))
    fields = receptive_fields(model, (3, 384, 384))
    assert fields["fc16"].volume == "6x6x1000"
    assert fields["fc16"].window == (404, 32, 90)  # pool5's 212 + 6 x 32; 90 pixels of padding


def test_blocks_join_their_branches():
    assert unit_window(InceptionModule(192, INCEPTION["3a"])) == (5, 1, 2)
    assert unit_window(BasicBlock(64, 128, stride=2)) == (7, 2, 3)
    assert unit_window(Bottleneck(256, 128, stride=2)) == (3, 2, 1)
    assert unit_window(PadShortcut(16, 2)) == (1, 2, 0)


def test_unknown_units_are_refused_by_name():
    class Blur(nn.Module):
        def forward(self, x):
            return x

    with pytest.raises(ValueError, match="receptive field of a Blur is not known"):
        unit_window(Blur())
    with pytest.raises(ValueError, match="not square"):
        unit_window(nn.Conv2d(1, 1, (1, 3)))


def brute_force_windows(model: nn.Module, n: int) -> list[tuple[int, int]]:
    """For each output column, the first and last input column it depends on: weights 1 and
    biases 0, so nothing cancels and only the input counts, one input column lit at a time."""
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            parameter.fill_(0.0 if name.endswith("bias") else 1.0)
        seen: dict[int, list[int]] = {}
        for column in range(n):
            x = torch.zeros(1, 1, n, n)
            x[..., column] = 1.0
            out = model.eval()(x)[0].sum(dim=(0, 1))
            for i in torch.nonzero(out).flatten().tolist():
                seen.setdefault(i, []).append(column)
    return [(min(columns), max(columns)) for _, columns in sorted(seen.items())]


@pytest.mark.parametrize(
    ("layers", "n"),  # n: an input every layer fits exactly (no pixel lost to rounding)
    [
        ([nn.Conv2d(1, 1, 3, padding=1)] * 3, 20),
        ([nn.Conv2d(1, 1, 11, stride=4), nn.MaxPool2d(3, 2), nn.Conv2d(1, 1, 5, padding=2)], 51),
        ([nn.Conv2d(1, 1, 7, stride=2, padding=3), nn.MaxPool2d(3, 2, padding=1)], 45),
        (
            [nn.Conv2d(1, 1, 3, dilation=2), nn.AvgPool2d(2), nn.Conv2d(1, 1, 3, 2, padding=1)],
            50,
        ),
        ([nn.Conv2d(1, 64, 3, padding=1), BasicBlock(64, 64, stride=2)], 47),
    ],
)
def test_windows_match_brute_force(layers, n):
    model = nn.Sequential(*layers)
    f, s, p = unit_window(model)
    measured = brute_force_windows(model, n)
    expected = [(max(0, i * s - p), min(n - 1, i * s - p + f - 1)) for i in range(len(measured))]
    assert measured == expected
    assert in_a_row(unit_window(layer) for layer in layers) == (f, s, p)
    assert compose_windows((1, 1, 0), (f, s, p)) == (f, s, p)


def test_command_prints_each_layer(capsys):
    assert main(["receptive-field", "alphago_policy"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "alphago_policy: input 19x19x48"
    assert out[2].split() == ["conv1", "19x19x192", "1", "5x5"]
    assert out[13].split() == ["conv12", "19x19x192", "1", "27x27"]
    assert "37x37 (2x19 - 1)" in out[-1]
    main(["receptive-field", "vgg16", "--fully-convolutional", "--input", "3x384x384"])
    rows = [line.split() for line in capsys.readouterr().out.splitlines()]
    assert ["fc16", "6x6x1000", "32", "404x404"] in rows
