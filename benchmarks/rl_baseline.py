"""Whether a baseline helps REINFORCE: two self-play RL runs from one SL network, alike but for
`--baseline` (none: the paper's z = +1 / -1; mean: z less the iteration's mean z), each ending
with a match against their common start.

    python -m benchmarks.rl_baseline [--start training/rl_k32/sl_start.pt] [--iterations 10]
        [--games 128] [--match-games 400] [--root runs/rl_baseline] [--record]

Both runs play the same first iteration (same network, same seed) and then part as their
updates differ; everything else (learning rate, pool, games per iteration, bf16) is the same.
A run interrupted is resumed where it stopped, a finished one is read, not run again. The page
gives, per arm, the learner's win rate against the start at the end (both sides sampling, a
Wilson 95% interval), how sharp its policy grew (the mean log-probability of its own moves),
and the time it took.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from alphago_policy import checkpoint as ckpt
from alphago_policy.cli import add_threads, fail, positive_int
from alphago_policy.policy import WeightsError
from alphago_policy.rl import SIGNAL_EXIT, Settings, SettingsError, rl_train
from alphago_policy.runlog import LOG, read_log
from benchmarks.common import (
    ROOT,
    add_output_arguments,
    command_line,
    machine,
    page,
    publish,
    results_page,
    shown,
    table,
)

NAME = "rl_baseline"
ARMS = ("none", "mean")


def run_arm(settings: Settings) -> str:
    """Run (or resume, or leave as it is when finished) one arm; the reason it stopped."""
    out = Path(settings.out)
    if finished(out):
        return "iterations"
    return rl_train(settings, resume=ckpt.path_of(out).exists())["reason"]


def finished(out: Path) -> bool:
    """Whether the run in `out` last ended with its iterations done (and its match played)."""
    if not (out / LOG).exists():
        return False
    ends = [r for r in read_log(out / LOG) if r["event"] == "end"]
    return bool(ends) and ends[-1]["reason"] == "iterations"


def row(arm: str, out: Path) -> list[str]:
    """An arm's figures from its log."""
    log = read_log(out / LOG)
    iterations = [r for r in log if r["event"] == "iteration"]
    match = [r for r in log if r["event"] == "match"][-1]
    seconds = sum(r["play_s"] + r["update_s"] for r in iterations)
    return [
        arm,
        f"{len(iterations)}",
        f"{iterations[-1]['games']:,}",
        f"{iterations[0]['mean_log_p']:.2f} -> {iterations[-1]['mean_log_p']:.2f}",
        f"{match['wins']} / {match['games']}",
        f"{match['win_rate']:.1%} [{match['low']:.1%}, {match['high']:.1%}]",
        f"{seconds / 60:.0f}",
    ]


def text_of(args: argparse.Namespace, argv: list[str] | None) -> str:
    rows = [row(arm, args.root / arm) for arm in ARMS]
    columns = ["baseline", "iterations", "games", "mean log p of its moves", "wins", "win rate"]
    return page(
        "# REINFORCE with and without a baseline",
        [
            f"start: {shown(Path(args.start))}",
            f"each arm: {args.iterations} iterations of {args.games} games, learning rate "
            f"{args.lr:g}, against the start alone (the pool grows every "
            f"{Settings.pool_every} iterations), then {args.match_games} games against it "
            "(both sampling)",
            f"runs: {shown(args.root)}/none and /mean",
        ],
        table([*columns, "minutes"], rows, "lrrrrrr"),
        "The mean log-probability is of the learner's own moves, first iteration -> last: it "
        "rises as the policy grows sharper, and a sharper policy alone beats a sampling one.",
        host=machine("cpu", "bf16 autocast where the CPU has it"),
        command=command_line(NAME, argv),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--start", default=str(ROOT / "training" / "rl_k32" / "sl_start.pt"))
    parser.add_argument("--iterations", type=positive_int, default=10)
    parser.add_argument("--games", type=positive_int, default=128, help="games per iteration")
    parser.add_argument("--lr", type=float, default=0.001)
    parser.add_argument("--match-games", type=positive_int, default=400)
    parser.add_argument("--max-moves", type=positive_int, default=Settings.max_moves)
    parser.add_argument("--root", type=Path, default=ROOT / "runs" / NAME, help="the two runs")
    add_threads(parser)
    add_output_arguments(parser)
    args = parser.parse_args(argv)
    for arm in ARMS:
        settings = Settings(
            start=args.start,
            out=str(args.root / arm),
            games=args.games,
            lr=args.lr,
            baseline=arm,
            iterations=args.iterations,
            match_games=args.match_games,
            max_moves=args.max_moves,
            device="cpu",
            threads=args.threads,
            engine_threads=1,
        )
        try:
            reason = run_arm(settings)
        except (SettingsError, ckpt.CheckpointError, WeightsError) as error:
            return fail(error)
        if reason != "iterations":
            print(f"{arm}: stopped ({reason}); run the same command to go on", file=sys.stderr)
            return SIGNAL_EXIT.get(reason, 1)
    publish(results_page(args, NAME), text_of(args, argv))
    return 0


if __name__ == "__main__":
    sys.exit(main())
