import dataclasses
import os
import signal
import subprocess
import sys
from pathlib import Path

import numba
import numpy as np
import pytest
import torch

from alphago_policy import checkpoint as ckpt
from alphago_policy import rl
from alphago_policy.policy import build, load_policy, save_weights
from alphago_policy.runlog import LOG, read_log
from alphago_policy.selfplay import Precision, alternating_colours, play_games, set_engine_threads

REPO = Path(__file__).resolve().parents[2]
FLOAT32 = Precision(bf16=False)

pytestmark = pytest.mark.usefixtures("one_thread", "one_engine_thread")


@pytest.fixture(scope="module")
def one_engine_thread():
    threads = numba.get_num_threads()
    set_engine_threads(1)
    yield
    set_engine_threads(threads)


@pytest.fixture(scope="module")
def start(tmp_path_factory) -> Path:
    """A tiny 'SL network' (k=4, random weights) to start from."""
    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("start") / "sl.pt"
    save_weights(build(k=4), path, {"trained": True, "steps": 7})
    return path


def tiny(start: Path, out: Path, **changes) -> rl.Settings:
    settings = rl.Settings(
        start=str(start),
        out=str(out),
        games=2,
        lr=0.01,
        pool_every=2,
        iterations=4,
        match_games=2,
        max_moves=16,
        device="cpu",
        threads=1,
        engine_threads=1,
        bf16=False,
    )
    return dataclasses.replace(settings, **changes)


def weights(out: Path) -> dict[str, torch.Tensor]:
    return ckpt.load(out).model


def test_the_pool_grows_every_p_iterations_and_the_card_says_where_it_started(start, tmp_path):
    result = rl.rl_train(tiny(start, tmp_path, iterations=5))
    assert result["reason"] == "iterations" and result["games"] == 10
    members = ckpt.load(tmp_path).data["pool"]
    assert members == ["iteration_000000.pt", "iteration_000002.pt", "iteration_000004.pt"]
    assert sorted(p.name for p in (tmp_path / "pool").iterdir()) == members
    card = load_policy(tmp_path / "rl_k4.pt").card
    assert card["initialised_from"]["card"]["steps"] == 7
    assert card["reinforcement_learning"]["games"] == 10
    assert card["reinforcement_learning"]["win_rate_against_start"]["games"] == 2
    lines = [r for r in read_log(tmp_path / LOG) if r["event"] == "iteration"]
    assert [r["step"] for r in lines] == [1, 2, 3, 4, 5]
    assert {"win_rate", "mean_plies", "loss", "games_per_s"} <= lines[0].keys()


def test_a_resumed_run_ends_with_the_weights_of_an_uninterrupted_one(start, tmp_path):
    rl.rl_train(tiny(start, tmp_path / "whole"))
    rl.rl_train(tiny(start, tmp_path / "parts", iterations=2))
    rl.rl_train(tiny(start, tmp_path / "parts"), resume=True)
    whole, parts = weights(tmp_path / "whole"), weights(tmp_path / "parts")
    assert all(torch.equal(whole[name], parts[name]) for name in whole)
    assert not torch.equal(whole["conv1.weight"], load_policy(start).model.conv1.weight)


def test_a_stop_in_mid_iteration_drops_it_and_the_resumed_run_plays_it_again(
    start, tmp_path, monkeypatch
):
    rl.rl_train(tiny(start, tmp_path / "whole"))
    calls = []

    def stopped_in_the_third(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            os.kill(os.getpid(), signal.SIGTERM)  # the run's handler: a stop request
        return play_games(*args, **kwargs)

    monkeypatch.setattr(rl, "play_games", stopped_in_the_third)
    result = rl.rl_train(tiny(start, tmp_path / "parts"))
    assert result["reason"] == "SIGTERM" and result["iteration"] == 2
    monkeypatch.undo()
    rl.rl_train(tiny(start, tmp_path / "parts"), resume=True)
    whole, parts = weights(tmp_path / "whole"), weights(tmp_path / "parts")
    assert all(torch.equal(whole[name], parts[name]) for name in whole)
    steps = [r["step"] for r in read_log(tmp_path / "parts" / LOG) if r["event"] == "iteration"]
    assert steps == [1, 2, 3, 4]


def log_p(model, record) -> float:
    packed, moves, _ = record.arrays()
    from alphago_policy.selfplay import masked_logits, network_input, unpack

    with torch.no_grad():
        x = network_input(unpack(packed), torch.device("cpu"), FLOAT32)
        chosen = torch.log_softmax(masked_logits(model, x, FLOAT32), 1)
        return chosen.gather(1, torch.from_numpy(moves)[:, None]).mean().item()


@pytest.mark.parametrize("z", [1.0, -1.0])
def test_the_update_raises_a_won_games_moves_and_lowers_a_lost_ones(start, z):
    torch.manual_seed(1)
    model = load_policy(start).model
    games = play_games(model, model, alternating_colours(2), FLOAT32, max_moves=40, record=True)
    before = log_p(model, games.record)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    settings = rl.Settings(update_batch=16)
    rl.reinforce(model, optimizer, games.record, np.full(2, z), settings, FLOAT32)
    after = log_p(model, games.record)
    assert (after - before) * z > 0


def test_the_baseline_centres_z():
    won = np.array([True, False, True, True])
    assert rl.advantages(won, "mean").sum() == 0
    assert rl.advantages(won, "none").tolist() == [1, -1, 1, 1]


def command(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    run = [sys.executable, "-m", "alphago_policy", "rl", *args]
    return subprocess.run(run, env=env, capture_output=True, text=True, timeout=300)


def test_bad_settings_and_files_get_one_line_and_status_2(start, tmp_path):
    odd = command("train", "--start", str(start), "--out", str(tmp_path), "--games", "3")
    assert odd.returncode == 2 and odd.stderr.count("\n") == 1 and "--games 3" in odd.stderr
    missing = command("match", str(tmp_path / "none.pt"), str(start), "--games", "2")
    assert (
        missing.returncode == 2
        and "none.pt" in missing.stderr
        and "Traceback" not in missing.stderr
    )
    resume = command("train", "--out", str(tmp_path / "nothing"), "--resume")
    assert resume.returncode == 2 and "no checkpoint" in resume.stderr


def test_rl_match_prints_the_wins_with_their_interval(start, tmp_path):
    out = tmp_path / "match.json"
    result = command(
        "match",
        str(start),
        str(start),
        "--games",
        "2",
        "--device",
        "cpu",
        "--threads",
        "1",
        "--engine-threads",
        "1",
        "--out",
        str(out),
    )
    assert result.returncode == 0, result.stderr
    import json

    figures = json.loads(out.read_text())
    assert figures["games"] == 2 and figures["low"] <= figures["win_rate"] <= figures["high"]
