"""Shipping a run: its test figures and training time go into the card, the weights unchanged."""

import argparse
import shutil
import subprocess
import sys

import pytest
import torch

from alphago_policy import evaluate as ev
from alphago_policy import train as tr
from alphago_policy.dataset import PositionDataset
from alphago_policy.files import OutputError
from alphago_policy.policy import load_policy, save_weights
from alphago_policy.prepare import PrepareSettings, prepare
from alphago_policy.ship import run as ship_command
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


def test_a_run_with_a_damaged_checkpoint_ships_from_its_weights(run, tmp_path, capsys):
    damaged = tmp_path / "run"
    shutil.copytree(run, damaged)
    (damaged / "checkpoint.pt").write_bytes(b"half a checkpoint")
    card = ship(damaged, tmp_path / "policy.pt", progress=False)
    assert card == ship(run, tmp_path / "again.pt", progress=False)
    assert "cannot read the checkpoint" in capsys.readouterr().err


def test_an_empty_test_split_is_said_in_one_line(run, tmp_path, fixtures_dir, capsys):
    data = tmp_path / "prepared"
    games = (str(fixtures_dir / "games" / "tom-354460.sgf"),)
    prepare(PrepareSettings(games, str(data), 1, fractions=(1.0, 0.0, 0.0)), progress=False)
    trained = load_policy(run / "policy_k8.pt")
    card = {**trained.card, "settings": {**trained.card["settings"], "data": str(data)}}
    (tmp_path / "run").mkdir()
    save_weights(trained.model, tmp_path / "run" / "policy_k8.pt", card)
    to = tmp_path / "policy.pt"
    args = argparse.Namespace(
        run_dir=str(tmp_path / "run"), to=str(to), device="cpu", max_games=None
    )
    assert ship_command(args) == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"error: {data} (the run's data): its test split holds no position; nothing to measure "
        f"the network on"
    )
    assert not to.exists()


def test_a_place_that_cannot_take_the_weights_is_refused_before_the_evaluation(
    run, tmp_path, monkeypatch
):
    def evaluate(*_args, **_kwargs):
        raise AssertionError("evaluated before the output place was checked")

    monkeypatch.setattr(ev, "evaluate", evaluate)
    (tmp_path / "file").write_text("")
    with pytest.raises(OutputError, match=r"--to .*file/policy.pt: cannot make its directory"):
        ship(run, tmp_path / "file" / "policy.pt", progress=False)
    real = shutil.disk_usage
    monkeypatch.setattr(shutil, "disk_usage", lambda path: real(path)._replace(free=10**4))
    with pytest.raises(OutputError, match=r"0.0 MB free on its disk, 0.\d MB needed"):
        ship(run, tmp_path / "policy.pt", progress=False)
