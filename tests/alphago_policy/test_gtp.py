"""The GTP engine, driven as GUIs drive it: `python -m alphago_policy gtp` in a subprocess."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from alphago_policy.gtp import parse_line
from alphago_policy.model import load_policy
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

    def close(self) -> int:
        if self.process.poll() is None:
            self.process.stdin.close()
        return self.process.wait(timeout=30)


@pytest.fixture(scope="module")
def gtp():
    engine = GTPProcess()
    yield engine
    engine.close()


@pytest.fixture(scope="module")
def policy():
    return load_policy()


def test_full_session(gtp, policy):
    assert gtp.send("protocol_version") == (True, "2")
    assert gtp.send("name") == (True, policy.description)
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


def test_lz_analyze_streams_info_lines(gtp):
    gtp.send("clear_board")
    gtp.send("play b D4")
    gtp.write("lz-analyze w 10")
    head = gtp.process.stdout.readline().rstrip("\n")
    info = gtp.process.stdout.readline().rstrip("\n")
    assert head == "="
    moves = parse_analysis(info)
    assert len(moves) == 20
    priors = [int(move["prior"]) for move in moves]
    assert priors == sorted(priors, reverse=True) and sum(priors) <= 10000 + 20
    assert [int(move["order"]) for move in moves] == list(range(20))
    assert all(move["winrate"] == "5000" and move["visits"] == move["prior"] for move in moves)
    assert all(move["pv"] == [move["move"]] for move in moves)
    assert "D4" not in [move["move"] for move in moves]
    gtp.write("name")  # any command ends the analysis: an empty line, then its own reply
    assert gtp.process.stdout.readline() == "\n"
    assert gtp.read_reply()[0].startswith("= AlphaGo SL policy")


def test_quit_ends_the_process():
    engine = GTPProcess()
    assert engine.send("quit") == (True, "")
    assert engine.close() == 0


def test_missing_weights_file_is_a_clear_error(tmp_path):
    engine = GTPProcess("--weights", str(tmp_path / "nope.pt"))
    assert engine.close() == 1
    assert "nope.pt" in engine.process.stderr.read()


def test_parse_line_ignores_comments_and_control_characters():
    assert parse_line("\x01 5  genmove \x7fb # why") == (5, "genmove", ["b"])
