"""Play the policy network through GTP (version 2), the text protocol of Go GUIs and servers.

    python -m alphago_policy gtp [--weights PATH] [--temperature T] [--threads N]

Sabaki, Lizzie, GoGui or a Go server start this command and talk to it on stdin/stdout.
Besides every required GTP command it answers `undo`, `showboard`, `final_score` (area
count with komi; dead stones are not removed), the time and handicap commands, `printsgf`,
and Leela Zero's `lz-analyze`, which GUIs draw as a heat map of the network's probabilities.
There is no search: `genmove` plays the network's most probable sensible move.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from importlib import metadata
from typing import TYPE_CHECKING, TextIO

import numpy as np
from sgfmill import sgf

from alphago_policy.encoding import SENSIBLE
from alphago_policy.files import atomic_open
from sgf_data import IllegalMove, Position
from sgf_data.coords import BOARD_SIZE, from_gtp, to_gtp
from sgf_data.features import planes

if TYPE_CHECKING:
    from alphago_policy.model import Policy

Point = tuple[int, int]

DEFAULT_KOMI = 7.5
ANALYSIS_MOVES = 20  # candidate moves listed by lz-analyze
NEUTRAL_WINRATE = 5000  # lz-analyze units of 1/10000: the policy network has no value head

# GTP's fixed handicap placements on 19x19 (GTP 2 specification, section 4.1.1).
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


class GTPError(ValueError):
    """A command failed; the message is the text after `?` in the reply."""


# --- pure helpers -------------------------------------------------------------------------


def parse_line(line: str) -> tuple[int | None, str, list[str]] | None:
    """Split a GTP command line into (id, command, arguments); None for an empty line.

    Control characters are dropped, tabs become spaces and `#` starts a comment (GTP 2, 2.5).

    >>> parse_line("12 play b d4  # a comment")
    (12, 'play', ['b', 'd4'])
    >>> parse_line("genmove\\tw"), parse_line("   # nothing"), parse_line("7")
    ((None, 'genmove', ['w']), None, (7, '', []))
    """
    line = line.split("#", 1)[0].replace("\t", " ")
    words = "".join(c for c in line if c >= " " and c != "\x7f").split()
    if not words:
        return None
    command_id = int(words.pop(0)) if words[0].isdigit() else None
    command = words.pop(0).lower() if words else ""
    return command_id, command, words


def parse_colour(word: str) -> str:
    """sgfmill colour of a GTP colour (b, w, black, white; any case).

    >>> parse_colour("B"), parse_colour("white")
    ('b', 'w')
    """
    colour = {"b": "b", "black": "b", "w": "w", "white": "w"}.get(word.lower())
    if colour is None:
        raise GTPError(f"syntax error (not a colour: {word!r})")
    return colour


def parse_vertex(word: str) -> Point | None:
    """Point of a GTP vertex; None for pass; GTPError for anything else."""
    try:
        return from_gtp(word)
    except ValueError:
        raise GTPError(f"syntax error (not a vertex: {word!r})") from None


def area_score(stones: np.ndarray, komi: float) -> float:
    """Black's area minus White's area minus komi: stones plus empty regions bordered by one colour.

    `stones` is 0 empty, 1 black, 2 white. Every stone counts as alive (no dead-stone removal).

    >>> area_score(np.array([[0, 1, 0], [1, 1, 2], [0, 2, 0]]), 0.5)  # 4 points to 3; 2 dame
    0.5
    >>> area_score(np.zeros((3, 3), dtype=np.int8), 7.5)
    -7.5
    """
    size = stones.shape[0]
    area = {1: int((stones == 1).sum()), 2: int((stones == 2).sum())}
    seen = np.zeros(stones.shape, dtype=bool)
    for start in zip(*np.nonzero(stones == 0), strict=True):
        if seen[start]:
            continue
        seen[start] = True
        region, borders, frontier = 0, set(), [start]
        while frontier:
            row, col = frontier.pop()
            region += 1
            for r, c in ((row - 1, col), (row + 1, col), (row, col - 1), (row, col + 1)):
                if 0 <= r < size and 0 <= c < size:
                    if stones[r, c]:
                        borders.add(int(stones[r, c]))
                    elif not seen[r, c]:
                        seen[r, c] = True
                        frontier.append((r, c))
        if len(borders) == 1:
            area[borders.pop()] += region
    return area[1] - area[2] - komi


def format_result(margin: float) -> str:
    """GTP/SGF result of Black's winning margin.

    >>> format_result(3.5), format_result(-7.5), format_result(0.0)
    ('B+3.5', 'W+7.5', '0')
    """
    if margin == 0:
        return "0"
    return f"{'B' if margin > 0 else 'W'}+{abs(margin):g}"


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


def write_sgf(game: sgf.Sgf_game, path: str | os.PathLike) -> None:
    """Write an SGF game record atomically (a temporary file beside `path`, then a rename)."""
    with atomic_open(path) as f:
        f.write(game.serialise())


# --- the engine -------------------------------------------------------------------------------


@dataclass
class Engine:
    """A game in progress and the network that plays it; one method per thing a GTP command does."""

    policy: Policy
    temperature: float = 0.0
    seed: int | None = None

    def __post_init__(self) -> None:
        self.komi = DEFAULT_KOMI
        self.rng = np.random.default_rng(self.seed)
        self.reset()

    @property
    def name(self) -> str:
        return self.policy.description

    def reset(self, black: Iterable[Point] = (), white: Iterable[Point] = ()) -> None:
        """An empty board, or one with setup stones (handicap: White moves first)."""
        self.setup = (tuple(black), tuple(white))
        to_move = "w" if self.setup[0] and not self.setup[1] else "b"
        self.position = Position.from_setup(*self.setup, to_move=to_move)
        self._previous: list[Position] = []

    def play(self, colour: str, point: Point | None) -> int:
        """Play a move (IllegalMove says why not); returns the stones it captured."""
        before = self.position.copy()
        captured = self.position.play(colour, point)
        self._previous.append(before)
        return captured

    def undo(self) -> None:
        if not self._previous:
            raise GTPError("cannot undo")
        self.position = self._previous.pop()

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
        sensible = planes(position)[SENSIBLE.start].astype(bool)  # legal, not an own eye
        probabilities = self.policy.probabilities(position)
        return choose_point(probabilities, sensible, self.temperature, self.rng)

    def genmove(self, colour: str) -> Point | None:
        point = self.suggest(colour)
        self.play(colour, point)
        return point

    def score(self) -> float:
        """Black's margin by area count with komi, every stone counted alive."""
        return area_score(self.position.stones(), self.komi)

    def record(self, moves: Iterable[tuple[str, Point | None]] | None = None) -> sgf.Sgf_game:
        """An sgfmill game: Chinese rules, komi, setup stones and `moves` (default: the game)."""
        game = sgf.Sgf_game(size=BOARD_SIZE)
        root = game.get_root()
        root.set("KM", self.komi)
        root.set("RU", "Chinese")
        root.set("AP", ("alphago-policy", _version()))
        if any(self.setup):
            root.set_setup_stones(self.setup[0], self.setup[1])
            if self.setup[0] and not self.setup[1]:
                root.set("HA", len(self.setup[0]))
        for colour, point in self.position.history if moves is None else moves:
            game.extend_main_sequence().set_move(colour, point)
        return game

    def analysis(self, colour: str, count: int = ANALYSIS_MOVES) -> str:
        """One Leela Zero `info` line: the `count` most probable moves, prior in 1/10000.

        There is no search, so `visits` repeats the prior (GUIs size their heat map by visits),
        `winrate` is a neutral 5000 and the principal variation is the move itself.
        """
        probabilities = self.probabilities(colour).reshape(-1)
        order = np.argsort(-probabilities, kind="stable")[:count]
        parts = []
        for rank, index in enumerate(order):
            if probabilities[index] <= 0:
                break
            vertex = to_gtp(divmod(int(index), BOARD_SIZE))
            prior = max(1, round(10000 * float(probabilities[index])))
            parts.append(
                f"info move {vertex} visits {prior} winrate {NEUTRAL_WINRATE} "
                f"prior {prior} order {rank} pv {vertex}"
            )
        return " ".join(parts)

    def showboard(self) -> str:
        """The board as text (X black, O white) with the player to move, captures and komi."""
        captures = self.position.captures
        return (
            f"\n{self.position}\n{'Black' if self.position.to_move == 'b' else 'White'} to move; "
            f"captured by Black (X) {captures['b']}, by White (O) {captures['w']}; "
            f"komi {self.komi:g}"
        )


