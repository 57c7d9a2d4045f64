"""Read 19x19 game records as users have them: files, collections, directories, archives.

`read_games` streams `GameRecord`s out of ``.sgf`` files (one game or a collection of many),
directories (recursively) and ``.zip`` / ``.tar.gz`` / ``.tgz`` / ``.tar.bz2`` archives, without
extracting anything to disk. sgfmill does all the parsing. Each game's main line is replayed once
through `Position` while loading, so every game that comes out is legal from start to end. A game
that cannot be used is skipped with one warning naming the file, the game and the move, and is
recorded in the `LoadSummary`; the rest of the file or archive goes on.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from sgfmill import sgf, sgf_grammar, sgf_properties

from sgf_data.archives import SgfFile, check_paths, sgf_files
from sgf_data.board import IllegalMove, Position
from sgf_data.coords import BOARD_SIZE, Move, Point, to_sgf

logger = logging.getLogger(__name__)


# Why a game is skipped: the keys of `LoadSummary.by_reason`.
UNREADABLE = "unreadable file"  # the file or archive member could not be read
NO_GAME = "no game in file"  # no SGF game tree at all (empty file, garbage)
UNPARSABLE = "unparsable SGF"  # sgfmill cannot parse the game tree
NOT_19X19 = "not 19x19"
BAD_VALUE = "bad point value"  # a move or setup stone that is not a point on the board
BAD_SETUP = "bad setup"  # setup stones after the first move, or a setup that cannot stand
OCCUPIED = "move on an occupied point"
ILLEGAL = "illegal move"  # suicide or a ko retake
NO_MOVES = "no moves"  # no stone played on the board
DUPLICATE = "duplicate"  # a game with the id of one read before (read_games(unique=True))
REASONS = (
    UNREADABLE,
    NO_GAME,
    UNPARSABLE,
    NOT_19X19,
    BAD_VALUE,
    BAD_SETUP,
    OCCUPIED,
    ILLEGAL,
    NO_MOVES,
    DUPLICATE,
)

# Files up to this size are parsed whole in one sgfmill pass; larger collections game by game,
# so that memory stays bounded by one game, not by the file.
WHOLE_FILE_LIMIT = 4 << 20

# Setup point lists (AB/AW/AE, compressed or not) are read by sgfmill's Node; they hold no text,
# so the encoding given here does not matter.
_PRESENTER = sgf_properties.Presenter(BOARD_SIZE, "UTF-8")
_BOARD_SIZES = (b"19", b"19:19")
_SETUP = frozenset(("AB", "AW", "AE"))
_MOVES = (("B", "b"), ("W", "w"))
_GAME_NUMBER = re.compile(r"[0-9]{5,}", re.ASCII)  # a server's serial number, not a round
# Properties that only a game's first node holds (root and game-info): where "(;" is followed
# by one of these, a new game starts, never a variation of the one before.
_ROOT_PROPERTIES = ("FF", "GM", "SZ", "CA", "AP", "ST")
_GAME_INFO = ("PB", "PW", "BR", "WR", "DT", "EV", "GN", "PC", "RE", "RU", "KM", "HA")
_GAME_START = frozenset((*_ROOT_PROPERTIES, *_GAME_INFO))
_TREE_START = re.compile(rb"\(\s*;")
_NOT_CLOSED = "the game is not closed, reading goes on at the next game"


@dataclass(frozen=True)
class Skip:
    """A game (or a whole file) that was not used, and why.

    ``game`` is the game's 1-based position in its file (None when the file held no game or
    could not be read); ``move_number`` is the 1-based move at fault (None when no move is).

    >>> print(Skip("kgs.zip:2019/a.sgf", 2, 57, ILLEGAL, "w D4: ko retake"))
    kgs.zip:2019/a.sgf game 2 move 57: illegal move (w D4: ko retake)
    """

    source: str
    game: int | None
    move_number: int | None
    reason: str
    detail: str = ""

    def __str__(self) -> str:
        where = self.source
        if self.game is not None:
            where += f" game {self.game}"
        if self.move_number is not None:
            where += f" move {self.move_number}"
        return f"{where}: {self.reason}" + (f" ({self.detail})" if self.detail else "")


@dataclass
class LoadSummary:
    """What a `read_games` run read: files, games and moves kept, and every skip."""

    files: int = 0
    games: int = 0
    moves: int = 0
    skipped: list[Skip] = field(default_factory=list)

    def __str__(self) -> str:
        """What was read, in one line.

        >>> print(LoadSummary(1, 1, 250, [Skip("a.sgf", 2, None, DUPLICATE)]))
        1 file read: 1 game (250 moves), 1 skipped (1 duplicate)
        >>> print(LoadSummary(3, 0, 0, [Skip("a.sgf", None, None, NO_GAME)] * 3))
        3 files read: 0 games, 3 skipped (3 no game in file)
        """
        line = f"{_count(self.files, 'file')} read: {_count(self.games, 'game')}"
        line += f" ({self.moves:,} moves)" if self.games else ""
        if self.skipped:
            reasons = ", ".join(f"{count:,} {reason}" for reason, count in self.by_reason.items())
            line += f", {len(self.skipped):,} skipped ({reasons})"
        return line

    @property
    def by_reason(self) -> dict[str, int]:
        """How many skips there were for each reason, most frequent first."""
        return dict(Counter(skip.reason for skip in self.skipped).most_common())

    def skip(self, skip: Skip) -> None:
        """Record a skip and log it: one warning line per skipped game or file."""
        self.skipped.append(skip)
        logger.warning("skipped %s", skip)


@dataclass(frozen=True)
class GameRecord:
    """One game's main line and the metadata a trainer or a player wants from it."""

    game_id: str  # the server's PC+GN ("tygem-407331168"), else "sha1-..." of the content
    source: str  # "dir/archive.tar.gz:member.sgf", with "#n" for the n-th game (n > 1) of a file
    black: str  # PB, PW, BR, WR, RE, DT, RU as written ('' when absent)
    white: str
    black_rank: str
    white_rank: str
    result: str
    komi: float  # KM; 0.0 when absent or malformed
    handicap: int  # HA; 0 when absent or malformed
    date: str
    rules: str
    setup_black: tuple[Point, ...]  # AB (AW) stones before the first move, sorted
    setup_white: tuple[Point, ...]
    moves: tuple[Move, ...]  # the main line, passes as None

    def start_position(self) -> Position:
        """The board before the first move: the setup stones, the first mover to play."""
        to_move = self.moves[0][0] if self.moves else "b"
        return Position.from_setup(black=self.setup_black, white=self.setup_white, to_move=to_move)

    def replay(self) -> Iterator[tuple[Position, Move]]:
        """Each move with the position just before it (one Position, mutated between yields).

        The position's ``to_move`` is the colour of the move, also where a record has one side
        play twice in a row. Once the loop is over, the position holds the final board.
        """
        position = self.start_position()
        for colour, point in self.moves:
            if position.to_move != colour:
                position.to_move = colour
            yield position, (colour, point)
            position.play(colour, point)


