"""`python -m alphago_policy filters`: the first layer's 5x5 filters by input plane."""

import sys

import numpy as np
import pytest
import torch

from alphago_policy.__main__ import main
from alphago_policy.filters import GAP, mosaic, plane_labels, plane_weight, strongest_filters
from alphago_policy.policy import build, save_weights
from sgf_data.features import NUM_PLANES, PLANE_GROUPS


def test_labels_follow_the_feature_planes():
    labels = plane_labels()
    assert len(labels) == NUM_PLANES
    assert labels[PLANE_GROUPS["stone_colour"]] == ["player", "opponent", "empty"]
    assert labels[PLANE_GROUPS["liberties"]] == ["1", "2", "3", "4", "5", "6", "7", "8+"]
    assert labels[PLANE_GROUPS["capture_size"]][0] == "0"
    assert labels[PLANE_GROUPS["ladder_escape"]] == [""]


def test_mosaic_puts_each_plane_of_each_filter_in_its_square():
    weights = np.arange(3 * NUM_PLANES * 25, dtype=float).reshape(3, NUM_PLANES, 5, 5)
    image, starts = mosaic(weights)
    for row in range(3):
        for plane in (0, 20, 47):
            square = image[row * 6 : row * 6 + 5, starts[plane] : starts[plane] + 5]
            assert np.array_equal(square, weights[row, plane])
    assert np.isnan(image[5]).all()  # a blank line between filters
    gaps = np.diff(starts) - 6
    assert (gaps == GAP).sum() == len(PLANE_GROUPS) - 1 and set(gaps) == {0, GAP}
    assert image.shape == (3 * 6 - 1, starts[-1] + 5)


def test_strongest_filters_and_weight_per_plane():
    weights = np.zeros((3, NUM_PLANES, 5, 5))
    weights[1, 44] = 2.0
    weights[2, 0] = 1.0
    assert strongest_filters(weights, 2).tolist() == [1, 2]
    rms = plane_weight(weights)
    assert rms.argmax() == 44 and rms[47] == 0.0


def test_an_untrained_layer_sits_on_the_dashed_he_line():
    """The figure's reference: He initialisation gives every plane an RMS of sqrt(2/1200)."""
    torch.manual_seed(0)
    weights = build(64).conv1.weight.detach().numpy()
    assert np.allclose(plane_weight(weights), np.sqrt(2 / (48 * 25)), rtol=0.1)


def test_draws_a_weights_file(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    torch.manual_seed(0)
    path = tmp_path / "policy.pt"
    save_weights(build(8), path, {"steps": 10, "machine": "a test"})
    out = tmp_path / "filters.png"
    assert main(["filters", "--weights", str(path), "--out", str(out)]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "AlphaGo SL policy k=8, 10 steps, trained on a test"
    assert lines[1].startswith("most weight on: ") and lines[1].count("(") == 5
    assert lines[2] == f"drawn to {out}"


def test_bad_weights_and_missing_matplotlib_say_what_to_do(tmp_path, monkeypatch, capsys):
    assert main(["filters", "--weights", str(tmp_path / "none.pt")]) == 1
    assert "no such weights file" in capsys.readouterr().err
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    assert main(["filters", "--out", str(tmp_path / "x.png")]) == 1
    assert "needs matplotlib: python -m pip install matplotlib" in capsys.readouterr().err


def test_draws_the_shipped_network(shipped_policy, tmp_path, capsys):
    pytest.importorskip("matplotlib")
    out = tmp_path / "filters.png"
    assert main(["filters", "--out", str(out)]) == 0
    assert capsys.readouterr().out.splitlines()[0] == shipped_policy.description
    assert out.stat().st_size > 10_000