def _version() -> str:
    try:
        return metadata.version("alphago-policy")
    except metadata.PackageNotFoundError:
        return "0.1.0.dev0 (not installed)"


# --- GTP commands ---------------------------------------------------------------------------

Handler = Callable[[Engine, list[str]], str]
COMMANDS: dict[str, Handler] = {}


def command(name: str) -> Callable[[Handler], Handler]:
    """Register a handler: it gets the engine and the arguments, returns the reply's text."""

    def register(handler: Handler) -> Handler:
        COMMANDS[name] = handler
        return handler

    return register


def _arguments(args: list[str], count: int) -> list[str]:
    if len(args) != count:
        raise GTPError(f"syntax error (expected {count} argument{'s' * (count != 1)})")
    return args


@command("protocol_version")
def _protocol_version(engine: Engine, args: list[str]) -> str:
    return "2"


@command("name")
def _name(engine: Engine, args: list[str]) -> str:
    return engine.name


@command("version")
def _version_command(engine: Engine, args: list[str]) -> str:
    return _version()


@command("known_command")
def _known_command(engine: Engine, args: list[str]) -> str:
    return "true" if _arguments(args, 1)[0].lower() in COMMANDS else "false"


@command("list_commands")
def _list_commands(engine: Engine, args: list[str]) -> str:
    return "\n".join(COMMANDS)


