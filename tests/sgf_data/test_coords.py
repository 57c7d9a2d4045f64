"""Round trips of every coordinate conversion over all 361 points and the pass."""

import re

import numpy as np
import pytest
from sgfmill import common

from sgf_data import coords

ALL_POINTS = [(row, col) for row in range(19) for col in range(19)]


def test_index_round_trip_covers_every_point_once():
    indices = [coords.to_index(point) for point in ALL_POINTS]
    assert indices == list(range(coords.NUM_POINTS))
    assert [coords.from_index(i) for i in indices] == ALL_POINTS
    assert coords.to_index(None) == coords.PASS_INDEX == 361
    assert coords.from_index(coords.PASS_INDEX) is None


def test_index_is_row_major_bottom_row_first():
    assert coords.to_index((0, 18)) == 18
    assert coords.to_index((1, 0)) == 19
    assert coords.from_gtp("A1") == (0, 0)


@pytest.mark.parametrize("point", [*ALL_POINTS, None])
def test_gtp_and_sgf_round_trip(point):
    assert coords.from_gtp(coords.to_gtp(point)) == point
    assert coords.from_sgf(coords.to_sgf(point)) == point


def test_gtp_letters_skip_i_and_agree_with_sgfmill():
    letters = {coords.to_gtp((0, col))[0] for col in range(19)}
    assert "I" not in letters and len(letters) == 19
    assert coords.to_gtp((18, 18)) == "T19" == common.format_vertex((18, 18))


def test_sgf_letters_count_rows_from_the_top():
    assert coords.to_sgf((18, 0)) == "aa"
    assert coords.to_sgf((0, 18)) == "ss"
    assert coords.from_sgf("tt") is None


def test_numpy_integers_are_accepted():
    row, col = np.int64(3), np.int16(4)
    assert coords.to_index((row, col)) == 61
    assert coords.from_index(np.int32(61)) == (3, 4)


@pytest.mark.parametrize(
    ("function", "value"),
    [
        (coords.to_index, (19, 0)),
        (coords.to_index, (0, -1)),
        (coords.to_index, "D4"),
        (coords.from_index, 362),
        (coords.from_index, -1),
        (coords.to_gtp, (0, 19)),
        (coords.from_gtp, "I4"),
        (coords.from_gtp, "Z1"),
        (coords.from_gtp, "D20"),
        (coords.from_gtp, ""),
        (coords.to_sgf, (0, 19)),
        (coords.from_sgf, "zz"),
        (coords.from_sgf, "a"),
        (coords.opponent, "x"),
    ],
)
def test_invalid_input_raises_value_error_naming_it(function, value):
    with pytest.raises(ValueError, match=re.escape(repr(value))):
        function(value)
