"""Matches against GNU Go: short real games, saved, scored, resumed, the same on any --jobs."""

import torch

from alphago_policy.model import build, save_weights
from benchmarks import vs_gnugo


def match(tmp_path, weights, jobs: int, folder: str) -> list[str]:
    """Play the match; its report without the lines that name the run (date, machine, folder)."""
    argv = ["--games", "2", "--level", "0", "--move-cap", "12", "--temperature", "1"]
    argv += ["--weights", str(weights), "--jobs", str(jobs)]
    argv += ["--out-dir", str(tmp_path / folder), "--out", str(tmp_path / f"{folder}.md")]
    assert vs_gnugo.main(argv) == 0
    lines = (tmp_path / f"{folder}.md").read_text().splitlines()
    return [line for line in lines if not line.startswith(("- date", "- machine", "- games"))]


def test_games_are_the_same_on_one_or_two_processes_and_resume(tmp_path, gnugo):
    torch.manual_seed(0)
    weights = tmp_path / "tiny.pt"
    save_weights(build(k=8), weights, {"trained": False})
    one = match(tmp_path, weights, 1, "one")
    two = match(tmp_path, weights, 2, "two")
    for number in (1, 2):
        name = f"game-{number:03d}.sgf"
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()
    assert one == two and any("of 2 games" in line for line in one)
    (tmp_path / "two" / "game-002.sgf").unlink()
    assert match(tmp_path, weights, 1, "two") == one
