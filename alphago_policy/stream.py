"""Training positions straight from game records, computed on the fly by worker processes.

    python -m alphago_policy train --data ../shared/data/sgf --out runs/k64 ...

`--data` may be anything `read_games` reads (directories, archives, .sgf files). At the start
the raw bytes of every SGF file are read into memory in a canonical order (sorted directories,
archive order: 3.4 s and 164 MB for the 117k games of ../shared/data on one core); nothing is
parsed. Then each epoch is a seeded permutation of the files, cut into windows of
`window_files` files. Worker processes replay the games of a window and compute the 48 planes
of each position of the chosen split (split by game id exactly as `prepare` splits); the
window's positions are shuffled together, so a batch of 256 draws from hundreds of games, and
each gets a random one of the 8 symmetries. While the trainer consumes one window the workers
compute the next.

Everything random derives from (seed, epoch, window), never from the number of workers, so
the batches are the same on any machine. `Stream.position` (epoch, window, offset) is what a
checkpoint records; a stream started there yields exactly the batches an uninterrupted one
would. Duplicated games are not removed (a game and its copy land in the same split anyway).
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from alphago_policy.layout import DEFAULT_FRACTIONS, split_of
from alphago_policy.positions import Decoder, coded_games, joined
from alphago_policy.symmetries import NUM_SYMMETRIES
from alphago_policy.workers import start_worker
from sgf_data.archives import SgfFile, check_paths, sgf_files
from sgf_data.reader import LoadSummary, games_of

TASK_FILES = 32  # files per worker task: small enough to spread a window over 15 workers
WINDOWS_AHEAD = 2  # windows computed ahead of the one being consumed


@dataclass(frozen=True)
class Records:
    """The SGF files of a collection, as raw bytes in canonical order, and what was unreadable."""

    files: tuple[SgfFile, ...]
    unreadable: tuple[SgfFile, ...]

    @classmethod
    def read(cls, paths: Sequence[str | os.PathLike]) -> Records:
        """Every SGF file under `paths` (missing paths raise at once, as in `read_games`)."""
        found = list(sgf_files(check_paths(paths)))
        return cls(
            tuple(f for f in found if f.data is not None),
            tuple(f for f in found if f.data is None),
        )

    def fingerprint(self) -> str:
        """A digest of the files' contents in order (0.3 s for 164 MB), the same wherever they
        are stored: a resumed run checks that it reads the same games."""
        digest = hashlib.sha1()
        for file in self.files:
            digest.update(hashlib.sha1(file.data).digest())
        return digest.hexdigest()[:16]


def positions_of(
    files: Sequence[SgfFile], split: str, fractions: tuple[float, float, float]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(codes uint16 (N, 361), labels int16 (N,), plies int16 (N,)) of every position of the
    files' games in `split`; a game that cannot be used is skipped and named in a warning, as
    everywhere games are read (see alphago_policy.positions)."""
    games = games_of(files, LoadSummary())
    chosen = (game for game in games if split_of(game.game_id, fractions) == split)
    arrays = joined([arrays for _, arrays in coded_games(chosen, [])])
    return arrays["codes"], arrays["labels"], arrays["plies"]


def tasks_of(
    files: Sequence[SgfFile], split: str, fractions: tuple[float, float, float]
) -> list[tuple]:
    """`positions_of` tasks of TASK_FILES files each, in order."""
    return [(files[i : i + TASK_FILES], split, fractions) for i in range(0, len(files), TASK_FILES)]


class Workers:
    """A pool of processes computing `positions_of` (or the caller itself, for 0 workers)."""

    def __init__(self, count: int) -> None:
        self.pool = None
        if count > 0:
            context = multiprocessing.get_context("spawn")  # no fork of a threaded torch
            self.pool = context.Pool(count, initializer=start_worker, initargs=(os.getpid(),))

    def submit(self, tasks: list[tuple]) -> Any:
        """Start the tasks; `.get()` of the result is their outputs in order."""
        if self.pool is None:
            return _Done([positions_of(*task) for task in tasks])
        return self.pool.starmap_async(positions_of, tasks)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.terminate()
            self.pool.join()
            self.pool = None


@dataclass(frozen=True)
class _Done:
    outputs: list

    def get(self) -> list:
        return self.outputs


@dataclass(frozen=True)
class StreamSettings:
    """What decides the stream of positions (workers and devices do not)."""

    split: str = "train"
    batch_size: int = 256
    seed: int = 0
    window_files: int = 1024
    augment: bool = True
    fractions: tuple[float, float, float] = DEFAULT_FRACTIONS


