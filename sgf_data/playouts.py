"""Who owns each point, from random playouts: ownership, score estimate, dead stones, seki.

`estimate(position, komi)` plays the position out many times with random moves and counts the
area at the end of each playout (stones, and empty regions bordered by one colour only). From
the counts: each point's ownership (-1 White .. +1 Black), each playout's margin, the dead
stones (whole strings on points the opponent owns in most playouts) and the strings in seki
(alive, next to a point neither side owns in most playouts).

A playout's moves: first a reply to the opponent's last move, if it left its own string in
atari (capture it) or one of the mover's (save it: capture an attacker, or extend to two
liberties or more), so that a living group is not lost to a single atari left unanswered;
else a uniformly random move among the mover's `board.is_sensible` points (legal, simple ko
included, and not filling its own eye). Never a self-atari of `BIG_SELF_ATARI` (3) stones or
more: random play would otherwise break every seki (the first side to play a shared liberty
loses its group) and throw groups away for nothing; one or two stones may still be thrown in,
so the nakade, snapback and sacrifices that kill groups are played. A player with no such move
passes; the playout ends when both pass in a row, or after `MAX_MOVES` (a long cycle).

What playouts cannot tell: a group whose life needs an answer to a threat other than an
atari (a second eye as miai) dies in some playouts, so the mean margin `Estimate.score` of a
finished game is far noisier than its `Estimate.area_score`, which counts the board itself
once the dead stones (the majority verdict, robust to such losses) are off.

Why numba: hundreds of playouts per second per core are wanted, each a few hundred moves on
the rules engine's kernels (`sgf_data.board`); compiled, the whole estimate is one call and
runs thousands per second (``benchmarks/results/ownership.md``). The kernels are cached on
disk (``cache=True``): the first call in a fresh environment compiles them and the rules
engine's, about 10 s of CPU time (15 s on an idle 2-core machine, the wall time measured is in
the results page); later imports take a fraction of a second. The kernels get one integer type
(int64) for points and colours, as numba compiles each combination of types anew.

>>> from sgf_data.board import Position
>>> position = Position.from_setup(black=[(3, 3)], white=[(15, 15)])
>>> result = estimate(position, komi=6.5, playouts=20, seed=1)
>>> result.ownership.shape, result.black_margin.shape, result.komi
((19, 19), (20,), 6.5)
>>> bool(result.ownership[3, 3] > 0 > result.ownership[15, 15])
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from numbers import Integral

import numpy as np
from numba import njit

from sgf_data.board import (
    BLACK,
    EMPTY,
    NEIGHBOURS,
    NO_POINT,
    PLY,
    TO_MOVE,
    WHITE,
    Position,
    _new_string_around,
    copy_state,
    is_sensible,
    kernel,
    liberties_after,
    play_pass,
    play_stone,
    would_capture,
)
from sgf_data.coords import BOARD_SIZE, NUM_POINTS, Point, from_index
from sgf_data.ladders import defences, first_liberty
from sgf_data.scoring import area, area_owners

MAX_MOVES = 3 * NUM_POINTS
"""Moves (passes included) after which a playout stops: random play from the empty board ends
in about 450; only cycles that simple ko does not forbid (triple ko, eternal life) reach it."""

DEAD = 0.5
"""Default threshold of `Estimate.dead`: the fraction of playouts in which the opponent owns
a string's points, averaged over its stones, above which the string is dead."""

BIG_SELF_ATARI = 3
"""The smallest self-atari that playouts never play, in stones. One or two stones may be thrown
in: the nakade, snapback and two-stone sacrifices that kill groups (with 2 here, the groups a
two-stone sacrifice kills live in the playouts); bigger ones are almost always a seki broken or
a group thrown away."""

SEKI = 0.5
"""Default threshold of `Estimate.seki`: the fraction of playouts in which a point next to a
living string is owned by neither side, above which that string is in seki."""


# ---------------------------------------------------------------------------------------------
# Kernels


@kernel
def _big_self_atari(state, point, colour):
    """Whether ``colour`` at ``point`` leaves a string of `BIG_SELF_ATARI` stones or more with
    one liberty (after its captures)."""
    empty_neighbours = 0
    stones = 1
    for k in range(4):
        neighbour = NEIGHBOURS[point, k]
        if neighbour == NO_POINT:
            break
        if state.colour[neighbour] == EMPTY:
            empty_neighbours += 1
        elif state.colour[neighbour] == colour and _new_string_around(state, point, k):
            stones += state.size[state.head[neighbour]]
    if empty_neighbours >= 2 or stones < BIG_SELF_ATARI:
        return False
    return liberties_after(state, point, colour) == 1


@kernel
def _playable(state, point, colour):
    """A playout move: sensible (legal, not filling one's own eye), and no big self-atari."""
    return is_sensible(state, point, colour) and not _big_self_atari(state, point, colour)


