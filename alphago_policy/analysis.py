"""The analysis a GUI draws: the network's candidate moves, each with the playouts that follow it.

The policy network ranks the moves (its prior); random playouts after each candidate count
its visits, shared among the candidates in proportion to their prior (so the visits size a
GUI's heat map as the network's probabilities do), and the playouts of the position say who
owns each point. Every `step` adds a round of playouts while a GUI waits.

What uniformly random playouts cannot tell is who is winning while the game is open: in the
opening and the middle game their win rates and margins are noise (on the professional games
of tests/fixtures/games, Black won between a third and two thirds of the playouts at moves 20
to 100 whoever won the game, and the mean margin swung by 30 points in 20 moves). So a
candidate's `verdict` (win rate, its lower bound, score lead and spread) is the playouts' only
late in the game, once `LATE_GAME` of the board's points have an owner the playouts agree on;
before that it is UNKNOWN: a win rate of 0.5 and a score of 0, the same for every move, which
GUIs draw as a flat line.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from alphago_policy.game import SETTLED, Game
from sgf_data.coords import BOARD_SIZE, Point
from sgf_data.playouts import Estimate, estimate

ROUND_PLAYOUTS = 200  # playouts per round, over all candidates (tens of ms on one core)
MAX_ROUNDS = 25  # after these the statistics stay as they are until the next command
# The share of the board's points whose owner the playouts agree on (|ownership| >= SETTLED)
# from which their win rates and scores are reported. On the professional games of
# tests/fixtures/games: under 0.15 in the first 100 moves, mostly under 0.3 until the last 40,
# 0.5 to 0.85 at the end of those played out (those resigned end open, 0 to 0.6).
LATE_GAME = 0.75


def wilson_interval(wins: float, games: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval of a win rate (95% for z = 1.96); sound at 0 and at n wins.

    >>> [round(x, 3) for x in wilson_interval(0, 4)]
    [0.0, 0.49]
    >>> [round(x, 3) for x in wilson_interval(97, 100)]
    [0.915, 0.99]
    """
    if games == 0:
        return 0.0, 1.0
    p = wins / games
    scale = 1 + z * z / games
    centre = (p + z * z / (2 * games)) / scale
    half = z * math.sqrt(p * (1 - p) / games + z * z / (4 * games * games)) / scale
    return max(0.0, centre - half), min(1.0, centre + half)


def share(priors: np.ndarray, total: int) -> np.ndarray:
    """Playouts for each candidate this round: in proportion to its prior, at least one.

    >>> share(np.array([0.6, 0.3, 0.1]), 100).tolist()
    [60, 30, 10]
    >>> share(np.array([0.98, 0.0001]), 10).tolist()
    [10, 1]
    """
    return np.maximum(1, np.rint(total * priors / max(priors.sum(), 1e-12))).astype(int)


def _plane() -> np.ndarray:
    return np.zeros((BOARD_SIZE, BOARD_SIZE))


@dataclass
class Candidate:
    """A move and what the playouts after it say, from the view of the player making it."""

    point: Point
    prior: float
    visits: int = 0
    wins: float = 0.0  # playouts the player wins, a draw counting half
    margin_sum: float = 0.0  # of the player's margins (area minus the opponent's, komi in)
    margin_squares: float = 0.0
    owners: np.ndarray = field(default_factory=_plane)  # sum over the playouts of ownership
    neutral: np.ndarray = field(default_factory=_plane)  # ... and of the neutral points

    @property
    def winrate(self) -> float:
        return self.wins / self.visits if self.visits else 0.5

    @property
    def lcb(self) -> float:
        """The lower end of the winrate's 95% interval (Wilson): what GUIs sort the moves by."""
        return wilson_interval(self.wins, self.visits)[0]

    @property
    def score_lead(self) -> float:
        return self.margin_sum / self.visits if self.visits else 0.0

    @property
    def score_stdev(self) -> float:
        if not self.visits:
            return 0.0
        return math.sqrt(max(self.margin_squares / self.visits - self.score_lead**2, 0.0))

    def add(self, margins: np.ndarray, playouts: Estimate) -> None:
        """Count `playouts` after the move, ending with the player's `margins`."""
        self.visits += margins.size
        self.wins += float(np.sum(margins > 0) + np.sum(margins == 0) / 2)
        self.margin_sum += float(margins.sum())
        self.margin_squares += float(np.square(margins, dtype=np.float64).sum())
        self.owners += margins.size * playouts.ownership
        self.neutral += margins.size * playouts.neutral

    def estimate(self, komi: float) -> Estimate:
        """All the playouts after the move as one estimate (without their margins)."""
        visits = max(self.visits, 1)
        return Estimate(self.owners / visits, np.zeros(0), komi, self.neutral / visits)


