"""Play the policy network through GTP (version 2), the text protocol of Go GUIs and servers.

    alphago-gtp [--weights PATH] [--temperature T] [--resign-threshold POINTS] [--lizzie]
    python -m alphago_policy gtp ...   (the same)

Sabaki, Lizzie, GoGui or a Go server start this command and talk to it on stdin/stdout.
Besides every required GTP command it answers `undo`, `showboard`, `set_random_seed`,
`final_score` and
`final_status_list alive|dead|seki` (dead stones found by random playouts), the time and
handicap commands, `loadsgf FILE [MOVE]` (one regular SGF file of up to 4 MiB: a directory,
a device or a pipe is refused), `printsgf [FILE]`, and the analysis extensions of
Leela Zero and KataGo (`lz-analyze`, `kata-analyze` with `ownership true`,
`lz-genmove_analyze`, `kata-genmove_analyze`, with `avoid`/`allow`), which GUIs draw as the
network's candidate moves. `--strength N` and the extension `alphago-strength [N|list]` set the
network's strength level (`alphago_policy.strength`).

What the analysis numbers mean: a move's `prior` is the network's probability for it, its
`visits` the random playouts run after it (shared in proportion to the priors, so the heat map
is the network's); `ownership` is who owns each point at the end of the playouts of the
position. The network has no value head and uniformly random playouts cannot tell who is
winning an open game, so `winrate` and `lcb` read 0.5 and `scoreLead` 0 for every move (a
flat line on a GUI's graph) until late in the game, when most points have an owner the
playouts agree on (`alphago_policy.analysis.LATE_GAME`); from then on they are the share of
the playouts after the move that the player wins, and the area count after it with the dead
stones the playouts find taken off.

This module is the protocol only: the game and the network's move choice are
`alphago_policy.game`'s, the analysis `alphago_policy.analysis`'s. No input stops it: a
command that fails for any reason gets `? message` (a line longer than 1 MiB too), and the
engine goes on; at `quit` it exits at once.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import queue
import stat
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO, NoReturn

from alphago_policy.analysis import Analysis
from alphago_policy.cli import add_temperature, add_threads, add_weights, positive_int
from alphago_policy.game import (
    FIXED_HANDICAP,
    PLAYOUTS,
    RESIGN,
    WARMING_UP,
    Game,
    GameError,
    version,
    warm_up,
    write_sgf,
)
from alphago_policy.gtp_parsing import (
    AnalyzeRequest,
    GTPError,
    parse_analyze,
    parse_colour,
    parse_int,
    parse_line,
    parse_number,
    parse_vertex,
)
from sgf_data import IllegalMove
from sgf_data.archives import SgfFile
from sgf_data.coords import BOARD_SIZE, Point, to_gtp
from sgf_data.reader import LoadSummary, games_of
from sgf_data.scoring import format_result

MAX_SGF_BYTES = 4 * 2**20  # loadsgf reads one game: a game record is a few KB
MAX_LINE_BYTES = 2**20  # a longer command line is refused (GTP lines are a few dozen bytes)
LEELA_ZERO_VERSION = "0.17"  # the Leela Zero whose lz-analyze output ours follows (--lizzie)

# --- what the engine answers ------------------------------------------------------------------


def _ready() -> threading.Event:
    event = threading.Event()
    event.set()
    return event


@dataclass
class Server:
    """The protocol's state: the game, how to answer `version`, and whether the engine is
    warm (commands that need the compiled kernels wait for it; the others answer at once)."""

    game: Game
    lizzie: bool = False
    weights: str | None = None  # the full network's file, for the strength levels that use it
    ready: threading.Event = field(default_factory=_ready)


@dataclass
class StreamedReply:
    """A reply written in parts: analysis lines (`run` gets a writer and `interrupted`, which
    waits up to a time for the next command and says whether one came)."""

    run: Callable[[Callable[[str], None], Callable[[float], bool]], None]


Handler = Callable[[Server, list[str]], "str | StreamedReply"]
COMMANDS: dict[str, Handler] = {}
PROTOCOL_ONLY = {"protocol_version", "name", "version", "known_command", "list_commands", "quit"}


def command(name: str) -> Callable[[Handler], Handler]:
    """Register a handler: it gets the server and the arguments, returns the reply's text."""

    def register(handler: Handler) -> Handler:
        COMMANDS[name] = handler
        return handler

    return register


