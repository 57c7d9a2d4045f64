"""Strength levels: their move choice, their networks, and the GTP option and command."""

from __future__ import annotations

import dataclasses
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from alphago_policy import strength
from alphago_policy.game import Game
from alphago_policy.gtp import Server, respond
from alphago_policy.policy import load_policy
from alphago_policy.symmetries import inverse, transform
from sgf_data import read_games
from sgf_data.features import planes

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.usefixtures("one_thread")


def test_best_of_m_plays_the_best_drawn_point_and_all_points_plays_the_best():
    """The best of 1 drawn point is a random allowed point (every one of them, over many
    draws); the best of all of them is the network's first choice."""
    probabilities = np.linspace(0.0, 1.0, 9).reshape(3, 3)
    allowed = np.ones((3, 3), dtype=bool)
    allowed[2, 2] = False  # the most probable point is not allowed
    rng = np.random.default_rng(0)
    one = strength.Level(0, "test", picks=1)
    chosen = {one.choose(probabilities, allowed, rng) for _ in range(300)}
    assert chosen == {(r, c) for r in range(3) for c in range(3)} - {(2, 2)}
    every = strength.Level(0, "test", picks=100)
    assert every.choose(probabilities, allowed, rng) == (2, 1)
    assert strength.Level(0, "test").choose(probabilities, allowed, rng) == (2, 1)


def test_more_picks_choose_the_networks_move_more_often():
    probabilities = np.arange(1, 101, dtype=float).reshape(10, 10)
    allowed = np.ones((10, 10), dtype=bool)
    best = (9, 9)
    share = {}
    for picks in (2, 8, 32):
        level, rng = strength.Level(0, "test", picks=picks), np.random.default_rng(1)
        share[picks] = np.mean(
            [level.choose(probabilities, allowed, rng) == best for _ in range(400)]
        )
    assert share[2] < share[8] < share[32]
    assert abs(share[8] - 0.08) < 0.04  # the best point is drawn 8 times in 100


def test_levels_are_numbered_from_1_and_name_their_network():
    assert [level.number for level in strength.LEVELS] == list(range(1, strength.STRONGEST + 1))
    with pytest.raises(ValueError, match=r"from 1 \(weakest\) to 10"):
        strength.level(11)
    for level in strength.LEVELS:
        if level.weights:
            assert (strength.policy_for(level).k, level.weights) in (
                (32, strength.K32),
                (64, strength.K64),
            )


def test_a_game_plays_at_a_level_and_says_so():
    game = Game(load_policy(), seed=0)
    strength.set_strength(game, 1)
    assert game.policy.k == 32 and game.name.endswith("best of 4 random moves")
    moves = [game.genmove(colour) for colour in "bwbw"]
    assert all(isinstance(move, tuple) for move in moves)
    strength.set_strength(game, 10)
    assert game.policy.symmetries == 8 and game.policy.k == strength.policy_for(strength.level(9)).k


def test_symmetries_on_top_of_any_level_say_so_once():
    game = Game(load_policy(), seed=0)
    strength.set_strength(game, 7)
    strength.set_symmetries(game, 8)
    strength.set_symmetries(game, 8)
    assert game.policy.symmetries == 8 and game.policy.k == 64
    assert game.name.count("8 symmetries averaged") == 1
    strength.set_symmetries(game, 1)
    assert game.policy.symmetries == 1 and "symmetries" not in game.name


def test_symmetry_averaging_matches_the_mean_of_the_turned_boards(fixtures_dir):
    """The averaged probabilities of a real position: each symmetry's own probabilities,
    turned back by hand, averaged, equal `Policy.probabilities` with 8 symmetries."""
    policy = strength.policy_for(strength.level(6))
    game = Game(policy)
    game.load(next(iter(read_games(fixtures_dir / "games"))), 30)
    position = game.position
    x = planes(position)
    by_hand = np.zeros((19, 19))
    for k in range(8):
        logits = policy.logits(np.ascontiguousarray(transform(x, k))[None])[0]
        turned = np.exp(logits - logits.max())
        by_hand += transform((turned / turned.sum()).reshape(19, 19), inverse(k))
    legal = position.legal_points(position.to_move)
    expected = np.where(legal, by_hand, 0) / np.where(legal, by_hand, 0).sum()
    averaged = dataclasses.replace(policy, symmetries=8)
    assert np.allclose(averaged.probabilities(position), expected, atol=1e-6)


def gtp(server: Server, line: str) -> tuple[str, str]:
    reply = respond(server, line)
    return reply.head, reply.body


def test_the_gtp_command_shows_lists_and_changes_the_level():
    server = Server(Game(load_policy(), seed=0))
    assert gtp(server, "alphago-strength") == ("=", "none")
    head, listed = gtp(server, "alphago-strength list")
    assert head == "=" and len(listed.splitlines()) == strength.STRONGEST
    assert gtp(server, "alphago-strength 3")[1].startswith("strength 3 (casual)")
    assert "strength 3" in gtp(server, "name")[1] and server.game.policy.k == 32
    assert gtp(server, "alphago-strength")[1].startswith("strength 3")
    assert gtp(server, "genmove b")[0] == "="
    assert gtp(server, "alphago-strength 0") == (
        "?",
        "strength 0: choose a level from 1 (weakest) to 10",
    )
    assert gtp(server, "alphago-strength x")[0] == "?"
    assert "alphago-strength" in gtp(server, "list_commands")[1].split()


def test_the_engine_starts_at_a_level():
    command = [sys.executable, "-m", "alphago_policy", "gtp", "--symmetries", "8"]
    command += ["--strength", "7"]
    done = subprocess.run(
        command,
        input="name\nalphago-strength\nquit\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    replies = [line for line in done.stdout.splitlines() if line]
    assert "k=64" in replies[0] and "8 symmetries averaged" in replies[0]
    assert replies[1] == "= strength 7 (strong club, about 5k): k=64 network"
    bad = subprocess.run(
        [*command[:-1], "12"],
        input="quit\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert bad.returncode == 2 and "from 1 (weakest) to 10" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_each_level_shows_the_rank_its_calibration_recorded():
    """A level's rank is the estimate of benchmarks/results/calibration.md, or none where that
    page has not measured it: what a player reads is what the games showed."""
    page = (Path(__file__).resolve().parents[2] / "benchmarks/results/calibration.md").read_text()
    for level in strength.LEVELS:
        row = re.search(rf"^\| {level.number} \| [^|]+ \| ([^|]+) \|", page, re.MULTILINE)
        recorded = row.group(1).strip().split(" (")[0]
        assert (level.rank or "not measured") == recorded, level.number