@command("quit")
def _quit(engine: Engine, args: list[str]) -> str:
    return ""


@command("boardsize")
def _boardsize(engine: Engine, args: list[str]) -> str:
    (size,) = _arguments(args, 1)
    if not size.isdigit():
        raise GTPError("syntax error (boardsize takes an integer)")
    if int(size) != BOARD_SIZE:
        raise GTPError(f"unacceptable size (this network plays {BOARD_SIZE}x{BOARD_SIZE} only)")
    engine.reset()
    return ""


@command("clear_board")
def _clear_board(engine: Engine, args: list[str]) -> str:
    engine.reset()
    return ""


@command("komi")
def _komi(engine: Engine, args: list[str]) -> str:
    try:
        engine.komi = float(_arguments(args, 1)[0])
    except ValueError:
        raise GTPError("syntax error (komi takes a number)") from None
    return ""


@command("play")
def _play(engine: Engine, args: list[str]) -> str:
    colour_word, vertex = _arguments(args, 2)
    colour, point = parse_colour(colour_word), parse_vertex(vertex)
    try:
        engine.play(colour, point)
    except IllegalMove as error:
        raise GTPError(f"illegal move ({error})") from None
    return ""


@command("genmove")
def _genmove(engine: Engine, args: list[str]) -> str:
    return to_gtp(engine.genmove(parse_colour(_arguments(args, 1)[0])))


@command("undo")
def _undo(engine: Engine, args: list[str]) -> str:
    engine.undo()
    return ""


@command("showboard")
def _showboard(engine: Engine, args: list[str]) -> str:
    return engine.showboard()


@command("final_score")
def _final_score(engine: Engine, args: list[str]) -> str:
    return format_result(engine.score())


@command("time_settings")
def _time_settings(engine: Engine, args: list[str]) -> str:
    if not all(arg.isdigit() for arg in _arguments(args, 3)):
        raise GTPError("syntax error (time_settings main_time byo_yomi_time byo_yomi_stones)")
    return ""  # a move takes milliseconds: any clock is fine


@command("time_left")
def _time_left(engine: Engine, args: list[str]) -> str:
    colour, seconds, stones = _arguments(args, 3)
    parse_colour(colour)
    if not (seconds.isdigit() and stones.isdigit()):
        raise GTPError("syntax error (time_left colour time stones)")
    return ""


def _place_handicap(engine: Engine, points: list[Point | None]) -> None:
    if engine.position.history or any(engine.setup) or engine.position.stones().any():
        raise GTPError("board not empty")
    if None in points or len(set(points)) != len(points) or not 2 <= len(points) <= 9:
        raise GTPError("bad vertex list")
    engine.reset(black=points)


@command("fixed_handicap")
def _fixed_handicap(engine: Engine, args: list[str]) -> str:
    (count,) = _arguments(args, 1)
    if not count.isdigit():
        raise GTPError("syntax error (fixed_handicap takes an integer)")
    if int(count) not in FIXED_HANDICAP:
        raise GTPError("invalid number of stones (2 to 9)")
    vertices = FIXED_HANDICAP[int(count)]
    _place_handicap(engine, [parse_vertex(v) for v in vertices.split()])
    return vertices


