"""A compact, exactly invertible code for the 48 feature planes: one uint16 per point.

The 48 planes are one-hot groups, and a point carries either stone features (occupied) or
move features (empty), never both. So each point is one of 5,994 states:

- a stone (player's or opponent's) x turns since (none, 1..8+) x liberties (none, 1..8+):
  2 x 9 x 9 = 162 codes;
- an empty point x capture size (none, 0..7+) x self-atari size (none, 1..8+) x liberties
  after the move (none, 1..8+) x ladder capture x ladder escape x sensible:
  9 x 9 x 9 x 2 x 2 x 2 = 5,832 codes (an illegal point is the code with every field none).

A position is then 361 codes, 722 bytes instead of 48 x 361 = 17,328 plane bytes, and the
planes come back with one table look-up, `table[codes]`, which runs as well on a GPU.
`encode` checks that decoding gives back the planes bit for bit and refuses anything else.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sgf_data.coords import BOARD_SIZE, NUM_POINTS
from sgf_data.features import NUM_PLANES, PLANE_GROUPS

ENCODING_VERSION = 1


@dataclass(frozen=True)
class Group:
    """A one-hot group of planes [start, start + size); value 0 = none set, v = plane start+v-1."""

    start: int
    size: int

    @classmethod
    def named(cls, name: str) -> Group:
        """The group of a feature of `sgf_data.features.PLANE_GROUPS`."""
        planes = PLANE_GROUPS[name]
        return cls(planes.start, planes.stop - planes.start)

    @property
    def values(self) -> int:
        """How many values the group takes, "none" included."""
        return self.size + 1


COLOUR = Group.named("stone_colour")  # player / opponent / empty: exactly one is set
ONES = PLANE_GROUPS["ones"].start
TURNS_SINCE = Group.named("turns_since")
LIBERTIES = Group.named("liberties")
CAPTURE_SIZE = Group.named("capture_size")
SELF_ATARI = Group.named("self_atari_size")
LIBERTIES_AFTER = Group.named("liberties_after")
LADDER_CAPTURE = Group.named("ladder_capture")
LADDER_ESCAPE = Group.named("ladder_escape")
SENSIBLE = Group.named("sensibleness")

STONE_FIELDS = (TURNS_SINCE, LIBERTIES)
EMPTY_FIELDS = (CAPTURE_SIZE, SELF_ATARI, LIBERTIES_AFTER, LADDER_CAPTURE, LADDER_ESCAPE, SENSIBLE)
STONE_CODES = TURNS_SINCE.values * LIBERTIES.values  # per stone colour
EMPTY_CODES = int(np.prod([field.values for field in EMPTY_FIELDS]))
NUM_CODES = 2 * STONE_CODES + EMPTY_CODES


def place_values(radices: list[int]) -> list[int]:
    """The weight of each digit of a mixed-radix number, most significant first.

    >>> place_values([2, 9, 9])
    [81, 9, 1]
    """
    weights = [1]
    for radix in reversed(radices[1:]):
        weights.append(weights[-1] * radix)
    return weights[::-1]


def code_weights() -> np.ndarray:
    """Per-plane weights w such that w . planes[:, point] is the code of the point.

    A one-hot group contributes (1 + index of its set plane) x its place value; stone fields
    and move fields are never set together, so one weight vector serves both kinds of point.

    >>> w = code_weights(); int(w[1]), int(w[4]), int(w[13]), int(w[2])
    (81, 9, 2, 162)
    """
    weights = np.zeros(NUM_PLANES, np.int64)
    for fields in (STONE_FIELDS, EMPTY_FIELDS):
        for field, place in zip(fields, place_values([f.values for f in fields]), strict=True):
            weights[field.start : field.start + field.size] = place * np.arange(1, field.size + 1)
    weights[COLOUR.start + 1] = STONE_CODES
    weights[COLOUR.start + 2] = 2 * STONE_CODES
    return weights


def _field_planes(row: np.ndarray, fields: tuple[Group, ...], digits: list[int]) -> None:
    for field, digit in zip(fields, digits, strict=True):
        if digit:
            row[field.start + digit - 1] = 1


def _digits(number: int, radices: list[int]) -> list[int]:
    digits = []
    for radix in reversed(radices):
        number, digit = divmod(number, radix)
        digits.append(digit)
    return digits[::-1]


def build_table() -> np.ndarray:
    """The decoding table: uint8 (NUM_CODES, 48), row `code` = the 48 plane values of a point."""
    table = np.zeros((NUM_CODES, NUM_PLANES), np.uint8)
    table[:, ONES] = 1
    stone_radices = [field.values for field in STONE_FIELDS]
    empty_radices = [field.values for field in EMPTY_FIELDS]
    for code in range(NUM_CODES):
        row = table[code]
        if code < 2 * STONE_CODES:
            colour, rest = divmod(code, STONE_CODES)
            row[COLOUR.start + colour] = 1
            _field_planes(row, STONE_FIELDS, _digits(rest, stone_radices))
        else:
            row[COLOUR.start + 2] = 1
            _field_planes(row, EMPTY_FIELDS, _digits(code - 2 * STONE_CODES, empty_radices))
    return table


TABLE = build_table()
TABLE.setflags(write=False)
WEIGHTS = code_weights()


def encode(planes: np.ndarray) -> np.ndarray:
    """Planes uint8 (..., 48, 19, 19) -> codes uint16 (..., 361), checked to decode exactly.

    Raises ValueError naming the first point whose planes no code represents (for example a
    move feature on an occupied point, or two planes of one group set).
    """
    planes = np.asarray(planes)
    flat = planes.reshape(*planes.shape[:-3], NUM_PLANES, NUM_POINTS)
    codes = np.clip(np.einsum("p,...pi->...i", WEIGHTS, flat), 0, NUM_CODES - 1).astype(np.uint16)
    mismatch = (TABLE[codes] != np.swapaxes(flat, -2, -1)).any(axis=-1)
    if mismatch.any():
        *position, point = np.argwhere(mismatch)[0]
        row, col = divmod(int(point), BOARD_SIZE)
        raise ValueError(
            f"planes of position {tuple(int(i) for i in position)} are not encodable at point "
            f"(row {row}, col {col}): one-hot groups broken or stone and move features mixed"
        )
    return codes


def decode(codes: np.ndarray) -> np.ndarray:
    """Codes (..., 361) -> planes uint8 (..., 48, 19, 19): the inverse of `encode`."""
    points = TABLE[np.asarray(codes)]
    shape = (*points.shape[:-2], NUM_PLANES, BOARD_SIZE, BOARD_SIZE)
    return np.moveaxis(points, -1, -2).reshape(shape)
