"""Go rules on the 19x19 board: captures, no suicide, simple ko, with incremental strings.

`Position` is the Python face; the work is done by small numba kernels over a `State`, a named
tuple of flat numpy arrays indexed by point (``row * 19 + col``, see `sgf_data.coords`):

==============  ======================  ==================================================
field           dtype, shape            meaning
==============  ======================  ==================================================
colour          int8[361]               EMPTY 0, BLACK 1, WHITE 2
head            int16[361]              the string's representative stone; -1 where empty
next_stone      int16[361]              circular list of the stones of each string
size            int16[361]              stones in the string (read at its head)
liberty_bits    uint64[361, 6]          the string's liberties as a 361-bit set (at head)
liberty_count   int16[361]              popcount of liberty_bits (at head), kept cached
placed_at       int32[361]              meta[PLY] when the stone was played (so the last
                                        move's stone has PLY - 1; SETUP_PLY, long ago, for
                                        setup stones); meaningless where empty
meta            int32[6]                PLY (moves and passes played), TO_MOVE, KO (point
                                        or NO_POINT), KO_COLOUR (the colour it forbids),
                                        CAPTURED_BY + colour (two counters)
==============  ======================  ==================================================

Strings are kept incrementally: a stone joins or merges strings (the smaller string is
relabelled and the circular lists spliced), and takes its point from the liberty sets of its
neighbours; a capture gives the captured points back as liberties to the strings around. So
``liberty_count[head[p]]`` is the liberty count of the string at ``p`` in O(1), never a flood
fill. Why numba: feature extraction for millions of training positions needs thousands of
positions per second per core with ladder reading; pure Python cannot get there, and numba
compiles these few readable loops to machine code (cached on disk, so later imports are fast).

The kernels are plain numba functions that other numba code (`sgf_data.features`) calls
directly: `copy_state`, `play_stone` (returns the stones captured, or -1 when
illegal), `play_pass`, `legality`, `legal_mask`, `would_capture`, `liberties_after` (the
liberties a move would leave its string, without playing it), `has_liberty`,
`liberties_into` and `liberty_points`, `string_points`, `fills_own_eye` and `is_sensible`
(legal and not filling one's own eye: the moves of playouts and of the sensibleness feature).
Those that never allocate are compiled by `kernel`, without reference counting, so that
calling them in a loop over the 361 points stays cheap.

>>> position = Position()
>>> position.play("b", (3, 3)), position.to_move, position.liberties((3, 3))
(0, 'w', 4)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

import numpy as np
from numba import njit

from sgf_data.coords import BOARD_SIZE, NUM_POINTS, from_index, to_gtp, to_index

EMPTY, BLACK, WHITE = 0, 1, 2
NO_POINT = -1
SETUP_PLY = -1_000_000
LIBERTY_WORDS = 6

# meta fields; meta[CAPTURED_BY + colour] counts the stones captured by that colour
PLY, TO_MOVE, KO, KO_COLOUR = 0, 1, 2, 3
CAPTURED_BY = 3
META_SIZE = CAPTURED_BY + WHITE + 1

# legality codes
LEGAL, OCCUPIED, KO_RETAKE, SUICIDE = 0, 1, 2, 3
_REASONS = {OCCUPIED: "the point is occupied", KO_RETAKE: "ko retake", SUICIDE: "suicide"}

COLOUR_CODES = {"b": BLACK, "w": WHITE}
COLOUR_NAMES = {BLACK: "b", WHITE: "w"}


def _offset_table(offsets: tuple[tuple[int, int], ...]) -> np.ndarray:
    """``table[p]``: the points at the given (row, col) offsets from ``p`` that are on the
    board, in that order, padded with NO_POINT."""
    table = np.full((NUM_POINTS, len(offsets)), NO_POINT, dtype=np.int16)
    for point in range(NUM_POINTS):
        row, col = divmod(point, BOARD_SIZE)
        around = [(row + dr, col + dc) for dr, dc in offsets]
        on_board = [
            r * BOARD_SIZE + c for r, c in around if 0 <= r < BOARD_SIZE and 0 <= c < BOARD_SIZE
        ]
        table[point, : len(on_board)] = on_board
    return table


NEIGHBOURS = _offset_table(((-1, 0), (1, 0), (0, -1), (0, 1)))
"""``NEIGHBOURS[p]``: the up to 4 points next to ``p``, padded with NO_POINT."""
DIAGONALS = _offset_table(((-1, -1), (-1, 1), (1, -1), (1, 1)))
"""``DIAGONALS[p]``: the up to 4 points diagonal to ``p``, padded with NO_POINT."""


class State(NamedTuple):
    """The arrays of one position; see the module docstring for the layout."""

    colour: np.ndarray
    head: np.ndarray
    next_stone: np.ndarray
    size: np.ndarray
    liberty_bits: np.ndarray
    liberty_count: np.ndarray
    placed_at: np.ndarray
    meta: np.ndarray


def empty_state() -> State:
    """The state of the empty board, black to move."""
    meta = np.zeros(META_SIZE, dtype=np.int32)
    meta[TO_MOVE] = BLACK
    meta[KO] = NO_POINT
    return State(
        colour=np.zeros(NUM_POINTS, dtype=np.int8),
        head=np.full(NUM_POINTS, NO_POINT, dtype=np.int16),
        next_stone=np.full(NUM_POINTS, NO_POINT, dtype=np.int16),
        size=np.zeros(NUM_POINTS, dtype=np.int16),
        liberty_bits=np.zeros((NUM_POINTS, LIBERTY_WORDS), dtype=np.uint64),
        liberty_count=np.zeros(NUM_POINTS, dtype=np.int16),
        placed_at=np.zeros(NUM_POINTS, dtype=np.int32),
        meta=meta,
    )


# ---------------------------------------------------------------------------------------------
# Kernels

kernel = njit(cache=True, _nrt=False)
"""Decorator of the kernels that never allocate: compiled without numba's reference counting.

