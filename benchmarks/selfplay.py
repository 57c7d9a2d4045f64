"""Batched self-play: games and moves per second of `alphago_policy.selfplay.play_games`, and
what share the rules and planes take against the network's forward passes.

    python -m benchmarks.selfplay [--device cuda] [--games 32 4] [--record]

For each width, `--games` games are played at once from the empty board to their end (both
sides the same network, sampling, with the sensible-moves rule and komi 7.5), then the RL
update (`alphago_policy.rl.reinforce`) is timed on the first side's moves: the figures an RL
iteration is made of. k=32 plays the SL network RL starts from (training/rl_k32/sl_start.pt),
k=192 the shipped network (alphago_policy/weights/policy.pt), so the games have their real
length. With `--record` the results replace this device kind's section of
benchmarks/results/selfplay.md; a trial's go to runs/benchmarks/selfplay.md.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch

from alphago_policy.policy import DEFAULT_WEIGHTS, load_policy
from alphago_policy.rl import Settings, advantages, reinforce
from alphago_policy.selfplay import Precision, alternating_colours, play_games, set_engine_threads
from benchmarks.common import (
    add_output_arguments,
    command_line,
    machine,
    publish,
    results_page,
    table,
    utc_now,
)

ROOT = Path(__file__).resolve().parents[1]
NETWORKS = {32: ROOT / "training" / "rl_k32" / "sl_start.pt", 192: DEFAULT_WEIGHTS}
TITLE = "# Batched self-play: games and moves per second"


def measure(
    k: int, games: int, device: str, precision: Precision, update_batch: int
) -> list[object]:
    """Play `games` games at once with the width-k network and one RL update; a table row."""
    model = load_policy(NETWORKS[k], device).model
    torch.manual_seed(0)
    play_games(model, model, alternating_colours(2), precision, max_moves=4)  # warm up
    result = play_games(model, model, alternating_colours(games), precision, record=True)
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-9)
    started = time.perf_counter()
    reinforce(
        model,
        optimizer,
        result.record,
        advantages(result.first_won, "none"),
        Settings(update_batch=update_batch),
        precision,
    )
    if device == "cuda":
        torch.cuda.synchronize()
    update = time.perf_counter() - started
    learner_moves = len(result.record.arrays()[1])
    total = result.seconds + update
    return [
        k,
        games,
        f"{result.plies.mean():.0f}",
        f"{games / result.seconds:.3f}",
        f"{result.positions / result.seconds:,.0f}",
        f"{100 * result.engine_seconds / result.seconds:.0f}%",
        f"{result.positions / result.engine_seconds:,.0f}",
        f"{learner_moves / update:,.0f}",
        f"{games / total:.3f}",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--device", default="cpu", choices=("cpu", "cuda"))
    parser.add_argument("--k", type=int, nargs="+", default=[32, 192], choices=sorted(NETWORKS))
    parser.add_argument(
        "--games", type=int, nargs="+", default=[32, 4], help="games at once, one per --k"
    )
    parser.add_argument("--threads", type=int, default=1, help="torch threads")
    parser.add_argument("--engine-threads", type=int, default=1, help="numba threads")
    parser.add_argument("--no-bf16", dest="bf16", action="store_false")
    parser.add_argument(
        "--update-batch", type=int, default=256, help="positions per pass of the update"
    )
    add_output_arguments(parser)
    args = parser.parse_args(argv)
    if len(args.games) != len(args.k):
        parser.error(f"--games needs one number per --k ({len(args.k)})")
    set_engine_threads(args.engine_threads)
    torch.set_num_threads(args.threads)
    precision = Precision(bf16=args.bf16)
    rows = [
        measure(k, n, args.device, precision, args.update_batch)
        for k, n in zip(args.k, args.games, strict=True)
    ]
    bf16 = precision.bf16_on(torch.device(args.device))
    lines = [
        f"## {args.device}",
        "",
        f"- date: {utc_now()}",
        f"- machine: {machine(args.device, f'{args.engine_threads} numba engine threads')}",
        f"- precision: {'bfloat16 autocast, channels_last' if bf16 else 'float32'}",
        "- games: both sides the same network, sampling at temperature 1 among sensible moves, "
        "from the empty board to two passes; komi 7.5",
        "- engine: the rules and the 48 planes of every game, one compiled call per ply",
        f"- update: the REINFORCE step on the first side's moves (forward and backward, "
        f"{args.update_batch} positions a pass)",
        "",
        *table(
            [
                "k",
                "games at once",
                "plies per game",
                "games/s (play)",
                "moves/s",
                "engine share",
                "engine positions/s",
                "update positions/s",
                "games/s (play + update)",
            ],
            rows,
        ),
        "",
        f"Reproduce: `{command_line('selfplay', argv)}`",
    ]
    publish(results_page(args, "selfplay"), "\n".join(lines), TITLE)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
