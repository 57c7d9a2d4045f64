"""read_games on the real fixture games and on hand-made records of the kinds users have.

The move lists are checked against sgfmill's own ``Sgf_game.get_main_sequence``, and the final
boards of `GameRecord.replay` against sgfmill's ``boards.Board``: two views that share none of the
reader's code.
"""

import dataclasses
import logging
import os
from pathlib import Path

import pytest
from sgfmill import boards, sgf

from sgf_data import reader, trees
from sgf_data.reader import GameRecord, LoadSummary, read_games

GAMES = Path(__file__).parents[1] / "fixtures" / "games"
BROKEN = Path(__file__).parents[1] / "fixtures" / "broken"  # real records the servers got wrong
FIXTURE_FILES = sorted(GAMES.glob("*.sgf"))

KGS_HANDICAP = b"""(;GM[1]FF[4]CA[UTF-8]AP[CGoban:3]ST[2]
RU[Japanese]SZ[19]HA[2]KM[0.50]TM[300]OT[5x30 byo-yomi]
PW[whitey]PB[blacky]WR[4d]BR[2d]DT[2019-04-01]PC[The KGS Go Server at http://www.gokgs.com/]
AB[dp][pd]RE[W+Resign]
;W[qp]WL[299.1]C[whitey [4d\\]: hi]
(;B[dd]BL[290.5];W[pq]
;B[tt];W[tt])
(;B[cc];W[dd]))
"""


def sgfmill_moves(data: bytes) -> list:
    """The main line's moves as sgfmill's Sgf_game reads them (the oracle)."""
    game = sgf.Sgf_game.from_bytes(data)
    return [node.get_move() for node in game.get_main_sequence() if node.get_move()[0]]


def sgfmill_final_board(game: GameRecord) -> list[tuple]:
    """Where the stones stand after the game, by sgfmill's boards.Board."""
    board = boards.Board(19)
    board.apply_setup(game.setup_black, game.setup_white, ())
    for colour, point in game.moves:
        if point is not None:
            board.play(*point, colour)
    return sorted((point, colour) for colour, point in board.list_occupied_points())


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def load(*paths, **kwargs) -> tuple[list[GameRecord], LoadSummary]:
    summary = LoadSummary()
    return list(read_games(*paths, summary=summary, **kwargs)), summary


def test_every_fixture_game_loads_with_sgfmills_main_line():
    games, summary = load(GAMES)
    assert [Path(game.source) for game in games] == FIXTURE_FILES
    for game, path in zip(games, FIXTURE_FILES, strict=True):
        assert list(game.moves) == sgfmill_moves(path.read_bytes()), path
    assert summary.games == 24 and summary.files == 24 and not summary.skipped
    assert summary.moves == sum(len(game.moves) for game in games)


def test_metadata_and_server_game_id_of_a_tygem_game():
    (game,), _ = load(GAMES / "tygem-407331168.sgf")
    assert game.game_id == "tygem-407331168"
    assert (game.black, game.white) == ("火箭(P) (rock(P))", "쪼꼬맛우유 (sentimenta)")
    assert (game.black_rank, game.white_rank, game.result) == ("9d", "9d", "B+9.5")
    assert (game.komi, game.handicap, game.date, game.rules) == (6.5, 0, "2011-01-01", "Japanese")
    assert game.setup_black == game.setup_white == ()
    assert game.moves[:2] == (("b", (15, 15)), ("w", (3, 15)))


def test_every_fixture_id_is_its_server_id():
    games, _ = load(GAMES)
    assert [game.game_id for game in games] == [path.stem for path in FIXTURE_FILES]


def test_replay_gives_the_position_before_each_move_and_sgfmills_final_board():
    games, _ = load(GAMES)
    for game in games:
        replayed = 0
        for position, (colour, point) in game.replay():
            assert position.to_move == colour
            if point is not None:
                assert position.colour_at(point) is None
            replayed += 1
        assert replayed == len(game.moves)  # and the loop's end played the last move
        stones = [
            ((row, col), position.colour_at((row, col)))
            for row in range(19)
            for col in range(19)
            if position.colour_at((row, col))
        ]
        assert stones == sgfmill_final_board(game), game.source


