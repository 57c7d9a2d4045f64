"""Shipping a run: its test figures and training time go into the card, the weights unchanged."""

import shutil
import subprocess
import sys

import pytest
import torch

from alphago_policy import train as tr
from alphago_policy.dataset import PositionDataset
from alphago_policy.policy import load_policy
from alphago_policy.prepare import PrepareSettings, prepare
from alphago_policy.ship import ship


@pytest.fixture(scope="module")
def run(tmp_path_factory, fixtures_dir, one_thread):
    """A k=8 network trained for 4 steps on four fixture games, two of them held out for test."""
    data = tmp_path_factory.mktemp("prepared")
    games = tuple(str(p) for p in sorted((fixtures_dir / "games").glob("*.sgf"))[:4])
    prepare(PrepareSettings(games, str(data), 1, fractions=(0.5, 0.0, 0.5)), progress=False)
    out = tmp_path_factory.mktemp("run")
    settings = tr.Settings(
        data=str(data), out=str(out), k=8, batch_size=16, max_steps=4, log_every=2, device="cpu"
    )
    tr.train(settings)
    return out


def test_card_gains_test_figures_and_time_weights_stay(run, tmp_path):
    card = ship(run, tmp_path / "policy.pt", progress=False)
    shipped, trained = load_policy(tmp_path / "policy.pt"), load_policy(run / "policy_k8.pt")
    assert shipped.card == card and card["steps"] == 4 and card["train_seconds"] >= 0
    test_positions = len(PositionDataset(trained.card["data"], "test"))
    overall = card["test"][-1]
    assert overall["phase"] == "all" and overall["positions"] == test_positions > 0
    assert 0 <= overall["top1"] <= overall["top5"] <= 1
    for name, tensor in trained.model.state_dict().items():
        assert torch.equal(tensor, shipped.model.state_dict()[name]), name


def test_command_line(run, tmp_path):
    to = tmp_path / "policy.pt"
    command = [sys.executable, "-m", "alphago_policy", "ship", str(run), "--to", str(to)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    assert "test_top1" in done.stdout and load_policy(to).card["test"]


def test_a_run_whose_checkpoint_stayed_behind_ships_from_its_weights(run, tmp_path):
    weights_only = tmp_path / "run"
    weights_only.mkdir()
    shutil.copy(run / "policy_k8.pt", weights_only)
    shutil.copy(run / "log.jsonl", weights_only)
    card = ship(weights_only, tmp_path / "policy.pt", progress=False)
    assert card == ship(run, tmp_path / "again.pt", progress=False)
    (weights_only / "policy_k8.pt").unlink()
    with pytest.raises(ValueError, match="not one policy_k"):
        ship(weights_only, tmp_path / "none.pt", progress=False)
