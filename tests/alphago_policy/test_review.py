"""`review`: the network's view of every move of real games, written into their SGF records as
Go editors read them (sgfmill; Sabaki's own parser where node and @sabaki/sgf are installed),
with the same probabilities and top-1 agreement as `evaluate`.

tests/fixtures/study holds two real games beside the held-out ones: a 4-stone handicap game
GNU Go 3.8 (level 1) played against itself to two passes, and a TOM 9-dan game (tom-88529066)
written in GB2312 with a player's comments (one holding SGF escapes) and a variation added.
"""

import dataclasses
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from sgfmill import sgf

from alphago_policy import evaluate as ev
from alphago_policy.agreement import AGREEMENT, agreement, review_game
from alphago_policy.annotate import MARKER
from alphago_policy.policy import load_policy
from alphago_policy.review import main
from sgf_data import read_games

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
HELD_OUT = FIXTURES / "held_out" / "tygem-420587649.sgf"
HANDICAP = FIXTURES / "study" / "gnugo-handicap-4.sgf"
COMMENTED = FIXTURES / "study" / "tom-88529066-commented-gb2312.sgf"
KOREAN = FIXTURES / "games" / "tygem-407331168.sgf"  # White's name is Korean
SABAKI = ROOT / ".cache" / "node" / "node_modules"  # npm install --prefix .cache/node @sabaki/sgf

# evaluate and review run the same float32 network on the same planes; the batches differ
# (review also runs the positions before passes), which may change the last bits of a logit.
LOG_P_TOLERANCE = 1e-5


@pytest.fixture(scope="module")
def tiny(tiny_weights, one_thread):
    return load_policy(tiny_weights)


def record_of(path: Path):
    (record,) = read_games(path)
    return record


def review_file(game: Path, out: Path, weights: Path, *more: str) -> sgf.Sgf_game:
    """Run the command on `game`; its annotated record read back by sgfmill."""
    assert main([str(game), "--out", str(out), "--weights", str(weights), *more]) == 0
    return sgf.Sgf_game.from_bytes(out.read_bytes())


def moves_of(game: sgf.Sgf_game) -> list:
    return [n for n in game.get_main_sequence() if n.get_move()[0] is not None]


def evaluate_log_probabilities(model, record) -> list[float]:
    """evaluate's log-probability of each move played (passes left out), one position a batch."""
    batches = ev.decoded(ev.rebatched(ev.game_arrays([record], []), 1), "cpu")
    return [-ev.evaluate(model, [batch]).rows()[-1]["nll"] for batch in batches]


def test_probabilities_are_evaluates_for_the_same_positions(tiny):
    record = record_of(HANDICAP)  # setup stones, White first, two passes at the end
    review = review_game(tiny, record)
    ours = [m.log_probability for m in review.moves if m.point is not None]
    theirs = evaluate_log_probabilities(tiny.model, record)
    assert len(ours) == len(theirs) == len(record.moves) - 2
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=LOG_P_TOLERANCE)


def test_top1_agreement_over_a_game_is_evaluates_top1(shipped_policy, one_thread):
    """The shipped network on the first 60 moves of a held-out game: the move played is the
    network's favourite legal point exactly where it is evaluate's favourite of all points."""
    full = record_of(HELD_OUT)
    record = dataclasses.replace(full, moves=full.moves[:60])
    review = review_game(shipped_policy, record)
    ours = agreement("all", review.moves)
    batches = ev.decoded(ev.rebatched(ev.game_arrays([record], []), 256), "cpu")
    theirs = ev.evaluate(shipped_policy.model, batches).rows()[-1]
    assert ours.moves == theirs["positions"] == 60
    assert ours.top[1] == theirs["top1"] and ours.top[5] == theirs["top5"]
    assert 0 < ours.top[1] < 1


def test_the_summary_figures_hold_together(tiny):
    review = review_game(tiny, record_of(HELD_OUT))
    for colour in "bw":
        summary = review.summary(colour, 4)
        *phases, whole = summary.rows
        assert whole.moves == sum(row.moves for row in phases) == len(review.played_by(colour))
        tops = [whole.top[k] for k in AGREEMENT]
        assert tops == sorted(tops)
        chances = [m.probability for m in review.played_by(colour)]
        assert [m.probability for m in summary.surprises] == sorted(chances)[:4]
        assert all(m.colour == colour and m.rank >= 1 for m in summary.surprises)


def test_the_annotated_record_reads_back_with_every_move_reviewed(tiny_weights, tmp_path, capsys):
    out = tmp_path / "reviewed.sgf"
    game = review_file(HELD_OUT, out, tiny_weights, "--surprises", "3")
    printed = capsys.readouterr().out
    original = sgf.Sgf_game.from_bytes(HELD_OUT.read_bytes())
    assert [n.get_move() for n in moves_of(game)] == [n.get_move() for n in moves_of(original)]
    root = game.get_root().get("C")
    assert root.startswith(MARKER) and "k=8, untrained (random) network" in root
    assert "香飘四海 (xpsh)" in root and "Black   all " in root and "Surprises" in root
    assert root.split(MARKER + "\n")[1].split("\n\nOn each move")[0] in printed
    surprises = 0
    for number, node in enumerate(moves_of(game), start=1):
        note = node.get("C")
        assert note.startswith(f"{MARKER}\nMove {number}: ")
        labels = dict((label, point) for point, label in node.get("LB"))
        assert sorted(labels) == ["A", "B", "C"]
        played = node.get_move()[1]
        assert (played in labels.values()) != node.has_property("TR")
        surprises += "surprise" in note
    assert surprises == 6


