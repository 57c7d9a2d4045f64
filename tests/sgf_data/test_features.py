"""The 48 planes on hand-made positions whose answers can be read off the diagram."""

import textwrap

import numpy as np
import pytest

from sgf_data.board import Position
from sgf_data.features import NUM_PLANES, PLANE_GROUPS, planes
from sgf_data.ladders import ladder_captures, ladder_escapes

# The first value of each one-hot group (capture size starts at 0, the others at 1).
FIRST_VALUE = {"capture_size": 0}


def diagram(text, to_move="b", moves=()):
    """A position from a diagram of the lower-left corner: the last line is row 0 (the first
    line of the board), ``X`` black, ``O`` white; then ``moves`` are played."""
    lines = textwrap.dedent(text).strip().splitlines()
    black, white = [], []
    for i, line in enumerate(lines):
        row = len(lines) - 1 - i
        for col, symbol in enumerate(line.split()):
            if symbol == "X":
                black.append((row, col))
            elif symbol == "O":
                white.append((row, col))
    position = Position.from_setup(black=black, white=white, to_move=to_move)
    for colour, point in moves:
        position.play(colour, point)
    return position


def value(x, group, point):
    """The value a one-hot group holds at ``point`` (None where no plane is set)."""
    column = x[PLANE_GROUPS[group], point[0], point[1]]
    assert column.sum() <= 1, f"{group} is not one-hot at {point}"
    if not column.any():
        return None
    return int(np.argmax(column)) + FIRST_VALUE.get(group, 1)


def flag(x, group, point):
    return bool(x[PLANE_GROUPS[group].start, point[0], point[1]])


def move_features(x, point):
    """Every move feature at ``point``: all None/False where the move is illegal."""
    return (
        value(x, "capture_size", point),
        value(x, "self_atari_size", point),
        value(x, "liberties_after", point),
        flag(x, "ladder_capture", point),
        flag(x, "ladder_escape", point),
        flag(x, "sensibleness", point),
    )


ILLEGAL = (None, None, None, False, False, False)


def test_plane_groups_cover_the_48_planes_in_order():
    covered = [i for group in PLANE_GROUPS.values() for i in range(group.start, group.stop)]
    assert covered == list(range(NUM_PLANES))


def test_empty_board():
    x = planes(Position())
    assert x.shape == (48, 19, 19) and x.dtype == np.uint8
    assert (x[0] == 0).all() and (x[1] == 0).all() and (x[2] == 1).all()
    assert (x[3] == 1).all() and (x[47] == 0).all()
    assert (x[4:20] == 0).all()  # no stones: no turns since, no liberties
    assert (x[20] == 1).all() and (x[21:36] == 0).all()  # every move legal, nothing captured
    assert value(x, "liberties_after", (0, 0)) == 2
    assert value(x, "liberties_after", (0, 9)) == 3
    assert value(x, "liberties_after", (9, 9)) == 4
    assert (x[44] == 0).all() and (x[45] == 0).all() and (x[46] == 1).all()


def test_every_point_is_one_hot_in_colour_and_constant_planes_hold():
    position = diagram(
        """
        . O X .
        X O . O
        """,
        moves=[("b", (5, 5)), ("w", None)],
    )
    x = planes(position)
    assert (x[0:3].sum(axis=0) == 1).all()
    assert (x[3] == 1).all() and (x[47] == 0).all()


def test_colour_planes_follow_the_player_to_move():
    position = Position()
    position.play("b", (3, 3))
    x = planes(position)  # white to move: the black stone is the opponent's
    assert x[1, 3, 3] == 1 and x[0, 3, 3] == 0 and x[2, 3, 3] == 0
    position.play("w", (15, 15))
    x = planes(position)  # black to move
    assert x[0, 3, 3] == 1 and x[1, 15, 15] == 1
    assert x[2].sum() == 361 - 2


def test_turns_since_counts_passes_and_caps_at_8():
    position = diagram("X . . . . . . . . . . . . . . . . . O", to_move="b")  # setup stones
    moves = [(("b", "w")[i % 2], (2, i)) for i in range(9)]
    moves.insert(7, ("w", None))  # a pass counts as a move
    for colour, point in moves:
        position.play(colour, point)
    x = planes(position)
    assert value(x, "turns_since", (2, 8)) == 1
    assert value(x, "turns_since", (2, 7)) == 2
    assert value(x, "turns_since", (2, 6)) == 4  # the pass was played between
    assert value(x, "turns_since", (2, 1)) == 8
    assert value(x, "turns_since", (2, 0)) == 8  # 10 moves ago: 8 or more
    assert value(x, "turns_since", (0, 0)) == 8  # setup stones: long ago
    assert value(x, "turns_since", (0, 18)) == 8
    assert value(x, "turns_since", (5, 5)) is None  # empty


def test_turns_since_of_a_stone_replayed_on_a_captured_point():
    position = diagram(
        """
        X . .
        O . .
        """,
        to_move="b",
        moves=[("b", (5, 5)), ("w", (9, 9)), ("b", (0, 1))],  # (0, 1) captures (0, 0)
    )
    position.play("w", (12, 12))
    position.play("b", (0, 0))
    x = planes(position)
    assert value(x, "turns_since", (0, 0)) == 1
    assert value(x, "turns_since", (0, 1)) == 3


