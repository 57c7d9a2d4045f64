"""Turn game collections into training positions: the 48 planes of every position, coded
per point, with the move played as label, split by game into train / validation / test.

    python -m alphago_policy prepare games/ kgs-2019.tar.gz --out data/kgs [--workers N]

Games are read in order (directories sorted, archives streamed) and cut into shards of a fixed
number of games; a pool of worker processes computes the planes of each shard and writes its
arrays, then its completion record (shards/NNNNNN.json, with each array file's size and
checksum), each file atomically. An interrupted run (Ctrl-C, `kill`) resumes where it stopped
when the same command runs again: shards whose record and files agree are not redone (one
whose files were damaged since is), so the result is the same as that of an uninterrupted run.
manifest.json, written last, says what the directory holds (see alphago_policy.layout).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import signal
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from alphago_policy import layout
from alphago_policy.cli import fail, positive_int
from alphago_policy.files import PROBE_BYTES, atomic_open, check_room, write_failed
from alphago_policy.layout import (
    DEFAULT_FRACTIONS,
    SETTINGS_FILE,
    SHARDS_DIR,
    SPLITS,
    Manifest,
    ShardRecord,
    file_entry,
    record_path,
    record_paths,
    shard_damage,
    shard_files,
    shard_name,
    shard_path,
    split_of,
    write_json,
)
from alphago_policy.positions import Arrays, coded_games, joined
from alphago_policy.workers import start_worker
from sgf_data.archives import check_paths, sgf_files
from sgf_data.reader import GameRecord, LoadSummary, Skip, read_games


@dataclass(frozen=True)
class PrepareSettings:
    """What `prepare` reads and how it cuts it; a resumed run must use the same."""

    paths: tuple[str, ...]
    out: str
    workers: int = field(default_factory=lambda: os.cpu_count() or 1)
    shard_games: int = 128
    fractions: tuple[float, float, float] = DEFAULT_FRACTIONS

    def identity(self) -> layout.Identity:
        """The settings that decide the output (workers do not)."""
        return layout.identity(self.paths, self.shard_games, self.fractions)


def prepare_shard(
    number: int,
    first_game: int,
    games: list[GameRecord],
    out: str,
    fractions: tuple[float, float, float],
) -> ShardRecord:
    """Compute and write one shard (its arrays per split, then its record); return the record.

    A game that cannot be coded is skipped as everywhere (alphago_policy.positions) and recorded.
    """
    started = time.perf_counter()
    per_split: dict[str, list[Arrays]] = {split: [] for split in SPLITS}
    skipped: list[Skip] = []
    for game, arrays in coded_games(games, skipped, first_game):
        per_split[split_of(game.game_id, fractions)].append(arrays)
    name = shard_name(number)
    positions = {}
    for split, parts in per_split.items():
        (Path(out) / split).mkdir(parents=True, exist_ok=True)
        for array, data in joined(parts).items():
            write_array(shard_path(Path(out), split, name, array), data)
        positions[split] = sum(len(p["labels"]) for p in parts)
    record: ShardRecord = {
        "shard": name,
        "first_game": first_game,
        "game_ids": [game.game_id for game in games],
        "positions": positions,
        "games": {split: len(parts) for split, parts in per_split.items()},
        "skipped": [asdict(skip) for skip in skipped],
        "seconds": round(time.perf_counter() - started, 3),
        "files": {key: file_entry(path) for key, path in shard_files(Path(out), name).items()},
    }
    write_json(record_path(Path(out), name), record)
    return record


def write_array(path: Path, data: np.ndarray) -> None:
    """Write an array atomically; an OSError names the file and the cause (a full disk)."""
    try:
        with atomic_open(path) as f:
            np.save(f, data)
    except OSError as error:
        raise write_failed(path, error) from None


def batched(items: Iterable, size: int) -> Iterator[list]:
    """The items in lists of `size` (the last one shorter).

    >>> list(batched(range(5), 2))
    [[0, 1], [2, 3], [4]]
    """
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def count_sgf_files(paths: Iterable[str]) -> int:
    """How many SGF files the paths hold: the progress bar's total (a file may hold several
    games, so this is an estimate). Archives are streamed, nothing is parsed."""
    return sum(1 for _ in sgf_files(check_paths(paths)))


def check_settings(out: Path, settings: PrepareSettings) -> None:
    """Record the settings in a new directory, or refuse to mix them with different ones."""
    path = out / SETTINGS_FILE
    identity = settings.identity()
    if path.exists():
        recorded = json.loads(path.read_text())
        if recorded != identity:
            raise ValueError(
                f"{out} was prepared with other settings ({path}: {recorded}); "
                f"use another --out, or the same sources and settings to resume"
            )
    else:
        write_json(path, identity)


def trusted_record(out: Path, shard: str) -> ShardRecord | None:
    """The record of a shard finished before, when its files are as they were written; None
    (the shard to be computed again, saying why) when there is none or they are not."""
    path = record_path(out, shard)
    if not path.exists():
        return None
    try:
        record = json.loads(path.read_text())
        damage = shard_damage(out, record)
    except (OSError, ValueError, KeyError, TypeError) as error:
        damage = f"its record {path.name} is damaged ({error})"
    if damage is None:
        return record
    print(f"shard {shard}: {damage}; computing it again", file=sys.stderr)
    path.unlink()
    return None


def remove_temporaries(out: Path) -> None:
    """Remove what an interrupted write left behind (never a finished file)."""
    for leftover in out.rglob("*.tmp-*"):
        leftover.unlink()


class ShardRunner:
    """Runs `prepare_shard` in a pool of processes (or inline for one worker), keeping at most
    two shards per worker in flight so that memory stays flat however large the input."""

    def __init__(self, workers: int):
        self.pool = None
        if workers > 1:
            self.pool = ProcessPoolExecutor(
                workers, initializer=start_worker, initargs=(os.getpid(),)
            )
        self.limit = 2 * workers
        self.pending: set[Future] = set()

    def submit(self, *task) -> Iterator[ShardRecord]:
        """Start a shard; yield the records of shards finished meanwhile."""
        if self.pool is None:
            yield prepare_shard(*task)
            return
        self.pending.add(self.pool.submit(prepare_shard, *task))
        while len(self.pending) >= self.limit:
            yield from self._collect()

    def finish(self) -> Iterator[ShardRecord]:
        """Yield the records of the shards still in progress as they finish."""
        while self.pending:
            yield from self._collect()

    def _collect(self) -> Iterator[ShardRecord]:
        done, self.pending = wait(self.pending, return_when=FIRST_COMPLETED)
        for future in done:
            yield future.result()

    def stop(self) -> None:
        """Let the shards in progress finish (their work is kept), drop those not started."""
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)


class Progress:
    """The progress bar (games, with an ETA) and the positions computed per second."""

    def __init__(self, total: int | None, enabled: bool):
        self.bar = tqdm(total=total, unit="game", disable=not enabled, smoothing=0.05)
        self.started = time.perf_counter()
        self.positions = 0

    def shard(self, record: ShardRecord, computed: bool) -> None:
        self.bar.update(len(record["game_ids"]))
        if computed:
            self.positions += sum(record["positions"].values())
            rate = self.positions / (time.perf_counter() - self.started)
            self.bar.set_postfix_str(f"{rate:,.0f} positions/s")

    def close(self) -> None:
        self.bar.close()


def prepare(
    settings: PrepareSettings,
    *,
    on_shard: Callable[[ShardRecord], None] | None = None,
    progress: bool = True,
) -> Manifest:
    """Prepare (or finish preparing) `settings.out`; return the manifest.

    `on_shard` is called with the record of each shard computed (tests interrupt a run there).
    """
    check_paths(settings.paths)
    out = Path(settings.out)
    created, fresh = not out.exists(), not (out / SETTINGS_FILE).exists()
    try:
        (out / SHARDS_DIR).mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OSError(f"--out {out}: cannot create it: {error.strerror or error}") from None
    check_room(out / SHARDS_DIR, PROBE_BYTES, f"--out {out}")
    check_settings(out, settings)
    remove_temporaries(out)
    summary = LoadSummary()
    records: dict[str, ShardRecord] = {}
    meter = Progress(count_sgf_files(settings.paths) if progress else None, progress)

    def finished(record: ShardRecord, computed: bool = True) -> None:
        records[record["shard"]] = record
        meter.shard(record, computed)
        if computed and on_shard is not None:
            on_shard(record)

    runner = ShardRunner(settings.workers)
    try:
        games = read_games(*settings.paths, summary=summary, unique=True)
        for number, shard in enumerate(batched(games, settings.shard_games)):
            done = trusted_record(out, shard_name(number))
            if done is not None:
                finished(done, computed=False)
                continue
            task = (number, number * settings.shard_games, shard, str(out), settings.fractions)
            for record in runner.submit(*task):
                finished(record)
        for record in runner.finish():
            finished(record)
    except KeyboardInterrupt:
        meter.close()
        print("interrupted: letting the shards in progress finish (their work is kept)")
        runner.stop()
        print(f"{len(record_paths(out))} shards done in {out}")
        raise
    finally:
        runner.stop()
        meter.close()
    manifest = layout.build_manifest(
        settings.identity(),
        [records[k] for k in sorted(records)],
        games_read=summary.games,
        skipped=[asdict(skip) for skip in summary.skipped],
        run={
            "finished": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "seconds": round(time.perf_counter() - meter.started, 1),
            "positions_computed": meter.positions,
            "workers": settings.workers,
        },
    )
    if manifest["positions"] == 0:
        if fresh:
            layout.remove(out, directory=created)
        raise ValueError(
            f"no position to prepare from {' '.join(settings.paths)}: {summary}"
            + ("; nothing written" if fresh else f"; {out} left as it was")
            + "; give 19x19 game records (.sgf files, directories or archives of them)"
        )
    layout.write_manifest(out, manifest)
    return manifest


def split_fractions(text: str) -> tuple[float, float, float]:
    """Percentages "train,validation,test" (summing to 100) as fractions.

    >>> split_fractions("90,5,5")
    (0.9, 0.05, 0.05)
    >>> split_fractions("90,5")
    Traceback (most recent call last):
    argparse.ArgumentTypeError: expected three percentages summing to 100, like 90,5,5: '90,5'
    """
    try:
        numbers = [float(part) for part in text.split(",")]
    except ValueError:
        numbers = []
    if len(numbers) != 3 or min(numbers) < 0 or abs(sum(numbers) - 100) > 1e-9:
        raise argparse.ArgumentTypeError(
            f"expected three percentages summing to 100, like 90,5,5: {text!r}"
        )
    return tuple(number / 100 for number in numbers)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths", nargs="+", metavar="PATH", help="directories, .sgf, .zip or tar archives of games"
    )
    parser.add_argument("--out", required=True, help="the data directory to write (or resume)")
    parser.add_argument(
        "--workers",
        type=positive_int,
        default=os.cpu_count() or 1,
        help="processes computing features (default: all cores)",
    )
    parser.add_argument(
        "--shard-games",
        type=positive_int,
        default=PrepareSettings.shard_games,
        help="games per shard, the unit of work and of resuming (default: 128)",
    )
    parser.add_argument(
        "--split",
        type=split_fractions,
        default=DEFAULT_FRACTIONS,
        metavar="TRAIN,VALIDATION,TEST",
        help="percentages of games per split, by a hash of the game id (default: 90,5,5)",
    )


class Terminated(KeyboardInterrupt):
    """SIGTERM (`kill`, a batch scheduler), stopping the run as Ctrl-C does."""


def _terminate(signum: int, frame: Any) -> None:
    raise Terminated


def run(args: argparse.Namespace) -> int:
    settings = PrepareSettings(
        tuple(args.paths), args.out, args.workers, args.shard_games, args.split
    )
    signal.signal(signal.SIGTERM, _terminate)
    try:
        manifest = prepare(settings)
    except KeyboardInterrupt as stop:
        print("stopped; run the same command again to resume")
        signum = signal.SIGTERM if isinstance(stop, Terminated) else signal.SIGINT
        return 128 + signum  # what a shell reports for a process the signal ended: 143, 130
    except (OSError, ValueError) as error:
        return fail(error)
    counts = ", ".join(f"{s} {manifest['splits'][s]['positions']:,}" for s in SPLITS)
    print(
        f"{args.out}: {manifest['positions']:,} positions ({counts}) from "
        f"{len(manifest['game_ids']):,} games; {len(manifest['skipped'])} games skipped"
    )
    return 0
