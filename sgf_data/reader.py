"""Read 19x19 game records as users have them: files, collections, directories, archives.

`read_games` streams `GameRecord`s out of ``.sgf`` files (one game or a collection of many),
directories (recursively) and ``.zip`` / ``.tar.gz`` / ``.tgz`` / ``.tar.bz2`` archives, without
extracting anything to disk. sgfmill parses each game tree (`sgf_data.trees` finds them). Each
game's main line is replayed once through `Position` while loading, so every game that comes out
is legal from start to end. A game that cannot be used is skipped with one warning naming the
file, the game and the move, and is recorded in the `LoadSummary`; the rest of the file or
archive goes on.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial

from sgfmill import sgf, sgf_grammar, sgf_properties

from sgf_data.archives import SgfFile, check_paths, sgf_files
from sgf_data.board import IllegalMove, Position
from sgf_data.coords import BOARD_SIZE, Move, Point, to_sgf
from sgf_data.trees import GameTooLarge, game_trees, wide_encoding

logger = logging.getLogger(__name__)


# Why a game is skipped: the keys of `LoadSummary.by_reason`.
UNREADABLE = "unreadable file"  # the file or archive member could not be read
NO_GAME = "no game in file"  # no SGF game tree at all (empty file, garbage)
UNPARSABLE = "unparsable SGF"  # sgfmill cannot parse the game tree
TOO_LARGE = "game too large"  # a game tree over sgf_data.trees.MAX_GAME_BYTES
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
    TOO_LARGE,
    NOT_19X19,
    BAD_VALUE,
    BAD_SETUP,
    OCCUPIED,
    ILLEGAL,
    NO_MOVES,
    DUPLICATE,
)

# Setup point lists (AB/AW/AE, compressed or not) are read by sgfmill's Node; they hold no text,
# so the encoding given here does not matter.
_PRESENTER = sgf_properties.Presenter(BOARD_SIZE, "UTF-8")
_BOARD_SIZES = (b"19", b"19:19")
_SETUP = frozenset(("AB", "AW", "AE"))
_MOVES = (("B", "b"), ("W", "w"))
_GAME_NUMBER = re.compile(r"[0-9]{5,}", re.ASCII)  # a server's serial number, not a round


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
        data, wide = _sgf_bytes(file.data)
        found = False
        for number, tree in enumerate(game_trees(data), start=1):
            found = True
            source = file.source if number == 1 else f"{file.source}#{number}"
            game = _load_game(tree, source, file.source, number, "utf-8" if wide else None)
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
            detail = "no '(;' game tree found" + (f" (read as {wide.upper()})" if wide else "")
            summary.skip(Skip(file.source, None, None, NO_GAME, detail))


def _sgf_bytes(data: bytes) -> tuple[bytes, str | None]:
    """The bytes sgfmill reads (SGF's syntax is ASCII), and the wide encoding (UTF-16 or
    UTF-32, see `wide_encoding`) they were turned from into UTF-8, or None.

    >>> _sgf_bytes("(;PB[李])".encode("utf-16"))
    (b'(;PB[\\xe6\\x9d\\x8e])', 'utf-16')
    """
    wide = wide_encoding(data)
    if wide is None:
        return data, None
    return data.decode(wide, errors="replace").encode("utf-8"), wide


def _count(number: int, noun: str) -> str:
    """'1 game', '2 games'."""
    return f"{number:,} {noun}{'s' * (number != 1)}"


class _Unusable(Exception):
    """Why a game cannot be used: raised while a game is read, turned into a `Skip`."""

    def __init__(self, move_number: int | None, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.move_number, self.reason, self.detail = move_number, reason, detail


def _load_game(
    tree: sgf_grammar.Coarse_game_tree | ValueError,
    source: str,
    file: str,
    number: int,
    charset: str | None,
) -> GameRecord | Skip:
    """The game in one sgfmill game tree, checked move by move, or why it cannot be used;
    `charset`, when given, is that of the text, whatever CA declares."""
    try:
        return _checked_game(tree, source, charset)
    except _Unusable as problem:
        return Skip(file, number, problem.move_number, problem.reason, problem.detail)


def _checked_game(
    tree: sgf_grammar.Coarse_game_tree | ValueError, source: str, charset: str | None
) -> GameRecord:
    """The game with its metadata and id; `_Unusable` if it is not a legal 19x19 game."""
    if isinstance(tree, GameTooLarge):
        raise _Unusable(None, TOO_LARGE, str(tree))
    if isinstance(tree, ValueError):
        raise _Unusable(None, UNPARSABLE, str(tree))
    root = tree.sequence[0]
    size = root.get("SZ", [b"19"])[0].strip()
    if size not in _BOARD_SIZES:
        raise _Unusable(None, NOT_19X19, f"SZ[{size.decode('latin-1')}]")
    setup_black, setup_white, moves = _main_line(tree)
    if all(point is None for _, point in moves):
        raise _Unusable(None, NO_MOVES, f"{len(moves)} passes, no stone played")
    text = _root_text(root, partial(decode_text, charset=charset or _declared_charset(root)))
    game = GameRecord(
        game_id=_game_id(_root_text(root, text_as_written), setup_black, setup_white, moves),
        source=source,
        black=text("PB"),
        white=text("PW"),
        black_rank=text("BR"),
        white_rank=text("WR"),
        result=text("RE"),
        komi=_number(root, "KM", sgf_properties.interpret_real, 0.0),
        handicap=max(0, _number(root, "HA", sgf_properties.interpret_number, 0)),
        date=text("DT"),
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


def _game_id(
    text: Callable[[str], str],
    setup_black: tuple[Point, ...],
    setup_white: tuple[Point, ...],
    moves: tuple[Move, ...],
) -> str:
    """The server's id, else the content id; `text` reads the root as written
    (`text_as_written`), whatever charset CA declares, so that the same game with or without
    CA gets one id (and a test game cannot leak into training by a second one)."""
    black, white, date = text("PB"), text("PW"), text("DT")
    return server_game_id(text("PC"), text("GN")) or content_game_id(
        black, white, date, setup_black, setup_white, moves
    )


def _declared_charset(root: dict[str, list[bytes]]) -> str | None:
    """The charset CA declares, None when absent or unknown."""
    if "CA" not in root:
        return None
    try:
        return sgf_properties.normalise_charset_name(root["CA"][0].decode("ascii"))
    except (LookupError, UnicodeDecodeError):
        return None


def _root_text(
    root: dict[str, list[bytes]], decode: Callable[[bytes], str]
) -> Callable[[str], str]:
    """A reader of the root's SimpleText properties as str ('' when absent), decoded so."""

    def text(identifier: str) -> str:
        if identifier not in root:
            return ""
        return decode(sgf_grammar.simpletext_value(root[identifier][0])).strip()

    return text


def text_as_written(raw: bytes) -> str:
    """Text by its bytes alone, never by a declared charset: UTF-8, else GB18030 (a superset
    of GB2312 and GBK, the charsets of the Chinese records that most often lack CA), else
    Latin-1. What game ids are made of.

    >>> text_as_written("李昌镐".encode("gbk")) == text_as_written("李昌镐".encode()) == "李昌镐"
    True
    >>> text_as_written(b"Ren\\xe9")
    'René'
    """
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            pass
    return raw.decode("latin-1")


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

    The same game gets the same id on any machine, whatever its file name, comments or
    variations. (The reader gives the names as written, whatever charset CA declares.)

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