numba's ``_nrt=False`` option: a kernel receiving a `State` then no longer increments and
decrements the counts of the eight arrays on every call (16 calls into the runtime), which
cost more than the kernel's own work (`legal_mask` ran 10x slower). Kernels that allocate use
plain ``njit(cache=True)``; a `kernel` may be called from them, and from other numba code.
"""

_ONE = np.uint64(1)
_M1 = np.uint64(0x5555555555555555)
_M2 = np.uint64(0x3333333333333333)
_M4 = np.uint64(0x0F0F0F0F0F0F0F0F)
_H01 = np.uint64(0x0101010101010101)


@kernel
def popcount(word):
    """Number of set bits of a 64-bit word (the classic SWAR sum)."""
    word = word - ((word >> _ONE) & _M1)
    word = (word & _M2) + ((word >> np.uint64(2)) & _M2)
    word = (word + (word >> np.uint64(4))) & _M4
    return int((word * _H01) >> np.uint64(56))


@kernel
def _bit(point):
    """The word and mask of ``point`` in a liberty bit set."""
    return point >> 6, _ONE << np.uint64(point & 63)


@kernel
def has_liberty(state, head, point):
    """Whether ``point`` is a liberty of the string headed by ``head``."""
    word, mask = _bit(point)
    return state.liberty_bits[head, word] & mask != 0


@kernel
def _add_liberty(state, head, point):
    word, mask = _bit(point)
    if not state.liberty_bits[head, word] & mask:
        state.liberty_bits[head, word] |= mask
        state.liberty_count[head] += 1


@kernel
def _remove_liberty(state, head, point):
    word, mask = _bit(point)
    if state.liberty_bits[head, word] & mask:
        state.liberty_bits[head, word] &= ~mask
        state.liberty_count[head] -= 1


@njit(cache=True)
def copy_state(state):
    """A new, independent copy of a state."""
    return State(
        state.colour.copy(),
        state.head.copy(),
        state.next_stone.copy(),
        state.size.copy(),
        state.liberty_bits.copy(),
        state.liberty_count.copy(),
        state.placed_at.copy(),
        state.meta.copy(),
    )


@kernel
def legality(state, point, colour):
    """LEGAL, or why not (OCCUPIED, KO_RETAKE, SUICIDE), for ``colour`` playing at ``point``."""
    if state.colour[point] != EMPTY:
        return OCCUPIED
    if point == state.meta[KO] and colour == state.meta[KO_COLOUR]:
        return KO_RETAKE
    for neighbour in NEIGHBOURS[point]:
        if neighbour == NO_POINT:
            break
        other = state.colour[neighbour]
        if other == EMPTY:
            return LEGAL
        liberties = state.liberty_count[state.head[neighbour]]
        if (other == colour) == (liberties > 1):  # a friend with room, or a capture
            return LEGAL
    return SUICIDE


@njit(cache=True)
def legal_mask(state, colour):
    """Boolean array of the 361 points, True where ``colour`` may play."""
    mask = np.zeros(NUM_POINTS, dtype=np.bool_)
    for point in range(NUM_POINTS):
        mask[point] = legality(state, point, colour) == LEGAL
    return mask


@kernel
def _merge(state, first, second):
    """Merge the strings headed by ``first`` and ``second``; return the new head."""
    if state.size[first] < state.size[second]:
        first, second = second, first
    stone = second
    while True:
        state.head[stone] = first
        stone = state.next_stone[stone]
        if stone == second:
            break
    state.next_stone[first], state.next_stone[second] = (
        state.next_stone[second],
        state.next_stone[first],
    )
    state.size[first] += state.size[second]
    count = 0
    for word in range(LIBERTY_WORDS):
        state.liberty_bits[first, word] |= state.liberty_bits[second, word]
        count += popcount(state.liberty_bits[first, word])
    state.liberty_count[first] = count
    return first


@kernel
def _place(state, point, colour, ply):
    """Put a stone on an empty point, joining strings and taking liberties; no captures."""
    state.colour[point] = colour
    state.head[point] = point
    state.next_stone[point] = point
    state.size[point] = 1
    state.liberty_bits[point, :] = 0
    state.liberty_count[point] = 0
    state.placed_at[point] = ply
    head = point
    for neighbour in NEIGHBOURS[point]:
        if neighbour == NO_POINT:
            break
        if state.colour[neighbour] == EMPTY:
            _add_liberty(state, point, neighbour)
        else:
            _remove_liberty(state, state.head[neighbour], point)
    for neighbour in NEIGHBOURS[point]:
        if neighbour == NO_POINT:
            break
        if state.colour[neighbour] == colour and state.head[neighbour] != head:
            head = _merge(state, head, state.head[neighbour])
    return head


@kernel
def _remove_string(state, head):
    """Take a captured string off the board, giving its points back as liberties around."""
    captor = BLACK + WHITE - state.colour[head]
    stone = head
    while True:
        following = state.next_stone[stone]
        state.colour[stone] = EMPTY
        state.head[stone] = NO_POINT
        state.next_stone[stone] = NO_POINT
        for neighbour in NEIGHBOURS[stone]:
            if neighbour == NO_POINT:
                break
            if state.colour[neighbour] == captor:
                _add_liberty(state, state.head[neighbour], stone)
        stone = following
        if stone == head:
            break
    return state.size[head]


@kernel
def play_stone(state, point, colour):
    """Play ``colour`` at ``point`` in place: the number of stones captured, or -1 if illegal.

    Updates the ko, the player to move (the opponent), the ply and the capture counters.
    """
    if legality(state, point, colour) != LEGAL:
        return -1
    meta = state.meta
    head = _place(state, point, colour, meta[PLY])
    enemy = BLACK + WHITE - colour
    captured = 0
    last_captured = NO_POINT
    for neighbour in NEIGHBOURS[point]:
        if neighbour == NO_POINT:
            break
        if state.colour[neighbour] == enemy and state.liberty_count[state.head[neighbour]] == 0:
            captured += _remove_string(state, state.head[neighbour])
            last_captured = neighbour
    meta[KO] = NO_POINT
    if captured == 1 and state.size[head] == 1 and state.liberty_count[head] == 1:
        meta[KO] = last_captured
        meta[KO_COLOUR] = enemy
    meta[CAPTURED_BY + colour] += captured
    meta[TO_MOVE] = enemy
    meta[PLY] += 1
    return captured


@kernel
def play_pass(state, colour):
    """``colour`` passes: the ko is lifted and the opponent is to move."""
    state.meta[KO] = NO_POINT
    state.meta[TO_MOVE] = BLACK + WHITE - colour
    state.meta[PLY] += 1


@kernel
def add_setup_stone(state, point, colour):
    """Place a setup (handicap, AB/AW) stone on an empty point: no capture, no ko."""
    _place(state, point, colour, SETUP_PLY)


@kernel
def _new_string_around(state, point, k):
    """Whether the k-th neighbour of ``point`` is a stone of a string not met at 0..k-1."""
    head = state.head[NEIGHBOURS[point, k]]
    if head == NO_POINT:
        return False
    for earlier in range(k):  # noqa: SIM110 (numba compiles loops, not generators)
        if state.head[NEIGHBOURS[point, earlier]] == head:
            return False
    return True


@kernel
def _in_atari(state, point, colour):
    """Whether ``point`` holds a ``colour`` stone whose string has one liberty."""
    return state.colour[point] == colour and state.liberty_count[state.head[point]] == 1


@kernel
def would_capture(state, point, colour):
    """Stones that ``colour`` would capture by playing at empty ``point`` (legality unchecked)."""
    enemy = BLACK + WHITE - colour
    captured = 0
    for k in range(4):
        neighbour = NEIGHBOURS[point, k]
        if neighbour == NO_POINT:
            break
        if _in_atari(state, neighbour, enemy) and _new_string_around(state, point, k):
            captured += state.size[state.head[neighbour]]
    return captured


@kernel
def _friendly_liberty(state, point, colour, candidate):
    """Whether ``candidate`` is a liberty of a ``colour`` string next to ``point``."""
    for neighbour in NEIGHBOURS[point]:
        if neighbour == NO_POINT:
            break
        if state.colour[neighbour] == colour and has_liberty(
            state, state.head[neighbour], candidate
        ):
            return True
    return False


@kernel
def _touches_new_string(state, stone, point, colour):
    """Whether ``stone`` is next to ``point`` or to a ``colour`` string next to ``point``."""
    for neighbour in NEIGHBOURS[stone]:
        if neighbour == NO_POINT:
            break
        if neighbour == point:
            return True
        if state.colour[neighbour] == colour:
            head = state.head[neighbour]
            for around in NEIGHBOURS[point]:
                if around != NO_POINT and state.head[around] == head:
                    return True
    return False


@kernel
def liberties_after(state, point, colour):
    """Liberties of the string ``colour`` would make by playing at empty ``point``.

    Computed without playing: the union of the friendly neighbours' liberties less ``point``,
    plus the empty neighbours and the captured stones touching the new string.
    """
    count = 0
    point_word, point_mask = _bit(point)
    for word in range(LIBERTY_WORDS):
        union = np.uint64(0)
        for neighbour in NEIGHBOURS[point]:
            if neighbour != NO_POINT and state.colour[neighbour] == colour:
                union |= state.liberty_bits[state.head[neighbour], word]
        if word == point_word:
            union &= ~point_mask
        count += popcount(union)
    enemy = BLACK + WHITE - colour
    for k in range(4):
        neighbour = NEIGHBOURS[point, k]
        if neighbour == NO_POINT:
            break
        if state.colour[neighbour] == EMPTY:
            count += not _friendly_liberty(state, point, colour, neighbour)
        elif _in_atari(state, neighbour, enemy) and _new_string_around(state, point, k):
            head = state.head[neighbour]
            stone = head
            while True:
                count += _touches_new_string(state, stone, point, colour)
                stone = state.next_stone[stone]
                if stone == head:
                    break
    return count


@kernel
def liberties_into(state, point, out):
    """Write the liberties of the string at ``point`` into ``out``; return how many."""
    head = state.head[point]
    found = 0
    for word in range(LIBERTY_WORDS):
        bits = state.liberty_bits[head, word]
        while bits:
            lowest = bits & (~bits + _ONE)
            out[found] = word * 64 + popcount(lowest - _ONE)
            found += 1
            bits ^= lowest
    return found


@njit(cache=True)
def liberty_points(state, point):
    """The liberties of the string at ``point``, as a new int16 array of points."""
    points = np.empty(state.liberty_count[state.head[point]], dtype=np.int16)
    liberties_into(state, point, points)
    return points


@njit(cache=True)
def string_points(state, point):
    """The stones of the string at ``point``, as a new int16 array of points."""
    head = state.head[point]
    points = np.empty(state.size[head], dtype=np.int16)
    stone = head
    for i in range(points.size):
        points[i] = stone
        stone = state.next_stone[stone]
    return points


@kernel
def fills_own_eye(state, point, colour):
    """Whether ``colour`` playing at ``point`` fills one of its own eyes.

    An eye of ``colour``: an empty point whose neighbours are all ``colour``'s stones and
    whose diagonal points hold at most one opponent stone in the centre, none on the edge or
    in the corner (an empty diagonal does not spoil it). The usual rule of playouts and of
    the "sensibleness" feature: filling such a point is almost never a good move.
    """
    if state.colour[point] != EMPTY:
        return False
    for neighbour in NEIGHBOURS[point]:
        if neighbour == NO_POINT:
            break
        if state.colour[neighbour] != colour:
            return False
    enemy = BLACK + WHITE - colour
    diagonals = 0
    spoiled = 0
    for diagonal in DIAGONALS[point]:
        if diagonal == NO_POINT:
            break
        diagonals += 1
        spoiled += state.colour[diagonal] == enemy
    return spoiled <= (1 if diagonals == 4 else 0)


@kernel
def is_sensible(state, point, colour):
    """Whether ``colour`` may play at ``point`` and doing so does not fill its own eye."""
    return legality(state, point, colour) == LEGAL and not fills_own_eye(state, point, colour)


@njit(cache=True)
def sensible_mask(state, colour):
    """Boolean array of the 361 points, True where ``colour``'s move is `is_sensible`."""
    mask = np.zeros(NUM_POINTS, dtype=np.bool_)
    for point in range(NUM_POINTS):
        mask[point] = is_sensible(state, point, colour)
    return mask


