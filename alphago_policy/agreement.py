"""How the moves of a game agree with the policy network: per move, the network's probability of
the move played, its rank among the legal points and the network's favourites; per player, the
agreement by phase of the game and the moves the network found least likely ("surprises").

`review_game` runs the network once per position of the main line, in batches, with each
position's feature planes computed once. The network, its input and its precision are
`evaluate`'s (float32; the log-softmax over all 361 points), so a move's probability here is
evaluate's for the same position. Ranks and favourites are among the legal points, what the
player could have played. Move numbers count from 1 and include passes, as evaluate's do;
a pass has no probability (the network does not predict passes) and is left out of the figures.
The review command writes a `GameReview` into an SGF; the board's review and guess modes can
read one move by move.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import torch

from alphago_policy.metrics import PHASES, phase_of
from sgf_data.coords import Point
from sgf_data.features import planes
from sgf_data.reader import GameRecord

if TYPE_CHECKING:
    from alphago_policy.policy import Policy

SHOWN = 3  # favourites marked on the board (A, B, C)
AGREEMENT = (1, 3, 5)  # the top-k agreement figures
BATCH_SIZE = 64  # positions per forward pass: a 250-move game in 4 batches


def percent(probability: float) -> str:
    """A probability as a player reads it: one decimal, two below 0.1%, a bound below 0.01%.

    >>> percent(0.4123), percent(0.00042), percent(0.000004)
    ('41.2%', '0.04%', '<0.01%')
    """
    if probability >= 0.001:
        return f"{100 * probability:.1f}%"
    return f"{100 * probability:.2f}%" if probability >= 0.0001 else "<0.01%"


@dataclass(frozen=True)
class MoveReview:
    """The network's view of one move of a game, from the position just before it.

    `log_probabilities` is the network's log-softmax over every point ([row, col], the shape of
    the board), `legal` where the player could play; `point` is None for a pass.

    >>> p = np.log(np.array([[0.5, 0.2, 0.3]], np.float32))
    >>> move = MoveReview(7, "b", (0, 2), p, np.array([[False, True, True]]))
    >>> move.rank, move.legal_count, [(point, round(p, 3)) for point, p in move.favourites()]
    (1, 2, [((0, 2), 0.3), ((0, 1), 0.2)])
    """

    number: int
    colour: str
    point: Point | None
    log_probabilities: np.ndarray
    legal: np.ndarray

    @property
    def probabilities(self) -> np.ndarray:
        """The network's probability of each point (float32, summing to 1 over all points)."""
        return np.exp(self.log_probabilities)

    @property
    def log_probability(self) -> float | None:
        """The natural log of the probability of the move played; None for a pass."""
        return None if self.point is None else float(self.log_probabilities[self.point])

    @property
    def probability(self) -> float | None:
        """The network's probability of the move played; None for a pass."""
        log_p = self.log_probability
        return None if log_p is None else float(np.exp(log_p))

    @property
    def rank(self) -> int | None:
        """1 + how many legal points the network found more likely than the move played."""
        if self.point is None:
            return None
        better = self.legal & (self.log_probabilities > self.log_probabilities[self.point])
        return 1 + int(better.sum())

    @property
    def legal_count(self) -> int:
        """How many points the player could have played (passes aside)."""
        return int(self.legal.sum())

    def favourites(self, count: int = SHOWN) -> list[tuple[Point, float]]:
        """The network's `count` most likely legal points, best first, with their probability."""
        scores = np.where(self.legal, self.log_probabilities, -np.inf).reshape(-1)
        best = np.argsort(-scores, kind="stable")[: min(count, self.legal_count)]
        shape = self.legal.shape
        return [
            (tuple(int(i) for i in np.unravel_index(index, shape)), float(np.exp(s)))
            for index, s in zip(best, scores[best], strict=True)
        ]


