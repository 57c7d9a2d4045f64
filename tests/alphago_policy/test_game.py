"""The game: its line of moves, undo and stepping, the end, the record and the network's move."""

from __future__ import annotations

import math

import numpy as np
import pytest

from alphago_policy.game import (
    RESIGN,
    RESIGN_MOVES,
    Game,
    GameError,
    choose_point,
    urgent_points,
)
from sgf_data import Position, read_games
from sgf_data.coords import to_gtp

pytestmark = pytest.mark.usefixtures("one_thread")


def test_the_line_keeps_the_moves_stepped_back_over(shipped_policy):
    game = Game(shipped_policy)
    moves = [("b", (3, 3)), ("w", (15, 15)), ("b", (15, 3))]
    for move in moves:
        game.play(*move)
    game.step_back()
    game.step_back()
    assert game.position.history == moves[:1] and game.line == moves
    assert game.next_move == moves[1]
    game.step_forward()
    assert game.position.history == moves[:2] and game.line == moves
    game.play("b", (9, 9))  # a different move replaces the rest of the line
    assert game.line == [*moves[:2], ("b", (9, 9))]
    game.undo()  # undo forgets the move
    assert game.line == moves[:2] and game.next_move is None
    with pytest.raises(GameError, match="no move ahead"):
        game.step_forward()


def test_two_passes_or_a_resignation_end_the_game(shipped_policy):
    game = Game(shipped_policy, komi=6.5)
    game.play("b", (3, 3))
    game.play("w", None)
    assert not game.over and game.result() is None
    game.play("b", None)
    assert game.over and game.result() == "B+354.5"  # one black stone owns the empty board
    assert "RE[B+354.5]" in game.record().serialise().decode()
    game.undo()
    game.resign("b")
    assert game.over and game.result() == "W+R"


def test_handicap_only_on_an_empty_board(shipped_policy):
    game = Game(shipped_policy)
    game.place_handicap([(3, 3), (15, 15)])
    assert game.position.to_move == "w" and "HA[2]" in game.record().serialise().decode()
    with pytest.raises(GameError, match="board not empty"):
        game.place_handicap([(3, 15), (15, 3)])
    game.reset()
    with pytest.raises(GameError, match="bad vertex list"):
        game.place_handicap([(3, 3), (3, 3)])


def test_load_a_record(shipped_policy, fixtures_dir):
    record = next(read_games(fixtures_dir / "games" / "tom-354460.sgf"))
    game = Game(shipped_policy)
    game.load(record)
    assert game.position.history == list(record.moves) == game.line
    assert game.komi == record.komi


def test_genmove_plays_the_most_probable_move(shipped_policy):
    game = Game(shipped_policy)
    game.play("b", (3, 3))
    probabilities = game.probabilities("w")
    best = np.unravel_index(np.argmax(probabilities), probabilities.shape)
    assert game.genmove("w") == tuple(int(v) for v in best)
    assert game.position.history[-1] == ("w", tuple(int(v) for v in best))


def test_genmove_samples_with_temperature(shipped_policy):
    moves = {Game(shipped_policy, temperature=1.0, seed=seed).genmove("b") for seed in range(5)}
    assert len(moves) > 1


@pytest.mark.parametrize("temperature", [0.001, 1e-9, 1e-300])
def test_a_small_temperature_plays_the_most_probable_move(shipped_policy, temperature):
    """p^(1/T) of the network's probabilities underflows for a small T: the sampling must not
    end in NaN, and what it picks is the most probable move."""
    game, best = Game(shipped_policy, temperature, seed=1), Game(shipped_policy)
    assert game.genmove("b") == best.genmove("b")
    assert game.genmove("w") == best.genmove("w")


def test_sampling_never_picks_a_point_not_allowed(shipped_policy):
    """However high the temperature, only allowed points (0 elsewhere) are drawn."""
    probabilities = shipped_policy.probabilities(Game(shipped_policy).position)
    allowed = np.zeros((19, 19), dtype=bool)
    allowed[3, 3] = allowed[15, 15] = True
    rng = np.random.default_rng(0)
    picks = {choose_point(probabilities, allowed, 1e300, rng) for _ in range(50)}
    assert picks == {(3, 3), (15, 15)}