@kernel
def _random_move(state, colour, empties, count, candidates):
    """A uniformly random `_playable` point of ``colour`` among ``empties[:count]``, or
    NO_POINT: candidates are drawn without replacement until one is playable."""
    for k in range(count):
        candidates[k] = empties[k]
    left = count
    while left > 0:
        pick = np.random.randint(0, left)
        point = np.int64(candidates[pick])  # one integer type: each compiles anew
        if _playable(state, point, colour):
            return point
        left -= 1
        candidates[pick] = candidates[left]
    return NO_POINT


@njit(cache=True)
def _atari_reply(state, colour, last):
    """A reply to the opponent's move at ``last`` (a point, or NO_POINT after a pass):
    capture its string if it is in atari, else save a string of ``colour`` it put in atari
    (by a capture, or by extending to two liberties or more); NO_POINT when there is none."""
    if last == NO_POINT:
        return NO_POINT
    if state.liberty_count[state.head[last]] == 1:
        point = first_liberty(state, state.head[last], NO_POINT)
        if _playable(state, point, colour):
            return point
    for neighbour in NEIGHBOURS[last]:
        if neighbour == NO_POINT:
            break
        if state.colour[neighbour] != colour or state.liberty_count[state.head[neighbour]] != 1:
            continue
        for saving in defences(state, np.int64(neighbour)):
            move = np.int64(saving)
            if _playable(state, move, colour) and (
                would_capture(state, move, colour) > 0 or liberties_after(state, move, colour) > 1
            ):
                return move
    return NO_POINT


@kernel
def _collect_empties(colour, empties, where):
    """List the empty points in ``empties`` (``where[p]``: p's index there); return how many."""
    count = 0
    for point in range(NUM_POINTS):
        if colour[point] == EMPTY:
            empties[count] = point
            where[point] = count
            count += 1
    return count


@kernel
def _last_move(state):
    """The point of the last move played, NO_POINT after a pass or before any move."""
    for point in range(NUM_POINTS):
        if state.colour[point] != EMPTY and state.placed_at[point] == state.meta[PLY] - 1:
            return point
    return NO_POINT


@njit(cache=True)
def _play_out(state, empties, where, candidates):
    """Play random `_playable` moves in place until both sides pass (or `MAX_MOVES`)."""
    count = _collect_empties(state.colour, empties, where)
    colour = np.int64(state.meta[TO_MOVE])
    passes = 0
    last = _last_move(state)
    for _ in range(MAX_MOVES):
        point = _atari_reply(state, colour, last)
        if point == NO_POINT:
            point = _random_move(state, colour, empties, count, candidates)
        last = point
        if point == NO_POINT:
            play_pass(state, colour)
            passes += 1
            if passes == 2:
                break
        else:
            passes = 0
            if play_stone(state, point, colour) > 0:
                count = _collect_empties(state.colour, empties, where)
            else:  # the point leaves the list: the last empty point takes its place
                count -= 1
                moved = empties[count]
                empties[where[point]] = moved
                where[moved] = where[point]
        colour = BLACK + WHITE - colour


@njit(cache=True)
def _copy_into(source, target):
    """Make ``target`` (a state of the same shapes) equal to ``source``."""
    target.colour[:] = source.colour
    target.head[:] = source.head
    target.next_stone[:] = source.next_stone
    target.size[:] = source.size
    target.liberty_bits[:] = source.liberty_bits
    target.liberty_count[:] = source.liberty_count
    target.placed_at[:] = source.placed_at
    target.meta[:] = source.meta


@njit(cache=True)
def _estimate(state, komi, playouts, seed, black_owned, white_owned, margins):
    """Run the playouts from ``state`` (unchanged): count per point the playouts ending with it
    black's / white's, and each playout's margin area(B) - area(W) - komi."""
    np.random.seed(seed)
    trial = copy_state(state)
    empties = np.empty(NUM_POINTS, dtype=np.int16)
    where = np.empty(NUM_POINTS, dtype=np.int16)
    candidates = np.empty(NUM_POINTS, dtype=np.int16)
    owner = np.empty(NUM_POINTS, dtype=np.int8)
    queue = np.empty(NUM_POINTS, dtype=np.int16)
    for n in range(playouts):
        _copy_into(state, trial)
        _play_out(trial, empties, where, candidates)
        area_owners(trial.colour, owner, queue)
        margin = -komi
        for point in range(NUM_POINTS):
            if owner[point] == BLACK:
                black_owned[point] += 1
                margin += 1
            elif owner[point] == WHITE:
                white_owned[point] += 1
                margin -= 1
        margins[n] = margin


# ---------------------------------------------------------------------------------------------
# Python interface


def _empty_plane() -> np.ndarray:
    return np.zeros((BOARD_SIZE, BOARD_SIZE), dtype=np.float32)


