"""Rules of the engine: captures, suicide, ko, strings and their liberties, setup, copies."""

import numpy as np
import pytest
from numba import njit

from sgf_data import board
from sgf_data.board import IllegalMove, Position
from sgf_data.coords import from_gtp, to_gtp, to_index


def setup(black="", white="", to_move="b"):
    """A position with setup stones given as space-separated GTP vertices."""
    return Position.from_setup(
        black=[from_gtp(v) for v in black.split()],
        white=[from_gtp(v) for v in white.split()],
        to_move=to_move,
    )


def play(position, *moves):
    """Play 'B D4'-style moves; return the captures of the last one."""
    captured = 0
    for move in moves:
        colour, vertex = move.split()
        captured = position.play(colour.lower(), from_gtp(vertex))
    return captured


def test_empty_board():
    position = Position()
    assert position.to_move == "b"
    assert position.ko is None
    assert position.captures == {"b": 0, "w": 0}
    assert position.history == []
    assert not position.stones().any()
    assert position.legal_points("b").all()


def test_only_19x19_is_supported():
    with pytest.raises(ValueError, match="only 19x19 is supported"):
        Position(size=9)


def test_play_places_stone_and_alternates():
    position = Position()
    assert play(position, "B D4") == 0
    assert position.colour_at(from_gtp("D4")) == "b"
    assert position.to_move == "w"
    assert position.history == [("b", (3, 3))]
    assert position.liberties(from_gtp("D4")) == 4
    assert position.liberties(from_gtp("E4")) == 0
    assert position.stones()[3, 3] == board.BLACK


def test_corner_and_edge_liberties():
    position = setup(black="A1 K1")
    assert position.liberties(from_gtp("A1")) == 2
    assert position.liberties(from_gtp("K1")) == 3


@pytest.mark.parametrize(
    ("black", "white", "move", "captured", "emptied", "liberties"),
    [
        pytest.param("A2", "A1", "B B1", 1, "A1", {"A2": 3, "B1": 3}, id="corner stone"),
        pytest.param("C1 C2 D2 E2", "D1 E1", "B F1", 2, "D1 E1", {"F1": 3}, id="edge string"),
        pytest.param(
            "A2 C2 D1", "A1 C1", "B B1", 2, "A1 C1", {"B1": 3, "D1": 3}, id="two strings at once"
        ),
    ],
)
def test_capture(black, white, move, captured, emptied, liberties):
    position = setup(black, white)
    assert play(position, move) == captured
    assert position.captures == {"b": captured, "w": 0}
    for vertex in emptied.split():
        assert position.colour_at(from_gtp(vertex)) is None, vertex
    for vertex, count in liberties.items():
        assert position.liberties(from_gtp(vertex)) == count, vertex


def test_string_beside_a_capture_keeps_its_stones_in_order():
    position = setup(black="C1 C2 D2 E2", white="D1 E1")
    play(position, "B F1")
    assert position.string(from_gtp("C2")) == [(0, 2), (1, 2), (1, 3), (1, 4)]


def test_capture_returns_liberties_to_every_neighbouring_string():
    position = setup(black="D5 C4 E4", white="D4 C3 E3")
    assert position.liberties(from_gtp("D4")) == 1
    assert play(position, "B D3") == 1
    # D4 is now a liberty of all three black strings around it.
    for vertex, liberties in (("D5", 4), ("C4", 3), ("E4", 3), ("D3", 2)):
        assert position.liberties(from_gtp(vertex)) == liberties, vertex


def test_suicide_is_refused():
    position = setup(white="A2 B1")
    with pytest.raises(IllegalMove, match="b A1: suicide"):
        play(position, "B A1")
    assert position.colour_at(from_gtp("A1")) is None
    assert position.history == []
    assert not position.is_legal("b", from_gtp("A1"))
    assert position.is_legal("w", from_gtp("A1"))


def test_multi_stone_suicide_is_refused():
    position = setup(black="A1 A2 B2", white="A3 B3 C2 C1")
    assert position.liberties(from_gtp("A1")) == 1
    with pytest.raises(IllegalMove, match="b B1: suicide"):
        play(position, "B B1")
    assert position.liberties(from_gtp("B2")) == 1


def test_capture_that_looks_like_suicide_is_allowed():
    # B1 has no empty neighbour, but the three black strings around it are in atari.
    position = setup(black="A1 B2 C1", white="A2 B3 C2 D1")
    assert position.liberties(from_gtp("A1")) == 1
    b1 = to_index(from_gtp("B1"))
    assert board.would_capture(position.state, b1, board.WHITE) == 3
    assert board.liberties_after(position.state, b1, board.WHITE) == 3
    assert play(position, "W B1") == 3
    assert position.liberties(from_gtp("B1")) == 3


