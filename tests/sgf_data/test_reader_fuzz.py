"""Broken records mixed into every kind of container, by hand and by a seeded mutation loop.

Nothing may crash, every broken game must be reported once with its file, game and move, and
nothing valid may be lost: every real fixture game comes through with all its moves. The
verdicts on mutated games are checked against sgfmill's own parser and ``boards.Board``.
"""

import io
import logging
import random
import re
import tarfile
import zipfile
from pathlib import Path

import pytest
from sgfmill import boards, sgf, sgf_grammar

from sgf_data import reader
from sgf_data.coords import to_sgf
from sgf_data.reader import LoadSummary, read_games

GAMES = Path(__file__).parents[1] / "fixtures" / "games"
REAL = {path.name: path.read_bytes() for path in sorted(GAMES.glob("*.sgf"))}
TOM, TYGEM = REAL["tom-354460.sgf"], REAL["tygem-407331168.sgf"]
MOVE = re.compile(rb";([BW])\[([^\]]*)\]")


def oracle_moves(data: bytes) -> list:
    """The main line by sgfmill's Sgf_game (told the text is Latin-1, which any bytes are:
    alone, it refuses a file whose CA names no known charset)."""
    game = sgf.Sgf_game.from_bytes(data, override_encoding="latin-1")
    return [node.get_move() for node in game.get_main_sequence() if node.get_move()[0]]


def with_move(data: bytes, number: int, value: bytes) -> bytes:
    """A real game with the value of its ``number``-th move (1-based) replaced."""
    found = list(MOVE.finditer(data))[number - 1]
    return data[: found.start(2)] + value + data[found.end(2) :]


def short_game(*moves: tuple[int, int]) -> bytes:
    """A 19x19 record of the points given, colours alternating from black."""
    body = b"".join(
        b";%s[%s]" % (b"BW"[i % 2 : i % 2 + 1], to_sgf(point).encode())
        for i, point in enumerate(moves)
    )
    return b"(;GM[1]FF[4]SZ[19]" + body + b")"


def latin1_names(data: bytes) -> bytes:
    """A real game whose players are written in Latin-1, while it still says CA[UTF-8]."""
    black, white = "René Müller".encode("latin-1"), "Jérôme".encode("latin-1")
    data = re.sub(rb"PB\[[^\]]*\]", b"PB[" + black + b"]", data)
    return re.sub(rb"PW\[[^\]]*\]", b"PW[" + white + b"]", data)


# Usable although odd: these must come through, with every move.
ODD_BUT_VALID = {
    "gb2312-under-ca-utf8.sgf": TOM.decode("utf-8").encode("gb2312"),
    "latin1-under-ca-utf8.sgf": latin1_names(TYGEM),
    "malformed-komi-handicap.sgf": TOM.replace(b"KM[6.5]", b"KM[six]HA[1]ZZ[private]"),
    "unknown-charset.sgf": TYGEM.replace(b"CA[UTF-8]", b"CA[x-klingon]"),
    "junk-around-the-game.sgf": b"\xef\xbb\xbfsaved by some editor\n" + TOM + b"\n\x00\x01",
}

