"""What the board shows, without pygame: geometry, and which font draws which characters."""

from __future__ import annotations

import pytest

from alphago_policy.board_view import PANEL_HEIGHT, BoardGeometry, font_runs


@pytest.mark.parametrize("size", [(800, 896), (500, 400), (1280, 700)])
def test_geometry_maps_every_point_to_its_pixel_and_back(size):
    board = BoardGeometry.fit(*size)
    for row in range(19):
        for col in range(19):
            x, y = board.pixel((row, col))
            assert board.point_at(x, y) == (row, col)
            assert board.point_at(x + 0.4 * board.spacing, y - 0.4 * board.spacing) == (row, col)
            assert 0 <= x < size[0] and 0 <= y < size[1] - PANEL_HEIGHT


def test_a_font_without_latin_letters_draws_only_what_it_has():
    """Debian's fonts-droid-fallback has Chinese characters but no Latin letters or digits:
    Latin text goes to the default font, the Chinese to it, Korean it lacks to neither."""
    default = str.isascii
    droid = set("荒村萧寺楚阳春 ").__contains__
    line = "Loaded tom-377265.sgf: 荒村萧寺 vs 楚阳春 (바둑), B+4.5"
    runs = font_runs(line, [default, droid])
    assert "".join(run for run, _ in runs) == line
    assert [run for run, font in runs if font == 1] == ["荒村萧寺", "楚阳春"]
    assert [run for run, font in runs if font is None] == ["바둑"]
    assert all(run.isascii() for run, font in runs if font == 0)
