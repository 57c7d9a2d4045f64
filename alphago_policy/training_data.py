"""Where a training run's positions come from: a directory written by `prepare` (shards on disk)
or game records streamed through worker processes (alphago_policy.stream).

Both sources are a `TrainingData` with the same methods: this process's share of each batch of
`--batch-size` positions (the global batch, split over the torchrun processes), where the
stream stands (for the checkpoint), the fixed validation positions, and what the data is (for
the log). `open_data` picks the source `--data` names.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Iterator
from itertools import islice
from typing import Any

import torch

from alphago_policy import stream
from alphago_policy.dataset import PositionDataset, make_loader
from alphago_policy.layout import PreparedDataError, is_prepared
from alphago_policy.positions import Decoder
from alphago_policy.runtime import Cluster
from alphago_policy.training_settings import Settings, SettingsError

EVAL_BATCH = 512  # validation positions per batch and process

Batch = tuple[torch.Tensor, torch.Tensor]  # x float (B, 48, 19, 19), y int64 (B,)


class TrainingData(ABC):
    """The run's batches and validation positions; `settings.batch_size` is the global batch,
    of which each of the cluster's processes gets its `share`."""

    def __init__(self, settings: Settings, cluster: Cluster, device: torch.device) -> None:
        self.settings, self.cluster, self.device = settings, cluster, device

    @property
    def share(self) -> int:
        """This process's positions of each batch."""
        return self.settings.batch_size // self.cluster.world_size

    @property
    def eval_batch(self) -> int:
        """Validation positions per batch of this process."""
        return min(EVAL_BATCH, -(-self.settings.eval_positions // self.cluster.world_size))

    @abstractmethod
    def describe(self) -> dict[str, Any]:
        """What the data is, for the log and the checkpoint."""

    @abstractmethod
    def batches(self, step: int, position: dict[str, int] | None) -> Iterator[Batch]:
        """This process's share of each batch, from the one after `step` (or the stream
        `position` of the checkpoint, for game records)."""

    @abstractmethod
    def position(self) -> dict[str, int] | None:
        """Where the batches stand beyond the step, for the checkpoint (None: the step says)."""

    @abstractmethod
    def validation(self) -> list[Batch]:
        """Batches of about `eval_positions` validation positions, the same every time."""

    @abstractmethod
    def close(self) -> None:
        """Let go of worker processes, if any."""


class PreparedData(TrainingData):
    """Positions of a directory written by `prepare`."""

    def __init__(self, settings: Settings, cluster: Cluster, device: torch.device) -> None:
        super().__init__(settings, cluster, device)
        count = len(PositionDataset(settings.data, "train"))
        if count // cluster.world_size < self.share:
            raise SettingsError(
                f"--data {settings.data}: its train split holds {count} positions, not one "
                f"batch of --batch-size {settings.batch_size}: prepare more games (or "
                f"prepare them with a train fraction above 0)"
            )

    def describe(self) -> dict[str, Any]:
        return {"kind": "prepared", "path": self.settings.data}

    def batches(self, step: int, position: dict[str, int] | None) -> Iterator[Batch]:
        settings, cluster = self.settings, self.cluster
        return make_loader(
            settings.data,
            "train",
            self.share,
            augment=settings.augment,
            seed=settings.seed,
            rank=cluster.rank,
            world_size=cluster.world_size,
            start_batch=step,
            device=self.device,
        )

    def position(self) -> None:
        return None

    def close(self) -> None:
        pass  # no worker processes

    def validation(self) -> list[Batch]:
        settings, cluster = self.settings, self.cluster
        if len(PositionDataset(settings.data, "validation")) == 0:
            return []
        batches = make_loader(
            settings.data,
            "validation",
            self.eval_batch,
            augment=False,
            seed=0,
            rank=cluster.rank,
            world_size=cluster.world_size,
            epochs=1,
            drop_last=False,
            device=self.device,
        )
        count = -(-settings.eval_positions // (self.eval_batch * cluster.world_size))
        return list(islice(batches, count))


class GameRecordData(TrainingData):
    """Positions computed from game records by worker processes while the run trains."""

    def __init__(self, settings: Settings, cluster: Cluster, device: torch.device) -> None:
        super().__init__(settings, cluster, device)
        try:
            self.records = stream.Records.read([settings.data])
        except (FileNotFoundError, ValueError) as error:
            raise SettingsError(f"--data {settings.data}: {error}") from error
        if not self.records.files:
            raise SettingsError(
                f"--data {settings.data}: no readable SGF file there; give game records "
                f"(a directory, .sgf, .zip or tar archive) or a directory written by prepare"
            )
        count = settings.workers
        if count < 0:
            count = max(1, (os.cpu_count() or 1) - torch.get_num_threads())
        self.workers = stream.Workers(count)
        self.stream: stream.Stream | None = None
        self._validation: list[Batch] | None = None

    def describe(self) -> dict[str, Any]:
        return {
            "kind": "game records",
            "path": self.settings.data,
            "files": len(self.records.files),
            "unreadable": len(self.records.unreadable),
            "fingerprint": self.records.fingerprint(),
            "workers": self.settings.workers,
        }

    def batches(self, step: int, position: dict[str, int] | None) -> Iterator[Batch]:
        settings = self.settings
        stream_settings = stream.StreamSettings(
            "train", settings.batch_size, settings.seed, settings.window_files, settings.augment
        )
        decoder = Decoder(self.device)
        self.stream = stream.Stream(self.records, stream_settings, self.workers, decoder, position)
        return self._shares(self.stream)

    def _shares(self, batches: stream.Stream) -> Iterator[Batch]:
        """This process's rows of each whole batch; SettingsError when the records hold no
        training position at all (the stream finds out after reading every file once)."""
        rows = slice(self.cluster.rank * self.share, (self.cluster.rank + 1) * self.share)
        try:
            for x, y in batches:
                yield x[rows], y[rows]
        except ValueError as error:
            raise SettingsError(
                f"--data {self.settings.data}: {error} (every game is in the validation or "
                f"test split, or none can be replayed): give more game records"
            ) from error

    def position(self) -> dict[str, int] | None:
        return None if self.stream is None else dict(self.stream.position)

    def validation(self) -> list[Batch]:
        if self._validation is None:
            self._validation = self._first_validation_positions()
        return self._validation

    def _first_validation_positions(self) -> list[Batch]:
        settings, cluster, per_batch = self.settings, self.cluster, self.eval_batch
        codes, labels, _ = stream.first_positions(
            self.records, "validation", settings.eval_positions, self.workers
        )
        mine = slice(cluster.rank, None, cluster.world_size)
        codes, labels = codes[mine], labels[mine]
        decode = Decoder(self.device)
        return [
            decode(codes[i : i + per_batch], labels[i : i + per_batch])
            for i in range(0, len(labels), per_batch)
        ]

    def close(self) -> None:
        self.workers.close()


def open_data(settings: Settings, cluster: Cluster, device: torch.device) -> TrainingData:
    """The data `--data` names: prepared shards or game records (SettingsError when neither,
    or when they hold no batch to train on)."""
    if not is_prepared(settings.data):
        return GameRecordData(settings, cluster, device)
    try:
        return PreparedData(settings, cluster, device)
    except PreparedDataError as error:
        raise SettingsError(f"--data {error}") from error
