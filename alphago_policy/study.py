"""Study a game with the network at the board, without pygame: review mode (step through a game
and see, move by move, what the network expected and how likely it found the move played) and
"guess the move" (the board hides the next move, the player guesses it, and the board answers
with the move played and the network's view of both, keeping score).

Both modes read one `GameReview` of the game line on the board (`review_game`: the network once
per move, in batches), computed when a mode starts and kept while the line stays the same, so a
step, a jump or the answer to a click only looks things up. The window
(`alphago_policy.play`) turns keys and clicks into calls here and draws `probabilities`,
`upcoming` and `marks`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

import numpy as np

from alphago_policy.agreement import SHOWN, GameReview, MoveReview, percent, review_game
from alphago_policy.annotate import COLOUR_NAMES
from alphago_policy.review import SURPRISES
from alphago_policy.session import Session
from sgf_data.coords import Point, to_gtp
from sgf_data.reader import GameRecord

TOP_SCORED = 5  # a guess counts as "in the network's top 5"
COLOURS = ("bw", "b", "w")  # whose moves to guess, in the order C goes through them
END = "The end of the game: Left goes back."
LETTERS = "ABCDEFGHJ"  # the network's favourites marked on the board, best first
Mark = tuple[str, Point]  # ("played" | "guess" | a letter of LETTERS, the point)


def board_record(session: Session) -> GameRecord:
    """The game line on the board as a record: the loaded one while the line is still its,
    else the board's own game (setup, komi, moves)."""
    game, record = session.game, session.record
    black, white = game.setup
    moves = tuple(game.line)
    if record is not None and (record.setup_black, record.setup_white, record.moves) == (
        black,
        white,
        moves,
    ):
        return record
    return GameRecord(
        game_id="board",
        source="the board",
        black="",
        white="",
        black_rank="",
        white_rank="",
        result=session.result or "",
        komi=game.komi,
        handicap=0 if white else len(black),
        date="",
        rules="",
        setup_black=black,
        setup_white=white,
        moves=moves,
    )


def game_review(session: Session) -> GameReview:
    """The network's review of the game line on the board: computed once, then kept in the
    session until the line changes."""
    record = board_record(session)
    kept = session.reviewed
    if kept is None or (kept.record.setup_black, kept.record.setup_white, kept.record.moves) != (
        record.setup_black,
        record.setup_white,
        record.moves,
    ):
        session.reviewed = review_game(session.game.policy, record)
    return session.reviewed


def start(session: Session, kind: type[Review | Study], *args: str) -> bool:
    """Review the game line on the board, or guess its moves (`kind`, then its arguments);
    False, and the message says why, when the board has no game to study."""
    if not session.moves:
        session.message = "No game to study: load one (L) or play some moves first."
        return False
    session.mode = kind(session, game_review(session), *args)
    return True


def leave(session: Session) -> None:
    """Back to playing, at the move shown; the game line is kept to step through."""
    session.mode, session.browsing = None, True
    choose = "" if session.human else " (B or W: your colour)"
    session.message = f"Play: Left/Right step, a click plays on from here{choose}."


def go_to(session: Session, moves: int) -> None:
    """Show the game line after its first `moves` moves."""
    game = session.game
    while session.cursor > moves:
        game.step_back()
    while session.cursor < moves and game.next_move is not None:
        game.step_forward()


def favourites_text(move: MoveReview, lettered: bool = True) -> str:
    """The network's top 3 before `move`, `lettered` as guess mode marks them on the board.

    >>> p = np.log(np.array([[0.5, 0.2, 0.3]], np.float32))
    >>> move = MoveReview(7, "b", (0, 2), p, np.array([[True, False, True]]))
    >>> favourites_text(move), favourites_text(move, lettered=False)
    ('A A1 50.0%, B C1 30.0%', 'A1 50.0%, C1 30.0%')
    """
    return ", ".join(
        f"{LETTERS[i] + ' ' if lettered else ''}{to_gtp(point)} {percent(p)}"
        for i, (point, p) in enumerate(move.favourites(SHOWN))
    )


def move_line(move: MoveReview) -> str:
    """The played move and how the network saw it, as the status line gives it."""
    head = f"move {move.number} {move.colour.upper()} {to_gtp(move.point)}"
    if move.point is None:
        return f"{head} (the network does not predict passes)"
    return f"{head}: network {percent(move.probability)}, rank {move.rank} of {move.legal_count}"


