"""Summaries come from running the network: volumes, parameters, multiply-adds."""

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

import cnn
from cnn.summary import Row


@pytest.mark.parametrize("name", cnn.available())
def test_multiply_adds_are_half_torchs_flops(name):
    with torch.device("meta"):
        model = cnn.build(name).eval()
    with FlopCounterMode(display=False) as counter:
        model(torch.zeros(1, *model.input_size, device="meta"))
    assert 2 * cnn.summary(model).macs == counter.get_total_flops()


@pytest.mark.parametrize("name", cnn.available())
def test_rows_add_up_to_the_network(name):
    table = cnn.summary(name, all_layers=True)
    with torch.device("meta"):
        model = cnn.build(name)
    aux = sum(p.numel() for p in getattr(model, "aux", torch.nn.Module()).parameters())
    assert sum(row.params for row in table) + aux == table.params
    assert sum(row.macs for row in table) == table.macs


def test_alexnet_multiply_adds_by_hand():
    table = cnn.summary("alexnet")
    assert table["conv1"].macs == 55 * 55 * 96 * (11 * 11 * 3)
    assert table["conv2"].macs == 27 * 27 * 256 * (5 * 5 * 96)
    assert table["fc6"].macs == 6 * 6 * 256 * 4096


def test_table_text():
    text = cnn.summary("alexnet").table()
    lines = text.splitlines()
    assert lines[0] == "alexnet: input 227x227x3"
    assert lines[2].split() == ["conv1", "Conv2d", "55x55x96", "34,944", "105,415,200"]
    assert lines[-1].split() == ["total", "62,378,344", "1,135,256,096"]
    assert str(cnn.summary("alexnet")) == text


def test_quiet_layers_are_hidden_unless_asked():
    names = [row.name for row in cnn.summary("lenet5")]
    assert "conv1_act" not in names and "flatten" not in names
    everything = [row.name for row in cnn.summary("lenet5", all_layers=True)]
    assert everything[:2] == ["conv1", "conv1_act"]


def test_a_unit_of_our_own_says_it_is_quiet():
    names = [row.name for row in cnn.summary("lenet5_paper")]  # ScaledTanh activations
    assert names[:3] == ["c1", "s2", "c3"]

    class Loud(torch.nn.ReLU):
        quiet = False

    table = cnn.summary(torch.nn.Sequential(torch.nn.ReLU(), Loud()), input_size=(1, 2, 2))
    assert [row.name for row in table] == ["1"]


def test_summary_of_a_model_object_keeps_its_mode_and_uses_its_size():
    model = cnn.build("cifar_resnet20")
    model.train()
    table = cnn.summary(model)
    assert model.training
    assert table.name == "cifar_resnet20"
    assert table.input_size == (3, 32, 32)
    bigger = cnn.summary(model, input_size=(3, 64, 64))
    assert bigger["conv4_3"].volume == "16x16x64"
    fc = table["fc"].macs  # the only layer that does not grow with the image
    assert bigger.macs - fc == 4 * (table.macs - fc)


def test_options_and_input_size_by_name():
    table = cnn.summary("alphago_policy", k=128)
    assert table["conv2"].volume == "19x19x128"
    assert table.params == 48 * 25 * 128 + 128 + 11 * (128 * 128 * 9 + 128) + 128 + 361


def test_plain_module_needs_an_input_size():
    with pytest.raises(ValueError, match="input_size"):
        cnn.summary(torch.nn.Conv2d(1, 2, 3))
    table = cnn.summary(torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3)), input_size=(1, 5, 5))
    assert [(row.name, row.volume, row.params, row.macs) for row in table] == [
        ("0", "3x3x2", 20, 3 * 3 * 2 * 9)
    ]


def test_rows_by_name_and_volume_notation():
    table = cnn.summary("lenet5")
    assert table["fc4"] == Row("fc4", "Linear", (84,), 10_164, 10_080)
    assert Row("x", "Conv2d", (96, 27, 55), 0, 0).volume == "55x27x96"  # W x H x D
    with pytest.raises(KeyError, match="no unit named 'conv9'"):
        table["conv9"]
