"""Time `review`: how long the network takes to review a whole game, beside the 10 s that a
250-move game may take on a 2-core CPU.

    nice python -m benchmarks.review [--games 5] [--threads N] [--weights W] [--record]

The games are the first `--games` held-out fixtures (tests/fixtures/held_out: real 9-dan games
of 170 to 320 moves). Each is reviewed as the command reviews it, in this process, after one
warm-up review (the numba kernels compiled, torch's buffers sized): `review_game` (the feature
planes of every position once, then the network in batches, in float32 as `evaluate` runs it),
then both players' summaries and the annotated SGF. Timed per game, in wall and CPU seconds:
the planes alone, the whole review, the summary and the SGF. Then the same positions through
the network alone in float32 and in bfloat16 autocast: what bf16 would gain, and at how many
positions it changes the network's favourite legal point (the review uses float32, whose
figures are evaluate's). `--record` writes benchmarks/results/review.md (a trial goes to
runs/benchmarks/review.md).
"""

from __future__ import annotations

import argparse
import time
from itertools import islice
from pathlib import Path

import numpy as np
import torch

from alphago_policy.agreement import BATCH_SIZE, game_planes, review_game
from alphago_policy.annotate import annotated
from alphago_policy.cli import add_threads, add_weights
from alphago_policy.policy import Policy, load_policy
from alphago_policy.review import summary_text
from benchmarks.common import (
    add_output_arguments,
    command_line,
    machine,
    publish,
    results_page,
    table,
    utc_now,
)
from sgf_data import read_games

ROOT = Path(__file__).resolve().parents[1]
HELD_OUT = ROOT / "tests" / "fixtures" / "held_out"
TARGET_MOVES, TARGET_SECONDS = 250, 10.0


class Clock:
    """Wall and CPU seconds since it was made."""

    def __init__(self) -> None:
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def read(self) -> tuple[float, float]:
        return time.perf_counter() - self.wall, time.process_time() - self.cpu


def review_once(policy: Policy, path: Path) -> dict[str, float]:
    """One game reviewed as the command does it, timed: planes, review, summary and SGF."""
    (record,) = read_games(path)
    clock = Clock()
    game_planes(record)
    planes_wall, _ = clock.read()
    clock = Clock()
    review = review_game(policy, record)
    review_wall, review_cpu = clock.read()
    clock = Clock()
    summaries = [review.summary(colour, 5) for colour in "bw"]
    annotated(path.read_bytes(), review, "bw", summary_text(review, summaries, 5), 5)
    write_wall, _ = clock.read()
    moves = len(record.moves)
    return {
        "moves": moves,
        "planes": planes_wall,
        "review": review_wall,
        "cpu": review_cpu,
        "write": write_wall,
        "whole": review_wall + write_wall,
    }


def network_alone(policy: Policy, paths: list[Path]) -> tuple[float, float, int, int]:
    """Positions per second of the network alone in float32 and in bf16 autocast over the
    games' positions, the positions, and at how many the favourite legal point differs."""
    features, legal = zip(*(game_planes(next(iter(read_games(p)))) for p in paths), strict=True)
    x, legal = np.concatenate(features), np.concatenate(legal).reshape(-1, 361)
    seconds, favourites = {}, {}
    for precision in ("float32", "bfloat16"):
        clock, logits = Clock(), []
        with torch.autocast("cpu", torch.bfloat16, enabled=precision == "bfloat16"):
            for start in range(0, len(x), BATCH_SIZE):
                logits.append(policy.logits(x[start : start + BATCH_SIZE]))
        seconds[precision] = clock.read()[0]
        favourites[precision] = np.where(legal, np.concatenate(logits), -np.inf).argmax(1)
    changed = int((favourites["float32"] != favourites["bfloat16"]).sum())
    return len(x) / seconds["float32"], len(x) / seconds["bfloat16"], len(x), changed


def section(policy: Policy, paths: list[Path], runs: list[dict], alone: tuple) -> str:
    """The results page's section for this machine."""
    rows = [
        [
            path.stem,
            run["moves"],
            f"{run['planes']:.2f}",
            f"{run['review']:.2f}",
            f"{run['cpu']:.2f}",
            f"{run['write']:.2f}",
            f"{run['whole']:.2f}",
            f"{run['moves'] / run['review']:.0f}",
        ]
        for path, run in zip(paths, runs, strict=True)
    ]
    moves = sum(run["moves"] for run in runs)
    whole = sum(run["whole"] for run in runs)
    cpu = TARGET_MOVES * sum(run["cpu"] for run in runs) / moves
    per_game = TARGET_MOVES * whole / moves
    float32_rate, bf16_rate, positions, changed = alone
    verdict = "within" if per_game < TARGET_SECONDS else "over"
    lines = [
        "## cpu",
        "",
        f"- date: {utc_now()}",
        f"- machine: {machine()}",
        f"- network: {policy.description}; batches of {BATCH_SIZE} positions, float32",
        f"- games: {len(runs)} held-out fixtures, {moves:,} moves; after one warm-up review",
        "",
        *table(
            [
                "game",
                "moves",
                "planes (s)",
                "review (s)",
                "review CPU (s)",
                "summary + SGF (s)",
                "whole (s)",
                "positions/s",
            ],
            rows,
        ),
        "",
        f"Seconds per game: {whole / len(runs):.2f} on average; at the measured "
        f"{moves / whole:.0f} positions/s a {TARGET_MOVES}-move game takes {per_game:.1f} s, "
        f"{verdict} the {TARGET_SECONDS:.0f} s target. The review's CPU time (all threads "
        f"together) is {cpu:.1f} s per {TARGET_MOVES} moves: where other jobs share the cores "
        "(see the load average), the wall time is that of this machine's load, not of the review.",
        "",
        f"The network alone on the same {positions:,} positions: {float32_rate:.0f} positions/s "
        f"in float32, {bf16_rate:.0f} in bfloat16 autocast ({bf16_rate / float32_rate:.1f}x), "
        f"which changes the favourite legal point at {changed} of them "
        f"({100 * changed / positions:.1f}%): the review keeps float32, whose figures are "
        "evaluate's.",
        "",
        f"Reproduce: `nice {command_line('review')}`",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--games", type=int, default=5, help="held-out games to review")
    add_threads(parser, default=None)
    add_weights(parser)
    add_output_arguments(parser)
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    policy = load_policy(args.weights)
    paths = list(islice(sorted(HELD_OUT.glob("*.sgf")), args.games))
    review_once(policy, paths[0])  # warm-up
    runs = [review_once(policy, path) for path in paths]
    text = section(policy, paths, runs, network_alone(policy, paths))
    title = "# review: a whole game reviewed by the policy network"
    publish(results_page(args, "review"), text, title)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
