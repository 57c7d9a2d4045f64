"""Prepared training positions (see `python -m alphago_policy prepare`) and the loader feeding them.

A data directory (its layout: alphago_policy.layout) holds, per split, shards of coded
positions as .npy files, read with np.load(mmap_mode="r").

`make_loader` draws batches from a fresh permutation of the whole split each epoch (so the
positions of one game are spread over the epoch), applies one of the 8 board symmetries per
position, and expands the codes into float planes with one table look-up, on the GPU when
asked. Everything random derives from (seed, epoch, batch), so a stream is reproducible and
resumes at any batch index.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from alphago_policy import encoding
from alphago_policy.layout import ARRAYS, SPLITS, PreparedDataError, read_manifest, shard_path
from alphago_policy.positions import Decoder, as_tensors
from alphago_policy.symmetries import NUM_SYMMETRIES
from sgf_data.coords import NUM_POINTS


def mapped(path: Path) -> np.ndarray:
    """An .npy file memory-mapped read-only, as a plain ndarray (np.memmap's per-access
    bookkeeping would cost more than the read when a batch touches thousands of shards);
    PreparedDataError where it is missing or cut short."""
    try:
        return np.load(path, mmap_mode="r").view(np.ndarray)
    except (OSError, ValueError, EOFError) as error:
        raise PreparedDataError(f"{path}: {_what(error)}: prepare the data again") from None


def _what(error: Exception) -> str:
    """What went wrong reading an array file, in a few words."""
    if isinstance(error, FileNotFoundError):
        return "missing"
    return f"damaged ({error})"


def checked_shard(arrays: dict[str, np.ndarray], positions: int, where: Path) -> None:
    """PreparedDataError unless a shard's arrays hold the `positions` its manifest entry says,
    with codes of 361 points and labels that are points of the board."""
    for name, array in arrays.items():
        if len(array) != positions or (name == "codes" and array.shape[1:] != (NUM_POINTS,)):
            raise PreparedDataError(
                f"{where}.{name}.npy: shape {array.shape}, the manifest says {positions:,} "
                "positions: prepare the data again"
            )
    labels = arrays["labels"]
    if len(labels) and not (labels.min() >= 0 and labels.max() < NUM_POINTS):
        raise PreparedDataError(
            f"{where}.labels.npy: labels {labels.min()}..{labels.max()}, outside the board's "
            f"0..{NUM_POINTS - 1}: prepare the data again"
        )


class PositionDataset:
    """One split of a prepared data directory: len() positions, raw codes and labels."""

    def __init__(self, data_dir: str | Path, split: str):
        if split not in SPLITS:
            raise ValueError(f"unknown split {split!r}: expected one of {SPLITS}")
        self.data_dir = Path(data_dir)
        self.manifest = read_manifest(self.data_dir)
        self.split = split
        shards = self.manifest["splits"][split]["shards"]
        self._arrays = {array: [] for array in ARRAYS}
        for shard in shards:
            arrays = {a: mapped(shard_path(self.data_dir, split, shard["name"], a)) for a in ARRAYS}
            checked_shard(arrays, shard["positions"], self.data_dir / split / shard["name"])
            for name, array in arrays.items():
                self._arrays[name].append(array)
        sizes = [len(codes) for codes in self._arrays["codes"]]
        self._starts = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)

    def __len__(self) -> int:
        return int(self._starts[-1])

    def _locate(self, index: int) -> tuple[int, int]:
        if not 0 <= index < len(self):
            raise IndexError(f"position {index} out of range for {len(self)} positions")
        shard = int(np.searchsorted(self._starts, index, side="right")) - 1
        return shard, index - int(self._starts[shard])

    def __getitem__(self, index: int) -> tuple[np.ndarray, int]:
        """(codes uint16 (361,), move label) of one position."""
        shard, row = self._locate(index)
        return np.array(self._arrays["codes"][shard][row]), int(self._arrays["labels"][shard][row])

    def planes(self, index: int) -> np.ndarray:
        """The 48 planes uint8 (48, 19, 19) of one position."""
        return encoding.decode(self[index][0])

    def game(self, index: int) -> tuple[str, int]:
        """(game id, move number) of the position."""
        shard, row = self._locate(index)
        game = int(self._arrays["games"][shard][row])
        return self.manifest["game_ids"][game], int(self._arrays["plies"][shard][row])

    def rows(self, indices: np.ndarray, *arrays: str) -> tuple[np.ndarray, ...]:
        """The rows `indices` (in that order) of each named array, visiting each shard once."""
        indices = np.asarray(indices, np.int64)
        order = np.argsort(indices, kind="stable")
        ordered = indices[order]
        shards = np.searchsorted(self._starts, ordered, side="right") - 1
        rows = ordered - self._starts[shards]
        cuts = np.flatnonzero(np.diff(shards)) + 1
        sources = [self._arrays[array] for array in arrays]
        outs = [np.empty((len(indices), *s[0].shape[1:]), s[0].dtype) for s in sources]
        for start, end in zip([0, *cuts.tolist()], [*cuts.tolist(), len(ordered)], strict=True):
            if end > start:
                shard, chosen = shards[start], rows[start:end]
                for out, source in zip(outs, sources, strict=True):
                    out[order[start:end]] = source[shard][chosen]
        return tuple(outs)

    def gather(self, indices: np.ndarray, array: str = "codes") -> np.ndarray:
        """The rows `indices` of one array, in that order."""
        return self.rows(indices, array)[0]


@dataclass(frozen=True)
class LoaderSettings:
    """How `make_loader` draws batches; every field changes the stream it yields."""

    batch_size: int
    augment: bool = True
    shuffle: bool = True
    seed: int = 0
    rank: int = 0
    world_size: int = 1
    epochs: int | None = None  # None: endless
    drop_last: bool = True


class Loader:
    """The batch stream of `make_loader`: an iterator with its epoch length."""

    def __init__(
        self,
        dataset: PositionDataset,
        settings: LoaderSettings,
        decoder: Decoder,
        start_batch: int = 0,
    ):
        self.dataset = dataset
        self.settings = settings
        self.decoder = decoder
        per_rank = len(dataset) // settings.world_size
        if settings.drop_last:
            self.batches_per_epoch = per_rank // settings.batch_size
        else:
            self.batches_per_epoch = -(-per_rank // settings.batch_size)
        if self.batches_per_epoch == 0:
            raise ValueError(
                f"{dataset.data_dir} split {dataset.split!r}: {len(dataset)} positions make no "
                f"batch of {settings.batch_size} on {settings.world_size} rank(s)"
            )
        self._epoch_indices: tuple[int, np.ndarray] | None = None
        self._stream = self.batches(start_batch)

    def __iter__(self) -> Loader:
        return self

    def __next__(self) -> tuple[torch.Tensor, torch.Tensor]:
        return next(self._stream)

    def __len__(self) -> int:
        """Batches in the whole stream (a TypeError for an endless one, like any iterator)."""
        if self.settings.epochs is None:
            raise TypeError("an endless loader has no length: see batches_per_epoch")
        return self.settings.epochs * self.batches_per_epoch

    def rank_indices(self, epoch: int) -> np.ndarray:
        """This rank's positions in epoch order: a seeded permutation, dealt round-robin."""
        if self._epoch_indices is None or self._epoch_indices[0] != epoch:
            n = len(self.dataset)
            if self.settings.shuffle:
                order = np.random.default_rng([self.settings.seed, epoch]).permutation(n)
            else:
                order = np.arange(n)
            per_rank = n // self.settings.world_size
            mine = order[self.settings.rank :: self.settings.world_size][:per_rank]
            self._epoch_indices = (epoch, mine)
        return self._epoch_indices[1]

    def raw_batch(self, batch: int) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """(codes, labels, symmetries or None) of global batch number `batch`, on the CPU."""
        epoch, number = divmod(batch, self.batches_per_epoch)
        size = self.settings.batch_size
        indices = self.rank_indices(epoch)[number * size : (number + 1) * size]
        codes, labels = self.dataset.rows(indices, "codes", "labels")
        ks = None
        if self.settings.augment:
            rng = np.random.default_rng([self.settings.seed, epoch, number, self.settings.rank])
            ks = rng.integers(0, NUM_SYMMETRIES, len(indices))
        return codes, labels, ks

    def batches(self, start_batch: int = 0) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        """Batches from global batch number `start_batch` on (what a checkpoint records)."""
        end = None if self.settings.epochs is None else len(self)
        batch = start_batch
        pin = self.decoder.device.type == "cuda"
        while end is None or batch < end:
            tensors = as_tensors(*self.raw_batch(batch))
            if pin:
                tensors = [t if t is None else t.pin_memory() for t in tensors]
            yield self.decoder(*tensors)
            batch += 1