def test_occupied_and_off_board_are_refused():
    position = setup(black="D4")
    with pytest.raises(IllegalMove, match="occupied"):
        play(position, "W D4")
    with pytest.raises(IllegalMove, match="off the board"):
        position.play("w", (19, 3))
    assert not position.is_legal("w", (19, 3))


def test_bad_colour_is_a_value_error():
    with pytest.raises(ValueError, match="not a colour"):
        Position().play("black", (3, 3))


def ko_position():
    """White to capture at E4, making a ko at D4."""
    return setup(black="C4 D5 D3", white="D4 E5 E3 F4", to_move="b")


def test_simple_ko_and_its_release():
    position = ko_position()
    assert play(position, "B E4") == 1
    assert position.to_move == "w"
    assert position.ko == from_gtp("D4")
    with pytest.raises(IllegalMove, match="w D4: ko retake"):
        play(position, "W D4")
    assert not position.legal_points("w")[from_gtp("D4")]
    play(position, "W Q16")  # a ko threat
    assert position.ko is None
    play(position, "B Q4")
    assert play(position, "W D4") == 1  # retake allowed now
    assert position.ko == from_gtp("E4")


def test_pass_lifts_the_ko():
    position = ko_position()
    play(position, "B E4")
    position.play("w", None)
    position.play("b", None)
    assert position.ko is None
    assert position.is_legal("w", from_gtp("D4"))
    assert position.history[-2:] == [("w", None), ("b", None)]
    assert position.ply == 3


def test_capturing_two_stones_is_not_ko():
    position = setup(black="A2 B1 C1", white="B2 C2 D1", to_move="w")
    assert play(position, "W A1") == 2
    assert position.liberties(from_gtp("A1")) == 1
    assert position.ko is None
    assert play(position, "B B1") == 1


def test_liberties_after_merges():
    position = Position()
    play(position, "B D4", "W Q16", "B F4", "W Q4")
    assert position.liberties(from_gtp("D4")) == 4
    play(position, "B E4")
    assert position.string(from_gtp("D4")) == [(3, 3), (3, 4), (3, 5)]
    assert position.liberties(from_gtp("F4")) == 8
    play(position, "W E5", "B E3")
    assert position.liberties(from_gtp("E3")) == 7
    play(position, "W D5", "B D3")
    assert position.liberties(from_gtp("D4")) == 7
    assert len(position.string(from_gtp("E3"))) == 5


def test_setup_stones():
    position = setup(black="D4 Q16 D16", white="Q4", to_move="w")
    assert position.to_move == "w"
    assert position.history == []
    assert position.ply == 0
    assert position.colour_at(from_gtp("Q4")) == "w"
    assert position.state.placed_at[to_index(from_gtp("D4"))] == board.SETUP_PLY
    with pytest.raises(ValueError, match="occupied point: D4"):
        setup(black="D4", white="D4")
    with pytest.raises(ValueError, match="without liberties at A1"):
        setup(black="A1", white="A2 B1")


def test_ply_of_placement_is_recorded():
    position = Position()
    play(position, "B D4", "W Q16")
    position.play("b", None)
    play(position, "W Q4")
    placed = position.state.placed_at
    assert [placed[to_index(from_gtp(v))] for v in ("D4", "Q16", "Q4")] == [0, 1, 3]


def test_copy_is_independent():
    position = ko_position()
    play(position, "B E4")
    other = position.copy()
    play(other, "W Q16", "B D4")
    assert position.colour_at(from_gtp("D4")) is None
    assert position.ko == from_gtp("D4")
    assert len(position.history) == 1
    assert other.colour_at(from_gtp("D4")) == "b"
    assert position.liberties(from_gtp("E4")) == 1
    assert other.liberties(from_gtp("E4")) == 5


def test_colours_need_not_alternate():
    position = Position()
    play(position, "B D4", "B D5")
    assert position.to_move == "w"
    assert position.liberties(from_gtp("D4")) == 6


def random_game(seed, moves=250):
    """A position after random legal moves (with captures and kos along the way)."""
    rng = np.random.default_rng(seed)
    position = Position()
    for _ in range(moves):
        legal = np.flatnonzero(position.legal_points(position.to_move))
        if legal.size == 0:
            position.play(position.to_move, None)
            continue
        index = int(rng.choice(legal))
        position.play(position.to_move, divmod(index, 19))
    return position


def flood_fill_liberties(stones, row, col):
    """Reference liberties of the string at (row, col), by flood fill."""
    colour = stones[row, col]
    seen, liberties, todo = {(row, col)}, set(), [(row, col)]
    while todo:
        r, c = todo.pop()
        for nr, nc in ((r + 1, c), (r - 1, c), (r, c + 1), (r, c - 1)):
            if not (0 <= nr < 19 and 0 <= nc < 19) or (nr, nc) in seen:
                continue
            if stones[nr, nc] == 0:
                liberties.add((nr, nc))
            elif stones[nr, nc] == colour:
                seen.add((nr, nc))
                todo.append((nr, nc))
    return seen, liberties


