"""Training data: positions per second of the loader, against the alternatives, and what
`prepare` costs (time and disk), projected to the 24 million positions of ../shared/data.

Rows, all on the same prepared data (``--data``, made by ``python -m alphago_policy prepare``):

- loader: `make_loader` batches (random gather from the memory-mapped shards + one of the
  8 symmetries per position + table expansion to float planes), on ``--device``;
- stored uint8 planes: the usual alternative (one byte per plane and point, as RocAlphaGo's
  HDF5 files): random gather of 17,328-byte rows + symmetries + float conversion;
- features on the fly: `sgf_data.features.planes` on the replayed games, one core (what a
  loader computing features while training would get per core).

Each row is the best of 3 timing windows. The loader rows time the loader alone: its output
buffers are reused from batch to batch and may stay in the CPU caches, which a training step,
reading them, would not allow.

    python -m benchmarks.loader --data data/tom-9d-2003 [--device cuda] [--record]

Prints a table with the machine and the date; `--record` writes it to
benchmarks/results/loader.md (a trial goes to runs/benchmarks/loader.md).
"""

from __future__ import annotations

import argparse
import itertools
import json
import tempfile
import time
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

import numpy as np
import torch

from alphago_policy import encoding, layout
from alphago_policy.cli import add_device, add_threads, checked_device
from alphago_policy.dataset import PositionDataset, make_loader
from alphago_policy.layout import ARRAY_DTYPES, SPLITS, shard_name, shard_path
from alphago_policy.symmetries import NUM_SYMMETRIES, transform
from benchmarks.common import (
    add_output_arguments,
    machine,
    page,
    publish,
    results_page,
    table,
    utc_now,
)
from sgf_data.features import planes
from sgf_data.reader import read_games

ALL_POSITIONS = 24_000_000  # the positions of ../shared/data (117k games)
GPU_MACHINE_CORES = 16
TARGET = 40_000  # positions/s the loader must feed to the GPU


@dataclass(frozen=True)
class Settings:
    data: Path
    device: str
    seconds: float
    batch_sizes: tuple[int, ...]
    feature_positions: int
    threads: int
    out: Path


@dataclass
class Row:
    label: str
    positions: int
    seconds: float
    note: str = ""

    @property
    def rate(self) -> float:
        return self.positions / self.seconds