def test_sabakis_parser_reads_the_annotated_record(tiny_weights, tmp_path):
    node = shutil.which("node")
    if node is None or not (SABAKI / "@sabaki" / "sgf").is_dir():
        pytest.skip("needs node and `npm install --prefix .cache/node @sabaki/sgf`")
    out = tmp_path / "reviewed.sgf"
    review_file(COMMENTED, out, tiny_weights)
    script = (
        "const [root] = require('@sabaki/sgf').parseFile(process.argv[1]);"
        "const line = []; for (let n = root; n; n = n.children[0]) line.push(n.data);"
        "console.log(JSON.stringify(line))"
    )
    done = subprocess.run(
        [node, "-e", script, str(out)],
        env={**os.environ, "NODE_PATH": str(SABAKI)},
        capture_output=True,
        text=True,
        check=True,
    )
    line = json.loads(done.stdout)
    moves = [data for data in line if "B" in data or "W" in data]
    assert len(moves) == len(record_of(COMMENTED).moves)
    assert line[0]["C"][0].startswith("复盘笔记") and MARKER in line[0]["C"][0]
    assert moves[0]["C"][0].startswith("黑棋星位开局。\n\n" + MARKER + "\nMove 1: Black Q16")
    assert "[参考变化图]" in moves[11]["C"][0] and len(moves[11]["LB"]) == 3


def test_comments_variations_and_gb2312_are_kept(tiny_weights, tmp_path):
    out = tmp_path / "reviewed.sgf"
    game = review_file(COMMENTED, out, tiny_weights)
    original = sgf.Sgf_game.from_bytes(COMMENTED.read_bytes())
    assert game.get_charset() == "GB2312" and out.read_bytes().decode("gb2312")
    kept = [(n.get("C") if n.has_property("C") else "") for n in original.get_main_sequence()]
    for before, node in zip(kept, game.get_main_sequence(), strict=True):
        assert node.get("C").startswith(before + "\n\n" * bool(before) + MARKER)
    assert "Black 浪子菜鸟 9d vs White 弈凯俱乐部 9d" in game.get_root().get("C")
    branch = game.get_main_sequence()[19]
    assert len(branch) == 2 and branch[1].get("C") == "变化图：天元。"


def test_a_handicap_game_with_passes(tiny_weights, tmp_path):
    out = tmp_path / "reviewed.sgf"
    game = review_file(HANDICAP, out, tiny_weights)
    assert game.get_root().get_setup_stones()[0] == {(3, 3), (3, 15), (15, 3), (15, 15)}
    assert "handicap 4" in game.get_root().get("C")
    first, *_, white_pass, black_pass = moves_of(game)
    assert "Move 1: White " in first.get("C")
    assert "Move 181: White passes" in white_pass.get("C")
    assert "Move 182: Black passes" in black_pass.get("C")
    assert len(black_pass.get("LB")) == 3 and not black_pass.has_property("TR")


def test_korean_names_in_euc_kr(tiny_weights, tmp_path):
    text = KOREAN.read_text(encoding="utf-8").replace("CA[UTF-8]", "CA[EUC-KR]")
    game_file = tmp_path / "korean.sgf"
    game_file.write_bytes(text.encode("euc-kr"))
    game = review_file(game_file, tmp_path / "reviewed.sgf", tiny_weights)
    assert game.get_charset() == "EUC-KR"
    assert "White 쪼꼬맛우유 (sentimenta) 9d" in game.get_root().get("C")
    assert game.get_root().get("PW") == "쪼꼬맛우유 (sentimenta)"


def test_one_player_reviewed_and_a_second_review_replaces_the_first(tiny_weights, tmp_path):
    first = tmp_path / "black.sgf"
    review_file(HELD_OUT, first, tiny_weights, "--player", "b")
    again = review_file(first, tmp_path / "again.sgf", tiny_weights, "--player", "b")
    root = again.get_root().get("C")
    assert root.count(MARKER) == 1 and "White " not in root.split("Surprises")[1]
    for node in moves_of(again):
        if node.get_move()[0] == "b":
            assert node.get("C").count(MARKER) == 1 and len(node.get("LB")) == 3
        else:
            assert not node.has_property("C") and not node.has_property("LB")


def test_the_plot(tiny_weights, tmp_path):
    pytest.importorskip("matplotlib")
    picture = tmp_path / "review.png"
    review_file(HANDICAP, tmp_path / "reviewed.sgf", tiny_weights, "--plot", str(picture))
    assert picture.read_bytes().startswith(b"\x89PNG")


def test_the_plot_without_matplotlib_says_what_to_install(
    tiny_weights, tmp_path, monkeypatch, capsys
):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    out = tmp_path / "reviewed.sgf"
    args = [str(HELD_OUT), "--out", str(out), "--weights", str(tiny_weights), "--plot", "p.png"]
    assert main(args) == 2
    assert "--plot needs matplotlib" in capsys.readouterr().err and not out.exists()


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"(;GM[1]FF[4]SZ[9];B[ee];W[cc])", ["game 1", "not 19x19 (SZ[9])", "19x19 only"]),
        (b"(;GM[1]FF[4]SZ[19];B[pd];W[pd])", ["game 1 move 2", "occupied"]),
        (b"not a game", ["no game in file"]),
    ],
)
def test_a_game_that_cannot_be_reviewed_is_refused_in_one_line(
    tiny_weights, tmp_path, capsys, content, words
):
    game = tmp_path / "game.sgf"
    game.write_bytes(content)
    assert main([str(game), "--weights", str(tiny_weights)]) == 2
    captured = capsys.readouterr()
    (line,) = captured.err.splitlines()
    assert line.startswith(f"error: {game}") and all(word in line for word in words), line
    assert captured.out == "" and not (tmp_path / "game-review.sgf").exists()