@pytest.mark.parametrize("seed", range(3))
def test_incremental_strings_match_flood_fill(seed):
    position = random_game(seed)
    stones = position.stones()
    assert position.captures["b"] + position.captures["w"] > 0
    for row, col in zip(*np.nonzero(stones), strict=True):
        members, liberties = flood_fill_liberties(stones, row, col)
        assert sorted(members) == position.string((row, col))
        assert position.liberties((row, col)) == len(liberties)
        index = to_index((row, col))
        assert sorted(board.liberty_points(position.state, index)) == sorted(
            to_index(p) for p in liberties
        )


@pytest.mark.parametrize("seed", range(3))
def test_legal_points_agrees_with_is_legal_everywhere(seed):
    position = random_game(seed, moves=200 + seed)
    for colour in "bw":
        mask = position.legal_points(colour)
        assert mask.shape == (19, 19) and mask.dtype == np.bool_
        expected = [[position.is_legal(colour, (r, c)) for c in range(19)] for r in range(19)]
        assert (mask == np.array(expected)).all()
        assert not mask[position.stones() != 0].any()


@pytest.mark.parametrize("seed", range(2))
def test_move_queries_agree_with_playing_on_a_copy(seed):
    position = random_game(seed, moves=180)
    colour = board.COLOUR_CODES[position.to_move]
    for index in np.flatnonzero(position.legal_points(position.to_move).ravel()):
        state = board.copy_state(position.state)
        captured = board.play_stone(state, index, colour)
        assert board.would_capture(position.state, index, colour) == captured
        after = state.liberty_count[state.head[index]]
        assert board.liberties_after(position.state, index, colour) == after


def own_eye(position, vertex, colour):
    return board.fills_own_eye(
        position.state, to_index(from_gtp(vertex)), board.COLOUR_CODES[colour]
    )


@pytest.mark.parametrize(
    ("white", "fills"),
    [("", True), ("C3", True), ("C3 E5", False), ("C3 E3", False)],
    ids=["no-diagonal", "one-opponent-diagonal", "two-diagonals", "two-below"],
)
def test_own_eye_in_the_centre_tolerates_one_opponent_diagonal(white, fills):
    position = setup(black="D3 C4 E4 D5", white=white)
    assert own_eye(position, "D4", "b") is fills
    assert not own_eye(position, "D4", "w")  # an opponent's eye is not one's own


@pytest.mark.parametrize(
    ("black", "white", "vertex", "fills"),
    [
        ("C1 E1 D2", "", "D1", True),
        ("C1 E1 D2", "C2", "D1", False),  # the edge tolerates no opponent diagonal
        ("A2 B1", "", "A1", True),
        ("A2 B1", "B2", "A1", False),
        ("A2 B1 C2", "", "A1", True),  # a friendly diagonal does not matter
        ("C1 D2", "", "D1", False),  # a neighbour empty
        ("C1 E1 D2", "", "D2", False),  # occupied
    ],
)
def test_own_eye_on_the_edge_and_in_the_corner(black, white, vertex, fills):
    assert own_eye(setup(black=black, white=white), vertex, "b") is fills


@pytest.mark.parametrize("seed", range(3))
def test_sensible_points_are_the_legal_ones_less_own_eyes(seed):
    position = random_game(seed, moves=300)
    for colour in "bw":
        mask = position.sensible_points(colour)
        assert mask.shape == (19, 19) and mask.dtype == np.bool_
        eyes = np.array(
            [[own_eye(position, to_gtp((r, c)), colour) for c in range(19)] for r in range(19)]
        )
        assert eyes.any()  # 300 random moves leave eyes of both colours
        assert (mask == (position.legal_points(colour) & ~eyes)).all()


@njit
def try_on_copy(state, point, colour):
    """What numba code such as the features does: play on a copy, read the result."""
    trial = board.copy_state(state)
    captured = board.play_stone(trial, point, colour)
    return captured, trial.liberty_count[trial.head[point]]


def test_kernels_are_callable_from_numba_code():
    position = ko_position()
    e4 = to_index(from_gtp("E4"))
    assert try_on_copy(position.state, e4, board.BLACK) == (1, 1)
    assert position.colour_at(from_gtp("E4")) is None
    assert try_on_copy(position.state, to_index(from_gtp("C4")), board.WHITE)[0] == -1


def test_text_diagram():
    text = str(setup(black="D4", white="Q16"))
    lines = text.splitlines()
    assert lines[-1].split() == list("ABCDEFGHJKLMNOPQRST")
    assert lines[18 - 3].split()[1 + 3] == "X"
    assert lines[18 - 15].split()[1 + 15] == "O"
