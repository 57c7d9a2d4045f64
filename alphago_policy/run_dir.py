"""A training run's directory (`train --out RUN`): what it holds, and the one place that writes it.

    RUN/checkpoint.pt   everything needed to continue the run (alphago_policy.checkpoint)
    RUN/policy_k{k}.pt  the network of that checkpoint with its model card
    RUN/ema_k{k}.pt     with --ema: the moving average of the weights, with its own card
    RUN/log.jsonl       one JSON object a line (alphago_policy.runlog)
    RUN/.lock           locked by the process that trains the run, so a second one is refused

`RunDir.save` writes the checkpoint, the weights files and the log's `checkpoint` line together,
each file atomically. The lock is an `flock` on `.lock`: the system drops it when the process
ends, however it ends, so a killed run never leaves its directory locked. `ship`,
`training/spikes.py` and the benchmarks find a run's files here.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import torch

from alphago_policy import checkpoint as ckpt
from alphago_policy.files import OutputError, check_room, reason, write_failed
from alphago_policy.policy import save_weights
from alphago_policy.runlog import LOG, JsonLog, cut_log

WEIGHTS = "policy_k"  # + k + ".pt": the network's weights
EMA = "ema_k"  # + k + ".pt": the moving average's weights
LOCK = ".lock"
COPIES = 5  # a checkpoint's size in copies of the network's state, weights files included


class RunInUse(RuntimeError):
    """Another process is training the run in this directory."""


class RunDir:
    """The directory of one training run, by path."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)

    @property
    def checkpoint_path(self) -> Path:
        return ckpt.path_of(self.path)

    @property
    def log_path(self) -> Path:
        return self.path / LOG

    def weights(self, k: int) -> Path:
        """The network's weights file of a run that trains `k` filters."""
        return self.path / f"{WEIGHTS}{k}.pt"

    def ema_weights(self, k: int) -> Path:
        """The moving average's weights file (`--ema`)."""
        return self.path / f"{EMA}{k}.pt"

    def weights_files(self) -> list[Path]:
        """The network's weights files there (one, for a run `train` wrote)."""
        return sorted(self.path.glob(f"{WEIGHTS}*.pt"))

    def has_checkpoint(self) -> bool:
        return self.checkpoint_path.exists()

    def checkpoint(self) -> ckpt.Checkpoint:
        """The run's checkpoint (CheckpointError when missing or unreadable)."""
        return ckpt.load(self.path)

    def open_log(self) -> JsonLog:
        return JsonLog(self.log_path)

    def cut_log(self, step: int) -> None:
        """Drop what a killed run logged after its checkpoint at `step`."""
        cut_log(self.log_path, step)

    @contextmanager
    def claimed(self) -> Iterator[None]:
        """Create the directory and hold its lock while the body runs (RunInUse when another
        process holds it). A run that fails before its first checkpoint in a directory it
        created removes that directory: it leaves nothing behind."""
        new = not self.path.exists()
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            lock = os.open(self.path / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as error:
            raise OutputError(
                f"{self.path}: cannot write the run there ({reason(error)})"
            ) from error
        try:
            hold(lock, self.path)
        except BaseException:
            os.close(lock)
            raise
        try:
            yield
        except BaseException:
            if new and not self.has_checkpoint():
                shutil.rmtree(self.path, ignore_errors=True)
            raise
        finally:
            os.close(lock)

    def check_room(self, model: torch.nn.Module) -> None:
        """Refuse (OutputError) a directory that cannot take a checkpoint of `model`."""
        state = sum(t.numel() * t.element_size() for t in model.state_dict().values())
        check_room(self.path, COPIES * state)

    def save(
        self,
        state: ckpt.Checkpoint,
        model: torch.nn.Module,
        card: dict[str, Any],
        average: tuple[torch.nn.Module, dict[str, Any]] | None,
        log: JsonLog,
    ) -> None:
        """Write the checkpoint, the network's weights with `card`, the moving average's
        weights with its card (`average`, when kept) and the log's `checkpoint` line.
        OutputError names the file that could not be written and why."""
        k = state.settings["k"]
        writes = [
            (self.checkpoint_path, partial(state.save, self.path)),
            (self.weights(k), partial(save_weights, model, self.weights(k), card)),
        ]
        if average is not None:
            ema, ema_card = average
            writes.append(
                (self.ema_weights(k), partial(save_weights, ema, self.ema_weights(k), ema_card))
            )
        for path, write in writes:
            try:
                write()
            except (OSError, RuntimeError) as error:
                raise write_failed(path, error) from error
        log.write(event="checkpoint", step=state.step)


def hold(lock: int, run: Path) -> None:
    """Take the lock on the open file `lock` and write this process's id into it; RunInUse,
    naming the process that holds it, when another does."""
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(lock, 32, 0).decode(errors="replace").strip() or "unknown"
        raise RunInUse(
            f"{run} is in use: process {holder} is training that run; wait for it to end "
            f"(or stop it), or give another --out"
        ) from None
    os.ftruncate(lock, 0)
    os.pwrite(lock, f"{os.getpid()}\n".encode(), 0)