class Review:
    """Review mode: the position before each move of the game, the move played ringed, the
    network's probabilities before it as the heat map; Left/Right step, Down/Up jump to the
    next or previous surprise (the `surprises` least likely moves of each player)."""

    def __init__(self, session: Session, review: GameReview, surprises: int = SURPRISES) -> None:
        self.session, self.review, self.surprises = session, review, surprises
        chosen = [move.number for colour in "bw" for move in review.surprises(colour, surprises)]
        self.surprise_numbers = sorted(chosen)
        self._describe()

    @property
    def current(self) -> MoveReview | None:
        """The move about to be played (None at the end of the game)."""
        cursor = self.session.cursor
        return self.review.moves[cursor] if cursor < len(self.review.moves) else None

    def probabilities(self) -> np.ndarray | None:
        """What the network expected before the current move, 0 on illegal points."""
        move = self.current
        return None if move is None else np.where(move.legal, move.probabilities, 0)

    def upcoming(self) -> Point | None:
        move = self.current
        return None if move is None else move.point

    def marks(self) -> list[Mark]:
        return []

    def status(self) -> str:
        move = self.current
        if move is None:
            total, result = len(self.review.moves), self.review.record.result
            return f"Review | end of the game, {total} moves" + (f" ({result})" if result else "")
        return f"Review | {move_line(move)}"

    def step(self, delta: int) -> None:
        """One move back (-1) or forward (+1)."""
        go_to(self.session, max(self.session.cursor + delta, 0))
        self._describe()

    def jump(self, direction: int) -> None:
        """To the next surprise after the current move (+1) or the previous one (-1)."""
        number = self.session.cursor + 1
        later = [n for n in self.surprise_numbers if (n - number) * direction > 0]
        if not later:
            where = "after" if direction > 0 else "before"
            self.session.message = f"No surprise {where} move {number}."
            return
        go_to(self.session, (later[0] if direction > 0 else later[-1]) - 1)
        self._describe()

    def click(self, point: Point) -> None:
        self.session.message = "Reviewing: Left/Right step, Down/Up surprises, V to play on."

    def _describe(self) -> None:
        """The message: the network's favourites before the current move, and whether the
        move is one of the surprises."""
        move = self.current
        if move is None:
            self.session.message = "The end of the game: Left steps back, Up to the last surprise."
            return
        text = f"Network's top {SHOWN}: {favourites_text(move, lettered=False)}."
        if move.number in self.surprise_numbers:
            index = self.surprise_numbers.index(move.number) + 1
            text += (
                f" Surprise {index} of {len(self.surprise_numbers)} (each player's "
                f"{self.surprises} least likely moves)."
            )
        self.session.message = text


@dataclasses.dataclass(frozen=True)
class Answer:
    """A move of the game answered: the player's guess (None: shown without a guess) and the
    network's view of the move played and of the guess."""

    move: MoveReview
    guess: Point | None

    @property
    def guessed(self) -> MoveReview | None:
        """The network's view of the guess, as if it had been played (None without a guess)."""
        return None if self.guess is None else dataclasses.replace(self.move, point=self.guess)

    @property
    def matched(self) -> bool:
        return self.guess is not None and self.guess == self.move.point

    @property
    def in_top(self) -> bool:
        """Whether the guess is among the network's `TOP_SCORED` favourites."""
        return self.guessed is not None and self.guessed.rank <= TOP_SCORED

    def text(self) -> str:
        """What the board says: the move played, the guess, and the network's top 3."""
        move, guessed = self.move, self.guessed
        head = f"Move {move.number} {COLOUR_NAMES[move.colour]} {to_gtp(move.point)}"
        seen = f"network {percent(move.probability)}, rank {move.rank}"
        if guessed is None:
            said = f"{head} ({seen})."
        elif self.matched:
            said = f"{head}: you found it! ({seen})."
        else:
            said = (
                f"{head} ({seen}); you {to_gtp(self.guess)} (network "
                f"{percent(guessed.probability)}, rank {guessed.rank})."
            )
        return f"{said} Top {SHOWN}: {favourites_text(move)}."


def score_text(answers: Iterable[Answer]) -> str:
    """The running score: the guesses that matched, those in the network's top 5, and the
    network's own top-1 agreement on the same moves."""
    guesses = [answer for answer in answers if answer.guess is not None]
    if not guesses:
        return "no guesses yet"
    count = len(guesses)
    matched = sum(answer.matched for answer in guesses)
    top = sum(answer.in_top for answer in guesses)
    network = sum(answer.move.rank == 1 for answer in guesses)
    return (
        f"you {matched} of {count} ({matched / count:.0%}), {top} in the network's top "
        f"{TOP_SCORED}; the network {network} of {count} ({network / count:.0%})"
    )


