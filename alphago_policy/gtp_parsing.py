"""GTP's words: a command line split into its id, name and arguments, and each argument read as
what it names (a colour, a vertex, a number, an analysis request). Errors are `GTPError`, whose
message the engine answers after `?` (`alphago_policy.gtp`)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from sgf_data.coords import Point, from_gtp

ANALYSIS_MOVES = 20  # candidate moves an analysis lists unless told otherwise
DEFAULT_INTERVAL = 1.0  # seconds between analysis lines when the command gives none


class GTPError(ValueError):
    """A command failed; the message is the text after `?` in the reply."""


def parse_line(line: str) -> tuple[int | None, str, list[str]] | None:
    """Split a GTP command line into (id, command, arguments); None for an empty line.

    Control characters are dropped, tabs become spaces and `#` starts a comment (GTP 2, 2.5).
    An id is ASCII digits only.

    >>> parse_line("12 play b d4  # a comment")
    (12, 'play', ['b', 'd4'])
    >>> parse_line("genmove\\tw"), parse_line("   # nothing"), parse_line("7")
    ((None, 'genmove', ['w']), None, (7, '', []))
    >>> parse_line("\\u00b2 name")  # a superscript two is a digit to str.isdigit, not an id
    (None, '²', ['name'])
    """
    line = line.split("#", 1)[0].replace("\t", " ")
    words = "".join(c for c in line if c >= " " and c != "\x7f").split()
    if not words:
        return None
    command_id = int(words.pop(0)) if _is_integer(words[0]) else None
    command = words.pop(0).lower() if words else ""
    return command_id, command, words


def _is_integer(word: str) -> bool:
    return word.isascii() and word.isdigit()


def parse_int(word: str, what: str) -> int:
    """A non-negative integer argument, in ASCII digits.

    >>> parse_int("19", "size")
    19
    >>> parse_int("\\u00b2", "size")
    Traceback (most recent call last):
    ...
    alphago_policy.gtp_parsing.GTPError: syntax error (size must be an integer: '²')
    """
    if not _is_integer(word) or len(word) > 9:
        raise GTPError(f"syntax error ({what} must be an integer: {word!r})")
    return int(word)


def parse_number(word: str, what: str) -> float:
    """A finite number argument (komi, time).

    >>> parse_number("6.5", "komi")
    6.5
    >>> parse_number("nan", "komi")
    Traceback (most recent call last):
    ...
    alphago_policy.gtp_parsing.GTPError: syntax error (komi must be a finite number: 'nan')
    """
    try:
        number = float(word)
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        raise GTPError(f"syntax error ({what} must be a finite number: {word!r})")
    return number


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


def parse_vertices(text: str) -> set[Point]:
    """The points of an `avoid`/`allow` list: vertices and rectangles, comma-separated.

    >>> from sgf_data.coords import to_gtp
    >>> sorted(map(to_gtp, parse_vertices("D4,Q16:R17")))
    ['D4', 'Q16', 'Q17', 'R16', 'R17']
    """
    points: set[Point] = set()
    for item in text.split(","):
        corners = [parse_vertex(word) for word in item.split(":")]
        if None in corners or len(corners) > 2:
            raise GTPError(f"syntax error (not a vertex or a rectangle: {item!r})")
        (row1, col1), (row2, col2) = corners[0], corners[-1]
        points.update(
            (row, col)
            for row in range(min(row1, row2), max(row1, row2) + 1)
            for col in range(min(col1, col2), max(col1, col2) + 1)
        )
    return points


@dataclass
class AnalyzeRequest:
    """What an analysis command asks: for whom, how often, how many moves, which moves."""

    colour: str
    interval: float = DEFAULT_INTERVAL  # seconds
    max_moves: int = ANALYSIS_MOVES
    ownership: bool = False
    avoid: set[Point] = field(default_factory=set)
    allow: set[Point] | None = None


def parse_analyze(args: list[str], to_move: str) -> AnalyzeRequest:
    """`[colour] [interval] [key value ...]` in either order (Leela Zero's and KataGo's tags:
    interval, maxmoves, minmoves, ownership, avoid COLOUR VERTICES UNTIL, allow ...).

    `avoid` and `allow` apply to `colour`'s next move only (there is no search to look
    further), so UNTIL (1 or more) and tags for the other colour change nothing.

    >>> parse_analyze(["10", "W"], "b")
    AnalyzeRequest(colour='w', interval=0.1, max_moves=20, ownership=False, avoid=set(), allow=None)
    >>> parse_analyze(["b", "50", "maxmoves", "5", "avoid", "b", "D4", "1"], "w").avoid
    {(3, 3)}
    """
    request = AnalyzeRequest(to_move)
    words = list(args)
    maximum, minimum = None, 0
    while words:
        word = words.pop(0)
        key = "interval" if _is_integer(word) else word.lower()
        if _is_integer(word):
            words.insert(0, word)
        if key in ("b", "w", "black", "white"):
            request.colour = parse_colour(key)
            continue
        if key in ("avoid", "allow"):
            if len(words) < 3:
                raise GTPError(f"syntax error ({key} COLOUR VERTICES UNTIL_MOVE)")
            colour, vertices, until = parse_colour(words[0]), words[1], words[2]
            points = parse_vertices(vertices)
            if parse_int(until, f"{key}'s move count") < 1:
                raise GTPError(f"syntax error ({key}'s move count must be 1 or more)")
            del words[:3]
            if colour == request.colour and key == "avoid":
                request.avoid |= points
            elif colour == request.colour:
                request.allow = (request.allow or set()) | points
            continue
        if not words:
            raise GTPError(f"syntax error (analysis option {word!r} without a value)")
        value = words.pop(0)
        if key == "interval":
            request.interval = parse_int(value, "interval") / 100
        elif key == "maxmoves":
            maximum = parse_int(value, "maxmoves")
        elif key == "minmoves":
            minimum = parse_int(value, "minmoves")
        elif key == "ownership" and value.lower() in ("true", "false"):
            request.ownership = value.lower() == "true"
        else:
            raise GTPError(f"syntax error (analysis option {word} {value})")
    request.max_moves = maximum if maximum is not None else max(ANALYSIS_MOVES, minimum)
    return request