def synchronize(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def timed(
    label: str, step, batch: int, seconds: float, device: str, note: str = "", rounds: int = 3
) -> Row:
    """The best of `rounds` windows of about `seconds` each, running `step()` (one batch)
    repeatedly after two warm-up batches: the best window is the one least disturbed by the
    other jobs of a shared machine."""
    step()
    step()
    best = None
    for _ in range(rounds):
        synchronize(device)
        start, count = time.perf_counter(), 0
        while time.perf_counter() - start < seconds:
            step()
            count += 1
        synchronize(device)
        row = Row(label, count * batch, time.perf_counter() - start, note)
        if best is None or row.rate > best.rate:
            best = row
    return best


def loader_rows(settings: Settings) -> list[Row]:
    rows = []
    variants = [
        ("float32", torch.float32, False),
        ("float32, channels_last", torch.float32, True),
        ("bfloat16, channels_last", torch.bfloat16, True),
    ]
    for batch in settings.batch_sizes:
        for name, dtype, channels_last in variants:
            loader = make_loader(
                settings.data,
                "train",
                batch,
                seed=0,
                device=settings.device,
                dtype=dtype,
                channels_last=channels_last,
            )
            rows.append(
                timed(
                    f"loader: batch {batch}, {name}",
                    lambda loader=loader: next(loader),
                    batch,
                    settings.seconds,
                    settings.device,
                )
            )
    return rows


def gather_row(settings: Settings, dataset: PositionDataset, batch: int) -> Row:
    rng = np.random.default_rng(0)

    def step():
        dataset.rows(rng.integers(0, len(dataset), batch), "codes", "labels")

    note = "memory-mapped shards, CPU"
    return timed(f"gather only: batch {batch}", step, batch, settings.seconds, "cpu", note)


def many_shards_row(settings: Settings, batch: int, shards: int = 1700) -> Row:
    """Gather from as many shards as the whole data set makes (24M positions, 128 games a
    shard), each of 200 synthetic positions: the cost is per shard touched, not per byte."""
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as scratch:
        records: list[layout.ShardRecord] = []
        for number in range(shards):
            name = shard_name(number)
            for array, dtype in ARRAY_DTYPES.items():
                path = shard_path(Path(scratch), "train", name, array)
                path.parent.mkdir(parents=True, exist_ok=True)
                np.save(path, np.zeros((200, 361) if array == "codes" else 200, dtype))
            positions = {split: 200 if split == "train" else 0 for split in SPLITS}
            games = {split: 0 for split in SPLITS}
            records.append(
                {
                    "shard": name,
                    "first_game": 0,
                    "game_ids": [],
                    "positions": positions,
                    "games": games,
                    "skipped": [],
                    "seconds": 0.0,
                }
            )
        run: layout.RunInfo = {
            "finished": utc_now(),
            "seconds": 0.0,
            "positions_computed": 200 * shards,
            "workers": 1,
        }
        identity = layout.identity([], 0, (1.0, 0.0, 0.0))
        manifest = layout.build_manifest(identity, records, games_read=0, skipped=[], run=run)
        layout.write_manifest(Path(scratch), manifest)
        dataset = PositionDataset(scratch, "train")

        def step():
            dataset.rows(rng.integers(0, len(dataset), batch), "codes", "labels")

        label = f"gather only, {shards:,} shards: batch {batch}"
        return timed(label, step, batch, settings.seconds, "cpu", "synthetic shards, CPU")


def plane_store_row(settings: Settings, dataset: PositionDataset, batch: int) -> Row:
    """The alternative: positions stored as uint8 planes (memory-mapped), augmented in torch."""
    count = min(len(dataset), 20_000)
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "planes.npy"
        stored = np.lib.format.open_memmap(path, "w+", np.uint8, (count, 48, 19, 19))
        for start in range(0, count, 1000):
            indices = np.arange(start, min(start + 1000, count))
            stored[indices] = encoding.decode(dataset.gather(indices, "codes"))
        stored.flush()
        stored = np.load(path, mmap_mode="r")
        rng = np.random.default_rng(0)
        device = settings.device

        def step():
            indices = np.sort(rng.integers(0, count, batch))
            x = torch.from_numpy(stored[indices]).to(device).float()
            ks = rng.integers(0, NUM_SYMMETRIES, batch)
            for k in range(NUM_SYMMETRIES):
                chosen = torch.from_numpy(np.flatnonzero(ks == k)).to(device)
                x[chosen] = transform(x[chosen], k).contiguous()
            return x

        note = f"{48 * 361:,} bytes/position on disk"
        label = f"stored uint8 planes: batch {batch}, float32"
        return timed(label, step, batch, settings.seconds, device, note)


def features_row(settings: Settings, manifest: dict) -> Row:
    """Features computed on the fly from the games, one core."""
    positions = []
    for game in read_games(*manifest["sources"]):
        positions.extend(p.copy() for p, (_, point) in game.replay() if point is not None)
        if len(positions) >= settings.feature_positions:
            break
    cycle = itertools.cycle(positions[: settings.feature_positions])

    def step():
        encoding.encode(planes(next(cycle)))

    note = f"planes + encode (what prepare does), 1 core, {settings.feature_positions:,} positions"
    return timed("features on the fly", step, 1, settings.seconds, "cpu", note)


def reader_rate(manifest: dict, games: int = 300) -> tuple[float, float]:
    """Games and positions per second of read_games (prepare's main process), on one core."""
    start = time.perf_counter()
    read = list(islice(read_games(*manifest["sources"]), games))
    seconds = time.perf_counter() - start
    return len(read) / seconds, sum(len(g.moves) for g in read) / seconds


def prepare_figures(data: Path, manifest: dict, one_core: float) -> list[str]:
    """Disk bytes, and prepare's rate per worker from the shards' own timings; projections at
    that rate and at `one_core`, the features rate measured on one core in this run."""
    disk = sum(p.stat().st_size for p in layout.array_paths(data))
    records = [json.loads(p.read_text()) for p in layout.record_paths(data)]
    worker_seconds = sum(r["seconds"] for r in records)
    positions = manifest["positions"]
    per_core = positions / worker_seconds
    per_position = disk / positions
    games_s, moves_s = reader_rate(manifest)

    def hours(rate: float, cores: int) -> float:
        return ALL_POSITIONS / (rate * cores) / 3600

    run = manifest["run"]
    resumed = run["positions_computed"] < positions
    splits = ", ".join(f"{k} {v['positions']:,}" for k, v in manifest["splits"].items())
    return [
        f"- data: `{data}` from {', '.join(Path(s).name for s in manifest['sources'])}: "
        f"{len(manifest['game_ids']):,} games, {positions:,} positions "
        f"({splits}), "
        f"{len(manifest['skipped'])} games skipped, {len(records)} shards",
        f"- disk: {disk / 1e6:,.1f} MB, **{per_position:,.0f} bytes/position** "
        f"(uint16 codes 722 + int16 label + int32 game + int16 move number + .npy headers); "
        f"as uint8 planes it would be {48 * 361:,}",
        f"- prepare: {worker_seconds:,.1f} worker-seconds in the shards, "
        f"**{per_core:,.0f} positions/s per worker process** (replay + planes + encode + write; "
        f"wall time inside the workers, with whatever else the machine ran then)",
        f"- last run of prepare into it: {run['seconds']:.1f} s wall with {run['workers']} "
        f"workers, computing {run['positions_computed']:,} of the {positions:,} positions"
        + (" (the rest: shards finished before an interruption)" if resumed else ""),
        f"- read_games in the main process: {games_s:,.0f} games/s, {moves_s:,.0f} moves/s "
        f"(one core; it feeds the workers, so it bounds prepare at that rate)",
        f"- projected for all {ALL_POSITIONS / 1e6:.0f}M positions: "
        f"**{ALL_POSITIONS * per_position / 1e9:,.1f} GB** on disk; "
        f"{hours(per_core, GPU_MACHINE_CORES):.2f} h on {GPU_MACHINE_CORES} cores at the rate "
        f"per worker above, {hours(one_core, GPU_MACHINE_CORES):.2f} h at the one-core rate of "
        f"the table ({one_core:,.0f}/s; the reader must then deliver "
        f"{one_core * GPU_MACHINE_CORES:,.0f} moves/s); "
        f"{hours(per_core, 2):.1f} h on this machine's 2 cores",
    ]


def results_table(rows: list[Row]) -> list[str]:
    return table(
        ["pipeline", "positions", "seconds", "positions/s", "note"],
        ([r.label, f"{r.positions:,}", f"{r.seconds:.2f}", f"{r.rate:,.0f}", r.note] for r in rows),
        align="lrrrl",
    )


def run(settings: Settings) -> None:
    torch.set_num_threads(settings.threads)
    manifest = layout.read_manifest(settings.data)
    dataset = PositionDataset(settings.data, "train")
    largest = max(settings.batch_sizes)
    rows = loader_rows(settings)
    rows.append(gather_row(settings, dataset, largest))
    rows.append(many_shards_row(settings, largest))
    rows.append(plane_store_row(settings, dataset, largest))
    rows.append(features_row(settings, manifest))
    best = max(r.rate for r in rows if r.label.startswith("loader"))
    text = page(
        "# Loader and prepare benchmark",
        [
            f"device: `{settings.device}`; best loader row: {best:,.0f} positions/s; "
            + (
                f"target {TARGET:,} positions/s to the GPU: "
                + ("met" if best >= TARGET else "NOT met")
                if settings.device.startswith("cuda")
                else f"the target ({TARGET:,} positions/s to the GPU) needs `--device cuda`"
            )
        ],
        "## Loader: decode + augment + batch",
        "Best of 3 timing windows per row. The loader rows time the loader alone: its output "
        "buffers are reused from batch to batch and can stay in the CPU caches (batch 256, and "
        "bfloat16), which a training step reading them would not allow; batch 1024 in float32 "
        "is the memory-bound figure.",
        results_table(rows),
        "## Prepare",
        prepare_figures(settings.data, manifest, rows[-1].rate),
        host=machine(settings.device),
        command=f"python -m benchmarks.loader --data {settings.data} "
        f"--device {settings.device} --threads {settings.threads}",
    )
    publish(settings.out, text)


def parse_args(argv: list[str] | None = None) -> Settings:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data",
        type=Path,
        default=Path("data/tom-9d-2003"),
        help="a prepared data directory (default: data/tom-9d-2003 of the checkout's root)",
    )
    add_device(parser, default="cpu")
    parser.add_argument(
        "--seconds", type=float, default=1.0, help="per timing window (best of 3 per row)"
    )
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[256, 1024])
    parser.add_argument("--feature-positions", type=int, default=2000)
    add_threads(parser, note="1: the steadiest figures on a machine shared with other jobs")
    add_output_arguments(parser)
    args = parser.parse_args(argv)
    try:
        device = checked_device(args.device)
    except ValueError as error:
        parser.error(str(error))
    return Settings(
        args.data,
        device,
        args.seconds,
        tuple(args.batch_sizes),
        args.feature_positions,
        args.threads,
        results_page(args, "loader"),
    )


if __name__ == "__main__":
    run(parse_args())