@pytest.mark.parametrize("temperature", [math.nan, math.inf, -1.0])
def test_a_temperature_that_means_nothing_is_refused(temperature):
    with pytest.raises(ValueError, match="temperature"):
        choose_point(np.full((2, 2), 0.25), np.ones((2, 2), dtype=bool), temperature)


def test_genmove_passes_rather_than_fill_its_own_eyes(shipped_policy):
    eyes = {(r, c) for r in range(19) for c in range(19) if r % 3 == 1 and c % 3 == 1}
    black = [(r, c) for r in range(19) for c in range(19) if (r, c) not in eyes]
    game = Game(shipped_policy)
    game.position = Position.from_setup(black=black, to_move="b")
    assert game.position.legal_points("b").sum() == len(eyes)
    assert game.genmove("b") is None
    assert game.genmove("w") is None  # every empty point is suicide for White


def test_undo_without_moves_is_an_error(shipped_policy):
    with pytest.raises(GameError, match="cannot undo"):
        Game(shipped_policy).undo()


@pytest.mark.gnugo
def test_a_game_gnugo_accepts_move_by_move(shipped_policy, gnugo):
    """Our engine plays both sides for 60 moves; GNU Go, the rules oracle, takes every move."""
    gnugo.send("boardsize 19")
    gnugo.send("clear_board")
    game = Game(shipped_policy, temperature=1.0, seed=3, playouts=16)
    for ply in range(60):
        colour = "bw"[ply % 2]
        gnugo.send(f"play {colour} {to_gtp(game.genmove(colour))}")
    for colour, name in (("b", "black"), ("w", "white")):
        assert int(gnugo.send(f"captures {name}")) == game.position.captures[colour]
    gnu_black = gnugo.send("list_stones black").split()
    assert sorted(gnu_black) == sorted(
        to_gtp((r, c)) for r, c in zip(*np.nonzero(game.position.stones() == 1), strict=True)
    )


def test_passes_after_the_opponent_only_when_passing_does_not_lose(shipped_policy):
    game = Game(shipped_policy)
    game.play("b", None)
    assert game.suggest("w") is None  # the empty board: White wins by komi
    game = Game(shipped_policy)
    game.play("w", None)
    assert game.suggest("b") is not None  # Black would lose by komi: it plays on


def test_a_capture_or_a_defence_is_urgent_unless_the_string_is_dead():
    position = Position.from_setup(black=[(2, 3), (4, 3), (3, 2)], white=[(3, 3)], to_move="b")
    assert np.argwhere(urgent_points(position, "b", set())).tolist() == [[3, 4]]
    assert np.argwhere(urgent_points(position, "w", set())).tolist() == [[3, 4]]
    assert not urgent_points(position, "b", {(3, 3)}).any()


@pytest.mark.parametrize("threshold", [None, 50.0])
def test_resigns_only_when_asked_and_lost_several_moves_in_a_row(shipped_policy, threshold):
    game = Game(shipped_policy, komi=-400.0, resign_threshold=threshold)  # White cannot win
    choices = []
    for _ in range(RESIGN_MOVES):
        game.genmove("b")
        choices.append(game.genmove("w"))
    if threshold is None:
        assert RESIGN not in choices and game.resigned is None
    else:
        assert choices[-1] == RESIGN and RESIGN not in choices[:-1]
        assert game.over and game.result() == "B+R"


def test_a_game_against_itself_ends_by_two_passes(shipped_policy):
    """The network passes once the playouts find nothing left to change: the game ends well
    before the 400-move cap of the matches, and is counted with its dead stones off."""
    game = Game(shipped_policy, seed=1, playouts=64)
    while not game.over and len(game.position.history) < 400:
        game.genmove(game.position.to_move)
    assert game.over and game.resigned is None
    assert game.result().startswith(("B+", "W+"))
    dead = set(game.dead_stones())
    assert all(game.position.colour_at(point) for point in dead)