@dataclass(frozen=True)
class Agreement:
    """One player's agreement with the network over some moves (passes left out): the share of
    moves the network ranked within its top 1, 3, 5, and the mean log-probability of the moves
    played; the figures are None where there are no moves."""

    phase: str
    moves: int
    top: dict[int, float | None]
    mean_log_probability: float | None


def agreement(phase: str, moves: Sequence[MoveReview]) -> Agreement:
    """The figures of `moves` (passes among them are left out).

    >>> p = np.log(np.array([[0.5, 0.2, 0.3]], np.float32))
    >>> legal = np.ones((1, 3), bool)
    >>> moves = [MoveReview(n, "b", point, p, legal) for n, point in ((1, (0, 0)), (3, (0, 1)))]
    >>> a = agreement("all", moves)
    >>> a.moves, a.top, round(a.mean_log_probability, 4)
    (2, {1: 0.5, 3: 1.0, 5: 1.0}, -1.1513)
    """
    played = [move for move in moves if move.point is not None]
    if not played:
        return Agreement(phase, 0, dict.fromkeys(AGREEMENT), None)
    ranks = np.array([move.rank for move in played])
    top = {k: float((ranks <= k).mean()) for k in AGREEMENT}
    mean = float(np.mean([move.log_probability for move in played]))
    return Agreement(phase, len(played), top, mean)


@dataclass(frozen=True)
class PlayerSummary:
    """One player's agreement per phase, then over the game, and their surprises."""

    colour: str
    rows: tuple[Agreement, ...]
    surprises: tuple[MoveReview, ...]


@dataclass(frozen=True)
class GameReview:
    """A game's main line seen by the network, move by move."""

    record: GameRecord
    network: str  # the network's description (its card)
    moves: tuple[MoveReview, ...]

    def played_by(self, colour: str) -> list[MoveReview]:
        """The moves of one player (passes included)."""
        return [move for move in self.moves if move.colour == colour]

    def surprises(self, colour: str, count: int) -> list[MoveReview]:
        """The `count` moves of `colour` the network found least likely, least likely first."""
        played = [move for move in self.played_by(colour) if move.point is not None]
        return sorted(played, key=lambda move: (move.log_probability, move.number))[:count]

    def summary(self, colour: str, surprises: int) -> PlayerSummary:
        """The figures of one player, by phase and over the game, and their surprises."""
        moves = self.played_by(colour)
        phases = phase_of(np.array([move.number for move in moves], np.int64))
        rows = [
            agreement(name, [m for m, p in zip(moves, phases, strict=True) if p == index])
            for index, name in enumerate(PHASES)
        ]
        rows.append(agreement("all", moves))
        return PlayerSummary(colour, tuple(rows), tuple(self.surprises(colour, surprises)))


def game_planes(record: GameRecord) -> tuple[np.ndarray, np.ndarray]:
    """The feature planes (N, 48, 19, 19) uint8 and the legal points (N, 19, 19) of the
    position before each move of the main line, seen by the player of that move."""
    features, legal = [], []
    for position, (colour, _) in record.replay():
        features.append(planes(position))
        legal.append(position.legal_points(colour))
    return np.stack(features), np.stack(legal)


def review_game(
    policy: Policy,
    record: GameRecord,
    batch_size: int = BATCH_SIZE,
    on_batch: Callable[[int], object] | None = None,
) -> GameReview:
    """The network's view of every move of `record`'s main line; `on_batch(positions)` is
    called after each forward pass (a progress bar)."""
    features, legal = game_planes(record)
    log_probabilities = []
    for start in range(0, len(features), batch_size):
        logits = torch.from_numpy(policy.logits(features[start : start + batch_size]))
        log_probabilities.append(logits.log_softmax(1).numpy())
        if on_batch is not None:
            on_batch(len(logits))
    board = legal.shape[1:]
    maps = np.concatenate(log_probabilities).reshape(-1, *board)
    moves = tuple(
        MoveReview(number, colour, point, maps[number - 1], legal[number - 1])
        for number, (colour, point) in enumerate(record.moves, start=1)
    )
    return GameReview(record, policy.description, moves)