class Study:
    """Guess the move: the board shows the position before each move of `colours` ("b", "w"
    or "bw") and hides it; a click guesses, then the board plays the move (and the other
    colour's moves) and answers; Right skips a move, Left goes back, Space shows the answer."""

    def __init__(self, session: Session, review: GameReview, colours: str = "bw") -> None:
        self.session, self.review, self.colours = session, review, colours
        self.answers: dict[int, Answer] = {}  # by move number: the guesses counted
        self.shown: Answer | None = None  # the last answer, marked on the board
        cursor = session.cursor
        if cursor and self._guessable(cursor - 1):  # the move before the start, answered
            self.shown = Answer(review.moves[cursor - 1], None)
        self.session.message = self.shown.text() if self.shown else self._ask()
        self._advance()

    @property
    def current(self) -> MoveReview | None:
        """The move to guess (None at the end of the game)."""
        cursor = self.session.cursor
        return self.review.moves[cursor] if cursor < len(self.review.moves) else None

    def probabilities(self) -> None:
        """No heat map: it would give the move away."""
        return None

    def upcoming(self) -> None:
        return None

    def marks(self) -> list[Mark]:
        """The last answer: the network's top 3 by letter (those still empty, or the move
        played; the other colour's reply may cover one), the move played, the guess."""
        if self.shown is None:
            return []
        move, stones = self.shown.move, self.session.position.stones()
        marks: list[Mark] = [
            (LETTERS[i], point)
            for i, (point, _) in enumerate(move.favourites())
            if point == move.point or not stones[point]
        ]
        marks += [("played", move.point)]
        return marks + ([("guess", self.shown.guess)] if self.shown.guess is not None else [])

    def status(self) -> str:
        who = {"b": "Black's", "w": "White's", "bw": "both players'"}[self.colours]
        move = self.current
        where = f"move {move.number}, {COLOUR_NAMES[move.colour]} to play" if move else "the end"
        return f"Guess {who} moves | {where} | {score_text(self.answers.values())}"

    def click(self, point: Point) -> None:
        """The player's guess for the hidden move."""
        move = self.current
        if move is None:
            self.session.message = END
        elif not move.legal[point]:
            self.session.message = f"{to_gtp(point)} is not a legal move here: guess again."
        else:
            self.answers[move.number] = Answer(move, point)
            self._answer(self.answers[move.number])

    def reveal(self) -> None:
        """Show the answer without guessing (the move is not counted)."""
        if self.current is not None:
            self._answer(Answer(self.current, None))

    def skip(self) -> None:
        """Play the hidden move without answering (not counted)."""
        move = self.current
        if move is not None:
            self.session.game.step_forward()
            self.shown = None
            self._advance()
            self.session.message = f"Skipped move {move.number}. " + self._ask()

    def back(self) -> None:
        """Back to the previous move to guess; its guess and those after it are forgotten."""
        earlier = [n for n in range(self.session.cursor - 1, -1, -1) if self._guessable(n)]
        if not earlier:
            self.session.message = "No earlier move to guess."
            return
        go_to(self.session, earlier[0])
        self.answers = {n: a for n, a in self.answers.items() if n <= earlier[0]}
        self.shown = None
        self.session.message = self._ask()

    def cycle_colours(self) -> None:
        """Guess both players' moves, then Black's only, then White's only."""
        self.colours = COLOURS[(COLOURS.index(self.colours) + 1) % len(COLOURS)]
        self._advance()
        self.session.message = self._ask()

    def _guessable(self, index: int) -> bool:
        move = self.review.moves[index]
        return move.colour in self.colours and move.point is not None

    def _advance(self) -> None:
        """Play the moves not to guess (the other colour's, passes) up to the next to guess."""
        while self.current is not None and not self._guessable(self.session.cursor):
            self.session.game.step_forward()

    def _answer(self, answer: Answer) -> None:
        self.shown = answer
        self.session.game.step_forward()
        self._advance()
        self.session.message = answer.text() + ("" if self.current else f" {END}")

    def _ask(self) -> str:
        move = self.current
        if move is None:
            return END
        return f"Where does {COLOUR_NAMES[move.colour]} play move {move.number}? Click."