# Broken: name -> (data, reason, move number), each balanced in brackets so that it can also
# sit inside a collection without taking its neighbours with it.
KO = [(1, 0), (0, 2), (0, 1), (2, 2), (2, 1), (1, 3), (10, 10), (1, 1), (1, 2), (1, 1)]
BROKEN = {
    "bad-coordinate.sgf": (with_move(TYGEM, 10, b"zz"), reader.BAD_VALUE, 10),
    "three-letter-coordinate.sgf": (with_move(TOM, 33, b"abc"), reader.BAD_VALUE, 33),
    "board-9x9.sgf": (b"(;GM[1]FF[4]SZ[9]KM[7];B[ee];W[cc];B[gg])", reader.NOT_19X19, None),
    "suicide.sgf": (short_game((0, 1), (15, 15), (1, 0), (0, 0)), reader.ILLEGAL, 4),
    "ko-retake.sgf": (short_game(*KO), reader.ILLEGAL, 10),
    "occupied.sgf": (with_move(TYGEM, 10, b"pd"), reader.OCCUPIED, 10),
    "no-moves.sgf": (b"(;GM[1]FF[4]SZ[19]PB[a]PW[b]C[no game here])", reader.NO_MOVES, None),
    "setup-mid-game.sgf": (TOM.replace(b";B[jj]", b";AB[aa];B[jj]"), reader.BAD_SETUP, 5),
    "property-without-value.sgf": (b"(;GM[1]SZ[19];B[pd];W;B[dd])", reader.UNPARSABLE, None),
}
# Broken beyond the game's own brackets: tested as whole files only.
BROKEN_FILES = {
    "truncated.sgf": (TYGEM[: len(TYGEM) // 2], reader.UNPARSABLE, None),
    "empty.sgf": (b"", reader.NO_GAME, None),
    "binary-garbage.sgf": (
        random.Random(7).randbytes(3000).replace(b"(", b""),
        reader.NO_GAME,
        None,
    ),
}


def pack(kind: str, folder: Path, members: dict[str, bytes]) -> Path:
    """The members as a directory, an archive of the given kind, or one collection file."""
    if kind == "directory":
        for name, data in members.items():
            (folder / "games" / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / "games" / name).write_bytes(data)
        return folder / "games"
    if kind == "collection":
        path = folder / "collection.sgf"
        path.write_bytes(b"\n".join(members.values()))
        return path
    path = folder / f"games.{kind}"
    if kind == "zip":
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("games/", b"")
            archive.writestr("__MACOSX/games/._x.sgf", b"\x00\x05\x16\x07 resource fork")
            for name, data in members.items():
                archive.writestr(f"games/{name}", data)
        return path
    compression = {"tar.gz": "gz", "tgz": "gz", "tar.bz2": "bz2"}[kind]
    with tarfile.open(path, f"w:{compression}") as archive:
        archive.addfile(tarfile.TarInfo("games/README.txt"), io.BytesIO(b""))
        for name, data in members.items():
            info = tarfile.TarInfo(f"games/{name}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def load(*paths) -> tuple[list, LoadSummary]:
    summary = LoadSummary()
    return list(read_games(*paths, summary=summary)), summary


def member(source: str) -> str:
    """The file name in a game's or skip's source ("x.tar.gz:games/a.sgf#2" -> "a.sgf")."""
    return source.split("#")[0].rsplit("/", 1)[-1]


@pytest.mark.parametrize("kind", ["directory", "tar.gz", "tgz", "tar.bz2", "zip"])
def test_broken_files_in_a_container_cost_only_themselves(kind, tmp_path, caplog):
    broken = {**BROKEN, **BROKEN_FILES}
    members = {**REAL, **ODD_BUT_VALID, **{name: data for name, (data, _, _) in broken.items()}}
    container = pack(kind, tmp_path, dict(sorted(members.items())))
    with caplog.at_level(logging.WARNING, logger="sgf_data.reader"):
        games, summary = load(container)
    valid = {**REAL, **ODD_BUT_VALID}
    assert {member(game.source): len(game.moves) for game in games} == {
        name: len(oracle_moves(data)) for name, data in valid.items()
    }
    for game in games:
        assert list(game.moves) == oracle_moves(valid[member(game.source)])
    expected_skips = {
        (name, None if reason == reader.NO_GAME else 1, move, reason)
        for name, (_, reason, move) in broken.items()
    }
    assert {
        (member(s.source), s.game, s.move_number, s.reason) for s in summary.skipped
    } == expected_skips
    assert len(summary.skipped) == len(broken) == len(caplog.records)
    for skip, line in zip(summary.skipped, caplog.messages, strict=True):
        assert line == f"skipped {skip}" and member(skip.source) in line
    assert (summary.games, summary.files) == (len(valid), len(members))


def test_broken_games_in_a_collection_cost_only_themselves(tmp_path):
    names = sorted([*REAL, *ODD_BUT_VALID, *BROKEN], key=lambda name: random.Random(name).random())
    members = {name: {**REAL, **ODD_BUT_VALID}.get(name) or BROKEN[name][0] for name in names}
    members["zz-truncated-last.sgf"] = BROKEN_FILES["truncated.sgf"][0]
    collection = pack("collection", tmp_path, members)
    games, summary = load(collection)
    numbers = {name: number for number, name in enumerate(members, start=1)}
    assert sorted(game.source for game in games) == sorted(
        str(collection) + ("" if numbers[name] == 1 else f"#{numbers[name]}")
        for name in [*REAL, *ODD_BUT_VALID]
    )
    for game in games:
        number = int(game.source.partition("#")[2] or 1)
        assert list(game.moves) == oracle_moves(list(members.values())[number - 1])
    assert sorted((s.game, s.move_number, s.reason) for s in summary.skipped) == sorted(
        [(numbers[name], move, reason) for name, (_, reason, move) in BROKEN.items()]
        + [(len(members), None, reader.UNPARSABLE)]
    )


def test_a_damaged_tar_gives_every_game_before_the_damage_then_one_skip(tmp_path):
    archive = pack("tar.gz", tmp_path, REAL)
    archive.write_bytes(archive.read_bytes()[: archive.stat().st_size * 3 // 5])
    games, summary = load(archive)
    assert 5 < len(games) < len(REAL)
    assert [member(game.source) for game in games] == list(REAL)[: len(games)]
    assert all(list(game.moves) == oracle_moves(REAL[member(game.source)]) for game in games)
    (skip,) = summary.skipped
    assert (skip.source, skip.game, skip.reason) == (str(archive), None, reader.UNREADABLE)
    assert f"after {len(games)} SGF files" in skip.detail


def test_a_damaged_zip_member_or_a_fake_zip_costs_only_itself(tmp_path):
    archive = pack("zip", tmp_path, REAL)
    data = bytearray(archive.read_bytes())
    with zipfile.ZipFile(archive) as zipped:
        info = zipped.getinfo("games/tom-369982.sgf")
    start = info.header_offset + 30 + len(info.filename) + 40  # inside the deflated data
    data[start : start + 8] = bytes(8)
    archive.write_bytes(bytes(data))
    fake = tmp_path / "fake.zip"
    fake.write_bytes(b"PK not really a zip")
    games, summary = load(archive, fake)
    assert sorted(member(game.source) for game in games) == sorted(set(REAL) - {"tom-369982.sgf"})
    assert [(s.source, s.reason) for s in summary.skipped] == [
        (f"{archive}:games/tom-369982.sgf", reader.UNREADABLE),
        (str(fake), reader.UNREADABLE),
    ]


def mutate(data: bytes, rng: random.Random) -> bytes:
    """One random damage to a real record: cut, delete, insert, duplicate, or edit moves."""
    kind = rng.randrange(6)
    at = rng.randrange(len(data))
    moves = list(MOVE.finditer(data))
    if kind == 0:
        return data[:at]
    if kind == 1:
        return data[:at] + data[at + rng.randint(1, 40) :]
    if kind == 2:
        noise = bytes(
            rng.choice(b"()[];\\:BWAB" + bytes(range(256))) for _ in range(rng.randint(1, 8))
        )
        return data[:at] + noise + data[at:]
    if kind == 3:
        return data[:at] + data[at : at + rng.randint(1, 60)] + data[at:]
    if kind == 4:
        value = bytes(rng.choice(b"abcdefghijklmnopqrstuvwxyz") for _ in range(2))
        return with_move(data, rng.randint(1, len(moves)), value)
    first, second = sorted(rng.sample(range(1, len(moves) + 1), 2))
    value_first, value_second = moves[first - 1].group(2), moves[second - 1].group(2)
    return with_move(with_move(data, first, value_second), second, value_first)


def sgfmill_verdict(data: bytes) -> list | None:
    """The main line when sgfmill reads the data as one 19x19 game with good points, else None."""
    try:
        if len(sgf_grammar.parse_sgf_collection(data)) != 1:
            return None
        game = sgf.Sgf_game.from_bytes(data, override_encoding="latin-1")
        nodes = game.get_main_sequence()
        if game.get_size() != 19 or any(node.has_setup_stones() for node in nodes):
            return None
        return [node.get_move() for node in nodes if node.get_move()[0]]
    except ValueError:
        return None


def confirm_by_sgfmill_board(moves: list, move_number: int, reason: str) -> None:
    """sgfmill's Board agrees that the move is on an occupied point, a suicide or a ko retake."""
    board, ko = boards.Board(19), None
    for number, (colour, point) in enumerate(moves, start=1):
        if number == move_number:
            break
        ko = None if point is None else board.play(*point, colour)
    colour, point = moves[move_number - 1]
    if reason == reader.OCCUPIED:
        assert board.get(*point) is not None
        return
    assert reason == reader.ILLEGAL and board.get(*point) is None
    retakes_ko = point == ko and moves[move_number - 2][0] != colour
    board.play(*point, colour)
    assert retakes_ko or board.get(*point) is None  # else: a suicide, its stone taken off


def test_seeded_mutations_never_crash_and_lose_nothing_valid(tmp_path):
    rng = random.Random(2026)
    names = list(REAL)
    mutants = {f"mutant-{i:03d}.sgf": mutate(REAL[rng.choice(names)], rng) for i in range(300)}
    archive = pack("tar.bz2", tmp_path, {**REAL, **mutants})
    games, summary = load(archive)
    assert {member(g.source): g.moves for g in games if member(g.source) in REAL} == {
        name: tuple(oracle_moves(data)) for name, data in REAL.items()
    }
    came_out = {member(game.source) for game in games} | {
        member(skip.source) for skip in summary.skipped
    }
    assert came_out == set(REAL) | set(mutants)
    for skip in summary.skipped:
        assert skip.reason in reader.REASONS
        assert (skip.game is None) == (skip.reason in (reader.NO_GAME, reader.UNREADABLE))
        if skip.reason in (reader.OCCUPIED, reader.ILLEGAL, reader.BAD_VALUE):
            assert skip.move_number is not None
        if skip.reason in (reader.UNPARSABLE, reader.NOT_19X19, reader.NO_MOVES, reader.NO_GAME):
            assert skip.move_number is None
    skips = {member(skip.source): skip for skip in summary.skipped}
    loaded = {member(game.source): game for game in games}
    checked = 0
    for name, data in mutants.items():
        moves = sgfmill_verdict(data)
        if moves is None:
            continue
        checked += 1
        if name in loaded:
            assert list(loaded[name].moves) == moves, name
        else:
            skip = skips[name]
            if skip.reason == reader.NO_MOVES:
                assert all(point is None for _, point in moves)
            else:
                confirm_by_sgfmill_board(moves, skip.move_number, skip.reason)
    assert checked > 100  # most mutants are still one readable game: their verdicts were checked
    assert len(summary.skipped) > 50  # and many were broken
