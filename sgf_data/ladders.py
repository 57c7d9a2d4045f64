"""Ladder reading for the ladder capture and ladder escape planes (44 and 45).

The paper gives one line each; this module settles the semantics, those of the usual ladder
reader (the same rules as GNU Go's ``simple_ladder``):

- **Prey**: a string with exactly two liberties is attacked by an atari on either liberty
  (the attacker plays nothing else). A move of the attacker that is illegal is no attack.
- **Defence**: the prey, now in atari, answers by extending on its last liberty or by capturing
  an attacking string next to it that is itself in atari (every such capture is tried). A
  defence that is illegal (suicide, ko retake) is no defence.
- **Outcome of a defence**: three or more liberties, the prey escapes; one liberty, it is
  captured; two liberties, the attacker tries both ataris again (recursion).
- **Ladder capture** at a point: an atari there after which every defence ends with the prey
  captured (no legal defence at all counts as captured: the prey is taken next move).
- **Ladder escape** at a point: for a string of the player to move in atari, a defence there
  (extension or capture) after which the string has three or more liberties, or two liberties
  and no ladder capture against it.

Reading is bounded: at most `MAX_ATARIS` ataris along one line of play and `MAX_NODES` moves
in one reading. A ladder is about two ataris per row it crosses, so `MAX_ATARIS` = 80 reads a
ladder across the whole board and back; a reading that hits either bound gives up, and the
prey is then counted as not captured (no ladder capture; the escape counts). Ko is respected
as the rules engine has it: the ko point is illegal for one move, there is no ko-threat logic.

Speed: the reading plays moves with `sgf_data.board.play_stone` on copies of the state, one
copy per branch only; the last branch tried at each node reuses its parent's state, and an
atari after which the prey's extension is sure to reach three liberties is dropped without
playing it (the same cut as GNU Go's), so a ladder costs a few moves per row it runs.

>>> from sgf_data.board import Position
>>> # a white stone on the 4-4 point with black stones above, right and lower right:
>>> position = Position.from_setup(black=[(4, 3), (3, 4), (2, 4)], white=[(3, 3)])
>>> ladder_captures(position, (3, 3))   # the atari from the left chases it to the edge
[(3, 2)]
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sgf_data.board import (
    BLACK,
    EMPTY,
    LEGAL,
    LIBERTY_WORDS,
    NEIGHBOURS,
    NO_POINT,
    WHITE,
    Position,
    copy_state,
    legality,
    liberties_after,
    play_stone,
    popcount,
    would_capture,
)
from sgf_data.coords import from_index, to_gtp, to_index

MAX_ATARIS = 80
MAX_NODES = 2000

_ONE = np.uint64(1)


@njit(cache=True)
def first_liberty(state, head, skip):
    """The lowest liberty of the string headed by ``head`` other than ``skip`` (or NO_POINT)."""
    for word in range(LIBERTY_WORDS):
        bits = state.liberty_bits[head, word]
        if 0 <= skip - word * 64 < 64:
            bits &= ~(_ONE << np.uint64(skip - word * 64))
        if bits:
            lowest = bits & (~bits + _ONE)
            return word * 64 + popcount(lowest - _ONE)
    return NO_POINT


@njit(cache=True)
def defences(state, prey):
    """Moves that may save the string at ``prey`` (in atari): its last liberty first, then the
    liberties of the attacking strings in atari next to it (captures), without repeats."""
    head = state.head[prey]
    attacker = BLACK + WHITE - state.colour[prey]
    moves = np.empty(4 * state.size[head] + 1, dtype=np.int16)
    moves[0] = first_liberty(state, head, NO_POINT)
    found = 1
    stone = head
    while True:
        for neighbour in NEIGHBOURS[stone]:
            if neighbour == NO_POINT:
                break
            other = state.head[neighbour]
            if state.colour[neighbour] != attacker or state.liberty_count[other] != 1:
                continue
            move = first_liberty(state, other, NO_POINT)
            seen = False
            for k in range(found):
                seen = seen or moves[k] == move
            if not seen:
                moves[found] = move
                found += 1
        stone = state.next_stone[stone]
        if stone == head:
            break
    return moves[:found]


@njit(cache=True)
def _hopeless_atari(state, prey, atari, other):
    """Whether the atari at ``atari`` surely fails: it captures nothing, and extending at the
    prey's ``other`` liberty (capturing nothing) gives four liberties now, so three after it."""
    defender = state.colour[prey]
    attacker = BLACK + WHITE - defender
    return (
        would_capture(state, atari, attacker) == 0
        and would_capture(state, other, defender) == 0
        and liberties_after(state, other, defender) >= 4
    )


