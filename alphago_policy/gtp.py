"""Play the policy network through GTP (version 2), the text protocol of Go GUIs and servers.

    python -m alphago_policy gtp [--weights PATH] [--temperature T] [--threads N]

Sabaki, Lizzie, GoGui or a Go server start this command and talk to it on stdin/stdout.
Besides every required GTP command it answers `undo`, `showboard`, `final_score` (area
count with komi; dead stones are not removed), the time and handicap commands, `printsgf`,
and Leela Zero's `lz-analyze`, which GUIs draw as a heat map of the network's probabilities.
This module is the protocol only: the game and the network's move choice are
`alphago_policy.game`'s. There is no search: `genmove` plays the network's most probable
sensible move.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from typing import TextIO

import numpy as np

from alphago_policy.game import Game, GameError, version
from sgf_data import IllegalMove
from sgf_data.coords import BOARD_SIZE, Point, from_gtp, to_gtp
from sgf_data.scoring import format_result

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


def analysis(game: Game, colour: str, count: int = ANALYSIS_MOVES) -> str:
    """One Leela Zero `info` line: the `count` most probable moves, prior in 1/10000.

    There is no search, so `visits` repeats the prior (GUIs size their heat map by visits),
    `winrate` is a neutral 5000 and the principal variation is the move itself.
    """
    probabilities = game.probabilities(colour).reshape(-1)
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


def showboard(game: Game) -> str:
    """The board as text (X black, O white) with the player to move, captures and komi."""
    position = game.position
    captures = position.captures
    return (
        f"\n{position}\n{'Black' if position.to_move == 'b' else 'White'} to move; "
        f"captured by Black (X) {captures['b']}, by White (O) {captures['w']}; "
        f"komi {game.komi:g}"
    )


# --- GTP commands ---------------------------------------------------------------------------

Handler = Callable[[Game, list[str]], str]
COMMANDS: dict[str, Handler] = {}


def command(name: str) -> Callable[[Handler], Handler]:
    """Register a handler: it gets the game and the arguments, returns the reply's text."""

    def register(handler: Handler) -> Handler:
        COMMANDS[name] = handler
        return handler

    return register


def _arguments(args: list[str], count: int) -> list[str]:
    if len(args) != count:
        raise GTPError(f"syntax error (expected {count} argument{'s' * (count != 1)})")
    return args


@command("protocol_version")
def _protocol_version(game: Game, args: list[str]) -> str:
    return "2"


@command("name")
def _name(game: Game, args: list[str]) -> str:
    return game.name


@command("version")
def _version_command(game: Game, args: list[str]) -> str:
    return version()


@command("known_command")
def _known_command(game: Game, args: list[str]) -> str:
    return "true" if _arguments(args, 1)[0].lower() in COMMANDS else "false"


@command("list_commands")
def _list_commands(game: Game, args: list[str]) -> str:
    return "\n".join(COMMANDS)


@command("quit")
def _quit(game: Game, args: list[str]) -> str:
    return ""


@command("boardsize")
def _boardsize(game: Game, args: list[str]) -> str:
    (size,) = _arguments(args, 1)
    if not size.isdigit():
        raise GTPError("syntax error (boardsize takes an integer)")
    if int(size) != BOARD_SIZE:
        raise GTPError(f"unacceptable size (this network plays {BOARD_SIZE}x{BOARD_SIZE} only)")
    game.reset()
    return ""


@command("clear_board")
def _clear_board(game: Game, args: list[str]) -> str:
    game.reset()
    return ""


@command("komi")
def _komi(game: Game, args: list[str]) -> str:
    try:
        game.komi = float(_arguments(args, 1)[0])
    except ValueError:
        raise GTPError("syntax error (komi takes a number)") from None
    return ""


@command("play")
def _play(game: Game, args: list[str]) -> str:
    colour_word, vertex = _arguments(args, 2)
    colour, point = parse_colour(colour_word), parse_vertex(vertex)
    try:
        game.play(colour, point)
    except IllegalMove as error:
        raise GTPError(f"illegal move ({error})") from None
    return ""


@command("genmove")
def _genmove(game: Game, args: list[str]) -> str:
    return to_gtp(game.genmove(parse_colour(_arguments(args, 1)[0])))


@command("undo")
def _undo(game: Game, args: list[str]) -> str:
    game.undo()
    return ""


@command("showboard")
def _showboard(game: Game, args: list[str]) -> str:
    return showboard(game)


@command("final_score")
def _final_score(game: Game, args: list[str]) -> str:
    return format_result(game.score())


@command("time_settings")
def _time_settings(game: Game, args: list[str]) -> str:
    if not all(arg.isdigit() for arg in _arguments(args, 3)):
        raise GTPError("syntax error (time_settings main_time byo_yomi_time byo_yomi_stones)")
    return ""  # a move takes milliseconds: any clock is fine


@command("time_left")
def _time_left(game: Game, args: list[str]) -> str:
    colour, seconds, stones = _arguments(args, 3)
    parse_colour(colour)
    if not (seconds.isdigit() and stones.isdigit()):
        raise GTPError("syntax error (time_left colour time stones)")
    return ""


@command("fixed_handicap")
def _fixed_handicap(game: Game, args: list[str]) -> str:
    (count,) = _arguments(args, 1)
    if not count.isdigit():
        raise GTPError("syntax error (fixed_handicap takes an integer)")
    if int(count) not in FIXED_HANDICAP:
        raise GTPError("invalid number of stones (2 to 9)")
    vertices = FIXED_HANDICAP[int(count)]
    game.place_handicap([parse_vertex(v) for v in vertices.split()])
    return vertices


@command("set_free_handicap")
def _set_free_handicap(game: Game, args: list[str]) -> str:
    game.place_handicap([parse_vertex(v) for v in args])
    return ""


@command("printsgf")
def _printsgf(game: Game, args: list[str]) -> str:
    return game.record().serialise(wrap=None).decode().strip()


@command("lz-analyze")
def _lz_analyze(game: Game, args: list[str]) -> str:
    """`lz-analyze [colour] [interval] [key value ...]`; the reply streams (see `serve`)."""
    colour = game.position.to_move
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
    return analysis(game, colour, count)


# --- the loop -------------------------------------------------------------------------------


def respond(game: Game, line: str) -> tuple[str, str, bool] | None:
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
        text = handler(game, args)
    except (GTPError, GameError) as error:
        return name, f"?{tag} {error}", False
    separator = "" if not text or text.startswith("\n") else " "
    return name, f"={tag}{separator}{text}", True


def serve(game: Game, stdin: TextIO, stdout: TextIO) -> None:
    """Answer commands from `stdin` until `quit` or the end of input.

    `lz-analyze` streams like Leela Zero's: `=`, then `info` lines, and the reply ends (with
    its empty line) when the next command arrives. The network's view of a position does not
    change while it waits, so one `info` line is all there is to stream, whatever the interval.
    """
    lines = iter(stdin)
    line = next(lines, None)
    while line is not None:
        reply = respond(game, line)
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
    serve(Game(policy, args.temperature, args.seed), sys.stdin, sys.stdout)
    return 0