def read_games(
    *paths: str | os.PathLike, summary: LoadSummary | None = None, unique: bool = False
) -> Iterator[GameRecord]:
    """Stream the usable games under the paths; skipped games are logged and put in ``summary``.

    Paths are directories (searched recursively, in sorted order), ``.sgf`` files holding one
    game or several, and ``.zip`` or tar archives (``.tar.gz``, ``.tgz``, ``.tar.bz2``, ...).
    A missing path, or a file of another kind, raises at once (FileNotFoundError, ValueError).
    `unique`: a game whose id was read before (the same game in two files) is skipped as a
    duplicate, naming where it was first read.
    """
    files = sgf_files(check_paths(paths))
    return games_of(files, LoadSummary() if summary is None else summary, unique)


def games_of(
    files: Iterable[SgfFile], summary: LoadSummary, unique: bool = False
) -> Iterator[GameRecord]:
    """The usable games of each file's bytes in turn; every file, game, move and skip counted
    in ``summary``; with ``unique``, a game whose id was read before is skipped."""
    first_read: dict[str, str] = {}  # game id -> where it was read, when `unique`
    for file in files:
        summary.files += 1
        if file.data is None:
            summary.skip(Skip(file.source, None, None, UNREADABLE, file.error))
            continue
        found = False
        for number, tree in enumerate(game_trees(file.data), start=1):
            found = True
            source = file.source if number == 1 else f"{file.source}#{number}"
            game = _load_game(tree, source, file.source, number)
            if isinstance(game, Skip):
                summary.skip(game)
                continue
            if unique:
                if game.game_id in first_read:
                    detail = f"{game.game_id}, read before from {first_read[game.game_id]}"
                    summary.skip(Skip(file.source, number, None, DUPLICATE, detail))
                    continue
                first_read[game.game_id] = source
            summary.games += 1
            summary.moves += len(game.moves)
            yield game
        if not found:
            summary.skip(Skip(file.source, None, None, NO_GAME, "no '(;' game tree found"))