@dataclass(frozen=True)
class Verdict:
    """What an analysis line says of a candidate, from the view of the player making it."""

    winrate: float = 0.5
    lcb: float = 0.5  # the lower end of the winrate's 95% interval: what GUIs sort moves by
    score_lead: float = 0.0  # points, by area count with the dead stones taken off
    score_stdev: float = 0.0  # of the playouts' margins


UNKNOWN = Verdict()  # what the playouts say of a move while the game is open: nothing


def settled_share(ownership: np.ndarray) -> float:
    """The share of the points whose owner the playouts agree on.

    >>> settled_share(np.array([[1.0, -0.95], [0.2, 0.0]]))
    0.5
    """
    return float(np.mean(np.abs(ownership) >= SETTLED))


class Analysis:
    """The candidates of `colour` in the game's position (the `count` most probable sensible
    moves, none in `avoid`, only those in `allow` when it is given), in the network's order."""

    def __init__(
        self,
        game: Game,
        colour: str,
        count: int,
        avoid: Iterable[Point] = (),
        allow: Iterable[Point] | None = None,
    ) -> None:
        self.game, self.colour = game, colour
        self.position = game.view(colour)
        allowed = self.position.sensible_points(colour)
        for point in avoid:
            allowed[point] = False
        if allow is not None:
            only = np.zeros_like(allowed)
            for point in allow:
                only[point] = True
            allowed &= only
        probabilities = game.policy.probabilities(self.position) * allowed
        order = np.argsort(-probabilities, axis=None, kind="stable")[: max(count, 0)]
        self.candidates = [
            Candidate(divmod(int(index), BOARD_SIZE), float(probabilities.flat[index]))
            for index in order
            if allowed.flat[index]
        ]
        self.rounds = 0
        self.late = settled_share(self.ownership()) >= LATE_GAME

    def verdict(self, candidate: Candidate) -> Verdict:
        """The candidate's win rate and score as the playouts tell them late in the game (the
        score counts the board after the move, the stones its playouts find dead taken off:
        their mean margin is far noisier); UNKNOWN before (see the module docstring)."""
        if not (self.late and candidate.visits):
            return UNKNOWN
        after = self.position.copy()
        after.play(self.colour, candidate.point)
        sign = 1 if self.colour == "b" else -1
        lead = sign * candidate.estimate(self.game.komi).area_score(after)
        return Verdict(candidate.winrate, candidate.lcb, lead, candidate.score_stdev)

    @property
    def done(self) -> bool:
        return self.rounds >= MAX_ROUNDS or not self.candidates

    def step(self) -> None:
        """One more round of playouts after the candidates (none once `done`)."""
        if self.done:
            return
        sign = 1 if self.colour == "b" else -1
        priors = np.array([candidate.prior for candidate in self.candidates])
        for candidate, playouts in zip(self.candidates, share(priors, ROUND_PLAYOUTS), strict=True):
            after = self.position.copy()
            after.play(self.colour, candidate.point)
            seed = self.game.seed_for(len(after.history), *candidate.point, self.rounds)
            result = estimate(after, self.game.komi, int(playouts), seed)
            candidate.add(sign * result.black_margin.astype(np.float64), result)
        self.rounds += 1

    def ownership(self) -> np.ndarray:
        """Who owns each point (19, 19), from -1 (the opponent) to +1 (the player)."""
        sign = 1 if self.colour == "b" else -1
        return sign * self.game.estimate(position=self.position).ownership