def make_loader(
    data_dir: str | Path,
    split: str,
    batch_size: int,
    *,
    augment: bool = True,
    seed: int = 0,
    rank: int = 0,
    world_size: int = 1,
    start_batch: int = 0,
    epochs: int | None = None,
    shuffle: bool = True,
    drop_last: bool = True,
    device: str | torch.device = "cpu",
    dtype: torch.dtype = torch.float32,
    channels_last: bool = False,
) -> Loader:
    """Batches (x float (B, 48, 19, 19), y int64 (B,)) of one split, on `device`.

    Endless unless `epochs` is given; batch number b of the stream depends only on (data,
    settings, b), so `start_batch=b` resumes a stream exactly. The returned iterator also
    tells `batches_per_epoch`. Each of `world_size` ranks gets a disjoint, equal share of
    every epoch, for DistributedDataParallel (so up to world_size - 1 positions an epoch are
    left out). For evaluation: augment=False, shuffle=False, epochs=1, drop_last=False.
    `device="cuda"` moves only the codes (722 bytes a position) and expands them there;
    `channels_last=True` gives x in that memory layout, which saves a transposition (and is
    what cuDNN prefers).
    """
    if not 0 <= rank < world_size:
        raise ValueError(f"rank {rank} is not in 0..{world_size - 1}")
    settings = LoaderSettings(
        batch_size, augment, shuffle, seed, rank, world_size, epochs, drop_last
    )
    decoder = Decoder(device, dtype, channels_last)
    return Loader(PositionDataset(data_dir, split), settings, decoder, start_batch)
