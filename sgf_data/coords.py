"""Every conversion between the ways a point on the 19x19 board is written.

A point is sgfmill's ``(row, col)``: row 0 is the bottom line (GTP rank 1), col 0 is column A.
``None`` is a pass. The network numbers points ``row * 19 + col`` (``PASS_INDEX`` = 361 is the
pass, which the 361 policy outputs never include). GTP vertices (``D4``, no letter I) and SGF
points (``pd``) are delegated to sgfmill, which already gets them right.

>>> to_gtp(from_sgf("pd")), to_index(from_gtp("Q16")), from_index(72)
('Q16', 300, (3, 15))
"""

from __future__ import annotations

from numbers import Integral

from sgfmill import common, sgf_properties

BOARD_SIZE = 19
NUM_POINTS = BOARD_SIZE * BOARD_SIZE
PASS_INDEX = NUM_POINTS

Point = tuple[int, int]
Move = tuple[str, Point | None]  # a colour ("b"/"w") and a point, None for a pass


def _check_point(point: object) -> Point:
    """Return ``point`` as a pair of ints if it is a ``(row, col)`` on the board, else raise."""
    if isinstance(point, tuple) and len(point) == 2:
        row, col = point
        if (
            type(row) is int
            and type(col) is int
            and 0 <= row < BOARD_SIZE
            and 0 <= col < BOARD_SIZE
        ):
            return point  # the common case, kept fast
        if all(isinstance(v, Integral) and 0 <= v < BOARD_SIZE for v in point):
            return int(row), int(col)
    raise ValueError(f"not a point on the {BOARD_SIZE}x{BOARD_SIZE} board: {point!r}")


def to_index(point: Point | None) -> int:
    """Flat index ``row * 19 + col`` of a point, or ``PASS_INDEX`` for a pass.

    >>> to_index((0, 0)), to_index((18, 18)), to_index(None)
    (0, 360, 361)
    """
    if point is None:
        return PASS_INDEX
    row, col = _check_point(point)
    return row * BOARD_SIZE + col


def from_index(index: int) -> Point | None:
    """The point at a flat index (``PASS_INDEX`` gives None); the inverse of `to_index`.

    >>> from_index(20), from_index(361)
    ((1, 1), None)
    """
    if index == PASS_INDEX:
        return None
    if not isinstance(index, Integral) or not 0 <= index < NUM_POINTS:
        raise ValueError(f"not a point index (0..{PASS_INDEX}): {index!r}")
    return divmod(int(index), BOARD_SIZE)


def to_gtp(point: Point | None) -> str:
    """GTP vertex of a point (``'pass'`` for None); the letter I is skipped.

    >>> to_gtp((3, 3)), to_gtp((0, 8)), to_gtp(None)
    ('D4', 'J1', 'pass')
    """
    return common.format_vertex(None if point is None else _check_point(point))


def from_gtp(vertex: str) -> Point | None:
    """Point of a GTP vertex, case-insensitive; ``'pass'`` gives None.

    >>> from_gtp("D4"), from_gtp("t19"), from_gtp("PASS")
    ((3, 3), (18, 18), None)
    >>> from_gtp("I5")
    Traceback (most recent call last):
    ...
    ValueError: invalid GTP vertex 'I5': invalid vertex: 'i5'
    """
    try:
        return common.move_from_vertex(vertex, BOARD_SIZE)
    except ValueError as error:
        raise ValueError(f"invalid GTP vertex {vertex!r}: {error}") from None


def to_sgf(point: Point | None) -> str:
    """SGF point of a point (letters column then row from the top); ``''`` for a pass.

    >>> to_sgf((15, 3)), to_sgf((0, 0)), to_sgf(None)
    ('dd', 'as', '')
    """
    if point is None:
        return ""
    return sgf_properties.serialise_go_point(_check_point(point), BOARD_SIZE).decode("ascii")


def from_sgf(value: str) -> Point | None:
    """Point of an SGF point; ``''`` and ``'tt'`` (the old 19x19 pass) give None.

    >>> from_sgf("pd"), from_sgf("tt"), from_sgf("")
    ((15, 15), None, None)
    >>> from_sgf("zz")
    Traceback (most recent call last):
    ...
    ValueError: invalid SGF point 'zz'
    """
    try:
        return sgf_properties.interpret_go_point(value.encode("ascii"), BOARD_SIZE)
    except (ValueError, TypeError, AttributeError, UnicodeEncodeError):
        raise ValueError(f"invalid SGF point {value!r}") from None


def opponent(colour: str) -> str:
    """The other colour, in sgfmill's ``'b'`` / ``'w'``.

    >>> opponent("b"), opponent("w")
    ('w', 'b')
    """
    if colour == "b":
        return "w"
    if colour == "w":
        return "b"
    raise ValueError(f"not a colour ('b' or 'w'): {colour!r}")