def test_liberties_of_strings():
    position = diagram(
        """
        . . . . .
        . X X . .
        . O . . .
        X . . . .
        """,
        to_move="w",
    )
    x = planes(position)
    assert value(x, "liberties", (0, 0)) == 2
    assert value(x, "liberties", (1, 1)) == 3
    assert value(x, "liberties", (2, 1)) == 5
    assert value(x, "liberties", (2, 2)) == 5
    long_string = Position.from_setup(black=[(9, col) for col in range(5)])
    assert value(planes(long_string), "liberties", (9, 2)) == 8  # 11 liberties: 8 or more


def test_capture_sizes_one_two_strings_and_seven_or_more():
    position = diagram(
        """
        . X . .
        X O . .
        . X O X
        """
    )
    x = planes(position)
    assert value(x, "capture_size", (1, 2)) == 2  # both white stones at once
    assert value(x, "liberties_after", (1, 2)) == 4  # (2, 2), (1, 3) and the captured points
    assert value(x, "capture_size", (5, 5)) == 0
    wall = diagram(
        """
        X X X X X X X X . .
        O O O O O O O O . .
        """
    )
    x = planes(wall)
    assert value(x, "capture_size", (0, 8)) == 7  # 8 stones: plane "7 or more"
    assert value(x, "liberties_after", (0, 8)) == 3  # (1, 8), (0, 9) and (0, 7)


def test_illegal_points_have_no_move_features():
    position = diagram(
        """
        . X .
        X . X
        . X .
        """,
        to_move="w",
    )
    x = planes(position)
    assert move_features(x, (1, 1)) == ILLEGAL  # suicide for white
    assert move_features(x, (0, 1)) == ILLEGAL  # occupied
    assert move_features(x, (0, 0)) == ILLEGAL  # suicide in the corner
    assert value(x, "capture_size", (5, 5)) == 0


def test_self_atari_of_three_stones():
    position = diagram(
        """
        O O O O O
        . X X . O
        O O O O O
        """
    )
    x = planes(position)
    for point in [(1, 0), (1, 3)]:
        assert value(x, "self_atari_size", point) == 3
        assert value(x, "liberties_after", point) == 1
        assert value(x, "capture_size", point) == 0
    assert value(x, "self_atari_size", (3, 5)) is None  # plenty of liberties


def test_snapback():
    position = diagram(
        """
        X X . .
        . O X .
        . O X .
        """
    )
    x = planes(position)
    # the throw-in at the corner: a one-stone self-atari that captures nothing ...
    throw_in = (0, 0)
    assert value(x, "self_atari_size", throw_in) == 1
    assert value(x, "capture_size", throw_in) == 0
    # ... and a ladder capture: white's only answer takes it and is left in atari
    assert flag(x, "ladder_capture", throw_in)
    position.play("b", throw_in)
    position.play("w", (1, 0))  # white takes the stone
    x = planes(position)
    assert value(x, "capture_size", throw_in) == 3  # black takes back three: no ko
    assert value(x, "liberties_after", throw_in) == 2


def test_liberties_after_a_capture_count_the_captured_points():
    position = diagram(
        """
        . X . . .
        X O X . .
        O . O X .
        """
    )
    x = planes(position)
    # black (0, 1) has no liberty of its own but takes three stones, whose points it gets
    assert value(x, "capture_size", (0, 1)) == 3
    assert value(x, "liberties_after", (0, 1)) == 3
    assert value(x, "self_atari_size", (0, 1)) is None


def test_ko_forbids_the_immediate_retake_only():
    position = diagram(
        """
        . X O . .
        X O . O .
        """
    )
    x = planes(position)
    assert value(x, "capture_size", (0, 2)) == 1
    assert value(x, "self_atari_size", (0, 2)) == 1  # a ko capture leaves one liberty
    position.play("b", (0, 2))  # takes the ko
    x = planes(position)
    assert move_features(x, (0, 1)) == ILLEGAL  # white may not retake at once
    position.play("w", (10, 10))
    position.play("b", (12, 12))
    x = planes(position)
    assert value(x, "capture_size", (0, 1)) == 1  # now white may


def test_sensibleness_and_eyes_in_the_centre():
    position = diagram(
        """
        . . . . .
        . . X . .
        . X . X .
        . . X O .
        """
    )
    x = planes(position)
    eye = (1, 2)
    assert not flag(x, "sensibleness", eye)  # one opponent diagonal: still an eye
    assert value(x, "capture_size", eye) == 0  # legal all the same
    assert flag(x, "sensibleness", (3, 3))
    position = diagram(
        """
        . . . . .
        . O X . .
        . X . X .
        . . X O .
        """
    )
    assert flag(planes(position), "sensibleness", eye)  # two opponent diagonals: not an eye


