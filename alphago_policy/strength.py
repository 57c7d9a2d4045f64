"""Strength levels: named ways of choosing moves from the policy, from a beginner's opponent
up to the full network, each still a move a person might play.

A level names a network and how its move is chosen among the sensible points that `Game`
allows (legal, not filling an own eye, and only where it matters once the opponent passed):

- **best of M drawn at random**: M of the allowed points are drawn uniformly, and the one the
  network likes best is played. Small M makes many moves second-rate but rarely absurd
  (the best of a few random points is still the network's choice among them); as M grows the
  network's own first choice is drawn more often, and with all points it is always played.
  KaTrain's calibrated bots choose this way, M growing with the rank.
- **temperature**: a move sampled from p^(1/T).
- **a weaker network**: the k=32 and k=64 networks this project trained before the shipped
  k=192 (alphago_policy/weights/policy_k32.pt, policy_k64.pt; their cards say what they are).
- **8 symmetries**: the network's probabilities averaged over the board's 8 rotations and
  reflections (one batch), at the top level.

The ladder and its calibration against GNU Go and Pachi are recorded in
benchmarks/results/calibration.md (`python -m benchmarks.calibration`).
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from alphago_policy.game import choose_point
from alphago_policy.policy import WEIGHTS_DIR, Policy, load_policy
from sgf_data.coords import Point

if TYPE_CHECKING:
    from alphago_policy.game import Game


@dataclass(frozen=True)
class Level:
    """One strength level: its network (a file in alphago_policy/weights; None: the shipped
    one, or the --weights given) and how it chooses among the allowed points."""

    number: int
    name: str
    weights: str | None = None
    picks: int = 0  # the best of this many allowed points drawn at random; 0: of all of them
    temperature: float = 0.0
    symmetries: int = 1
    rank: str = ""  # its estimated KGS rank (benchmarks/results/calibration.md); "": not yet

    def describe(self) -> str:
        """What the level does, and the rank it measured, in a few words (GTP `name`, the
        board's status line, SGFs).

        >>> LEVELS[0].describe()
        'strength 1 (beginner): k=32 network, best of 4 random moves'
        >>> Level(9, "master", rank="1k").describe()
        'strength 9 (master, about 1k): full network'
        """
        width = (self.weights or "").removeprefix("policy_k").removesuffix(".pt")
        parts = [f"k={width} network" if self.weights else "full network"]
        if self.picks:
            parts.append(f"best of {self.picks} random moves")
        if self.temperature:
            parts.append(f"temperature {self.temperature:g}")
        if self.symmetries > 1:
            parts.append(f"{self.symmetries} symmetries averaged")
        rank = f", about {self.rank}" if self.rank else ""
        return f"strength {self.number} ({self.name}{rank}): {', '.join(parts)}"

    def choose(
        self, probabilities: np.ndarray, allowed: np.ndarray, rng: np.random.Generator
    ) -> Point | None:
        """The level's move among the `allowed` points (see `Game`), None when none is."""
        if self.picks:
            allowed = drawn(allowed, self.picks, rng)
        return choose_point(probabilities, allowed, self.temperature, rng)


def drawn(allowed: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    """`count` of the allowed points drawn at random (all of them when there are fewer).

    >>> allowed = np.array([[True, True], [False, True]])
    >>> int(drawn(allowed, 2, np.random.default_rng(0)).sum()), bool(
    ...     (drawn(allowed, 2, np.random.default_rng(0)) <= allowed).all())
    (2, True)
    >>> drawn(allowed, 5, np.random.default_rng(0)).tolist()
    [[True, True], [False, True]]
    """
    points = np.flatnonzero(allowed.reshape(-1))
    if len(points) <= count:
        return allowed
    chosen = np.zeros(allowed.size, dtype=bool)
    chosen[rng.choice(points, size=count, replace=False)] = True
    return chosen.reshape(allowed.shape)


K32, K64 = "policy_k32.pt", "policy_k64.pt"
LEVELS = (  # spaced by how often they play the expert's move (benchmarks/results/levels.md)
    Level(1, "beginner", K32, picks=4),
    Level(2, "novice", K32, picks=10),
    Level(3, "casual", K32, picks=24),
    Level(4, "learner", K32, picks=64),
    Level(5, "improver", K32, picks=128, rank="15k"),
    Level(6, "club", K32, rank="9k"),
    Level(7, "strong club", K64, rank="5k"),
    Level(8, "expert", None, temperature=0.5, rank="2k"),
    Level(9, "master", None, rank="1k"),
    Level(10, "master, 8 symmetries", None, symmetries=8),
)
STRONGEST = LEVELS[-1].number


def level(number: int) -> Level:
    """Level `number` (1 to STRONGEST); ValueError naming the levels otherwise."""
    if not 1 <= number <= STRONGEST:
        raise ValueError(f"strength {number}: choose a level from 1 (weakest) to {STRONGEST}")
    return LEVELS[number - 1]


@functools.lru_cache(maxsize=8)
def _loaded(path: str | None) -> Policy:
    return load_policy(path)


def policy_for(chosen: Level, weights: str | None = None) -> Policy:
    """The network of a level, loaded once per process: its own file, or for the levels of the
    shipped network `weights` (None: the shipped one), with its symmetries."""
    path = str(WEIGHTS_DIR / chosen.weights) if chosen.weights else weights
    return dataclasses.replace(_loaded(path), symmetries=chosen.symmetries)


def set_strength(game: Game, number: int, weights: str | None = None) -> Level:
    """Make `game`'s network play at level `number` from its next move (ValueError for a
    level that does not exist); `weights` as in `policy_for`."""
    chosen = level(number)
    game.policy = policy_for(chosen, weights)
    game.strength = chosen
    return chosen


def set_symmetries(game: Game, count: int) -> None:
    """Average `game`'s network over `count` symmetries (8, or 1 for none) from its next move,
    whatever its level; its name says so."""
    policy = game.policy
    base = policy.description.removesuffix(f", {policy.symmetries} symmetries averaged")
    named = f"{base}, {count} symmetries averaged" if count > 1 else base
    game.policy = dataclasses.replace(policy, symmetries=count, description=named)
