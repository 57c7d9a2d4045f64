"""The player's view of a game, without a window: clicks, keys, stepping, saving, the result."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest

from alphago_policy import session as session_module
from alphago_policy.game import FIXED_HANDICAP, Game
from alphago_policy.policy import load_policy
from alphago_policy.session import Session, handicap_points
from sgf_data import read_games
from sgf_data.coords import to_gtp

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture
def session(shipped_policy):
    return Session(Game(shipped_policy), human="b")


def test_the_session_needs_no_pygame():
    """The board's game logic and geometry import where pygame is missing."""
    code = (
        "import sys; sys.modules['pygame'] = None; "
        "import alphago_policy.session, alphago_policy.board_view"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-800:]


def test_click_plays_and_the_network_answers(session):
    session.click((3, 3))
    assert session.network_to_play and session.update()
    assert [colour for colour, _ in session.position.history] == ["b", "w"]
    assert session.position.history[1][1] not in (None, (3, 3))
    assert session.moves == session.position.history
    assert not session.update()  # nothing due until the human moves again


def test_illegal_click_is_refused_with_the_reason(session):
    session.click((3, 3))
    session.update()
    session.click((3, 3))
    assert "occupied" in session.message and len(session.position.history) == 2
    assert not session.network_to_play


def test_pass_undo_resign_new_game(session):
    session.click((3, 3))
    session.update()
    session.undo()
    assert session.position.history == [] and session.moves == []
    session.pass_move()  # on the empty board White wins by komi: the network passes too
    assert session.update()
    assert session.result is not None and "area count" in session.message
    session.click((3, 3))
    assert "Game over" in session.message
    assert session.position.history == [("b", None), ("w", None)]
    session.new_game()
    assert session.result is None and session.position.history == []
    session.resign()
    assert session.result == "W+R"


def play_moves(session, count: int) -> None:
    """The human plays `count` moves on empty points of the 4th line, the network answers."""
    points = iter((3, col) for col in range(19))
    for _ in range(count):
        point = next(p for p in points if session.position.colour_at(p) is None)
        session.click(point)
        assert session.update()


def test_human_as_white_lets_the_network_open(shipped_policy):
    session = Session(Game(shipped_policy), human="w")
    assert session.update() and session.position.history[0][0] == "b"


def test_save_load_and_step_through(session, tmp_path):
    play_moves(session, 3)
    path = session.save(tmp_path)
    loaded = Session(Game(session.game.policy), human="b")
    loaded.load(path)
    assert loaded.moves == session.moves and loaded.cursor == 6
    loaded.step(-1)
    loaded.step(-1)
    assert loaded.cursor == 4 and loaded.next_move == session.moves[4]
    assert not loaded.update()  # stepping never makes the network move
    loaded.step(1)
    assert loaded.cursor == 5 and loaded.position.to_move == "w"
    loaded.step(-1)
    point = next(p for p in ((9, 9), (9, 10)) if loaded.position.colour_at(p) is None)
    loaded.click(point)  # a move before the end of the record replaces the rest
    assert loaded.moves == [*session.moves[:4], ("b", point)]
    assert "PW[AlphaGo SL policy" in path.read_text() and "PB[Human]" in path.read_text()


def test_load_a_real_game(session, fixtures_dir):
    session.load(fixtures_dir / "games" / "tom-354460.sgf")
    assert session.cursor == len(session.moves) > 50
    probabilities = session.probabilities()
    assert probabilities.shape == (19, 19) and abs(probabilities.sum() - 1) < 1e-4
    assert (probabilities[session.position.stones() != 0] == 0).all()


def test_g_lets_the_network_play_and_the_game_goes_on(session):
    session.ask_network()  # the human's move, by the network
    assert session.update() and session.position.history[-1][0] == "b"
    assert session.update() and session.position.history[-1][0] == "w"  # its own answer
    assert not session.update() and not session.network_to_play  # the human's turn again
    session.click(next(p for p in ((3, 3), (3, 4)) if session.position.colour_at(p) is None))
    assert session.update()


def test_undo_at_move_one_as_white_lets_the_network_open_again(shipped_policy):
    session = Session(Game(shipped_policy), human="w")
    assert session.update()
    session.undo()
    assert session.position.history == [] and session.network_to_play
    assert session.update() and session.position.history[0][0] == "b"


def test_the_result_and_the_komi_are_the_games(session, fixtures_dir):
    """The session shows the game's own result and komi, however the game changed."""
    session.game.resign("w")
    assert session.result == "B+R" and session.counted is False and not session.network_to_play
    session.new_game()
    assert session.result is None
    session.load(fixtures_dir / "games" / "tom-377265.sgf")  # KM[6.5]
    assert session.game.komi == 6.5 and "komi 6.5" in session.status()
    session.new_game()  # a new game has the komi of new games again
    assert session.game.komi == 7.5 and "komi 7.5" in session.status()