class Stream:
    """Endless batches (x float (B, 48, 19, 19), y int64 (B,)) of one split of game records."""

    def __init__(
        self,
        records: Records,
        settings: StreamSettings,
        workers: Workers,
        decoder: Decoder,
        position: dict[str, int] | None = None,
    ) -> None:
        if not records.files:
            raise ValueError("no readable SGF file in the training data")
        self.records, self.settings, self.workers, self.decoder = (
            records,
            settings,
            workers,
            decoder,
        )
        self.position = dict(position or {"epoch": 0, "window": 0, "offset": 0})
        self._windows = self._window_numbers(self.position["epoch"], self.position["window"])
        self._pending: deque = deque()
        self._current: tuple[np.ndarray, np.ndarray, np.ndarray | None] | None = None

    @property
    def windows_per_epoch(self) -> int:
        return -(-len(self.records.files) // self.settings.window_files)

    def _window_numbers(self, epoch: int, window: int) -> Iterator[tuple[int, int]]:
        while True:
            while window < self.windows_per_epoch:
                yield epoch, window
                window += 1
            epoch, window = epoch + 1, 0

    def _files_of(self, epoch: int, window: int) -> list[SgfFile]:
        order = np.random.default_rng([self.settings.seed, epoch]).permutation(
            len(self.records.files)
        )
        size = self.settings.window_files
        return [self.records.files[i] for i in order[window * size : (window + 1) * size]]

    def _submit_next(self) -> None:
        epoch, window = next(self._windows)
        files = self._files_of(epoch, window)
        tasks = tasks_of(files, self.settings.split, self.settings.fractions)
        self._pending.append(((epoch, window), self.workers.submit(tasks)))

    def _next_window(self) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """The shuffled positions (and symmetries) of the window at `position`."""
        while len(self._pending) < 1 + WINDOWS_AHEAD:
            self._submit_next()
        (epoch, window), result = self._pending.popleft()
        assert (epoch, window) == (self.position["epoch"], self.position["window"])
        parts = result.get()
        codes = np.concatenate([p[0] for p in parts])
        labels = np.concatenate([p[1] for p in parts])
        rng = np.random.default_rng([self.settings.seed, epoch, window])
        order = rng.permutation(len(labels))
        ks = rng.integers(0, NUM_SYMMETRIES, len(labels)) if self.settings.augment else None
        return codes[order], labels[order], ks

    def _following(self) -> dict[str, int]:
        """The position at the start of the window after the current one."""
        epoch, window = self.position["epoch"], self.position["window"] + 1
        if window == self.windows_per_epoch:
            epoch, window = epoch + 1, 0
        return {"epoch": epoch, "window": window, "offset": 0}

    def _take(self, count: int) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """The next `count` positions, across windows where one runs out."""
        pieces, empty_windows = [], 0
        while count:
            if self._current is None:
                self._current = self._next_window()
            codes, labels, ks = self._current
            offset = self.position["offset"]
            end = min(len(labels), offset + count)
            pieces.append(
                (codes[offset:end], labels[offset:end], None if ks is None else ks[offset:end])
            )
            count -= end - offset
            self.position["offset"] = end
            if end == len(labels):
                empty_windows = empty_windows + 1 if offset == end else 0
                if empty_windows > self.windows_per_epoch:
                    raise ValueError(
                        f"the game records hold no position of the {self.settings.split} split"
                    )
                self._current = None
                self.position = self._following()
        codes = np.concatenate([p[0] for p in pieces])
        labels = np.concatenate([p[1] for p in pieces])
        ks = None if pieces[0][2] is None else np.concatenate([p[2] for p in pieces])
        return codes, labels, ks

    def __iter__(self) -> Stream:
        return self

    def __next__(self) -> tuple[torch.Tensor, torch.Tensor]:
        return self.decoder(*self._take(self.settings.batch_size))


def first_positions(
    records: Records,
    split: str,
    count: int,
    workers: Workers,
    fractions: tuple[float, float, float] = DEFAULT_FRACTIONS,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The first `count` positions of `split` in canonical file order (codes, labels, plies):
    the same ones whatever the seed, for validation."""
    parts, found, start = [], 0, 0
    step = TASK_FILES * 8
    while found < count and start < len(records.files):
        files = records.files[start : start + step]
        tasks = [
            (files[i : i + TASK_FILES], split, fractions) for i in range(0, len(files), TASK_FILES)
        ]
        for part in workers.submit(tasks).get():
            parts.append(part)
            found += len(part[1])
        start += step
    if not parts:
        return positions_of((), split, fractions)
    return tuple(np.concatenate([p[i] for p in parts])[:count] for i in range(3))
