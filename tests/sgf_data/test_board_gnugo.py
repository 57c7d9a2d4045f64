"""The rules engine against GNU Go, an independent implementation, on the real fixture games.

Every move of every fixture game is played on both; after each move they must agree on the
stones of each colour, the captures of each colour and the liberties of every string. Legality
of every point for both colours is compared on a sample (every 10th position of the first 4
games, and every position where a ko is pending, at the ko point), because each GTP round trip
costs about 60 µs. A random game from a 9-stone handicap adds many more captures and kos.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sgfmill import sgf

from sgf_data.board import EMPTY, IllegalMove, Position
from sgf_data.coords import from_index, to_gtp

GAMES = sorted((Path(__file__).parents[1] / "fixtures" / "games").glob("*.sgf"))
LEGALITY_GAMES = GAMES[:4]
LEGALITY_EVERY = 10
GTP_COLOUR = {"b": "black", "w": "white"}

pytestmark = pytest.mark.gnugo


def load(path: Path):
    """Setup stones and main-line moves of an SGF file, read with sgfmill."""
    game = sgf.Sgf_game.from_bytes(path.read_bytes())
    black, white, _ = game.get_root().get_setup_stones()
    moves = [node.get_move() for node in game.get_main_sequence()[1:]]
    return black, white, [(colour, point) for colour, point in moves if colour is not None]


def start(gnugo, black, white) -> Position:
    gnugo.send("boardsize 19")
    gnugo.send("clear_board")
    for colour, points in (("b", black), ("w", white)):
        for point in points:
            gnugo.send(f"play {colour} {to_gtp(point)}")
    return Position.from_setup(black=black, white=white)


def assert_same_board(gnugo, position: Position, where: str) -> None:
    """Stones, captures and every string's liberties agree with GNU Go."""
    stones = position.stones().ravel()
    for code, colour in ((1, "b"), (2, "w")):
        ours = {to_gtp(from_index(int(i))) for i in np.flatnonzero(stones == code)}
        theirs = set(gnugo.send(f"list_stones {GTP_COLOUR[colour]}").split())
        assert ours == theirs, f"{where}: {colour} stones differ"
        captures = int(gnugo.send(f"captures {GTP_COLOUR[colour]}"))
        assert position.captures[colour] == captures, f"{where}: {colour} captures differ"
    state = position.state
    for head in np.unique(state.head[state.colour != EMPTY]):
        vertex = to_gtp(from_index(int(head)))
        theirs = int(gnugo.send(f"countlib {vertex}"))
        assert position.liberties(from_index(int(head))) == theirs, f"{where}: {vertex}"


def assert_same_legality(gnugo, position: Position, points, where: str) -> None:
    for colour in "bw":
        for point in points:
            theirs = gnugo.send(f"is_legal {colour} {to_gtp(point)}") == "1"
            assert position.is_legal(colour, point) == theirs, f"{where}: {colour} {point}"


def all_points():
    return [(row, col) for row in range(19) for col in range(19)]


@pytest.mark.parametrize("path", GAMES, ids=lambda path: path.stem)
def test_replay_agrees_with_gnugo(gnugo, path):
    black, white, moves = load(path)
    position = start(gnugo, black, white)
    for number, (colour, point) in enumerate(moves, start=1):
        where = f"{path.name} move {number}"
        gnugo.send(f"play {colour} {to_gtp(point)}")
        try:
            position.play(colour, point)
        except IllegalMove as error:
            pytest.fail(f"{where}: GNU Go accepted a move we refused: {error}")
        assert_same_board(gnugo, position, where)
        if position.ko is not None:
            assert_same_legality(gnugo, position, [position.ko], where)
        if path in LEGALITY_GAMES and number % LEGALITY_EVERY == 0:
            assert_same_legality(gnugo, position, all_points(), where)
    assert len(moves) > 50


def test_fixture_games_include_kos():
    """The comparison above exercises ko: some fixture game has a pending ko."""
    for path in GAMES:
        black, white, moves = load(path)
        position = Position.from_setup(black=black, white=white)
        for colour, point in moves:
            position.play(colour, point)
            if position.ko is not None:
                return
    pytest.fail("no fixture game has a ko")


def test_random_game_from_handicap_agrees_with_gnugo(gnugo):
    """Random legal moves (many captures, suicides refused, kos) from 9 handicap stones."""
    handicap = [(r, c) for r in (3, 9, 15) for c in (3, 9, 15)]
    position = start(gnugo, handicap, [])
    position.to_move = "w"
    rng = np.random.default_rng(7)
    for number in range(1, 401):
        where = f"random game move {number}"
        colour = position.to_move
        legal = np.flatnonzero(position.legal_points(colour))
        point = from_index(int(rng.choice(legal))) if legal.size else None
        gnugo.send(f"play {colour} {to_gtp(point)}")
        position.play(colour, point)
        assert_same_board(gnugo, position, where)
        if number % 40 == 0 or position.ko is not None:
            assert_same_legality(gnugo, position, all_points(), where)
    assert sum(position.captures.values()) > 20
