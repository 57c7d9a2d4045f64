"""Matches between the policy network (no search) and GNU Go: wins, losses, a 95% interval.

    python -m benchmarks.vs_gnugo [--games 4] [--level 1] [--weights PATH] [--jobs N] [--record]

19x19, Chinese (area) rules, komi 7.5, colours alternating (the network is Black in odd-
numbered games). A game runs until two passes in a row, a resignation by GNU Go, or the move
cap; GNU Go (run with --chinese-rules) then referees it with `final_score`, which removes the
stones it judges dead; our own count (`alphago_policy.game.Game.result`, dead stones found by
playouts) is shown beside it. The network plays through `Game` in process: its most probable
sensible move, or a sample with --temperature; it passes when the game is over by its
playouts, and never resigns here.

Every game is saved as SGF in the games folder; games already there are counted again, not
replayed, so an interrupted match (Ctrl-C, or its process killed) resumes: the command run again
plays the games that were not finished (games another network left there are played again).
The job processes end with the main one, even by `kill -9`, and their GNU Go with them.
Game n depends only on n and --seed (GNU Go's seed, the network's sampling and the playouts
are set per game), so --jobs N processes, each with its own GNU Go, play the same games as one.
The summary (per game and in total, with a Wilson 95% interval) is printed and written beside
the games (runs/vs_gnugo/level-L/summary.md); only `--record` writes the recorded page,
benchmarks/results/vs_gnugo.md, with its games in benchmarks/results/vs_gnugo-level-L.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import benchmarks.match
from benchmarks.common import write_atomically
from benchmarks.gnugo import find_gnugo

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
RECORDED = RESULTS / "vs_gnugo.md"
ANCHORS = (
    "Published anchors (raw networks, no search, against GNU Go): Maddison et al. 2015, a "
    "12-layer network, won 97% of games against GNU Go; AlphaGo's SL policy network "
    "(k=192) won 99% against GNU Go 3.8 at level 10 (Silver et al. 2016, Extended Data Table 9)."
)


@dataclass(frozen=True)
class Match:
    games: int
    level: int
    move_cap: int
    temperature: float
    seed: int
    out_dir: Path


def _shown(path: Path) -> Path:
    """A path relative to the checkout when it lies inside it."""
    return path.relative_to(ROOT) if path.is_relative_to(ROOT) else path


def parse_args(argv: list[str] | None) -> tuple[Match, argparse.Namespace]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--games", type=int, default=4)
    parser.add_argument("--level", type=int, default=1, help="GNU Go level, 0-10")
    parser.add_argument("--move-cap", type=int, default=400)
    parser.add_argument("--temperature", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--weights", help="weights file (default: shipped, else random)")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads per job")
    parser.add_argument("--jobs", type=int, default=1, help="games played at once")
    parser.add_argument(
        "--record",
        action="store_true",
        help=f"a match to keep: the summary to {_shown(RECORDED)}, the games beside it",
    )
    parser.add_argument(
        "--out-dir",
        type=Path,
        help="games folder (default runs/vs_gnugo/level-L, or with "
        "--record benchmarks/results/vs_gnugo-level-L)",
    )
    parser.add_argument("--out", type=Path, help="the summary's file (default: see --record)")
    args = parser.parse_args(argv)
    recorded = RESULTS / f"vs_gnugo-level-{args.level}"
    out_dir = args.out_dir or (
        recorded if args.record else ROOT / "runs" / "vs_gnugo" / f"level-{args.level}"
    )
    args.out = args.out or (RECORDED if args.record else out_dir / "summary.md")
    match = Match(args.games, args.level, args.move_cap, args.temperature, args.seed, out_dir)
    return match, args


def general(match: Match, args: argparse.Namespace) -> benchmarks.match.Match:
    """The match as `benchmarks.match` plays it: GNU Go at its level, its own referee."""
    gnugo = find_gnugo() or "gnugo"
    return benchmarks.match.Match(
        match.games,
        (gnugo, "--mode", "gtp", "--level", str(match.level), "--chinese-rules"),
        f"GNU Go level {match.level}",
        match.out_dir,
        match.move_cap,
        match.temperature,
        match.seed,
        referee="opponent",
        weights=args.weights,
        threads=args.threads,
    )


def main(argv: list[str] | None = None) -> int:
    match, args = parse_args(argv)
    status = benchmarks.match.run(general(match, args), args.jobs, args.out)
    if status == 0:
        reproduce = (
            f"Reproduce: `python -m benchmarks.vs_gnugo --games {match.games} "
            f"--level {match.level} --temperature {match.temperature:g} --seed {match.seed} "
            "--jobs 2 --record`"
        )
        write_atomically(args.out, f"{args.out.read_text()}{ANCHORS}\n\n{reproduce}\n")
    return status


if __name__ == "__main__":
    sys.exit(main())
