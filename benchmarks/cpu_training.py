"""CPU training throughput of the policy network, float32 against bf16 autocast, k=32..192.

    python -m benchmarks.cpu_training [--k 32 64 128 192] [--threads 1 2] [--record]

One full AdamW training step (`alphago_policy.train.train_step`, as `train` runs it) on a
fixed batch of real fixture positions, in float32 and in bf16 autocast with channels_last,
for each width and thread count. bf16 pays only where the processor has bf16 instructions
(AVX512-BF16 or AMX); `train` uses it there and says so in its log.
"""

from __future__ import annotations

import argparse

import torch

from alphago_policy import train as tr
from alphago_policy.cli import add_threads
from alphago_policy.runtime import cpu_has_bf16
from benchmarks.common import (
    add_output_arguments,
    command_line,
    machine,
    page,
    publish,
    results_page,
    table,
)
from benchmarks.train_throughput import step_rate

COLUMNS = ["threads", "k", "float32 positions/s", "bf16 positions/s", "bf16 gain"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--k", type=int, nargs="+", default=[32, 64, 128, 192])
    add_threads(parser, default=[1, 2], note="each count in turn", many=True)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--steps", type=int, default=4, help="timed steps per figure")
    add_output_arguments(parser)
    args = parser.parse_args(argv)
    cpu = torch.device("cpu")
    rows = []
    for threads in args.threads:
        torch.set_num_threads(threads)
        for k in args.k:
            rates = []
            for bf16 in (False, True):
                settings = tr.Settings(k=k, bf16=bf16, optimizer="adamw", lr=1e-3, device="cpu")
                rates.append(step_rate(settings, cpu, args.batch, None, 1, args.steps))
            rows.append([threads, k, f"{rates[0]:,.0f}", f"{rates[1]:,.0f}",
                         f"{rates[1] / rates[0]:.2f}x"])  # fmt: skip
            print(*rows[-1], flush=True)
    text = page(
        "# CPU training throughput: float32 against bf16 autocast",
        [
            f"step: AdamW, batch {args.batch}, fixed batch of fixture positions, "
            f"{args.steps} timed steps after one warm-up"
        ],
        table(COLUMNS, rows, align="rrrrr"),
        host=f"{machine('cpu')}; bf16 instructions: {cpu_has_bf16()}",
        command=command_line("cpu_training", argv),
    )
    publish(results_page(args, "cpu_training"), text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