def _arguments(args: list[str], count: int) -> list[str]:
    if len(args) != count:
        raise GTPError(f"syntax error (expected {count} argument{'s' * (count != 1)})")
    return args


@command("protocol_version")
def _protocol_version(server: Server, args: list[str]) -> str:
    return "2"


@command("name")
def _name(server: Server, args: list[str]) -> str:
    return server.game.name


@command("version")
def _version(server: Server, args: list[str]) -> str:
    return LEELA_ZERO_VERSION if server.lizzie else version()


@command("known_command")
def _known_command(server: Server, args: list[str]) -> str:
    return "true" if _arguments(args, 1)[0].lower() in COMMANDS else "false"


@command("list_commands")
def _list_commands(server: Server, args: list[str]) -> str:
    return "\n".join(COMMANDS)


@command("quit")
def _quit(server: Server, args: list[str]) -> str:
    return ""


@command("boardsize")
def _boardsize(server: Server, args: list[str]) -> str:
    size = parse_int(_arguments(args, 1)[0], "boardsize")
    if size != BOARD_SIZE:
        raise GTPError(f"unacceptable size (this network plays {BOARD_SIZE}x{BOARD_SIZE} only)")
    server.game.reset()
    return ""


@command("clear_board")
def _clear_board(server: Server, args: list[str]) -> str:
    server.game.reset()
    return ""


@command("komi")
def _komi(server: Server, args: list[str]) -> str:
    server.game.komi = parse_number(_arguments(args, 1)[0], "komi")
    return ""


@command("play")
def _play(server: Server, args: list[str]) -> str:
    colour_word, vertex = _arguments(args, 2)
    colour, point = parse_colour(colour_word), parse_vertex(vertex)
    try:
        server.game.play(colour, point)
    except IllegalMove as error:
        raise GTPError(f"illegal move ({error})") from None
    return ""


def _vertex(choice: Point | str | None) -> str:
    return RESIGN if choice == RESIGN else to_gtp(choice)


@command("genmove")
def _genmove(server: Server, args: list[str]) -> str:
    return _vertex(server.game.genmove(parse_colour(_arguments(args, 1)[0])))


@command("set_random_seed")
def _set_random_seed(server: Server, args: list[str]) -> str:
    """Start the sampling and the playouts' random numbers again from a seed (as GNU Go does):
    a match varies its games and can replay any one of them."""
    server.game.reseed(parse_int(_arguments(args, 1)[0], "seed"))
    return ""


@command("undo")
def _undo(server: Server, args: list[str]) -> str:
    server.game.undo()
    return ""


@command("showboard")
def _showboard(server: Server, args: list[str]) -> str:
    """The board as text (X black, O white) with the player to move, captures and komi."""
    position, komi = server.game.position, server.game.komi
    captures = position.captures
    return (
        f"\n{position}\n{'Black' if position.to_move == 'b' else 'White'} to move; "
        f"captured by Black (X) {captures['b']}, by White (O) {captures['w']}; komi {komi:g}"
    )


@command("final_score")
def _final_score(server: Server, args: list[str]) -> str:
    return format_result(server.game.score())


@command("final_status_list")
def _final_status_list(server: Server, args: list[str]) -> str:
    """The stones with a status, one string a line (as GNU Go writes them)."""
    status = _arguments(args, 1)[0].lower()
    game = server.game
    if status not in ("alive", "dead", "seki"):
        raise GTPError("syntax error (final_status_list alive|dead|seki)")
    dead, seki = set(game.dead_stones()), set(game.seki_stones())
    stones = {"dead": dead, "seki": seki}.get(status)
    if stones is None:
        all_stones = {
            (int(r), int(c)) for r, c in zip(*game.position.stones().nonzero(), strict=True)
        }
        stones = all_stones - dead - seki
    lines, seen = [], set()
    for point in sorted(stones):
        if point not in seen:
            string = game.position.string(point)
            seen.update(string)
            lines.append(" ".join(to_gtp(stone) for stone in string))
    return "\n".join(lines)


@command("time_settings")
def _time_settings(server: Server, args: list[str]) -> str:
    for word, what in zip(
        _arguments(args, 3), ("main time", "byo-yomi time", "stones"), strict=True
    ):
        parse_int(word, what)
    return ""  # a move takes milliseconds: any clock is fine


