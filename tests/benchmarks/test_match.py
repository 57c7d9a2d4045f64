"""Matches against any GTP engine: handicap both ways, strength levels, resumed matches and the
saved games' HA/AB, with a fake engine; one real game against GNU Go."""

import re
import shlex
import sys
from dataclasses import replace
from pathlib import Path

import pytest
import torch
from sgfmill import sgf

from alphago_policy.game import Game
from alphago_policy.policy import build, load_policy, save_weights
from benchmarks import match as match_module
from benchmarks import vs_gnugo
from benchmarks.gnugo import GTPClient

pytestmark = pytest.mark.usefixtures("one_thread")

# A GTP engine that knows no Go: it logs every command to the file named by its first
# argument, places the standard handicap stones, passes at every genmove (or resigns at the
# given move number), and says White won by 0.5. `set_random_seed` is unknown to it.
FAKE_ENGINE = """
import sys
log = open(sys.argv[1], "a")
resign_at = int(sys.argv[2]) if len(sys.argv) > 2 else 0
stones = "D4 Q16 D16 Q4 K10 D10 Q10 K4 K16".split()
genmoves = 0
for line in sys.stdin:
    log.write(line); log.flush()
    words = line.split()
    if words[0] == "set_random_seed":
        print("? unknown command\\n", flush=True); continue
    answer = {"name": "Fake", "version": "1.0", "final_score": "W+0.5"}.get(words[0], "")
    if words[0] == "fixed_handicap":
        answer = " ".join(stones[: int(words[1])])
    if words[0] == "genmove":
        genmoves += 1
        answer = "resign" if genmoves == resign_at else "pass"
    print(f"= {answer}\\n", flush=True)
    if words[0] == "quit":
        break
"""


@pytest.fixture(scope="module")
def weights(tmp_path_factory) -> Path:
    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("weights") / "tiny.pt"
    save_weights(build(k=8), path, {"trained": False})
    return path


def fake(tmp_path: Path, *more: str) -> str:
    script = tmp_path / "fake_engine.py"
    script.write_text(FAKE_ENGINE)
    return " ".join([sys.executable, str(script), str(tmp_path / "commands.log"), *more])


def play(tmp_path: Path, weights: Path, *options: str, folder: str = "games") -> int:
    argv = ["--opponent", fake(tmp_path), "--referee", "opponent", "--move-cap", "8"]
    argv += ["--weights", str(weights), "--out-dir", str(tmp_path / folder), *options]
    return match_module.main(argv)


def root(path: Path):
    return sgf.Sgf_game.from_bytes(path.read_bytes()).get_root()


def test_the_network_gives_a_handicap_as_white(tmp_path, weights):
    assert play(tmp_path, weights, "--games", "1", "--handicap", "3") == 0
    game = sgf.Sgf_game.from_bytes((tmp_path / "games" / "game-001.sgf").read_bytes())
    info = game.get_root()
    assert info.get("HA") == 3 and info.get("KM") == 0.5 and info.get("PB").startswith("Fake")
    black, white, empty = info.get_setup_stones()
    assert sorted(black) == sorted([(3, 3), (15, 15), (15, 3)]) and not white and not empty
    moves = [node.get_move() for node in game.get_main_sequence()[1:]]
    assert moves[0][0] == "w" and all(
        colour == "bw"[i % 2 == 0] for i, (colour, _) in enumerate(moves)
    )
    log = (tmp_path / "commands.log").read_text()
    assert "komi 0.5\n" in log and "fixed_handicap 3\n" in log and "genmove b\n" in log
    assert "genmove w" not in log  # the network is White in every game


def test_the_network_takes_a_handicap_as_black(tmp_path, weights):
    options = ("--games", "2", "--handicap", "2", "--network-takes-handicap")
    assert play(tmp_path, weights, *options) == 0
    for number in (1, 2):
        info = root(tmp_path / "games" / f"game-00{number}.sgf")
        assert info.get("HA") == 2 and info.get("PW").startswith("Fake")
        assert "AlphaGo SL policy k=8" in info.get("PB")
    assert "genmove b" not in (tmp_path / "commands.log").read_text()


