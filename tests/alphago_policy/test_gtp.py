"""The GTP engine, driven as GUIs drive it: `python -m alphago_policy gtp` in a subprocess."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from sgfmill import sgf

from alphago_policy import gtp as gtp_module
from alphago_policy.game import Game
from alphago_policy.gtp import parse_line
from alphago_policy.policy import load_policy
from sgf_data.coords import from_gtp, to_sgf

ROOT = Path(__file__).resolve().parents[2]
REQUIRED = [
    "protocol_version",
    "name",
    "version",
    "known_command",
    "list_commands",
    "boardsize",
    "clear_board",
    "komi",
    "play",
    "genmove",
    "quit",
]


def parse_analysis(line: str) -> list[dict[str, str]]:
    """Read an lz-analyze line as GUIs do: `info` chunks of key-value pairs, `pv` last."""
    moves = []
    for chunk in line.split("info ")[1:]:
        words = chunk.split()
        split = words.index("pv")
        moves.append(
            {**dict(zip(words[:split:2], words[1:split:2], strict=True)), "pv": words[split + 1 :]}
        )
    return moves


class GTPProcess:
    """The engine as a child process; `send` returns (ok, text) like a GUI reads them."""

    def __init__(self, *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "alphago_policy", "gtp", *args],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def write(self, command: str) -> None:
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()

    def read_reply(self) -> list[str]:
        """The lines of one reply, up to (not including) the empty line that ends it."""
        lines = []
        while (line := self.process.stdout.readline()) not in ("\n", ""):
            lines.append(line.rstrip("\n"))
        return lines

    def send(self, command: str) -> tuple[bool, str]:
        self.write(command)
        lines = self.read_reply()
        assert lines and lines[0][0] in "=?", f"{command!r} got {lines!r}"
        return lines[0][0] == "=", "\n".join(lines)[1:].strip()

    def stream(self) -> list[str]:
        """The lines of a streamed reply written so far, up to the empty line that ends it."""
        return self.read_reply()

    def close(self) -> int:
        """Close its input (the end of the session), read what is left, wait for its exit."""
        self.stdout, self.stderr = self.process.communicate(timeout=60)
        return self.process.returncode


@pytest.fixture(scope="module")
def gtp():
    engine = GTPProcess()
    yield engine
    engine.close()


def test_full_session(gtp, shipped_policy):
    assert gtp.send("protocol_version") == (True, "2")
    assert gtp.send("name") == (True, shipped_policy.description)
    ok, commands = gtp.send("list_commands")
    assert set(REQUIRED) <= set(commands.split("\n"))
    for required in (*REQUIRED, "undo", "showboard", "final_score", "lz-analyze"):
        assert gtp.send(f"known_command {required}") == (True, "true")
    assert gtp.send("known_command frobnicate") == (True, "false")
    for setup in ("boardsize 19", "clear_board", "komi 7.5", "time_settings 600 30 1"):
        assert gtp.send(setup) == (True, "")
    assert gtp.send("play b D4") == (True, "")
    ok, vertex = gtp.send("genmove w")
    assert ok and from_gtp(vertex) not in (None, (3, 3))
    ok, board = gtp.send("showboard")
    rows = {line.split()[0]: line.split()[1:20] for line in board.splitlines() if line[:2].strip()}
    assert rows["4"][3] == "X"
    row, col = from_gtp(vertex)
    assert rows[str(row + 1)][col] == "O"
    ok, score = gtp.send("final_score")
    assert ok and re.fullmatch(r"[BW]\+\d+(\.\d)?|0", score)
    ok, record = gtp.send("printsgf")
    assert ok and "KM[7.5]" in record and "RU[Chinese]" in record
    assert ";B[dp]" in record and f";W[{to_sgf(from_gtp(vertex))}]" in record


def test_ids_are_echoed(gtp):
    assert gtp.send("clear_board") == (True, "")
    gtp.write("12 play b d4")
    assert gtp.read_reply() == ["=12"]
    gtp.write("13 frobnicate")
    assert gtp.read_reply() == ["?13 unknown command"]
    gtp.write("14 protocol_version")
    assert gtp.read_reply() == ["=14 2"]


@pytest.mark.parametrize(
    ("command", "error"),
    [
        ("boardsize 13", "unacceptable size"),
        ("boardsize nineteen", "syntax error"),
        ("play b D4", "illegal move"),
        ("play x D4", "syntax error"),
        ("play b Z99", "syntax error"),
        ("play b", "syntax error"),
        ("genmove", "syntax error"),
        ("komi lots", "syntax error"),
        ("fixed_handicap 4", "board not empty"),
        ("lz-analyze b 10 bogus", "syntax error"),
        ("frobnicate", "unknown command"),
    ],
)
def test_errors_keep_the_engine_running(gtp, command, error):
    assert gtp.send("clear_board") == (True, "")
    assert gtp.send("play b D4") == (True, "")
    ok, text = gtp.send(command)
    assert not ok and text.startswith(error)
    assert gtp.send("protocol_version") == (True, "2")


def test_illegal_move_says_why(gtp):
    gtp.send("clear_board")
    gtp.send("play b D4")
    ok, text = gtp.send("play w D4")
    assert not ok and text.startswith("illegal move (w D4") and "occupied" in text


def test_undo(gtp):
    assert gtp.send("clear_board") == (True, "")
    assert gtp.send("undo") == (False, "cannot undo")
    gtp.send("play b D4")
    gtp.send("play w Q16")
    assert gtp.send("undo") == (True, "")
    assert gtp.send("play w D4")[0] is False
    assert gtp.send("play w Q16") == (True, "")


def test_handicap(gtp):
    gtp.send("clear_board")
    assert gtp.send("fixed_handicap 3") == (True, "D4 Q16 D16")
    ok, vertex = gtp.send("genmove w")
    assert ok and vertex not in ("D4", "Q16", "D16")
    assert "AB[dd][dp][pd]" in gtp.send("printsgf")[1]
    gtp.send("clear_board")
    assert gtp.send("set_free_handicap C3 R17") == (True, "")
    assert gtp.send("play b C3")[0] is False


def analysis_lines(gtp, command: str, count: int) -> list[str]:
    """Start an analysis, read its `=` and `count` info lines, then end it with `name`."""
    gtp.write(command)
    assert gtp.process.stdout.readline() == "=\n"
    lines = [gtp.process.stdout.readline().rstrip("\n") for _ in range(count)]
    gtp.write("name")  # any command ends the analysis: its last lines, an empty line, ...
    assert all(line.startswith("info ") for line in gtp.read_reply())
    assert gtp.read_reply()[0].startswith("= AlphaGo SL policy")  # ... then its own reply
    return lines


def test_lz_analyze_streams_info_lines_until_the_next_command(gtp):
    gtp.send("clear_board")
    gtp.send("play b D4")
    lines = analysis_lines(gtp, "lz-analyze w 10", 2)
    for moves in map(parse_analysis, lines):
        assert len(moves) == 20
        priors = [int(move["prior"]) for move in moves]
        assert priors == sorted(priors, reverse=True) and sum(priors) <= 10000 + 20
        assert [int(move["order"]) for move in moves] == list(range(20))
        assert all(0 <= int(m["lcb"]) <= int(m["winrate"]) <= 10000 for m in moves)
        assert all(move["pv"] == [move["move"]] for move in moves)
        assert "D4" not in [move["move"] for move in moves]
        visits = [int(move["visits"]) for move in moves]
        assert min(visits) >= 1 and visits[0] >= visits[-1]  # shared as the priors are
    first, second = (sum(int(m["visits"]) for m in parse_analysis(line)) for line in lines)
    assert second > first  # every interval, more playouts


def test_analysis_takes_its_arguments_in_either_order(gtp):
    gtp.send("clear_board")
    assert analysis_lines(gtp, "lz-analyze 10 W", 1) == analysis_lines(gtp, "lz-analyze W 10", 1)


def test_analysis_avoids_and_allows_moves(gtp):
    gtp.send("clear_board")
    line = analysis_lines(gtp, "lz-analyze b 10 avoid b Q16,Q4,D16:D17 1", 1)[0]
    moves = {move["move"] for move in parse_analysis(line)}
    assert len(moves) == 20 and not moves & {"Q16", "Q4", "D16", "D17"}
    line = analysis_lines(gtp, "lz-analyze b 10 allow b C3:E5 1 maxmoves 50", 1)[0]
    moves = {move["move"] for move in parse_analysis(line)}
    assert moves == {f"{c}{r}" for c in "CDE" for r in (3, 4, 5)}


def test_kata_analyze_gives_scores_and_ownership(gtp):
    gtp.send("clear_board")
    gtp.send("play b D4")
    line = analysis_lines(gtp, "kata-analyze w 10 ownership true maxmoves 5", 1)[0]
    info, _, ownership = line.partition(" ownership ")
    moves = parse_analysis(info)
    assert len(moves) == 5
    for move in moves:
        assert 0 <= float(move["lcb"]) <= float(move["winrate"]) <= 1
        assert 0 < float(move["prior"]) < 1 and float(move["scoreStdev"]) >= 0
        assert move["scoreLead"] == move["scoreMean"]
    values = [float(value) for value in ownership.split()]
    assert len(values) == 361 and all(-1 <= value <= 1 for value in values)
    assert values[(19 - 4) * 19 + 3] < 0  # D4, a Black stone: more often White's opponent's


@pytest.mark.parametrize("command", ["lz-genmove_analyze b 10", "kata-genmove_analyze b 10"])
def test_genmove_analyze_ends_with_the_move_played(gtp, command):
    gtp.send("clear_board")
    gtp.write(command)
    lines = gtp.read_reply()
    assert lines[0] == "=" and lines[1].startswith("info move ")
    assert lines[-1].startswith("play ") and len(lines) == 3
    vertex = lines[-1].split()[1]
    assert gtp.send(f"play w {vertex}")[1].startswith("illegal move")
    assert "1 stone" not in gtp.send("showboard")[1]


def stones_on_board(board: str) -> set[str]:
    """The vertices of the stones in a `showboard` reply."""
    letters = "ABCDEFGHJKLMNOPQRST"
    rows = [line.split() for line in board.splitlines() if line[:2].strip().isdigit()]
    return {f"{letters[i]}{row[0]}" for row in rows for i, v in enumerate(row[1:20]) if v in "XO"}


def test_loadsgf_final_score_and_status_of_a_finished_game(gtp, fixtures_dir, tmp_path):
    record = fixtures_dir / "games" / "tom-377265.sgf"  # a game played out and counted
    assert gtp.send(f"loadsgf {record} 31") == (True, "")  # the position before move 31
    sgf_text = gtp.send("printsgf")[1]
    assert sgf_text.count(";B[") + sgf_text.count(";W[") == 30
    assert gtp.send(f"loadsgf {record}") == (True, "")
    ok, score = gtp.send("final_score")
    assert ok and re.fullmatch(r"[BW]\+\d+(\.\d)?|0", score)
    status = {
        kind: set(gtp.send(f"final_status_list {kind}")[1].split())
        for kind in ("alive", "dead", "seki")
    }
    stones = stones_on_board(gtp.send("showboard")[1])
    assert status["alive"] | status["dead"] | status["seki"] == stones
    assert sum(map(len, status.values())) == len(stones) and status["dead"]
    copy = tmp_path / "copy.sgf"
    assert gtp.send(f"printsgf {copy}") == (True, "")
    moves = [sgf.Sgf_game.from_bytes(f.read_bytes()).get_main_sequence() for f in (copy, record)]
    assert [node.get_move() for node in moves[0][1:]] == [node.get_move() for node in moves[1][1:]]
    ok, text = gtp.send(f"printsgf {tmp_path / 'missing' / 'copy.sgf'}")
    assert not ok and text.startswith("cannot save file") and "missing" in text
    ok, text = gtp.send(f"loadsgf {tmp_path / 'none.sgf'}")
    assert not ok and text.startswith("cannot load file") and "none.sgf" in text


def test_place_free_handicap(gtp):
    gtp.send("clear_board")
    ok, vertices = gtp.send("place_free_handicap 4")
    assert ok and sorted(vertices.split()) == ["D16", "D4", "Q16", "Q4"]
    assert gtp.send("place_free_handicap 4") == (False, "board not empty")
    assert gtp.send("genmove w")[0]


def test_quit_ends_the_process():
    """At `quit` the engine exits cleanly, its input still open (as a GUI leaves it)."""
    engine = GTPProcess()
    assert engine.send("clear_board") == (True, "")
    assert engine.send("quit") == (True, "")
    assert engine.process.wait(timeout=60) == 0
    engine.close()


def test_missing_weights_file_is_a_clear_error(tmp_path):
    engine = GTPProcess("--weights", str(tmp_path / "nope.pt"))
    assert engine.close() == 1
    assert "nope.pt" in engine.stderr


def test_parse_line_ignores_comments_and_control_characters():
    assert parse_line("\x01 5  genmove \x7fb # why") == (5, "genmove", ["b"])


MALFORMED = [
    b"\xc2\xb2 name",  # a superscript two: a digit to str.isdigit, not to int
    b"boardsize \xc2\xb2",
    b"fixed_handicap \xc2\xb2",
    b"lz-analyze b 10 maxmoves \xc2\xb2",
    b"komi nan",
    b"komi inf",
    b"komi -inf",
    b"printsgf",
    b"\xff\xfe\xfd play b D4",  # not UTF-8
    b"play \xe9 D4",
    b"play b \xe9\xe9",
    b"genmove \x00",
    b"time_left b 1e999 0",
    b"time_settings 99999999999999999999 0 0",
    b"loadsgf",
    b"loadsgf /nonexistent/x.sgf 99999999999",
    b"final_status_list",
    b"final_status_list zombie",
    b"lz-analyze avoid b",
    b"lz-analyze avoid b Z99,,: 1",
    b"kata-analyze b 10 ownership maybe",
    b"lz-genmove_analyze z",
    b"set_free_handicap A1 A1",
    b"play b " + b"A" * 10000,
    b"\x1b[A\x1b[B",
    b"9" * 40 + b" name",
]


def test_no_line_kills_the_engine(gtp):
    """Malformed lines, and random bytes, each get a `?` (or `=`) reply; the engine stays up."""
    random = np.random.default_rng(0)
    noise = [bytes(random.integers(1, 256, size=int(n))) for n in random.integers(1, 60, 40)]
    gtp.send("clear_board")
    for line in [*MALFORMED, *(n.replace(b"\n", b" ") for n in noise)]:
        gtp.process.stdin.buffer.write(line + b"\nprotocol_version\n")
        gtp.process.stdin.buffer.flush()
        reply = gtp.read_reply()
        if reply != ["= 2"]:  # an empty or comment-only line gets no reply at all
            assert reply and reply[0][0] in "=?", (line, reply)
            assert gtp.read_reply() == ["= 2"], line
    assert gtp.process.poll() is None
    assert gtp.send("komi 6.5") == (True, "") and "KM[6.5]" in gtp.send("printsgf")[1]


def test_a_failing_handler_is_an_internal_error_not_a_crash(capsys, monkeypatch, shipped_policy):
    def broken(server, args):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setitem(gtp_module.COMMANDS, "name", broken)
    server = gtp_module.Server(Game(shipped_policy))
    reply = gtp_module.respond(server, "5 name")
    assert (
        reply.head == "?5" and reply.body == "internal error: ZeroDivisionError: division by zero"
    )
    assert capsys.readouterr().err.count("\n") == 1


def test_lizzie_reads_a_version_it_accepts():
    """Lizzie parses `version` as Leela Zero's, 0.MINOR, and wants MINOR >= 15 (the first
    Leela Zero with lz-analyze); `name` still names the network."""
    engine = GTPProcess("--lizzie")
    ok, text = engine.send("version")
    assert ok and int(text.split()[0].split(".")[1]) >= 15
    assert engine.send("name")[1].startswith("AlphaGo SL policy")
    engine.close()


def test_console_script_is_declared_and_runs():
    import tomllib

    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["alphago-gtp"] == "alphago_policy.gtp:main"
    done = subprocess.run(
        [sys.executable, "-c", "from alphago_policy.gtp import main; main()"],
        cwd=ROOT,
        input="name\nclear_board\nquit\n",  # clear_board waits for the warm-up, name not
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0 and done.stdout.startswith("= AlphaGo SL policy")
    assert "warming up" in done.stderr and "ready" in done.stderr


def test_warm_up_compiles_and_exits_without_reading_the_protocol(capsys):
    """`alphago-gtp --warm-up`, the install's last step: it runs every kernel (filling numba's
    cache), says so on stderr, writes nothing on the protocol's stdout, and exits 0 without
    reading input (pytest's stdin refuses reads)."""
    threads = torch.get_num_threads()
    try:
        assert gtp_module.main(["--warm-up"]) == 0
    finally:
        torch.set_num_threads(threads)
    out, err = capsys.readouterr()
    assert out == "" and "warming up" in err and re.search(r"ready \(\d+\.\d s\)", err)


@pytest.mark.gnugo
def test_dead_stones_agree_with_gnugo_on_finished_games(gtp, gnugo, fixtures_dir):
    """On the fixture games played out and counted, `final_status_list dead` agrees with
    GNU Go's on at least 90% of the stones (both dead, or both not)."""
    agreed = total = 0
    for path in sorted((fixtures_dir / "games").glob("*.sgf")):
        if not re.search(r"RE\[[BW]\+\d", path.read_text()):
            continue  # resigned or lost on time: not played out
        assert gtp.send(f"loadsgf {path}") == (True, "")
        gnugo.send(f"loadsgf {path}")
        ours = set(gtp.send("final_status_list dead")[1].split())
        theirs = set(gnugo.send("final_status_list dead").split())
        stones = stones_on_board(gtp.send("showboard")[1])
        agreed += len(stones) - len(ours ^ theirs)
        total += len(stones)
    assert total > 1000 and agreed / total >= 0.9


@pytest.mark.parametrize(
    ("flags", "words"),
    [
        (["--temperature", "nan"], "temperature"),
        (["--temperature", "-1"], "temperature"),
        (["--temperature", "inf"], "temperature"),
        (["--threads", "0"], "--threads"),
    ],
)
def test_settings_that_mean_nothing_are_refused_in_one_line(flags, words):
    done = subprocess.run(
        [sys.executable, "-m", "alphago_policy", "gtp", *flags],
        cwd=ROOT,
        input="quit\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2 and words in done.stderr and "Traceback" not in done.stderr


def test_a_small_temperature_plays_the_most_probable_move():
    engine = GTPProcess("--temperature", "0.001")
    ok, vertex = engine.send("genmove b")
    assert ok and from_gtp(vertex) is not None, vertex
    engine.send("quit")
    engine.close()


def answer_within(server, line: str, seconds: float = 20) -> gtp_module.Reply:
    """The reply to `line`, which must come within `seconds` (a pipe must not block)."""
    replies = []
    thread = threading.Thread(target=lambda: replies.append(gtp_module.respond(server, line)))
    thread.daemon = True
    thread.start()
    thread.join(seconds)
    assert replies, f"{line!r} blocked the engine"
    return replies[0]


def test_loadsgf_reads_regular_files_only(shipped_policy, tmp_path, fixtures_dir):
    """A directory, a device behind a link, a pipe and a huge file are refused at once, each
    named; the engine then loads a real game."""
    server = gtp_module.Server(Game(shipped_policy))
    (tmp_path / "folder").mkdir()
    shutil.copy(fixtures_dir / "games" / "tom-377265.sgf", tmp_path / "folder")
    (tmp_path / "zero.sgf").symlink_to("/dev/zero")
    os.mkfifo(tmp_path / "pipe.sgf")
    huge = tmp_path / "huge.sgf"
    with open(huge, "wb") as f:
        f.truncate(gtp_module.MAX_SGF_BYTES + 1)
    for name, why in [
        ("folder", "is a directory"),
        ("zero.sgf", "not a regular file"),
        ("pipe.sgf", "not a regular file"),
        ("huge.sgf", "larger than"),
    ]:
        reply = answer_within(server, f"loadsgf {tmp_path / name}")
        assert reply.head == "?" and reply.body.startswith("cannot load file"), reply
        assert name in reply.body and why in reply.body
    reply = answer_within(server, "loadsgf /")
    assert reply.head == "?" and "is a directory" in reply.body
    reply = answer_within(server, f"loadsgf {fixtures_dir / 'games' / 'tom-377265.sgf'} 31")
    assert reply.head == "=" and len(server.game.position.history) == 30


def test_a_huge_line_is_refused_in_linear_time(gtp):
    """A 20 MB line (no newline for a long while) is read in linear time and memory, refused,
    and the next command is answered."""
    start = time.perf_counter()
    gtp.process.stdin.buffer.write(b"play b " + b"A" * 20_000_000 + b"\nprotocol_version\n")
    gtp.process.stdin.buffer.flush()
    reply = gtp.read_reply()
    assert reply[0].startswith("? syntax error (a line longer than"), reply[0][:80]
    assert gtp.read_reply() == ["= 2"]
    assert time.perf_counter() - start < 15


def test_quit_is_quick_even_while_warming_up():
    """A GUI kills an engine still there some seconds after `quit` (Sabaki: 3 s): the engine
    exits at once, even while it still warms up."""
    engine = GTPProcess()
    assert engine.send("quit") == (True, "")
    start = time.perf_counter()
    engine.process.wait(timeout=60)
    assert time.perf_counter() - start < 1.5
    assert engine.close() == 0


def test_analysis_of_an_open_game_claims_no_win_rate(gtp):
    """Random playouts cannot tell who wins an opening: every move reads 50% (a flat line)."""
    gtp.send("clear_board")
    gtp.send("play b D4")
    moves = parse_analysis(analysis_lines(gtp, "lz-analyze w 10", 1)[0])
    assert {(move["winrate"], move["lcb"]) for move in moves} == {("5000", "5000")}


def test_set_random_seed_replays_a_sampling_level(tiny_weights):
    """A level that draws its moves at random plays the same moves again after the same
    `set_random_seed`, as a match replaying a game needs; a seed that is not a number is
    refused."""
    server = gtp_module.Server(Game(load_policy(tiny_weights), temperature=1.0))

    def moves(seed: str) -> list[str]:
        assert gtp_module.respond(server, f"set_random_seed {seed}").head == "="
        gtp_module.respond(server, "clear_board")
        return [gtp_module.respond(server, f"genmove {c}").body for c in "bwbwbw"]

    assert moves("7") == moves("7") != moves("8")
    refused = gtp_module.respond(server, "set_random_seed x")
    assert refused.head == "?" and refused.body.startswith("syntax error")
