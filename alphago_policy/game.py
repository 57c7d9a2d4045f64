"""A game against the policy network: the position, its line of moves, komi, the network's
move choice and the SGF record.

The GTP engine (`alphago_policy.gtp`), the board (`alphago_policy.play`) and the benchmarks all
play through a `Game`; the rules themselves are `sgf_data`'s (the board, the end and the count).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from importlib import metadata
from typing import TYPE_CHECKING

import numpy as np
from sgfmill import sgf

from alphago_policy.files import atomic_open
from sgf_data import Position
from sgf_data.coords import BOARD_SIZE, Move, Point, opponent
from sgf_data.scoring import area_score, ended_by_passes, format_result

if TYPE_CHECKING:
    from alphago_policy.model import Policy
    from sgf_data.reader import Game as Record

DEFAULT_KOMI = 7.5


class GameError(ValueError):
    """An action the game cannot take now (nothing to undo, handicap on a board in play)."""


def choose_point(
    probabilities: np.ndarray,
    allowed: np.ndarray,
    temperature: float = 0.0,
    rng: np.random.Generator | None = None,
) -> Point | None:
    """The most probable allowed point, or one sampled from p^(1/T); None when none is allowed.

    >>> p = np.array([[0.1, 0.6], [0.3, 0.0]])
    >>> choose_point(p, np.array([[True, True], [True, True]]))
    (0, 1)
    >>> choose_point(p, np.array([[True, False], [True, True]]))
    (1, 0)
    >>> choose_point(p, np.zeros((2, 2), dtype=bool)) is None
    True
    """
    weights = np.where(allowed, probabilities, 0.0).astype(np.float64).reshape(-1)
    if not allowed.any():
        return None
    if temperature > 0 and weights.sum() > 0:
        weights = weights ** (1.0 / temperature)
        rng = rng or np.random.default_rng()
        index = int(rng.choice(weights.size, p=weights / weights.sum()))
    elif weights.max() > 0:
        index = int(weights.argmax())
    else:  # the network gives every allowed point 0 (underflow): any allowed point will do
        index = int(np.flatnonzero(allowed.reshape(-1))[0])
    return divmod(index, probabilities.shape[1])


def write_sgf(record: sgf.Sgf_game, path: str | os.PathLike) -> None:
    """Write an SGF game record atomically (a temporary file beside `path`, then a rename)."""
    with atomic_open(path) as f:
        f.write(record.serialise())


def version() -> str:
    """This package's version, as GTP `version` and the SGF `AP` property give it."""
    try:
        return metadata.version("alphago-policy")
    except metadata.PackageNotFoundError:
        return "0.1.0.dev0 (not installed)"


