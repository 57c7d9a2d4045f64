"""A game against the policy network: the position, its line of moves, komi, the network's
move choice, the end and the count, and the SGF record.

The GTP engine (`alphago_policy.gtp`), the board (`alphago_policy.play`) and the benchmarks all
play through a `Game`; the rules themselves are `sgf_data`'s (the board, the end and the count).

The network has no search and no value head, so what it cannot see (is the game over? who
owns what? which stones are dead?) comes from random playouts (`sgf_data.playouts`): the
ownership of every point, each playout's margin and the dead stones. With them the network
passes when the opponent has passed and passing does not lose, or when no sensible move would
change who owns a point, but never while a capture or the defence of a string in atari is
urgent; it resigns (only when asked to, `resign_threshold`) when nearly all playouts lose by
more than the threshold several moves in a row; and a finished game is counted with its dead
stones taken off.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Sequence
from importlib import metadata
from typing import TYPE_CHECKING

import numpy as np
from sgfmill import sgf

from alphago_policy.files import atomic_open
from sgf_data import Position
from sgf_data.board import COLOUR_CODES, liberties_after, liberty_points
from sgf_data.coords import BOARD_SIZE, NUM_POINTS, Move, Point, from_index, opponent
from sgf_data.playouts import Estimate, estimate
from sgf_data.scoring import ended_by_passes, format_result

if TYPE_CHECKING:
    from alphago_policy.policy import Policy
    from alphago_policy.strength import Level
    from sgf_data.reader import GameRecord

DEFAULT_KOMI = 7.5
PLAYOUTS = 200  # playouts behind each move choice: about 10-40 ms on one core
FINAL_PLAYOUTS = 1000  # behind the count of a finished game and its dead stones
SETTLED = 0.9  # |ownership| from which a point's owner is decided (95% of the playouts agree)
RESIGN_SHARE = 0.95  # "nearly all playouts" lose by more than the threshold ...
RESIGN_MOVES = 3  # ... at this many of the player's moves in a row
RESIGN = "resign"
# GTP's fixed handicap placements on 19x19 (GTP 2 specification, section 4.1.1): Black's stones
FIXED_HANDICAP = {
    2: "D4 Q16",
    3: "D4 Q16 D16",
    4: "D4 Q16 D16 Q4",
    5: "D4 Q16 D16 Q4 K10",
    6: "D4 Q16 D16 Q4 D10 Q10",
    7: "D4 Q16 D16 Q4 D10 Q10 K10",
    8: "D4 Q16 D16 Q4 D10 Q10 K4 K16",
    9: "D4 Q16 D16 Q4 D10 Q10 K4 K16 K10",
}


class GameError(ValueError):
    """An action the game cannot take now (nothing to undo, handicap on a board in play)."""


def choose_point(
    probabilities: np.ndarray,
    allowed: np.ndarray,
    temperature: float = 0.0,
    rng: np.random.Generator | None = None,
) -> Point | None:
    """The most probable allowed point (temperature 0), or one sampled from p^(1/T); None when
    none is allowed. Any finite T > 0 works: p^(1/T) is taken in log space, relative to the
    most probable point, so a tiny T is the most probable move and never a NaN.

    >>> p = np.array([[0.1, 0.6], [0.3, 0.0]])
    >>> choose_point(p, np.array([[True, True], [True, True]]))
    (0, 1)
    >>> choose_point(p, np.array([[True, False], [True, True]]))
    (1, 0)
    >>> choose_point(p, np.ones((2, 2), dtype=bool), 1e-300)
    (0, 1)
    >>> choose_point(p, np.zeros((2, 2), dtype=bool)) is None
    True
    """
    if not (np.isfinite(temperature) and temperature >= 0):
        raise ValueError(f"temperature must be a finite number of 0 or more, not {temperature}")
    weights = np.where(allowed, probabilities, 0.0).astype(np.float64).reshape(-1)
    if not allowed.any():
        return None
    if weights.max() <= 0:  # the network gives every allowed point 0 (underflow): any will do
        return divmod(int(np.flatnonzero(allowed.reshape(-1))[0]), probabilities.shape[1])
    if temperature > 0:
        index = int(
            (rng or np.random.default_rng()).choice(weights.size, p=sharpened(weights, temperature))
        )
    else:
        index = int(weights.argmax())
    return divmod(index, probabilities.shape[1])


def sharpened(weights: np.ndarray, temperature: float) -> np.ndarray:
    """`weights`^(1/T), normalised to sum to 1, computed in log space (no overflow, no NaN for
    any T > 0); the zero weights stay 0.

    >>> sharpened(np.array([0.2, 0.6, 0.2, 0.0]), 1.0).round(3).tolist()
    [0.2, 0.6, 0.2, 0.0]
    >>> sharpened(np.array([0.2, 0.6, 0.2, 0.0]), 1e-9).tolist()
    [0.0, 1.0, 0.0, 0.0]
    >>> sharpened(np.array([0.2, 0.6, 0.2, 0.0]), 1e9).round(3).tolist()
    [0.333, 0.333, 0.333, 0.0]
    """
    positive = weights > 0
    logs = np.log(weights[positive])
    sharp = np.zeros_like(weights, dtype=np.float64)
    sharp[positive] = np.exp((logs - logs.max()) / temperature)
    return sharp / sharp.sum()


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


def warm_up(policy: Policy, moves_ready: Callable[[], object] = lambda: None) -> float:
    """Run every compiled kernel once (the rules engine, the feature planes, the playouts) and
    the network, so that the first real move is answered at once; returns the seconds taken.
    `moves_ready` is called as soon as a move's kernels are warm, before the count's. The
    first run in a new environment compiles the kernels; numba keeps them on disk after.
    """
    start = time.perf_counter()
    game = Game(policy, playouts=8)
    game.genmove("b")
    moves_ready()
    for colour in "wbw":
        game.genmove(colour)
    game.play("b", None)
    game.play("w", None)
    game.result()
    game.seki_stones()
    return time.perf_counter() - start


WARMING_UP = (
    "warming up (the first start compiles the rules engine and the playouts: up to a "
    "minute; later starts take about a second) ..."
)


def urgent_points(position: Position, colour: str, dead: set[Point]) -> np.ndarray:
    """Boolean (19, 19): where `colour` would capture a string in atari, or give one of its own
    strings in atari a liberty, when that string is alive (not in `dead`): the moves that make
    passing wrong.
    """
    state = position.state
    heads = np.flatnonzero((state.head == np.arange(NUM_POINTS)) & (state.liberty_count == 1))
    urgent = np.zeros((BOARD_SIZE, BOARD_SIZE), dtype=bool)
    for head in heads:
        if from_index(int(head)) in dead:
            continue
        liberty = from_index(int(liberty_points(state, head)[0]))
        if position.is_legal(colour, liberty):
            urgent[liberty] = True
    return urgent


def self_atari(position: Position, colour: str, point: Point) -> bool:
    """Whether `colour` at empty `point` leaves its new string with at most one liberty.

    >>> position = Position.from_setup(black=[(0, 1), (1, 0)])
    >>> self_atari(position, "w", (0, 0)), self_atari(position, "w", (5, 5))
    (True, False)
    """
    index = point[0] * BOARD_SIZE + point[1]
    return liberties_after(position.state, index, COLOUR_CODES[colour]) <= 1


class Game:
    """A game in progress and the network that plays in it.

    `line` is the game's line of moves: those played (the position's history) and, after
    `step_back`, those still ahead, which `step_forward` replays; a different move played
    before the end of the line replaces the rest of it. `seed` makes the network's sampling
    (temperature > 0) and the playouts repeatable.
    """

    def __init__(
        self,
        policy: Policy,
        temperature: float = 0.0,
        seed: int | Sequence[int] | None = None,
        komi: float = DEFAULT_KOMI,
        playouts: int = PLAYOUTS,
        resign_threshold: float | None = None,
    ) -> None:
        self.policy = policy
        self.temperature = temperature
        self.strength: Level | None = None  # a level's move choice (alphago_policy.strength)
        self.komi = komi
        self.playouts = playouts
        self.resign_threshold = resign_threshold
        self.reseed(seed)
        self.reset()

    def reseed(self, seed: int | Sequence[int] | None) -> None:
        """Start the sampling and the playouts' random numbers again from `seed`."""
        self.rng = np.random.default_rng(seed)
        self._entropy = [0] if seed is None else list(np.atleast_1d(seed).astype(int))

    @property
    def name(self) -> str:
        """The network playing (and its strength level), as GTP `name` and the board give it."""
        level = f", {self.strength.describe()}" if self.strength else ""
        return self.policy.description + level

    # --- the game line ---------------------------------------------------------------------

    def reset(self, black: Iterable[Point] = (), white: Iterable[Point] = ()) -> None:
        """An empty board, or one with setup stones (handicap: White moves first); komi kept."""
        self.setup = (tuple(black), tuple(white))
        to_move = "w" if self.setup[0] and not self.setup[1] else "b"
        self.position = Position.from_setup(*self.setup, to_move=to_move)
        self.line: list[Move] = []
        self.resigned: str | None = None  # the colour that resigned
        self._previous: list[Position] = []
        self._hopeless = {"b": 0, "w": 0}  # the player's moves in a row lost by the threshold
        self._estimates: dict[tuple, Estimate] = {}

    def place_handicap(self, points: list[Point | None]) -> None:
        """Black's handicap stones on an empty board (2 to 9 distinct points)."""
        if self.position.history or any(self.setup) or self.position.stones().any():
            raise GameError("board not empty")
        if None in points or len(set(points)) != len(points) or not 2 <= len(points) <= 9:
            raise GameError("bad vertex list")
        self.reset(black=points)

    def load(self, record: GameRecord, moves: int | None = None) -> None:
        """A game read by `sgf_data.read_games`: its setup, komi and first `moves` moves (all
        by default) played, the rest of them left ahead in the line."""
        self.reset(record.setup_black, record.setup_white)
        self.komi = record.komi
        for move in record.moves:
            self.play(*move)
        while moves is not None and len(self._previous) > max(moves, 0):
            self.step_back()

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

    # --- the playouts, the end and the count ------------------------------------------------

    def estimate(self, playouts: int | None = None, position: Position | None = None) -> Estimate:
        """The playouts' view of `position` (default: the game's), with the game's komi;
        the same position, komi and seed always give the same estimate (kept while it is
        asked again)."""
        position = position or self.position
        playouts = playouts or self.playouts
        key = (self.setup, tuple(position.history), position.to_move, self.komi, playouts)
        if key not in self._estimates:
            if len(self._estimates) > 16:
                self._estimates.clear()
            seed = self.seed_for(len(position.history), playouts)
            self._estimates[key] = estimate(position, self.komi, playouts, seed)
        return self._estimates[key]

    def seed_for(self, *numbers: int) -> int:
        """A seed for the playouts made of the game's seed and `numbers`."""
        return int(np.random.SeedSequence([*self._entropy, *numbers]).generate_state(1)[0])

    @property
    def over(self) -> bool:
        """Whether the game has ended: two passes in a row, or a resignation."""
        return self.resigned is not None or ended_by_passes(self.position.history)

    def final_estimate(self) -> Estimate:
        """The playouts behind the count and the dead stones (more than behind a move)."""
        return self.estimate(max(FINAL_PLAYOUTS, self.playouts))

    def score(self) -> float:
        """Black's margin by area count with komi, the stones the playouts find dead taken off."""
        return self.final_estimate().area_score(self.position)

    def dead_stones(self) -> list[Point]:
        """The stones the playouts find dead (they lose their points in most playouts)."""
        return self.final_estimate().dead(self.position)

    def seki_stones(self) -> list[Point]:
        """The living stones that share a liberty neither side owns: in seki."""
        return self.final_estimate().seki(self.position)

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

    def suggest(self, colour: str, avoid: Iterable[Point] = ()) -> Point | str | None:
        """The network's move for `colour` without playing it: a point, None to pass, or RESIGN.

        Only sensible points (legal, not filling an own eye), never those in `avoid`.
        """
        return self._decide(colour, avoid)[0]

    def genmove(self, colour: str, avoid: Iterable[Point] = ()) -> Point | str | None:
        """The network's move for `colour`, played (or its resignation)."""
        choice, hopeless = self._decide(colour, avoid)
        self._hopeless[colour] = self._hopeless[colour] + 1 if hopeless else 0
        if choice == RESIGN:
            self.resign(colour)
        else:
            self.play(colour, choice)
        return choice

    def _decide(self, colour: str, avoid: Iterable[Point]) -> tuple[Point | str | None, bool]:
        """The choice (see `suggest`) and whether the position is lost by the resign threshold."""
        position = self.view(colour)
        sensible = position.sensible_points(colour)
        for point in avoid:
            sensible[point] = False
        if not sensible.any():
            return None, False
        view = self.estimate(position=position)
        sign = 1 if colour == "b" else -1
        hopeless = self.resign_threshold is not None and (
            np.mean(sign * view.black_margin < -self.resign_threshold) >= RESIGN_SHARE
        )
        if hopeless and self._hopeless[colour] + 1 >= RESIGN_MOVES:
            return RESIGN, True
        urgent = urgent_points(position, colour, set(view.dead(position))) & sensible
        history = position.history
        opponent_passed = bool(history) and history[-1] == (opponent(colour), None)
        unsettled = zip(*np.nonzero(sensible & (np.abs(view.ownership) < SETTLED)), strict=True)
        changing = (p for p in unsettled if not self_atari(position, colour, p))
        allowed = sensible
        if opponent_passed:  # the opponent finds the game over: play only where it is not
            allowed = urgent.copy()
            for point in changing:
                allowed[point] = True
            changes = allowed.any()
        else:
            changes = urgent.any() or next(changing, None) is not None
        if not urgent.any():
            if not changes:
                return None, hopeless  # no sensible move changes who owns a point
            if opponent_passed and sign * view.area_score(position) >= 0:
                return None, hopeless  # passing ends the game, and does not lose it
        probabilities = self.policy.probabilities(position)
        if self.strength is not None:
            return self.strength.choose(probabilities, allowed, self.rng), hopeless
        return choose_point(probabilities, allowed, self.temperature, self.rng), hopeless

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