def test_replay_starts_from_a_fresh_start_position_each_time():
    (game,), _ = load(GAMES / "tom-354460.sgf")
    first = [position.stones() for (position, _), _ in zip(game.replay(), range(30), strict=False)]
    again = [position.stones() for (position, _), _ in zip(game.replay(), range(30), strict=False)]
    assert all((a == b).all() for a, b in zip(first, again, strict=True))
    assert not first[0].any() and first[29].astype(bool).sum() > 20


def test_kgs_handicap_game_with_variations_comments_and_tt_passes(tmp_path):
    (game,), summary = load(write(tmp_path / "kgs.sgf", KGS_HANDICAP))
    assert game.setup_black == ((3, 3), (15, 15)) and game.setup_white == ()
    assert game.moves == (
        ("w", (3, 16)),
        ("b", (15, 3)),
        ("w", (2, 15)),
        ("b", None),
        ("w", None),
    )
    assert (game.handicap, game.komi, game.rules, game.result) == (2, 0.5, "Japanese", "W+Resign")
    assert (game.black, game.black_rank, game.white, game.white_rank) == (
        "blacky",
        "2d",
        "whitey",
        "4d",
    )
    assert game.game_id.startswith("sha1-")
    start = game.start_position()
    assert (
        start.to_move == "w" and start.colour_at((3, 3)) == "b" and start.colour_at((15, 15)) == "b"
    )
    assert summary.moves == 5


def test_content_id_ignores_file_name_encoding_comments_and_variations(tmp_path):
    plain = KGS_HANDICAP.replace(b"C[whitey [4d\\]: hi]", b"").replace(b"(;B[cc];W[dd])", b"")
    latin = plain.replace(b"CA[UTF-8]", b"CA[ISO-8859-1]")
    (a,), _ = load(write(tmp_path / "a.sgf", KGS_HANDICAP))
    (b,), _ = load(write(tmp_path / "sub" / "b.sgf", latin))
    (c,), _ = load(write(tmp_path / "c.sgf", KGS_HANDICAP.replace(b";W[pq]", b";W[qq]")))
    assert a.game_id == b.game_id != c.game_id


@pytest.mark.parametrize(
    ("header", "name", "black"),
    [
        (b"CA[GB2312]", "李昌镐".encode("gb2312"), "李昌镐"),
        (b"CA[UTF-8]", "李昌镐".encode("gb2312"), "李昌镐".encode("gb2312").decode("latin-1")),
        (b"CA[UTF-8]", "René".encode("latin-1"), "René"),
        (b"", "Cho Hun-hyun 조훈현".encode(), "Cho Hun-hyun 조훈현"),
        (b"CA[no-such-charset]", b"Lee", "Lee"),
        (b"CA[UTF-8]", b"a\\]b", "a]b"),
    ],
)
def test_player_names_in_any_encoding_never_cost_the_game(tmp_path, header, name, black):
    data = b"(;GM[1]FF[4]" + header + b"SZ[19]PB[" + name + b"]PW[w];B[pd];W[dd])"
    (game,), summary = load(write(tmp_path / "names.sgf", data))
    assert game.black == black and game.moves == (("b", (15, 15)), ("w", (15, 3)))
    assert not summary.skipped


def test_malformed_komi_and_handicap_fall_back_and_keep_the_game(tmp_path):
    data = b"(;GM[1]FF[4]SZ[19]KM[six]HA[x]XX[private];B[pd];W[dd])"
    (game,), _ = load(write(tmp_path / "odd.sgf", data))
    assert (game.komi, game.handicap, len(game.moves)) == (0.0, 0, 2)


