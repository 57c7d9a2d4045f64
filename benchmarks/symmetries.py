"""Averaging the network over the board's 8 symmetries, and bfloat16 inference: what each
changes in move prediction and in the time of a move.

    python -m benchmarks.symmetries [--data ../shared/data/sgf] [--games 500] [--record]
        [--device cpu|cuda] [--bf16-only]

One pass over the test positions of the first --games test games (as `evaluate --split test
--max-games N` reads them) computes, for every batch: the float32 network on the 8 turned
boards (the first, turned by the identity, is the plain network), their softmaxes turned back
and averaged (`--symmetries 8`), and the plain network under bfloat16 autocast. It reports
top-1/top-5/NLL of the plain and the averaged network (`evaluate`'s tally), and how often
bfloat16 picks the same move as float32 (the arg max of all 361 outputs). The page is written
after every chunk of games, so a run cut short leaves its figures so far, saying how many games.
Then the latency of `genmove` and of the network's probabilities on the fixture positions
(`benchmarks.genmove`'s), one torch thread, for float32 and bfloat16, 1 and 8 symmetries.

`--bf16-only` leaves the averaging out: two forward passes a position, so the CPU's bfloat16
can be compared on many games. The 500 games' ten forward passes a position are hours of a
CPU's time: `--device cuda` runs the pass over the test positions on a GPU (its bfloat16
figure is then the GPU's, and the page says so); the latencies stay the CPU's.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys

import torch

from alphago_policy.cli import add_device, checked_device, fail, positive_int
from alphago_policy.evaluate import Tally, format_table, open_batches
from alphago_policy.game import Game
from alphago_policy.policy import Policy, WeightsError, load_policy
from alphago_policy.runtime import cpu_has_bf16
from alphago_policy.symmetries import MOVE, NUM_SYMMETRIES, transform
from benchmarks.common import (
    add_output_arguments,
    command_line,
    machine,
    results_page,
    utc_now,
    write_atomically,
)
from sgf_data import LoadSummary

NAME = "symmetries"
CHUNK_POSITIONS = 5000  # the page is rewritten after about this many positions


@dataclasses.dataclass
class Figures:
    """The running figures of the pass over the test positions."""

    plain: Tally = dataclasses.field(default_factory=Tally)
    averaged: Tally = dataclasses.field(default_factory=Tally)
    bf16: Tally = dataclasses.field(default_factory=Tally)
    same_move: int = 0
    positions: int = 0
    computed_on: str = "the CPU"


@torch.inference_mode()
def add_batch(
    model: torch.nn.Module, x: torch.Tensor, labels, moves, figures: Figures, turns: int
) -> None:
    """Count one batch of positions in every tally (the average over the first `turns`
    symmetries: 8, or 1 where only bfloat16 is compared)."""
    back = torch.from_numpy(MOVE[:, :361]).to(x.device)
    total = 0
    for k in range(turns):
        logits = model(transform(x, k).contiguous()).float()
        if k == 0:
            plain = logits
        total = total + logits.softmax(1)[:, back[k]]
    with torch.autocast(x.device.type, torch.bfloat16):
        bf16 = model(x).float()
    figures.plain.add(plain, labels, moves)
    if turns == NUM_SYMMETRIES:
        figures.averaged.add((total / NUM_SYMMETRIES).log(), labels, moves)
    figures.bf16.add(bf16, labels, moves)
    figures.same_move += int((bf16.argmax(1) == plain.argmax(1)).sum())
    figures.positions += len(labels)


def latency(policy: Policy, count: int) -> list[list[str]]:
    """Rows: median seconds of the probabilities and of genmove, per precision and symmetry."""
    from benchmarks.genmove import samples, time_in_process

    positions = samples(4, 10)[:count]
    rows = []
    for bf16 in (False, True):
        for symmetries in (1, NUM_SYMMETRIES):
            variant = dataclasses.replace(policy, bf16=bf16, symmetries=symmetries)
            game = Game(variant, seed=0)
            time_in_process(game, positions[:2])  # warm: the kernels compile once
            times = time_in_process(game, positions)
            rows.append(
                [
                    "bfloat16" if bf16 else "float32",
                    symmetries,
                    f"{1000 * statistics.median(times['probabilities']):.0f}",
                    f"{1000 * statistics.median(times['genmove']):.0f}",
                ]
            )
    return rows


def page(figures: Figures, games: str, source: str, policy: Policy, timing: list) -> str:
    same = figures.same_move / max(figures.positions, 1)
    lines = [
        "# 8-symmetry averaging and bfloat16 inference",
        "",
        f"- date: {utc_now()}",
        f"- machine: {machine()}",
        f"- network: {policy.description}",
        f"- positions: {figures.positions:,} of {games} ({source}), pass moves left out",
        f"- move prediction computed on {figures.computed_on}",
        "",
        "## Move prediction",
        "",
        "float32, the plain network:",
        "",
        "```",
        format_table(figures.plain.rows()),
        "```",
        "",
        *(
            [
                "float32, averaged over the 8 symmetries (`--symmetries 8`):",
                "",
                "```",
                format_table(figures.averaged.rows()),
                "```",
                "",
            ]
            if figures.averaged.positions.sum()
            else []
        ),
        f"bfloat16 autocast on {figures.computed_on}, the plain network:",
        "",
        "```",
        format_table(figures.bf16.rows()),
        "```",
        "",
        f"**bfloat16 picks the same move as float32 (arg max of the 361 outputs) in "
        f"{100 * same:.2f}% of the positions** (threshold for using it in play: 99%).",
        "",
    ]
    if timing:
        lines += [
            "## Time of a move (one torch thread, fixture positions, median)",
            "",
            "| precision | symmetries | probabilities ms | genmove ms |",
            "|---|---:|---:|---:|",
            *(f"| {' | '.join(map(str, row))} |" for row in timing),
            "",
            "genmove includes the 200 playouts behind the choice to pass (see genmove.md).",
            "",
        ]
    lines += [f"Reproduce: `{command_line(NAME)}`", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default="../shared/data/sgf", help="game records")
    parser.add_argument("--games", type=positive_int, default=500, help="first N test games")
    parser.add_argument("--weights", help="weights file (default: the shipped network)")
    parser.add_argument("--batch-size", type=positive_int, default=64)
    parser.add_argument("--threads", type=positive_int, default=1, help="torch threads")
    parser.add_argument("--latency-positions", type=int, default=30)
    parser.add_argument(
        "--bf16-only",
        action="store_true",
        help="compare bfloat16 with float32 only (2 forward passes a position, not 10): the "
        "CPU's bf16 question on many games in minutes",
    )
    add_device(parser, "cpu")
    add_output_arguments(parser)
    args = parser.parse_args(argv)
    try:
        device = checked_device(args.device)
    except ValueError as error:
        return fail(error)
    if device == "cpu" and not cpu_has_bf16():
        return fail("this CPU has no bf16 instructions (AVX512-BF16 or AMX): nothing to compare")
    torch.set_num_threads(args.threads)
    request = argparse.Namespace(
        data=[args.data], split="test", max_games=args.games, batch_size=args.batch_size
    )
    summary, skipped = LoadSummary(), []
    try:
        policy = load_policy(args.weights, device)
        _, source, batches = open_batches(request, device, summary, skipped)
    except (FileNotFoundError, ValueError, WeightsError) as error:
        return fail(error)
    out, figures, written = results_page(args, NAME), Figures(), 0
    if device == "cuda":
        figures.computed_on = torch.cuda.get_device_name()
        torch.backends.cudnn.allow_tf32 = False  # float32 as a CPU computes it, not TF32
        torch.backends.cuda.matmul.allow_tf32 = False
    for x, labels, moves in batches:
        turns = 1 if args.bf16_only else NUM_SYMMETRIES
        add_batch(policy.model, x, labels, moves, figures, turns)
        if figures.positions - written >= CHUNK_POSITIONS:
            written = figures.positions
            so_far = f"the first {args.games} test games (run in progress)"
            write_atomically(out, page(figures, so_far, source, policy, []))
            print(f"{figures.positions:,} positions", file=sys.stderr, flush=True)
    on_cpu = dataclasses.replace(policy, model=policy.model.cpu())
    timing = latency(on_cpu, args.latency_positions) if args.latency_positions else []
    text = page(figures, f"the first {args.games} test games", source, policy, timing)
    print(text)
    write_atomically(out, text)
    print(f"written to {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