def _count(number: int, noun: str) -> str:
    """'1 game', '2 games'."""
    return f"{number:,} {noun}{'s' * (number != 1)}"


def game_trees(data: bytes) -> Iterator[sgf_grammar.Coarse_game_tree | ValueError]:
    """sgfmill's game trees of an SGF file in order, a ValueError in place of each broken one.

    A file up to `WHOLE_FILE_LIMIT` goes through sgfmill's ``parse_sgf_collection`` in one
    pass. A larger file, or one holding a broken game (which makes that call give up on the
    whole file), is stepped through game by game: sgfmill's tokeniser finds where each game ends
    and ``parse_sgf_game`` parses it, so one broken game costs only itself. A game that is not
    closed (a missing ")") runs on into the games after it; reading then goes on at the next
    "(;" that starts a game (its first node holds root or game-info properties, which a
    variation never does), so only the unclosed game is lost.

    >>> data = b"(;SZ[19];B[pd]) (;B[dd];W) (;SZ[19];B[pd] (;SZ[19];W[dp];B[pp])"
    >>> [tree if isinstance(tree, ValueError) else len(tree.sequence) for tree in game_trees(data)]
    [2, ValueError('property with no values'), ValueError('unexpected end of SGF data; the \
game is not closed, reading goes on at the next game'), 3]
    """
    if len(data) <= WHOLE_FILE_LIMIT:
        try:
            trees = sgf_grammar.parse_sgf_collection(data)
        except ValueError:
            pass
        else:
            yield from trees
            return
    position = 0
    while True:
        tokens, end = sgf_grammar.tokenise(data, position)
        if not tokens:
            return
        try:
            yield sgf_grammar.parse_sgf_game(data[position:end])
        except ValueError as error:
            start = _TREE_START.search(data, position).start()
            following = _next_game_start(data, start + 1, end)
            if following is None:
                yield error
            else:
                end = following
                yield ValueError(f"{error}; {_NOT_CLOSED}")
        position = end


def _next_game_start(data: bytes, start: int, end: int) -> int | None:
    """Where the first "(;" in data[start:end] that starts a game (not a variation) is."""
    for match in _TREE_START.finditer(data, start, end):
        tokens, _ = sgf_grammar.tokenise(data, match.start())
        first_node = itertools.takewhile(lambda token: token[0] != "D", tokens[2:])
        if any(kind == "I" and value.decode() in _GAME_START for kind, value in first_node):
            return match.start()
    return None


