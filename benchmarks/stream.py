"""Positions straight from game records (alphago_policy.stream) against prepared shards.

    python -m benchmarks.stream [--data ../shared/data/sgf] [--files 512] [--record]

Measures, on this machine:
1. how long reading the whole collection's records into memory takes (the only pass before
   the first training step);
2. positions per second one worker core computes (replay + 48 planes + coding, the stream's
   `positions_of`), pinned to one core;
3. positions per second the prepared-shard loader gathers and decodes on one core, on the
   same games prepared into a temporary directory;
4. from those, how many worker cores keep the trainer busy: the trainer's rate is the one
   measured by `python -m benchmarks.cpu_training` (k=64, bf16, per thread count), so the
   answer for 2 cores and for 16 is arithmetic on measured rates, said as such.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from itertools import islice
from pathlib import Path

from alphago_policy.dataset import make_loader
from alphago_policy.prepare import PrepareSettings, prepare
from alphago_policy.stream import Records, positions_of
from benchmarks.common import (
    add_output_arguments,
    command_line,
    machine,
    page,
    pin_to_one_core,
    publish,
    results_page,
    table,
)

TRAINER_RATES = {  # k=64 bf16 AdamW batch 128 positions/s: benchmarks/results/cpu_training.md
    "2 cores (1 trainer thread, 1 worker)": (1, 753),
    "16 cores (1 GPU trainer, 15 workers)": (15, 40_000),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default="../shared/data/sgf", help="game records")
    parser.add_argument("--files", type=int, default=512, help="files timed per worker")
    add_output_arguments(parser)
    args = parser.parse_args(argv)

    started = time.perf_counter()
    records = Records.read([args.data])
    read_seconds = time.perf_counter() - started
    pinned = pin_to_one_core()
    sample = records.files[: args.files]
    positions_of(sample[:4], "train", (1.0, 0.0, 0.0))  # compile / load the numba kernels
    started = time.perf_counter()
    codes, _, _ = positions_of(sample, "train", (1.0, 0.0, 0.0))
    stream_rate = len(codes) / (time.perf_counter() - started)

    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp) / "games"
        directory.mkdir()
        for number, file in enumerate(sample):
            (directory / f"{number:06d}.sgf").write_bytes(file.data)
        out = Path(tmp) / "prepared"
        settings = PrepareSettings((str(directory),), str(out), 1, fractions=(1, 0, 0))
        prepare(settings, progress=False)
        loader = make_loader(out, "train", 256, seed=0)
        next(loader)
        batches = 50
        started = time.perf_counter()
        for _ in islice(loader, batches):
            pass
        shard_rate = batches * 256 / (time.perf_counter() - started)

    rows = [
        ["records read into memory", f"{len(records.files):,} files", f"{read_seconds:.1f} s"],
        ["stream: positions per worker core", f"{len(codes):,} positions", f"{stream_rate:,.0f}/s"],
        ["prepared shards: gather + decode, one core", f"{batches * 256:,} positions",
         f"{shard_rate:,.0f}/s"],
    ]  # fmt: skip
    busy = [
        [where, f"{trainer:,}/s", f"{workers}", f"{workers * stream_rate:,.0f}/s",
         "yes" if workers * stream_rate >= trainer else "no"]
        for where, (workers, trainer) in TRAINER_RATES.items()
    ]  # fmt: skip
    text = page(
        "# Training positions straight from game records, beside prepared shards",
        [f"data: {args.data}; the first {len(sample)} files for the per-core rates"],
        table(["what", "amount", "time or rate"], rows, align="lrr"),
        "Does the stream keep the trainer busy? (trainer rates: k=64 bf16 measured on the CPU "
        "by benchmarks/cpu_training; 40,000/s is the GPU target of benchmarks/loader; "
        "worker rate as measured above, assuming it scales with cores)",
        table(["machine", "trainer needs", "workers", "stream gives", "busy"], busy, "lrrrl"),
        host=machine("cpu", pinned + " after reading the records"),
        command=command_line("stream", argv),
    )
    publish(results_page(args, "stream"), text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