@command("time_left")
def _time_left(server: Server, args: list[str]) -> str:
    colour, seconds, stones = _arguments(args, 3)
    parse_colour(colour)
    parse_number(seconds, "time")
    parse_int(stones, "stones")
    return ""


def _handicap_count(args: list[str]) -> int:
    count = parse_int(_arguments(args, 1)[0], "number of stones")
    if count not in FIXED_HANDICAP:
        raise GTPError("invalid number of stones (2 to 9)")
    return count


@command("fixed_handicap")
def _fixed_handicap(server: Server, args: list[str]) -> str:
    vertices = FIXED_HANDICAP[_handicap_count(args)]
    server.game.place_handicap([parse_vertex(v) for v in vertices.split()])
    return vertices


@command("place_free_handicap")
def _place_free_handicap(server: Server, args: list[str]) -> str:
    """The engine's choice of handicap points: the fixed ones, the usual shape."""
    return _fixed_handicap(server, args)


@command("set_free_handicap")
def _set_free_handicap(server: Server, args: list[str]) -> str:
    server.game.place_handicap([parse_vertex(v) for v in args])
    return ""


def read_sgf_file(path: str) -> bytes:
    """The bytes of the SGF file `path`; GTPError unless it is a regular file of at most
    MAX_SGF_BYTES (a directory, a device such as /dev/zero or a pipe could read forever or
    block the engine). Opened without blocking, then checked, so a pipe never stalls it."""
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as error:
        raise GTPError(f"cannot load file ({path}: {error.strerror or error})") from None
    mode = os.fstat(descriptor).st_mode
    if not stat.S_ISREG(mode):
        os.close(descriptor)
        kind = "a directory" if stat.S_ISDIR(mode) else "not a regular file"
        raise GTPError(f"cannot load file ({path} is {kind}: give one SGF file)")
    with os.fdopen(descriptor, "rb") as file:
        data = file.read(MAX_SGF_BYTES + 1)
    if len(data) > MAX_SGF_BYTES:
        raise GTPError(
            f"cannot load file ({path} is larger than {MAX_SGF_BYTES // 2**20} MiB: "
            "give an SGF file of one game)"
        )
    return data


@command("loadsgf")
def _loadsgf(server: Server, args: list[str]) -> str:
    """`loadsgf FILE [MOVE]`: the position before move MOVE (default: after the last move) of
    the file's first usable game."""
    if len(args) not in (1, 2):
        raise GTPError("syntax error (loadsgf FILE [MOVE])")
    moves = parse_int(args[1], "move number") - 1 if len(args) == 2 else None
    summary = LoadSummary()
    games = games_of([SgfFile(args[0], read_sgf_file(args[0]))], summary)
    record = next(games, None)
    if record is None:
        why = f": {summary.skipped[0].reason}" if summary.skipped else ""
        raise GTPError(f"cannot load file ({args[0]}: no usable 19x19 game in it{why})")
    server.game.load(record, moves)
    return ""


@command("printsgf")
def _printsgf(server: Server, args: list[str]) -> str:
    """`printsgf` answers the game as SGF; `printsgf FILE` writes it there."""
    record = server.game.record()
    if not args:
        return record.serialise(wrap=None).decode().strip()
    try:
        write_sgf(record, _arguments(args, 1)[0])
    except OSError as error:
        raise GTPError(f"cannot save file ({args[0]}: {error.strerror})") from None
    return ""


@command("alphago-strength")
def _strength(server: Server, args: list[str]) -> str:
    """`alphago-strength` answers the level playing (`none`: the full network, or sampling at
    --temperature); `alphago-strength N` plays at level N from the next move;
    `alphago-strength list` answers every level, one a line."""
    from alphago_policy.strength import LEVELS, set_strength

    if not args:
        level = server.game.strength
        return level.describe() if level else "none"
    if _arguments(args, 1)[0] == "list":
        return "\n".join(level.describe() for level in LEVELS)
    try:
        return set_strength(server.game, parse_int(args[0], "level"), server.weights).describe()
    except ValueError as error:
        raise GTPError(str(error)) from None


def _analysis(server: Server, args: list[str]) -> tuple[AnalyzeRequest, Analysis]:
    request = parse_analyze(args, server.game.position.to_move)
    analysis = Analysis(
        server.game, request.colour, request.max_moves, request.avoid, request.allow
    )
    return request, analysis


