"""Training speed of the policy network next to its compute roofline, measured in one run.

    python -m benchmarks.train_throughput [--device cuda] [--batch 256 1024] [--compile]
                                          [--data DIR] [--record]

A training position costs 3 x 2 x MACs floating-point operations (the forward pass, and the
backward pass at twice the forward), MACs from `cnn.summary`: 8.4 GFLOP for k=192. The run
1. measures the device's real matrix rate: a large square matmul (bf16 on cuda, float32 on
   the CPU), FLOP/s;
2. times training steps (alphago_policy.train.train_step: the step `train` runs, with bf16
   autocast and channels_last on cuda, SGD) at each batch size, on a fixed batch of real
   positions from the fixture games, or with `--data DIR` on batches from the real loader
   (make_loader, codes expanded on the device) to include its cost;
3. reports positions/s, the FLOP/s they mean, and their fraction of the matmul rate (the
   best product timed before and after the steps: other jobs on a shared machine slow both).
With `--record` the results replace this device kind's section of
benchmarks/results/train_throughput.md; a trial's go to runs/benchmarks/train_throughput.md.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

import cnn
from alphago_policy import train as tr
from alphago_policy.cli import add_device, add_threads, checked_device, fail
from alphago_policy.dataset import make_loader
from alphago_policy.policy import ARCHITECTURE, build
from benchmarks.common import (
    add_output_arguments,
    command_line,
    machine,
    page,
    publish,
    results_page,
    table,
)
from benchmarks.inference import positions
from sgf_data.features import planes


def flop_per_position(k: int) -> float:
    """Training FLOPs per position: forward + backward (2x forward), 2 FLOPs per MAC."""
    return 3 * 2 * cnn.summary(ARCHITECTURE, (48, 19, 19), k=k).macs


def matmul_rate(device: torch.device, size: int, repeats: int = 10) -> tuple[float, str]:
    """FLOP/s of a size x size matmul (bf16 on cuda, float32 on the CPU): the best of
    `repeats` timed products, the rate the hardware reaches when nothing else interferes."""
    dtype = torch.bfloat16 if device.type == "cuda" else torch.float32
    a = torch.randn(size, size, device=device, dtype=dtype)
    b = torch.randn(size, size, device=device, dtype=dtype)
    seconds = min(timed(lambda: a @ b, device, warmup=1, repeats=1) for _ in range(repeats))
    return 2 * size**3 / seconds, f"{size}x{size} {str(dtype).removeprefix('torch.')} matmul"


def timed(step, device: torch.device, warmup: int, repeats: int) -> float:
    """Mean seconds of `step()` over `repeats` calls after `warmup` calls."""
    for _ in range(warmup):
        step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(repeats):
        step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return (time.perf_counter() - start) / repeats


def batches(settings: tr.Settings, device: torch.device, batch: int, data: str | None):
    """An endless supply of (x, y): the real loader, or one fixed batch of fixture positions."""
    if data:
        return make_loader(data, "train", batch, seed=settings.seed, device=device)
    boards = positions()
    x = torch.from_numpy(np.stack([planes(p) for p in boards])).float()
    rng = np.random.default_rng(0)
    index = torch.from_numpy(rng.integers(0, len(boards), batch))
    fixed = (x[index].to(device), torch.from_numpy(rng.integers(0, 361, batch)).to(device))
    return iter(lambda: fixed, None)


def step_rate(settings: tr.Settings, device, batch: int, data, warmup: int, steps: int) -> float:
    """Training positions per second at this batch size."""
    torch.manual_seed(0)
    model = build(settings.k)
    model = model.to(device, memory_format=tr.memory_format(device, settings))
    net = torch.compile(model) if settings.compile else model
    optimizer = tr.make_optimizer(model, settings)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda _: 1.0)
    supply = batches(settings, device, batch, data)

    def step() -> None:
        tr.train_step(net, optimizer, scheduler, *next(supply), settings)

    return batch / timed(step, device, warmup, steps)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_device(parser, default="cpu")
    parser.add_argument("--k", type=int, default=192)
    parser.add_argument(
        "--batch", type=int, nargs="+", help="batch sizes (cpu: 16; cuda: 256 1024)"
    )
    parser.add_argument("--steps", type=int, help="timed steps per batch size (cpu 3, cuda 30)")
    parser.add_argument("--compile", action="store_true", help="torch.compile the network")
    parser.add_argument("--data", help="a prepared data directory: time the real loader too")
    add_threads(parser, default=None)
    add_output_arguments(parser)
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    try:
        device = torch.device(checked_device(args.device))
    except ValueError as error:
        return fail(error)
    gpu = device.type == "cuda"
    if gpu:
        torch.backends.cudnn.benchmark = True
        torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = True
    sizes = args.batch or ([256, 1024] if gpu else [16])
    steps = args.steps or (30 if gpu else 3)
    settings = tr.Settings(k=args.k, compile=args.compile, device=device.type)

    per_position = flop_per_position(args.k)
    peak, peak_name = matmul_rate(device, 8192 if gpu else 2048)
    rows = []
    for batch in sizes:
        rate = step_rate(settings, device, batch, args.data, 10 if gpu else 1, steps)
        rows.append((batch, rate, rate * per_position))
        print(f"batch {batch}: {rate:,.0f} positions/s, {rate * per_position / 1e12:.2f} TFLOP/s")
    peak = max(peak, matmul_rate(device, 8192 if gpu else 2048)[0])  # before and after: the best

    precision = "bf16 autocast, channels_last" if gpu else "float32"
    text = page(
        f"## {device.type}",
        [
            f"network: k={args.k}; {per_position / 1e9:.2f} GFLOP per training position "
            "(3 x 2 x cnn.summary multiply-adds)",
            f"step: train_step, SGD, {precision}, compile {args.compile}; "
            + (
                f"real loader from {args.data}"
                if args.data
                else "a fixed batch of fixture positions"
            ),
            f"matrix rate measured in this run: {peak / 1e12:.2f} TFLOP/s ({peak_name})",
        ],
        table(
            ["batch", "positions/s", "TFLOP/s", "fraction of the matmul rate"],
            (
                [batch, f"{rate:,.1f}", f"{flops / 1e12:.3f}", f"{flops / peak:.1%}"]
                for batch, rate, flops in rows
            ),
            align="rrrr",
        ),
        host=machine(device.type),
        command=command_line("train_throughput", argv),
    )
    title = "# Policy network training throughput against the FLOP roofline"
    publish(results_page(args, "train_throughput"), text, title)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
