"""Batched games between two policy networks, both sampling: the self-play of `rl` and matches.

`play_games` plays n games at once: every ply, the games whose player to move is the first
network go through it in one forward pass, the others through the second, and each side
samples its move from its softmax over the moves the project's playout rule allows
(`sgf_data.board.is_sensible`: legal, simple ko included, and not filling its own eye; this
is the sensibleness plane of the 48 features, so the mask comes with the input for free). A
side with no such move passes; a game ends when both pass in a row (neither side has a
sensible move left) or after `MAX_MOVES`, and is counted by Chinese area with komi
(`sgf_data.scoring.area_owners`): once no sensible move is left, every dead stone has been
taken off, so the board itself is the count.

The rules and the feature planes of all n games are one compiled call per ply, its loop over
the games spread over numba's threads (`engine_threads`): no inter-process traffic, the planes
written straight into the batch the network reads. `benchmarks/selfplay.py` measures the
engine's share against the network's.

`play_match` plays a match between two weights files (each side black in half the games) and
gives the wins with a Wilson 95% interval: `python -m alphago_policy rl match A.pt B.pt`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numba
import numpy as np
import torch
from numba import njit, prange

from alphago_policy.analysis import wilson_interval
from alphago_policy.game import DEFAULT_KOMI
from alphago_policy.runtime import autocast, memory_format
from sgf_data.board import (
    BLACK,
    NO_POINT,
    PLY,
    TO_MOVE,
    WHITE,
    State,
    empty_state,
    play_pass,
    play_stone,
)
from sgf_data.coords import NUM_POINTS
from sgf_data.features import NUM_PLANES, PLANE_GROUPS, _all_planes
from sgf_data.playouts import MAX_MOVES
from sgf_data.scoring import area_owners

KOMI = DEFAULT_KOMI
SENSIBLE = PLANE_GROUPS["sensibleness"].start  # the plane of the moves a side may sample
PASS = NO_POINT
NO_MOVE = -2  # `Boards.play`: nothing to play (the planes of the start)

if numba.config.THREADING_LAYER == "default":
    # numba's own thread pool: its OpenMP one resets torch's thread count when it starts (and
    # idle OpenMP threads spin), which on a shared CPU made the network's passes many times slower
    numba.config.THREADING_LAYER = "workqueue"


# ---------------------------------------------------------------------------------------------
# The engine: n games as the rows of stacked `State` arrays


@njit(cache=True)
def _row(arrays, i):
    """Game ``i``'s `State`: views of row ``i`` of the stacked arrays."""
    colour, head, next_stone, size, liberty_bits, liberty_count, placed_at, meta = arrays
    return State(
        colour[i],
        head[i],
        next_stone[i],
        size[i],
        liberty_bits[i],
        liberty_count[i],
        placed_at[i],
        meta[i],
    )


@njit(cache=True)
def _advance_one(arrays, i, moves, active, passes, max_moves, out):
    """Game ``i``, if active: play its move (`PASS` passes, `NO_MOVE` plays nothing), end it
    after two passes in a row or ``max_moves`` plies, else write its planes into ``out[i]``."""
    if not active[i]:
        return
    state = _row(arrays, i)
    player = state.meta[TO_MOVE]
    if moves[i] == PASS:
        play_pass(state, player)
        passes[i] += 1
    elif moves[i] != NO_MOVE:
        play_stone(state, moves[i], player)
        passes[i] = 0
    if passes[i] >= 2 or state.meta[PLY] >= max_moves:
        active[i] = False
        return
    out[i] = 0
    _all_planes(state, out[i])


@njit(cache=True)
def _advance(arrays, moves, active, passes, max_moves, out):
    """`_advance_one` for every game, one after the other."""
    for i in range(moves.size):
        _advance_one(arrays, i, moves, active, passes, max_moves, out)


@njit(cache=True, parallel=True)
def _advance_parallel(arrays, moves, active, passes, max_moves, out):
    """`_advance_one` for every game, the games spread over numba's threads."""
    for i in prange(moves.size):
        _advance_one(arrays, i, moves, active, passes, max_moves, out)


@njit(cache=True)
def _black_areas(colour):
    """Each game's area for Black minus White's (stones and the regions one colour borders)."""
    owner = np.empty(NUM_POINTS, dtype=np.int8)
    queue = np.empty(NUM_POINTS, dtype=np.int16)
    areas = np.zeros(colour.shape[0], dtype=np.int64)
    for i in range(colour.shape[0]):
        area_owners(colour[i], owner, queue)
        for point in range(NUM_POINTS):
            areas[i] += (owner[point] == BLACK) - (owner[point] == WHITE)
    return areas