def test_sensibleness_false_eye_on_the_edge_and_in_the_corner():
    true_eye = diagram(
        """
        . . . . .
        . . X . .
        . X . X .
        """
    )
    assert not flag(planes(true_eye), "sensibleness", (0, 2))
    false_eye = diagram(
        """
        . . . . .
        . O X . .
        . X . X .
        """
    )
    assert flag(planes(false_eye), "sensibleness", (0, 2))
    corner = diagram(
        """
        X . .
        . X .
        """
    )
    assert not flag(planes(corner), "sensibleness", (0, 0))
    false_corner = diagram(
        """
        X O .
        . X .
        """
    )
    assert flag(planes(false_corner), "sensibleness", (0, 0))


def test_an_eye_of_the_opponent_is_illegal_not_sensible():
    position = diagram(
        """
        . X .
        X . X
        """,
        to_move="w",
    )
    assert move_features(planes(position), (0, 1)) == ILLEGAL


# A white stone on (9, 9) with black stones above, to the right and lower right: the atari
# from the left, (9, 8), chases it down and left to the edge; the atari from below lets it out.
LADDER = {"black": [(10, 9), (9, 10), (8, 10)], "white": [(9, 9)]}


def test_a_ladder_that_works():
    position = Position.from_setup(**LADDER)
    x = planes(position)
    assert flag(x, "ladder_capture", (9, 8))
    assert not flag(x, "ladder_capture", (8, 9))
    assert x[44].sum() == 1
    assert ladder_captures(position, (9, 9)) == [(9, 8)]


def test_a_ladder_broken_by_a_ladder_breaker():
    position = Position.from_setup(black=LADDER["black"], white=[*LADDER["white"], (3, 3)])
    assert planes(position)[44].sum() == 0
    assert ladder_captures(position, (9, 9)) == []


def test_a_ladder_breaker_of_the_attacker_colour_does_not_break_it():
    position = Position.from_setup(black=[*LADDER["black"], (3, 3)], white=LADDER["white"])
    assert flag(planes(position), "ladder_capture", (9, 8))


def test_ladder_escape():
    in_atari = {"black": [*LADDER["black"], (9, 8)], "white": LADDER["white"], "to_move": "w"}
    position = Position.from_setup(**in_atari)
    x = planes(position)
    assert x[45].sum() == 0  # running only makes the ladder longer
    assert ladder_escapes(position, (9, 9)) == []
    in_atari["white"] = [*in_atari["white"], (3, 3)]
    position = Position.from_setup(**in_atari)
    x = planes(position)
    assert flag(x, "ladder_escape", (8, 9))  # the breaker makes running work
    assert x[45].sum() == 1
    assert ladder_escapes(position, (9, 9)) == [(8, 9)]


def test_ladder_escape_by_capturing_an_attacker_in_atari():
    position = diagram(
        """
        . X . . .
        X . . . .
        X O X O .
        . X O . .
        """,
        to_move="w",
    )
    # white (1, 1) is in atari; running to (2, 1) leaves one liberty, but taking the black
    # stone (1, 2), itself in atari, at (2, 2) gives two liberties and black has no ladder
    x = planes(position)
    assert flag(x, "ladder_escape", (2, 2))
    assert not flag(x, "ladder_escape", (2, 1))
    assert (2, 2) in ladder_escapes(position, (1, 1))


def test_ladder_planes_are_only_on_legal_moves():
    position = Position.from_setup(**LADDER)
    x = planes(position)
    legal = x[20:28].any(axis=0)
    assert not (x[44:47].astype(bool) & ~legal).any()


@pytest.mark.parametrize("colour", ["b", "w"])
def test_the_view_flips_with_the_player_to_move(colour):
    position = Position.from_setup(**LADDER, to_move=colour)
    x = planes(position)
    player = "black" if colour == "b" else "white"
    for point in LADDER[player]:
        assert x[0, point[0], point[1]] == 1
    if colour == "w":
        assert x[44].sum() == 0  # black's 4 stones are not attackable; no ladder for white


def test_a_ladder_across_the_whole_board_is_read_to_the_end():
    position = Position.from_setup(black=[(18, 17), (17, 18), (16, 18)], white=[(17, 17)])
    assert ladder_captures(position, (17, 17)) == [(17, 16)]
    position = Position.from_setup(black=[(18, 17), (17, 18), (16, 18)], white=[(17, 17), (1, 1)])
    assert ladder_captures(position, (17, 17)) == []  # broken at the far end


def test_ladder_functions_need_a_stone():
    with pytest.raises(ValueError, match="no stone at D4"):
        ladder_captures(Position(), (3, 3))
    with pytest.raises(ValueError, match="no stone at D4"):
        ladder_escapes(Position(), (3, 3))


def test_planes_leave_the_position_unchanged():
    position = Position.from_setup(black=[*LADDER["black"], (9, 8)], white=LADDER["white"])
    position.play("w", (8, 9))  # runs: black reads the ladder on copies
    before = [array.copy() for array in position.state]
    planes(position)
    assert all(np.array_equal(a, b) for a, b in zip(before, position.state, strict=True))