def test_even_games_alternate_colours_with_komi_7_5(tmp_path, weights):
    assert play(tmp_path, weights, "--games", "2") == 0
    first, second = (root(tmp_path / "games" / f"game-00{n}.sgf") for n in (1, 2))
    assert first.get("PW").startswith("Fake") and second.get("PB").startswith("Fake")
    assert first.get("KM") == 7.5 and not first.has_property("HA")
    assert not first.has_property("AB")
    summary = (tmp_path / "games" / "summary.md").read_text()
    assert "1 win, 1 loss of 2 games" in summary  # the fake's final_score: W+0.5


def test_a_level_plays_and_names_itself_in_the_games(tmp_path, weights):
    assert play(tmp_path, weights, "--games", "1", "--strength", "1") == 0
    info = root(tmp_path / "games" / "game-001.sgf")
    assert "strength 1 (beginner): k=32 network, best of 4 random moves" in info.get("PB")
    assert "AlphaGo SL policy k=32" in info.get("PB")  # the level's own network


def test_the_opponent_resigning_ends_the_game_for_the_network(tmp_path, weights):
    options = ("--games", "1", "--opponent", fake(tmp_path, "1"), "--move-cap", "40")
    assert play(tmp_path, weights, *options) == 0
    info = root(tmp_path / "games" / "game-001.sgf")
    assert info.get("RE") == "B+R" and "opponent resigned" in info.get("C")


def test_a_resumed_match_counts_its_games_and_keeps_another_matchs(tmp_path, weights, capsys):
    """Game 2 deleted and played again comes out byte for byte the same; the games of another
    level, temperature or handicap left in the folder stop the match in one line, kept."""
    assert play(tmp_path, weights, "--games", "2", "--temperature", "1") == 0
    game = tmp_path / "games" / "game-002.sgf"
    played, first = game.read_bytes(), (tmp_path / "games" / "game-001.sgf").stat().st_mtime_ns
    game.unlink()
    assert play(tmp_path, weights, "--games", "2", "--temperature", "1") == 0
    assert game.read_bytes() == played
    assert (tmp_path / "games" / "game-001.sgf").stat().st_mtime_ns == first
    for other in (("--strength", "2"), ("--temperature", "0.5"), ("--handicap", "2")):
        capsys.readouterr()
        assert play(tmp_path, weights, "--games", "2", *other) == 2
        error = capsys.readouterr().err
        assert error.count("\n") == 1 and "2 saved games (game-001.sgf ...) of another" in error
        assert game.read_bytes() == played


def test_a_reworded_card_is_the_same_network(tmp_path, weights):
    """Saved games name the network by its weights' fingerprint: the same weights with another
    card (a re-measured accuracy, say) resume the match; other weights do not."""
    assert play(tmp_path, weights, "--games", "1") == 0
    saved = root(tmp_path / "games" / "game-001.sgf").get("C")
    assert re.search(r"Network weights [0-9a-f]{12}, strength none, 1 symmetries", saved)
    reworded = tmp_path / "reworded.pt"
    save_weights(load_policy(weights).model, reworded, {"trained": True, "test_top1": 0.5})
    match, _ = match_module.parse_args(
        [
            "--opponent",
            fake(tmp_path),
            "--weights",
            str(reworded),
            "--out-dir",
            str(tmp_path / "games"),
        ]
    )
    player = match_module.network(match)
    assert player.name != load_policy(weights).description
    assert match_module.other_matches_games(match, player) == []
    torch.manual_seed(1)
    save_weights(build(k=8), reworded, {"trained": False})
    other = match_module.network(match)
    assert len(match_module.other_matches_games(match, other)) == 1


