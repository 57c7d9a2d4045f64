"""Matches against GNU Go: short real games, saved, scored, resumed, the same on any --jobs."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from sgfmill import sgf

from alphago_policy.policy import build, save_weights
from benchmarks import match as match_module
from benchmarks import vs_gnugo
from tests.processes import descendants, running

ROOT = Path(__file__).resolve().parents[2]


def match(tmp_path, weights, jobs: int, folder: str) -> list[str]:
    """Play the match; its report without what names the run (date, machine, folder, times)."""
    argv = ["--games", "2", "--level", "0", "--move-cap", "12", "--temperature", "1"]
    argv += ["--weights", str(weights), "--jobs", str(jobs)]
    argv += ["--out-dir", str(tmp_path / folder), "--out", str(tmp_path / f"{folder}.md")]
    assert vs_gnugo.main(argv) == 0
    lines = (tmp_path / f"{folder}.md").read_text().splitlines()
    named = ("- date", "- machine", "- games", "Median game", "No game played")
    kept = [line for line in lines if not line.startswith(named)]
    return [line.rsplit("|", 2)[0] if line.startswith("| ") else line for line in kept]


def test_a_game_replayed_on_one_process_equals_the_one_played_on_two(tmp_path, gnugo):
    """Two games on two processes; game 2 deleted and replayed alone (the match resumes) comes
    out byte for byte the same, and so does the report. (GNU Go's final_score on these open
    boards takes seconds, so the test plays as few games as it can.)"""
    torch.manual_seed(0)
    weights = tmp_path / "tiny.pt"
    save_weights(build(k=8), weights, {"trained": False})
    two = match(tmp_path, weights, 2, "games")
    game = tmp_path / "games" / "game-002.sgf"
    played = game.read_bytes()
    game.unlink()
    assert match(tmp_path, weights, 1, "games") == two
    assert game.read_bytes() == played and any("of 2 games" in line for line in two)


def test_only_record_writes_the_recorded_page():
    """A trial run (`--games 2`) writes its summary beside its games under runs/; the
    committed results page and its games are written only with --record."""
    match, args = vs_gnugo.parse_args(["--games", "2", "--level", "10"])
    assert args.out == match.out_dir / "summary.md"
    assert vs_gnugo.RESULTS not in args.out.parents and "runs" in match.out_dir.parts
    match, args = vs_gnugo.parse_args(["--games", "100", "--level", "10", "--record"])
    assert args.out == vs_gnugo.RECORDED
    assert match.out_dir == vs_gnugo.RESULTS / "vs_gnugo-level-10"


def test_games_of_another_network_are_not_counted(tmp_path):
    """A match resumes from its saved games only where this network played them: in games
    saved before their comment named the network's weights, by the network's name."""
    match, args = vs_gnugo.parse_args(["--games", "2", "--out-dir", str(tmp_path)])
    general = vs_gnugo.general(match, args)
    player = match_module.network(general)
    for number, black, white in ((1, player.name, "GNU Go level 1"), (2, "GNU Go level 1", "B")):
        game = sgf.Sgf_game(19)
        for key, value in (("PB", black), ("PW", white), ("KM", 7.5)):
            game.get_root().set(key, value)
        (tmp_path / f"game-{number:03d}.sgf").write_bytes(game.serialise())
    assert match_module.other_matches_games(general, player) == [tmp_path / "game-002.sgf"]


def test_a_trial_reports_its_own_command_and_counts_in_words():
    """A trial's page suggests running the trial again, not `--record` (which would replace
    the recorded page); one loss is "1 loss"."""
    trial, args = vs_gnugo.parse_args(["--games", "2", "--level", "10", "--weights", "w.pt"])
    outcome = match_module.Outcome(1, "b", 200, "W+3.5", "two passes", "0", "W+4.5", 60.0)
    command = vs_gnugo.reproduce(trial, args.weights, args.record)
    general = vs_gnugo.general(trial, args)
    page = match_module.report([outcome], general, "net", True, command, [vs_gnugo.ANCHORS])
    assert "0 wins, 1 loss of 1 game with a result" in page
    assert "--record" not in page and "--games 2 --level 10" in page and "--weights w.pt" in page
    assert page.index(vs_gnugo.ANCHORS) < page.index(f"Reproduce: `{command}`")
    recorded, args = vs_gnugo.parse_args(["--games", "100", "--level", "10", "--record"])
    assert vs_gnugo.reproduce(recorded, args.weights, args.record).endswith("--jobs 2 --record")


def default_ctrl_c() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def gnugos(pids: list[int]) -> int:
    """How many of the processes are GNU Go."""
    names = []
    for pid in pids:
        try:
            names.append(Path(f"/proc/{pid}/cmdline").read_bytes())
        except OSError:
            continue
    return sum(b"gnugo" in name for name in names)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc")
@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGKILL], ids=["ctrl-c", "kill-9"])
def test_a_stopped_match_leaves_no_process_behind(tmp_path, gnugo, stop):
    """The main process of a match on two jobs is interrupted (Ctrl-C: a message, exit 130) or
    killed: its job processes and their GNU Go end too, and the match can resume."""
    torch.manual_seed(0)
    weights = tmp_path / "tiny.pt"
    save_weights(build(k=8), weights, {"trained": False})
    command = [sys.executable, "-m", "benchmarks.vs_gnugo", "--games", "40", "--level", "0"]
    command += ["--weights", str(weights), "--jobs", "2", "--out-dir", str(tmp_path / "games")]
    command += ["--out", str(tmp_path / "summary.md")]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    log = tmp_path / "stderr.txt"
    with log.open("w") as stderr:  # Ctrl-C as in a terminal, even where the suite ignores it
        match = subprocess.Popen(
            command, env=env, cwd=ROOT, stderr=stderr, preexec_fn=default_ctrl_c
        )
    deadline = time.monotonic() + 60
    while (engines := gnugos(started := descendants(match.pid))) < 2:
        assert time.monotonic() < deadline, "the two jobs did not start their GNU Go"
        time.sleep(0.1)
    match.send_signal(stop)
    match.wait(timeout=60)
    deadline = time.monotonic() + 5  # a job would otherwise finish its game first
    while any(map(running, started)) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = [pid for pid in started if running(pid)]
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert engines == 2 and left == [], "processes outlived the match"
    errors = log.read_text()
    if stop == signal.SIGINT:
        assert match.returncode == 130 and "run the same command again" in errors, errors
        assert "Traceback" not in errors