class _Unusable(Exception):
    """Why a game cannot be used: raised while a game is read, turned into a `Skip`."""

    def __init__(self, move_number: int | None, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.move_number, self.reason, self.detail = move_number, reason, detail


def _load_game(
    tree: sgf_grammar.Coarse_game_tree | ValueError, source: str, file: str, number: int
) -> GameRecord | Skip:
    """The game in one sgfmill game tree, checked move by move, or why it cannot be used."""
    try:
        return _checked_game(tree, source)
    except _Unusable as problem:
        return Skip(file, number, problem.move_number, problem.reason, problem.detail)


def _checked_game(tree: sgf_grammar.Coarse_game_tree | ValueError, source: str) -> GameRecord:
    """The game with its metadata and id; `_Unusable` if it is not a legal 19x19 game."""
    if isinstance(tree, ValueError):
        raise _Unusable(None, UNPARSABLE, str(tree))
    root = tree.sequence[0]
    size = root.get("SZ", [b"19"])[0].strip()
    if size not in _BOARD_SIZES:
        raise _Unusable(None, NOT_19X19, f"SZ[{size.decode('latin-1')}]")
    setup_black, setup_white, moves = _main_line(tree)
    if all(point is None for _, point in moves):
        raise _Unusable(None, NO_MOVES, f"{len(moves)} passes, no stone played")
    text = _root_text(root)
    black, white, date = text("PB"), text("PW"), text("DT")
    game = GameRecord(
        game_id=server_game_id(text("PC"), text("GN"))
        or content_game_id(black, white, date, setup_black, setup_white, moves),
        source=source,
        black=black,
        white=white,
        black_rank=text("BR"),
        white_rank=text("WR"),
        result=text("RE"),
        komi=_number(root, "KM", sgf_properties.interpret_real, 0.0),
        handicap=max(0, _number(root, "HA", sgf_properties.interpret_number, 0)),
        date=date,
        rules=text("RU"),
        setup_black=setup_black,
        setup_white=setup_white,
        moves=moves,
    )
    _check_moves(game)
    return game


def _main_line(tree: sgf_grammar.Coarse_game_tree):
    """(setup_black, setup_white, moves) of the game's main line.

    The main line is sgfmill's (``main_sequence_iter``, as ``Sgf_game.get_main_sequence``):
    the first variation at every branch. Setup stones (AB/AW/AE) count in any node up to the
    first move; setup after that changes the board mid-game, which a `GameRecord` cannot hold.
    """
    black: set[Point] = set()
    white: set[Point] = set()
    moves: list[Move] = []
    for properties in sgf_grammar.main_sequence_iter(tree):
        move_number = len(moves) + 1
        if not _SETUP.isdisjoint(properties):
            if moves:
                raise _Unusable(move_number, BAD_SETUP, "setup stones after the first move")
            try:
                node = sgf.Node(properties, _PRESENTER)
                added_black, added_white, emptied = node.get_setup_stones()
            except ValueError as error:
                raise _Unusable(move_number, BAD_VALUE, f"setup stones: {error}") from None
            black = (black - added_white - emptied) | added_black
            white = (white - added_black - emptied) | added_white
        for identifier, colour in _MOVES:  # B first when a node has both, as sgfmill reads it
            values = properties.get(identifier)
            if values is not None:
                try:
                    point = sgf_properties.interpret_go_point(values[0], BOARD_SIZE)
                except ValueError:
                    detail = f"{identifier}[{values[0].decode('latin-1')}]"
                    raise _Unusable(move_number, BAD_VALUE, detail) from None
                moves.append((colour, point))
                break
    return tuple(sorted(black)), tuple(sorted(white)), tuple(moves)


def _check_moves(game: GameRecord) -> None:
    """Play the game once through `Position`; raise `_Unusable` at the first move that cannot
    be played (or for setup stones that cannot stand). Legality does not depend on whose turn
    the position says it is, so this plays the moves as `GameRecord.replay` does."""
    try:
        position = game.start_position()
    except ValueError as error:
        raise _Unusable(None, BAD_SETUP, f"{game.game_id}: {error}") from None
    for number, (colour, point) in enumerate(game.moves, start=1):
        try:
            position.play(colour, point)
        except IllegalMove as error:
            reason = OCCUPIED if position.colour_at(point) is not None else ILLEGAL
            raise _Unusable(number, reason, f"{game.game_id}: {error}") from None


def _root_text(root: dict[str, list[bytes]]) -> Callable[[str], str]:
    """A reader of the root's SimpleText properties as str ('' when absent), see `decode_text`."""
    charset = None
    if "CA" in root:
        try:
            charset = sgf_properties.normalise_charset_name(root["CA"][0].decode("ascii"))
        except (LookupError, UnicodeDecodeError):
            charset = None

    def text(identifier: str) -> str:
        if identifier not in root:
            return ""
        return decode_text(sgf_grammar.simpletext_value(root[identifier][0]), charset).strip()

    return text


def decode_text(raw: bytes, charset: str | None) -> str:
    """Text in the declared charset (CA); where that is missing or wrong, UTF-8, then Latin-1.

    Real files declare a wrong CA often enough (GB2312 or Latin-1 names under CA[UTF-8]);
    a name never costs a game, and Latin-1 reads any bytes.

    >>> decode_text("李昌镐".encode("gb2312"), "GB2312")
    '李昌镐'
    >>> decode_text("Honinbō".encode("utf-8"), None), decode_text(b"Ren\\xe9", "UTF-8")
    ('Honinbō', 'René')
    """
    for encoding in (charset, "utf-8"):
        if encoding is not None:
            try:
                return raw.decode(encoding)
            except UnicodeDecodeError:
                pass
    return raw.decode("latin-1")


def _number(root: dict[str, list[bytes]], identifier: str, interpret, default):
    """A numeric root property read by sgfmill, or ``default`` when absent or malformed."""
    try:
        return interpret(root[identifier][0].strip())
    except (KeyError, ValueError):
        return default


def server_game_id(place: str, number: str) -> str | None:
    """The id a server gave a game (PC + GN, as "tygem-407331168"), or None if it gave none.

    GN counts as a server's game number only when it is a serial number (5 digits or more):
    elsewhere GN is a title ("Honinbo, game 3") or a round ("1"), which need not be unique.

    >>> server_game_id("TYGEM", "407331168"), server_game_id("TOM", "354460")
    ('tygem-407331168', 'tom-354460')
    >>> server_game_id("The KGS Go Server at http://www.gokgs.com/", "") is None
    True
    >>> server_game_id("Nihon Ki-in", "Honinbo game 3"), server_game_id("Tokyo Open", "1")
    (None, None)
    """
    server = re.sub(r"[^a-z0-9]+", "-", place.lower()).strip("-")
    if not server or not _GAME_NUMBER.fullmatch(number):
        return None
    return f"{server}-{number}"


def content_game_id(
    black: str,
    white: str,
    date: str,
    setup_black: Iterable[Point],
    setup_white: Iterable[Point],
    moves: Iterable[Move],
) -> str:
    """A stable id from what a game is (players, date, setup, moves): sha1 of a normal form.

    The same game gets the same id on any machine, whatever its file name, encoding, comments,
    or variations.

    >>> content_game_id("Lee", "Cho", "2001-02-03", [], [], [("b", (15, 15)), ("w", None)])
    'sha1-3740ba02a6af66f7'
    """
    lines = [
        f"PB {black}",
        f"PW {white}",
        f"DT {date}",
        "AB " + ",".join(sorted(map(to_sgf, setup_black))),
        "AW " + ",".join(sorted(map(to_sgf, setup_white))),
        "moves " + ";".join(f"{colour}[{to_sgf(point)}]" for colour, point in moves),
    ]
    digest = hashlib.sha1("\n".join(lines).encode("utf-8")).hexdigest()
    return f"sha1-{digest[:16]}"