# ---------------------------------------------------------------------------------------------
# Python interface


class IllegalMove(ValueError):
    """A move the rules forbid; the message says which move and why."""


def _colour_code(colour: str) -> int:
    try:
        return COLOUR_CODES[colour]
    except (KeyError, TypeError):
        raise ValueError(f"not a colour ('b' or 'w'): {colour!r}") from None


class Position:
    """A Go position: stones, strings and their liberties, player to move, ko, captures.

    Only 19x19 is supported. Moves need not alternate colours; each move sets `to_move` to
    the opponent of the player who moved.
    """

    size = BOARD_SIZE

    def __init__(self, size: int = BOARD_SIZE) -> None:
        if size != BOARD_SIZE:
            raise ValueError(
                f"only 19x19 is supported (got {size}x{size}): "
                "the policy network's input and output are 19x19"
            )
        self.state = empty_state()
        self.history: list[tuple[str, tuple[int, int] | None]] = []

    @classmethod
    def from_setup(
        cls,
        black: Iterable[tuple[int, int]] = (),
        white: Iterable[tuple[int, int]] = (),
        to_move: str = "b",
    ) -> Position:
        """A position with setup stones (handicap, SGF AB/AW) and the given player to move.

        Raises ValueError for a point given twice or a string left without liberties.
        """
        position = cls()
        for colour, points in ((BLACK, black), (WHITE, white)):
            for point in points:
                index = to_index(point)
                if position.state.colour[index] != EMPTY:
                    raise ValueError(f"setup stone on an occupied point: {to_gtp(point)}")
                add_setup_stone(position.state, index, colour)
        for index in np.flatnonzero(position.state.colour):
            if position.state.liberty_count[position.state.head[index]] == 0:
                point = from_index(int(index))
                raise ValueError(f"setup leaves a string without liberties at {to_gtp(point)}")
        position.to_move = to_move
        return position

    @property
    def to_move(self) -> str:
        return COLOUR_NAMES[int(self.state.meta[TO_MOVE])]

    @to_move.setter
    def to_move(self, colour: str) -> None:
        self.state.meta[TO_MOVE] = _colour_code(colour)

    @property
    def ko(self) -> tuple[int, int] | None:
        """The point where the player to move may not retake a ko, if any."""
        ko = int(self.state.meta[KO])
        if ko == NO_POINT or self.state.meta[KO_COLOUR] != self.state.meta[TO_MOVE]:
            return None
        return from_index(ko)

    @property
    def captures(self) -> dict[str, int]:
        """Stones captured so far BY each colour."""
        meta = self.state.meta
        return {"b": int(meta[CAPTURED_BY + BLACK]), "w": int(meta[CAPTURED_BY + WHITE])}

    @property
    def ply(self) -> int:
        """Moves and passes played since the start (setup excluded)."""
        return int(self.state.meta[PLY])

    def play(self, colour: str, point: tuple[int, int] | None) -> int:
        """Play a move or a pass (None) in place; return the number of stones captured."""
        code = _colour_code(colour)
        if point is None:
            play_pass(self.state, code)
            self.history.append((colour, None))
            return 0
        index = self._index(colour, point)
        captured = play_stone(self.state, index, code)
        if captured < 0:
            reason = _REASONS[legality(self.state, index, code)]
            raise IllegalMove(f"{colour} {to_gtp(point)}: {reason}")
        self.history.append((colour, point))
        return captured

    def _index(self, colour: str, point: tuple[int, int]) -> int:
        try:
            return to_index(point)
        except ValueError:
            raise IllegalMove(f"{colour} {point!r}: off the board") from None

    def copy(self) -> Position:
        """An independent copy."""
        other = type(self).__new__(type(self))
        other.state = State._make(array.copy() for array in self.state)
        other.history = list(self.history)
        return other

    def colour_at(self, point: tuple[int, int]) -> str | None:
        """'b', 'w' or None for an empty point."""
        return COLOUR_NAMES.get(int(self.state.colour[to_index(point)]))

    def liberties(self, point: tuple[int, int]) -> int:
        """Liberties of the string at ``point`` (0 if empty); O(1)."""
        index = to_index(point)
        if self.state.colour[index] == EMPTY:
            return 0
        return int(self.state.liberty_count[self.state.head[index]])

    def string(self, point: tuple[int, int]) -> list[tuple[int, int]]:
        """The stones of the string at ``point`` (empty list if the point is empty)."""
        index = to_index(point)
        if self.state.colour[index] == EMPTY:
            return []
        return sorted(from_index(int(stone)) for stone in string_points(self.state, index))

    def is_legal(self, colour: str, point: tuple[int, int] | None) -> bool:
        """Whether ``colour`` may play at ``point`` (a pass is always legal)."""
        code = _colour_code(colour)
        if point is None:
            return True
        try:
            index = to_index(point)
        except ValueError:
            return False
        return legality(self.state, index, code) == LEGAL

    def legal_points(self, colour: str) -> np.ndarray:
        """Boolean (19, 19) array, True where ``colour`` may play; one compiled call."""
        return legal_mask(self.state, _colour_code(colour)).reshape(BOARD_SIZE, BOARD_SIZE)

    def sensible_points(self, colour: str) -> np.ndarray:
        """Boolean (19, 19) array, True where ``colour`` may play without filling its own eye
        (see `fills_own_eye`); one compiled call."""
        return sensible_mask(self.state, _colour_code(colour)).reshape(BOARD_SIZE, BOARD_SIZE)

    def stones(self) -> np.ndarray:
        """int8 (19, 19) copy of the board: 0 empty, 1 black, 2 white; [row, col]."""
        return self.state.colour.reshape(BOARD_SIZE, BOARD_SIZE).copy()

    def __repr__(self) -> str:
        return f"<Position ply {self.ply}, {self.to_move} to move>"

    def __str__(self) -> str:
        """The board as text, top row first, GTP letters along the bottom."""
        symbols = ".XO"
        board = self.stones()
        rows = [
            f"{row + 1:2d} " + " ".join(symbols[v] for v in board[row])
            for row in range(BOARD_SIZE - 1, -1, -1)
        ]
        letters = "   " + " ".join(to_gtp((0, col))[0] for col in range(BOARD_SIZE))
        return "\n".join([*rows, letters])
