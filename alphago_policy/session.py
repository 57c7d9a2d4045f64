"""The player's view of a game against the network, without pygame: what a click or a key does
(choose a handicap and a colour, play, pass, undo, step through a loaded record, let the network
move, resign, save), the message, the start screen's lines and the status line the board shows.

On the start screen the player also chooses the network's strength level
(`alphago_policy.strength`), from 1 (weakest) to 10, or none (the full network, as
--temperature says, the default); the level stays for the next games and is in the saved
record's name of the network.

A handicap game has Black's stones on GTP's fixed handicap points (the table the GTP engine's
`fixed_handicap` uses) and komi 0.5; White moves first. Either side may take the stones.

`Session` holds what the player chose and did; the game itself, its komi and its result are the
`Game`'s (`alphago_policy.game`). The window (`alphago_policy.play`) turns events into `Session`
calls and draws it. In review and guess-the-move modes (`alphago_policy.study`) the session's
`mode` takes the clicks and the keys, and the network does not play.
"""

from __future__ import annotations

import errno
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from alphago_policy.game import DEFAULT_KOMI, FIXED_HANDICAP, RESIGN, Game, write_sgf
from alphago_policy.policy import WeightsError
from alphago_policy.strength import STRONGEST, set_strength
from sgf_data import IllegalMove, Position, read_games
from sgf_data.coords import Move, Point, from_gtp, opponent, to_gtp
from sgf_data.reader import GameRecord
from sgf_data.scoring import area

if TYPE_CHECKING:
    from alphago_policy.agreement import GameReview
    from alphago_policy.study import Review, Study

HANDICAPS = (0, *FIXED_HANDICAP)  # Black's stones: 0 for an even game, else 2 to 9
HANDICAP_KOMI = 0.5  # the usual komi of a handicap game: White wins a drawn count


def handicap_points(stones: int) -> list[Point]:
    """Where Black's `stones` handicap stones go (none for an even game).

    >>> [to_gtp(point) for point in handicap_points(3)], handicap_points(0)
    (['D4', 'Q16', 'D16'], [])
    """
    return [from_gtp(vertex) for vertex in FIXED_HANDICAP[stones].split()] if stones else []


def new_game_komi(handicap: int, komi: float | None = None) -> float:
    """The komi of a new game: `komi` when the player set one, else 7.5 for an even game and
    0.5 with handicap stones.

    >>> new_game_komi(0), new_game_komi(4), new_game_komi(4, komi=6.5)
    (7.5, 0.5, 6.5)
    """
    if komi is not None:
        return komi
    return HANDICAP_KOMI if handicap else DEFAULT_KOMI