@command("set_free_handicap")
def _set_free_handicap(engine: Engine, args: list[str]) -> str:
    _place_handicap(engine, [parse_vertex(v) for v in args])
    return ""


@command("printsgf")
def _printsgf(engine: Engine, args: list[str]) -> str:
    return engine.record().serialise(wrap=None).decode().strip()


@command("lz-analyze")
def _lz_analyze(engine: Engine, args: list[str]) -> str:
    """`lz-analyze [colour] [interval] [key value ...]`; the reply streams (see `serve`)."""
    colour = engine.position.to_move
    if args and args[0].lower() in ("b", "w", "black", "white"):
        colour = parse_colour(args.pop(0))
    if args and args[0].isdigit():
        args.insert(0, "interval")
    count = ANALYSIS_MOVES
    if len(args) % 2:
        raise GTPError("syntax error (lz-analyze [colour] [interval] [key value ...])")
    for key, value in zip(args[::2], args[1::2], strict=True):
        if not value.isdigit() or key not in ("interval", "maxmoves", "minmoves"):
            raise GTPError(f"syntax error (lz-analyze option {key} {value})")
        if key == "maxmoves":
            count = int(value)
    return engine.analysis(colour, count)


# --- the loop -------------------------------------------------------------------------------


def respond(engine: Engine, line: str) -> tuple[str, str, bool] | None:
    """The command's name, its full reply and whether it succeeded; None for an empty line."""
    parsed = parse_line(line)
    if parsed is None:
        return None
    command_id, name, args = parsed
    tag = "" if command_id is None else str(command_id)
    handler = COMMANDS.get(name)
    try:
        if handler is None:
            raise GTPError("unknown command" if name else "syntax error (no command)")
        text = handler(engine, args)
    except GTPError as error:
        return name, f"?{tag} {error}", False
    separator = "" if not text or text.startswith("\n") else " "
    return name, f"={tag}{separator}{text}", True


def serve(engine: Engine, stdin: TextIO, stdout: TextIO) -> None:
    """Answer commands from `stdin` until `quit` or the end of input.

    `lz-analyze` streams like Leela Zero's: `=`, then `info` lines, and the reply ends (with
    its empty line) when the next command arrives. The network's view of a position does not
    change while it waits, so one `info` line is all there is to stream, whatever the interval.
    """
    lines = iter(stdin)
    line = next(lines, None)
    while line is not None:
        reply = respond(engine, line)
        line = next(lines, None) if reply is None else _answer(reply, lines, stdout)
        if reply is not None and reply[0] == "quit":
            return


def _answer(reply: tuple[str, str, bool], lines: Iterator[str], stdout: TextIO) -> str | None:
    """Write a reply; returns the next command line (read early while an analysis streams)."""
    name, text, ok = reply
    if ok and name == "lz-analyze":
        head, _, info = text.partition(" ")
        _write(stdout, f"{head}\n{info}\n")
        following = next(lines, None)
        _write(stdout, "\n")
        return following
    _write(stdout, text + "\n\n")
    return None if name == "quit" else next(lines, None)


def _write(stdout: TextIO, text: str) -> None:
    stdout.write(text)
    stdout.flush()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--weights", help="weights file (default: the shipped weights, else a random network)"
    )
    parser.add_argument(
        "--temperature",
        type=float,
        default=0.0,
        help="0 plays the most probable move; T > 0 samples from p^(1/T) (default 0)",
    )
    parser.add_argument("--seed", type=int, help="random seed for --temperature sampling")
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch CPU threads; 1 is fastest for one position at a time (default 1; "
        "see benchmarks/results/genmove.md)",
    )


def run(args: argparse.Namespace) -> int:
    import torch

    from alphago_policy.model import WeightsError, load_policy

    torch.set_num_threads(args.threads)
    try:
        policy = load_policy(args.weights)
    except WeightsError as error:
        print(error, file=sys.stderr)
        return 1
    if not policy.trained:
        print(f"warning: {policy.description}: it plays random moves", file=sys.stderr)
    serve(Engine(policy, args.temperature, args.seed), sys.stdin, sys.stdout)
    return 0
