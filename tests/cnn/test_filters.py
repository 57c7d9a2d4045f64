"""Pictures of the first layer: the filters, and one input's maps through the first layers."""

import sys

import pytest
import torch

import cnn
from cnn.__main__ import main
from cnn.filters import filters_figure, first_conv, stage_maps

pytest.importorskip("matplotlib")


def test_stage_maps_are_what_the_next_layer_receives():
    torch.manual_seed(0)
    model = cnn.build("lenet5")
    x = torch.randn(1, 1, 32, 32)
    maps = stage_maps(model, x)
    assert [(name, tuple(m.shape)) for name, m in maps] == [
        ("conv1", (6, 28, 28)),
        ("pool1", (6, 14, 14)),
        ("conv2", (16, 10, 10)),
    ]
    with torch.no_grad():
        torch.testing.assert_close(maps[0][1], torch.relu(model.conv1(x))[0])  # after the ReLU
    assert model.training  # the mode is given back


def test_the_papers_lenet_shows_c1_s2_c3():
    maps = stage_maps(cnn.build("lenet5_paper"), torch.zeros(1, 1, 32, 32))
    assert [name for name, _ in maps] == ["c1", "s2", "c3"]
    assert first_conv(cnn.build("lenet5_paper")).weight.shape == (6, 1, 5, 5)


def test_figure_draws_the_real_filters_and_maps():
    torch.manual_seed(0)
    model = cnn.build("lenet5")
    figure = filters_figure(model, torch.randn(1, 1, 32, 32), "title")
    pictures = [ax.images[0].get_array() for ax in figure.axes if ax.images]
    assert len(pictures) == 1 + 6 + 6 + 6 + 16  # input, filters, C1, S2, C3
    for drawn, weights in zip(pictures[1:7], model.conv1.weight[:, 0], strict=True):
        assert torch.equal(torch.as_tensor(drawn.data), weights.detach())
    assert [pictures[i].shape for i in (7, 13, 19)] == [(28, 28), (14, 14), (10, 10)]


def test_the_command_trains_and_draws(tmp_path, capsys):
    pytest.importorskip("sklearn")
    out = tmp_path / "filters.png"
    assert main(["filters", "--epochs", "1", "--out", str(out)]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    said = capsys.readouterr().out
    assert said.startswith("lenet5: trained 1 epochs in ") and "of 450 held-out digits" in said


def test_the_command_says_how_to_install_matplotlib(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(SystemExit, match=r"needs matplotlib: python -m pip install matplotlib"):
        main(["filters", "--epochs", "1", "--out", str(tmp_path / "x.png")])


def test_the_command_says_how_to_install_scikit_learn(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    with pytest.raises(SystemExit, match=r"needs scikit-learn: .*'\.\[examples\]'"):
        main(["filters"])
