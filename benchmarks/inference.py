"""Policy network inference: latency of one position and throughput of a batch, beside the
paper's 3 ms per evaluation (main text; 4.8 ms for k=192 in Extended Data Table 3, 2015 GPUs).

    python -m benchmarks.inference [--device cuda] [--k 192] [--batch 256] [--record]

Positions are real: every 10th position of the games in tests/fixtures/games. Timed, each as
the median over repeats after a warm-up:
- features + forward, batch 1: `Policy.probabilities(position)` (the 48 planes, the network,
  the softmax over legal points: what a player waits for);
- forward alone, batch 1;
- forward at batch `--batch`: positions per second.
On cuda each runs in float32 and in bfloat16 autocast with channels_last. The network has
random weights (speed does not depend on them). With `--record` the results replace this
device kind's section of benchmarks/results/inference.md (with machine, load, date); a trial's
go to runs/benchmarks/inference.md.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path

import numpy as np
import torch

from alphago_policy.cli import add_device, add_threads, checked_device, fail
from alphago_policy.policy import Policy, build
from benchmarks.common import (
    add_output_arguments,
    command_line,
    machine,
    page,
    publish,
    results_page,
    table,
)
from sgf_data import read_games
from sgf_data.features import planes

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "games"
PAPER_MS = 3.0
PAPER_TABLE_MS = 4.8


def positions(every: int = 10) -> list:
    """Every `every`-th position of the fixture games (copies)."""
    chosen = []
    for game in read_games(FIXTURES):
        chosen += [p.copy() for n, (p, _) in enumerate(game.replay()) if n % every == 0]
    return chosen


def median_seconds(function: Callable[[], object], device: torch.device, repeats: int) -> float:
    """Median wall time of `function()` over `repeats` runs after 3 warm-up runs."""

    def once() -> float:
        start = time.perf_counter()
        function()
        if device.type == "cuda":
            torch.cuda.synchronize()
        return time.perf_counter() - start

    for _ in range(3):
        once()
    return statistics.median(once() for _ in range(repeats))


def time_one(policy: Policy, boards: list, big: torch.Tensor, fast: bool, repeats: int) -> dict:
    """The three timings of one network, in float32 or in bf16 autocast with channels_last."""
    device = policy.device
    fmt = torch.channels_last if fast else torch.contiguous_format
    policy.model.to(memory_format=fmt)
    order = iter(range(10**9))

    def one_position() -> None:
        policy.probabilities(boards[next(order) % len(boards)])

    @torch.inference_mode()
    def forward(x: torch.Tensor) -> None:
        policy.model(x.contiguous(memory_format=fmt))

    with torch.autocast("cuda", dtype=torch.bfloat16) if fast else nullcontext():
        full = median_seconds(one_position, device, repeats)
        alone = median_seconds(lambda: forward(big[:1]), device, repeats)
        batched = median_seconds(lambda: forward(big), device, max(3, repeats // 10))
    return {
        "precision": "bf16, channels_last" if fast else "float32",
        "features_forward_ms": 1000 * full,
        "forward_ms": 1000 * alone,
        "batch_positions_per_s": len(big) / batched,
    }


def measure(k: int, device: torch.device, batch: int, repeats: int) -> list[dict]:
    """One row per precision (float32; also bf16 on cuda)."""
    boards = positions()
    stacked = torch.from_numpy(np.stack([planes(p) for p in boards])).float()
    big = stacked[torch.arange(batch) % len(stacked)].to(device)
    torch.manual_seed(0)
    policy = Policy(build(k).to(device).eval(), False, "benchmark", k, {})
    kinds = [False, True] if device.type == "cuda" else [False]
    return [time_one(policy, boards, big, fast, repeats) for fast in kinds]


def section(device: torch.device, k: int, batch: int, rows: list[dict]) -> str:
    """This run's results as a markdown section titled by the device kind."""
    return page(
        f"## {device.type}",
        [
            f"network: k={k}, random weights; positions: every 10th of the fixture games",
            f"paper: {PAPER_MS} ms per evaluation (main text), {PAPER_TABLE_MS} ms for k=192 "
            "(Extended Data Table 3), on 2015 GPUs",
        ],
        table(
            [
                "precision",
                "features + forward, batch 1 (ms)",
                "forward, batch 1 (ms)",
                "ours / paper's 3 ms (batch 1)",
                f"forward, batch {batch} (positions/s)",
            ],
            (
                [
                    r["precision"],
                    f"{r['features_forward_ms']:.2f}",
                    f"{r['forward_ms']:.2f}",
                    f"{r['forward_ms'] / PAPER_MS:.2f}x",
                    f"{r['batch_positions_per_s']:,.0f}",
                ]
                for r in rows
            ),
        ),
        host=machine(device.type),
        command=command_line("inference"),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_device(parser, default="cpu")
    parser.add_argument("--k", type=int, default=192)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=50)
    add_threads(parser, default=None)
    add_output_arguments(parser)
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    try:
        device = torch.device(checked_device(args.device))
    except ValueError as error:
        return fail(error)
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True
    rows = measure(args.k, device, args.batch, args.repeats)
    text = section(device, args.k, args.batch, rows)
    title = "# Policy network inference: latency and throughput"
    publish(results_page(args, "inference"), text, title)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