def test_setup_before_the_first_move_counts_setup_after_it_skips(tmp_path):
    early = b"(;SZ[19];AB[dd][pp]AW[dp];W[pd];B[qq])"
    late = b"(;SZ[19];B[dd];AW[pp];W[pd])"
    (game,), _ = load(write(tmp_path / "early.sgf", early))
    assert (game.setup_black, game.setup_white) == (((3, 15), (15, 3)), ((3, 3),))
    games, summary = load(write(tmp_path / "late.sgf", late))
    assert games == []
    (skip,) = summary.skipped
    assert (skip.game, skip.move_number, skip.reason) == (1, 2, reader.BAD_SETUP)


def test_a_collection_file_gives_every_game_with_its_number(tmp_path):
    collection = write(
        tmp_path / "all.sgf", b"\n".join(path.read_bytes() for path in FIXTURE_FILES)
    )
    games, summary = load(collection)
    assert [game.game_id for game in games] == [path.stem for path in FIXTURE_FILES]
    assert games[0].source == str(collection)
    assert games[5].source == f"{collection}#6"
    assert summary.files == 1 and summary.games == 24


def test_a_broken_game_in_a_collection_costs_only_itself(tmp_path, caplog):
    first, second = (path.read_bytes() for path in FIXTURE_FILES[:2])
    broken = b"(;GM[1]SZ[19];B[pd];W)"
    collection = write(tmp_path / "three.sgf", first + broken + second)
    with caplog.at_level(logging.WARNING, logger="sgf_data.reader"):
        games, summary = load(collection)
    assert [game.game_id for game in games] == [path.stem for path in FIXTURE_FILES[:2]]
    assert games[1].source == f"{collection}#3"
    (skip,) = summary.skipped
    assert (skip.source, skip.game, skip.reason) == (str(collection), 2, reader.UNPARSABLE)
    (line,) = caplog.messages
    assert line == f"skipped {collection} game 2: unparsable SGF (property with no values)"


def test_directories_are_searched_recursively_in_sorted_order(tmp_path):
    for index, path in enumerate(FIXTURE_FILES[:4]):
        write(tmp_path / f"d{index % 2}" / "deeper" / path.name, path.read_bytes())
    write(tmp_path / "README.txt", b"not a game")
    games, summary = load(tmp_path)
    expected = sorted(FIXTURE_FILES[:4:2]) + sorted(FIXTURE_FILES[1:4:2])
    assert [game.game_id for game in games] == [path.stem for path in expected]
    assert summary.files == 4


def test_paths_are_checked_when_called_not_when_iterated(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"missing\.sgf"):
        read_games(tmp_path / "missing.sgf")
    with pytest.raises(ValueError, match=r"notes\.txt: not a game record"):
        read_games(write(tmp_path / "notes.txt", b""))


def test_each_skip_is_logged_once_and_counted_by_reason(tmp_path, caplog):
    write(tmp_path / "a-9x9.sgf", b"(;SZ[9];B[cc];W[gg])")
    write(tmp_path / "b-suicide.sgf", b"(;SZ[19];B[bs];W[pd];B[ar];W[as];B[dd])")
    write(tmp_path / "c-empty.sgf", b"")
    write(tmp_path / "d-ok.sgf", FIXTURE_FILES[0].read_bytes())
    with caplog.at_level(logging.WARNING, logger="sgf_data.reader"):
        games, summary = load(tmp_path)
    assert len(games) == 1 and summary.games == 1
    assert [(s.move_number, s.reason) for s in summary.skipped] == [
        (None, reader.NOT_19X19),
        (4, reader.ILLEGAL),
        (None, reader.NO_GAME),
    ]
    assert summary.by_reason == {reader.NOT_19X19: 1, reader.ILLEGAL: 1, reader.NO_GAME: 1}
    assert len(caplog.records) == 3
    assert all(record.levelno == logging.WARNING for record in caplog.records)
    assert "b-suicide.sgf game 1 move 4: illegal move" in caplog.messages[1]