@njit(cache=True)
def _captured(state, prey, ataris_left, budget):
    """Whether the string at ``prey`` is captured in a ladder.

    With two liberties the attacker moves; in atari, its owner moves. ``state`` may be played
    on (the caller no longer needs it). ``budget[0]`` counts down the moves played; reading
    gives up (not captured) when it or ``ataris_left`` runs out.
    """
    defender = state.colour[prey]
    attacker = BLACK + WHITE - defender
    if state.liberty_count[state.head[prey]] == 2:
        if ataris_left == 0 or budget[0] <= 0:
            return False
        head = state.head[prey]
        first = first_liberty(state, head, NO_POINT)
        second = first_liberty(state, head, first)
        ataris = np.empty(2, dtype=np.int16)
        count = 0
        if not _hopeless_atari(state, prey, first, second):
            ataris[count] = first
            count += 1
        if not _hopeless_atari(state, prey, second, first):
            ataris[count] = second
            count += 1
        for k in range(count):
            child = state if k == count - 1 else copy_state(state)
            budget[0] -= 1
            if play_stone(child, ataris[k], attacker) < 0:
                continue
            if _captured(child, prey, ataris_left - 1, budget):
                return True
        return False
    moves = defences(state, prey)
    for k in range(moves.size):
        move = moves[k]
        if legality(state, move, defender) != LEGAL:
            continue
        if k == 0:  # the extension: its liberties are known without playing it
            liberties = liberties_after(state, move, defender)
            if liberties >= 3:
                return False
            if liberties < 2:
                continue
        child = state if k == moves.size - 1 else copy_state(state)
        budget[0] -= 1
        play_stone(child, move, defender)
        liberties = child.liberty_count[child.head[prey]]
        if liberties >= 3:
            return False
        if liberties == 2 and not _captured(child, prey, ataris_left, budget):
            return False
    return True


@njit(cache=True)
def _budget():
    """The reading limits as an array: moves left to play, ataris allowed in one line.

    (Passed as array values, not constants, so that numba compiles one recursive `_captured`.)
    """
    return np.array([MAX_NODES, MAX_ATARIS], dtype=np.int64)


@njit(cache=True)
def atari_captures(state, prey, atari):
    """Whether the opponent of the two-liberty string at ``prey``, playing ``atari`` (one of its
    liberties), captures it in a ladder. ``state`` is left unchanged."""
    attacker = BLACK + WHITE - state.colour[prey]
    if legality(state, atari, attacker) != LEGAL:
        return False
    other = first_liberty(state, state.head[prey], atari)
    if _hopeless_atari(state, prey, atari, other):
        return False
    child = copy_state(state)
    play_stone(child, atari, attacker)
    budget = _budget()
    return _captured(child, prey, budget[1], budget)


@njit(cache=True)
def defence_escapes(state, prey, move):
    """Whether the owner of the string at ``prey`` (in atari), playing ``move`` (one of its
    `defences`), escapes: three or more liberties, or two and no ladder capture. ``state`` is
    left unchanged."""
    defender = state.colour[prey]
    if legality(state, move, defender) != LEGAL:
        return False
    if move == first_liberty(state, state.head[prey], NO_POINT):
        liberties = liberties_after(state, move, defender)
        if liberties != 2:
            return liberties >= 3
    child = copy_state(state)
    play_stone(child, move, defender)
    liberties = child.liberty_count[child.head[prey]]
    if liberties != 2:
        return liberties >= 3
    budget = _budget()
    return not _captured(child, prey, budget[1], budget)


def _string_index(position: Position, point: tuple[int, int]) -> int:
    index = to_index(point)
    if position.state.colour[index] == EMPTY:
        raise ValueError(f"no stone at {to_gtp(point)}")
    return index


def ladder_captures(position: Position, point: tuple[int, int]) -> list[tuple[int, int]]:
    """The liberties of the string at ``point`` where an atari by its opponent captures it in
    a ladder; empty unless the string has exactly two liberties."""
    index = _string_index(position, point)
    state = position.state
    head = state.head[index]
    if state.liberty_count[head] != 2:
        return []
    first = first_liberty(state, head, NO_POINT)
    second = first_liberty(state, head, first)
    return [from_index(int(m)) for m in (first, second) if atari_captures(state, index, m)]


def ladder_escapes(position: Position, point: tuple[int, int]) -> list[tuple[int, int]]:
    """The moves by which the owner of the string at ``point`` escapes the ladder; empty
    unless the string is in atari."""
    index = _string_index(position, point)
    state = position.state
    if state.liberty_count[state.head[index]] != 1:
        return []
    return [from_index(int(m)) for m in defences(state, index) if defence_escapes(state, index, m)]
