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
from alphago_policy.cli import add_temperature, add_threads, add_weights, positive_int
from benchmarks.common import command_line, shown
from benchmarks.gnugo import find_gnugo
from benchmarks.match import MOVE_CAP_DEFAULT

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


def parse_args(argv: list[str] | None) -> tuple[Match, argparse.Namespace]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--games", type=positive_int, default=4, help="games in the match (default 4)"
    )
    parser.add_argument("--level", type=int, default=1, help="GNU Go level, 0-10 (default 1)")
    parser.add_argument(
        "--move-cap",
        type=positive_int,
        default=MOVE_CAP_DEFAULT,
        help=f"moves after which a game ends without two passes (default {MOVE_CAP_DEFAULT})",
    )
    add_temperature(parser)
    parser.add_argument(
        "--seed",
        type=int,
        default=0,
        help="game n's seed is this and n: GNU Go's, the sampling's, the playouts' (default 0)",
    )
    add_weights(parser)
    add_threads(parser, note="per job")
    parser.add_argument(
        "--jobs", type=positive_int, default=1, help="games played at once (default 1)"
    )
    parser.add_argument(
        "--record",
        action="store_true",
        help=f"a match to keep: the summary to {shown(RECORDED)}, the games beside it",
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


def reproduce(match: Match, weights: str | None, recorded: bool) -> str:
    """The command that plays this match again: with --record only for a recorded match (a
    trial run again must not replace the recorded page).

    >>> trial = reproduce(Match(2, 10, 400, 0.0, 0, Path("runs")), "w.pt", recorded=False)
    >>> trial.removeprefix("python -m benchmarks.vs_gnugo ")
    '--games 2 --level 10 --temperature 0 --seed 0 --weights w.pt --jobs 2'
    """
    words = ["--games", match.games, "--level", match.level]
    words += ["--temperature", f"{match.temperature:g}", "--seed", match.seed]
    if match.move_cap != MOVE_CAP_DEFAULT:
        words += ["--move-cap", match.move_cap]
    if weights is not None:
        words += ["--weights", weights]
    words += ["--jobs", 2, *(["--record"] if recorded else [])]
    return command_line("vs_gnugo", list(map(str, words)))


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
    command = reproduce(match, args.weights, args.record)
    return benchmarks.match.run(general(match, args), args.jobs, args.out, command, [ANCHORS])


if __name__ == "__main__":
    sys.exit(main())
