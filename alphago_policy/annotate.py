"""A game review written into the game's own SGF record, for Go editors (Sabaki, KaTrain, ...).

Everything the record holds is kept byte for byte (its encoding, comments, variations, other
markup); the review adds, on the main line:

- the root: the summary, after any comment already there;
- each reviewed move's node: a comment (the network's probability of the move, its rank among
  the legal points, the network's top 3, and whether it is one of the player's surprises),
  after any comment already there; and on the board the network's top 3 for that move,
  labelled A, B, C (LB). The labels are on the node of the move itself, although they describe
  the position before it: an editor shows a node's markup with its move, so stepping to a move
  shows the stone just played beside the points the network preferred there. The move played
  is marked too: by its letter when it is one of the three, else by a triangle (TR).

Each review comment starts with `MARKER`: reviewing an annotated record again replaces the
earlier review (its comment text, and the LB and TR of the nodes that held it) rather than
adding a second one.
"""

from __future__ import annotations

from collections.abc import Iterable

from sgfmill import sgf, sgf_grammar, sgf_properties

from alphago_policy.agreement import SHOWN, GameReview, MoveReview, percent
from sgf_data.coords import BOARD_SIZE, to_gtp
from sgf_data.reader import game_trees

MARKER = "-- network review --"
LABELS = "ABC"[:SHOWN]
COLOUR_NAMES = {"b": "Black", "w": "White"}
LEGEND = (
    "On each move, A, B and C mark the network's top 3 for that move (from the position "
    "before it); the move played carries its letter when it is one of them, else a triangle."
)


def open_game(data: bytes) -> sgf.Sgf_game:
    """The first game of an SGF file's bytes as an sgfmill game, its raw values untouched.

    A charset (CA) that names no known codec is read as Latin-1, which passes any byte
    through unchanged. ValueError where the first game cannot be parsed.
    """
    tree = next(game_trees(data), ValueError("no '(;' game tree found"))
    if isinstance(tree, ValueError):
        raise tree
    try:
        return sgf.Sgf_game.from_coarse_game_tree(tree)
    except LookupError:
        return sgf.Sgf_game.from_coarse_game_tree(tree, override_encoding="ISO-8859-1")


def move_nodes(game: sgf.Sgf_game) -> list[sgf.Tree_node]:
    """The main line's nodes that hold a move, in order (as `sgf_data.reader` reads them)."""
    return [
        node
        for node in game.get_main_sequence()
        if node.has_property("B") or node.has_property("W")
    ]


def move_note(move: MoveReview, surprise: tuple[int, int] | None) -> str:
    """The comment on one move: what the network thought of it, its top 3, surprise or not."""
    who = COLOUR_NAMES[move.colour]
    if move.point is None:
        played = f"Move {move.number}: {who} passes (the network does not predict passes)."
    else:
        played = (
            f"Move {move.number}: {who} {to_gtp(move.point)}, network {percent(move.probability)}"
            f", rank {move.rank} of {move.legal_count} legal points."
        )
    favourites = ", ".join(
        f"{label} {to_gtp(point)} {percent(p)}"
        for label, (point, p) in zip(LABELS, move.favourites(), strict=False)
    )
    lines = [MARKER, played, f"Network's top {SHOWN}: {favourites or 'no legal point'}."]
    if surprise is not None:
        lines.append(f"{who}'s surprise {surprise[0]} of {surprise[1]}.")
    return "\n".join(lines)


def clear_review(node: sgf.Tree_node) -> None:
    """Take an earlier review off a node: its comment text from `MARKER` on, and LB and TR."""
    if not node.has_property("C"):
        return
    raw = node.get_raw("C")
    at = raw.find(MARKER.encode("ascii"))
    if at < 0:
        return
    kept = raw[:at].rstrip()
    if kept:
        node.set_raw("C", kept)
    else:
        node.unset("C")
    for identifier in ("LB", "TR"):
        if node.has_property(identifier):
            node.unset(identifier)


def add_comment(node: sgf.Tree_node, text: str) -> None:
    """Append `text` to the node's comment (after a blank line), in the record's encoding; a
    character that encoding cannot hold becomes '?'."""
    ours = sgf_grammar.escape_text(text.encode(node.get_encoding(), "replace"))
    if node.has_property("C"):
        ours = node.get_raw("C").rstrip() + b"\n\n" + ours
    node.set_raw("C", ours)


def point_code(point: tuple[int, int]) -> bytes:
    """A point as an SGF value: (15, 3) -> b'dd'."""
    return sgf_properties.serialise_go_point(point, BOARD_SIZE)


def add_points(
    node: sgf.Tree_node, identifier: str, values: Iterable[bytes], at: set[bytes]
) -> None:
    """Set raw `values` of LB or TR on the node, keeping its own values on other points."""
    own = node.get_raw_list(identifier) if node.has_property(identifier) else []
    kept = [value for value in own if value.split(b":")[0] not in at]
    node.set_raw_list(identifier, kept + list(values))


def mark(node: sgf.Tree_node, move: MoveReview) -> None:
    """Label the network's top 3 for the move A, B, C; a triangle on the move played when it
    is not one of them."""
    favourites = [point for point, _ in move.favourites()]
    codes = [point_code(point) for point in favourites]
    labels = [
        code + b":" + label.encode("ascii") for code, label in zip(codes, LABELS, strict=False)
    ]
    if labels:
        add_points(node, "LB", labels, set(codes))
    if move.point is not None and move.point not in favourites:
        code = point_code(move.point)
        add_points(node, "TR", [code], {code})


def surprise_ranks(review: GameReview, colours: str, count: int) -> dict[int, tuple[int, int]]:
    """Move number -> (its rank among its player's surprises, how many they are)."""
    ranks = {}
    for colour in colours:
        found = review.surprises(colour, count)
        for rank, move in enumerate(found, start=1):
            ranks[move.number] = (rank, len(found))
    return ranks


def annotated(data: bytes, review: GameReview, colours: str, summary: str, surprises: int) -> bytes:
    """The SGF file `data` (whose first game `review` reviews) with the review of the moves of
    `colours` ("b", "w" or "bw") and the summary written in (see the module's doc)."""
    game = open_game(data)
    nodes = move_nodes(game)
    if len(nodes) != len(review.moves):
        raise ValueError(
            f"{review.record.source}: the record's main line has {len(nodes)} moves, the "
            f"review {len(review.moves)}"
        )
    root = game.get_root()
    for node in [root, *nodes]:
        clear_review(node)
    found = surprise_ranks(review, colours, surprises)
    add_comment(root, f"{MARKER}\n{summary}\n\n{LEGEND}")
    for node, move in zip(nodes, review.moves, strict=True):
        if move.colour in colours:
            add_comment(node, move_note(move, found.get(move.number)))
            mark(node, move)
    return game.serialise()