# A GTP engine that answers every command until `genmove`, then dies, as GNU Go 3.8 does on a
# few positions (an assertion failure).
DYING_ENGINE = """
import sys
for line in sys.stdin:
    if line.startswith("genmove"):
        sys.exit(1)
    print("= \\n", flush=True)
"""


def test_a_game_whose_opponent_dies_has_no_result_and_the_match_goes_on(tmp_path, weights):
    match = match_module.Match(2, ("dying",), "dying engine", tmp_path)
    engine = GTPClient([sys.executable, "-c", DYING_ENGINE])
    outcome = match_module.play_game(Game(load_policy(weights)), engine, 2, match)
    assert engine.exited and outcome.end == match_module.ENGINE_DIED and not outcome.decided
    assert not outcome.ended_properly and not outcome.network_won
    saved = match_module.load_outcome(tmp_path / "game-002.sgf", 2, match)
    assert (saved.result, saved.end) == ("Void", match_module.ENGINE_DIED)
    page = match_module.report([outcome], match, "tiny", trained=False)
    assert "0 wins, 0 losses of 0 games with a result" in page and "1 without a result" in page


def test_a_match_reports_its_own_command_and_counts_in_words(tmp_path):
    """The page's command plays the same match again (opponent, handicap, level, move cap,
    weights) and never says `--record`; one loss is "1 loss"."""
    options = ["--opponent", fake(tmp_path), "--opponent-name", "Fake", "--handicap", "2"]
    options += ["--strength", "3", "--move-cap", "50", "--weights", "w.pt"]
    match, _ = match_module.parse_args([*options, "--out-dir", str(tmp_path)])
    outcome = match_module.Outcome(1, "w", 200, "B+3.5", "two passes", "0", "B+4.5", 60.0)
    page = match_module.report([outcome], match, "net", True, match_module.reproduce(match, 2))
    assert "0 wins, 1 loss of 1 game with a result" in page and "1 distinct game." in page
    command = page.split("Reproduce: `")[1].split("`")[0]
    assert "--record" not in page and command.endswith("--jobs 2")
    assert "--handicap 2 --strength 3" in command and "--move-cap 50 --weights w.pt" in command
    again, _ = match_module.parse_args(shlex.split(command)[3:])
    assert again.opponent == ("python", *match.opponent[1:])  # this Python, named as a user would
    assert replace(again, out_dir=tmp_path, opponent=match.opponent) == match


@pytest.mark.parametrize("module", [match_module, vs_gnugo], ids=["match", "vs_gnugo"])
def test_every_option_says_what_it_does(module, capsys):
    with pytest.raises(SystemExit):
        module.parse_args(["--help"])
    options = re.split(r"\n  (?=-)", capsys.readouterr().out.split("options:")[1])[1:]
    assert len(options) > 10
    for option in options:
        assert len(option.split()) > 3, option


def test_a_bad_opponent_command_is_one_clear_message(tmp_path, capsys):
    assert match_module.main(["--opponent", "no-such-engine --gtp"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --opponent:") and "no-such-engine" in err


@pytest.mark.gnugo
def test_a_real_handicap_game_against_gnu_go_refereed_by_gnu_go(tmp_path, weights, gnugo):
    """GNU Go level 0 takes 2 stones from the network; a GNU Go referee counts the game."""
    argv = ["--opponent", f"{match_module.find_gnugo()} --mode gtp --level 0", "--games", "1"]
    argv += ["--handicap", "2", "--move-cap", "10", "--weights", str(weights)]
    argv += ["--out-dir", str(tmp_path / "games")]
    assert match_module.main(argv) == 0
    info = root(tmp_path / "games" / "game-001.sgf")
    assert info.get("HA") == 2 and info.get("PB").startswith("GNU Go")
    assert sorted(info.get_setup_stones()[0]) == [(3, 3), (15, 15)]
    assert info.get("RE")[:2] in ("B+", "W+") and "a GNU Go referee" in info.get("C")