@dataclass(frozen=True)
class Estimate:
    """What the playouts from a position say. Planes are (19, 19) ``[row, col]``, row 0 being
    sgfmill's row 0 (the bottom line).

    ``ownership``: the mean owner of each point at the playouts' ends, +1 Black, -1 White, 0
    neither (or as often one as the other); ``black_margin``: each playout's area(B) - area(W)
    - komi; ``neutral``: the fraction of playouts in which neither owns the point (seki, a
    cycle cut by `MAX_MOVES`).
    """

    ownership: np.ndarray
    black_margin: np.ndarray
    komi: float
    neutral: np.ndarray = field(default_factory=_empty_plane)

    @property
    def playouts(self) -> int:
        return int(self.black_margin.size)

    @property
    def score(self) -> float:
        """The mean margin, Black minus White, komi included (positive: Black leads)."""
        return float(self.black_margin.mean())

    @property
    def black_wins(self) -> float:
        """The fraction of playouts Black wins (a draw, with an integer komi, counts half)."""
        margin = self.black_margin
        return float(np.mean(margin > 0) + np.mean(margin == 0) / 2)

    def _string_shares(self, position: Position) -> tuple[np.ndarray, np.ndarray]:
        """The stones' points, and for each the fraction of playouts in which the opponent
        owns its point, averaged over its string (so a string lives or dies whole)."""
        state = position.state
        stones = np.flatnonzero(state.colour)
        sign = np.where(state.colour[stones] == BLACK, 1.0, -1.0)
        own = self.ownership.ravel()[stones] * sign
        opponent = (1.0 - self.neutral.ravel()[stones] - own) / 2
        heads = state.head[stones]
        per_string = np.bincount(heads, opponent, NUM_POINTS) / np.maximum(
            np.bincount(heads, minlength=NUM_POINTS), 1
        )
        return stones, per_string[heads]

    def dead(self, position: Position, threshold: float = DEAD) -> list[Point]:
        """The dead stones of ``position`` (sorted sgfmill points): those of the strings whose
        points the opponent owns in more than ``threshold`` of the playouts, on average."""
        stones, shares = self._string_shares(position)
        return sorted(from_index(int(point)) for point in stones[shares > threshold])

    def seki(self, position: Position, threshold: float = SEKI, dead: float = DEAD) -> list[Point]:
        """The stones of ``position`` in seki, as far as playouts can tell (sorted points):
        those of the strings not `dead` (at threshold ``dead``) next to an empty point that
        neither side owns in more than ``threshold`` of the playouts. Playouts never play a
        self-atari of three or more stones, so the shared liberties of a seki stay empty."""
        state = position.state
        shared = (state.colour == EMPTY) & (self.neutral.ravel() > threshold)
        around = NEIGHBOURS[shared].ravel()
        around = around[around != NO_POINT]
        heads = set(state.head[around[state.colour[around] != EMPTY]].tolist())
        stones, shares = self._string_shares(position)
        alive = stones[shares <= dead]
        return sorted(from_index(int(p)) for p in alive if int(state.head[p]) in heads)

    def area_score(self, position: Position, threshold: float = DEAD) -> float:
        """The final score of ``position`` by Chinese area, Black minus White, komi included:
        its `dead` stones (at ``threshold``) taken off, then stones and the empty regions
        bordered by one colour only counted (dame and seki points count for neither)."""
        return float(area(position, self.dead(position, threshold)).sum() - self.komi)


def estimate(position: Position, komi: float, playouts: int = 200, seed: int = 0) -> Estimate:
    """Play ``position`` out ``playouts`` times from its player to move and count who owns
    each point; ``komi`` is White's compensation. The same ``seed`` (any non-negative integer)
    gives the same estimate."""
    if isinstance(playouts, bool) or not isinstance(playouts, Integral) or playouts < 1:
        raise ValueError(f"playouts must be a positive integer, got {playouts!r}")
    if isinstance(seed, bool) or not isinstance(seed, Integral) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    if not math.isfinite(komi):
        raise ValueError(f"komi must be a finite number, got {komi!r}")
    playouts = int(playouts)
    black_owned = np.zeros(NUM_POINTS, dtype=np.int64)
    white_owned = np.zeros(NUM_POINTS, dtype=np.int64)
    margins = np.empty(playouts, dtype=np.float32)
    numba_seed = int(np.random.SeedSequence(seed).generate_state(1)[0])  # numba's is 32 bits
    _estimate(position.state, float(komi), playouts, numba_seed, black_owned, white_owned, margins)
    neither = playouts - black_owned - white_owned
    return Estimate(
        ownership=((black_owned - white_owned) / playouts)
        .astype(np.float32)
        .reshape(BOARD_SIZE, BOARD_SIZE),
        black_margin=margins,
        komi=float(komi),
        neutral=(neither / playouts).astype(np.float32).reshape(BOARD_SIZE, BOARD_SIZE),
    )