def lz_info(analysis: Analysis) -> str:
    """Leela Zero 0.17's `info` line: winrate, prior and lcb in 1/10000, the player's view."""
    parts = []
    for rank, c in enumerate(analysis.candidates):
        verdict = analysis.verdict(c)
        parts.append(
            f"info move {to_gtp(c.point)} visits {c.visits} "
            f"winrate {round(10000 * verdict.winrate)} prior {round(10000 * c.prior)} "
            f"lcb {round(10000 * verdict.lcb)} order {rank} pv {to_gtp(c.point)}"
        )
    return " ".join(parts)


def kata_info(analysis: Analysis, ownership: bool) -> str:
    """KataGo's `info` line: win rates in [0, 1], scores in points, the player's view; then
    the ownership of every point, A19 to T1, when asked for."""
    parts = []
    for rank, c in enumerate(analysis.candidates):
        verdict = analysis.verdict(c)
        parts.append(
            f"info move {to_gtp(c.point)} visits {c.visits} winrate {verdict.winrate:.6f} "
            f"scoreMean {verdict.score_lead:.3f} scoreStdev {verdict.score_stdev:.3f} "
            f"scoreLead {verdict.score_lead:.3f} prior {c.prior:.6f} lcb {verdict.lcb:.6f} "
            f"order {rank} pv {to_gtp(c.point)}"
        )
    if ownership:
        plane = analysis.ownership()[::-1]  # row 18 (the top line) first
        parts.append("ownership " + " ".join(f"{value:.4f}" for value in plane.reshape(-1)))
    return " ".join(parts)


def _analyze(kata: bool) -> Handler:
    def handler(server: Server, args: list[str]) -> StreamedReply:
        request, analysis = _analysis(server, args)

        def run(write: Callable[[str], None], interrupted: Callable[[float], bool]) -> None:
            due = time.monotonic()
            while True:
                analysis.step()
                if time.monotonic() >= due:
                    write(kata_info(analysis, request.ownership) if kata else lz_info(analysis))
                    due = time.monotonic() + max(request.interval, 0.05)
                wait = max(due - time.monotonic(), 0.0) if analysis.done else 0.0
                if interrupted(wait):
                    return

        return StreamedReply(run)

    return handler


def _genmove_analyze(kata: bool) -> Handler:
    def handler(server: Server, args: list[str]) -> StreamedReply:
        request, analysis = _analysis(server, args)

        def run(write: Callable[[str], None], interrupted: Callable[[float], bool]) -> None:
            analysis.step()
            write(kata_info(analysis, request.ownership) if kata else lz_info(analysis))
            choice = server.game.genmove(request.colour, request.avoid)
            write(f"play {_vertex(choice)}")

        return StreamedReply(run)

    return handler


COMMANDS["lz-analyze"] = _analyze(kata=False)
COMMANDS["kata-analyze"] = _analyze(kata=True)
COMMANDS["lz-genmove_analyze"] = _genmove_analyze(kata=False)
COMMANDS["kata-genmove_analyze"] = _genmove_analyze(kata=True)


# --- the loop ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reply:
    """A command's answer: its name, `=id`/`?id`, and its text or the stream that writes it."""

    name: str
    head: str
    body: str | StreamedReply


def respond(server: Server, line: str) -> Reply | None:
    """The reply to one command line; None for an empty line. Never raises: a failure of any
    kind is a `?` reply (and, when it is not a command's own error, a line on stderr)."""
    parsed = parse_line(line)
    if parsed is None:
        return None
    command_id, name, args = parsed
    tag = "" if command_id is None else str(command_id)
    handler = COMMANDS.get(name)
    try:
        if handler is None:
            raise GTPError("unknown command" if name else "syntax error (no command)")
        if name not in PROTOCOL_ONLY:
            server.ready.wait()
        body = handler(server, args)
    except (GTPError, GameError) as error:
        return Reply(name, f"?{tag}", str(error))
    except Exception as error:  # a bug must not kill the engine under a GUI: say it, go on
        message = f"internal error: {type(error).__name__}: {error}".replace("\n", " ")
        print(f"alphago-policy gtp: {line.strip()!r}: {message}", file=sys.stderr, flush=True)
        return Reply(name, f"?{tag}", message)
    return Reply(name, f"={tag}", body)


class TooLong:
    """In place of a line longer than MAX_LINE_BYTES: its bytes were dropped as they came."""


TOO_LONG = TooLong()