class Boards:
    """n games in progress: their states stacked row by row, which of them still run, the
    passes in a row, and the feature planes of every running game's position."""

    def __init__(self, n: int, max_moves: int = MAX_MOVES) -> None:
        self.arrays = State._make(np.stack([array] * n) for array in empty_state())
        self.active = np.ones(n, dtype=np.bool_)
        self.passes = np.zeros(n, dtype=np.int64)
        self.planes = np.zeros((n, NUM_PLANES, NUM_POINTS), dtype=np.uint8)
        self.max_moves = max_moves
        self.play(np.full(n, NO_MOVE))

    def play(self, moves: np.ndarray) -> None:
        """Play one move (a point, or `PASS`) in every running game and compute the planes of
        those still running: one compiled call, over numba's threads when it has several (a
        parallel launch costs more than a few games' rules on one thread)."""
        advance = _advance_parallel if numba.get_num_threads() > 1 else _advance
        moves = moves.astype(np.int64)
        advance(self.arrays, moves, self.active, self.passes, self.max_moves, self.planes)

    @property
    def to_move(self) -> np.ndarray:
        """Each game's player to move (`BLACK` or `WHITE`)."""
        return self.arrays.meta[:, TO_MOVE]

    @property
    def plies(self) -> np.ndarray:
        """Moves and passes played in each game."""
        return self.arrays.meta[:, PLY].astype(np.int64)

    def black_margins(self, komi: float) -> np.ndarray:
        """Each game's area count for Black minus White's, less komi (positive: Black wins).

        >>> Boards(2).black_margins(7.5).tolist()  # the empty board: no one's area
        [-7.5, -7.5]
        """
        return _black_areas(self.arrays.colour) - komi


# ---------------------------------------------------------------------------------------------
# The networks' side


@dataclass(frozen=True)
class Precision:
    """How the networks compute (see `runtime.uses_bf16`): the fields of train's Settings."""

    bf16: bool = True
    channels_last: bool = True

    def autocast(self, device: torch.device):
        return autocast(device, self)

    def layout(self, device: torch.device) -> torch.memory_format:
        return memory_format(device, self)


def network_input(planes: np.ndarray, device: torch.device, precision: Precision) -> torch.Tensor:
    """Feature planes uint8 (B, 48, 361) as the network's float input (B, 48, 19, 19)."""
    x = torch.from_numpy(planes).to(device, non_blocking=True).float()
    return x.view(len(planes), NUM_PLANES, 19, 19).contiguous(
        memory_format=precision.layout(device)
    )


def masked_logits(model: torch.nn.Module, x: torch.Tensor, precision: Precision) -> torch.Tensor:
    """The network's float32 logits (B, 361), -inf where the sensibleness plane forbids."""
    with precision.autocast(x.device):
        logits = model(x).float()
    allowed = x[:, SENSIBLE].reshape(len(x), NUM_POINTS) > 0
    return logits.masked_fill(~allowed, -torch.inf)


@torch.inference_mode()
def sample_moves(model: torch.nn.Module, planes: np.ndarray, precision: Precision) -> np.ndarray:
    """One move per position sampled from the network's softmax over its sensible points
    (temperature 1, torch's generator of the model's device); `PASS` where there are none."""
    device = next(model.parameters()).device
    logits = masked_logits(model, network_input(planes, device, precision), precision)
    playable = torch.isfinite(logits).any(1)
    moves = torch.full((len(planes),), PASS, dtype=torch.int64, device=device)
    if playable.any():
        probabilities = torch.softmax(logits[playable], 1)
        moves[playable] = torch.multinomial(probabilities, 1).squeeze(1)
    return moves.cpu().numpy()


# ---------------------------------------------------------------------------------------------
# Games


@dataclass
class Record:
    """The positions of one side's moves (planes packed by np.packbits), the moves and the
    games they belong to: what the policy gradient learns from."""

    planes: list[np.ndarray] = field(default_factory=list)
    moves: list[np.ndarray] = field(default_factory=list)
    games: list[np.ndarray] = field(default_factory=list)

    def add(self, planes: np.ndarray, moves: np.ndarray, games: np.ndarray) -> None:
        played = moves != PASS  # a pass is forced (no sensible move): nothing to learn
        self.planes.append(np.packbits(planes[played], axis=-1))
        self.moves.append(moves[played])
        self.games.append(games[played])

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(packed planes (N, 48, 46), moves (N,), game of each (N,))."""
        return (
            np.concatenate(self.planes),
            np.concatenate(self.moves),
            np.concatenate(self.games),
        )


def unpack(packed: np.ndarray) -> np.ndarray:
    """Planes packed by `Record` back as uint8 (N, 48, 361)."""
    return np.unpackbits(packed, axis=-1, count=NUM_POINTS)


class Interrupted(Exception):
    """Games dropped unfinished at a stop request."""


@dataclass
class Games:
    """What a batch of games came to, from the first network's side."""

    first_black: np.ndarray  # bool (n,): the first network played Black
    black_margin: np.ndarray  # area(B) - area(W) - komi
    plies: np.ndarray  # moves and passes played
    capped: np.ndarray  # bool: stopped by the move limit, not by two passes
    stones: np.ndarray  # int8 (n, 361): the final boards, EMPTY / BLACK / WHITE per point
    seconds: float
    engine_seconds: float  # of which the rules and planes took these
    record: Record | None = None  # the first network's moves, when asked for

    @property
    def first_won(self) -> np.ndarray:
        """bool (n,): the first network won the game."""
        return (self.black_margin > 0) == self.first_black

    @property
    def positions(self) -> int:
        """Positions the networks evaluated: every ply's move but the final passes'."""
        return int(self.plies.sum())