class Session:
    """A game against the network (or a loaded record to step through and continue).

    The game's line (`Game.line`) is what Left/Right walk; the board shows its first `cursor`
    moves, and a move played before its end replaces the rest. The network plays only in
    answer to the human (or G), never because the player stepped through the record.
    """

    def __init__(
        self,
        game: Game,
        human: str | None = None,
        handicap: int = 0,
        komi: float | None = None,
        weights: str | None = None,
    ) -> None:
        self.game = game
        self.full_network = game.policy  # the network when no strength level is chosen
        self.weights = weights  # --weights: the network of the levels that use the full one
        self.human = human  # None: the start screen asks
        self.handicap = handicap  # Black's stones in each new game (0: an even game)
        self.chosen_komi = komi  # komi of each new game; None: by the handicap (new_game_komi)
        self.heatmap = True
        self.ownership = False  # the playouts' estimate of who owns each point (O)
        self.message = ""
        self._cache: tuple[tuple, np.ndarray] | None = None
        self.reviewed: GameReview | None = None  # the network's review of the game line
        self.new_game()

    # state
    @property
    def position(self) -> Position:
        return self.game.position

    @property
    def moves(self) -> list[Move]:
        """The game line: the moves shown, then those stepped back over."""
        return self.game.line

    @property
    def cursor(self) -> int:
        return len(self.position.history)

    @property
    def network(self) -> str | None:
        return None if self.human is None else opponent(self.human)

    @property
    def next_move(self) -> Move | None:
        """The record's move after the shown position, when stepping through a game."""
        return self.game.next_move

    @property
    def result(self) -> str | None:
        """The game's result (B+3.5, W+R ...) once it is over, None while it goes on."""
        return self.game.result()

    @property
    def network_to_play(self) -> bool:
        """Whether the network moves next: on its turn, or the human's after G, unless the
        game is over or the player is stepping through a record."""
        if self.human is None or self.result is not None or self.browsing or self.mode:
            return False
        return self.asked or self.position.to_move == self.network

    @property
    def counted(self) -> bool:
        """Whether the game ended by two passes and the board shows the count."""
        return self.result is not None and self.game.resigned is None

    def toggle_ownership(self) -> None:
        """Show or hide the playouts' estimate of who owns each point (O)."""
        self.ownership = not self.ownership
        if self.ownership and not self.counted:
            margin = self.game.estimate().score
            leader = "Black" if margin > 0 else "White"
            self.message = (
                f"Ownership from {self.game.playouts} random playouts: {leader} ahead by "
                f"{abs(margin):.1f} on average (komi {self.game.komi:g})."
            )

    def owners(self) -> tuple[np.ndarray, list[Point]]:
        """Who owns each point (19, 19; +1 Black, -1 White) and the dead stones: at the end
        of a game the count (dead stones off, then area), before it the playouts' estimate."""
        if self.game.over and self.game.resigned is None:
            dead = self.game.dead_stones()
            return area(self.position, dead).astype(np.float32), dead
        estimate = self.game.estimate()
        return estimate.ownership, estimate.dead(self.position)

    def probabilities(self) -> np.ndarray:
        """The network's move probabilities for the player to move (cached per position)."""
        key = (self.game.setup, tuple(self.position.history))
        if self._cache is None or self._cache[0] != key:
            self._cache = key, self.game.probabilities(self.position.to_move)
        return self._cache[1]

    @property
    def game_handicap(self) -> int:
        """The handicap stones of the game on the board (a loaded one's setup included)."""
        black, white = self.game.setup
        return 0 if white else len(black)

    # actions
    def choose_handicap(self, stones: int) -> None:
        """Set the handicap of the new game on the start screen (0: even, or 2 to 9 stones)."""
        if self.human is not None or self.moves or stones not in HANDICAPS:
            return
        self.handicap = stones
        self.new_game()

    def set_strength(self, number: int | None) -> bool:
        """Let the network play at strength level `number` (None: the full network, no level)
        from its next move; False (and the message says why) when its network cannot load."""
        if number is None:
            self.game.policy, self.game.strength = self.full_network, None
            return True
        try:
            set_strength(self.game, number, self.weights)
        except (ValueError, WeightsError) as error:
            self.message = f"strength {number}: {error}"
            return False
        return True

    def change_strength(self, delta: int) -> None:
        """One level up (+1) or down (-1) on the start screen: 1 to 10, then the full network
        with no level above 10."""
        if self.human is not None:
            return
        current = self.game.strength.number if self.game.strength else STRONGEST + 1
        number = min(max(current + delta, 1), STRONGEST + 1)
        if self.set_strength(None if number > STRONGEST else number):
            self.message = "Choose your colour: B or W."

    def strength_line(self) -> str:
        """The network's strength level in words (the start screen and the status line)."""
        if self.game.strength is None:
            return "full network, no strength level"
        return self.game.strength.describe()

    def choose_colour(self, colour: str) -> None:
        """Set the human's colour: a new game, or the loaded one to continue."""
        self.human = colour
        if self.moves:
            self.message = "Step with Left/Right, click to continue from the position shown."
        else:
            self.new_game()

    def new_game(self) -> None:
        """A new game with the chosen handicap (Black's stones placed) and its komi."""
        self.game.reset()
        self.game.komi = new_game_komi(self.handicap, self.chosen_komi)
        if self.handicap:
            self.game.place_handicap(handicap_points(self.handicap))
        self.asked = self.browsing = False
        self.record: GameRecord | None = None  # the loaded game, if any
        self.mode: Review | Study | None = None  # review or guess the move; None: play
        self.message = "New game." if self.human else "Choose your colour: B or W."

    def start_lines(self) -> list[str]:
        """What the start screen offers: the strength level, the handicap, then the colours."""
        komi = f"komi {new_game_komi(self.handicap, self.chosen_komi):g}"
        strength = [
            self.strength_line(),
            f"Up/Down or +/-: strength 1 (weakest) to {STRONGEST}, or the full network",
        ]
        if not self.handicap:
            return [
                *strength,
                f"Even game, {komi} (0, 2-9: handicap stones)",
                "B: play Black (first)    W: play White",
            ]
        return [
            *strength,
            f"Handicap {self.handicap} stones, {komi} (0: even, 2-9: stones)",
            "B: take them (Black)    W: give them (White, first)",
        ]

    def load(self, path: str | Path) -> bool:
        """Load the first game of an SGF file at its last move, ready to step back or continue;
        False (and the message says why) when it cannot be loaded."""
        try:
            record = next(iter(read_games(path)), None)
        except (OSError, ValueError) as error:
            self.message = f"{error}: choose an SGF game record"
            return False
        if record is None:
            self.message = f"{path}: no usable 19x19 game in this file (see the warning above)"
            return False
        self.game.load(record)
        self.record, self.mode = record, None
        self.asked, self.browsing = False, True
        self.message = (
            f"Loaded {Path(path).name}: {record.black} vs {record.white}, {record.result}"
        )
        return True

    def click(self, point: Point) -> None:
        """The human plays at `point` (refused with the reason when illegal)."""
        if not self._may_play():
            return
        try:
            self.game.play(self.human, point)
        except IllegalMove as error:
            self.message = f"Illegal move: {error}"
            return
        self.browsing = False
        self._after_move()

    def pass_move(self) -> None:
        if self._may_play():
            self.game.play(self.human, None)
            self.browsing = False
            self._after_move()

    def resign(self) -> None:
        if self.human and self.result is None:
            self.game.resign(self.human)
            self.message = f"You resigned: {self.result}"

    def undo(self) -> None:
        """Take back the human's last move and the network's answer to it."""
        if self.human is None or self.cursor == 0:
            self.message = "Nothing to undo."
            return
        self.game.undo()
        while self.cursor > 0 and self.position.to_move != self.human:
            self.game.undo()
        self.asked = self.browsing = False
        self.message = f"Undone: move {self.cursor + 1} again."

    def step(self, delta: int) -> None:
        """Walk the game line one move back (-1) or forward (+1)."""
        if delta < 0 and self.cursor > 0:
            self.game.step_back()
        elif delta > 0 and self.next_move is not None:
            self.game.step_forward()
        self.browsing = True
        ring = " (ring: the record's next move)" if self.next_move else ""
        self.message = f"Move {self.cursor} of {len(self.moves)}{ring}."

    def ask_network(self) -> None:
        """Let the network play the side to move here (G); then the game goes on from there."""
        if self.human is not None and self.result is None:
            self.asked, self.browsing = True, False

    def update(self) -> bool:
        """Play the network's move when one is due; True if it played."""
        if not self.network_to_play:
            return False
        choice = self.game.genmove(self.position.to_move)
        self.asked = False
        if choice == RESIGN:
            self.message = f"The network resigns: {self.result}."
            return True
        self.message = f"Network: {to_gtp(choice)}."
        self._after_move()
        return True

    def save(self, directory: str | Path = ".") -> Path | None:
        """Write the game line as SGF; returns the file's path, or None when it cannot be
        written (the message says why; the game is kept, and S tries again)."""
        record = self.game.record(self.moves)
        root = record.get_root()
        if self.human:
            root.set("P" + self.human.upper(), "Human")
            root.set("P" + self.network.upper(), self.game.name)
        path = Path(directory) / time.strftime("alphago-policy-%Y%m%d-%H%M%S.sgf")
        try:
            write_sgf(record, path)
        except OSError as error:
            self.message = (
                f"Not saved, {save_problem(error, directory)}; then press S again (the game "
                "is kept)."
            )
            return None
        self.message = f"Saved {path}"
        return path

    def status(self) -> str:
        """The line under the board: who plays what, whose turn, captures, komi, the level."""
        captures = self.position.captures
        turn = "Black" if self.position.to_move == "b" else "White"
        who = f"You: {'Black' if self.human == 'b' else 'White'}" if self.human else "Start"
        handicap = f"handicap {self.game_handicap}, " if self.game_handicap else ""
        return (
            f"{who} | move {self.cursor} | {turn} to play | captures: "
            f"Black {captures['b']}, White {captures['w']} | {handicap}komi {self.game.komi:g} | "
            f"{self.strength_line()}"
        )

    def _may_play(self) -> bool:
        if self.human is None:
            self.message = "Choose your colour first: B or W."
        elif self.result is not None:
            self.message = f"Game over ({self.result}): N for a new game."
        elif self.position.to_move != self.human:
            self.message = "Not your turn: G lets the network play, arrows step."
        else:
            return True
        return False

    def _after_move(self) -> None:
        """After a move: the result, with the count on the board, if it ended the game."""
        if self.game.over:
            dead = len(self.game.dead_stones())
            self.message = (
                f"Game over: {self.result} (area count; {dead} dead stones taken off, marked x)."
            )
        elif self.network_to_play:
            self.message = f"You: {to_gtp(self.position.history[-1][1])}."


def save_problem(error: OSError, directory: str | Path) -> str:
    """Why a game could not be written into `directory`, and what the player can do.

    >>> save_problem(FileNotFoundError(errno.ENOENT, "No such file or directory"), "games")
    'the folder games is gone: create it'
    >>> save_problem(OSError(errno.ENOSPC, "No space left on device"), "games")
    'the disk of games is full: free some space'
    """
    if error.errno == errno.ENOENT:
        return f"the folder {directory} is gone: create it"
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"the disk of {directory} is full: free some space"
    if error.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return f"the folder {directory} is read-only: make it writable"
    return f"{directory}: {error.strerror or error}"
