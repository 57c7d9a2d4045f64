"""The 48 input planes of the AlphaGo policy network (Silver et al. 2016, Extended Data Table 2).

`planes(position)` returns uint8 ``(48, 19, 19)``, indexed ``[plane, row, col]`` (row 0 is the
bottom line, as in sgfmill), seen from the player to move ("player"; the other is "opponent").
An integer feature is one-hot over its planes, the last plane holding "that value or more":

=======  =====================  ==============================================================
planes   feature                set on
=======  =====================  ==============================================================
0-2      stone colour           player's stone / opponent's stone / empty point
3        ones                   every point
4-11     turns since            stones: moves since it was placed, 1..7, 8+ (passes count as
                                moves; setup stones are 8+)
12-19    liberties              stones: liberties of its string, 1..7, 8+
20-27    capture size           legal moves: opponent stones captured, 0..6, 7+
28-35    self-atari size        legal moves leaving their new string with exactly one
                                liberty: that string's size, 1..7, 8+
36-43    liberties after move   legal moves: liberties of the new string after its captures,
                                1..7, 8+
44       ladder capture         legal moves that capture a two-liberty opponent string in a
                                ladder (semantics and bounds: `sgf_data.ladders`)
45       ladder escape          legal moves by which a player's string in atari escapes
46       sensibleness           legal moves that do not fill one of the player's own eyes
47       zeros                  nowhere
=======  =====================  ==============================================================

Move features (20-46) are set only on empty points where the player to move may play: ko
and suicide are respected, so an illegal point has all of them 0. An **eye** of the player
(for sensibleness) is an empty point whose neighbours are all the player's stones and whose
diagonal points hold at most one opponent stone in the centre, none on the edge or in the
corner (an empty diagonal does not spoil it): the rules engine's `board.fills_own_eye`, the
same rule as the playouts'.

Why numba: everything is computed in one compiled call per position over the rules engine's
arrays (`sgf_data.board.State`), reusing its kernels (legality, captures and liberties after a
move as bit-set unions, moves on copies for the ladders), so a position costs a few tens of
microseconds instead of the tens of milliseconds of Python loops over points.

>>> from sgf_data.board import Position
>>> position = Position()
>>> position.play("b", (3, 3))
0
>>> x = planes(position)          # white to move: the black stone is the opponent's
>>> x.shape, x.dtype, int(x[1, 3, 3]), int(x[4, 3, 3]), int(x[15, 3, 3])
((48, 19, 19), dtype('uint8'), 1, 1, 1)
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sgf_data.board import (
    EMPTY,
    KO,
    KO_COLOUR,
    LIBERTY_WORDS,
    NEIGHBOURS,
    NO_POINT,
    PLY,
    TO_MOVE,
    Position,
    fills_own_eye,
    liberties_after,
    popcount,
)
from sgf_data.coords import BOARD_SIZE, NUM_POINTS
from sgf_data.ladders import atari_captures, defence_escapes, defences, first_liberty

NUM_PLANES = 48

# Each feature's planes, in the paper's order.
PLANE_GROUPS: dict[str, slice] = {
    "stone_colour": slice(0, 3),
    "ones": slice(3, 4),
    "turns_since": slice(4, 12),
    "liberties": slice(12, 20),
    "capture_size": slice(20, 28),
    "self_atari_size": slice(28, 36),
    "liberties_after": slice(36, 44),
    "ladder_capture": slice(44, 45),
    "ladder_escape": slice(45, 46),
    "sensibleness": slice(46, 47),
    "zeros": slice(47, 48),
}

_PLAYER, _OPPONENT, _EMPTY, _ONES = 0, 1, 2, 3
_TURNS, _LIBERTIES, _CAPTURE, _SELF_ATARI, _LIBERTIES_AFTER = 4, 12, 20, 28, 36
_LADDER_CAPTURE, _LADDER_ESCAPE, _SENSIBLE = 44, 45, 46
_ONE = np.uint64(1)


@njit(cache=True)
def _one_hot(out, first, planes, value, point):
    """Set plane ``first + value - 1`` (1-based values), the last of ``planes`` for more."""
    out[first + min(value, planes) - 1, point] = 1


@njit(cache=True)
def _stone_planes(colour, head, liberty_count, placed_at, ply, player, out):
    """Planes 0-19 and the constant ones: colour, ones, turns since, liberties."""
    for point in range(NUM_POINTS):
        out[_ONES, point] = 1
        if colour[point] == EMPTY:
            out[_EMPTY, point] = 1
            continue
        out[_PLAYER if colour[point] == player else _OPPONENT, point] = 1
        _one_hot(out, _TURNS, 8, ply - placed_at[point], point)
        _one_hot(out, _LIBERTIES, 8, liberty_count[head[point]], point)


@njit(cache=True)
def _move_planes(state, player, out):
    """Planes 20-43 and 46 on every legal move: captures, self-atari, liberties, sensibleness.

    One pass over each empty point's neighbours gives legality (as `board.legality`), the
    stones captured, the new string's size and, when nothing is captured, its liberties as
    the union of bit sets; a capturing move asks `board.liberties_after`. The arrays are
    unpacked once: calling the engine's per-point kernels with the whole `State` costs about
    four times more, numba counting references to its eight arrays on every call.
    """
    colour, head, size = state.colour, state.head, state.size
    liberty_bits, liberty_count = state.liberty_bits, state.liberty_count
    ko_forbidden = state.meta[KO] if state.meta[KO_COLOUR] == player else NO_POINT
    bits = np.empty(LIBERTY_WORDS, dtype=np.uint64)
    seen = np.empty(4, dtype=np.int16)
    for point in range(NUM_POINTS):
        if colour[point] != EMPTY or point == ko_forbidden:
            continue
        bits[:] = 0
        legal = False
        captured = 0
        new_size = 1
        strings = 0
        for neighbour in NEIGHBOURS[point]:
            if neighbour == NO_POINT:
                break
            if colour[neighbour] == EMPTY:
                bits[neighbour >> 6] |= _ONE << np.uint64(neighbour & 63)
                legal = True
                continue
            string = head[neighbour]
            if string in seen[:strings]:
                continue
            seen[strings] = string
            strings += 1
            if colour[neighbour] == player:
                bits |= liberty_bits[string]
                new_size += size[string]
                legal = legal or liberty_count[string] > 1
            elif liberty_count[string] == 1:
                captured += size[string]
                legal = True
        if not legal:
            continue
        if captured:
            liberties = liberties_after(state, point, player)
        else:
            bits[point >> 6] &= ~(_ONE << np.uint64(point & 63))
            liberties = 0
            for word in bits:
                liberties += popcount(word)
        out[_CAPTURE + min(captured, 7), point] = 1
        _one_hot(out, _LIBERTIES_AFTER, 8, liberties, point)
        if liberties == 1:
            _one_hot(out, _SELF_ATARI, 8, new_size, point)
        if not fills_own_eye(state, point, player):
            out[_SENSIBLE, point] = 1


@njit(cache=True)
def _ladder_planes(state, player, out):
    """Planes 44-45: ataris on two-liberty opponent strings that capture them in a ladder, and
    defences of the player's strings in atari that escape."""
    colour, head, liberty_count = state.colour, state.head, state.liberty_count
    for point in range(NUM_POINTS):
        if head[point] != point:
            continue
        if colour[point] != player and liberty_count[point] == 2:
            first = first_liberty(state, point, NO_POINT)
            for atari in (first, first_liberty(state, point, first)):
                if not out[_LADDER_CAPTURE, atari] and atari_captures(state, point, atari):
                    out[_LADDER_CAPTURE, atari] = 1
        elif colour[point] == player and liberty_count[point] == 1:
            for move in defences(state, point):
                if not out[_LADDER_ESCAPE, move] and defence_escapes(state, point, move):
                    out[_LADDER_ESCAPE, move] = 1


@njit(cache=True)
def _all_planes(state, out):
    player = state.meta[TO_MOVE]
    _stone_planes(
        state.colour,
        state.head,
        state.liberty_count,
        state.placed_at,
        state.meta[PLY],
        player,
        out,
    )
    _move_planes(state, player, out)
    _ladder_planes(state, player, out)


def planes(position: Position) -> np.ndarray:
    """The 48 feature planes of ``position``, uint8 ``(48, 19, 19)``, for the player to move."""
    out = np.zeros((NUM_PLANES, NUM_POINTS), dtype=np.uint8)
    _all_planes(position.state, out)
    return out.reshape(NUM_PLANES, BOARD_SIZE, BOARD_SIZE)