def test_saving_into_a_folder_that_is_gone_keeps_the_game(session, tmp_path):
    folder = tmp_path / "games"
    folder.mkdir()
    play_moves(session, 2)
    moves = list(session.moves)
    folder.rmdir()
    assert session.save(folder) is None
    assert f"the folder {folder} is gone: create it" in session.message
    assert "press S again" in session.message and session.moves == moves
    folder.mkdir()  # the player puts it right and presses S again
    path = session.save(folder)
    assert path is not None and list(next(read_games(path)).moves) == moves
    assert [p.name for p in folder.iterdir()] == [path.name]


@pytest.mark.parametrize(
    ("cause", "said"),
    [(errno.ENOSPC, "is full: free some space"), (errno.EROFS, "is read-only: make it writable")],
)
def test_a_save_that_fails_says_why_and_keeps_the_game(session, tmp_path, monkeypatch, cause, said):
    play_moves(session, 1)
    moves = list(session.moves)

    def refuse(record, path):
        raise OSError(cause, os.strerror(cause), str(path))

    monkeypatch.setattr(session_module, "write_sgf", refuse)
    assert session.save(tmp_path) is None
    assert said in session.message and session.moves == moves and session.result is None


def test_the_player_takes_black_with_handicap_stones_and_the_network_opens(
    shipped_policy, tmp_path
):
    session = Session(Game(shipped_policy), human="b", handicap=4)
    assert session.game.setup == (tuple(handicap_points(4)), ())
    assert [to_gtp(p) for p in handicap_points(4)] == FIXED_HANDICAP[4].split()
    assert session.game.komi == 0.5 and "handicap 4, komi 0.5" in session.status()
    assert session.position.to_move == "w" and session.network_to_play
    assert session.update() and session.position.history[0][0] == "w"
    session.click(next(p for p in ((9, 9), (9, 10)) if session.position.colour_at(p) is None))
    path = session.save(tmp_path)
    text = path.read_text()
    assert "HA[4]" in text and "AB[" in text and "KM[0.5]" in text and "PB[Human]" in text
    record = next(read_games(path))
    assert set(record.setup_black) == set(handicap_points(4)) and record.komi == 0.5
    again = Session(Game(shipped_policy), human="w")
    again.load(path)
    assert again.moves == session.moves and "handicap 4, komi 0.5" in again.status()


def test_the_player_gives_the_stones_and_moves_first_as_white(shipped_policy):
    session = Session(Game(shipped_policy), human="w", handicap=9)
    assert len(session.game.setup[0]) == 9 and session.position.to_move == "w"
    assert not session.network_to_play and not session.update()
    session.click((2, 2))
    assert session.update() and session.position.history[-1][0] == "b"
    session.new_game()  # the next game has the same handicap
    assert len(session.game.setup[0]) == 9 and session.position.history == []


def test_the_start_screen_chooses_the_handicap_then_the_colour(shipped_policy):
    session = Session(Game(shipped_policy))
    assert "Even game, komi 7.5" in session.start_lines()[2]
    session.choose_handicap(1)  # not a handicap: nothing changes
    assert session.handicap == 0 and not session.game.position.stones().any()
    session.choose_handicap(3)
    assert session.start_lines()[2].startswith("Handicap 3 stones, komi 0.5")
    assert int(session.game.position.stones().sum()) == 3  # Black's stones shown under the menu
    session.choose_colour("w")
    assert session.human == "w" and session.game.komi == 0.5 and len(session.game.setup[0]) == 3
    session.choose_handicap(5)  # only on the start screen
    assert session.handicap == 3
    assert Session(Game(shipped_policy), "b", handicap=2, komi=6.5).game.komi == 6.5  # --komi wins


def test_the_start_screen_chooses_the_strength_kept_for_the_next_game(tiny_weights, tmp_path):
    tiny = load_policy(tiny_weights)
    session = Session(Game(tiny), weights=str(tiny_weights))
    assert session.start_lines()[0] == "full network, no strength level"
    session.change_strength(1)  # above the strongest: stays the full network
    assert session.game.strength is None and session.game.policy is tiny
    session.change_strength(-1)
    assert session.game.strength.number == 10 and session.game.policy.symmetries == 8
    for _ in range(7):
        session.change_strength(-1)
    level = session.game.strength
    assert level.number == 3 and "k=32" in session.game.policy.description
    assert session.start_lines()[0] == level.describe()
    session.choose_colour("b")
    session.change_strength(-1)  # only on the start screen
    assert session.game.strength is level and level.describe() in session.status()
    play_moves(session, 1)
    session.new_game()  # N: the next game is at the same level
    assert session.game.strength is level and session.position.history == []
    play_moves(session, 1)
    record = next(read_games(session.save(tmp_path)))
    assert record.white == session.game.name and record.white.endswith(level.describe())
    assert session.set_strength(None) and session.game.policy is tiny