def test_the_real_broken_records_of_the_training_data_are_skipped_at_the_right_move():
    games, summary = load(BROKEN)
    assert games == []
    assert [(Path(s.source).name, s.game, s.move_number, s.reason) for s in summary.skipped] == [
        ("tom-21463234.sgf", 1, 2, reader.OCCUPIED),  # ;B[qd];B[qd]: the first move twice
        ("tom-2627800.sgf", 1, 319, reader.ILLEGAL),  # black retakes a ko at once
        ("tygem-428829509.sgf", 1, 152, reader.OCCUPIED),  # white plays R11 again
    ]
    assert summary.skipped[1].detail == "tom-2627800: b Q3: ko retake"


def test_a_game_left_unclosed_costs_only_itself_and_is_named(tmp_path, caplog):
    first, second, third = (path.read_bytes().strip() for path in FIXTURE_FILES[:3])
    assert second.endswith(b")")
    collection = write(tmp_path / "three.sgf", b"\n".join([first, second[:-1], third]))
    with caplog.at_level(logging.WARNING, logger="sgf_data.reader"):
        games, summary = load(collection)
    assert [game.game_id for game in games] == [FIXTURE_FILES[0].stem, FIXTURE_FILES[2].stem]
    assert games[1].source == f"{collection}#3"
    (skip,) = summary.skipped
    assert (skip.source, skip.game, skip.reason) == (str(collection), 2, reader.UNPARSABLE)
    assert "not closed" in caplog.messages[0] and "game 2" in caplog.messages[0]


def test_variations_of_an_unclosed_game_are_not_taken_for_games(tmp_path):
    unclosed = KGS_HANDICAP.strip()[:-1]  # the variations hold no root or game-info property
    collection = write(tmp_path / "two.sgf", unclosed + b"\n" + FIXTURE_FILES[0].read_bytes())
    games, summary = load(collection)
    assert [game.game_id for game in games] == [FIXTURE_FILES[0].stem]
    assert [(s.game, s.reason) for s in summary.skipped] == [(1, reader.UNPARSABLE)]


def test_each_directory_is_read_once_through_symlink_loops(tmp_path):
    write(tmp_path / "games" / FIXTURE_FILES[0].name, FIXTURE_FILES[0].read_bytes())
    (tmp_path / "games" / "self").symlink_to(".")
    (tmp_path / "again").symlink_to(tmp_path / "games")
    games, summary = load(tmp_path)
    assert [game.game_id for game in games] == [FIXTURE_FILES[0].stem]
    assert summary.files == 1 and summary.skipped == []


def test_an_unreadable_directory_is_skipped_and_named_and_the_rest_read(tmp_path, monkeypatch):
    write(tmp_path / "a-locked" / "x.sgf", FIXTURE_FILES[0].read_bytes())
    write(tmp_path / "b-open" / "y.sgf", FIXTURE_FILES[1].read_bytes())
    locked = tmp_path / "a-locked"
    scandir = os.scandir

    def refuse_locked(path):  # as chmod 000 does, for any user (root reads through chmod)
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return scandir(path)

    monkeypatch.setattr(os, "scandir", refuse_locked)
    games, summary = load(tmp_path)
    assert [game.game_id for game in games] == [FIXTURE_FILES[1].stem]
    (skip,) = summary.skipped
    assert (skip.source, skip.reason) == (str(locked), reader.UNREADABLE)
    assert skip.detail == "cannot read the directory: Permission denied"


def test_unique_skips_a_game_read_before_naming_where(tmp_path):
    data = FIXTURE_FILES[0].read_bytes()
    first, second = write(tmp_path / "a.sgf", data), write(tmp_path / "b.sgf", data + data)
    games, summary = load(tmp_path, unique=True)
    assert [game.source for game in games] == [str(first)]
    assert [(s.source, s.game, s.reason) for s in summary.skipped] == [
        (str(second), 1, reader.DUPLICATE),
        (str(second), 2, reader.DUPLICATE),
    ]
    assert summary.skipped[0].detail == f"{FIXTURE_FILES[0].stem}, read before from {first}"
    assert summary.games == 1 and len(load(tmp_path)[0]) == 3


