"""Ownership from playouts: dead and living groups of real finished games, a seki, the area
count, determinism; against GNU Go's dead stones and score on finished fixture games."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sgf_data.board import Position
from sgf_data.coords import from_gtp, to_gtp
from sgf_data.playouts import Estimate, estimate
from sgf_data.reader import read_games

GAMES = Path(__file__).parents[1] / "fixtures" / "games"


def final_position(name: str):
    """The final board of a fixture game, the player after the last move to play; its game."""
    game = next(iter(read_games(GAMES / f"{name}.sgf")))
    position = game.start_position()
    for position, _move in game.replay():  # noqa: B007 (replay leaves it on the final board)
        pass
    return position, game


def vertices(text: str) -> list[tuple[int, int]]:
    return sorted(from_gtp(v) for v in text.split())


def split_board() -> Position:
    """Black fills columns A-K, White L-T, each but for three eyes, and a white stone C3
    lies in a hole of six points (B2-D3) in Black's stones: Black's area 10 x 19, White's
    9 x 19 once it is captured."""
    hole = {(row, col) for row in (1, 2) for col in (1, 2, 3)}
    black_eyes = {(10, 5), (15, 5), (5, 7)}
    white_eyes = {(10, 14), (15, 14), (5, 12)}
    black, white = [], [from_gtp("C3")]
    for row in range(19):
        for col in range(19):
            if (row, col) in hole | black_eyes | white_eyes:
                continue
            (black if col < 10 else white).append((row, col))
    return Position.from_setup(black=black, white=white)


def test_estimate_is_deterministic_for_a_seed():
    position, game = final_position("tom-355131")
    first = estimate(position, game.komi, playouts=50, seed=7)
    again = estimate(position, game.komi, playouts=50, seed=7)
    other = estimate(position, game.komi, playouts=50, seed=8)
    assert np.array_equal(first.ownership, again.ownership)
    assert np.array_equal(first.black_margin, again.black_margin)
    assert not np.array_equal(first.black_margin, other.black_margin)
    assert first.ownership.shape == (19, 19) and first.ownership.dtype == np.float32
    assert first.black_margin.shape == (50,) and first.black_margin.dtype == np.float32
    assert np.all(np.abs(first.ownership) <= 1) and first.komi == game.komi
    assert np.all((first.neutral >= 0) & (first.neutral <= 1))


def test_estimate_leaves_the_position_unchanged():
    position, game = final_position("tom-354460")
    before = [array.copy() for array in position.state]
    estimate(position, game.komi, playouts=20)
    assert all(np.array_equal(a, b) for a, b in zip(before, position.state, strict=True))


def test_a_dead_group_of_a_finished_game_is_dead_and_big_groups_live():
    position, game = final_position("tom-354460")
    result = estimate(position, game.komi)
    dead = set(result.dead(position))
    # seven white stones inside Black's area in the lower centre: a group with no eye
    assert set(vertices("N8 O8 K7 L7 M7 N7 L6")) <= dead
    assert all(position.colour_at(p) == "w" for p in vertices("N8 O8 K7 L7 M7 N7 L6"))
    big = {tuple(s) for r in range(19) for c in range(19) if len(s := position.string((r, c))) >= 8}
    assert len(big) >= 4
    for string in big:
        assert not dead & set(string), f"the string at {to_gtp(string[0])} is called dead"
        sign = 1 if position.colour_at(string[0]) == "b" else -1
        assert all(sign * result.ownership[p] > 0.5 for p in string)


def test_dead_stones_come_off_in_the_area_score():
    position = split_board()
    result = estimate(position, komi=7.5)
    assert result.dead(position) == [from_gtp("C3")]
    assert result.area_score(position) == 10 * 19 - 9 * 19 - 7.5
    assert result.score > 0 and result.black_wins > 0.5
    assert result.seki(position) == []


def test_a_seki_is_left_alone():
    """Black (A2 B2 C2 B1, eye A1) and White (D2 E2 F2 D1 F1, eye E1) share C1: whoever plays
    it puts its own group in atari, so neither does and both live."""
    black = vertices("A2 B2 C2 B1 G2 G1") + [(2, c) for c in range(3, 19)]
    black += [(r, 3) for r in range(3, 19)]
    white = vertices("D2 E2 F2 D1 F1") + [(2, c) for c in range(3)] + [(r, 2) for r in range(3, 19)]
    position = Position.from_setup(black=black, white=white)
    result = estimate(position, komi=6.5)
    assert result.seki(position) == vertices("A2 B2 C2 B1 D2 E2 F2 D1 F1")
    assert result.dead(position) == []
    assert result.neutral[from_gtp("C1")] > 0.9
    assert result.ownership[from_gtp("A1")] > 0.9 and result.ownership[from_gtp("E1")] < -0.9


def test_black_wins_counts_draws_as_half():
    result = Estimate(
        ownership=np.zeros((19, 19), np.float32),
        black_margin=np.array([2.0, 0.0, -1.0, 3.0], np.float32),
        komi=7.0,
    )
    assert result.black_wins == 0.625 and result.score == 1.0


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        ("playouts", 0, "playouts must be a positive integer"),
        ("playouts", 2.5, "playouts must be a positive integer"),
        ("komi", float("nan"), "komi must be a finite number"),
        ("seed", -1, "seed must be a non-negative integer"),
    ],
)
def test_bad_settings_are_refused_by_name(setting, value, message):
    arguments = {"komi": 6.5, "playouts": 10, "seed": 0, setting: value}
    with pytest.raises(ValueError, match=message):
        estimate(Position(), **arguments)


@pytest.mark.gnugo
@pytest.mark.parametrize("name", ["tom-354460", "tom-355131", "tygem-407333205"])
def test_finished_games_agree_with_gnugo(gnugo, name):
    position, game = final_position(name)
    gnugo.send(f"loadsgf {GAMES / f'{name}.sgf'}")
    gnugo.send(f"komi {game.komi}")
    theirs = set(vertices(gnugo.send("final_status_list dead")))
    their_score = gnugo.send("final_score")  # GNU Go's default rules count territory
    result = estimate(position, game.komi)
    ours = set(result.dead(position))
    stones = int(np.count_nonzero(position.stones()))
    assert len(ours ^ theirs) <= 0.05 * stones, f"{sorted(map(to_gtp, ours ^ theirs))}"
    sign = 1 if their_score.startswith("B") else -1
    assert abs(result.area_score(position) - sign * float(their_score[2:])) <= 1
