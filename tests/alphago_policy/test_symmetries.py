"""The 8 board symmetries: distinct, invertible, and equal to replaying the turned game."""

import numpy as np
import pytest

from alphago_policy.symmetries import GATHER, MOVE, inverse, symmetry
from sgf_data.board import Position
from sgf_data.coords import from_index, to_index
from sgf_data.features import planes
from sgf_data.reader import read_games


def test_the_eight_symmetries_are_distinct_and_labels_follow_the_points():
    assert len({tuple(g) for g in GATHER}) == 8
    assert (GATHER[0] == np.arange(361)).all() and (MOVE[:, 361] == 361).all()
    for k in range(8):
        assert (MOVE[k, GATHER[k]] == np.arange(361)).all()
        board = np.zeros((19, 19), np.uint8)
        board[2, 5] = 1
        turned, label = symmetry(board, to_index((2, 5)), k)
        assert turned.ravel()[label] == 1 and turned.sum() == 1
        back, label_back = symmetry(turned, label, inverse(k))
        assert (back == board).all() and label_back == to_index((2, 5))


def transformed(point, k):
    return None if point is None else from_index(int(MOVE[k, to_index(point)]))


@pytest.mark.parametrize("k", range(1, 8))
def test_symmetry_of_planes_equals_the_planes_of_the_transformed_game(fixtures_dir, k):
    """Replay a real game turned by symmetry k: its planes and moves are the turned ones."""
    game = next(read_games(fixtures_dir / "games" / "tygem-407332240.sgf"))
    turned = Position.from_setup(
        black=[transformed(p, k) for p in game.setup_black],
        white=[transformed(p, k) for p in game.setup_white],
        to_move=game.moves[0][0],
    )
    for ply, (position, (colour, point)) in enumerate(game.replay()):
        turned.to_move = colour
        if ply % 3 == 0 and point is not None:
            expected_planes, expected_label = symmetry(planes(position), to_index(point), k)
            np.testing.assert_array_equal(planes(turned), expected_planes, err_msg=f"ply {ply}")
            assert to_index(transformed(point, k)) == expected_label
        turned.play(colour, transformed(point, k))