class Game:
    """A game in progress and the network that plays in it.

    `line` is the game's line of moves: those played (the position's history) and, after
    `step_back`, those still ahead, which `step_forward` replays; a different move played
    before the end of the line replaces the rest of it.
    """

    def __init__(
        self,
        policy: Policy,
        temperature: float = 0.0,
        seed: int | None = None,
        komi: float = DEFAULT_KOMI,
    ) -> None:
        self.policy = policy
        self.temperature = temperature
        self.rng = np.random.default_rng(seed)
        self.komi = komi
        self.reset()

    @property
    def name(self) -> str:
        """The network playing, as GTP `name` and the board give it."""
        return self.policy.description

    # --- the game line ---------------------------------------------------------------------

    def reset(self, black: Iterable[Point] = (), white: Iterable[Point] = ()) -> None:
        """An empty board, or one with setup stones (handicap: White moves first); komi kept."""
        self.setup = (tuple(black), tuple(white))
        to_move = "w" if self.setup[0] and not self.setup[1] else "b"
        self.position = Position.from_setup(*self.setup, to_move=to_move)
        self.line: list[Move] = []
        self.resigned: str | None = None  # the colour that resigned
        self._previous: list[Position] = []

    def place_handicap(self, points: list[Point | None]) -> None:
        """Black's handicap stones on an empty board (2 to 9 distinct points)."""
        if self.position.history or any(self.setup) or self.position.stones().any():
            raise GameError("board not empty")
        if None in points or len(set(points)) != len(points) or not 2 <= len(points) <= 9:
            raise GameError("bad vertex list")
        self.reset(black=points)

    def load(self, record: Record) -> None:
        """A game read by `sgf_data.read_games`: its setup, komi and moves, all played."""
        self.reset(record.setup_black, record.setup_white)
        self.komi = record.komi
        for move in record.moves:
            self.play(*move)

    def play(self, colour: str, point: Point | None) -> int:
        """Play a move (IllegalMove says why not); returns the stones it captured."""
        before = self.position.copy()
        captured = self.position.play(colour, point)
        self._previous.append(before)
        ply = len(self._previous)
        if self.line[ply - 1 : ply] != [(colour, point)]:
            self.line[ply - 1 :] = [(colour, point)]
        self.resigned = None
        return captured

    def undo(self) -> None:
        """Take back the last move and forget it."""
        self.step_back()
        del self.line[len(self._previous) :]

    def step_back(self) -> None:
        """Take back the last move, keeping it in the line for `step_forward`."""
        if not self._previous:
            raise GameError("cannot undo")
        self.position = self._previous.pop()
        self.resigned = None

    def step_forward(self) -> None:
        """Replay the next move of the line."""
        upcoming = self.next_move
        if upcoming is None:
            raise GameError("no move ahead in the game line")
        self.play(*upcoming)

    @property
    def next_move(self) -> Move | None:
        """The line's move after the position shown, if any."""
        ply = len(self._previous)
        return self.line[ply] if ply < len(self.line) else None

    def resign(self, colour: str) -> None:
        self.resigned = colour

    # --- the end and the count -----------------------------------------------------------

    @property
    def over(self) -> bool:
        """Whether the game has ended: two passes in a row, or a resignation."""
        return self.resigned is not None or ended_by_passes(self.position.history)

    def score(self) -> float:
        """Black's margin by area count with komi, every stone counted alive."""
        return area_score(self.position.stones(), self.komi)

    def result(self) -> str | None:
        """The SGF/GTP result of a finished game (B+3.5, W+R ...), None while it goes on."""
        if self.resigned is not None:
            return f"{opponent(self.resigned).upper()}+R"
        return format_result(self.score()) if self.over else None

    # --- the network -------------------------------------------------------------------------

    def view(self, colour: str) -> Position:
        """The position with `colour` to move (GTP lets a colour play twice in a row)."""
        if self.position.to_move == colour:
            return self.position
        view = self.position.copy()
        view.to_move = colour
        return view

    def probabilities(self, colour: str) -> np.ndarray:
        """The network's move probabilities (19, 19) for `colour`, 0 on illegal points."""
        return self.policy.probabilities(self.view(colour))

    def suggest(self, colour: str) -> Point | None:
        """The network's move for `colour` without playing it: None (pass) if nothing sensible."""
        position = self.view(colour)
        sensible = position.sensible_points(colour)  # legal and not filling an own eye
        probabilities = self.policy.probabilities(position)
        return choose_point(probabilities, sensible, self.temperature, self.rng)

    def genmove(self, colour: str) -> Point | None:
        """The network's move for `colour`, played."""
        point = self.suggest(colour)
        self.play(colour, point)
        return point

    # --- the record ------------------------------------------------------------------------

    def record(self, moves: Iterable[Move] | None = None) -> sgf.Sgf_game:
        """An sgfmill game: Chinese rules, komi, setup stones, `moves` (default: those played)
        and the result once the game is over."""
        game = sgf.Sgf_game(size=BOARD_SIZE)
        root = game.get_root()
        root.set("KM", self.komi)
        root.set("RU", "Chinese")
        root.set("AP", ("alphago-policy", version()))
        if any(self.setup):
            root.set_setup_stones(self.setup[0], self.setup[1])
            if self.setup[0] and not self.setup[1]:
                root.set("HA", len(self.setup[0]))
        result = self.result()
        if result is not None:
            root.set("RE", result)
        for colour, point in self.position.history if moves is None else moves:
            game.extend_main_sequence().set_move(colour, point)
        return game