def play_games(
    first: torch.nn.Module,
    second: torch.nn.Module,
    first_black: np.ndarray,
    precision: Precision = Precision(),
    komi: float = KOMI,
    max_moves: int = MAX_MOVES,
    record: bool = False,
    stop: Callable[[], bool] | None = None,
) -> Games:
    """Play ``len(first_black)`` games at once between two networks, both sampling; the first
    plays Black where ``first_black``. With ``record``, keep the first network's moves.
    ``stop`` is asked every ply; when it says True, the games are dropped (`Interrupted`)."""
    start = time.perf_counter()
    boards = Boards(len(first_black), max_moves)
    first_colour = np.where(first_black, BLACK, WHITE)
    kept = Record() if record else None
    moves = np.empty(len(first_black), dtype=np.int64)
    engine = time.perf_counter() - start
    while boards.active.any():
        if stop is not None and stop():
            raise Interrupted
        moves[:] = PASS
        for model, own in ((first, True), (second, False)):
            turn = np.flatnonzero(boards.active & ((boards.to_move == first_colour) == own))
            if turn.size == 0:
                continue
            planes = boards.planes[turn]
            moves[turn] = sample_moves(model, planes, precision)
            if own and kept is not None:
                kept.add(planes, moves[turn], turn)
        before = time.perf_counter()
        boards.play(moves)
        engine += time.perf_counter() - before
    plies = boards.plies
    return Games(
        first_black=np.asarray(first_black, dtype=np.bool_),
        black_margin=boards.black_margins(komi),
        plies=plies,
        capped=(plies >= max_moves) & (boards.passes < 2),
        stones=boards.arrays.colour.copy(),
        seconds=time.perf_counter() - start,
        engine_seconds=engine,
        record=kept,
    )


def alternating_colours(n: int) -> np.ndarray:
    """The first network Black in the even games, White in the odd ones.

    >>> alternating_colours(3).tolist()
    [True, False, True]
    """
    return np.arange(n) % 2 == 0


@dataclass(frozen=True)
class MatchResult:
    """The first network's wins in a match, with the games' length and speed."""

    wins: int
    games: int
    plies: int
    capped: int
    seconds: float

    @property
    def win_rate(self) -> float:
        return self.wins / self.games

    @property
    def interval(self) -> tuple[float, float]:
        """The Wilson 95% interval of the win rate."""
        return wilson_interval(self.wins, self.games)

    def summary(self) -> dict[str, float | int]:
        low, high = self.interval
        return {
            "wins": self.wins,
            "games": self.games,
            "win_rate": round(self.win_rate, 4),
            "low": round(low, 4),
            "high": round(high, 4),
            "mean_plies": round(self.plies / self.games, 1),
            "capped": self.capped,
            "games_per_s": round(self.games / self.seconds, 3),
        }


def play_match(
    first: torch.nn.Module,
    second: torch.nn.Module,
    games: int,
    batch: int = 128,
    precision: Precision = Precision(),
    komi: float = KOMI,
    max_moves: int = MAX_MOVES,
    progress=None,
) -> MatchResult:
    """``games`` games between two networks, both sampling, ``batch`` at a time, the first
    Black in every other game; ``progress.update(n)`` is called after each batch."""
    wins = plies = capped = 0
    start = time.perf_counter()
    for done in range(0, games, batch):
        n = min(batch, games - done)
        colours = alternating_colours(done + n)[done:]  # alternate across batches too
        result = play_games(first, second, colours, precision, komi, max_moves)
        wins += int(result.first_won.sum())
        plies += result.positions
        capped += int(result.capped.sum())
        if progress is not None:
            progress.update(n)
    return MatchResult(wins, games, plies, capped, time.perf_counter() - start)


def set_engine_threads(threads: int) -> int:
    """Use ``threads`` numba threads for the rules and planes (0: numba's default, all
    cores); returns the number in use."""
    numba.set_num_threads(threads or numba.config.NUMBA_NUM_THREADS)
    return numba.get_num_threads()