# The ids of the current data must not move (its split would, and the shipped network's test
# figures would include games it trained on): the ids computed before game ids stopped
# depending on CA. The server ids of the fixtures are checked above.
KGS_HANDICAP_ID = "sha1-5f8fec7f466ecc5f"
UTF8_NAME_ID = "sha1-730f5dfec4d6b64b"  # KGS_HANDICAP with PB[李昌镐] in UTF-8


def named(name: bytes, header: bytes = b"CA[UTF-8]") -> bytes:
    return KGS_HANDICAP.replace(b"PB[blacky]", b"PB[" + name + b"]").replace(b"CA[UTF-8]", header)


def test_content_ids_of_today_are_kept(tmp_path):
    (plain,), _ = load(write(tmp_path / "a.sgf", KGS_HANDICAP))
    (utf8,), _ = load(write(tmp_path / "b.sgf", named("李昌镐".encode())))
    assert (plain.game_id, utf8.game_id) == (KGS_HANDICAP_ID, UTF8_NAME_ID)


def test_a_gbk_game_has_one_id_with_or_without_its_charset_declared(tmp_path):
    gbk = "李昌镐".encode("gbk")
    declared = write(tmp_path / "declared.sgf", named(gbk, b"CA[GBK]"))
    undeclared = write(tmp_path / "undeclared.sgf", named(gbk, b""))
    games, summary = load(declared, undeclared, unique=True)
    assert [game.game_id for game in games] == [UTF8_NAME_ID]
    assert games[0].black == "李昌镐"
    assert [(s.source, s.reason) for s in summary.skipped] == [(str(undeclared), reader.DUPLICATE)]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_a_utf16_or_utf32_file_is_read_as_its_utf8_twin(tmp_path, encoding):
    data = FIXTURE_FILES[0].read_bytes()
    (twin,), _ = load(FIXTURE_FILES[0])
    (game,), summary = load(write(tmp_path / "wide.sgf", data.decode().encode(encoding)))
    assert game == dataclasses.replace(twin, source=str(tmp_path / "wide.sgf"))
    assert not summary.skipped


def test_a_utf16_file_without_a_game_names_its_encoding(tmp_path):
    games, summary = load(write(tmp_path / "notes.sgf", "no game here".encode("utf-16")))
    (skip,) = summary.skipped
    assert games == [] and skip.reason == reader.NO_GAME and "UTF-16" in skip.detail


def test_a_game_over_the_size_limit_is_refused_and_named(tmp_path, monkeypatch):
    monkeypatch.setattr(trees, "MAX_GAME_BYTES", 1000)
    large, small = FIXTURE_FILES[0].read_bytes(), b"(;SZ[19];B[pd];W[dd])"
    games, summary = load(write(tmp_path / "two.sgf", large + small))
    (skip,) = summary.skipped
    assert [len(game.moves) for game in games] == [2]
    assert (skip.game, skip.reason) == (1, reader.TOO_LARGE) and "1,000 bytes" in skip.detail


def test_only_regular_files_are_read_a_pipe_is_named_not_waited_on(tmp_path):
    os.mkfifo(tmp_path / "pipe.sgf")  # reading it would block until a writer came
    write(tmp_path / "z.sgf", FIXTURE_FILES[0].read_bytes())
    games, summary = load(tmp_path / "pipe.sgf", tmp_path)
    assert [game.game_id for game in games] == [FIXTURE_FILES[0].stem]
    (skip,) = summary.skipped
    assert skip.reason == reader.UNREADABLE and "not a regular file" in skip.detail