class LineReader:
    """Command lines from a binary stream, read by a thread so that an analysis can stream
    while waiting for the next command; bytes are decoded as UTF-8, bad bytes replaced, and a
    line longer than MAX_LINE_BYTES comes as TOO_LONG.

    The thread reads the file descriptor itself (`os.read`), not the buffered stream, so
    that it holds no lock of the interpreter's while it waits: the engine can exit at `quit`
    while its input stays open.
    """

    def __init__(self, stream: BinaryIO) -> None:
        self._lines: queue.Queue[str | TooLong | None] = queue.Queue()
        self._next: str | TooLong | None = None
        self._has_next = False
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream: BinaryIO) -> None:
        try:
            for raw in split_lines(_chunks(stream), MAX_LINE_BYTES):
                self._lines.put(TOO_LONG if raw is None else raw.decode("utf-8", "replace"))
        finally:
            self._lines.put(None)

    def waiting(self, timeout: float) -> bool:
        """Whether a line (or the end of input) is there, waiting up to `timeout` seconds."""
        if not self._has_next:
            try:
                self._next = (
                    self._lines.get(timeout=timeout) if timeout else self._lines.get_nowait()
                )
            except queue.Empty:
                return False
            self._has_next = True
        return True

    def __iter__(self) -> Iterator[str | TooLong]:
        while True:
            if not self._has_next:
                self._next, self._has_next = self._lines.get(), True
            line, self._next, self._has_next = self._next, None, False
            if line is None:
                return
            yield line


def _chunks(stream: BinaryIO) -> Iterator[bytes]:
    """The bytes of `stream` as they come, read from its file descriptor when it has one."""
    try:
        descriptor = stream.fileno()
    except (AttributeError, OSError):  # an in-memory stream
        return iter(lambda: stream.read(65536), b"")
    return iter(lambda: os.read(descriptor, 65536), b"")


def split_lines(chunks: Iterable[bytes], limit: int) -> Iterator[bytes | None]:
    """The lines of a byte stream that comes in `chunks` (without their newline), in time and
    memory linear in its length; None for a line longer than `limit` bytes, whose bytes are
    dropped as they come.

    >>> list(split_lines([b"na", b"me\\nplay b D4\\nqu", b"it"], 8))
    [b'name', None, b'quit']
    """
    line, too_long = bytearray(), False
    for chunk in chunks:
        start = 0
        while (end := chunk.find(b"\n", start)) != -1:
            too_long = too_long or len(line) + end - start > limit
            yield None if too_long else bytes(line + chunk[start:end])
            line, too_long, start = bytearray(), False, end + 1
        if not too_long:
            line += chunk[start:]
            too_long = len(line) > limit
            if too_long:
                line = bytearray()
    if too_long:
        yield None
    elif line:
        yield bytes(line)


TOO_LONG_REPLY = Reply(
    "", "?", f"syntax error (a line longer than {MAX_LINE_BYTES:,} bytes: its bytes were dropped)"
)


def serve(server: Server, stdin: BinaryIO, stdout: BinaryIO) -> None:
    """Answer commands from `stdin` until `quit` or the end of input.

    Analysis commands stream as Leela Zero's and KataGo's do: `=`, then an `info` line every
    interval, ending (with the empty line) when the next command arrives, which is answered
    next; `*-genmove_analyze` ends by itself with its `play` line.
    """

    def write(text: str) -> None:
        stdout.write(text.encode("utf-8", errors="replace"))
        stdout.flush()

    lines = LineReader(stdin)
    for line in lines:
        reply = TOO_LONG_REPLY if isinstance(line, TooLong) else respond(server, line)
        if reply is None:
            continue
        if isinstance(reply.body, StreamedReply):
            write(reply.head + "\n")
            reply.body.run(lambda text: write(text + "\n") if text else None, lines.waiting)
            write("\n")
        else:
            separator = "" if not reply.body or reply.body.startswith("\n") else " "
            write(f"{reply.head}{separator}{reply.body}\n\n")
        if reply.name == "quit" and reply.head.startswith("="):
            return


