"""The per-point code of the 48 planes: exact both ways, on every code and on real positions."""

import numpy as np
import pytest

from alphago_policy import encoding
from sgf_data.features import PLANE_GROUPS, planes
from sgf_data.reader import read_games


def test_every_code_decodes_to_distinct_planes_and_encodes_back():
    assert encoding.NUM_CODES == 5994 < 2**16
    assert len(np.unique(encoding.TABLE, axis=0)) == encoding.NUM_CODES
    codes = np.arange(encoding.NUM_CODES, dtype=np.uint16)
    points = codes[: 361 * (len(codes) // 361)].reshape(-1, 361)
    assert (encoding.encode(encoding.decode(points)) == points).all()


def test_table_rows_are_valid_planes():
    table = encoding.TABLE
    assert (table[:, encoding.ONES] == 1).all()
    assert (table[:, PLANE_GROUPS["zeros"].start] == 0).all()
    assert (table[:, 0:3].sum(axis=1) == 1).all()
    for group in (*encoding.STONE_FIELDS, *encoding.EMPTY_FIELDS):
        assert (table[:, group.start : group.start + group.size].sum(axis=1) <= 1).all()
    stone_features = table[:, 4:20].any(axis=1)
    move_features = table[:, 20:47].any(axis=1)
    assert not (stone_features & move_features).any()


@pytest.mark.parametrize(
    ("plane", "why"),
    [(20, "a move feature on an occupied point"), (13, "two liberty planes set")],
)
def test_unencodable_planes_are_refused_with_the_point(plane, why):
    position = encoding.decode(np.full(361, 5, np.uint16))  # player stones, 1 liberty
    position[plane, 4, 7] = 1
    with pytest.raises(ValueError, match=r"row 4, col 7"):
        encoding.encode(position)


def test_encode_decode_is_exact_on_every_fixture_position(fixtures_dir):
    positions = 0
    for game in read_games(fixtures_dir / "games"):
        game_planes = np.stack([planes(position) for position, _ in game.replay()])
        codes = encoding.encode(game_planes)
        assert codes.dtype == np.uint16 and codes.shape == (len(game.moves), 361)
        np.testing.assert_array_equal(encoding.decode(codes), game_planes)
        positions += len(codes)
    assert positions > 5000
