"""Cut an SGF file's bytes into its game trees, in time and memory linear in the file.

sgfmill parses one game tree; finding where each tree of a file begins and ends is done here,
in one pass over the bytes that keeps no token list. A file's games are then parsed one at a
time, each at most `MAX_GAME_BYTES` long, so memory is bounded by that, never by the file,
however deeply an unclosed tree nests. A file in UTF-16 or UTF-32 (which sgfmill cannot read:
SGF's syntax is ASCII) is first turned into UTF-8.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator

from sgfmill import sgf_grammar

# One game tree larger than this is refused: sgfmill's parse takes up to 200 bytes of memory per
# byte of SGF (a deeply nested tree), and a game record with every variation and comment of a
# long review is a few hundred KB.
MAX_GAME_BYTES = 1 << 20

# Properties that only a game's first node holds (root and game-info): where "(;" is followed
# by one of these, a new game starts, never a variation of the one before.
_ROOT_PROPERTIES = ("FF", "GM", "SZ", "CA", "AP", "ST")
_GAME_INFO = ("PB", "PW", "BR", "WR", "DT", "EV", "GN", "PC", "RE", "RU", "KM", "HA")
_GAME_START = frozenset(p.encode() for p in (*_ROOT_PROPERTIES, *_GAME_INFO))
_TREE_START = re.compile(rb"\(\s*;")
# SGF's tokens as sgfmill reads them: a value (skipped), a property name, a delimiter.
_TOKEN = re.compile(
    rb"\s*(?:\[[^\\\]]*(?:\\.[^\\\]]*)*\]|(?P<name>[A-Za-z]{1,64})|(?P<delimiter>[;()]))",
    re.DOTALL,
)
_LOWER = bytes(range(ord("a"), ord("z") + 1))
_NOT_CLOSED = "the game is not closed, reading goes on at the next game"
# Byte order marks, the longest first (UTF-32-LE's begins with UTF-16-LE's).
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


class GameTooLarge(ValueError):
    """A game tree over `MAX_GAME_BYTES`, left unparsed."""


def wide_encoding(data: bytes) -> str | None:
    """The UTF-16 or UTF-32 encoding of an SGF file, by its byte order mark or, without one,
    by "(;" written two bytes a character (its zero bytes say in which order); None for an
    ASCII-compatible file.

    >>> wide_encoding("(;GM[1])".encode("utf-16")), wide_encoding(b"(\\x00;\\x00G\\x00")
    ('utf-16', 'utf-16-le')
    >>> wide_encoding(b"\\x00(\\x00;"), wide_encoding(b"(;GM[1])")
    ('utf-16-be', None)
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return encoding
    head = data[:4096]
    if b"(\x00;" not in head:
        return None
    # ASCII characters in UTF-16: the high (zero) byte second in little-endian, first in big.
    return "utf-16-le" if head[1::2].count(0) > head[::2].count(0) else "utf-16-be"


def game_trees(data: bytes) -> Iterator[sgf_grammar.Coarse_game_tree | ValueError]:
    """sgfmill's game trees of an SGF file in order, a ValueError in place of each broken one.

    One pass over the bytes finds where each game ends; sgfmill's ``parse_sgf_game`` parses it,
    so one broken game costs only itself. A game that is not closed (a missing ")") runs on
    into the games after it; the games inside it are those trees whose first node holds root
    or game-info properties (which a variation never does): each is read on its own, so only
    the unclosed game is lost.

    >>> data = b"(;SZ[19];B[pd]) (;B[dd];W) (;SZ[19];B[pd] (;SZ[19];W[dp];B[pp])"
    >>> [tree if isinstance(tree, ValueError) else len(tree.sequence) for tree in game_trees(data)]
    [2, ValueError('property with no values'), ValueError('no ")" closes the game before the \
end of the file; the game is not closed, reading goes on at the next game'), 3]
    """
    position = 0
    while found := _TREE_START.search(data, position):
        position, spans = _game_spans(data, found.start())
        for start, end, problem in spans:
            if problem is not None:
                yield ValueError(problem)
            elif end - start > MAX_GAME_BYTES:
                yield GameTooLarge(
                    f"a game tree of {end - start:,} bytes, over the {MAX_GAME_BYTES:,} "
                    "bytes one game may take"
                )
            else:
                try:
                    yield sgf_grammar.parse_sgf_game(data[start:end])
                except ValueError as error:
                    yield error


def _game_spans(data: bytes, start: int) -> tuple[int, list[tuple[int, int, str | None]]]:
    """Where reading goes on after the game tree at `start`, and its games: (start, end, None)
    for a closed tree, (start, stop, why) for one not closed.

    Only trees that start a game are tracked (`open_trees`, the game itself first), with the
    depth at their "("; a closed one inside an open one is kept in `closed` with the index of
    that one, and dropped when that one closes too (it was a variation of it).
    """
    open_trees: list[tuple[int, int]] = []
    closed: list[tuple[int, int, int]] = []
    depth, first_node, opening = 0, None, None
    position = start
    while match := _TOKEN.match(data, position):
        position = match.end()
        name, delimiter = match.group("name"), match.group("delimiter")
        if name is not None:
            if first_node is not None and name.translate(None, _LOWER) in _GAME_START:
                open_trees.append(first_node)
                first_node = None
            continue
        first_node = opening if delimiter == b";" and depth > 1 else None
        opening = None
        if delimiter == b"(":
            opening = (match.start("delimiter"), depth)
            if depth == 0:
                open_trees.append(opening)
            depth += 1
        elif delimiter == b")":
            depth -= 1
            while open_trees and open_trees[-1][1] >= depth:
                tree_start, _ = open_trees.pop()
                if not open_trees:
                    return position, [(tree_start, position, None)]
                while closed and closed[-1][2] == len(open_trees):
                    closed.pop()
                closed.append((tree_start, position, len(open_trees) - 1))
    why = _why_unclosed(data, position)
    spans = []
    for index, (tree_start, _) in enumerate(open_trees):
        spans.append((tree_start, position, why))
        spans.extend((s, e, None) for s, e, parent in closed if parent == index)
    return position, spans


def _why_unclosed(data: bytes, stop: int) -> str:
    """Why a game tree read up to `stop` is not closed: the end of the file, or bytes there
    that are not SGF."""
    rest = data[stop:].lstrip()
    if not rest:
        return f'no ")" closes the game before the end of the file; {_NOT_CLOSED}'
    return f"not SGF at byte {len(data) - len(rest):,} ({rest[:20]!r}); {_NOT_CLOSED}"