def _warm_up(server: Server) -> bool:
    """Warm the engine up (`game.warm_up`) while the protocol's own commands are answered,
    saying so on stderr; let the other commands through as soon as a move's kernels are warm.
    False if it failed."""
    start = time.perf_counter()

    def moves_ready() -> None:
        seconds = time.perf_counter() - start
        print(f"alphago-policy gtp: ready ({seconds:.1f} s)", file=sys.stderr, flush=True)
        server.ready.set()

    print(f"alphago-policy gtp: {WARMING_UP}", file=sys.stderr, flush=True)
    try:
        seconds = warm_up(server.game.policy, moves_ready)
        print(f"alphago-policy gtp: warm ({seconds:.1f} s)", file=sys.stderr, flush=True)
        return True
    except Exception as error:  # the commands will meet it again, and say it
        print(f"alphago-policy gtp: warming up failed: {error!r}", file=sys.stderr, flush=True)
        return False
    finally:
        server.ready.set()


def points(text: str) -> float:
    """An argparse type: a finite number of points, 0 or more."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value >= 0):
        raise argparse.ArgumentTypeError(f"must be a number of points, 0 or more, not {text!r}")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_weights(parser)
    add_temperature(parser)
    parser.add_argument("--seed", type=int, help="random seed: sampling and playouts")
    parser.add_argument(
        "--playouts",
        type=positive_int,
        default=PLAYOUTS,
        help=f"random playouts behind each move: when to pass or resign (default {PLAYOUTS})",
    )
    parser.add_argument(
        "--resign-threshold",
        type=points,
        metavar="POINTS",
        help="resign when nearly all playouts lose by more than POINTS for several moves in a "
        "row (default: never resign)",
    )
    parser.add_argument(
        "--strength",
        type=positive_int,
        metavar="N",
        help="play at strength level N, 1 (weakest) to 10 (see alphago_policy/strength.py; "
        "GTP `alphago-strength` changes it in play); default: the full network, --temperature",
    )
    parser.add_argument(
        "--symmetries",
        type=int,
        choices=(1, 8),
        default=1,
        help="8: average the network over the board's 8 symmetries (one batch; slower, see "
        "benchmarks/results/symmetries.md)",
    )
    parser.add_argument(
        "--lizzie",
        action="store_true",
        help=f"answer `version` with {LEELA_ZERO_VERSION}: Lizzie reads it as a Leela Zero "
        "version and warns below 0.15 (the first with lz-analyze); our lz-analyze lines are "
        f"those of Leela Zero {LEELA_ZERO_VERSION}",
    )
    parser.add_argument(
        "--warm-up",
        action="store_true",
        help="compile the engine's kernels into numba's cache, say how long it took, and exit: "
        "run once after installing, so that a GUI's first genmove is answered at once",
    )
    add_threads(
        parser,
        note="1 is fastest for one position at a time (see benchmarks/results/genmove.md)",
    )


def run(args: argparse.Namespace) -> int:
    import torch

    from alphago_policy.policy import WeightsError, policy_for_command

    torch.set_num_threads(args.threads)
    policy = policy_for_command(args.weights, "it plays random moves")
    if policy is None:
        return 1
    game = Game(
        policy,
        args.temperature,
        args.seed,
        playouts=args.playouts,
        resign_threshold=args.resign_threshold,
    )
    if args.strength is not None or args.symmetries > 1:
        from alphago_policy.strength import set_strength, set_symmetries

        try:
            if args.strength is not None:
                set_strength(game, args.strength, args.weights)
        except (ValueError, WeightsError) as error:
            print(f"--strength: {error}", file=sys.stderr)
            return 2
        if args.symmetries > 1:
            set_symmetries(game, args.symmetries)
    if args.warm_up:
        return 0 if _warm_up(Server(game)) else 1
    server = Server(game, lizzie=args.lizzie, weights=args.weights)
    server.ready.clear()
    threading.Thread(target=_warm_up, args=(server,), daemon=True).start()
    with contextlib.suppress(BrokenPipeError, KeyboardInterrupt):  # the GUI went away
        serve(server, sys.stdin.buffer, sys.stdout.buffer)
    exit_now(0)


def exit_now(status: int) -> NoReturn:
    """End the process at once, its output flushed: a GUI kills an engine that is not gone soon
    after `quit` (Sabaki after 3 s), and tearing torch and numba down takes seconds. A warm-up
    still compiling is cut short safely: numba writes each cache file whole or not at all."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(status)


def main(argv: list[str] | None = None) -> int:
    """The `alphago-gtp` console script."""
    parser = argparse.ArgumentParser(prog="alphago-gtp", description=__doc__.split("\n\n")[0])
    add_arguments(parser)
    return run(parser.parse_args(argv))
